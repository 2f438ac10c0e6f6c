"""The three rates (三率) and rankings of the citizen-request system — the documented entry point for assessment.

    case_figures(period=…, units=[…] | area=org | None, now=None) -> CaseFigures
    figures_by_area(period, [org, …], now=None) -> {org pk: CaseFigures}   (many areas at once, one grouped query)
    rankings(period, group="township" | "department" | "area" | "service", within=org, now=None) -> [RankingRow]

Every figure is about the cases *submitted* in the period (a cohort: a late rating still counts for the month the
resident asked), and attributed to the case's current lead unit:

- received (受理量): cases accepted, and not later found not acceptable (不予受理); a merged duplicate is counted
  once, in the case it joined;
- 响应率: cases accepted within CASE_ACCEPT_HOURS *and* signed for within CASE_SIGN_HOURS of dispatch, over the
  cases that have been signed for or whose time to sign has run out;
- 解决率 and 满意率: over the ratings (回访 by the resident or by phone, every merged submitter included), the share
  saying the problem is solved, and the share 满意 or 基本满意;
- average handling time: submission to 办结, over resolved cases; overdue: resolved after the deadline (once, even
  if reopened and then resolved in time), or still being handled past it; returns: 退单 by any unit;
- a reopened case keeps its last rating until the resident rates the new outcome, so reopening never erases one;
- score: CASE_RATE_WEIGHTS (default 30/35/35) over the three rates, ×100 — only when every weighted rate can be
  measured. A rate with no denominator (nothing signed for yet, nothing rated yet) is *missing*, not full marks and
  not zero: the unit gets no score and the missing rates are named (`missing_rates`). Reweighting the rates that
  exist was rejected: a unit with one case signed in time and nothing rated would score 100 on the response rate
  alone and rank above units scored on all three;
- ranking by score (`rankings`): a row is ranked when it has a score and at least CASE_RANKING_MIN_CASES accepted
  cases; rows with a score from fewer cases are marked 样本不足 (`standing == "few"`), rows without a score are
  marked with what is missing (`"partial"`) or as having no cases (`"none"`); all of them come after the ranked
  rows, without a rank, in that order. Ranking by volume (order="received") ranks every row with cases.

For whole months (a month, a quarter, a year) the figures are sums of the monthly roll-ups (at the narrowest grain
that answers the group: apps.cases.rollups) plus the clock-driven parts of the cases still open (a year is
never a scan of a year's cases); for other periods
one grouped query (by lead unit, area or category) over the index on submitted_at gives every row; townships
include the cases of their village units, areas the cases located in them, whoever handled them. The roll-ups key
the area at township level, so figures within an area below a township (a village) are read from that small
subtree's case rows.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from apps.core.query import prefix_q
from apps.orgs.models import Organization

from . import rollups
from .areas import ancestor_paths_of, place_name, townships
from .models import HANDLING_STATUSES, Case, HandlingUnit, Rating, Service, Status, UnitKind

GROUPS = {
    "township": _("乡镇（街道）"),
    "department": _("区级部门"),
    "area": _("按问题所在区域"),
    "service": _("按诉求类别"),
}


def weights():
    try:
        parts = [float(p) for p in settings.CASE_RATE_WEIGHTS.split(",")]
    except ValueError:
        parts = []
    return tuple(parts) if len(parts) == 3 and all(p >= 0 for p in parts) and sum(parts) > 0 else (30.0, 35.0, 35.0)


RATE_LABELS = (_("响应率"), _("解决率"), _("满意率"))
STANDINGS = {
    "ranked": "",
    "few": _("样本不足"),
    "partial": _("缺少比率"),
    "none": _("无诉求"),
}


def _ratio(part, whole):
    return part / whole if whole else None


@dataclass
class CaseFigures:
    received: int = 0
    response_base: int = 0
    responded: int = 0
    resolved: int = 0
    rated: int = 0
    solved: int = 0
    satisfied: int = 0
    overdue: int = 0
    returned: int = 0
    handling_minutes: int = 0

    FIELDS = ("received", "response_base", "responded", "resolved", "rated", "solved", "satisfied", "overdue",
              "returned", "handling_minutes")

    def add(self, other: "CaseFigures"):
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def response_rate(self):
        return _ratio(self.responded, self.response_base)

    @property
    def solution_rate(self):
        return _ratio(self.solved, self.rated)

    @property
    def satisfaction_rate(self):
        return _ratio(self.satisfied, self.rated)

    @property
    def avg_handling_hours(self):
        return self.handling_minutes / self.resolved / 60 if self.resolved else None

    @property
    def rates(self):
        return (self.response_rate, self.solution_rate, self.satisfaction_rate)

    @property
    def missing_rates(self) -> list:
        """The weighted rates with nothing to measure yet (labels): any of them leaves the figures without a score."""
        return [label for label, w, r in zip(RATE_LABELS, weights(), self.rates) if w > 0 and r is None]

    @property
    def score(self):
        if self.missing_rates:
            return None
        used = [(w, r) for w, r in zip(weights(), self.rates) if w > 0]
        return round(sum(w * r for w, r in used) / sum(w for w, _ in used) * 100, 1)

    @property
    def standing(self) -> str:
        """ranked / few (a score from fewer than CASE_RANKING_MIN_CASES cases) / partial (a rate missing) / none."""
        if not self.received:
            return "none"
        if self.score is None:
            return "partial"
        return "ranked" if self.received >= settings.CASE_RANKING_MIN_CASES else "few"

    @property
    def standing_note(self) -> str:
        """What the page, the workbook and the API say of a row left out of the ranking."""
        standing = self.standing
        if standing == "few":
            return str(_("样本不足（受理不足{n}件）")).format(n=settings.CASE_RANKING_MIN_CASES)
        if standing == "partial":
            return str(_("不计分：尚无{rates}")).format(rates=pgettext("list separator", "、").join(str(r) for r in self.missing_rates))
        return str(STANDINGS[standing])

    def as_dict(self):
        return {**{name: getattr(self, name) for name in self.FIELDS}, "response_rate": self.response_rate,
                "solution_rate": self.solution_rate, "satisfaction_rate": self.satisfaction_rate,
                "avg_handling_hours": self.avg_handling_hours, "score": self.score,
                "missing_rates": [str(r) for r in self.missing_rates], "standing": self.standing,
                "standing_note": self.standing_note}


def period_bounds(period):
    """[start, end) of a core.periods.Period as aware datetimes in the local time zone."""
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(period.start, time.min), tz),
            timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min), tz))


def counted(now) -> dict:
    """{count of CaseFigures: the filter of the cases it counts} — the figures' aggregates and the case list's 统计口径
    filter (`COUNTED_LABELS`) both read them, so a linked list shows exactly the cases a figure counted."""
    # A merged duplicate counts once, in the case it joined; a case not accepted (不予受理) is no unit's work.
    main = Q(master__isnull=True) & ~Q(status=Status.REJECTED)
    accepted = main & Q(accepted_at__isnull=False)
    return {
        "received": accepted,
        "response_base": accepted & (Q(signed_at__isnull=False) | Q(sign_due__lt=now)),
        "responded": main & Q(accept_on_time=True, sign_on_time=True),
        "resolved": main & Q(resolved_at__isnull=False),
        "rated": ~Q(rating=""),
        "solved": Q(rating_solved=True),
        "satisfied": Q(rating__in=[Rating.SATISFIED, Rating.BASIC]),
        "overdue": main & (Q(resolved_on_time=False) | Q(ever_late=True) | Q(status__in=HANDLING_STATUSES, deadline__lt=now)),
    }


COUNTED_LABELS = {
    "received": _("已受理"), "response_base": _("应签收（已签收或签收时限已过）"), "responded": _("按时受理且按时签收"),
    "resolved": _("已办结"), "rated": _("已回访评价"), "solved": _("评价为已解决"), "satisfied": _("满意和基本满意"),
    "overdue": _("超期（计入超期诉求数）"),
}


def _aggregates(now):
    main = Q(master__isnull=True) & ~Q(status=Status.REJECTED)
    return {
        **{name: Count("pk", filter=q) for name, q in counted(now).items()},
        "returned": Sum("return_count"),
        "handling_minutes": Sum("handling_minutes", filter=main),
    }


def _figures(row):
    return CaseFigures(**{name: row.get(name) or 0 for name in CaseFigures.FIELDS})


def cohort(period, area=None):
    start, end = period_bounds(period)
    qs = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    if area is not None and area.depth == 1 and not Organization.objects.filter(depth=1).exclude(pk=area.pk).exists():
        # The only root's subtree is every organization: the cases with an area, without a semi-join against the
        # whole tree (a province's 100k organizations, for every year's ranking of its administrators).
        qs = qs.filter(area__isnull=False)
    elif area is not None:
        qs = qs.filter(area__in=Organization.objects.filter(prefix_q("path", area.path)).values("pk"))
    return qs


def figures_by(queryset, key, now=None) -> dict:
    """{value of `key`: CaseFigures} in one grouped query."""
    now = now or timezone.now()
    rows = queryset.order_by().values(key).annotate(**_aggregates(now))
    return {row[key]: _figures(row) for row in rows}


def case_figures(*, period, units=None, area=None, now=None) -> CaseFigures:
    """The figures of a period for some units (their village units included), for an area, or for everything."""
    ids = None
    if units is not None:
        ids = {u.pk for u in units} | set(HandlingUnit.objects.filter(parent__in=units).values_list("pk", flat=True))
    if rollups.answers(period, area):
        total = CaseFigures()
        for key, figures in grouped(period, area, "lead_unit_id", now).items():
            if ids is None or key in ids:
                total.add(figures)
        return total
    qs = cohort(period, area)
    if ids is not None:
        qs = qs.filter(lead_unit__in=ids)
    now = now or timezone.now()
    return _figures(qs.order_by().aggregate(**_aggregates(now)))


def figures_by_area(period, areas, now=None) -> dict:
    """{area pk: CaseFigures} of the cases located in each area's subtree, as case_figures(period=…, area=area) gives
    them one by one, for many areas at once (an assessment round's villages, communities and townships): one grouped
    query by the case's own area over the period's cases under the areas' common ancestor, summed up each case
    area's ancestors in Python — no query per area."""
    areas = list(areas)
    out = {area.pk: CaseFigures() for area in areas}
    if not areas:
        return out
    by_path = {area.path: area.pk for area in areas}
    common = _common_ancestor([area.path for area in areas])
    top = Organization.objects.filter(path=common).first() if common else None
    by_area = figures_by(cohort(period, top), "area_id", now)
    paths = dict(Organization.objects.filter(pk__in=[k for k in by_area if k]).values_list("pk", "path"))
    for area_id, figures in by_area.items():
        for path in ancestor_paths_of(paths.get(area_id, "")):
            if path in by_path:
                out[by_path[path]].add(figures)
    return out


def _common_ancestor(paths) -> str:
    """The longest whole-step prefix shared by the paths ("" when they lie under different roots)."""
    first, last = min(paths), max(paths)
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length - length % Organization.steplen]


