"""Reads of rounds for their pages: the results table (totals, grade band, rank, change from the previous round,
what to improve) in a fixed number of queries whatever the number of organizations, one organization's score sheet
in the indicator tree's order with the links to the records and cases behind its automatic scores, and year_total.

year_total(group, year, org): the closed rounds of the group's in-use systems of that year, combined by the system's
period weights. Several closed rounds of one period kind (the quarters, the months) count as their mean; a weighted
period kind with no closed round yet counts 0 and is named in `missing` (the year is not complete), never silently
re-weighted.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from . import catalogue, selectors
from .models import WEIGHT_FIELDS, GradeBand, Indicator, IndicatorSystem, Method, Period
from .round_models import Round, RoundEntry, RoundStatus, Score

IMPROVE_COUNT = 3
CENT = Decimal("0.01")


def band_of(bands, total):
    """The grade band of a total: min ≤ total < max, the highest band including 100."""
    for band in bands:
        if band.min_score <= total < band.max_score or (total == band.max_score == 100):
            return band
    return None


def ranks(totals) -> list[int]:
    """Competition ranking of totals in the given order (already sorted descending): ties share a rank, the next
    rank skips (95, 90, 90, 80 → 1, 2, 2, 4)."""
    out, previous, rank = [], None, 0
    for i, total in enumerate(totals, start=1):
        if total != previous:
            rank, previous = i, total
        out.append(rank)
    return out


def previous_round(rnd):
    """The latest closed round before this one of the same group and period kind."""
    return (Round.objects.filter(system__group_id=rnd.system.group_id, period_kind=rnd.period_kind,
                                 status=RoundStatus.CLOSED, period_start__lt=rnd.period_start)
            .order_by("-period_start", "-id").first())


@dataclass
class Row:
    entry: RoundEntry
    rank: int = 0
    band: object = None
    change: Decimal | None = None
    improve: list = field(default_factory=list)  # (indicator, lost points)


def ordered(entries):
    """A round's entries best first (the ranking's order), with their organizations."""
    return entries.select_related("organization").order_by("-total", "organization__path")


def all_totals(rnd) -> list:
    """Every total of the round, ascending: the ranks of any rows are read from it (`rank_in`)."""
    return sorted(RoundEntry.objects.filter(round=rnd).values_list("total", flat=True))


def rank_in(totals_ascending, total) -> int:
    """1 + the number of totals above `total` (competition ranking: ties share a rank)."""
    return 1 + len(totals_ascending) - bisect_right(totals_ascending, total)


def results(rnd, entries, *, improve=True) -> list[Row]:
    """Rows of a round's results for `entries` — a scoped queryset of its entries (all of them, best first) or a
    list already in that order (one page of them, `ordered`) — in six queries whatever their number."""
    if not isinstance(entries, list):
        entries = list(ordered(entries))
    bands = list(GradeBand.objects.filter(system_id=rnd.system_id).order_by("-min_score"))
    rows = [Row(e) for e in entries]
    # The rank is within the whole round, whoever reads it (a branch's secretary sees their own row, ranked among all).
    totals = all_totals(rnd)
    for row in rows:
        row.rank = rank_in(totals, row.entry.total)
        row.band = band_of(bands, row.entry.total)
    prev = previous_round(rnd)
    if prev is not None:
        before = dict(RoundEntry.objects.filter(round=prev, organization__in=[e.organization_id for e in entries])
                      .values_list("organization_id", "total"))
        for row in rows:
            if row.entry.organization_id in before:
                row.change = row.entry.total - before[row.entry.organization_id]
    if not improve:
        return rows
    lost = defaultdict(list)
    # The system's indicators once, the scores as plain values: a district round has tens of thousands of scores.
    indicators = {i.pk: i for i in Indicator.objects.filter(system_id=rnd.system_id).only("name", "max_points", "method")}
    scores = Score.objects.filter(entry__in=[e.pk for e in entries]).values_list("entry_id", "indicator_id", "points")
    for entry_id, indicator_id, points in scores.iterator(chunk_size=5000):
        indicator = indicators[indicator_id]
        if indicator.method == Method.BONUS:
            continue  # a bonus not earned is no loss
        missed = indicator.max_points - (points or Decimal(0))
        if missed > 0:
            lost[entry_id].append((indicator, missed))
    for row in rows:
        row.improve = sorted(lost[row.entry.pk], key=lambda x: (-x[1], x[0].pk))[:IMPROVE_COUNT]
    return rows


@dataclass
class SheetLine:
    node: object
    score: Score | None = None
    links: list = field(default_factory=list)  # (label, url)


# The counts behind each citizen-request metric (apps.cases.metrics.counted): (numerator's, denominator's).
CASE_COUNTS = {
    "cases.response_rate": ("responded", "response_base"),
    "cases.solution_rate": ("solved", "rated"),
    "cases.satisfaction_rate": ("satisfied", "rated"),
    "cases.score": ("received", None),
    "cases.overdue": ("overdue", None),
}


def evidence_links(rnd, org, metric, activity_type_id=None, inputs=None):
    """The records, cases or organizations behind an automatic score: the list pages filtered by organization and
    period (the structure metrics: by organization, as they are now). The case
    links list exactly the cases the figures counted for the organization (cases.selectors.area_list_query: a
    village's own cases by the list's village filter, a township's by its township filter), one link for the
    numerator's count and one for the denominator's. A ballots score links to the results page of the very poll it
    was computed from (kept in its inputs when scored): none before scoring or when no poll rated the organization.
    Once scored, the records and cases links carry `as_of`, the moment the job read the data (the score's
    inputs' `read_at`): the lists then show only records first submitted, cases submitted, by then — and a case's
    counted state judged at that moment — so a record entered after the scoring never appears behind a frozen score."""
    as_of = (inputs or {}).get("read_at")
    if metric.source == catalogue.BALLOTS_SOURCE:
        poll = (inputs or {}).get("poll")
        if not poll:
            return []
        name = "ballots:survey_results" if metric.poll_kind == "survey" else "ballots:poll_results"
        return [(str(metric.label), reverse(name, args=[poll]))]
    if metric.source == catalogue.RECORDS_SOURCE:
        query = {"org_pk": org.pk, "held_from": rnd.period_start.isoformat(), "held_to": rnd.period_end.isoformat(),
                 "status": "submitted"}
        if metric.key in ("records.late_rate", "records.late_records"):
            query["late"] = "true"
        if metric.needs_activity_type and activity_type_id:
            query["activity_type"] = activity_type_id
        if as_of:
            query["as_of"] = as_of
        return [(str(metric.area), reverse("records:list") + "?" + urlencode(query))]
    if metric.source == catalogue.ORGS_SOURCE:
        # The current state (what was counted on the scoring day, the score's inputs keep): the organization's
        # warnings page (its subtree's organizations with their warnings), or the terms page filtered to its subtree
        # and to the terms already ended — the very organizations StructureFigures.term_overdue counts.
        if metric.key == "orgs.term_overdue":
            return [(str(metric.label), reverse("orgs:terms") + "?" + urlencode({"org": org.pk, "overdue": 1}))]
        return [(str(metric.label), reverse("orgs:warnings", args=[org.pk]))]
    from apps.cases.selectors import area_list_query

    numerator, denominator = CASE_COUNTS.get(metric.key, (None, None))
    url = reverse("cases:list") + "?"
    cutoff = {"as_of": as_of} if as_of else {}
    links = [(str(metric.numerator) if numerator and metric.key != "cases.score" else str(metric.area),
              url + urlencode({**area_list_query(org, rnd.period_start, rnd.period_end, numerator), **cutoff}))]
    if denominator:
        links.append((str(metric.denominator),
                      url + urlencode({**area_list_query(org, rnd.period_start, rnd.period_end, denominator), **cutoff})))
    return links


def sheet(entry) -> list[SheetLine]:
    """The entry's indicator tree in reading order, each leaf with its score (two queries plus the tree's one)."""
    rnd = entry.round
    nodes = selectors.tree(rnd.system)
    scores = {s.indicator_id: s for s in Score.objects.filter(entry=entry).prefetch_related("items", "evidence")}
    lines = []
    for node in nodes:
        line = SheetLine(node, scores.get(node.indicator.pk))
        if node.is_leaf and node.indicator.method == Method.AUTOMATIC and node.metric:
            line.links = evidence_links(rnd, entry.organization, node.metric, node.indicator.activity_type_id,
                                        line.score.inputs if line.score else None)
        lines.append(line)
    return lines


def node_totals(lines) -> dict:
    """{indicator pk: points} of every node, a parent being the sum of its children."""
    totals = {}
    for line in reversed(lines):
        node = line.node
        if node.is_leaf:
            totals[node.indicator.pk] = (line.score.points if line.score and line.score.points is not None else Decimal(0))
        else:
            totals[node.indicator.pk] = sum((totals[c.indicator.pk] for c in node.children), Decimal(0))
    return totals


@dataclass
class YearTotal:
    total: Decimal
    parts: list  # (period kind, weight, mean total or None, number of rounds)
    missing: list  # period kinds weighted above 0 without a closed round


def year_total(group, year, org) -> YearTotal | None:
    system = IndicatorSystem.objects.filter(group=group, year=year).filter(
        Q(status="in_use") | Q(rounds__status=RoundStatus.CLOSED)).order_by("-version").first()
    if system is None:
        return None
    rows = (RoundEntry.objects.filter(round__system__group=group, round__system__year=year, organization=org,
                                      round__status=RoundStatus.CLOSED)
            .values_list("round__period_kind", "total"))
    by_kind = defaultdict(list)
    for kind, total in rows:
        by_kind[kind].append(total)
    total, parts, missing = Decimal(0), [], []
    for kind, weight_field in WEIGHT_FIELDS.items():
        weight = getattr(system, weight_field)
        if weight <= 0:
            continue
        values = by_kind.get(kind, [])
        mean = sum(values, Decimal(0)) / len(values) if values else None
        if mean is None:
            missing.append(kind)
        else:
            total += mean * weight / 100
        parts.append((Period(kind), weight, mean, len(values)))
    return YearTotal(total.quantize(CENT, rounding=ROUND_HALF_UP), parts, missing)


def round_list(queryset):
    return queryset.select_related("system__group", "organization").order_by("-period_start", "-id")
