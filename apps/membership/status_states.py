"""Which 党籍变动 a member's status allows, written once (the member's own status is the state):

    正常 / 流动 / 失联 ──停止党籍──▶ 停止党籍 ──恢复党籍──▶ 正常
          │                          │
          ├──────────出党────────────┤──▶ 出党   (final)
          └──────────去世────────────┘──▶ 去世   (final)

出党 and 去世 are final: no change follows them. A change recorded by mistake is corrected by the district
(status_services.status_change_correct), which puts back the status it replaced; that is not a step of this table.
已转出 (left the platform with a 介绍信) allows none: the receiving organization records what follows.
The services refuse a change through `check`; the pages ask `available(member)`."""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step
from apps.members.models import CURRENT_STATUSES
from apps.members.models import MemberStatus as M

from .status_models import ChangeKind

STATES = {
    M.NORMAL: State(M.NORMAL, "text-bg-success"),
    M.FLOWING: State(M.FLOWING, "text-bg-info"),
    M.LOST_CONTACT: State(M.LOST_CONTACT, "text-bg-warning"),
    M.SUSPENDED: State(M.SUSPENDED, "text-bg-danger"),
    M.TRANSFERRED_OUT: State(M.TRANSFERRED_OUT, "text-bg-secondary"),
    M.LEFT: State(M.LEFT, "text-bg-dark"),
    M.DECEASED: State(M.DECEASED, "text-bg-secondary"),
}

STEPS = {
    ChangeKind.SUSPEND: Step(ChangeKind.SUSPEND.label, tuple(CURRENT_STATUSES), M.SUSPENDED,
                             _("只有现有党员（正常、流动、失联）可以停止党籍")),
    ChangeKind.RESTORE: Step(ChangeKind.RESTORE.label, (M.SUSPENDED,), M.NORMAL,
                             _("只有已停止党籍的党员可以恢复党籍")),
    ChangeKind.LEAVE: Step(ChangeKind.LEAVE.label, (*CURRENT_STATUSES, M.SUSPENDED), M.LEFT,
                           _("该党员已出党、去世或已转出，不能再办理出党")),
    ChangeKind.DEATH: Step(ChangeKind.DEATH.label, (*CURRENT_STATUSES, M.SUSPENDED), M.DECEASED,
                           _("该党员已出党、去世或已转出，不能再登记去世")),
}

FINAL = (M.LEFT, M.DECEASED)

state, allows, check, enter, available = Machine(STATES, STEPS).functions()


def leads_to(kind) -> str:
    return STEPS[kind].leads_to
