"""Dues standards ⇄ Excel: a branch's template and its import (columns 身份证号, 姓名, 缴纳类别, 月缴纳基数, 执行日期).

All or nothing: every row is read and checked first (the member found by the ID number's keyed hash, only among
members the importer collects dues for; the name must match; the category, base and date as the services want them;
no member twice in the file; no standard already on that day), and the errors name the row, the column and what to
fix. Only a file without errors is written, in one transaction, through `standard_services.standard_set` (so each row
is checked and audited as a single entry is). A branch's members are hundreds, not tens of thousands: the import is
synchronous and capped at MAX_ROWS rows.
"""

import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record
from apps.core.crypto import keyed_hash
from apps.core.excel import CellError, ExportWorkbook, id_number_cell, parse_date_cell, text_cell
from apps.core.xlsxread import read_only_workbook
from apps.members.models import CURRENT_STATUSES, Member

from . import standard_services as services
from .models import DuesStandard
from .rules import BASED, DuesCategory

MAX_ROWS = 2000
HEADERS = ("身份证号", "姓名", "缴纳类别", "月缴纳基数", "执行日期")
KEYS = ("id_number", "name", "category", "base", "effective_from")
CATEGORY_BY_LABEL = {str(label): value for value, label in DuesCategory.choices}


@dataclass(frozen=True)
class Row:
    row_number: int
    member: Member
    category: str
    base: Decimal | None
    effective_from: date


def template_workbook():
    wb = ExportWorkbook(write_only=False)
    ws = wb.active
    ws.title = _("党费标准")
    ws.append(list(HEADERS))
    ws.append(["18位身份证号（文本格式）", "张三", "在职", "4200", "2026-01-01"])
    ws.append([])
    ws.append([_("缴纳类别：") + "、".join(CATEGORY_BY_LABEL)])
    ws.append([_("在职填税后月工资收入，离退休填离退休费；农民、学生、下岗失业、低保或救济不填基数。执行日期从该日所在月的下一个月起执行（1日则当月）。")])
    return wb


def _read(path):
    """(row_number, {key: raw}) of the first sheet's data rows; the header found by its labels."""
    wb = read_only_workbook(path)
    try:
        header, rows = None, []
        for row_number, row in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
            if header is None:
                labels = [text_cell(v).rstrip("*").strip() for v in row]
                if "身份证号" in labels:
                    missing = [h for h in HEADERS if h not in labels]
                    if missing:
                        raise ValidationError(_("表头缺少列：{columns}").format(columns="、".join(missing)))
                    header = {labels.index(h): k for h, k in zip(HEADERS, KEYS, strict=True)}
                elif row_number >= 10:
                    break
                continue
            if all(v is None or text_cell(v) == "" for v in row):
                continue
            values = {key: row[i] if i < len(row) else None for i, key in header.items()}
            first = text_cell(values["id_number"])
            if first.startswith("18位") or first.startswith(_("缴纳类别")) or (first and not values["name"]
                                                                            and not values["category"]):
                continue  # the template's sample and notes are not data
            rows.append((row_number, values))
            if len(rows) > MAX_ROWS:
                raise ValidationError(_("单次最多导入{n}行，请拆分文件").format(n=MAX_ROWS))
        if header is None:
            raise ValidationError(_("未找到表头：第一张工作表应包含“身份证号”“姓名”“缴纳类别”“月缴纳基数”“执行日期”，请使用导入模板"))
        return rows
    finally:
        wb.close()


