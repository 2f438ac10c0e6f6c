"""The pay sheet as an .xlsx (apps.core.excel.ExportWorkbook: text that looks like a formula stays text, illegal
characters dropped). Names and pay only, no ID numbers. Amounts are Decimal cells with two places; each bonus cell is
a hyperlink to the absolute URL of the score page behind it (the entry's score sheet of the round)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from apps.core.excel import ExportWorkbook

MONEY_FORMAT = "#,##0.00"
HEADER = (
    _l("序号"), _l("组织"), _l("职务"), _l("姓名"), _l("任职月数"), _l("基本报酬（元/月）"), _l("基本报酬"), _l("考核得分"), _l("等次"),
    _l("计发比例（%）"), _l("绩效奖励基数（元/年）"), _l("绩效奖励"), _l("应发合计"),
)
BONUS_COLUMN = 12  # 1-based, "绩效奖励"
MONEY_COLUMNS = (6, 7, 11, 12, 13)


def sheet_workbook(sheet, lines, absolute_uri) -> ExportWorkbook:
    """`absolute_uri`: request.build_absolute_uri, making each line's score page an absolute link."""
    from openpyxl.styles import Font

    wb = ExportWorkbook(write_only=False)  # hyperlinks and number formats need the full worksheet
    ws = wb.active
    ws.title = _("绩效报酬表")[:31]
    ws.append([_("{round} 绩效报酬表（{status}）").format(round=sheet.round.name, status=sheet.state.label)])
    ws.append([_("期间：{start} 至 {end}，共{n}个月；报酬方案：{scheme}").format(
        start=sheet.round.period_start.isoformat(), end=sheet.round.period_end.isoformat(), n=sheet.months,
        scheme=str(sheet.scheme))])
    ws.append([str(h) for h in HEADER])
    link_font = Font(color="0563C1", underline="single")
    for line in lines:
        ws.append([line.position, line.org_name, line.post_label, line.name, line.months, line.monthly_fixed, line.fixed,
                   line.score, line.band, line.percent, line.bonus_base, line.bonus, line.total])
        row = ws.max_row
        for column in MONEY_COLUMNS:
            ws.cell(row=row, column=column).number_format = MONEY_FORMAT
        bonus = ws.cell(row=row, column=BONUS_COLUMN)
        bonus.hyperlink = absolute_uri(line.score_url)
        bonus.font = link_font
    ws.append(["", _("合计"), "", "", "", "", sheet.total_fixed, "", "", "", "", sheet.total_bonus, sheet.total])
    for column in MONEY_COLUMNS:
        ws.cell(row=ws.max_row, column=column).number_format = MONEY_FORMAT
    for letter, width in zip("ABCDEFGHIJKLM", (6, 24, 10, 10, 8, 14, 12, 9, 8, 10, 16, 12, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    return wb
