"""Monthly roll-ups of the case figures (issue 11): a year's rankings as sums of stored rows, not a scan of a year of cases.

`CaseMonthRollup` rows hold, per month of submission (the cohort month, local time) × lead unit × township area ×
category, the part of each figure in `metrics` that does not depend on the clock. Two parts of the figures move with time
alone — a case waiting to be signed for once its sign_due passes (响应率's denominator), a case still being handled
once its deadline passes (超时) — so no stored number can hold them; they are counted live (`live_by`) over the
cases whose time has passed and is not yet swept (`Case.lapse_at < now`, a stored generated column under a partial
index) until the lapse sweep (apps.cases.lapses) records it: then they are stored too (the "_swept" figures) and
leave the index, so the live part is the lapses of the last sweep interval, whatever the size of the year. Stored + live = the figures from the case rows,
exactly (tests/test_rollups.py compares them on varied data, before and after sweeps).

The area is stored at township level: the case's area, or its ancestor at depth CASE_ROLLUP_AREA_DEPTH (the
townships' depth) when it lies deeper — a village's cases count in its township's row (at district scale 7.6k rows
a year instead of 31k by village). So the rows answer a `within` no deeper than that depth (its subtree holds whole
township rows) and groups by lead unit, category or township (`AREA`); a `within` below a township or a group by the
case's own area reads the case rows of that small subtree instead (`answers`, metrics.grouped). The depth is part of
the key: after changing the setting, `case_rollups --check` reports every row and `--rebuild` re-keys them.

Every case counts at four grains (`GRAINS`, the `grain` column; a column a grain does not keep is NULL): "full"
(lead unit × township × category), "unit" (lead unit × the tree's root), "area" (township) and "service" (category ×
root). A ranking reads the narrowest grain that answers it (`grain_for`): over the whole tree (no `within`, or the
root) a year by unit is about a row per unit and month — a province's year was 297k full rows for every ranking —
by township a row per township and month; within a district or a township the full rows of its townships. The root
keeps the grains exact for a `within` at the root, which leaves out the cases without an area. The grains come from
the same contributions in the same writes (`_keys`), so they agree; `regrain` derives them from the full rows where
those were written past this module (the province bench's copy, migration cases/0007).

Kept by the services, in the write's own transaction, as *delta rows*: every step (`services._save`, `case_merge`,
`case_open`) reads the contributions of the cases it touches before and after its change, grouped by key, and
inserts the differences. Insert-only, so concurrent steps never wait on a shared counter row nor deadlock, and a
late change to a closed month (a rating weeks later, a reopening, a merge, 改派) is counted when it commits — a
rebuild of closed months by a schedule alone would be stale between runs. The scheduled `compact_rollups`
(registered with `core.workers.register_periodic`) folds each key's deltas into one row; a fold deletes exactly
the rows it summed, so a delta committed meanwhile is kept, not lost. `manage.py case_rollups --check | --rebuild
| --compact`. Anything that writes cases past the services (the demo seed) must rebuild.
"""

from datetime import date

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, DateField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone
from django_tasks import task

from apps.core.query import prefix_q
from apps.orgs.models import Organization

from .models import HANDLING_STATUSES, Case, CaseMonthRollup, Rating, Status

KEY = ("grain", "month", "lead_unit_id", "area_id", "service_id")
AREA = "rollup_area"  # a case's area as stored in the key (its township-level ancestor): annotate(**{AREA: area_key()})
ROOT = "rollup_root"  # the root of the case's area (the "unit" and "service" grains' area)
ROOT_DEPTH = 1
_SOURCE = ("month", "lead_unit_id", AREA, ROOT, "service_id")  # what the keys of every grain are made from

# Grains: the key columns each keeps beside the month (the others are NULL) and the depth of its area.
FULL, UNIT, BY_AREA, BY_SERVICE = "full", "unit", "area", "service"
GRAINS = {FULL: ("lead_unit_id", "area_id", "service_id"), UNIT: ("lead_unit_id", "area_id"), BY_AREA: ("area_id",),
          BY_SERVICE: ("service_id", "area_id")}
