"""The life of a care-fund entry, written once:

    待审批 ──批准入账──▶ 已入账 (posted: its ledger transaction written; never edited, corrected by a reversing entry)
       └────不批准────▶ 未批准

The approver is never the person who entered it (a database constraint as well).
"""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .fund_models import FundEntryStatus

STATES = {
    FundEntryStatus.PENDING: State(FundEntryStatus.PENDING, "text-bg-warning"),
    FundEntryStatus.POSTED: State(FundEntryStatus.POSTED, "text-bg-success"),
    FundEntryStatus.REJECTED: State(FundEntryStatus.REJECTED, "text-bg-secondary"),
}

STEPS = {
    "approve": Step(_("批准入账"), (FundEntryStatus.PENDING,), FundEntryStatus.POSTED, _("只有待审批的收支可以批准")),
    "reject": Step(_("不批准"), (FundEntryStatus.PENDING,), FundEntryStatus.REJECTED, _("只有待审批的收支可以不批准")),
    "reverse": Step(_("冲正"), (FundEntryStatus.POSTED,), None, _("只有已入账的收支可以冲正")),
}

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
