"""Monthly subtree roll-ups of the submitted records (RecordMonthRollup): the figures of the 党员参与 page, of the
compliance page and of `metrics.organization_metrics` — records, late records, 应到 and 实到 summed over a subtree —
as a dozen stored rows instead of a province's 1.9 million records a year.

Kept like the member counts (orgs.OrgCountManager): every service that changes a counted record (submit, return, an
edit of a submitted one; drafts count for nothing, so create, check-in and deleting a draft change nothing) takes a
`track(record)` in its transaction right after locking the record and calls `.done(record)` at the end: the
difference of the record's contribution (`contribution`) goes to its organization and every ancestor for the
month(s), one INSERT … ON CONFLICT DO UPDATE with the rows in key order (organization, month), so two writers under
the same ancestors queue on the first row they share instead of deadlocking. `track` first holds the chain of
organizations FOR KEY SHARE from the top down (PostgreSQL), so its ancestors cannot change under the write: a move
(`org_moving`, registered with orgs.hooks) first takes the moved organization FOR UPDATE, so a writer below it waits
for the move and then reads its new ancestors, and the move — the subtree's rows now stable — takes the moved
organization's rows from its old ancestors and adds them to the new ones. (The services lock the record and its
activity type, not its organization: a FOR UPDATE on the organization taken before the chain would break the
top-down order.)

Reads (`subtree_figures`, `children_figures`): the months [start, end] covers whole from the rows. A month covered
in part from the rows too, minus the records of the days left out, when those days are fewer (by `_cost`) than the
ones covered — the current month up to today: only records moved to a later date by an edit (the form allows it),
nearly none — else from the records of the days covered. Exact either way; two queries whatever the subtree.

`manage.py record_rollups --check | --rebuild`. Anything that writes records past the services (the demo seed)
rebuilds (`rebuild`, set-based like the migration's fill).
"""

from collections import defaultdict
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, Substr, TruncMonth

from apps.core.bulk import add_increments
from apps.core.dates import add_months
from apps.core.query import prefix_q
from apps.orgs.models import Organization, path_and_ancestors

from .models import ActivityRecord, RecordMonthRollup
from .states import COUNTED

FIGURES = ("records", "late", "expected", "present")


def _zero():
    return dict.fromkeys(FIGURES, 0)


# ---- writing ----

def contribution(record):
    """(organization_id, month, (records, late, expected, present)) of a counted record; None for any other."""
    if record.status not in COUNTED:
        return None
    return (record.organization_id, record.held_on.replace(day=1),
            (1, int(bool(record.is_late)), record.expected_count or 0, record.present_count or 0))


class Change:
    """A write that may change what a record counts. Take it right after locking the record, before any insert that
    checks a foreign key to the record's organization (Fulfilment, …): it holds the organization's chain from the top
    down (`_hold_chain`), and a key-share lock taken out of that order (by such an insert) could deadlock with a move.
    `counting`: the record will count after the write (a submit). `done(record)` once its figures are final (after
    _recount): the difference goes to the organization and every ancestor."""

    def __init__(self, record, *, counting=False):
        self.was = contribution(record)
        self.chain = _hold_chain(record.organization_id) if self.was is not None or counting else None

    def done(self, record):
        now = contribution(record)
        if self.was is None and now is None:
            return
        _apply(self.was, now, self.chain if self.chain is not None else _hold_chain(record.organization_id))


def track(record, *, counting=False) -> Change:
    return Change(record, counting=counting)


def _apply(was, now, chain):
    deltas = defaultdict(lambda: [0, 0, 0, 0])
    for sign, part in ((-1, was), (1, now)):
        if part is not None:
            _org_id, month, figures = part
            row = deltas[month]
            for i, value in enumerate(figures):
                row[i] += sign * value
    # Rows in key order; an edit that changed nothing counted (a topic, an attendance reason) writes none.
    rows = sorted((ancestor, month, *d) for month, d in deltas.items() if any(d) for ancestor in chain)
    with transaction.atomic(savepoint=False):
        _add(rows)


def _path(org_id):
    return Organization.objects.filter(pk=org_id).values_list("path", flat=True).get()


