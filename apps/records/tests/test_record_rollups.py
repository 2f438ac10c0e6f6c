"""The monthly subtree roll-ups of the submitted records (apps/records/rollups.py): every record service that changes a
counted record keeps them right (`record_rollups --check` finds nothing after each), an organization's move carries its
months to the new ancestors, the reads equal the sums over the record rows for whole months, the current month up to
today and any span of days, with a flat number of queries whatever the subtree, parallel submits under the same
ancestors neither deadlock nor lose an increment, and the migration's fill equals a rebuild."""

import importlib
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.dates import add_months
from apps.core.query import prefix_q
from apps.orgs.models import Organization
from apps.orgs.services import org_move
from apps.records import metrics, rollups, selectors, services
from apps.records.models import ActivityRecord, RecordMonthRollup
from apps.records.states import COUNTED
from tests.factories import make_member, make_org, refresh
from tests.migration_editor import MigrationEditor


def from_rows(org, start, end, exclude_self=False):
    """The figures as the selectors computed them before the roll-ups: a sum over the record rows."""
    rows = ActivityRecord.objects.filter(prefix_q("organization__path", org.path), status__in=COUNTED,
                                         held_on__range=(start, end))
    if exclude_self:
        rows = rows.exclude(organization_id=org.pk)
    return rows.aggregate(records=Count("pk"), late=Count("pk", filter=Q(is_late=True)),
                          expected=Coalesce(Sum("expected_count"), 0), present=Coalesce(Sum("present_count"), 0))


def spans(today):
    """Whole months, the current month and period up to today, a quarter, a year, odd spans across months."""
    month = today.replace(day=1)
    return [
        (month, add_months(month, 1) - timedelta(days=1)),
        (month, today),
        (add_months(month, -1), add_months(month, 1) - timedelta(days=1)),
        (add_months(month, -2), today),
        (add_months(month, -11), today),
        (date(today.year, 1, 1), date(today.year, 12, 31)),
        (add_months(month, -3) + timedelta(days=9), add_months(month, -1) + timedelta(days=4)),
        (add_months(month, -2) + timedelta(days=3), add_months(month, -2) + timedelta(days=20)),
        (add_months(month, -1) + timedelta(days=27), today),
        (today + timedelta(days=1), today + timedelta(days=40)),
    ]


def assert_consistent(*orgs):
    assert rollups.mismatches() == {}
    call_command("record_rollups", "--check")  # raises CommandError (exit status 1) on a mismatch
    today = timezone.localdate()
    for org in orgs:
        org = refresh(org)
        for start, end in spans(today):
            assert selectors.subtree_record_figures(org, start, end) == from_rows(org, start, end), (org, start, end)
            for child in selectors.children_attendance(org, start, end):
                want = from_rows(child, start, end)
                assert (child.records, child.expected, child.present) == (
                    want["records"], want["expected"], want["present"]), (child, start, end)


def stored(org):
    return {m: (r, late, e, p) for m, r, late, e, p in RecordMonthRollup.objects.filter(organization=org).exclude(
        records=0, late=0, expected=0, present=0).values_list("month", *rollups.FIGURES)}


def test_every_record_service_keeps_the_rollups(tree, types, make_record, settings):
    secretary, admin = tree.users["secretary_a"], tree.users["district_admin"]
    make_member(tree.branch_a, "王五", seq=402)
    today = timezone.localdate()
    everyone = (tree.district, tree.town_a, tree.town_b, tree.branch_a)
    # A draft, its attendance marked, checked in by QR code: nothing counts yet.
    draft = make_record("theme_day", present=[], submit=False, days_ago=0)
    opens = timezone.make_aware(datetime.combine(draft.held_on, time(9, 30)))
    services.record_check_in(user=tree.users["member_a"], token=draft.checkin_token, now=opens)
    assert RecordMonthRollup.objects.count() == 0
    assert_consistent(*everyone)
    # Submitted: late (entered 40 days after), then another on time, one in branch B.
    old = make_record("theme_day", present=[tree.member_a.pk], days_ago=40)
    assert old.is_late
    make_record("party_lecture", lecturer="王老师", days_ago=1)
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], days_ago=2)
    assert stored(tree.district)[old.held_on.replace(day=1)][0] >= 1
    assert_consistent(*everyone)
    # A submitted record's attendance changed, then its date, to another month.
    services.record_update(actor=secretary, record=old, data={}, attendance=[(tree.member_a.pk, "absent", "")])
    assert_consistent(*everyone)
    services.record_update(actor=secretary, record=old, data={"held_on": today - timedelta(days=75)})
    assert_consistent(*everyone)
    # Returned, corrected and submitted again (still late: late for good).
    old = services.record_return(actor=admin, record=old, reason="请补充会议记录")
    assert_consistent(*everyone)
    services.record_update(actor=secretary, record=old, data={"held_on": today - timedelta(days=20)},
                           attendance=[(tree.member_a.pk, "present", "")])
    old = services.record_submit(actor=secretary, record=old)
    assert old.is_late
    assert_consistent(*everyone)
    # The draft deleted; a submitted record moved to a day still to come (the edit allows it): "up to today" leaves
    # it out, the whole month or the next keeps it.
    services.record_delete_draft(actor=secretary, record=draft)
    services.record_update(actor=secretary, record=old, data={"held_on": today + timedelta(days=3)})
    assert_consistent(*everyone)
    month = today.replace(day=1)
    assert selectors.subtree_record_figures(tree.district, month, today)["records"] == from_rows(
        tree.district, month, today)["records"]
    # organization_metrics reads the same figures.
    from apps.core.periods import period_containing

    period = period_containing("year", today)
    figures = metrics.organization_metrics(tree.district, period)
    want = from_rows(tree.district, period.start, period.end)
    assert (figures.records, figures.late_records, figures.expected, figures.present) == tuple(want.values())


