"""Stored per-day counts (PlanDayCount) of the planned activities — how many plans still PLANNED — and of the activity
records — how many, whatever their status — that fall on each day in an organization's subtree (itself included).
The calendar of a large subtree shows these counts per day; counted live, a province's month was a scan of its
~180,000 plans (nearly all of the table) and of its ~160,000 records (340 ms) joined to the tree on every view. Read
from the stored rows it is one index range: the organization's ~31 rows.

Kept like the monthly record roll-ups (rollups.py), whose chain lock they share: every service that changes whether
or when a plan counts (create, cancel, a record made from it, that record's draft deleted) or that creates a record,
deletes one or changes its day takes `track(plan)` / `track_new(organization)` / `track_record(record)` in its
transaction before any insert — it holds the organization's chain FOR KEY SHARE from the top down
(rollups._hold_chain, so a move of an ancestor waits for the write, or the write for the move) and then the plan FOR
UPDATE, refreshing its status and date — and calls `.done(plan, record)` at the end: the difference goes to the
organization and every ancestor, one upsert per write with the rows in key order (a write that moves both a plan and a
record, from different days, locks its rows in one order). A move (`org_moving`, registered with orgs.hooks) takes the
moved organization's rows from its old ancestors and adds them to the new ones. Rows that fell to zero stay.

`manage.py plan_counts --check | --rebuild`; anything that writes plans or records past the services (the demo
seeds, the province copy) rebuilds.
"""

from collections import defaultdict
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q

from apps.core.bulk import add_increments
from apps.core.dates import add_months
from apps.orgs.models import Organization, path_and_ancestors

from .models import ActivityPlan, ActivityRecord, PlanDayCount, PlanStatus
from .rollups import _hold_chain, _path

FIGURES = ("plans", "records")


def counted_day(plan):
    """The day a plan counts on, None when it does not count (held or cancelled)."""
    return plan.planned_on if plan.status == PlanStatus.PLANNED else None


def _counted(plan, record) -> dict:
    """{day: [plans, records]} that a plan and a record count for (either None: nothing)."""
    counts = defaultdict(lambda: [0, 0])
    if plan is not None and counted_day(plan) is not None:
        counts[plan.planned_on][0] += 1
    if record is not None:
        counts[record.held_on][1] += 1  # every record, whatever its status: the calendar shows them all
    return counts


class Change:
    """A write that may change whether or when a plan or a record counts; see the module. `plan`/`record` None or not
    yet saved: nothing of it counted before (one to be created in `organization_id`)."""

    def __init__(self, organization_id, plan=None, record=None):
        self.chain = _hold_chain(organization_id)
        if plan is not None and plan.pk:
            # Locked after the chain (top-down order) and read again: two cancels of one plan count it once.
            plan.status, plan.planned_on = (ActivityPlan.objects.select_for_update().filter(pk=plan.pk)
                                            .values_list("status", "planned_on").get())
        self.was = _counted(plan if plan is not None and plan.pk else None,
                            record if record is not None and record.pk else None)

    def done(self, plan=None, record=None):
        """The plan and the record as they are after the write (record None: deleted)."""
        _apply(self.was, _counted(plan, record), self.chain)


def track(plan, record=None) -> Change:
    """A write to a plan (and to its record, which must be locked already)."""
    return Change(plan.organization_id, plan, record)


def track_new(organization) -> Change:
    """A plan or a record still to be created in `organization`."""
    return Change(organization.pk)


def track_record(record) -> Change:
    """A write that may move or delete a record (locked already; its plan unchanged)."""
    return Change(record.organization_id, record=record)


def _apply(was, now, chain):
    deltas = {day: [now.get(day, (0, 0))[i] - was.get(day, (0, 0))[i] for i in (0, 1)] for day in {*was, *now}}
    rows = sorted((ancestor, day, *d) for day, d in deltas.items() if any(d) for ancestor in chain)
    if rows:
        with transaction.atomic(savepoint=False):
            _add(rows)


def _add(rows):
    """Upsert increments [(organization_id, day, plans, records)], in the order given (key order): one statement per
    write, so that a write changing a plan's day and a record's day locks its rows in one key order."""
    add_increments(PlanDayCount, keys=("organization_id", "day"), figures=FIGURES, rows=rows, chunk=200)


def org_moving(org):
    """An organization's subtree is about to move (orgs.hooks): held FOR UPDATE first (as rollups.org_moving does);
    once moved, its rows leave the old ancestors and join the new ones (the shared ancestors cancel out)."""
    if connection.vendor == "postgresql":
        list(Organization.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True))
    old = path_and_ancestors(_path(org.pk))[:-1]

    def moved():
        new = path_and_ancestors(_path(org.pk))[:-1]
        ids = dict(Organization.objects.filter(path__in=[*old, *new]).values_list("path", "pk"))
        rows = defaultdict(lambda: [0, 0])
        for day, *figures in PlanDayCount.objects.filter(organization_id=org.pk).values_list("day", *FIGURES):
            for sign, chain in ((-1, old), (1, new)):
                for path in chain:
                    row = rows[ids[path], day]
                    for i, n in enumerate(figures):
                        row[i] += sign * n
        _add(sorted((pk, day, *d) for (pk, day), d in rows.items() if any(d)))

    return moved


# ---- reading ----

def per_day(org, start, end) -> dict:
    """{day: plans} of the days in [start, end] with planned activities in `org`'s subtree: an index range."""
    return {day: plans for day, (plans, _records) in day_counts(org, start, end).items() if plans}


