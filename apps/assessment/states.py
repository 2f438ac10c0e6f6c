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

from django.utils.translation import gettext_lazy as _

from apps.core import statemachine
from apps.core.statemachine import Machine, Step

from .models import SystemStatus


@dataclass(frozen=True)
class State(statemachine.State):
    editable: bool = False


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


state, allows, check, enter, available = Machine(STATES, STEPS).functions()


def editable_statuses() -> tuple[str, ...]:
    return STEPS["edit"].allowed_from