def grouped(period, within, key, now=None) -> dict:
    """{value of key: CaseFigures} of the period's cohort (within an area): for whole months the monthly roll-ups
    plus the clock-driven parts of the cases still open (apps.cases.rollups), else one grouped query over the cases.
    Keys: "lead_unit_id", "service_id", rollups.AREA (the township-level area), "area_id" (the case's own area,
    always from the case rows: the roll-ups hold townships)."""
    now = now or timezone.now()
    cases = cohort(period, within)
    if key == "area_id" or not rollups.answers(period, within):
        if key == rollups.AREA:
            cases = cases.annotate(**{key: rollups.area_key()})
        return figures_by(cases, key, now)
    stored = rollups.stored_by(period, "area_id" if key == rollups.AREA else key, within=within)
    live = rollups.live_by(cases, key, now)
    out = {}
    for value, row in stored.items():
        if not row["cases"]:
            continue
        extra = live.get(value, {})
        out[value] = CaseFigures(
            received=row["received"],
            response_base=row["signed"] + row["sign_overdue_swept"] + extra.get("sign_overdue", 0),
            responded=row["responded"], resolved=row["resolved"], rated=row["rated"], solved=row["solved"],
            satisfied=row["satisfied"],
            overdue=row["overdue"] + row["handling_overdue_swept"] + extra.get("handling_overdue", 0),
            returned=row["returned"], handling_minutes=row["handling_minutes"])
    return out


