"""The state table (apps.records.states) is the one statement of a record's and a plan's life: it covers every status,
every service refuses exactly the statuses the table does not allow (with the table's reason), each step leads where
the table says, the pages show the table's badge and offer the table's steps, and templates spell out no status."""

import re
from datetime import datetime, time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.members.models import MemberStatus
from apps.records import services, states
from apps.records.models import ActivityPlan, ActivityRecord, AttendanceStatus, PlanStatus, RecordStatus

from .conftest import record_data

pytestmark = pytest.mark.django_db

APPS = Path(states.__file__).parent.parent
TEMPLATE_DIRS = [APPS / "records" / "templates", APPS / "members" / "templates"]


class _Undo(Exception):
    pass


def _attempt(call):
    """The messages a service call is refused with ([] when it is taken); whatever it wrote is rolled back."""
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except ValidationError as exc:
        return exc.messages
    except _Undo:
        return []


def test_the_table_covers_every_status():
    assert set(states.RECORD_STATES) == set(RecordStatus.values)
    assert set(states.PLAN_STATES) == set(PlanStatus.values)
    assert set(states.ATTENDANCE_TEXT) == set(AttendanceStatus.values)
    for table, values in ((states.RECORD_STEPS, RecordStatus.values), (states.PLAN_STEPS, PlanStatus.values)):
        for name, step in table.items():
            assert step.allowed_from and set(step.allowed_from) <= set(values), name
            assert step.leads_to is None or step.leads_to in values, name
    for status, state in {**states.RECORD_STATES, **states.PLAN_STATES}.items():
        assert state.key == status and state.badge.startswith("text-bg-") and str(state.label)
    # Only submitted records count as held: the querysets' COUNTED is the table's.
    assert states.COUNTED == (RecordStatus.SUBMITTED,)


def _record_services(tree, record):
    secretary = tree.users["secretary_a"]
    on_time = timezone.make_aware(datetime.combine(record.held_on, time(9, 30)))
    return {
        "edit": lambda: services.record_update(actor=secretary, record=record, data={"topic": "修改后的主题"}),
        "submit": lambda: services.record_submit(actor=secretary, record=record),
        "return": lambda: services.record_return(actor=tree.users["district_admin"], record=record, reason="请补充"),
        "check_in": lambda: services.record_check_in(user=tree.users["member_a"], token=record.checkin_token,
                                                     now=on_time),
        "delete": lambda: services.record_delete_draft(actor=secretary, record=record),
        "star": lambda: services.star_pick(actor=tree.users["district_admin"], record=record,
                                           chosen_by_org=tree.district),
    }


def test_every_record_service_refuses_exactly_what_the_table_does_not_allow(tree, make_record):
    """From every status, each step: refused with the table's reason where the table does not allow it, taken where it
    does (every other condition of the step is met)."""
    record = make_record("theme_day", submit=False)
    pk, names = record.pk, set(_record_services(tree, record))
    assert names == set(states.RECORD_STEPS), "a step of the table without its service, or one not in the table"
    for status in RecordStatus.values:
        # A record leaves its draft only by being submitted: the other statuses have a first submission.
        submitted_at = None if status == RecordStatus.DRAFT else timezone.now()
        for name in names:
            ActivityRecord.objects.filter(pk=pk).update(status=status, first_submitted_at=submitted_at)
            # A fresh instance each time: a deletion rolled back still leaves its instance without a key.
            record = ActivityRecord.objects.get(pk=pk)
            call = _record_services(tree, record)[name]
            allowed = states.allows(name, record)
            assert record.may[name] == allowed
            messages = _attempt(call)
            refusal = str(states.RECORD_STEPS[name].refusal)
            assert (refusal in messages) == (not allowed), f"{name} from {status}: {messages}"
            assert not (allowed and messages), f"{name} from {status} refused: {messages}"


def test_a_record_once_submitted_is_never_deleted(tree, make_record):
    """The delete step is judged on the record's history too: a draft with a first submission keeps its versions."""
    record = make_record("theme_day", submit=False)
    ActivityRecord.objects.filter(pk=record.pk).update(first_submitted_at=timezone.now())
    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT and not states.allows("delete", record)
    with pytest.raises(ValidationError, match=str(states.RECORD_STEPS["delete"].refusal)):
        services.record_delete_draft(actor=tree.users["secretary_a"], record=record)


def test_each_record_step_leads_where_the_table_says(tree, make_record):
    record = make_record("theme_day", submit=False)
    assert record.status == RecordStatus.DRAFT and record.state is states.RECORD_STATES[RecordStatus.DRAFT]
    record = services.record_submit(actor=tree.users["secretary_a"], record=record)
    assert record.status == states.RECORD_STEPS["submit"].leads_to and record.state.counts
    assert record.attendance.filter(counts=True).exists()
    record = services.record_return(actor=tree.users["district_admin"], record=record, reason="请补充会议记录")
    assert record.status == states.RECORD_STEPS["return"].leads_to and not record.state.counts
    assert record.is_returned and record.can_submit
    record = services.record_submit(actor=tree.users["secretary_a"], record=record)
    assert record.status == RecordStatus.SUBMITTED and not record.can_submit