def _hold_chain(org_id) -> list:
    """The ids of the organization and its ancestors; on PostgreSQL held FOR KEY SHARE, from the top down, until the
    transaction ends: a move of any of them (which updates the organization's path) waits for us, and we for a move
    under way (it holds its organization FOR UPDATE first: `org_moving`). Read again when a move committed between
    the read of the path and the lock."""
    path = _path(org_id)
    if connection.vendor != "postgresql":
        return list(Organization.objects.filter(path__in=path_and_ancestors(path)).values_list("pk", flat=True))
    qn = connection.ops.quote_name
    while True:
        paths = path_and_ancestors(path)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {qn('id')}, {qn('path')} FROM {qn(Organization._meta.db_table)} "
                           f"WHERE {qn('path')} IN ({', '.join(['%s'] * len(paths))}) ORDER BY {qn('path')} "
                           f"FOR KEY SHARE", paths)
            held = cursor.fetchall()
        if (org_id, path) in held:  # the organization still at that path: its ancestors are the ones held
            return [pk for pk, _p in held]
        path = _path(org_id)


def _add(rows):
    """Upsert increments [(organization_id, month, records, late, expected, present)], in the order given (key
    order)."""
    add_increments(RecordMonthRollup, keys=("organization_id", "month"), figures=FIGURES, rows=rows)


def org_moving(org):
    """An organization's subtree is about to move (registered with orgs.hooks): hold it FOR UPDATE first (the record
    writers below it wait at their chain lock, see _hold_chain), then, once it has moved, take its rows from the old
    ancestors and add them to the new ones (the ancestors both chains share cancel out)."""
    if connection.vendor == "postgresql":
        list(Organization.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True))
    old = path_and_ancestors(_path(org.pk))[:-1]

    def moved():
        new = path_and_ancestors(_path(org.pk))[:-1]
        ids = dict(Organization.objects.filter(path__in=[*old, *new]).values_list("path", "pk"))
        own = RecordMonthRollup.objects.filter(organization_id=org.pk).values_list("month", *FIGURES)
        rows = defaultdict(lambda: [0, 0, 0, 0])
        for month, *figures in own:
            for sign, chain in ((-1, old), (1, new)):
                for path in chain:
                    row = rows[ids[path], month]
                    for i, value in enumerate(figures):
                        row[i] += sign * value
        _add(sorted((pk, month, *d) for (pk, month), d in rows.items() if any(d)))

    return moved


# ---- reading ----

def _days(ranges):
    q = Q()
    for low, high in ranges:
        q |= Q(held_on__range=(low, high))
    return q


def _cost(ranges, today):
    """Roughly the records of these days: a day to come holds only records moved there by an edit (nearly none)."""
    total = 0.0
    for low, high in ranges:
        past = max(0, (min(high, today) - low).days + 1)
        total += past + 0.01 * ((high - low).days + 1 - past)
    return total


def _plan(start, end, today):
    """How [start, end] is read: ([months from the stored rows], [day ranges added from the records], [day ranges of
    those months taken off, from the records])."""
    months, plus, minus = [], [], []
    month = start.replace(day=1)
    while month <= end:
        last = add_months(month, 1) - timedelta(days=1)
        low, high = max(start, month), min(end, last)
        if (low, high) == (month, last):
            months.append(month)
        else:
            left_out = [r for r in ((month, low - timedelta(days=1)), (high + timedelta(days=1), last)) if r[0] <= r[1]]
            if _cost(left_out, today) < _cost([(low, high)], today):
                months.append(month)
                minus.extend(left_out)
            else:
                plus.append((low, high))
        month = add_months(month, 1)
    return months, plus, minus


def _record_sums(plus, minus):
    """Aggregates over records: the figures of the days `plus` (p_…) and of the days `minus` (m_…)."""
    sums = {}
    for prefix, ranges in (("p_", plus), ("m_", minus)):
        if ranges:
            q = _days(ranges)
            sums.update({f"{prefix}records": Count("pk", filter=q), f"{prefix}late": Count("pk", filter=q & Q(is_late=True)),
                         f"{prefix}expected": Coalesce(Sum("expected_count", filter=q), 0),
                         f"{prefix}present": Coalesce(Sum("present_count", filter=q), 0)})
    return sums


def _signed(row):
    return {f: (row.get(f"p_{f}") or 0) - (row.get(f"m_{f}") or 0) for f in FIGURES}


def _stored_sums():
    return {f: Coalesce(Sum(f), 0) for f in FIGURES}


