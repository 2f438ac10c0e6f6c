"""Reading what real office spreadsheets contain: dates in every form, numbers that were text."""

import re
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from .text import normalize_text

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [re.compile(r"^(\d{4})[-/.](\d{1,2})$"), re.compile(r"^(\d{4})年(\d{1,2})月?$"), re.compile(r"^(\d{4})(\d{2})$")]


class CellError(ValueError):
    pass


def parse_date_cell(value) -> date | None:
    """A date from a cell: a date/datetime, an Excel serial number, or text in a common form.

    Year-and-month only (常见于入党时间 "2001.07") is read as the first of that month.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(_("日期格式不正确"))
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return parse_date_cell(str(int(value)))  # 20200131 typed as a number
        if 1900 <= value <= 2100 and float(value).is_integer():
            raise CellError(_("日期只有年份，请填写完整日期"))
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(_("日期格式不正确"))
    text = normalize_text(value).replace(" ", "")
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise CellError(_("日期“{text}”不存在").format(text=text)) from None
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                raise CellError(_("日期“{text}”不存在").format(text=text)) from None
    if text.isascii() and text.isdigit() and 1 <= int(text) < 2958466:  # "²".isdigit() too, but int("²") fails
        return EXCEL_EPOCH + timedelta(days=int(text))
    raise CellError(_("无法识别的日期“{text}”，请使用 2020-01-31 这样的格式").format(text=text))


def text_cell(value) -> str:
    """A cell as text; whole numbers typed into a general cell lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    return normalize_text(value)


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)


def id_number_cell(value) -> str:
    """The 身份证 column. A number cell means Excel already corrupted it: refuse, never guess."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(_("身份证号被Excel存成了数字（可能已变成科学计数法并丢失末尾几位），"
                          "请把该列设为“文本”格式后重新填写原始号码"))
    text = normalize_text(value).replace(" ", "")
    if _SCIENTIFIC.match(text):
        raise CellError(_("身份证号“{text}”是科学计数法，末尾几位已丢失，请按原始号码以文本格式重新填写").format(text=text))
    return text


# --- Writing: every workbook the platform hands out is written through ExportWorkbook ---

# Text that a spreadsheet would read as a formula when it starts with one of these (OWASP "CSV injection"; the
# full-width forms too, which Chinese spreadsheets accept as formula starts when a cell is edited).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
MAX_CELL_TEXT = 32767  # Excel's limit; a longer cell makes Excel "repair" the whole file


def safe_cell(value):
    """A value as it may go into a cell of an export: text cleaned of the characters XML cannot hold (an .xlsx
    with one cannot be written) and of direction overrides, cut to Excel's limit; otherwise unchanged (a name
    `-张三` stays `-张三`). Numbers, dates and booleans pass as they are (a negative number stays a number).
    Whether text could run as a formula is decided by `is_formula_like`; the sheets below then write it as a
    text cell that stays text."""
    from django.utils.functional import Promise

    from .inputguard import strip_unsafe

    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        return value
    return strip_unsafe(value)[:MAX_CELL_TEXT]


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def text_cell_for(sheet, value):
    """An openpyxl cell (write-only sheets take it in `append` too) holding `value` as text however it begins: type
    "s" (openpyxl would make text starting with "=" a formula, type "f") and the quotePrefix style, Excel's own
    mark of "typed with a leading apostrophe": Excel, WPS and LibreOffice show the text as it is, keep it text when
    the cell is edited, and an export read back (our import included) gives the text unchanged. No apostrophe is
    added to the value: every sheet here is written by openpyxl, which can set the style, so no fallback is needed.
    (Saving such a sheet as CSV from Excel writes the text bare; a CSV is the user's own conversion, and the
    platform writes none.)"""
    from openpyxl.cell import Cell

    cell = Cell(sheet, row=1, column=1, value=value)  # where it goes is set by append (as openpyxl's WriteOnlyCell)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


class _SafeSheet:
    """A worksheet whose `append` and `cell(value=…)` pass every value through `safe_cell` and write text that a
    spreadsheet would run as a formula as a text cell with the quotePrefix style (`text_cell_for`); everything else
    (column widths, freeze panes, validations) is the worksheet's own."""

    def __init__(self, sheet):
        object.__setattr__(self, "_sheet", sheet)

    def append(self, values):
        # Only the rare formula-like texts become cell objects: write-only sheets stream every other value through
        # one reused cell, which matters at two million rows.
        row = []
        for value in values:
            value = safe_cell(value)
            row.append(text_cell_for(self._sheet, value) if is_formula_like(value) else value)
        self._sheet.append(row)

    def cell(self, row, column, value=None):
        value = safe_cell(value)
        cell = self._sheet.cell(row=row, column=column, value=value)
        if is_formula_like(value):
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell

    def __getattr__(self, name):
        return getattr(self._sheet, name)

    def __setattr__(self, name, value):
        setattr(self._sheet, name, value)


class ExportWorkbook:
    """The one way exports write .xlsx files: openpyxl's Workbook (write-only, streaming, by default) whose sheets
    clean illegal characters from every cell (`safe_cell`) and keep text that a spreadsheet would run as a formula
    as text (type "s" with the quotePrefix style, the text itself unchanged), so no export can carry a live formula
    from stored text or fail on a control character already in the database, and an export re-imports as it was."""

    def __init__(self, *, write_only: bool = True):
        from openpyxl import Workbook

        self._wb = Workbook(write_only=write_only)

    @property
    def active(self):
        return _SafeSheet(self._wb.active)

    def create_sheet(self, title):
        return _SafeSheet(self._wb.create_sheet(str(title)[:31]))

    def save(self, target):
        self._wb.save(target)
