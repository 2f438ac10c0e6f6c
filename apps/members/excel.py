"""Member registry ⇄ Excel: the import template, reading and validating an import (all or nothing: the write is
services.member_import_apply, run by apps.members.imports), the export."""

from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from apps.core import codes
from apps.core.crypto import keyed_hash
from apps.core.excel import CellError, ExportWorkbook, id_number_cell, parse_date_cell, text_cell
from apps.core.jobs import JobRejected
from apps.core.xlsxread import read_only_workbook
from apps.orgs.models import Organization, OrgKind

from .models import Member, MemberCategory, MemberStatus, Sex
from .rules import validate_member_data

# (header, key, required, help) — the order of the template's columns.
COLUMNS = [
    ("姓名", "name", True, "如：张三"),
    ("身份证号", "id_number", True, "18位，本列须为文本格式"),
    ("所在党组织编码", "org_code", True, "见“组织编码”工作表"),
    ("人员类别", "category", True, "正式党员 / 预备党员"),
    ("入党日期", "joined_on", True, "如：2010-07-01"),
    ("转正日期", "full_member_on", False, "正式党员必填"),
    ("党员状态", "status", False, "正常 / 流动 / 失联 …，默认正常"),
    ("民族", "ethnicity", False, "如：汉族"),
    ("学历", "education", False, "如：大学本科"),
    ("职业类别", "occupation", False, "如：专业技术人员"),
    ("手机号", "phone", False, "11位手机号"),
    ("困难党员", "is_hardship", False, "是 / 否"),
    ("流动去向", "flow_place", False, "流动党员必填"),
    ("流动期间联系方式", "flow_contact", False, ""),
    ("性别", "declared_sex", False, "可不填；填写则与身份证号核对"),
    ("出生日期", "declared_birth_date", False, "可不填；填写则与身份证号核对"),
    ("党小组编码", "group_code", False, ""),
]
HEADER_TO_KEY = {h: k for h, k, _, _ in COLUMNS}
# The member export heads the organization's code “组织编码”: an export with full numbers imports back as it is.
HEADER_TO_KEY["组织编码"] = "org_code"
LABEL_OF_KEY = {k: h for h, k, _, _ in COLUMNS}
FIELD_TO_KEY = {"organization": "org_code", "party_group": "group_code", "birth_date": "declared_birth_date", "sex": "declared_sex"}


def _chinese(choices):
    """Choices with their labels in Chinese (the msgids), whatever the user's language: the template,
    the cells the import reads and the export all use the Chinese labels."""
    with translation.override(None):
        return [(code, str(label)) for code, label in choices]


@cache
def _enums():
    return {
        "category": dict((label, code) for code, label in _chinese(MemberCategory.choices)),
        "status": dict((label, code) for code, label in _chinese(MemberStatus.choices)),
        "ethnicity": dict((label, code) for code, label in _chinese(codes.ETHNICITIES)),
        "education": dict((label, code) for code, label in _chinese(codes.EDUCATIONS)),
        "occupation": dict((label, code) for code, label in _chinese(codes.OCCUPATIONS)),
        "declared_sex": {"男": Sex.MALE, "女": Sex.FEMALE},
    }

_ENUM_CODES = {
    "category": set(MemberCategory.values), "status": set(MemberStatus.values),
    "ethnicity": {c for c, _ in codes.ETHNICITIES}, "education": {c for c, _ in codes.EDUCATIONS},
    "occupation": {c for c, _ in codes.OCCUPATIONS}, "declared_sex": {"M", "F"},
}
MAX_ROWS = 200_000


