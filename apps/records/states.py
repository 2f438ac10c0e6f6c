"""The life of an organizational-life record (and of an activity plan), written once: how each status shows, and for
every step the statuses it is allowed from, the status it leads to, and why it is refused from any other.

The services refuse a step through this table (`check`, `plan_check`) and take the status it leads to (`enter`);
the pages ask the record (`record.state`, `record.may`), so no page or service spells out the statuses a step needs.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AttendanceStatus, PlanStatus, RecordStatus


@dataclass(frozen=True)
class State:
    key: str
    badge: str  # how the status shows as a badge
    counts: bool = False  # the record counts as held: compliance (Fulfilment), attendance rates, members' dates

    @property
    def label(self):
        return RecordStatus(self.key).label if self.key in RecordStatus.values else PlanStatus(self.key).label


@dataclass(frozen=True)
class Step:
    label: str
    allowed_from: tuple[str, ...]
    leads_to: str | None  # None: the status stays (or the record goes)
    refusal: str  # why the step is refused from any other status ("": a step no status refuses)
    # Judged on the record's history too: a record ever submitted keeps its versions, so it is never deleted.
    never_submitted: bool = False


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


# ---- records ----

def state(record) -> State:
    return RECORD_STATES[record.status]


def allows(name, record) -> bool:
    step = RECORD_STEPS[name]
    if step.never_submitted and record.first_submitted_at is not None:
        return False
    return record.status in step.allowed_from


def check(record, name):
    """Refuse the step (ValidationError with the step's reason) unless the record's status allows it."""
    if not allows(name, record):
        raise ValidationError(str(RECORD_STEPS[name].refusal))


def enter(record, name):
    """The record takes the step: refused unless the table allows it; then the status it leads to."""
    check(record, name)
    if RECORD_STEPS[name].leads_to is not None:
        record.status = RECORD_STEPS[name].leads_to


def available(record) -> dict:
    """{step: allowed} for the pages (`record.may.submit`); who may take a step is the views' and policy's."""
    return {name: allows(name, record) for name in RECORD_STEPS}


# ---- plans ----

def plan_state(plan) -> State:
    return PLAN_STATES[plan.status]


def plan_allows(name, plan) -> bool:
    return plan.status in PLAN_STEPS[name].allowed_from


def plan_check(plan, name):
    if not plan_allows(name, plan):
        raise ValidationError(str(PLAN_STEPS[name].refusal))


def plan_enter(plan, name):
    plan_check(plan, name)
    plan.status = PLAN_STEPS[name].leads_to
