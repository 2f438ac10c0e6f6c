"""Bank and payment-channel statements (对账): an .xlsx or CSV file with the columns 日期, 金额, 流水号, 付款人 for a
range of days, read whole, checked row by row (any bad row refuses the whole file, with every row's error in
Chinese), stored with the payer's name masked (张*), and matched against the organization's recorded payments of
that channel paid in those days, not voided (its subtree's: a branch's 党小组 collect into the branch's account).

Matching: a line takes the payment with its 流水号 when there is one; otherwise the first unmatched payment of the
same day and amount. Per day the count and total of each side are compared (`statement_days`); the mismatching days,
the unmatched lines and the unmatched payments are listed on the statement's page.
"""

import csv
import io
import os
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.core.evidence import check_upload
from apps.core.excel import CellError, parse_date_cell, text_cell
from apps.core.money import MoneySum
from apps.core.xlsxread import read_only_workbook

from .models import DuesPayment, PaymentMethod, StatementImport, StatementLine
from .rules import money
from .scopes import DUES_COLLECT

COLUMNS = {"日期": "paid_on", "金额": "amount", "流水号": "reference", "付款人": "payer"}
MAX_ROWS = 20000
MAX_MB = 5
MAX_DAYS = 92
TOTAL_MAX = Decimal("1000000000.00")  # below the 14-digit columns by far
ZERO = Decimal("0.00")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the first character stays, so a treasurer can still tell lines apart."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def _rows_of(upload):
    """The file's rows as lists of cells (the header first)."""
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext == ".csv":
        if upload.size == 0:
            raise ValidationError({"file": _("文件是空的")})
        if upload.size > MAX_MB * 1024 * 1024:
            raise ValidationError({"file": _("文件过大：不能超过 {mb} MB").format(mb=MAX_MB)})
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("无法识别文件编码，请保存为 UTF-8 的 CSV")})
        if "\x00" in text:
            raise ValidationError({"file": _("文件内容与扩展名不符")})
        return list(csv.reader(io.StringIO(text)))
    check_upload(upload, (".xlsx", ".csv"), MAX_MB, field="file")
    upload.seek(0)
    try:
        wb = read_only_workbook(upload)
    except Exception:  # a broken archive: the user's file, not our error
        raise ValidationError({"file": _("无法读取该 Excel 文件")}) from None
    try:
        return [list(row) for row in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _amount(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace(",", "").replace("¥", "").strip())
    except (InvalidOperation, ValueError):
        raise CellError(_("金额“{v}”不是数字").format(v=value)) from None
    if not amount.is_finite() or amount <= 0 or amount > Decimal("99999999"):
        raise CellError(_("金额须大于0"))
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(_("金额最多保留两位小数"))
    return money(amount)


def parse_statement(upload, first_day: date, last_day: date) -> list[dict]:
    """The lines of a statement file; ValidationError listing every bad row (第N行：…)."""
    rows = _rows_of(upload)
    while rows and not any(c not in (None, "") for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise ValidationError({"file": _("文件中没有数据")})
    header = [text_cell(c) for c in rows[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ValidationError({"file": _("缺少列：{cols}（需要 日期、金额、流水号、付款人）").format(cols="、".join(missing))})
    index = {COLUMNS[name]: header.index(name) for name in COLUMNS}
    lines, errors, seen_refs = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in row):
            continue
        if len(lines) >= MAX_ROWS:
            raise ValidationError({"file": _("对账单不能超过{n}行").format(n=MAX_ROWS)})
        cell = {key: (row[i] if i < len(row) else None) for key, i in index.items()}
        try:
            paid_on = parse_date_cell(cell["paid_on"])
            if paid_on is None:
                raise CellError(_("缺少日期"))
            if not first_day <= paid_on <= last_day:
                raise CellError(_("日期 {d} 不在对账期间内").format(d=paid_on.isoformat()))
            amount = _amount(cell["amount"])
            reference = text_cell(cell["reference"])
            payer = text_cell(cell["payer"])
            if len(reference) > 64 or len(payer) > 60:
                raise CellError(_("流水号或付款人过长"))
            if reference and reference in seen_refs:
                raise CellError(_("流水号与第{n}行重复").format(n=seen_refs[reference]))
        except CellError as exc:
            errors.append(_("第{n}行：{error}").format(n=number, error=exc))
            continue
        if reference:
            seen_refs[reference] = number
        lines.append({"paid_on": paid_on, "amount": amount, "reference": reference, "payer": mask_name(payer)})
    if errors:
        raise ValidationError({"file": errors[:50]})
    return lines


def recorded_payments(organization, method, first_day, last_day):
    return DuesPayment.objects.filter(organization__path__startswith=organization.path, method=method,
                                      paid_on__gte=first_day, paid_on__lte=last_day, voided_at__isnull=True)


def _match(lines: list[dict], payments: list[DuesPayment]) -> None:
    """Sets each line's "payment": by 流水号 first, then by day and amount among the payments left."""
    by_ref = {p.reference: p for p in payments if p.reference}
    used = set()
    for line in lines:
        p = by_ref.get(line["reference"]) if line["reference"] else None
        if p is not None and p.pk not in used:
            line["payment"] = p
            used.add(p.pk)
    pool = defaultdict(list)
    for p in payments:
        if p.pk not in used:
            pool[(p.paid_on, p.amount)].append(p)
    for line in lines:
        if line.get("payment") is None:
            candidates = pool.get((line["paid_on"], line["amount"]))
            line["payment"] = candidates.pop(0) if candidates else None


@transaction.atomic
def statement_import(*, actor, organization, method, first_day, last_day, upload, request=None) -> StatementImport:
    if not policy.can(actor, DUES_COLLECT, organization):
        raise PermissionDenied(_("您没有管理该组织党费的权限"))
    if method not in PaymentMethod.values or method == PaymentMethod.CASH:
        raise ValidationError({"method": _("请选择银行或支付渠道")})
    if not isinstance(first_day, date) or not isinstance(last_day, date) or first_day > last_day:
        raise ValidationError({"last_day": _("截止日期不能早于起始日期")})
    if (last_day - first_day).days >= MAX_DAYS:
        raise ValidationError({"last_day": _("一次对账不超过{n}天").format(n=MAX_DAYS)})
    lines = parse_statement(upload, first_day, last_day)
    payments = list(recorded_payments(organization, method, first_day, last_day).order_by("paid_on", "pk"))
    _match(lines, payments)
    line_total = sum((ln["amount"] for ln in lines), ZERO)
    recorded_total = sum((p.amount for p in payments), ZERO)
    if line_total >= TOTAL_MAX:
        # The totals are stored in 14 digits: a statement beyond them is not a branch's dues.
        raise ValidationError({"file": _("对账单合计金额过大（不能超过{n}元），请检查文件").format(n=TOTAL_MAX)})
    matched = (len(lines) == len(payments) and all(ln["payment"] is not None for ln in lines))
    statement = StatementImport.objects.create(
        organization=organization, method=method, first_day=first_day, last_day=last_day,
        file_name=os.path.basename(upload.name or "")[:200], line_count=len(lines), line_total=line_total,
        recorded_count=len(payments), recorded_total=recorded_total, matched=matched, imported_by=actor)
    StatementLine.objects.bulk_create(
        StatementLine(statement=statement, paid_on=ln["paid_on"], amount=ln["amount"], reference=ln["reference"],
                      payer=ln["payer"], payment=ln["payment"]) for ln in lines)
    audit_record(actor=actor, action=Action.IMPORT, obj=statement, after=snapshot(statement), request=request,
                 note=_("导入对账单：{n}笔").format(n=len(lines)))
    return statement


# ---- the statement's page ----

def statement_days(statement: StatementImport) -> list[dict]:
    """Per day: the statement's count and total beside the recorded payments' (two grouped queries)."""
    days: dict[date, dict] = defaultdict(lambda: {"lines": 0, "line_total": ZERO, "recorded": 0, "recorded_total": ZERO})
    for row in statement.lines.values("paid_on").annotate(n=Count("pk"), s=MoneySum("amount")).order_by():
        days[row["paid_on"]].update(lines=row["n"], line_total=row["s"])
    for row in (recorded_payments(statement.organization, statement.method, statement.first_day, statement.last_day)
                .values("paid_on").annotate(n=Count("pk"), s=MoneySum("amount")).order_by()):
        days[row["paid_on"]].update(recorded=row["n"], recorded_total=row["s"])
    out = []
    for day in sorted(days):
        row = {"day": day, **days[day]}
        row["ok"] = row["lines"] == row["recorded"] and row["line_total"] == row["recorded_total"]
        out.append(row)
    return out


def unmatched_lines(statement: StatementImport):
    return statement.lines.filter(payment__isnull=True).order_by("paid_on", "pk")


def unmatched_payments(statement: StatementImport):
    matched = StatementLine.objects.filter(statement=statement, payment__isnull=False).values("payment_id")
    return (recorded_payments(statement.organization, statement.method, statement.first_day, statement.last_day)
            .exclude(pk__in=matched).select_related("member", "organization").order_by("paid_on", "pk"))