@dataclass
class RankingRow:
    label: str
    figures: CaseFigures
    unit: HandlingUnit | None = None
    org: Organization | None = None
    service: Service | None = None
    rank: int | None = None
    members: list = field(default_factory=list)  # the unit ids rolled into this row

    @property
    def ranked(self):
        return self.rank is not None


ORDERS = {"score": _("综合得分"), "received": _("受理量")}


_UNRANKED_ORDER = {"few": 0, "partial": 1, "none": 2}


def _rank(rows, order="score"):
    """Ranked by the score (the three rates), or by volume as the seeds' district ranked its townships; equal keys
    share a rank. By score, rows not ranked (样本不足, a rate missing, no cases) come after the ranked ones, unranked:
    the 样本不足 ones by their score, then the others by volume."""
    if order == "received":
        def key(r):
            return (r.figures.received,) if r.figures.received else None

        def rest(r):
            return (0,)
    else:
        def key(r):
            return (r.figures.score, r.figures.received) if r.figures.standing == "ranked" else None

        def rest(r):
            f = r.figures
            return (_UNRANKED_ORDER[f.standing], -(f.score or 0), -f.received)
    ranked = sorted(rows, key=lambda r: (key(r) is None, tuple(-v for v in key(r) or ()),
                                         rest(r) if key(r) is None else (), r.label))
    position, previous = 0, None
    for i, row in enumerate(ranked, start=1):
        if key(row) is None:
            row.rank = None
            continue
        if key(row) != previous:
            position = i
        row.rank, previous = position, key(row)
    return ranked