def test_a_moved_organization_takes_its_months_to_the_new_ancestors(tree, types, make_record):
    make_record("theme_day", days_ago=0)
    make_record("theme_day", days_ago=35)
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], days_ago=5)
    make_record("group_meeting", org=tree.group_a, days_ago=3)
    district_before = stored(tree.district)
    branch_before = stored(tree.branch_a)
    org_move(actor=tree.users["district_admin"], org=tree.branch_a, new_parent=tree.town_b)
    assert stored(tree.town_a) == {}
    assert stored(tree.branch_a) == branch_before and stored(tree.district) == district_before
    assert_consistent(tree.district, tree.town_a, tree.town_b, tree.branch_a)
    # And back, the group with it.
    org_move(actor=tree.users["district_admin"], org=refresh(tree.branch_a), new_parent=refresh(tree.town_a))
    assert_consistent(tree.district, tree.town_a, tree.town_b)


def test_the_check_finds_a_wrong_row_and_the_rebuild_mends_it(tree, types, make_record):
    make_record("theme_day", days_ago=0)
    RecordMonthRollup.objects.filter(organization=tree.town_a).update(present=99)
    wrong = rollups.mismatches()
    assert list(wrong) == [(tree.town_a.pk, timezone.localdate().replace(day=1))]
    with pytest.raises(CommandError):
        call_command("record_rollups", "--check")
    call_command("record_rollups", "--rebuild")
    assert_consistent(tree.district)


def test_the_reads_take_the_same_queries_for_small_and_larger_trees(tree, types, make_record):
    today = timezone.localdate()
    make_record("theme_day", days_ago=0)
    make_record("theme_day", days_ago=40)

    def queries(org, start, end):
        with CaptureQueriesContext(connection) as ctx:
            selectors.subtree_record_figures(org, start, end)
        subtree = len(ctx)
        with CaptureQueriesContext(connection) as ctx:
            selectors.children_attendance(org, start, end)
        return subtree, len(ctx)

    small = [queries(refresh(tree.district), s, e) for s, e in spans(today)]
    secretary = tree.users["district_admin"]
    for i in range(12):
        town = make_org(f"新镇{i}", "committee", refresh(tree.district))
        branch = make_org(f"新村{i}", "branch", refresh(town), domain="village")
        make_member(branch, f"党员{i}", seq=700 + i)
        for days_ago in (0, 33, 70):
            make_record("theme_day", org=refresh(branch), actor=secretary, days_ago=days_ago)
    large = [queries(refresh(tree.district), s, e) for s, e in spans(today)]
    assert large == small
    assert max(n for pair in large for n in pair) <= 3
    assert_consistent(tree.district)


def test_the_migration_fill_equals_a_rebuild(tree, types, make_record):
    make_record("theme_day", days_ago=0)
    make_record("theme_day", days_ago=45)
    make_record("group_meeting", org=tree.group_a, days_ago=10)
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], days_ago=100)

    def rows():
        return sorted(RecordMonthRollup.objects.values_list("organization_id", "month", *rollups.FIGURES))

    rollups.rebuild()
    rebuilt = rows()
    assert rebuilt and rollups.mismatches() == {}
    RecordMonthRollup.objects.all().delete()

    class Editor(MigrationEditor):
        pass

    Editor.connection = connection
    from django.apps import apps

    importlib.import_module("apps.records.migrations.0005_record_month_rollup").fill(apps, Editor())
    assert rows() == rebuilt


def test_refill_sums_the_children_under_a_new_root(tree, types, make_record):
    make_record("theme_day", days_ago=0)
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], days_ago=31)
    want = stored(tree.district)
    RecordMonthRollup.objects.filter(organization=tree.district).delete()
    rollups.refill(tree.district)
    assert stored(tree.district) == want


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_submits_and_a_move_keep_the_rollups_without_deadlock(tree, types, make_record):
    """Submits under the same ancestors at once (every one adds to the district's and a township's rows, in two
    months), while branch A moves to the other township: the writers queue, every increment lands on the ancestors
    the records have when they commit."""
    from tests.parallel import run_parallel

    drafts = []
    for i in range(12):
        org, actor = ((tree.branch_a, tree.users["secretary_a"]) if i % 3 == 0 else
                      (tree.branch_b, tree.users["secretary_b"]) if i % 3 == 1 else
                      (tree.group_a, tree.users["secretary_a"]))
        code = "group_meeting" if org == tree.group_a else "theme_day"
        drafts.append((make_record(code, org=org, actor=actor, submit=False, days_ago=0 if i % 2 else 32), actor))

    def work(i):
        if i == len(drafts):
            org_move(actor=tree.users["district_admin"], org=refresh(tree.branch_a), new_parent=refresh(tree.town_b))
            return "moved"
        record, actor = drafts[i]
        return services.record_submit(actor=actor, record=record).status

    results = run_parallel(len(drafts) + 1, work)
    assert results.count("submitted") == len(drafts)
    assert rollups.mismatches() == {}
    assert sum(r[0] for r in stored(tree.district).values()) == len(drafts)
    assert stored(tree.town_a) == {}


@pytest.mark.slow(10)
@pytest.mark.django_db
def test_the_seeded_demo_rollups_match_the_records():
    """The demo seed writes records in bulk, past the services, then rebuilds the roll-ups."""
    from apps.demo.seed import seed_demo

    seed_demo(scale="small", log=lambda *_: None)
    assert RecordMonthRollup.objects.exists() and rollups.mismatches() == {}
    root = Organization.objects.get(depth=1)
    today = timezone.localdate()
    for start, end in spans(today):
        assert selectors.subtree_record_figures(root, start, end) == from_rows(root, start, end)
