"""Reads of cadres' pay for its pages and export: a scheme's grade bands, a sheet's lines with the link to the score
behind each bonus (a fixed number of queries whatever the number of lines)."""

from django.urls import reverse

from .models import GradeBand
from .pay_models import PayLine


def scheme_bands(scheme) -> list[str]:
    """The band names a scheme pays by: those of its group's systems of its year (every version, best first), then any
    it already has a rate for."""
    names = list(dict.fromkeys(GradeBand.objects.filter(system__group_id=scheme.group_id, system__year=scheme.year)
                               .order_by("-min_score", "system_id").values_list("name", flat=True)))
    names += [b.band for b in scheme.band_rates.all() if b.band not in names]
    return names


def sheet_lines(sheet):
    """The sheet's lines in order (a queryset: the page pages it, the export reads it whole)."""
    return PayLine.objects.filter(sheet=sheet).order_by("position")


def with_score_urls(lines) -> list[PayLine]:
    """Each line with `score_url`: the entry's score sheet in the round (no query)."""
    lines = list(lines)
    for line in lines:
        line.score_url = reverse("assessment:entry_sheet", args=[line.entry_id])
    return lines