def build_template(path: Path, orgs) -> Path:
    wb = ExportWorkbook(write_only=False)  # styled: the template has formats and drop-downs
    ws = wb.active
    ws.title = "党员信息"
    header_font, required_fill = Font(bold=True), PatternFill("solid", fgColor="FDE9E7")
    for col, (header, key, required, help_text) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=header + ("*" if required else ""))
        cell.font = header_font
        if required:
            cell.fill = required_fill
        ws.cell(row=2, column=col, value=help_text).font = Font(italic=True, color="888888")
        ws.column_dimensions[cell.column_letter].width = max(12, len(header) * 2 + 4)
        # Text format for the columns Excel likes to turn into numbers: a column style (one <col> element), which
        # Excel and WPS apply to every cell typed into the column, instead of 2 000 styled empty cells per column.
        if key in ("id_number", "phone", "org_code", "group_code"):
            ws.column_dimensions[cell.column_letter].number_format = "@"
    ws.column_dimensions["B"].width = 22
    for key, values in (("category", [c[1] for c in _chinese(MemberCategory.choices)]),
                        ("status", [c[1] for c in _chinese(MemberStatus.choices)]),
                        ("is_hardship", ["是", "否"])):
        col = [k for _, k, _, _ in COLUMNS].index(key) + 1
        letter = ws.cell(row=1, column=col).column_letter
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        dv.add(f"{letter}3:{letter}2002")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A3"
    ref = wb.create_sheet("组织编码")
    ref.append(["组织编码", "组织名称", "组织类别"])
    kinds = dict(_chinese(OrgKind.choices))
    for org in orgs.iterator(chunk_size=2000):
        ref.append([org.code, org.name, kinds.get(org.kind, org.kind)])
    ref.column_dimensions["B"].width = 40
    codes_ws = wb.create_sheet("代码表")
    codes_ws.append(["民族", "学历", "职业类别", "党员状态"])
    lists = [[label for _, label in _chinese(codes.ETHNICITIES)], [label for _, label in _chinese(codes.EDUCATIONS)],
             [label for _, label in _chinese(codes.OCCUPATIONS)], [label for _, label in _chinese(MemberStatus.choices)]]
    for i in range(max(len(x) for x in lists)):
        codes_ws.append([x[i] if i < len(x) else None for x in lists])
    wb.save(path)
    return path


# The coded columns repeat a handful of values over a file: read each distinct cell once (a bad one raises each
# time, lru_cache keeps no exceptions). Keyed by the value's type too: 1 and True are equal keys otherwise.
@lru_cache(maxsize=4096)
def _coded(key, raw, kind):
    return _bool(raw) if key == "is_hardship" else _enum(key, raw)


@lru_cache(maxsize=4096)
def _short_text(raw, kind):
    return text_cell(raw)


def _enum(key, raw):
    text = text_cell(raw)
    if not text:
        return ""
    if text in _enums()[key]:
        return _enums()[key][text]
    if text in _ENUM_CODES[key]:
        return text
    if key == "education" and text.isdigit() and text.zfill(2) in _ENUM_CODES[key]:
        return text.zfill(2)
    raise CellError(_("“{value}”不是有效的{column}").format(value=text, column=LABEL_OF_KEY[key]))


def _bool(raw):
    text = text_cell(raw)
    if text in ("", "否", "N", "n", "0", "False", "false"):
        return False
    if text in ("是", "Y", "y", "1", "True", "true"):
        return True
    raise CellError(_("“{value}”应填写“是”或“否”").format(value=text))


def read_rows(path):
    """Yield (row_number, {key: raw}) from the first sheet; header row found by its labels."""
    wb = read_only_workbook(path)  # load_workbook(read_only=True, data_only=True), read faster (apps.core.xlsxread)
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = None
        for row_number, row in enumerate(rows, start=1):
            if header is None:
                labels = [text_cell(v).rstrip("*").strip() for v in row]
                if "姓名" in labels and "身份证号" in labels:
                    header = {i: HEADER_TO_KEY[label] for i, label in enumerate(labels) if label in HEADER_TO_KEY}
                    missing = [h for h, k, req, _ in COLUMNS if req and k not in header.values()]
                    if missing:
                        raise JobRejected({"message": _("表头缺少必填列：{columns}").format(columns="、".join(missing)), "errors": []})
                elif row_number >= 10:
                    break
                continue
            if all(v is None or text_cell(v) == "" for v in row):
                continue
            values = {key: row[i] if i < len(row) else None for i, key in header.items()}
            # The template's grey help row is not data.
            if text_cell(values.get("id_number")).startswith("18位"):
                continue
            yield row_number, values
        if header is None:
            raise JobRejected({"message": _("未找到表头：第一张工作表应包含“姓名”“身份证号”等列，请使用导入模板"), "errors": []})
    finally:
        wb.close()