ROOT_GRAINS = (UNIT, BY_SERVICE)


def _keys(month, lead_unit, area, root, service):
    """The row keys (KEY) one group of cases counts in, one per grain."""
    return ((FULL, month, lead_unit, area, service), (UNIT, month, lead_unit, root, None),
            (BY_AREA, month, None, area, None), (BY_SERVICE, month, None, root, service))


def _grained(groups) -> dict:
    """{KEY: {figure: n}} of every grain from [((month, lead_unit, area, root, service), {figure: n})]."""
    out = {}
    for source, figures in groups:
        for key in _keys(*source):
            into = out.get(key)
            if into is None:
                out[key] = dict(figures)
            else:
                for f in STORED:
                    into[f] += figures[f]
    return out
STORED = ("cases", "received", "signed", "responded", "resolved", "rated", "solved", "satisfied", "overdue", "returned",
          "handling_minutes", "sign_overdue_swept", "handling_overdue_swept")

_MAIN = Q(master__isnull=True) & ~Q(status=Status.REJECTED)
_ACCEPTED = _MAIN & Q(accepted_at__isnull=False)
_LATE = Q(resolved_on_time=False) | Q(ever_late=True)


def _stored_aggregates():
    """The clock-free part of metrics._aggregates (keep the two in step: the tests compare them)."""
    return {
        "cases": Count("pk"),  # every case: a group with cases has a row even when it counts for nothing yet
        "received": Count("pk", filter=_ACCEPTED),
        "signed": Count("pk", filter=_ACCEPTED & Q(signed_at__isnull=False)),
        "responded": Count("pk", filter=_MAIN & Q(accept_on_time=True, sign_on_time=True)),
        "resolved": Count("pk", filter=_MAIN & Q(resolved_at__isnull=False)),
        "rated": Count("pk", filter=~Q(rating="")),
        "solved": Count("pk", filter=Q(rating_solved=True)),
        "satisfied": Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASIC])),
        "overdue": Count("pk", filter=_MAIN & _LATE),
        "returned": Coalesce(Sum("return_count"), Value(0)),
        "handling_minutes": Coalesce(Sum("handling_minutes", filter=_MAIN), Value(0)),
        # The clock-driven parts once the lapse sweep (apps.cases.lapses) recorded that their time had passed: from
        # then on they no longer move with the clock alone, only with a step (which the services track).
        "sign_overdue_swept": Count("pk", filter=_ACCEPTED & Q(signed_at__isnull=True, sign_lapsed=True)),
        "handling_overdue_swept": Count("pk", filter=_MAIN & ~_LATE & Q(status__in=HANDLING_STATUSES,
                                                                        handling_lapsed=True)),
    }


def lapsed_by(now) -> Q:
    """The cases a live figure can count at `now`: a time to sign or a deadline passed and not yet swept (Case.lapse_at,
    the earliest time still able to lapse, under the partial index cases_lapse_at_idx). live_aggregates' filters lie
    inside it, so it only narrows the scan: to the lapses since the last sweep, whatever the size of the year."""
    return Q(lapse_at__lt=now)


def live_aggregates(now):
    """The clock-driven parts not yet swept; metrics adds the stored swept figures (a lapse is in one or the other:
    a flag is set only once its time has passed, and cleared by a step that moves the time later)."""
    return {
        "sign_overdue": Count("pk", filter=_ACCEPTED & Q(signed_at__isnull=True, sign_lapsed=False, sign_due__lt=now)),
        "handling_overdue": Count("pk", filter=_MAIN & ~_LATE & Q(status__in=HANDLING_STATUSES, handling_lapsed=False,
                                                                  deadline__lt=now)),
    }


def month_of(column="submitted_at"):
    return TruncMonth(column, output_field=DateField(), tzinfo=timezone.get_current_timezone())


def area_depth() -> int:
    return settings.CASE_ROLLUP_AREA_DEPTH


def _prefix_length(depth=None) -> int:
    return (depth or area_depth()) * Organization.steplen


