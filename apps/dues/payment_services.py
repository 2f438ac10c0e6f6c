"""Every write of dues payments: one payment, several months at once (a quarter ahead, or a back-payment), a batch
from the branch's sheet, a filled sheet imported, a void. Each is atomic, audited in its transaction, posted to the
ledger and followed by the member's standing (`standing.refresh_standing`) in the same transaction.

The rules (rules.md §1) a payment is checked against, each refusal with its reason in Chinese:
- the month is normalised to its first day; not before the member owes (`standing.due_from`);
- back-payment at most `DUES_BACKPAY_MONTHS` before the current month;
- a month after the current one only with the branch's consent (`ahead_consent`, a short text), at most
  `DUES_AHEAD_MONTHS` ahead;
- a regular payment is exactly what is owed for the month (`standing.amounts_due`); nothing recorded: 未核定党费标准;
- 自愿多交 (voluntary): any positive amount; at or above `DUES_VOLUNTARY_LARGE` it is marked 全额上缴;
- not paid in the future; the month open at the member's organization (`closing.require_open`).

One regular payment per member and month is the database's constraint: the member's row is locked first (so two
writers queue and the second reads the first's payment), and a constraint violation that still gets through is
caught in a savepoint and answered like the check.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.members.models import Member

from . import closing, ledger, standing
from .ledger_models import AccountKind, TransactionKind
from .models import DuesPayment, DuesStanding, PaymentKind, PaymentMethod
from .rules import add_months, money, month_start, months_between
from .scopes import DUES_COLLECT

DUPLICATE = _("该党员该月党费已登记")


def _require_collect(actor, organization):
    if not policy.can(actor, DUES_COLLECT, organization):
        raise PermissionDenied(_("您没有在该党组织收缴党费的权限"))


def _amount(value) -> Decimal:
    try:
        amount = money(value if isinstance(value, Decimal) else str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": _("金额格式不正确")}) from None
    if amount <= 0:
        raise ValidationError({"amount": _("金额须大于0")})
    if amount >= Decimal("1000000000"):
        raise ValidationError({"amount": _("金额过大")})
    return amount


def check_month(member: Member, month: date, *, today: date, ahead_consent: str = "") -> date:
    """The month's first day, if a payment may be recorded for it today (else a ValidationError with the reason)."""
    month = month_start(month)
    current = month_start(today)
    first = standing.due_from(member)
    if month < first:
        raise ValidationError({"month": _("{month}早于该党员的起缴月份（{first}）").format(
            month=f"{month:%Y年%m月}", first=f"{first:%Y年%m月}")})
    back = settings.DUES_BACKPAY_MONTHS
    if month < add_months(current, -back):
        raise ValidationError({"month": _("补缴不能超过{n}个月：{month}已超出补缴期限（最早可补缴{first}）").format(
            n=back, month=f"{month:%Y年%m月}", first=f"{add_months(current, -back):%Y年%m月}")})
    if month > current:
        ahead = settings.DUES_AHEAD_MONTHS
        if months_between(current, month) > ahead:
            raise ValidationError({"month": _("提前缴纳不能超过{n}个月").format(n=ahead)})
        if not ahead_consent.strip():
            raise ValidationError({"ahead_consent": _("提前缴纳{month}党费须经党支部同意，请填写支部同意情况").format(
                month=f"{month:%Y年%m月}")})
    return month


