"""The monthly collection summary as an .xlsx (apps.core.excel.ExportWorkbook: text that looks like a formula stays
text). Figures only: organizations and sums, no member's name."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from apps.core.excel import ExportWorkbook

HEADER = (_l("党组织"), _l("现有党员"), _l("应缴人数"), _l("其中未核定"), _l("应缴金额"), _l("实缴金额"), _l("实缴人数"),
          _l("收缴率（%）"), _l("上缴金额"), _l("留存金额"))


def _row(name, r):
    return [name, r.current, r.owing, r.unassessed, r.due, r.collected, r.paid, r.rate, r.remitted, r.held]


def summary_workbook(org, month, rows, total) -> ExportWorkbook:
    wb = ExportWorkbook()
    ws = wb.create_sheet(_("党费收缴汇总"))
    ws.append([_("{org} {month} 党费收缴汇总").format(org=org.name, month=f"{month:%Y年%m月}")])
    ws.append([str(h) for h in HEADER])
    for r in rows:
        name = r.organization.name + (_("（本级）") if r.organization.pk == org.pk else "")
        ws.append(_row(name, r))
    ws.append(_row(_("合计"), total))
    return wb