def area_key(path=None, depth=None):
    """The pk of the case's area truncated to the townships' depth (or `depth`; itself when no deeper), for
    annotating cases (or roll-up rows); with `path` (a known area's path), the same for that area, usable as a value
    in an INSERT."""
    length = _prefix_length(depth)
    prefix = Substr(OuterRef("area__path"), 1, length) if path is None else path[:length]
    return Subquery(Organization.objects.filter(path=prefix).values("pk")[:1])


def answers(period, within) -> bool:
    """Whether the roll-ups hold the period's figures within this area: whole months, and an area whose subtree
    holds whole stored areas (none deeper than the townships' depth)."""
    return covers(period) and (within is None or within.depth <= area_depth())


def contributions(queryset) -> dict:
    """{(grain, month, lead_unit_id, area_id, service_id): {figure: n}} of some cases, every grain from one grouped
    query."""
    rows = (queryset.order_by().annotate(month=month_of(), **{AREA: area_key(), ROOT: area_key(depth=ROOT_DEPTH)})
            .values(*_SOURCE).annotate(**_stored_aggregates()))
    return _grained((tuple(row[k] for k in _SOURCE), {f: row[f] or 0 for f in STORED}) for row in rows)


def _delta_rows(before: dict, after: dict) -> list:
    rows = []
    for key in sorted(set(before) | set(after), key=repr):
        old, new = before.get(key, {}), after.get(key, {})
        delta = {f: new.get(f, 0) - old.get(f, 0) for f in STORED}
        if any(delta.values()):
            rows.append(CaseMonthRollup(**dict(zip(KEY, key)), **delta))
    return rows


class Tracker:
    """The contributions of some cases before a write; `done()` after it inserts the differences. Inside the
    write's transaction (the cases locked by the step, or new)."""

    def __init__(self, ids=()):
        self.ids = set(ids)
        self.before = contributions(Case.objects.filter(pk__in=self.ids)) if self.ids else {}

    def add(self, *ids):
        """Cases new in this write (nothing to count before)."""
        self.ids.update(ids)

    def done(self):
        after = contributions(Case.objects.filter(pk__in=self.ids)) if self.ids else {}
        rows = _delta_rows(self.before, after)
        if rows:
            CaseMonthRollup.objects.bulk_create(rows)
        self.before = after
        return rows


def track(case) -> Tracker:
    """A step on `case`: the case and the submissions merged into it (they follow its lead unit)."""
    return Tracker([case.pk, *Case.objects.filter(master=case.pk).values_list("pk", flat=True)])


def contribution(case) -> dict:
    """One case's contribution, in Python: the same rules as _stored_aggregates (a new case needs no query)."""
    main = case.master_id is None and case.status != Status.REJECTED
    accepted = main and case.accepted_at is not None
    return {"cases": 1, "received": int(accepted), "signed": int(accepted and case.signed_at is not None),
            "responded": int(main and case.accept_on_time is True and case.sign_on_time is True),
            "resolved": int(main and case.resolved_at is not None), "rated": int(case.rating != ""),
            "solved": int(case.rating_solved is True),
            "satisfied": int(case.rating in (Rating.SATISFIED, Rating.BASIC)),
            "overdue": int(main and (case.resolved_on_time is False or case.ever_late)),
            "returned": case.return_count or 0, "handling_minutes": (case.handling_minutes or 0) if main else 0,
            "sign_overdue_swept": int(accepted and case.signed_at is None and case.sign_lapsed),
            "handling_overdue_swept": int(main and not (case.resolved_on_time is False or case.ever_late)
                                          and case.status in HANDLING_STATUSES and case.handling_lapsed)}


def add_new(case):
    """A case just inserted (intake): its row of each grain, one INSERT (a village's township and its root looked up
    inside it)."""
    values = contribution(case)
    month = timezone.localtime(case.submitted_at).date().replace(day=1)

    def ancestor(depth):
        if case.area_id is None:
            return None
        if Case.area.is_cached(case):
            return area_key(case.area.path, depth) if len(case.area.path) > _prefix_length(depth) else case.area_id
        path = Subquery(Organization.objects.filter(pk=case.area_id).values("path")[:1])
        return Subquery(Organization.objects.filter(path=Substr(path, 1, _prefix_length(depth))).values("pk")[:1])

    keys = _keys(month, case.lead_unit_id, ancestor(None), ancestor(ROOT_DEPTH), case.service_id)
    CaseMonthRollup.objects.bulk_create([CaseMonthRollup(**dict(zip(KEY, key)), **values) for key in keys])


