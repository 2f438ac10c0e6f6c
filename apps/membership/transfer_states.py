"""The life of a transfer, written once (like assessment's pay_states.py):

    ──发出──▶ 已发出 ──接收──▶ 已接收 (the member moves)
                │  ▲
              退回  重新发出 (to the same or another organization)
                ▼  │
               已退回 ──撤回──▶ 已撤回

Who takes a step is the policy's (transfer_scopes: the sender sends, resends and withdraws, the receiver accepts and
rejects); this table says from which status."""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .transfer_models import TransferStatus

STATES = {
    TransferStatus.SENT: State(TransferStatus.SENT, "text-bg-primary"),
    TransferStatus.ACCEPTED: State(TransferStatus.ACCEPTED, "text-bg-success"),
    TransferStatus.REJECTED: State(TransferStatus.REJECTED, "text-bg-warning"),
    TransferStatus.WITHDRAWN: State(TransferStatus.WITHDRAWN, "text-bg-secondary"),
}

STEPS = {
    "accept": Step(_("接收"), (TransferStatus.SENT,), TransferStatus.ACCEPTED, _("只有已发出的转接可以接收")),
    "reject": Step(_("退回"), (TransferStatus.SENT,), TransferStatus.REJECTED, _("只有已发出的转接可以退回")),
    "resend": Step(_("重新发出"), (TransferStatus.REJECTED,), TransferStatus.SENT, _("只有已退回的转接可以重新发出")),
    "withdraw": Step(_("撤回"), (TransferStatus.REJECTED,), TransferStatus.WITHDRAWN,
                     _("只有已退回的转接可以撤回")),
}

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
