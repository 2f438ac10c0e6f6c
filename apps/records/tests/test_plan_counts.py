"""The stored per-day counts of planned activities and of activity records (apps/records/plan_counts.py) behind the
calendar of a large subtree: every plan service and every record write keeps them right (`plan_counts --check` finds nothing after each), a move carries an organization's
days to its new ancestors, the calendar shows the same days and counts as counted from the plans and the records — for
a user who sees the whole subtree (from the stored rows, the same few queries whatever the subtree) and one who sees
part of it (from the plans and records, through the access layer) — parallel writes under the same ancestors neither deadlock nor lose a count, and
the migration's fill equals a rebuild."""

import importlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.access import policy
from apps.core.dates import add_months
from apps.core.query import prefix_q
from apps.orgs.services import org_move
from apps.records import plan_counts, selectors, services
from apps.records.models import ActivityPlan, ActivityRecord, PlanDayCount, PlanStatus
from tests.factories import make_org, refresh
from tests.migration_editor import MigrationEditor

from .conftest import record_data


@pytest.fixture
def small_calendar(monkeypatch):
    """Every subtree of the test tree shows counts per day (as a district's does), not each activity."""
    monkeypatch.setattr(selectors, "CALENDAR_ITEMS_MAX_ORGS", -1)  # a leaf too


def make_plan(tree, types, org=None, days=0, actor=None):
    org = org or tree.branch_a
    actor = actor or tree.users["district_admin"]
    code = "group_meeting" if org.pk == tree.group_a.pk else "theme_day"
    return services.plan_create(actor=actor, organization=org, data={
        "activity_type": types[code], "planned_on": timezone.localdate() + timedelta(days=days), "topic": "主题党日"})


def from_plans(user, org, month):
    """The calendar's plan counts as computed before the stored rows: the user's plans of the subtree, by day."""
    end = add_months(month, 1) - timedelta(days=1)
    rows = (policy.restrict(ActivityPlan, user).filter(prefix_q("organization__path", org.path), status=PlanStatus.PLANNED,
                                                       planned_on__range=(month, end))
            .order_by().values_list("planned_on").annotate(n=Count("pk")))
    return dict(rows)


def from_records(user, org, month):
    """The calendar's record counts as computed before the stored rows: the user's records of the subtree, by day."""
    end = add_months(month, 1) - timedelta(days=1)
    rows = (policy.restrict(ActivityRecord, user).filter(prefix_q("organization__path", org.path),
                                                         held_on__range=(month, end))
            .order_by().values_list("held_on").annotate(n=Count("pk")))
    return dict(rows)


def calendar_plans(user, org, month, figure="plans"):
    data = selectors.calendar_month(user, refresh(org), month)
    assert not data["detailed"]
    return {day: figures[figure] for day, figures in data["days"].items() if figures[figure]}


def calendar_records(user, org, month):
    return calendar_plans(user, org, month, figure="records")


def make_draft(tree, types, org=None, on=None, plan=None):
    """A draft record of `org` (branch A by default) held `on` (today by default)."""
    org = org or tree.branch_a
    code = "group_meeting" if org.pk == tree.group_a.pk else "theme_day"
    return services.record_create(actor=tree.users["district_admin"], organization=refresh(org),
                                  activity_type=types[code], data=record_data(held_on=on or timezone.localdate()),
                                  plan=plan)


def months():
    this = timezone.localdate().replace(day=1)
    return [add_months(this, -1), this, add_months(this, 1)]


def assert_consistent(tree, *orgs):
    assert plan_counts.mismatches() == {}
    call_command("plan_counts", "--check")  # raises CommandError (exit status 1) on a mismatch
    admin = tree.users["district_admin"]
    for org in orgs:
        org = refresh(org)
        for month in months():
            assert calendar_plans(admin, org, month) == from_plans(admin, org, month), (org, month)
            assert calendar_records(admin, org, month) == from_records(admin, org, month), (org, month)


def stored(org):
    return dict(PlanDayCount.objects.filter(organization=org).exclude(plans=0).values_list("day", "plans"))


def stored_records(org):
    return dict(PlanDayCount.objects.filter(organization=org).exclude(records=0).values_list("day", "records"))