def rankings(period, *, group="township", within=None, now=None, order="score") -> list[RankingRow]:
    """Rows of a monthly (or any period's) ranking, best score (or most cases) first; rows not ranked (see the module's
    rules: 样本不足, a rate missing, no cases) come last, unranked, each with `figures.standing_note`."""
    if group not in GROUPS or order not in ORDERS:
        raise ValueError(group)
    if group == "service":
        by = grouped(period, within, "service_id", now)
        return _rank([RankingRow(s.name, by.get(s.pk, CaseFigures()), service=s)
                      for s in Service.objects.filter(Q(is_active=True) | Q(pk__in=list(by)))], order)
    if group == "area":
        return _rank(_area_rows(period, within, now), order)
    by = grouped(period, within, "lead_unit_id", now)
    kinds = (UnitKind.TOWNSHIP,) if group == "township" else (UnitKind.DEPARTMENT, UnitKind.DISTRICT)
    units = list(HandlingUnit.objects.filter(kind__in=kinds).filter(Q(is_active=True) | Q(pk__in=list(by)))
                 .select_related("organization"))
    if within is not None:
        units = [u for u in units if u.organization.path.startswith(within.path) or group == "department"]
    children = {}
    for child_id, parent_id in HandlingUnit.objects.filter(parent__in=units).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(child_id)
    rows = []
    for unit in units:
        members = [unit.pk, *children.get(unit.pk, [])]
        figures = CaseFigures()
        for pk in members:
            if pk in by:
                figures.add(by[pk])
        rows.append(RankingRow(unit.name, figures, unit=unit, org=unit.organization, members=members))
    return _rank(rows, order)


def _area_rows(period, within, now):
    """Cases by the township they are located in (a village's cases count for its township)."""
    towns = list(townships())
    if within is not None:
        towns = [t for t in towns if t.path.startswith(within.path) or within.path.startswith(t.path)]
    # Township-level areas (the roll-ups' key) fall in the same township as the areas below them, unless a township
    # lies deeper; from the case rows the area itself is cheaper to group by than its township.
    fits = rollups.answers(period, within) and all(t.depth <= rollups.area_depth() for t in towns)
    key = rollups.AREA if fits else "area_id"
    by_area = grouped(period, within, key, now)
    rows = {t.pk: RankingRow(place_name(t), CaseFigures(), org=t) for t in towns}
    if fits and all(t.depth == rollups.area_depth() for t in towns):
        # Every key is its area's ancestor at the townships' depth: a township's key is the township itself (any
        # other key lies outside them), so no paths to look up — a province's year has a key per township.
        for area_id, figures in by_area.items():
            if area_id in rows:
                rows[area_id].figures.add(figures)
        return list(rows.values())
    paths = dict(Organization.objects.filter(pk__in=[k for k in by_area if k]).values_list("pk", "path"))
    by_path = {t.path: t for t in towns}  # a province's ~1,000 townships: looked up, not searched for every area
    for area_id, figures in by_area.items():
        town = next((by_path[p] for p in ancestor_paths_of(paths.get(area_id, "")) if p in by_path), None)
        if town is not None:
            rows[town.pk].figures.add(figures)
    return list(rows.values())


def totals(rows) -> CaseFigures:
    total = CaseFigures()
    for row in rows:
        total.add(row.figures)
    return total