def _plan(tree, types):
    return services.plan_create(actor=tree.users["secretary_a"], organization=tree.branch_a, data={
        "activity_type": types["theme_day"], "planned_on": timezone.localdate(), "topic": "主题党日"})


def test_every_plan_service_refuses_exactly_what_the_table_does_not_allow(tree, types):
    plan = _plan(tree, types)
    secretary = tree.users["secretary_a"]
    calls = {
        "cancel": lambda: services.plan_cancel(actor=secretary, plan=plan),
        "record": lambda: services.record_create(actor=secretary, organization=tree.branch_a,
                                                 activity_type=types["theme_day"], data=record_data(), plan=plan),
    }
    for status in PlanStatus.values:
        for name, call in calls.items():
            ActivityPlan.objects.filter(pk=plan.pk).update(status=status)
            plan.refresh_from_db()
            allowed = states.plan_allows(name, plan)
            assert plan.may[name] == allowed
            messages = _attempt(call)
            refusal = str(states.PLAN_STEPS[name].refusal)
            assert (refusal in messages) == (not allowed), f"{name} from {status}: {messages}"
            assert not (allowed and messages), f"{name} from {status} refused: {messages}"


def test_each_plan_step_leads_where_the_table_says(tree, types):
    secretary = tree.users["secretary_a"]
    plan = _plan(tree, types)
    assert plan.state.key == PlanStatus.PLANNED
    record = services.record_create(actor=secretary, organization=tree.branch_a, activity_type=types["theme_day"],
                                    data=record_data(), plan=plan)
    plan.refresh_from_db()
    assert plan.status == states.PLAN_STEPS["record"].leads_to
    # Deleting the draft recorded from it: the plan waits again.
    services.record_delete_draft(actor=secretary, record=record)
    plan.refresh_from_db()
    assert plan.status == states.PLAN_STEPS["reopen"].leads_to
    plan = services.plan_cancel(actor=secretary, plan=plan)
    assert plan.status == states.PLAN_STEPS["cancel"].leads_to


def _badge(page):
    """The status badge of the record page (its first badge, the table's)."""
    block = page.split('data-testid="record-status"', 1)[1]
    return re.search(r'<span class="badge ([^"]+)" data-state="(\w+)">([^<]+)</span>', block).groups()


@pytest.mark.parametrize("status", RecordStatus.values)
def test_the_pages_show_the_tables_badge_and_steps(tree, make_record, client, status):
    record = make_record("theme_day", submit=False)
    ActivityRecord.objects.filter(pk=record.pk).update(
        status=status, first_submitted_at=None if status == RecordStatus.DRAFT else timezone.now())
    state = states.RECORD_STATES[status]
    client.force_login(tree.users["district_admin"])  # manages and reviews branch A
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert _badge(page) == (state.badge, status, str(state.label))
    may = {name: states.allows(name, ActivityRecord.objects.get(pk=record.pk)) for name in states.RECORD_STEPS}
    assert (f"/records/{record.pk}/return/" in page) == may["return"]
    assert (f"/records/{record.pk}/qr/" in page) == may["check_in"]
    assert ('data-testid="delete-record"' in page) == may["delete"]
    assert ('data-testid="submit-record"' in page) == may["submit"]
    assert (f"/records/{record.pk}/star/" in page) == may["star"]
    listing = client.get("/records/").content.decode()
    row = listing.split(f"/records/{record.pk}/", 1)[1].split("</tr>", 1)[0]
    assert f'<span class="badge {state.badge}" data-state="{status}">{state.label}</span>' in row


def test_the_roll_call_reads_each_attendance_status_from_the_table(tree, make_record, client):
    record = make_record("theme_day", submit=False)
    row = record.attendance.select_related("member").first()
    client.force_login(tree.users["secretary_a"])
    for status, css in states.ATTENDANCE_TEXT.items():
        record.attendance.filter(pk=row.pk).update(status=status)
        page = client.get(f"/records/{record.pk}/").content.decode()
        assert f'<span class="{css}">{AttendanceStatus(status).label}</span>' in page


_IF_TAG = re.compile(r"{%-?\s*(?:el)?if\b(.*?)-?%}", re.S)


def test_record_and_member_templates_spell_out_no_status():
    """Templates ask the table (record.state, record.may, is_returned, is_present, is_flowing), never compare
    statuses themselves."""
    values = {*RecordStatus.values, *PlanStatus.values, *AttendanceStatus.values, *MemberStatus.values}
    alternatives = "|".join(re.escape(v) for v in sorted(values))
    literal = re.compile(rf"""["']({alternatives})["']|\b(Record|Plan|Attendance|Member)Status\.|\bstatus\s*[!=]=""")
    found = []
    for root in TEMPLATE_DIRS:
        for path in sorted(root.rglob("*.html")):
            for condition in _IF_TAG.findall(path.read_text()):
                if literal.search(condition):
                    found.append(f"{path.relative_to(APPS)}: {{% if{condition}%}}")
    assert not found, "status literals in templates:\n" + "\n".join(found)
