"""How cadres' pay is scoped (imported from AppConfig.ready()). Pay is personal data: a scheme and a sheet are seen
only by ASSESSMENT_MANAGE (district administrators) at or above the organization that set them up — the default rule
with ASSESSMENT_MANAGE as the capability that makes them visible, so to everyone else (the township's administrators,
the villages' own staff, auditors) they do not exist (404). Rates, band rates and lines are in scope exactly when
their scheme or sheet is."""

from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .pay_models import PayBandRate, PayLine, PayRate, PayScheme, PaySheet

scoping.register(PayScheme, org_path="organization__path", view=policy.ASSESSMENT_MANAGE, label=_("报酬方案"),
                 related=("organization", "group"))
scoping.register(PaySheet, org_path="organization__path", view=policy.ASSESSMENT_MANAGE, label=_("绩效报酬表"),
                 related=("organization", "round__system__group", "scheme"))
scoping.register_child(PayRate, parent=PayScheme, via="scheme", label=_("职务报酬标准"))
scoping.register_child(PayBandRate, parent=PayScheme, via="scheme", label=_("等次计发比例"))
scoping.register_child(PayLine, parent=PaySheet, via="sheet", label=_("报酬明细"))
