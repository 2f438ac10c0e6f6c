from datetime import date, datetime

import pytest

from apps.core.excel import CellError, id_number_cell, parse_date_cell, text_cell


@pytest.mark.parametrize("raw, expected", [
    (datetime(2020, 1, 31, 0, 0), date(2020, 1, 31)),
    (43861, date(2020, 1, 31)),           # Excel serial number
    ("2020-01-31", date(2020, 1, 31)),
    ("2020/1/31", date(2020, 1, 31)),
    ("2020.1.31", date(2020, 1, 31)),
    ("2020年1月31日", date(2020, 1, 31)),
    ("２０２０－０１－３１", date(2020, 1, 31)),  # full-width
    (" 20200131 ", date(2020, 1, 31)),
    (20200131, date(2020, 1, 31)),
    ("2001.07", date(2001, 7, 1)),        # year and month only
    ("2001年7月", date(2001, 7, 1)),
    (None, None),
])
def test_dates_in_the_forms_offices_use(raw, expected):
    assert parse_date_cell(raw) == expected


@pytest.mark.parametrize("raw", ["2020-02-30", "去年", 1999])
def test_bad_dates_are_refused(raw):
    with pytest.raises(CellError):
        parse_date_cell(raw)


@pytest.mark.parametrize("raw", [500102198503120117, 5.00102198503120e17, "5.00102E+17", "5.00102e17"])
def test_id_numbers_corrupted_by_excel_are_refused(raw):
    with pytest.raises(CellError) as exc:
        id_number_cell(raw)
    assert "文本" in str(exc.value)


def test_text_cells_are_trimmed_and_half_width():
    assert id_number_cell(" 5001021985 0312 0117 ") == "500102198503120117"
    assert text_cell(13800138000.0) == "13800138000"
    assert text_cell("  Ａ村  ") == "A村"
