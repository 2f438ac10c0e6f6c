"""apps.core.xlsxread reads what openpyxl's read-only workbook reads, value for value and type for type; and
core.bulk.instance_factory builds what Model() builds."""

import datetime
import re
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from apps.core.xlsxread import _Reader, read_only_workbook


def _rows(wb):
    try:
        return [[tuple((type(v), v) for v in row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets]
    finally:
        wb.close()


def _same(path):
    expected = _rows(load_workbook(path, read_only=True, data_only=True))
    assert _rows(read_only_workbook(path)) == expected
    return expected


def test_a_styled_workbook_with_shared_strings_and_a_dimension(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["B3"], ws["C3"], ws["D5"], ws["E5"], ws["A9"] = "hello", 12, datetime.date(2020, 1, 2), "=1+2", " spaced "
    ws["B10"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    wb.create_sheet("two").append(["x", None, 3.5, True])
    wb.save(tmp_path / "styled.xlsx")
    sheets = _same(tmp_path / "styled.xlsx")
    assert len(sheets) == 2 and len(sheets[0]) == 10  # rows 1–10 (the dimension A1:F10)


def test_a_write_only_workbook_of_inline_strings_without_a_dimension(tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("a")
    ws.append(["名", "", None, 1, 2.0, datetime.datetime(2021, 3, 4, 5, 6), True, "=SUM(A1)", " x "])
    ws.append([])
    ws.append([None, "y"])
    wb.save(tmp_path / "plain.xlsx")
    path = tmp_path / "plain.xlsx"
    assert _same(path)[0][0][0] == (str, "名")

    # Inline strings openpyxl does not write but other programs may: rich runs, phonetic guides, empty <t/>, an
    # empty <is>, a cell without a reference, a formula with a cached inline string.
    extra = ('<c r="J1" t="inlineStr"><is><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></is></c>'
             '<c r="K1" t="inlineStr"><is><t>c</t><rPh sb="0" eb="1"><t>ph</t></rPh></is></c>'
             '<c r="L1" t="inlineStr"><is><t/></is></c><c r="M1" t="inlineStr"><is></is></c>'
             '<c t="inlineStr"><is><t xml:space="preserve">  nocoord </t></is></c>'
             '<c r="P1" t="inlineStr"><f>1+1</f><is><t>fx</t></is></c>')
    edited = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(edited, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(r'(<row r="1"[^>]*>.*?)(</row>)', lambda m: m.group(1) + extra + m.group(2),
                              data.decode(), count=1, flags=re.S).encode()
            out.writestr(item, data)
    first = _same(edited)[0][0]
    assert [v for _, v in first[9:14]] == ["ab", "c", "", "", "  nocoord "]

    # Formulas read as formulas (data_only=False) go through openpyxl too.
    reader = _Reader(edited, read_only=True, data_only=False)
    reader.read()
    assert _rows(reader.wb) == _rows(load_workbook(edited, read_only=True, data_only=False))


def test_instance_factory_builds_what_the_model_builds():
    from apps.audit.models import AuditEvent
    from apps.core.bulk import instance_factory
    from apps.members.models import Member

    for model in (Member, AuditEvent):
        made, plain = instance_factory(model)(), model()
        assert {k: v for k, v in made.__dict__.items() if k != "_state"} == \
            {k: v for k, v in plain.__dict__.items() if k != "_state"}
        assert made._state.adding and made._state.db is None and made.pk is None