def read_upload(upload):
    """The data rows of an uploaded file (ValidationError for a file that is not a readable .xlsx)."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        for chunk in upload.chunks():
            f.write(chunk)
        f.flush()
        try:
            return _read(f.name)
        except ValidationError:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError):
            raise ValidationError(_("无法读取该文件，请上传由导入模板填写的 .xlsx 文件")) from None


def validate(actor, raw_rows) -> tuple[list[Row], list[dict]]:
    """The rows to write and the errors [{row, column, reason}] (all rows are checked; nothing is written)."""
    errors, parsed = [], []

    def err(row_number, column, reason):
        errors.append({"row": row_number, "column": column, "reason": str(reason)})

    hashes = {}
    for row_number, values in raw_rows:
        try:
            id_number = id_number_cell(values["id_number"])
            if id_number:
                hashes[row_number] = keyed_hash(id_number.upper())
            else:
                err(row_number, "身份证号", _("请填写身份证号"))
        except CellError as exc:
            err(row_number, "身份证号", exc)
    # One query for the file's members, only those the importer collects for (others read as "not found").
    members = {m.id_hash: m for m in policy.restrict(Member, actor, services.DUES_COLLECT).filter(
        id_hash__in=set(hashes.values()), status__in=CURRENT_STATUSES).select_related("organization")}
    seen = {}
    for row_number, values in raw_rows:
        if row_number not in hashes:
            continue
        before = len(errors)
        member = members.get(hashes[row_number])
        if member is None:
            err(row_number, "身份证号", _("未找到该身份证号的现有党员，或该党员不在您的管理范围内"))
        elif text_cell(values["name"]) != member.name:
            err(row_number, "姓名", _("姓名与党员信息库中的“{name}”不一致，请核对").format(name=member.name))
        label = text_cell(values["category"])
        category = CATEGORY_BY_LABEL.get(label)
        if category is None:
            err(row_number, "缴纳类别", _("请填写以下之一：{choices}").format(choices="、".join(CATEGORY_BY_LABEL)))
        base = None
        raw_base = values["base"]
        if category in BASED:
            if isinstance(raw_base, float):
                raw_base = repr(raw_base)  # the cell's shortest decimal text (4200.5 → "4200.5"), not binary float
            try:
                base = services.clean_money(text_cell(raw_base) if raw_base is not None else None, "base", "月缴纳基数")
            except ValidationError as exc:
                err(row_number, "月缴纳基数", "；".join(exc.messages))
        elif category is not None and text_cell(raw_base):
            err(row_number, "月缴纳基数", _("{label}按固定金额缴纳，请不要填写月缴纳基数").format(label=label))
        try:
            day = parse_date_cell(values["effective_from"])
            if day is None:
                err(row_number, "执行日期", _("请填写执行日期，例如 2026-01-01"))
        except CellError as exc:
            day = None
            err(row_number, "执行日期", exc)
        if member is not None and day is not None:
            if (member.pk, day) in seen:
                err(row_number, "身份证号", _("该党员同一执行日期在第{n}行已出现").format(n=seen[(member.pk, day)]))
            seen.setdefault((member.pk, day), row_number)
        if len(errors) == before:
            parsed.append(Row(row_number, member, category, base, day))
    taken = set(DuesStandard.objects.filter(member__in=[r.member for r in parsed]).values_list(
        "member_id", "effective_from")) if parsed else set()
    for r in parsed:
        if (r.member.pk, r.effective_from) in taken:
            err(r.row_number, "执行日期", _("该党员在{day}已有党费标准，请改用其他执行日期").format(day=r.effective_from))
    errors.sort(key=lambda e: e["row"])
    return parsed, errors


@transaction.atomic
def standard_import(*, actor, rows, request=None) -> int:
    """Write validated rows, all or none (a row refused here rolls the whole file back, naming its row)."""
    for r in rows:
        try:
            services.standard_set(actor=actor, member=r.member, category=r.category, base=r.base,
                                  effective_from=r.effective_from, note=_("Excel导入"), request=request)
        except ValidationError as exc:
            raise ValidationError(_("第{n}行：{reason}").format(n=r.row_number, reason="；".join(exc.messages))) from None
    audit_record(actor=actor, action=Action.IMPORT, object_type="dues.duesstandard", object_repr=_("党费标准"),
                 request=request, note=_("导入党费标准{n}条").format(n=len(rows)))
    return len(rows)
