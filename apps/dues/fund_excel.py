"""The care fund's report as an .xlsx (apps.core.excel.ExportWorkbook): totals by period and type, no names."""

from django.utils.translation import gettext as _

from apps.core.excel import ExportWorkbook

from .fund_models import FundDirection

MONEY_FORMAT = "#,##0.00"


def report_workbook(fund, rows, period, year) -> ExportWorkbook:
    wb = ExportWorkbook(write_only=False)
    ws = wb.active
    ws.title = _("收支报表")
    ws.append([_("{fund}（{org}）{year}年收支报表").format(fund=fund.name, org=fund.organization.name, year=year)])
    ws.append([_("期间"), _("收支"), _("类型"), _("金额（元）")])
    directions = dict(FundDirection.choices)
    for row in rows:
        ws.append([row["label"], str(directions.get(row["direction"], "")), str(row["kind_label"]), row["total"]])
        ws.cell(row=ws.max_row, column=4).number_format = MONEY_FORMAT
    for letter, width in zip("ABCD", (18, 8, 12, 14)):
        ws.column_dimensions[letter].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    return wb