def subtree_figures(org, start, end, today=None) -> dict:
    """{records, late, expected, present} of the submitted records held in [start, end] in `org`'s subtree."""
    from django.utils import timezone

    months, plus, minus = _plan(start, end, today or timezone.localdate())
    figures = _zero()
    if months:
        stored = RecordMonthRollup.objects.filter(organization_id=org.pk, month__in=months).aggregate(**_stored_sums())
        figures = {f: stored[f] for f in FIGURES}
    if plus or minus:
        row = (ActivityRecord.objects.filter(prefix_q("organization__path", org.path), _days(plus + minus),
                                             status__in=COUNTED).aggregate(**_record_sums(plus, minus)))
        figures = {f: figures[f] + v for f, v in _signed(row).items()}
    return figures


def figures_by_organization(orgs, start, end, today=None) -> dict:
    """{org pk: {records, late, expected, present}} of each organization's subtree, as subtree_figures gives them: the
    whole months from one grouped read of their stored rows (an assessment round's ~2,600 organizations: one query);
    the days of a month covered in part, organization by organization (an assessment's periods are whole months)."""
    from django.utils import timezone

    orgs = list(orgs)
    months, plus, minus = _plan(start, end, today or timezone.localdate())
    found = {org.pk: _zero() for org in orgs}
    if months:
        rows = (RecordMonthRollup.objects.filter(organization_id__in=list(found), month__in=months).order_by()
                .values("organization_id").annotate(**_stored_sums()))
        for row in rows:
            found[row["organization_id"]] = {f: row[f] for f in FIGURES}
    if plus or minus:
        for org in orgs:
            row = (ActivityRecord.objects.filter(prefix_q("organization__path", org.path), _days(plus + minus),
                                                 status__in=COUNTED).aggregate(**_record_sums(plus, minus)))
            found[org.pk] = {f: found[org.pk][f] + v for f, v in _signed(row).items()}
    return found


def children_figures(org, start, end, today=None) -> dict:
    """{child path: {records, late, expected, present}} of the subtree of each organization one level below `org`
    (those with nothing left out)."""
    from django.utils import timezone

    months, plus, minus = _plan(start, end, today or timezone.localdate())
    found = defaultdict(_zero)
    if months:
        children = Organization.objects.filter(prefix_q("path", org.path), depth=org.depth + 1)
        rows = (RecordMonthRollup.objects.filter(organization__in=children.values("pk"), month__in=months).order_by()
                .values("organization__path").annotate(**_stored_sums()))
        for row in rows:
            found[row["organization__path"]] = {f: row[f] for f in FIGURES}
    if plus or minus:
        rows = (ActivityRecord.objects.filter(prefix_q("organization__path", org.path), _days(plus + minus),
                                              status__in=COUNTED)
                .exclude(organization_id=org.pk).order_by()
                .annotate(key=Substr("organization__path", 1, len(org.path) + Organization.steplen)).values("key")
                .annotate(**_record_sums(plus, minus)))
        for row in rows:
            figures = found[row["key"]]
            for f, v in _signed(row).items():
                figures[f] += v
    return dict(found)


# ---- checking and rebuilding ----

def _direct_sums():
    return {"records": Count("pk"), "late": Count("pk", filter=Q(is_late=True)),
            "expected": Coalesce(Sum("expected_count"), 0), "present": Coalesce(Sum("present_count"), 0)}


