"""Reads of rankings and published results: a round's ranking one page at a time with its chart, the year's combined
ranking of a group, the published results for the public page, and the figures of the Excel workbook.

Every read here is a fixed number of grouped queries whatever the number of organizations (a district round:
~2,600): ranks come from the round's sorted totals (`round_selectors.rank_in`), the rows of a page only are
completed (band, change from the last period, what to improve), the chart reads the first N rows in one query.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Sum, Value, When

from . import result_states, round_selectors
from .models import WEIGHT_FIELDS, GradeBand, Indicator, IndicatorSystem, Period
from .result_models import ResultPublication, Selection
from .round_models import RoundEntry, RoundStatus, Score

CENT = Decimal("0.01")


def page_of(entries, number, size=None):
    """A page of a round's entries (a scoped queryset), best first."""
    page = Paginator(round_selectors.ordered(entries), size or settings.LIST_PAGE_SIZE).get_page(number)
    return page


def ranking_page(rnd, entries, number, *, improve=True):
    page = page_of(entries, number)
    return page, round_selectors.results(rnd, list(page.object_list), improve=improve)


def chart(entries, limit=None) -> list[dict]:
    """The first rows of a ranking for the bar chart (ASSESSMENT_RANKING_CHART_ROWS), one query."""
    limit = limit or settings.ASSESSMENT_RANKING_CHART_ROWS
    rows = entries.order_by("-total", "organization__path").values_list("organization__name", "total")[:limit]
    return [{"label": name, "value": float(total)} for name, total in rows]


def chart_context(entries, count) -> dict:
    rows = chart(entries)
    return {"chart": rows, "chart_height": 60 + 26 * len(rows), "chart_left_out": max(0, count - len(rows))}


# ---- the year's combined ranking of a group ----

@dataclass
class YearRow:
    organization_id: int
    name: str
    total: Decimal
    rank: int = 0
    band: object = None
    parts: dict = field(default_factory=dict)  # period kind: mean total
    missing: list = field(default_factory=list)


def year_system(group, year):
    """The system whose weights combine the group's year (as round_selectors.year_total)."""
    from django.db.models import Q

    return IndicatorSystem.objects.filter(group=group, year=year).filter(
        Q(status="in_use") | Q(rounds__status=RoundStatus.CLOSED)).order_by("-version").first()


def year_ranking(group, year, visible):
    """(system, rows of the organizations in `visible` (a scoped RoundEntry queryset)) of the group's year, best first:
    each organization's closed rounds by period kind (their mean), combined by the system's weights;
    ranked among every organization of the group's closed rounds that year. Three queries."""
    system = year_system(group, year)
    if system is None:
        return None, []
    weights = {kind: getattr(system, f) for kind, f in WEIGHT_FIELDS.items() if getattr(system, f) > 0}
    grouped = (RoundEntry.objects.filter(round__system__group=group, round__system__year=year,
                                         round__status=RoundStatus.CLOSED)
               .values("organization_id", "organization__name", "organization__path", "round__period_kind")
               .annotate(s=Sum("total"), n=Count("id")).order_by())
    rows, paths = {}, {}
    for g in grouped:
        row = rows.get(g["organization_id"])
        if row is None:
            row = rows[g["organization_id"]] = YearRow(g["organization_id"], g["organization__name"], Decimal(0))
            paths[row.organization_id] = g["organization__path"]
        if g["round__period_kind"] in weights:
            row.parts[g["round__period_kind"]] = g["s"] / g["n"]
    bands = list(GradeBand.objects.filter(system=system).order_by("-min_score"))
    for row in rows.values():
        total = Decimal(0)
        for kind, weight in weights.items():
            if kind in row.parts:
                total += row.parts[kind] * weight / 100
            else:
                row.missing.append(Period(kind))
        row.total = total.quantize(CENT, rounding=ROUND_HALF_UP)
        row.band = round_selectors.band_of(bands, row.total)
    totals = sorted(r.total for r in rows.values())
    for row in rows.values():
        row.rank = round_selectors.rank_in(totals, row.total)
    seen = set(visible.filter(round__system__group=group, round__system__year=year, round__status=RoundStatus.CLOSED)
               .values_list("organization_id", flat=True).distinct())
    out = sorted((r for r in rows.values() if r.organization_id in seen), key=lambda r: (-r.total, paths[r.organization_id]))
    return system, out


# ---- published results ----

def public_publications():
    return (ResultPublication.objects.filter(status__in=result_states.PUBLIC_STATUSES)
            .select_related("round__system__group", "round__organization").order_by("-published_at", "-id"))


def public_publication(pk):
    """A publication in force, or None (withdrawn, or never there: the public page answers 404 alike)."""
    return public_publications().filter(pk=pk).first()


def published_entries(publication):
    """The round's entries the publication shows."""
    entries = RoundEntry.objects.filter(round_id=publication.round_id)
    if publication.selection == Selection.TOP:
        threshold = (entries.order_by("-total").values_list("total", flat=True)[publication.top_n - 1:publication.top_n]
                     .first())
        return entries if threshold is None else entries.filter(total__gte=threshold)
    if publication.selection == Selection.CHOSEN:
        return entries.filter(pk__in=publication.entries.values("pk"))
    return entries


# ---- the workbook's figures ----

def top_level_points(rnd, entries):
    """(first-level indicators, {entry pk: {indicator pk: points}}) of `entries`: one grouped query, the leaves
    mapped to their first-level ancestor in the database (CASE), so rows are entries × first-level indicators."""
    nodes = list(Indicator.objects.filter(system_id=rnd.system_id).order_by("position", "id")
                 .values_list("pk", "parent_id", "name", "max_points", "position"))
    parent = {pk: parent_id for pk, parent_id, *_ in nodes}
    tops = [(pk, name, max_points) for pk, parent_id, name, max_points, _ in nodes if parent_id is None]

    def top_of(pk):
        while parent[pk] is not None:
            pk = parent[pk]
        return pk

    under = defaultdict(list)
    for pk in parent:
        under[top_of(pk)].append(pk)
    if not tops:
        return [], {}
    top = Case(*(When(indicator_id__in=under[pk], then=Value(pk)) for pk, *_ in tops), output_field=IntegerField())
    points = defaultdict(dict)
    rows = (Score.objects.filter(entry__in=entries.values("pk")).annotate(top=top).values("entry_id", "top")
            .annotate(p=Sum("points")).order_by())
    for row in rows:
        points[row["entry_id"]][row["top"]] = row["p"] or Decimal(0)
    return tops, points
