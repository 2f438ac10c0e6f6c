"""The life of a pay sheet, written once (like round_states.py):

    (none) ──生成──▶ 草稿 (draft) ──确认──▶ 已确认 (confirmed)
                      ▲   │
                      └───┘ 重新生成 (only a draft)

A draft is generated, and generated again at will (after a scheme change), from the closed round's frozen totals; a
confirmed sheet is what the cadres are paid by and never changes: generating it again is refused. The services refuse
a step through this table; the pages ask `sheet.may`.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .pay_models import SheetStatus

STATES = {
    SheetStatus.DRAFT: State(SheetStatus.DRAFT, "text-bg-secondary"),
    SheetStatus.CONFIRMED: State(SheetStatus.CONFIRMED, "text-bg-success"),
}

STEPS = {
    "generate": Step(_("重新生成"), (SheetStatus.DRAFT,), SheetStatus.DRAFT, _("报酬表已确认，不能重新生成")),
    "confirm": Step(_("确认"), (SheetStatus.DRAFT,), SheetStatus.CONFIRMED, _("只有草稿状态的报酬表可以确认")),
}

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