def org_moving(org):
    """An organization's subtree is about to move (registered with orgs.hooks): its cases may change township, so
    their contributions leave the old keys and join the new ones, as delta rows in the move's transaction (the
    cases locked against steps meanwhile)."""
    area_ids = list(Organization.objects.filter(prefix_q("path", org.path)).values_list("pk", flat=True))
    cases = Case.objects.filter(area_id__in=area_ids)
    if connection.vendor == "postgresql":
        list(cases.select_for_update().values_list("pk", flat=True))
    before = contributions(cases)
    if not before:
        return None

    def moved():
        rows = _delta_rows(before, contributions(cases))
        if rows:
            CaseMonthRollup.objects.bulk_create(rows, batch_size=2000)

    return moved


# ---- reading ----

def covers(period) -> bool:
    """A period of whole months (a month, a quarter, a year) is answered from the roll-ups."""
    nxt = date.fromordinal(period.end.toordinal() + 1)
    return period.start.day == 1 and nxt.day == 1


def grain_for(key, within) -> str:
    """The narrowest grain that answers a group by `key` within an area: over a whole tree (no area, or a root) the
    unit or category rows keyed by the root (a province's year: about a row per unit and month, not one per unit,
    township and category); within a smaller area the full rows, whose areas lie in it or not."""
    if key == "area_id":
        return BY_AREA
    if within is not None and within.depth > ROOT_DEPTH:
        return FULL
    return UNIT if key == "lead_unit_id" else BY_SERVICE


def stored_by(period, key, *, within=None) -> dict:
    """{value of key ("lead_unit_id" / "area_id": the township-level area / "service_id"): {figure: n}} summed over
    the period's months, within an area that `answers` allows, from the rows of `grain_for`."""
    grain = grain_for(key, within)
    qs = CaseMonthRollup.objects.filter(grain=grain, month__gte=period.start, month__lte=period.end)
    if within is not None and grain in ROOT_GRAINS:
        qs = qs.filter(area_id=within.pk)  # a root
    elif within is not None:
        qs = qs.filter(area_id__in=Organization.objects.filter(prefix_q("path", within.path),
                                                               depth__lte=area_depth()).values("pk"))
    rows = qs.order_by().values(key).annotate(**{f: Sum(f) for f in STORED})
    return {row[key]: {f: row[f] or 0 for f in STORED} for row in rows}


def live_by(cases, key, now) -> dict:
    """The clock-driven parts over the cohort's cases still open (key AREA: by township-level area)."""
    cases = cases.filter(lapsed_by(now))
    if key != AREA:
        rows = cases.order_by().values(key).annotate(**live_aggregates(now))
        return {row[key]: row for row in rows}
    # Grouped by the case's own area first, then those groups joined to their organizations and summed by the path
    # prefix, then the prefixes named by their organizations. Not the area_key() subquery per open case (two index
    # lookups each for a province's ~50k open cases of a year), nor a join of every open case (the join builds the
    # whole tree, 100k organizations, for 50k probes): grouping first leaves ~15k areas to join (a province's year,
    # vacuumed: 71 → 48 ms). The ORM does not join a grouped subquery, hence the statement around the ORM's own.
    aggregates = live_aggregates(now)
    by_area = cases.order_by().values("area_id").annotate(**aggregates)
    sql, params = by_area.query.get_compiler(using=by_area.db).as_sql()
    qn, org = connections[by_area.db].ops.quote_name, Organization._meta
    sums = ", ".join(f"SUM(g.{qn(name)})" for name in aggregates)
    with connections[by_area.db].cursor() as cursor:
        cursor.execute(f"SELECT SUBSTR(o.{qn('path')}, 1, %s), {sums} FROM ({sql}) g LEFT JOIN {qn(org.db_table)} o "
                       f"ON o.{qn(org.pk.column)} = g.{qn('area_id')} GROUP BY 1", (_prefix_length(), *params))
        rows = [dict(zip(("prefix", *aggregates), row)) for row in cursor.fetchall()]
    towns = dict(Organization.objects.using(by_area.db).filter(path__in={r["prefix"] for r in rows if r["prefix"]})
                 .values_list("path", "pk"))
    out = {}
    for row in rows:
        town = towns.get(row["prefix"]) if row["prefix"] else None  # as area_key(): the ancestor there, else itself
        into = out.setdefault(town, {AREA: town, **dict.fromkeys(aggregates, 0)})
        for name in aggregates:
            into[name] += int(row[name] or 0)  # PostgreSQL sums counts as numeric
    return out


