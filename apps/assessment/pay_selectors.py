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


def sheet_lines(sheet) -> list[PayLine]:
    """The lines in order, each with `score_url`: the entry's score sheet in the round (one query)."""
    lines = list(PayLine.objects.filter(sheet=sheet).order_by("position"))
    for line in lines:
        line.score_url = reverse("assessment:entry_sheet", args=[line.entry_id])
    return lines
