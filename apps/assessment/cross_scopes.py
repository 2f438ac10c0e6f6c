"""How cross-assessment is scoped (imported from AppConfig.ready()).

- Groups and their members are seen with their round (the district forms them: ASSESSMENT_MANAGE on the round).
- A cross score is sealed: until its round closes only the staff of its assessor organization see it (not the
  assessed, not the district, whatever their capabilities); once closed, whoever sees the entry sees it (the pages
  name the assessors to the round's managers only, "评分单位1..N" to the others).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from . import round_scopes  # noqa: F401  (Round and RoundEntry are registered first)
from .cross_models import CrossGroup, CrossMember, CrossScore
from .cross_services import acting_org_ids
from .round_models import Round, RoundEntry, RoundStatus


def _scores_visible(user, capability):
    acting = acting_org_ids(user)
    q = Q(assessor_id__in=acting) if acting else scoping.nothing()
    if capability == policy.ASSESSMENT_VIEW:
        q |= Q(entry__round__status=RoundStatus.CLOSED) & policy.child_q(RoundEntry, "entry", user)
    return q


def _score_check(user, capability, score):
    if score.assessor_id in acting_org_ids(user):
        return True
    return (capability == policy.ASSESSMENT_VIEW and score.entry.round.status == RoundStatus.CLOSED
            and policy.can(user, policy.ASSESSMENT_VIEW, score.entry))


scoping.register_child(CrossGroup, parent=Round, via="round", label=_("交叉考核小组"))
scoping.register_child(CrossMember, parent=CrossGroup, via="group", label=_("交叉考核成员单位"), related=("organization",))
scoping.register(CrossScore, org_path="assessor__path", view=policy.ASSESSMENT_VIEW, label=_("交叉评分"),
                 related=("assessor", "entry__round", "entry__organization", "indicator"),
                 visible=_scores_visible, check=_score_check)
