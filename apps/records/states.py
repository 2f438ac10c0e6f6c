"""The life of an organizational-life record (and of an activity plan), written once: how each status shows, and for
every step the statuses it is allowed from, the status it leads to, and why it is refused from any other.

The services refuse a step through this table (`check`, `plan_check`) and take the status it leads to (`enter`);
the pages ask the record (`record.state`, `record.may`), so no page or service spells out the statuses a step needs.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from apps.core import statemachine
from apps.core.statemachine import Machine

from .models import AttendanceStatus, PlanStatus, RecordStatus


@dataclass(frozen=True)
class State(statemachine.State):
    counts: bool = False  # the record counts as held: compliance (Fulfilment), attendance rates, members' dates


@dataclass(frozen=True)
class Step(statemachine.Step):
    # Judged on the record's history too: a record ever submitted keeps its versions, so it is never deleted.
    never_submitted: bool = False

    def permits(self, record) -> bool:
        return not (self.never_submitted and record.first_submitted_at is not None) and super().permits(record)


RECORD_STATES = {
    RecordStatus.DRAFT: State(RecordStatus.DRAFT, "text-bg-secondary"),
    RecordStatus.SUBMITTED: State(RecordStatus.SUBMITTED, "text-bg-success", counts=True),
    RecordStatus.RETURNED: State(RecordStatus.RETURNED, "text-bg-danger"),
}

RECORD_STEPS = {
    # Changing a submitted (or returned) record keeps its state as a version first (services._keep_version).
    "edit": Step(_("修改"), tuple(RecordStatus.values), None, ""),
    "submit": Step(_("提交纪实"), (RecordStatus.DRAFT, RecordStatus.RETURNED), RecordStatus.SUBMITTED,
                   _("该纪实已提交")),
    "return": Step(_("退回修改"), (RecordStatus.SUBMITTED,), RecordStatus.RETURNED, _("只有已提交的纪实可以退回")),
    # Members sign in by phone only while the roll is still the branch's draft.
    "check_in": Step(_("扫码签到"), (RecordStatus.DRAFT,), None, _("该活动纪实已提交，请联系书记登记出勤")),
    "delete": Step(_("删除草稿"), (RecordStatus.DRAFT,), None, _("已提交过的纪实不能删除"), never_submitted=True),
    "star": Step(_("评选"), (RecordStatus.SUBMITTED,), None, _("只能从已提交的纪实中评选")),
}

PLAN_STATES = {
    PlanStatus.PLANNED: State(PlanStatus.PLANNED, "text-bg-info"),
    PlanStatus.HELD: State(PlanStatus.HELD, "text-bg-success"),
    PlanStatus.CANCELLED: State(PlanStatus.CANCELLED, "text-bg-light border"),
}

PLAN_STEPS = {
    "record": Step(_("开始记录"), (PlanStatus.PLANNED,), PlanStatus.HELD, _("该计划已开展或已取消")),
    "cancel": Step(_("取消计划"), (PlanStatus.PLANNED,), PlanStatus.CANCELLED, _("只有计划中的活动可以取消")),
    # The draft recorded from the plan is deleted: the plan is waiting again (taken by that deletion, never refused).
    "reopen": Step(_("删除草稿"), (PlanStatus.HELD,), PlanStatus.PLANNED, ""),
}

# The statuses that count as held (the querysets' side of State.counts).
COUNTED = tuple(s for s, state in RECORD_STATES.items() if state.counts)

# How an attendance status reads in the roll call.
ATTENDANCE_TEXT = {AttendanceStatus.PRESENT: "text-success", AttendanceStatus.LEAVE: "text-warning",
                   AttendanceStatus.ABSENT: "text-danger"}


# The records' answers (`check`, `enter`; `state`, `available` for `record.state`, `record.may`) and the plans'.
state, allows, check, enter, available = Machine(RECORD_STATES, RECORD_STEPS).functions()
plan_state, plan_allows, plan_check, plan_enter, plan_available = Machine(PLAN_STATES, PLAN_STEPS).functions()
