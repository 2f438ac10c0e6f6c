"""How democratic evaluations are scoped.

民主评议党员 is kept by those who keep a branch's organizational life: RECORD_MANAGE opens, grades and
finalizes, RECORD_VIEW reads everything (self-evaluations, peer ratings). A member on the roster takes part
(EVALUATION_TAKE_PART): their own self-evaluation, their ratings of the others, their own result; never the
others' ratings. EVALUATION_SEE is either of the two.

A participant (the roster row with its self-evaluation and grade) is the evaluation's: whoever may see (or
keep) the evaluation may see (or keep) its roster, by the evaluation's rule. A peer rating is confidential:
the keepers read them all, a member only the ratings they gave.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .models import Evaluation, Participant, PeerRating

EVALUATION_TAKE_PART = "evaluation.take_part"
EVALUATION_SEE = "evaluation.see"
_ALIASES = {EVALUATION_TAKE_PART: None, EVALUATION_SEE: policy.RECORD_VIEW}


def _taken_part(user, capability):
    if capability in (EVALUATION_TAKE_PART, EVALUATION_SEE) and policy.is_member_self_service(user):
        # A subquery, not a join: a join on the roster would repeat an evaluation once per participant.
        return Q(pk__in=Participant.objects.filter(member_id=user.member_id).values("evaluation_id"))
    return None


def _takes_part(user, capability, evaluation):
    return (capability in (EVALUATION_TAKE_PART, EVALUATION_SEE) and policy.is_member_self_service(user)
            and evaluation.participants.filter(member_id=user.member_id).exists())


def _given(user, capability):
    if capability in (EVALUATION_TAKE_PART, EVALUATION_SEE) and policy.is_member_self_service(user):
        return Q(rater_id=user.member_id)
    return None


def _is_given(user, capability, rating):
    return (capability in (EVALUATION_TAKE_PART, EVALUATION_SEE) and policy.is_member_self_service(user)
            and rating.rater_id == user.member_id)


scoping.register(Evaluation, org_path="organization__path", view=EVALUATION_SEE, label=_("民主评议"),
                 related=("organization",), aliases=_ALIASES, extra_q=_taken_part, extra_can=_takes_part)
scoping.register_child(Participant, parent=Evaluation, via="evaluation", label=_("参评党员"), related=("member",))
scoping.register(PeerRating, org_path="evaluation__organization__path", view=EVALUATION_SEE, label=_("互评意见"),
                 related=("evaluation__organization", "rater", "ratee"), aliases=_ALIASES, extra_q=_given,
                 extra_can=_is_given)
