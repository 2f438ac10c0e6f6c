"""The life of a nomination, written once (like round_states.py):

    已提名 (nominated) ──审核通过──▶ 审核通过 (approved: awarded, with its date and certificate number) ──撤销──▶ 已撤销
              └──────不予通过──▶ 未通过 (rejected, with the reason)

Only the campaign's organization (the district, ASSESSMENT_MANAGE) approves, rejects and revokes; an approval counts
against the kind's quota, a revocation gives the place back. Only approved nominations are public and credited.
The services refuse a step through this table; the pages ask `nomination.may`.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .honour_models import NominationStatus

STATES = {
    NominationStatus.NOMINATED: State(NominationStatus.NOMINATED, "text-bg-warning"),
    NominationStatus.APPROVED: State(NominationStatus.APPROVED, "text-bg-success"),
    NominationStatus.REJECTED: State(NominationStatus.REJECTED, "text-bg-secondary"),
    NominationStatus.REVOKED: State(NominationStatus.REVOKED, "text-bg-dark"),
}

STEPS = {
    "approve": Step(_("审核通过"), (NominationStatus.NOMINATED,), NominationStatus.APPROVED, _("只有待审核的推荐可以审核通过")),
    "reject": Step(_("不予通过"), (NominationStatus.NOMINATED,), NominationStatus.REJECTED, _("只有待审核的推荐可以不予通过")),
    "revoke": Step(_("撤销"), (NominationStatus.APPROVED,), NominationStatus.REVOKED, _("只有已审核通过的示范可以撤销")),
}

# Counted against the quota; shown in public and credited to the organization.
AWARDED = (NominationStatus.APPROVED,)
# A nominee has at most one of these per kind.
LIVE = (NominationStatus.NOMINATED, NominationStatus.APPROVED)

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