def _parse(values, errors, row_number):
    """Cell values → member data; cell-level problems are added to errors."""
    data = {}

    def err(key, message):
        errors.append({"row": row_number, "column": LABEL_OF_KEY.get(key, key), "reason": message})

    for key, raw in values.items():
        try:
            if key == "id_number":
                data[key] = id_number_cell(raw)
            elif key in ("joined_on", "full_member_on", "declared_birth_date"):
                data[key] = parse_date_cell(raw)
            elif key in _ENUM_CODES or key == "is_hardship":
                data[key] = _coded(key, raw, type(raw))
            elif key in ("org_code", "group_code"):
                data[key] = _short_text(raw, type(raw))
            else:
                data[key] = text_cell(raw)
        except CellError as exc:
            err(key, str(exc))
            data[key] = None
    return data, err


@dataclass(frozen=True)
class ImportRow:
    """One validated row of an import: its cleaned data (with `id_hash`) and the member it updates, if any."""

    row_number: int
    cleaned: dict
    current: Member | None


def validate_import(path, progress, *, scope_org_ids) -> list[ImportRow]:
    """Read and validate every row of an import file; the rows to write, or JobRejected with the reasons of every bad
    row (all or nothing). Reads only: the write is services.member_import_apply. Progress runs over twice the rows
    (the write takes the second half)."""
    progress(0, phase=_("读取文件"), force=True)
    raw_rows = list(read_rows(path))
    if not raw_rows:
        raise JobRejected({"message": _("文件中没有数据行"), "errors": []})
    if len(raw_rows) > MAX_ROWS:
        raise JobRejected({"message": _("单次最多导入{n}行，请拆分文件").format(n=MAX_ROWS), "errors": []})
    total = len(raw_rows) * 2
    progress(0, total, _("校验数据"), force=True)

    allowed = Organization.objects.filter(pk__in=scope_org_ids) if scope_org_ids is not None else Organization.objects
    wanted_codes = {text_cell(v.get("org_code")) for _, v in raw_rows} | {text_cell(v.get("group_code")) for _, v in raw_rows}
    orgs_by_code = {o.code: o for o in allowed.filter(code__in=[c for c in wanted_codes if c])}
    hashes_in_file = Counter()
    errors, parsed = [], []
    for i, (row_number, values) in enumerate(raw_rows, start=1):
        errors_before = len(errors)
        data, err = _parse(values, errors, row_number)
        code = data.pop("org_code", "") or ""
        data["organization"] = orgs_by_code.get(code)
        if code and data["organization"] is None:
            err("org_code", _("组织编码“{code}”不存在或不在您的管理范围内").format(code=code))
        group_code = data.pop("group_code", "") or ""
        data["party_group"] = orgs_by_code.get(group_code) if group_code else None
        if group_code and data["party_group"] is None:
            err("group_code", _("党小组编码“{code}”不存在或不在您的管理范围内").format(code=group_code))
        if len(errors) > errors_before:
            parsed.append((row_number, None))
        else:
            cleaned, field_errors = validate_member_data(data)
            if code == "" and "organization" in field_errors:
                field_errors["organization"] = _("所在党组织编码不能为空")
            for field, message in field_errors.items():
                err(FIELD_TO_KEY.get(field, field), message)
            if not field_errors:
                h = keyed_hash(cleaned["id_number"])
                hashes_in_file[h] += 1
                if hashes_in_file[h] > 1:
                    err("id_number", _("身份证号在本文件中重复出现"))
                    cleaned = None
                else:
                    cleaned["id_hash"] = h
                parsed.append((row_number, cleaned))
            else:
                parsed.append((row_number, None))
        if i % 500 == 0:
            progress(i, total)

    # Existing members are updated, not duplicated; only within the importer's own scope.
    all_hashes = [c["id_hash"] for _, c in parsed if c]
    existing = {}
    for start in range(0, len(all_hashes), 900):
        for m in Member.objects.filter(id_hash__in=all_hashes[start:start + 900]).select_related("organization"):
            existing[m.id_hash] = m
    scope_ids = set(scope_org_ids) if scope_org_ids is not None else None
    for row_number, cleaned in parsed:
        if cleaned and cleaned["id_hash"] in existing:
            current = existing[cleaned["id_hash"]]
            if scope_ids is not None and current.organization_id not in scope_ids:
                errors.append({"row": row_number, "column": "身份证号",
                               "reason": _("该党员已在您管理范围以外的组织登记，请办理组织关系转接")})

    if errors:
        errors.sort(key=lambda e: e["row"])
        bad_rows = len({e["row"] for e in errors})
        raise JobRejected({"message": _("共{rows}行，其中{bad}行有错误，未导入任何数据。请修改后重新导入。").format(rows=len(raw_rows), bad=bad_rows),
                           "errors": errors[:5000], "error_count": len(errors), "rows": len(raw_rows)})
    return [ImportRow(row_number, cleaned, existing.get(cleaned["id_hash"])) for row_number, cleaned in parsed]


