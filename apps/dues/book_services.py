"""The books' writes: remittances (党费上缴) and their reversals, the one-step remittance of a voluntary large
payment to the Centre, and closing a month. Each is atomic, validated, audited in its transaction; money moves only
through `ledger.post`, and every write asks `closing.require_open` first.

Ledger legs (debits positive). A remittance from A to its parent P: (A, DUES_REMITTED, +a), (A, DUES_CASH, −a),
(P, DUES_CASH, +a), (P, DUES_RECEIVED, −a); to the Centre (the root, or `to_centre`) only A's two legs. A reversal
posts the opposite legs and is a remittance of −a linked to the one it reverses (once: the link is one-to-one). A's
DUES_CASH never goes negative: `ledger.post` refuses with the balance — so A cannot remit money it does not hold, and
P cannot have a remittance reversed once it has passed that money on.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.orgs.models import Organization

from . import book_selectors, closing, ledger
from .ledger_models import AccountKind, TransactionKind
from .models import DuesPayment, MonthClose, Remittance
from .rules import money, month_start
from .scopes import DUES_COLLECT

MAX_AMOUNT = Decimal("99999999.99")


def _require(actor, organization):
    if not policy.can(actor, DUES_COLLECT, organization):
        raise PermissionDenied(_("您没有管理该组织党费的权限"))


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"amount": _("金额须为数字")}) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise ValidationError({"amount": _("金额须大于0且不超过{max}元").format(max=MAX_AMOUNT)})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("金额最多保留两位小数")})
    return money(amount)


def _legs(remittance: Remittance, amount: Decimal):
    legs = [(remittance.organization_id, AccountKind.DUES_REMITTED, amount),
            (remittance.organization_id, AccountKind.DUES_CASH, -amount)]
    if remittance.to_organization_id is not None:
        legs += [(remittance.to_organization_id, AccountKind.DUES_CASH, amount),
                 (remittance.to_organization_id, AccountKind.DUES_RECEIVED, -amount)]
    return legs


@transaction.atomic
def remittance_record(*, actor, organization, month, amount, remitted_on, to_centre=False, note="", request=None,
                      payment: DuesPayment | None = None) -> Remittance:
    """党费上缴: the organization hands `amount` of `month`'s dues to its parent (the root, or `to_centre`: to the
    Centre). `payment`: a voluntary large payment this remittance hands on in full (linked through the ledger)."""
    organization = Organization.objects.get(pk=organization.pk)
    _require(actor, organization)
    amount = _amount(amount)
    if not isinstance(month, date):
        raise ValidationError({"month": _("请选择所属月份")})
    month = month_start(month)
    if not isinstance(remitted_on, date):
        raise ValidationError({"remitted_on": _("请填写上缴日期")})
    if remitted_on > timezone.localdate():
        raise ValidationError({"remitted_on": _("上缴日期不能晚于今天")})
    note = (note or "").strip()
    if len(note) > 200 or "\x00" in note:
        raise ValidationError({"note": _("备注不能超过200个字符")})
    closing.require_open(organization, month)
    parent = None if to_centre else Organization.objects.get_parent(organization)
    remittance = Remittance.objects.create(
        organization=organization, to_organization=parent, to_centre=parent is None, month=month, amount=amount,
        remitted_on=remitted_on, note=note, recorded_by=actor)
    ledger.post(actor=actor, organization_id=organization.pk, kind=TransactionKind.REMITTANCE, occurred_on=remitted_on,
                month=month, legs=_legs(remittance, amount), memo=_("党费上缴"), remittance=remittance, payment=payment)
    audit_record(actor=actor, action=Action.CREATE, obj=remittance, after=snapshot(remittance), request=request)
    return remittance


@transaction.atomic
def remittance_reverse(*, actor, remittance, reason, request=None) -> Remittance:
    """冲正: a remittance of the opposite amount for the same month and recipient, linked to the one it reverses.
    Once only; a reversal is never reversed."""
    original = Remittance.objects.select_for_update().select_related("organization").get(pk=remittance.pk)
    _require(actor, original.organization)
    reason = (reason or "").strip()
    if not reason or len(reason) > 190 or "\x00" in reason:
        raise ValidationError({"reason": _("请填写冲正原因（不超过190个字符）")})
    if original.reverses_id is not None or original.amount < 0:
        raise ValidationError(_("冲正记录不能再冲正"))
    if Remittance.objects.filter(reverses=original).exists():
        raise ValidationError(_("该上缴记录已冲正"))
    closing.require_open(original.organization, original.month)
    today = timezone.localdate()
    try:
        with transaction.atomic():
            reversal = Remittance.objects.create(
                organization=original.organization, to_organization=original.to_organization,
                to_centre=original.to_centre, month=original.month, amount=-original.amount, remitted_on=today,
                note=_("冲正：{reason}").format(reason=reason)[:200], reverses=original, recorded_by=actor)
    except IntegrityError:  # a concurrent reversal won (the one-to-one link)
        raise ValidationError(_("该上缴记录已冲正")) from None
    link = ledger_payment_of(original)
    ledger.post(actor=actor, organization_id=original.organization_id, kind=TransactionKind.REMITTANCE,
                occurred_on=today, month=original.month, legs=_legs(reversal, reversal.amount), memo=_("上缴冲正"),
                remittance=reversal, payment=link)
    audit_record(actor=actor, action=Action.CREATE, obj=reversal, after=snapshot(reversal), request=request,
                 note=_("冲正上缴记录 #{pk}").format(pk=original.pk))
    return reversal


def ledger_payment_of(remittance: Remittance) -> DuesPayment | None:
    """The voluntary payment a remittance handed on in full, if any (the ledger transaction links both)."""
    from .ledger_models import LedgerTransaction

    txn = (LedgerTransaction.objects.filter(remittance=remittance, payment__isnull=False)
           .select_related("payment").first())
    return txn.payment if txn else None


@transaction.atomic
def remit_in_full(*, actor, payment, remitted_on=None, request=None) -> Remittance:
    """待全额上缴 → 已上缴: a voluntary large payment goes to the Centre in one step, exactly its amount."""
    payment = DuesPayment.objects.select_for_update().select_related("organization", "member").get(pk=payment.pk)
    _require(actor, payment.organization)
    if not payment.remit_in_full or payment.voided_at is not None:
        raise ValidationError(_("该缴纳记录不需要全额上缴"))
    if DuesPayment.objects.filter(pk=payment.pk).filter(book_selectors.remitted_in_full_q()).exists():
        raise ValidationError(_("该笔党费已全额上缴"))
    return remittance_record(actor=actor, organization=payment.organization, month=payment.month,
                             amount=payment.amount, remitted_on=remitted_on or timezone.localdate(), to_centre=True,
                             note=_("自愿多交党费全额上缴：{member}").format(member=payment.member.name)[:200],
                             request=request, payment=payment)


@transaction.atomic
def month_close(*, actor, organization, month, request=None) -> MonthClose:
    """结账: the month becomes read-only for the organization and its subtree. Only a month that has ended, not
    already closed here or above, and only when every organization's books of the subtree balance for it."""
    organization = Organization.objects.get(pk=organization.pk)
    _require(actor, organization)
    if not isinstance(month, date):
        raise ValidationError({"month": _("请选择月份")})
    month = month_start(month)
    if month >= month_start(timezone.localdate()):
        raise ValidationError({"month": _("只能对已结束的月份结账")})
    closing.require_open(organization, month)
    # Lock the organization's row: two closes of one month queue; payments wait on their own locks, and a close
    # that commits first makes their require_open refuse.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    problems = book_selectors.subtree_problems(organization, month)
    if problems:
        lines = [f"{org.name if org else '?'}：{'；'.join(p)}" for org, p in problems[:5]]
        raise ValidationError(_("账目不平，不能结账：{lines}").format(lines="；".join(lines)))
    try:
        with transaction.atomic():
            close = MonthClose.objects.create(organization=organization, month=month, closed_by=actor)
    except IntegrityError:
        raise ValidationError(_("该月份已结账")) from None
    audit_record(actor=actor, action=Action.CREATE, obj=close, after=snapshot(close), request=request,
                 note=_("结账 {month}").format(month=f"{month:%Y-%m}"))
    return close