# ---- upkeep ----

def expected() -> dict:
    return contributions(Case.objects.all())


def stored() -> dict:
    rows = (CaseMonthRollup.objects.order_by().values(*KEY).annotate(**{f: Sum(f) for f in STORED}))
    return {tuple(row[k] for k in KEY): {f: row[f] or 0 for f in STORED} for row in rows}


def differences() -> list:
    """Keys whose stored sums differ from the case rows: [(key, stored, expected)]."""
    want, have = expected(), stored()
    zero = dict.fromkeys(STORED, 0)
    return [(key, have.get(key, zero), want.get(key, zero)) for key in sorted(set(want) | set(have), key=repr)
            if have.get(key, zero) != want.get(key, zero)]


@transaction.atomic
def rebuild() -> int:
    """Replace every roll-up row by the sums of the case rows (the cases locked against steps meanwhile)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Case._meta.db_table} IN SHARE MODE")
    CaseMonthRollup.objects.all().delete()
    rows = [CaseMonthRollup(**dict(zip(KEY, key)), **values) for key, values in expected().items()]
    CaseMonthRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def regrain() -> int:
    """Replace the rows of the narrower grains by sums of the full rows, for full rows written past this module:
    the province bench copies a district's rows (its roots move below the province's) and migration cases/0007
    adds the grains to a database that has the full rows only. Returns the rows written."""
    CaseMonthRollup.objects.exclude(grain=FULL).delete()
    full = (CaseMonthRollup.objects.filter(grain=FULL).order_by().annotate(**{ROOT: area_key(depth=ROOT_DEPTH)})
            .values("month", "lead_unit_id", "area_id", ROOT, "service_id").annotate(**{f: Sum(f) for f in STORED}))
    grained = _grained(((row["month"], row["lead_unit_id"], row["area_id"], row[ROOT], row["service_id"]),
                        {f: row[f] or 0 for f in STORED}) for row in full)
    rows = [CaseMonthRollup(**dict(zip(KEY, key)), **values) for key, values in grained.items()
            if key[0] != FULL and any(values.values())]
    CaseMonthRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def compact() -> int:
    """Fold the delta rows of each key into one; deletes exactly the rows it read (a delta committed meanwhile
    stays). Returns the rows removed."""
    keys = list(CaseMonthRollup.objects.order_by().values(*KEY).annotate(n=Count("pk")).filter(n__gt=1)
                .values_list(*KEY))
    removed = 0
    for key in keys:
        rows = list(CaseMonthRollup.objects.select_for_update().filter(**_key_filter(key)))
        if len(rows) < 2:
            continue
        total = {f: sum(getattr(r, f) for r in rows) for f in STORED}
        CaseMonthRollup.objects.filter(pk__in=[r.pk for r in rows]).delete()
        if any(total.values()):
            CaseMonthRollup.objects.create(**dict(zip(KEY, key)), **total)
        removed += len(rows) - 1
    return removed


def _key_filter(key):
    return {(k[:-3] + "__isnull" if v is None else k): (True if v is None else v) for k, v in zip(KEY, key)}


@task()
def compact_rollups() -> dict:
    """Scheduled (core.workers.register_periodic, hourly): keeps a year's ranking a sum of about one row per key."""
    return {"rollup_rows_folded": compact()}

