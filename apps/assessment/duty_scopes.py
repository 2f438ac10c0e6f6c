"""How duty lists and inspections are scoped (imported from AppConfig.ready()).

- A duty list belongs to its organization: ASSESSMENT_VIEW at or above it sees it (the default rule); a template is
  seen also below it, by whoever holds ASSESSMENT_VIEW in its owner's subtree (it applies to them).
- Keeping a list (DUTY_KEEP, this app's own capability): a template by ASSESSMENT_MANAGE where it is set up, an
  organization's own list by ORG_MANAGE on it (its secretary, its superiors' administrators).
- An inspection is seen by ASSESSMENT_VIEW at or above the inspected organization (its own staff read the result);
  ASSESSMENT_SCORE holds strictly below where it is held, as for scores: the superior inspects those under it.
- Items, results and evidence are in scope exactly when their list (inspection, result) is.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .duty_models import DutyItem, DutyList, Inspection, InspectionEvidence, InspectionResult
from .round_scopes import _entries_visible, _entry_check

DUTY_KEEP = "assessment.duties_keep"


def _ancestors(paths):
    from apps.orgs.models import Organization

    step = Organization.steplen
    return {p[:i] for p in paths for i in range(step, len(p), step)}


def _keep_q(user):
    manage = policy.scope_paths(user, policy.ASSESSMENT_MANAGE)
    own = policy.scope_paths(user, policy.ORG_MANAGE)
    return ((Q(is_template=True) & policy.subtree_q(manage, "organization__path"))
            | (Q(is_template=False) & policy.subtree_q(own, "organization__path")))


def _lists_visible(user, capability):
    return _keep_q(user) if capability == DUTY_KEEP else None


def _list_check(user, capability, lst):
    if capability != DUTY_KEEP:
        return None
    need = policy.ASSESSMENT_MANAGE if lst.is_template else policy.ORG_MANAGE
    return policy.in_paths(lst.organization.path, policy.scope_paths(user, need))


def _templates_above(user, capability):
    if capability != policy.ASSESSMENT_VIEW:
        return None
    paths = policy.scope_paths(user, policy.ASSESSMENT_VIEW)
    return Q(is_template=True, organization__path__in=_ancestors(paths)) if paths else None


def _template_above(user, capability, lst):
    if capability != policy.ASSESSMENT_VIEW or not lst.is_template:
        return False
    return lst.organization.path in _ancestors(policy.scope_paths(user, policy.ASSESSMENT_VIEW))


scoping.register(DutyList, org_path="organization__path", view=policy.ASSESSMENT_VIEW, label=_("职责清单"),
                 related=("organization",), aliases={DUTY_KEEP: None}, visible=_lists_visible, check=_list_check,
                 extra_q=_templates_above, extra_can=_template_above)
scoping.register_child(DutyItem, parent=DutyList, via="duty_list", label=_("清单事项"))
scoping.register(Inspection, org_path="organization__path", view=policy.ASSESSMENT_VIEW, label=_("清单检查"),
                 related=("organization",), visible=_entries_visible, check=_entry_check)
scoping.register_child(InspectionResult, parent=Inspection, via="inspection", label=_("检查结果"))
scoping.register_child(InspectionEvidence, parent=InspectionResult, via="result", label=_("检查佐证材料"))