def test_every_plan_service_keeps_the_counts(tree, types, small_calendar):
    secretary = tree.users["secretary_a"]
    everyone = (tree.district, tree.town_a, tree.town_b, tree.branch_a, tree.branch_b)
    today = timezone.localdate()
    plan = make_plan(tree, types, actor=secretary)
    make_plan(tree, types, days=1, actor=secretary)
    make_plan(tree, types, org=tree.branch_b, days=1, actor=tree.users["secretary_b"])
    assert stored(tree.district) == {today: 1, today + timedelta(days=1): 2}
    assert stored(tree.town_a) == {today: 1, today + timedelta(days=1): 1}
    assert_consistent(tree, *everyone)
    # A record made from the plan: the plan is held, no longer counted; its draft deleted: counted again.
    record = services.record_create(actor=secretary, organization=tree.branch_a, activity_type=types["theme_day"],
                                    data=record_data(), plan=plan)
    assert stored(tree.branch_a) == {today + timedelta(days=1): 1}
    assert_consistent(tree, *everyone)
    services.record_delete_draft(actor=secretary, record=record)
    assert stored(tree.branch_a) == {today: 1, today + timedelta(days=1): 1}
    assert_consistent(tree, *everyone)
    # Cancelled, once: a second cancel of the same (stale) plan object is refused and counts nothing.
    stale = ActivityPlan.objects.get(pk=plan.pk)
    services.plan_cancel(actor=secretary, plan=plan)
    with pytest.raises(ValidationError):
        services.plan_cancel(actor=secretary, plan=stale)
    assert stored(tree.district) == {today + timedelta(days=1): 2}
    assert_consistent(tree, *everyone)


def test_every_record_write_keeps_the_day_counts(tree, types, make_record, small_calendar):
    """Every record counts on its day, whatever its status: created (alone or from a plan), moved to another day
    (draft or submitted), returned, its draft deleted — the stored rows equal a count of the records after each."""
    admin = tree.users["district_admin"]
    everyone = (tree.district, tree.town_a, tree.town_b, tree.branch_a, tree.branch_b, tree.group_a)
    today = timezone.localdate()
    last_month = add_months(today.replace(day=1), -1) + timedelta(days=9)
    draft = make_draft(tree, types)
    make_draft(tree, types, org=tree.group_a, on=last_month)
    other = make_draft(tree, types, org=tree.branch_b, on=last_month)
    assert stored_records(tree.district) == {today: 1, last_month: 2}
    assert stored_records(tree.town_a) == {today: 1, last_month: 1}
    assert stored_records(tree.town_b) == {last_month: 1} and stored_records(tree.group_a) == {last_month: 1}
    assert_consistent(tree, *everyone)
    # A draft moved to last month; an edit that keeps the day writes no count.
    services.record_update(actor=admin, record=draft, data={"held_on": last_month})
    assert stored_records(tree.town_a) == {last_month: 2}
    services.record_update(actor=admin, record=draft, data={"topic": "另一个主题"})
    assert stored_records(tree.town_a) == {last_month: 2}
    assert_consistent(tree, *everyone)
    # Submitted, then moved to another day (a version kept), then returned: counted on its day throughout.
    submitted = make_record(days_ago=3)
    assert stored_records(tree.branch_a)[today - timedelta(days=3)] == 1
    services.record_update(actor=admin, record=submitted, data={"held_on": today - timedelta(days=5)}, note="改期")
    assert today - timedelta(days=3) not in stored_records(tree.district)
    assert stored_records(tree.district)[today - timedelta(days=5)] == 1
    services.record_return(actor=admin, record=submitted, reason="请补充讨论情况")
    assert_consistent(tree, *everyone)
    # From a plan of another day: the plan leaves its day and the record joins its own, in one write.
    plan = make_plan(tree, types, days=2)
    from_plan = make_draft(tree, types, on=today - timedelta(days=1), plan=plan)
    assert stored(tree.branch_a) == {} and stored_records(tree.branch_a)[today - timedelta(days=1)] == 1
    assert_consistent(tree, *everyone)
    # Its draft deleted: the record's day loses it, the plan is counted again; a draft without a plan likewise.
    services.record_delete_draft(actor=admin, record=from_plan)
    assert stored(tree.branch_a) == {today + timedelta(days=2): 1}
    assert today - timedelta(days=1) not in stored_records(tree.district)
    services.record_delete_draft(actor=admin, record=other)
    assert stored_records(tree.town_b) == {}
    assert_consistent(tree, *everyone)


def test_the_calendar_counts_of_a_past_and_the_current_month_equal_the_records(tree, types, make_record,
                                                                                 small_calendar):
    today = timezone.localdate()
    this = today.replace(day=1)
    past = add_months(this, -1)
    for org, on in ((tree.branch_a, past), (tree.branch_a, past), (tree.group_a, past + timedelta(days=3)),
                    (tree.branch_b, this), (tree.branch_a, today), (tree.branch_b, today + timedelta(days=40))):
        make_draft(tree, types, org=org, on=on)
    make_record(days_ago=0)
    admin = tree.users["district_admin"]
    assert calendar_records(admin, tree.district, past) == {past: 2, past + timedelta(days=3): 1}
    assert calendar_records(admin, tree.town_a, past) == {past: 2, past + timedelta(days=3): 1}
    current = calendar_records(admin, tree.district, this)
    assert current == from_records(admin, tree.district, this) and current[today] == 2 + (this == today)
    assert_consistent(tree, *(tree.district, tree.town_a, tree.town_b, tree.branch_a, tree.group_a))