def _record(*, actor, member, month, amount, method, paid_on, kind, reference, ahead_consent, note, due=None,
            request=None) -> DuesPayment:
    """One payment, inside the caller's transaction (the member's row already locked)."""
    today = timezone.localdate()
    if not member.is_current:
        raise ValidationError(_("{name}不是在册党员，不能登记党费").format(name=member.name))
    if kind not in PaymentKind.values:
        raise ValidationError({"kind": _("请选择缴纳类型")})
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("请选择缴纳方式")})
    if not isinstance(paid_on, date):
        raise ValidationError({"paid_on": _("请填写缴纳日期")})
    if paid_on > today:
        raise ValidationError({"paid_on": _("缴纳日期不能晚于今天")})
    month = check_month(member, month, today=today, ahead_consent=ahead_consent)
    closing.require_open(member.organization, month)
    remit_in_full = False
    if kind == PaymentKind.REGULAR:
        if due is None:
            due = standing.amount_due(member, month)
        if due is None:
            raise ValidationError({"amount": _("{name}未核定党费标准，请先核定").format(name=member.name)})
        if due == 0:
            raise ValidationError({"amount": _("{name}{month}党费已批准免交").format(name=member.name,
                                                                             month=f"{month:%Y年%m月}")})
        amount = _amount(amount)
        if amount != due:
            raise ValidationError({"amount": _("{name}{month}应缴{due}元，登记金额{amount}元不符").format(
                name=member.name, month=f"{month:%Y年%m月}", due=due, amount=amount)})
        if DuesPayment.objects.filter(member=member, month=month, kind=PaymentKind.REGULAR,
                                      voided_at__isnull=True).exists():
            raise ValidationError(DUPLICATE)
    else:
        amount = _amount(amount)
        remit_in_full = amount >= money(settings.DUES_VOLUNTARY_LARGE)
    payment = DuesPayment(member=member, organization=member.organization, month=month, kind=kind, amount=amount,
                          method=method, paid_on=paid_on, reference=reference.strip()[:64],
                          ahead_consent=ahead_consent.strip()[:200] if month > month_start(today) else "",
                          remit_in_full=remit_in_full, note=note.strip()[:200], recorded_by=actor)
    try:
        with transaction.atomic():  # a savepoint: the constraint's refusal leaves the caller's transaction usable
            payment.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(DUPLICATE) from None
    ledger.post(actor=actor, organization_id=payment.organization_id, kind=TransactionKind.PAYMENT,
                occurred_on=paid_on, month=month, payment=payment, memo=f"{member.name} {month:%Y-%m}",
                legs=[(payment.organization_id, AccountKind.DUES_CASH, amount),
                      (payment.organization_id, AccountKind.DUES_COLLECTED, -amount)])
    audit_record(actor=actor, action=Action.CREATE, obj=payment, after=snapshot(payment), request=request)
    return payment


@transaction.atomic
def standing_transferred_in(*, actor, member, accepted_on: date, request=None):
    """A member received by a transfer within the platform (apps.membership): on the receiving organization's sheets
    from the month after `accepted_on`; the sending organization collected up to the month the transfer stated."""
    member = _locked(member)
    DuesStanding.objects.get_or_create(member=member, defaults={"due_from": standing.due_from(member)})
    row = DuesStanding.objects.select_for_update().get(member=member)
    before = snapshot(row)
    row.sheet_from = add_months(month_start(accepted_on), 1)
    row.save(update_fields=["sheet_from"])
    audit_record(actor=actor, action=Action.UPDATE, obj=row, before=before, after=snapshot(row), request=request,
                 note=_("组织关系转入：次月起由接收党组织收缴党费"))
    return row


def _locked(member: Member) -> Member:
    # The member's row lock: every write of one member's payments and standing queues behind it.
    return Member.objects.select_for_update().select_related("organization").get(pk=member.pk)


@transaction.atomic
def payment_record(*, actor, member, month, amount, method, paid_on, kind=PaymentKind.REGULAR, reference="",
                   ahead_consent="", note="", request=None) -> DuesPayment:
    _require_collect(actor, member.organization)
    member = _locked(member)
    _require_collect(actor, member.organization)
    payment = _record(actor=actor, member=member, month=month, amount=amount, method=method, paid_on=paid_on,
                      kind=kind, reference=reference, ahead_consent=ahead_consent, note=note, request=request)
    standing.refresh_standing(member)
    return payment


@transaction.atomic
def payments_record_quarter(*, actor, member, first_month, count=3, method, paid_on, ahead_consent="", reference="",
                            note="", request=None) -> list[DuesPayment]:
    """Several consecutive months at once (a quarter ahead, or months of back-payment), each at what it owes:
    all or nothing, every month's refusal named."""
    if not 1 <= int(count) <= 12:
        raise ValidationError({"count": _("一次登记1至12个月")})
    _require_collect(actor, member.organization)
    member = _locked(member)
    months = [add_months(month_start(first_month), i) for i in range(int(count))]
    payments, errors = [], []
    for month in months:
        due = standing.amount_due(member, month)
        try:
            with transaction.atomic():
                payments.append(_record(actor=actor, member=member, month=month, amount=due or "", due=due, method=method,
                                        paid_on=paid_on, kind=PaymentKind.REGULAR, reference=reference,
                                        ahead_consent=ahead_consent, note=note, request=request))
        except ValidationError as exc:
            errors += [f"{month:%Y年%m月}：{m}" for m in exc.messages]
    if errors:
        raise ValidationError(errors)
    standing.refresh_standing(member)
    return payments


