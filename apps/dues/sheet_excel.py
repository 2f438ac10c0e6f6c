"""The branch's monthly collection sheet as .xlsx, and reading it back filled in.

Layout (the import reads the same): row 1 the title, row 2 the organization's code and the month (the import checks
both against the page it is uploaded on), row 3 the header, then one row per member. The member is named by the
党员编号 column (the member's id in the platform: names repeat); what a secretary fills is 缴纳金额, 缴纳日期 and
缴纳方式 (现金/银行转账/微信/支付宝). A row without an amount is skipped. Names and figures only, no ID numbers.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from apps.core.excel import CellError, ExportWorkbook, parse_date_cell, text_cell

from .models import PaymentMethod
from .rules import money

HEADER = (_l("序号"), _l("党员编号"), _l("姓名"), _l("党小组"), _l("应缴金额"), _l("已缴金额"), _l("已缴日期"),
          _l("欠缴月数"), _l("缴纳金额"), _l("缴纳日期"), _l("缴纳方式"))
FILL = {"amount": 8, "paid_on": 9, "method": 10}  # 0-based columns a secretary fills
ID_COLUMN = 1
MAX_ROWS = 5000
MONEY_FORMAT = "#,##0.00"


def sheet_workbook(sheet) -> ExportWorkbook:
    wb = ExportWorkbook(write_only=False)
    ws = wb.active
    ws.title = _("党费收缴表")
    ws.append([_("{org} {month} 党费收缴表").format(org=sheet.organization.name, month=f"{sheet.month:%Y年%m月}")])
    ws.append([_("组织编码"), sheet.organization.code, _("月份"), f"{sheet.month:%Y-%m}",
               _("填写“缴纳金额、缴纳日期、缴纳方式”三列后导入；缴纳方式：现金、银行转账、微信、支付宝")])
    ws.append([str(h) for h in HEADER])
    for i, row in enumerate(sheet.rows, 1):
        p = row.payment
        ws.append([i, row.member.pk, row.member.name, row.member.party_group.name if row.member.party_group else "",
                   row.due, p.amount if p else None, p.paid_on if p else None, row.behind, None, None, None])
        for column in (5, 6):
            ws.cell(row=ws.max_row, column=column).number_format = MONEY_FORMAT
        if p:
            ws.cell(row=ws.max_row, column=7).number_format = "yyyy-mm-dd"
    ws.append(["", "", _("合计"), "", sheet.total_due, sheet.total_paid])
    for letter, width in zip("ABCDEFGHIJK", (6, 10, 12, 16, 10, 10, 12, 9, 10, 12, 10)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    return wb


@dataclass
class FilledRow:
    number: int
    member: object = None
    amount: Decimal | None = None
    paid_on: date | None = None
    method: str = ""
    error: str = ""


METHODS = {str(label): value for value, label in PaymentMethod.choices}


def _amount(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)  # a spreadsheet's number: its shortest decimal form, never float arithmetic
    try:
        amount = money(str(value).replace(",", "").replace("元", "").strip())
    except (InvalidOperation, ValueError):
        raise CellError(_("缴纳金额“{v}”不是数字").format(v=text_cell(value))) from None
    if not amount.is_finite():
        raise CellError(_("缴纳金额“{v}”不是数字").format(v=text_cell(value)))
    if amount <= 0:
        raise CellError(_("缴纳金额须大于0"))
    return amount


def read_sheet(path, *, organization, month, members_by_id) -> list[FilledRow]:
    """The filled rows of an uploaded sheet. `members_by_id`: the sheet's members (only they may be paid from it).
    A ValueError (in Chinese) when the file is not this organization's sheet of this month."""
    from apps.core.xlsxread import read_only_workbook

    try:
        wb = read_only_workbook(path)
    except Exception:  # noqa: BLE001 -- any unreadable upload is the user's file, not our error
        raise ValueError(_("无法读取该文件，请上传由本系统导出并填写的 .xlsx 收缴表")) from None
    try:
        rows = list(wb.active.iter_rows(values_only=True, max_row=MAX_ROWS + 4))
    finally:
        wb.close()
    if len(rows) < 3 or len(rows[1]) < 4:
        raise ValueError(_("文件格式不符：请使用本页导出的收缴表"))
    code, file_month = text_cell(rows[1][1]), text_cell(rows[1][3])
    if code != organization.code or file_month != f"{month:%Y-%m}":
        raise ValueError(_("这是{code}的{month}收缴表，与当前页面（{org}，{page_month}）不符").format(
            code=code or "?", month=file_month or "?", org=organization.code, page_month=f"{month:%Y-%m}"))
    if [text_cell(c) for c in rows[2][:len(HEADER)]] != [str(h) for h in HEADER]:
        raise ValueError(_("表头不符：请使用本页导出的收缴表，不要增删列"))
    if len(rows) > MAX_ROWS + 3:
        raise ValueError(_("行数过多：一张收缴表最多{n}行").format(n=MAX_ROWS))
    filled = []
    for number, cells in enumerate(rows[3:], start=4):
        cells = list(cells) + [None] * (len(HEADER) - len(cells))
        if all(c in (None, "") for c in cells[FILL["amount"]:FILL["method"] + 1]):
            continue
        row = FilledRow(number=number)
        filled.append(row)
        try:
            member_id = text_cell(cells[ID_COLUMN])
            row.member = members_by_id.get(int(member_id)) if member_id.isdigit() else None
            if row.member is None:
                raise CellError(_("党员编号“{v}”不是本收缴表中的党员").format(v=member_id))
            row.amount = _amount(cells[FILL["amount"]])
            row.paid_on = parse_date_cell(cells[FILL["paid_on"]])
            if row.paid_on is None:
                raise CellError(_("请填写缴纳日期"))
            method = text_cell(cells[FILL["method"]])
            if method not in METHODS:
                raise CellError(_("缴纳方式“{v}”不正确，应为：{choices}").format(v=method, choices="、".join(METHODS)))
            row.method = METHODS[method]
        except CellError as exc:
            row.error = str(exc)
    return filled