def mismatches(limit=None) -> dict:
    """{(organization_id, month): (stored, computed)} where a stored row differs from the records (a zero row equals no
    row). Month by month: a month's records grouped by organization (an index range on held_on), rolled up to the
    ancestors by path in Python; so at most one month's organizations sit in memory, never a province's rows."""
    counted = ActivityRecord.objects.filter(status__in=COUNTED)
    bounds = counted.aggregate(low=Min("held_on"), high=Max("held_on"))
    stored_bounds = RecordMonthRollup.objects.aggregate(low=Min("month"), high=Max("month"))
    lows = [d for d in (bounds["low"], stored_bounds["low"]) if d]
    if not lows:
        return {}
    high = max(d for d in (bounds["high"], stored_bounds["high"]) if d)
    paths = dict(Organization.objects.values_list("pk", "path"))
    ids = {path: pk for pk, path in paths.items()}
    zero = (0, 0, 0, 0)
    wrong = {}
    month = min(lows).replace(day=1)
    while month <= high:
        last = add_months(month, 1) - timedelta(days=1)
        computed = defaultdict(lambda: [0, 0, 0, 0])
        for row in (counted.filter(held_on__range=(month, last)).order_by().values("organization_id")
                    .annotate(**_direct_sums())):
            for path in path_and_ancestors(paths[row["organization_id"]]):
                target = computed[ids.get(path)]
                for i, f in enumerate(FIGURES):
                    target[i] += row[f]
        stored = {pk: tuple(figures) for pk, *figures in
                  RecordMonthRollup.objects.filter(month=month).values_list("organization_id", *FIGURES)}
        for pk in sorted(set(stored) | set(computed), key=lambda k: (k is None, k or 0)):
            have, want = stored.get(pk, zero), tuple(computed.get(pk, zero))
            if have != want:
                wrong[pk, month] = (have, want)
                if limit and len(wrong) >= limit:
                    return wrong
        month = add_months(month, 1)
    return wrong


def _month_sql(column):
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def rebuild() -> int:
    """Every row anew, set-based (the migration's fill is the same SQL): each organization's own records by month, then
    level by level from the deepest, each organization's rows added to its parent's (INSERT … SELECT … ON CONFLICT DO
    UPDATE): the work is the rows', not records × depth. On PostgreSQL the records and the tree are held in SHARE mode
    meanwhile (a write waits for the rebuild)."""
    qn = connection.ops.quote_name
    table, records = qn(RecordMonthRollup._meta.db_table), qn(ActivityRecord._meta.db_table)
    orgs = qn(Organization._meta.db_table)
    step = Organization.steplen
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {records}, {orgs} IN SHARE MODE")
        RecordMonthRollup.objects.all().delete()
        month = _month_sql(qn("held_on"))
        statuses = ", ".join(["%s"] * len(COUNTED))
        cursor.execute(
            f"INSERT INTO {table} (organization_id, month, records, late, expected, present) "
            f"SELECT organization_id, {month}, COUNT(*), SUM(CASE WHEN is_late THEN 1 ELSE 0 END), "
            f"SUM(expected_count), SUM(present_count) FROM {records} WHERE status IN ({statuses}) "
            f"GROUP BY organization_id, {month}", list(COUNTED))
        deepest = Organization.objects.aggregate(n=Max("depth"))["n"] or 0
        added = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in FIGURES)
        for depth in range(deepest - 1, 0, -1):
            cursor.execute(
                f"INSERT INTO {table} (organization_id, month, records, late, expected, present) "
                f"SELECT p.id, r.month, SUM(r.records), SUM(r.late), SUM(r.expected), SUM(r.present) "
                f"FROM {table} r JOIN {orgs} c ON c.id = r.organization_id JOIN {orgs} p ON p.path = substr(c.path, 1, %s) "
                f"WHERE c.depth = %s GROUP BY p.id, r.month "
                f"ON CONFLICT (organization_id, month) DO UPDATE SET {added}", [depth * step, depth + 1])
    return RecordMonthRollup.objects.count()


def refill(org) -> int:
    """The rows of `org` anew from its own records and its children's rows (which must be right): an organization
    placed above existing ones outside org_move (the province bench's root above its copied districts)."""
    RecordMonthRollup.objects.filter(organization_id=org.pk).delete()
    sums = defaultdict(lambda: [0, 0, 0, 0])
    children = Organization.objects.filter(prefix_q("path", org.path), depth=org.depth + 1).values("pk")
    for row in (RecordMonthRollup.objects.filter(organization__in=children).order_by().values("month")
                .annotate(**_stored_sums())):
        for i, f in enumerate(FIGURES):
            sums[row["month"]][i] += row[f]
    own = (ActivityRecord.objects.filter(organization_id=org.pk, status__in=COUNTED).order_by()
           .annotate(month=TruncMonth("held_on")).values("month").annotate(**_direct_sums()))
    for row in own:
        month = row["month"] if isinstance(row["month"], date) else row["month"].date()
        for i, f in enumerate(FIGURES):
            sums[month][i] += row[f]
    RecordMonthRollup.objects.bulk_create([RecordMonthRollup(organization_id=org.pk, month=m, **dict(zip(FIGURES, d)))
                                           for m, d in sorted(sums.items())])
    return len(sums)