def day_counts(org, start, end) -> dict:
    """{day: (plans, records)} of the days in [start, end] with planned activities or records in `org`'s subtree: an
    index range."""
    rows = (PlanDayCount.objects.filter(Q(plans__gt=0) | Q(records__gt=0), organization_id=org.pk,
                                        day__range=(start, end)).order_by("day").values_list("day", *FIGURES))
    return {day: (plans, records) for day, plans, records in rows}


# ---- checking and rebuilding ----

def mismatches(limit=None) -> dict:
    """{(organization_id, day): ((plans, records) stored, (plans, records) computed)} where a stored row differs from
    the plans and the records (zero equals no row). Month by month (an index range on the day of each), rolled up to
    the ancestors by path in Python: at most one month's (organization, day) pairs in memory, never a province's."""
    paths = dict(Organization.objects.values_list("pk", "path"))
    ids = {path: pk for pk, path in paths.items()}
    planned = ActivityPlan.objects.filter(status=PlanStatus.PLANNED)
    lows, highs = [], []
    for queryset, field in ((planned, "planned_on"), (ActivityRecord.objects.all(), "held_on"),
                            (PlanDayCount.objects.all(), "day")):
        bounds = queryset.aggregate(low=Min(field), high=Max(field))
        lows += [bounds["low"]] if bounds["low"] else []
        highs += [bounds["high"]] if bounds["high"] else []
    if not lows:
        return {}
    wrong = {}
    month, high = min(lows).replace(day=1), max(highs)
    while month <= high:
        last = add_months(month, 1) - timedelta(days=1)
        computed = defaultdict(lambda: [0, 0])
        for i, rows in enumerate((
                planned.filter(planned_on__range=(month, last)).order_by().values_list("organization_id", "planned_on")
                .annotate(n=Count("pk")),
                ActivityRecord.objects.filter(held_on__range=(month, last)).order_by()
                .values_list("organization_id", "held_on").annotate(n=Count("pk")))):
            for org_id, day, n in rows:
                for path in path_and_ancestors(paths[org_id]):
                    computed[ids[path], day][i] += n
        stored = {(pk, day): (plans, records) for pk, day, plans, records in
                  PlanDayCount.objects.filter(day__range=(month, last)).values_list("organization_id", "day", *FIGURES)}
        for key in sorted(set(stored) | set(computed)):
            have, want = stored.get(key, (0, 0)), tuple(computed.get(key, (0, 0)))
            if have != want:
                wrong[key] = (have, want)
                if limit and len(wrong) >= limit:
                    return wrong
        month = add_months(month, 1)
    return wrong


def fill(cursor, *, table, plans, orgs, deepest, step=4):
    """The plans' counts of every row, set-based: each organization's own plans by day (INSERT … SELECT … GROUP BY),
    then level by level from the deepest each organization's rows added to its parent's. The migration 0007's fill
    too (hence the plans alone; `records` has a database default)."""
    cursor.execute(f"INSERT INTO {table} (organization_id, day, plans) SELECT organization_id, planned_on, COUNT(*) "
                   f"FROM {plans} WHERE status = %s GROUP BY organization_id, planned_on", [PlanStatus.PLANNED.value])
    for depth in range(deepest - 1, 0, -1):
        cursor.execute(
            f"INSERT INTO {table} (organization_id, day, plans) SELECT p.id, r.day, SUM(r.plans) "
            f"FROM {table} r JOIN {orgs} c ON c.id = r.organization_id JOIN {orgs} p ON p.path = substr(c.path, 1, %s) "
            f"WHERE c.depth = %s GROUP BY p.id, r.day "
            f"ON CONFLICT (organization_id, day) DO UPDATE SET plans = {table}.plans + excluded.plans",
            [depth * step, depth + 1])


def fill_records(cursor, *, table, records, orgs, deepest, step=4):
    """The records' counts of every row, the same way, onto the rows `fill` left (the same SQL as migration 0009's)."""
    cursor.execute(f"INSERT INTO {table} (organization_id, day, plans, records) SELECT organization_id, held_on, 0, "
                   f"COUNT(*) FROM {records} GROUP BY organization_id, held_on "
                   f"ON CONFLICT (organization_id, day) DO UPDATE SET records = excluded.records")
    for depth in range(deepest - 1, 0, -1):
        cursor.execute(
            f"INSERT INTO {table} (organization_id, day, plans, records) SELECT p.id, r.day, 0, SUM(r.records) "
            f"FROM {table} r JOIN {orgs} c ON c.id = r.organization_id JOIN {orgs} p ON p.path = substr(c.path, 1, %s) "
            f"WHERE c.depth = %s AND r.records <> 0 GROUP BY p.id, r.day "
            f"ON CONFLICT (organization_id, day) DO UPDATE SET records = {table}.records + excluded.records",
            [depth * step, depth + 1])


def rebuild() -> int:
    """Every row anew (on PostgreSQL with the plans, the records and the tree held in SHARE mode meanwhile)."""
    qn = connection.ops.quote_name
    table, plans = qn(PlanDayCount._meta.db_table), qn(ActivityPlan._meta.db_table)
    records, orgs = qn(ActivityRecord._meta.db_table), qn(Organization._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {plans}, {records}, {orgs} IN SHARE MODE")
        deepest = Organization.objects.aggregate(n=Max("depth"))["n"] or 0
        PlanDayCount.objects.all().delete()
        fill(cursor, table=table, plans=plans, orgs=orgs, deepest=deepest, step=Organization.steplen)
        fill_records(cursor, table=table, records=records, orgs=orgs, deepest=deepest, step=Organization.steplen)
    return PlanDayCount.objects.count()
