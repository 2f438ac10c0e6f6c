"""Stored per-day counts of the planned activities (PlanDayCount): how many plans still PLANNED fall on each day in an
organization's subtree (itself included). The calendar of a large subtree shows these counts per day; counted from
the plans, a province's month (its ~180,000 plans, nearly all of the table) was a scan of the plans joined to the
tree on every view. Read from the stored rows it is one index range: the organization's ~31 rows.

Kept like the monthly record roll-ups (rollups.py), whose chain lock they share: every service that changes whether
or when a plan counts (create, cancel, a record made from it, that record's draft deleted) takes `track(plan)` in its
transaction before any insert — it holds the organization's chain FOR KEY SHARE from the top down (rollups._hold_chain,
so a move of an ancestor waits for the write, or the write for the move) and then the plan FOR UPDATE, refreshing its
status and date — and calls `.done(plan)` at the end: the difference goes to the organization and every ancestor,
one upsert with the rows in key order. A move (`org_moving`, registered with orgs.hooks) takes the moved
organization's rows from its old ancestors and adds them to the new ones. Rows that fell to zero stay.

`manage.py plan_counts --check | --rebuild`; anything that writes plans past the services (the demo seeds) rebuilds.
"""

from collections import Counter

from django.db import connection, transaction
from django.db.models import Count, Max

from apps.orgs.models import Organization, path_and_ancestors

from .models import ActivityPlan, PlanDayCount, PlanStatus
from .rollups import _hold_chain, _path


def counted_day(plan):
    """The day a plan counts on, None when it does not count (held or cancelled)."""
    return plan.planned_on if plan.status == PlanStatus.PLANNED else None


class Change:
    """A write that may change whether or when a plan counts; see the module. `plan=None`: a plan still to be created
    in `organization_id`."""

    def __init__(self, organization_id, plan=None):
        self.chain = _hold_chain(organization_id)
        self.was = None
        if plan is not None and plan.pk:
            # Locked after the chain (top-down order) and read again: two cancels of one plan count it once.
            plan.status, plan.planned_on = (ActivityPlan.objects.select_for_update().filter(pk=plan.pk)
                                            .values_list("status", "planned_on").get())
            self.was = counted_day(plan)

    def done(self, plan):
        _apply(self.was, counted_day(plan), self.chain)


def track(plan) -> Change:
    return Change(plan.organization_id, plan)


def track_new(organization) -> Change:
    return Change(organization.pk)


def _apply(was, now, chain):
    if was == now:
        return
    deltas = Counter()
    if was is not None:
        deltas[was] -= 1
    if now is not None:
        deltas[now] += 1
    with transaction.atomic(savepoint=False):
        _add(sorted((ancestor, day, n) for day, n in deltas.items() if n for ancestor in chain))


def _add(rows):
    """Upsert increments [(organization_id, day, plans)], in the order given (key order)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(PlanDayCount._meta.db_table)
    for start in range(0, len(rows), 300):
        chunk = rows[start:start + 300]
        sql = (f"INSERT INTO {table} ({qn('organization_id')}, {qn('day')}, {qn('plans')}) VALUES "
               + ", ".join(["(%s, %s, %s)"] * len(chunk))
               + f" ON CONFLICT ({qn('organization_id')}, {qn('day')}) DO UPDATE SET "
                 f"{qn('plans')} = {table}.{qn('plans')} + excluded.{qn('plans')}")
        with connection.cursor() as cursor:
            cursor.execute(sql, [x for row in chunk for x in row])


def org_moving(org):
    """An organization's subtree is about to move (orgs.hooks): held FOR UPDATE first (as rollups.org_moving does);
    once moved, its rows leave the old ancestors and join the new ones (the shared ancestors cancel out)."""
    if connection.vendor == "postgresql":
        list(Organization.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True))
    old = path_and_ancestors(_path(org.pk))[:-1]

    def moved():
        new = path_and_ancestors(_path(org.pk))[:-1]
        ids = dict(Organization.objects.filter(path__in=[*old, *new]).values_list("path", "pk"))
        rows = Counter()
        for day, n in PlanDayCount.objects.filter(organization_id=org.pk).values_list("day", "plans"):
            for sign, chain in ((-1, old), (1, new)):
                for path in chain:
                    rows[ids[path], day] += sign * n
        _add(sorted((pk, day, n) for (pk, day), n in rows.items() if n))

    return moved


# ---- reading ----

def per_day(org, start, end) -> dict:
    """{day: plans} of the days in [start, end] with planned activities in `org`'s subtree: an index range."""
    return dict(PlanDayCount.objects.filter(organization_id=org.pk, day__range=(start, end), plans__gt=0)
                .order_by("day").values_list("day", "plans"))


# ---- checking and rebuilding ----

def mismatches() -> dict:
    """{(organization_id, day): (stored, computed)} where a stored row differs from the plans (zero equals no row)."""
    paths = dict(Organization.objects.values_list("pk", "path"))
    ids = {path: pk for pk, path in paths.items()}
    computed = Counter()
    for row in (ActivityPlan.objects.filter(status=PlanStatus.PLANNED).order_by()
                .values("organization_id", "planned_on").annotate(n=Count("pk"))):
        for path in path_and_ancestors(paths[row["organization_id"]]):
            computed[ids[path], row["planned_on"]] += row["n"]
    stored = {(pk, day): n for pk, day, n in PlanDayCount.objects.values_list("organization_id", "day", "plans")}
    return {key: (stored.get(key, 0), computed.get(key, 0)) for key in sorted(set(stored) | set(computed))
            if stored.get(key, 0) != computed.get(key, 0)}


def fill(cursor, *, table, plans, orgs, deepest, step=4):
    """Every row from the plans, set-based: each organization's own plans by day (INSERT … SELECT … GROUP BY), then
    level by level from the deepest each organization's rows added to its parent's. The migration's fill too."""
    cursor.execute(f"INSERT INTO {table} (organization_id, day, plans) SELECT organization_id, planned_on, COUNT(*) "
                   f"FROM {plans} WHERE status = %s GROUP BY organization_id, planned_on", [PlanStatus.PLANNED.value])
    for depth in range(deepest - 1, 0, -1):
        cursor.execute(
            f"INSERT INTO {table} (organization_id, day, plans) SELECT p.id, r.day, SUM(r.plans) "
            f"FROM {table} r JOIN {orgs} c ON c.id = r.organization_id JOIN {orgs} p ON p.path = substr(c.path, 1, %s) "
            f"WHERE c.depth = %s GROUP BY p.id, r.day "
            f"ON CONFLICT (organization_id, day) DO UPDATE SET plans = {table}.plans + excluded.plans",
            [depth * step, depth + 1])


def rebuild() -> int:
    """Every row anew (on PostgreSQL with the plans and the tree held in SHARE mode meanwhile)."""
    qn = connection.ops.quote_name
    table, plans = qn(PlanDayCount._meta.db_table), qn(ActivityPlan._meta.db_table)
    orgs = qn(Organization._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {plans}, {orgs} IN SHARE MODE")
        PlanDayCount.objects.all().delete()
        fill(cursor, table=table, plans=plans, orgs=orgs,
             deepest=Organization.objects.aggregate(n=Max("depth"))["n"] or 0, step=Organization.steplen)
    return PlanDayCount.objects.count()