def test_a_moved_organization_takes_its_days_to_the_new_ancestors(tree, types, small_calendar):
    make_plan(tree, types)
    make_plan(tree, types, days=3)
    make_plan(tree, types, org=tree.group_a, days=3)
    make_plan(tree, types, org=tree.branch_b, days=5)
    make_draft(tree, types, on=timezone.localdate() - timedelta(days=2))
    make_draft(tree, types, org=tree.group_a, on=timezone.localdate() - timedelta(days=2))
    make_draft(tree, types, org=tree.branch_b)
    district_before, branch_before = stored(tree.district), stored(tree.branch_a)
    held_before = stored_records(tree.district)
    org_move(actor=tree.users["district_admin"], org=tree.branch_a, new_parent=tree.town_b)
    assert stored(tree.town_a) == {} and stored_records(tree.town_a) == {}
    assert stored(tree.branch_a) == branch_before and stored(tree.district) == district_before
    assert stored_records(tree.district) == held_before
    assert sum(stored(tree.town_b).values()) == 4 and sum(stored_records(tree.town_b).values()) == 3
    assert_consistent(tree, tree.district, tree.town_a, tree.town_b, tree.branch_a)
    org_move(actor=tree.users["district_admin"], org=refresh(tree.branch_a), new_parent=refresh(tree.town_a))
    assert_consistent(tree, tree.district, tree.town_a, tree.town_b)


def test_the_check_finds_a_wrong_row_and_the_rebuild_mends_it(tree, types, small_calendar):
    make_plan(tree, types)
    PlanDayCount.objects.filter(organization=tree.town_a).update(plans=7)
    assert list(plan_counts.mismatches()) == [(tree.town_a.pk, timezone.localdate())]
    with pytest.raises(CommandError):
        call_command("plan_counts", "--check")
    call_command("plan_counts", "--rebuild")
    assert_consistent(tree, tree.district, tree.town_a)


def test_the_calendar_reads_the_same_queries_for_small_and_larger_trees(tree, types, small_calendar):
    admin = tree.users["district_admin"]
    make_plan(tree, types)
    month = timezone.localdate().replace(day=1)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            selectors.calendar_month(admin, refresh(tree.district), month)
        return len(ctx), [q["sql"] for q in ctx
                          if "records_activityplan" in q["sql"] or "records_activityrecord" in q["sql"]]

    queries()  # the user's roles, read once and kept on the user
    small, plan_sql = queries()
    assert plan_sql == []  # the counts come from the stored rows, not from the plans or the records
    for i in range(8):
        town = make_org(f"新镇{i}", "committee", refresh(tree.district))
        branch = make_org(f"新村{i}", "branch", refresh(town), domain="village")
        for days in (0, 1, 2):
            make_plan(tree, types, org=refresh(branch), days=days)
            make_draft(tree, types, org=branch, on=month + timedelta(days=days))
    assert queries() == (small, [])
    assert_consistent(tree, tree.district)


def test_a_user_who_sees_part_of_the_subtree_counts_only_the_plans_they_see(tree, types, small_calendar):
    make_plan(tree, types)
    make_plan(tree, types, org=tree.branch_b, days=1)
    secretary = tree.users["secretary_a"]  # branch A only
    assert not policy.in_paths(tree.district.path, policy.scope_paths(secretary, policy.RECORD_VIEW))
    today = timezone.localdate()
    seen = calendar_plans(secretary, tree.district, today.replace(day=1))
    assert seen == from_plans(secretary, tree.district, today.replace(day=1))
    assert seen.get(today) == 1 and (today + timedelta(days=1)) not in seen
    assert calendar_plans(tree.users["district_admin"], tree.district, today.replace(day=1)).get(today) == 1
    # Likewise the records: the secretary's calendar counts branch A's alone (live), the district's all (stored).
    make_draft(tree, types)
    make_draft(tree, types, org=tree.branch_b)
    held = calendar_records(secretary, tree.district, today.replace(day=1))
    assert held == from_records(secretary, tree.district, today.replace(day=1)) == {today: 1}
    assert calendar_records(tree.users["district_admin"], tree.district, today.replace(day=1)) == {today: 2}


