"""The workbook of a round's results: rank, organization, total, grade band, change from the last period and the
points of each first-level indicator, for the organizations in the reader's scope, best first. Written through
core.excel.ExportWorkbook (write-only, streaming; formula-like names stay text)."""

import io

from django.utils.translation import gettext as _

from . import result_selectors, round_selectors
from .models import GradeBand
from .round_models import RoundEntry


def workbook(rnd, entries) -> io.BytesIO:
    from apps.core.excel import ExportWorkbook

    tops, points = result_selectors.top_level_points(rnd, entries)
    bands = list(GradeBand.objects.filter(system_id=rnd.system_id).order_by("-min_score"))
    totals = round_selectors.all_totals(rnd)
    prev = round_selectors.previous_round(rnd)
    before = dict(RoundEntry.objects.filter(round=prev).values_list("organization_id", "total")) if prev else {}
    wb = ExportWorkbook()
    ws = wb.create_sheet(_("考核结果"))
    ws.append([_("{name} 考核结果（{period}）").format(name=rnd.name, period=rnd.period_key)])
    ws.append([_("名次"), _("组织"), _("组织编码"), _("总分"), _("等次"), _("较上期"),
               *(_("{name}（{points}分）").format(name=name, points=format(max_points.normalize(), "f"))
                 for _pk, name, max_points in tops)])
    for entry in round_selectors.ordered(entries).iterator(chunk_size=1000):
        band = round_selectors.band_of(bands, entry.total)
        change = entry.total - before[entry.organization_id] if entry.organization_id in before else None
        mine = points.get(entry.pk, {})
        ws.append([round_selectors.rank_in(totals, entry.total), entry.organization.name, entry.organization.code,
                   entry.total, band.name if band else "", change, *(mine.get(pk) for pk, *_rest in tops)])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer
