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
    if text.isdigit() and 1 <= int(text) < 2958466:
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