EXPORT_HEADERS = ["姓名", "性别", "身份证号", "出生日期", "年龄", "民族", "学历", "职业类别", "人员类别", "党员状态", "入党日期",
                  "转正日期", "党龄", "手机号", "困难党员", "所在党组织", "组织编码", "流动去向"]


def run_export(job, progress, *, queryset, unmask: bool):
    """Write the filtered list to an .xlsx; IDs and phones masked unless the user may unmask."""
    from datetime import date

    today = date.today()
    total = queryset.count()
    progress(0, total, _("导出中"), force=True)
    wb = ExportWorkbook()
    ws = wb.create_sheet("党员名册")
    ws.append(EXPORT_HEADERS)
    fields = ["name", "sex", "id_masked", "birth_date", "ethnicity", "education", "occupation", "category", "status",
              "joined_on", "full_member_on", "phone_masked", "is_hardship", "organization__name", "organization__code", "flow_place"]
    if unmask:
        fields += ["id_number", "phone"]
    eth, edu, occ = dict(_chinese(codes.ETHNICITIES)), dict(_chinese(codes.EDUCATIONS)), dict(_chinese(codes.OCCUPATIONS))
    sexes, cats, statuses = dict(_chinese(Sex.choices)), dict(_chinese(MemberCategory.choices)), dict(_chinese(MemberStatus.choices))
    qs = queryset.order_by("organization__path", "name_pinyin", "id")
    rows = qs.only(*[f for f in fields if "__" not in f], "organization__name", "organization__code").select_related("organization")
    for i, m in enumerate(rows.iterator(chunk_size=2000), start=1):
        standing = m.party_standing_years(today)
        ws.append([
            m.name, sexes.get(m.sex, ""), m.id_number if unmask else m.id_masked, m.birth_date, m.age(today), eth.get(m.ethnicity, ""),
            edu.get(m.education, ""), occ.get(m.occupation, ""), cats.get(m.category, ""), statuses.get(m.status, ""), m.joined_on,
            m.full_member_on, standing, m.phone if unmask else m.phone_masked, "是" if m.is_hardship else "否",
            m.organization.name, m.organization.code, m.flow_place,
        ])
        if i % 1000 == 0:
            progress(i, total)
    wb.save(job.output_file)
    return {"message": _("已导出{n}名党员").format(n=total), "rows": total}