@transaction.atomic
def payments_record_batch(*, actor, members, month, method, paid_on, request=None) -> list[DuesPayment]:
    """The sheet's 批量登记: the ticked members' regular dues of one month, each at what they owe; all or nothing."""
    members = sorted(members, key=lambda m: m.pk)  # row locks in key order: two batches never deadlock
    if not members:
        raise ValidationError(_("请勾选要登记的党员"))
    month = month_start(month)
    dues = standing.amounts_due([m.pk for m in members], month)
    payments, errors = [], []
    for member in members:
        try:
            with transaction.atomic():
                _require_collect(actor, member.organization)
                locked = _locked(member)
                payments.append(_record(actor=actor, member=locked, month=month, amount=dues[member.pk] or "",
                                        method=method, paid_on=paid_on, kind=PaymentKind.REGULAR, reference="",
                                        ahead_consent="", note="", due=dues[member.pk], request=request))
                standing.refresh_standing(locked)
        except ValidationError as exc:
            errors += [f"{member.name}：{m}" for m in exc.messages]
    if errors:
        raise ValidationError(errors)
    return payments


@transaction.atomic
def sheet_import(*, actor, organization, month, rows, file_name="", request=None) -> list[DuesPayment]:
    """A filled sheet (`sheet_excel.read_sheet`'s rows: row number, member, amount, date, method, or the row's
    reading error): every row recorded, or nothing with every row's error (row number first)."""
    _require_collect(actor, organization)
    payments, errors = [], []
    for row in sorted(rows, key=lambda r: (r.member.pk if r.member else 0)):  # row locks in key order
        if row.error:
            errors.append((row.number, row.error))
            continue
        try:
            with transaction.atomic():
                _require_collect(actor, row.member.organization)
                member = _locked(row.member)
                payments.append(_record(actor=actor, member=member, month=month, amount=row.amount,
                                        method=row.method, paid_on=row.paid_on, kind=PaymentKind.REGULAR,
                                        reference="", ahead_consent="", note="", request=request))
                standing.refresh_standing(member)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            errors += [(row.number, m) for m in messages]
    if errors:
        raise ValidationError([_("第{n}行：{error}").format(n=n, error=m) for n, m in sorted(errors)])
    if not payments:
        raise ValidationError(_("表中没有填写缴纳金额的行"))
    audit_record(actor=actor, action=Action.IMPORT, obj=organization, request=request,
                 note=_("导入党费收缴表：{month}，{n}笔，文件{file}").format(month=f"{month_start(month):%Y年%m月}",
                                                                 n=len(payments), file=file_name[:100]))
    return payments


@transaction.atomic
def payment_void(*, actor, payment, reason, request=None) -> DuesPayment:
    """作废: the payment stays, marked with who and why; the ledger gets the reversing transaction."""
    _require_collect(actor, payment.organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因")})
    member = _locked(payment.member)
    payment = DuesPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.voided_at is not None:
        raise ValidationError(_("该缴纳记录已作废"))
    closing.require_open(payment.organization, payment.month)
    before = snapshot(payment)
    payment.voided_at, payment.voided_by, payment.void_reason = timezone.now(), actor, reason[:200]
    payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    ledger.post(actor=actor, organization_id=payment.organization_id, kind=TransactionKind.PAYMENT_VOID,
                occurred_on=timezone.localdate(), month=payment.month, payment=payment,
                memo=f"{member.name} {payment.month:%Y-%m} {reason}"[:200],
                legs=[(payment.organization_id, AccountKind.DUES_CASH, -payment.amount),
                      (payment.organization_id, AccountKind.DUES_COLLECTED, payment.amount)])
    audit_record(actor=actor, action=Action.UPDATE, obj=payment, before=before, after=snapshot(payment),
                 request=request, note=_("作废：{reason}").format(reason=reason[:100]))
    standing.refresh_standing(member)
    return payment
