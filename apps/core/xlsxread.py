"""Reading an uploaded .xlsx for an import: openpyxl's read-only workbook, with two costs of openpyxl 3.1 taken out.

`load_workbook(path, read_only=True, data_only=True)` and `ws.iter_rows(values_only=True)` give the same values,
row for row, as `read_only_workbook(path)` and the same call; only two steps are cheaper:

- A read-only sheet first looks for its <dimension>, and openpyxl waits for the *end* of <sheetData> to give up: a
  sheet without one (openpyxl's own write-only files, our exports among them) is parsed whole to find nothing. The
  element comes before <sheetData> in the schema, so the search here stops at its start, with the same result.
- A cell of an inline string (<c t="inlineStr"><is><t>…</t></is></c>, how openpyxl writes every text cell) goes
  through openpyxl's descriptor machinery (Text.from_tree) to give the text of its one <t>: two thirds of reading
  63,000 rows. Such a cell is read here from its <t> directly; any other inline string (rich-text runs, phonetic
  guides, formulas when formulas are read) and every other cell goes through openpyxl as before.
"""

from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

_DIMENSION = f"{{{SHEET_MAIN_NS}}}dimension"
_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"
_TEXT = f"{{{SHEET_MAIN_NS}}}t"


def read_only_workbook(path):
    """The workbook as `load_workbook(path, read_only=True, data_only=True)` opens it (close it after use)."""
    reader = _Reader(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb


class _Parser(WorkSheetParser):
    def parse_cell(self, element):
        if element.get("t") == "inlineStr" and not self.rich_text:
            child = element.find(INLINE_STRING)
            # Text.from_tree(child).content of an <is> holding one plain <t> is that <t>'s text ("" when empty).
            if (child is not None and len(child) == 1 and child[0].tag == _TEXT and not len(child[0])
                    and (self.data_only or element.find(FORMULA_TAG) is None)):
                style_id = element.get("s", 0)
                if style_id:
                    style_id = int(style_id)
                coordinate = element.get("r")
                if coordinate:
                    row, column = coordinate_to_tuple(coordinate)
                    self.col_counter = column
                else:
                    self.col_counter += 1
                    row, column = self.row_counter, self.col_counter
                return {"row": row, "column": column, "value": child[0].text or "", "data_type": "s",
                        "style_id": style_id}
        return super().parse_cell(element)


class _Sheet(ReadOnlyWorksheet):
    def _get_size(self):
        with self._get_source() as src:
            for event, element in iterparse(src, events=("start", "end")):
                if event == "start":
                    if element.tag == _SHEET_DATA:
                        return  # no <dimension>: the size is found as the rows are read, as openpyxl does
                elif element.tag == _DIMENSION:
                    dimensions = SheetDimension.from_tree(element).boundaries
                    if dimensions is not None:
                        self._min_column, self._min_row, self._max_column, self._max_row = dimensions
                    return

    # openpyxl 3.1's ReadOnlyWorksheet._cells_by_row, with _Parser for WorkSheetParser.
    def _cells_by_row(self, min_col, min_row, max_col, max_row, values_only=False):
        filler = None if values_only else EMPTY_CELL
        max_col = max_col or self.max_column
        max_row = max_row or self.max_row
        empty_row = []
        if max_col is not None:
            empty_row = (filler,) * (max_col + 1 - min_col)

        counter = min_row
        idx = 1
        with self._get_source() as src:
            parser = _Parser(src, self._shared_strings, data_only=self.parent.data_only, epoch=self.parent.epoch,
                             date_formats=self.parent._date_formats, timedelta_formats=self.parent._timedelta_formats)
            for idx, row in parser.parse():
                if max_row is not None and idx > max_row:
                    break
                for _ in range(counter, idx):  # rows missing from the file
                    counter += 1
                    yield empty_row
                if counter <= idx:
                    row = self._get_row(row, min_col, max_col, values_only)
                    counter += 1
                    yield row

        if max_row is not None and max_row < idx:
            for _ in range(counter, max_row + 1):
                yield empty_row


class _Reader(ExcelReader):
    # openpyxl 3.1's read_worksheets for a read-only workbook, with _Sheet for ReadOnlyWorksheet.
    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            rels_path = get_rels_path(rel.target)
            if rels_path in self.valid_files:
                get_dependents(self.archive, rels_path)  # read as openpyxl does: a broken file fails alike
            ws = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)
