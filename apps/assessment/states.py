"""The life of an indicator system, written once: how each status shows, and for every step the statuses it is allowed
from, the status it leads to, and why it is refused from any other.

    草稿 (draft) ──发布──▶ 使用中 (in use) ──停用──▶ 已停用 (retired)
       ▲                     │                          │
       └──── 复制为新版本 / 复制为下一年度 (a new draft, the whole tree) ──┘

Only a draft is edited (its fields, weights, bands and indicators) or deleted: what an organization was assessed by
never changes once in use. The services refuse a step through this table (`check`, `enter`); the pages ask the
system (`system.state`, `system.may`), so no page or service spells out the statuses a step needs.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import SystemStatus


@dataclass(frozen=True)
class State:
    key: str
    badge: str  # how the status shows as a badge
    editable: bool = False

    @property
    def label(self):
        return SystemStatus(self.key).label


@dataclass(frozen=True)
class Step:
    label: str
    allowed_from: tuple[str, ...]
    leads_to: str | None  # None: the status stays (or the system goes)
    refusal: str  # why the step is refused from any other status


STATES = {
    SystemStatus.DRAFT: State(SystemStatus.DRAFT, "text-bg-secondary", editable=True),
    SystemStatus.IN_USE: State(SystemStatus.IN_USE, "text-bg-success"),
    SystemStatus.RETIRED: State(SystemStatus.RETIRED, "text-bg-light border"),
}

STEPS = {
    # Fields, weights, bands and indicators alike.
    "edit": Step(_("修改"), (SystemStatus.DRAFT,), None,
                 _("使用中或已停用的指标体系不能修改，请复制为新版本后修改")),
    "publish": Step(_("发布使用"), (SystemStatus.DRAFT,), SystemStatus.IN_USE, _("只有草稿可以发布")),
    "retire": Step(_("停用"), (SystemStatus.IN_USE,), SystemStatus.RETIRED, _("只有使用中的指标体系可以停用")),
    # Copying reads the system only: any version may be the start of the next.
    "copy": Step(_("复制为新版本"), tuple(SystemStatus.values), None, ""),
    "delete": Step(_("删除草稿"), (SystemStatus.DRAFT,), None, _("只有草稿可以删除")),
}


def state(system) -> State:
    return STATES[system.status]


def allows(name, system) -> bool:
    return system.status in STEPS[name].allowed_from


def check(system, name):
    """Refuse the step (ValidationError with the step's reason) unless the system's status allows it."""
    if not allows(name, system):
        raise ValidationError(str(STEPS[name].refusal))


def enter(system, name):
    """The system takes the step: refused unless the table allows it; then the status it leads to."""
    check(system, name)
    if STEPS[name].leads_to is not None:
        system.status = STEPS[name].leads_to


def available(system) -> dict:
    """{step: allowed} for the pages (`system.may.publish`); who may take a step is the views' and the policy's."""
    return {name: allows(name, system) for name in STEPS}


def editable_statuses() -> tuple[str, ...]:
    return STEPS["edit"].allowed_from
