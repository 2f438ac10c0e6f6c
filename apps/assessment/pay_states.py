"""The life of a pay sheet, written once (like round_states.py):

    (none) ──生成──▶ 草稿 (draft) ──确认──▶ 已确认 (confirmed)
                      ▲   │
                      └───┘ 重新生成 (only a draft)

A draft is generated, and generated again at will (after a scheme change), from the closed round's frozen totals; a
confirmed sheet is what the cadres are paid by and never changes: generating it again is refused. The services refuse
a step through this table; the pages ask `sheet.may`.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .pay_models import SheetStatus


@dataclass(frozen=True)
class State:
    key: str
    badge: str

    @property
    def label(self):
        return SheetStatus(self.key).label


@dataclass(frozen=True)
class Step:
    label: str
    allowed_from: tuple[str, ...]
    leads_to: str | None
    refusal: str


STATES = {
    SheetStatus.DRAFT: State(SheetStatus.DRAFT, "text-bg-secondary"),
    SheetStatus.CONFIRMED: State(SheetStatus.CONFIRMED, "text-bg-success"),
}

STEPS = {
    "generate": Step(_("重新生成"), (SheetStatus.DRAFT,), SheetStatus.DRAFT, _("报酬表已确认，不能重新生成")),
    "confirm": Step(_("确认"), (SheetStatus.DRAFT,), SheetStatus.CONFIRMED, _("只有草稿状态的报酬表可以确认")),
}


def state(sheet) -> State:
    return STATES[sheet.status]


def allows(name, sheet) -> bool:
    return sheet.status in STEPS[name].allowed_from


def check(sheet, name):
    if not allows(name, sheet):
        raise ValidationError(str(STEPS[name].refusal))


def enter(sheet, name):
    check(sheet, name)
    if STEPS[name].leads_to is not None:
        sheet.status = STEPS[name].leads_to


def available(sheet) -> dict:
    return {name: allows(name, sheet) for name in STEPS}
