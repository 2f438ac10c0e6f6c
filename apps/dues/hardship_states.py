"""The life of a hardship decision (少交或免交, rules.md §1), written once:

    已申请 ──支部同意──▶ 支部已同意 ──上级批准──▶ 已批准
       │                   │
       └──────不同意───────┴──────────▶ 未批准

The member (or the branch for them) applies, the branch agrees, the higher committee approves. Only an approved
decision changes what the member owes.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .models import HardshipStatus

STATES = {
    HardshipStatus.APPLIED: State(HardshipStatus.APPLIED, "text-bg-secondary"),
    HardshipStatus.AGREED: State(HardshipStatus.AGREED, "text-bg-info"),
    HardshipStatus.APPROVED: State(HardshipStatus.APPROVED, "text-bg-success"),
    HardshipStatus.REJECTED: State(HardshipStatus.REJECTED, "text-bg-danger"),
}

STEPS = {
    "agree": Step(_("支部同意"), (HardshipStatus.APPLIED,), HardshipStatus.AGREED, _("只有新申请可以由支部同意")),
    "approve": Step(_("上级批准"), (HardshipStatus.AGREED,), HardshipStatus.APPROVED, _("支部同意后才能由上级党委批准")),
    "reject": Step(_("不同意"), (HardshipStatus.APPLIED, HardshipStatus.AGREED), HardshipStatus.REJECTED,
                   _("已批准或已驳回的申请不能再驳回")),
}

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