def test_the_migration_fill_equals_a_rebuild(tree, types):
    make_plan(tree, types)
    make_plan(tree, types, days=2)
    make_plan(tree, types, org=tree.group_a, days=2)
    services.plan_cancel(actor=tree.users["district_admin"], plan=make_plan(tree, types, org=tree.branch_b, days=4))
    make_draft(tree, types, on=timezone.localdate() + timedelta(days=2))
    make_draft(tree, types, org=tree.group_a, on=timezone.localdate() - timedelta(days=30))
    make_draft(tree, types, org=tree.branch_b, plan=make_plan(tree, types, org=tree.branch_b, days=6))

    def rows():
        return sorted(PlanDayCount.objects.exclude(plans=0, records=0)
                      .values_list("organization_id", "day", "plans", "records"))

    plan_counts.rebuild()
    rebuilt = rows()
    assert rebuilt and plan_counts.mismatches() == {}
    PlanDayCount.objects.all().delete()

    class Editor(MigrationEditor):
        pass

    Editor.connection = connection
    from django.apps import apps

    importlib.import_module("apps.records.migrations.0007_plan_day_counts").fill(apps, Editor())
    importlib.import_module("apps.records.migrations.0009_day_record_counts").fill(apps, Editor())
    assert rows() == rebuilt
    assert any(records for *_key, records in rebuilt) and any(plans for *_key, plans, _r in rebuilt)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_plan_writes_and_a_move_keep_the_counts_without_deadlock(tree, types):
    """Plans created and cancelled under the same ancestors at once, two cancels of the same plan among them, while
    branch A moves to the other township: the writers queue, every count lands on the ancestors the plans have when
    they commit, and the plan cancelled twice leaves the count once."""
    from tests.parallel import run_parallel

    secretary_a, secretary_b = tree.users["secretary_a"], tree.users["secretary_b"]
    twice = make_plan(tree, types, actor=secretary_a)
    to_cancel = [make_plan(tree, types, org=tree.branch_b, days=1, actor=secretary_b) for _ in range(3)]

    def work(i):
        if i == 0:
            org_move(actor=tree.users["district_admin"], org=refresh(tree.branch_a), new_parent=refresh(tree.town_b))
            return "moved"
        if i in (1, 2):
            try:
                services.plan_cancel(actor=secretary_a, plan=ActivityPlan.objects.get(pk=twice.pk))
                return "cancelled"
            except ValidationError:
                return "refused"
        if i < 6:
            services.plan_cancel(actor=secretary_b, plan=to_cancel[i - 3])
            return "cancelled"
        org, actor = (tree.branch_a, secretary_a) if i % 2 else (tree.branch_b, secretary_b)
        make_plan(tree, types, org=refresh(org), days=i % 3, actor=actor)
        return "created"

    results = run_parallel(12, work)
    assert sorted(results[1:3]) == ["cancelled", "refused"]
    assert plan_counts.mismatches() == {}
    assert sum(stored(tree.district).values()) == results.count("created")
    assert stored(tree.town_a) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_record_writes_and_a_move_keep_the_day_counts_without_deadlock(tree, types):
    """Records created (alone, and from plans of other days), moved to other days and deleted under the same
    ancestors at once, while branch A moves to the other township: the writers queue, and every count lands on the
    ancestors the records have when they commit."""
    from tests.parallel import run_parallel

    today = timezone.localdate()
    plans = [make_plan(tree, types, org=org, days=3 + i) for i, org in enumerate((tree.branch_a, tree.branch_b))]
    drafts = [make_draft(tree, types, org=org, on=today - timedelta(days=4))
              for org in (tree.branch_a, tree.branch_b, tree.group_a)]

    def work(i):
        if i == 0:
            org_move(actor=tree.users["district_admin"], org=refresh(tree.branch_a), new_parent=refresh(tree.town_b))
        elif i in (1, 2):
            make_draft(tree, types, org=plans[i - 1].organization, on=today - timedelta(days=i),
                       plan=ActivityPlan.objects.get(pk=plans[i - 1].pk))
        elif i == 3:
            services.record_delete_draft(actor=tree.users["district_admin"], record=drafts[0])
        elif i in (4, 5):
            services.record_update(actor=tree.users["district_admin"], record=drafts[i - 3],
                                   data={"held_on": today - timedelta(days=i)})
        else:
            make_draft(tree, types, org=(tree.branch_a, tree.branch_b, tree.group_a)[i % 3], on=today - timedelta(days=i % 2))
        return i

    run_parallel(10, work)
    assert plan_counts.mismatches() == {}
    assert sum(stored_records(tree.district).values()) == ActivityRecord.objects.count() == 3 - 1 + 2 + 4
    assert stored_records(tree.town_a) == {} and stored(tree.district) == {}
