"""Every write of the care fund (党内关怀基金): open a fund, enter an income or a spending (pending), approve it (a
second person: posts its ledger transaction), reject it, and reverse a posted entry (a reversing entry, itself pending
a second person's approval). Entries are never edited or deleted (the model refuses too).

Approval locks the fund's row first, so two approvals of one fund queue: the second reads the balance the first left,
and `ledger.post` refuses a spending that would take the fund below zero (its account row is locked as well).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.members.models import Member

from . import closing, fund_selectors, fund_states, ledger
from .fund_models import INCOME_KINDS, SPENDING_KINDS, CareFund, FundDirection, FundEntry
from .ledger_models import AccountKind, TransactionKind
from .rules import money, month_start
from .scopes import FUND_MANAGE

AMOUNT_MAX = Decimal("99999999.99")  # far above any real entry, within the column


def _require_manage(actor, organization):
    if not policy.in_paths(organization.path, policy.scope_paths(actor, FUND_MANAGE)):
        raise PermissionDenied(_("您没有管理该党组织关怀基金的权限"))


def _clean_text(value, field, label, max_length, *, required):
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    if len(text) > max_length or "\x00" in text:
        raise ValidationError({field: _("{label}不能超过{n}个字符").format(label=label, n=max_length)})
    return text


def clean_amount(value) -> Decimal:
    """A positive amount in yuan with at most two decimals; floats are refused (they cannot hold fen exactly)."""
    if isinstance(value, float):
        raise TypeError("money is Decimal, never float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"amount": _("金额须为数字")}) from None
    if not amount.is_finite() or amount <= 0 or amount > AMOUNT_MAX:
        raise ValidationError({"amount": _("金额须大于0且不超过{max}元").format(max=AMOUNT_MAX)})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("金额最多保留两位小数")})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def fund_open(*, actor, organization, name, opened_on, request=None) -> CareFund:
    _require_manage(actor, organization)
    name = _clean_text(name, "name", _("基金名称"), 100, required=True)
    if not isinstance(opened_on, date):
        raise ValidationError({"opened_on": _("请填写设立日期")})
    if CareFund.objects.filter(organization=organization).exists():
        raise ValidationError({"organization": _("{org}已设立关怀基金").format(org=organization.name)})
    fund = CareFund.objects.create(organization=organization, name=name, opened_on=opened_on, created_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=fund, after=snapshot(fund), request=request)
    return fund


def beneficiary_candidates(actor, fund):
    """Current members of the fund's subtree that the user may see: whom a spending may name."""
    return (policy.restrict(Member, actor).current()
            .filter(organization__path__startswith=fund.organization.path))


@transaction.atomic
def fund_entry_create(*, actor, fund, direction, kind, amount, occurred_on, beneficiary=None, source="", reason,
                      request=None) -> FundEntry:
    """A pending income or spending; a spending names a current member of the fund's subtree within the user's
    scope."""
    _require_manage(actor, fund.organization)
    if direction not in FundDirection.values:
        raise ValidationError({"direction": _("请选择收支")})
    kinds = INCOME_KINDS if direction == FundDirection.INCOME else SPENDING_KINDS
    if kind not in kinds:
        raise ValidationError({"kind": _("该类型不属于所选收支")})
    amount = clean_amount(amount)
    if not isinstance(occurred_on, date):
        raise ValidationError({"occurred_on": _("请填写发生日期")})
    if occurred_on < fund.opened_on or occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("发生日期须在基金设立之后、今天之前")})
    source = _clean_text(source, "source", _("来源或经办"), 100, required=False)
    reason = _clean_text(reason, "reason", _("事由"), 500, required=True)
    if direction == FundDirection.SPENDING:
        if beneficiary is None:
            raise ValidationError({"beneficiary": _("支出须选择受助党员")})
        if getattr(actor, "member_id", None) == beneficiary.pk:
            raise ValidationError({"beneficiary": _("不能为本人登记支出，须由其他人员录入")})
        if not beneficiary_candidates(actor, fund).filter(pk=beneficiary.pk).exists():
            raise ValidationError({"beneficiary": _("受助人须为本基金所属党组织的现有党员")})
    elif beneficiary is not None:
        raise ValidationError({"beneficiary": _("收入不登记受助党员")})
    closing.require_open(fund.organization, occurred_on)
    entry = FundEntry.objects.create(fund=fund, direction=direction, kind=kind, amount=amount, occurred_on=occurred_on,
                                     beneficiary=beneficiary, source=source, reason=reason, entered_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=entry, after=snapshot(entry), request=request)
    return entry


def _legs(entry):
    """The ledger legs of an entry (debit positive); a reversal's are its original's, the other way."""
    org, a = entry.fund.organization_id, entry.amount
    if entry.direction == FundDirection.INCOME:
        legs = [(org, AccountKind.FUND_CASH, a), (org, AccountKind.FUND_INCOME, -a)]
    else:
        legs = [(org, AccountKind.FUND_SPENDING, a), (org, AccountKind.FUND_CASH, -a)]
    if entry.reverses_id is not None:
        legs = [(o, k, -x) for o, k, x in legs]
    return legs


def _require_cover(entry):
    """A spending (or an income's reversal) must be covered by the balance: read under the fund's row lock, which every
    posting to the fund takes, so it cannot change before the post (ledger.post checks once more after its legs)."""
    out = sum((amount for _org, kind, amount in _legs(entry) if kind == AccountKind.FUND_CASH), Decimal(0))
    if out < 0:
        left = money(fund_selectors.balance(entry.fund))
        if left + out < 0:
            raise ValidationError(_("余额不足：基金余额为 {left} 元，不足以{what} {amount} 元").format(
                left=left, what=_("冲正") if entry.reverses_id else _("支出"), amount=money(-out)))


def _locked(entry):
    """The fund's row, then the entry's (the order every step takes: no deadlock between two steps)."""
    CareFund.objects.select_for_update().get(pk=entry.fund_id)
    return FundEntry.objects.select_for_update(of=("self",)).select_related("fund__organization").get(pk=entry.pk)


def _decide(actor, entry, step, note):
    entry = _locked(entry)
    _require_manage(actor, entry.fund.organization)
    fund_states.check(entry, step)
    if entry.entered_by_id == actor.pk:
        raise ValidationError(_("审批须由录入人以外的第二人进行：您录入了这笔收支，不能自己审批"))
    if entry.beneficiary_id is not None and getattr(actor, "member_id", None) == entry.beneficiary_id:
        raise ValidationError(_("受助党员本人不能审批给自己的支出"))
    note = _clean_text(note, "note", _("审批意见"), 500, required=False)
    return entry, note


@transaction.atomic
def fund_entry_approve(*, actor, entry, note="", request=None) -> FundEntry:
    """A second person approves: the entry's ledger transaction is posted (refused when it would take the fund below
    zero, with the balance in the message)."""
    entry, note = _decide(actor, entry, "approve", note)
    before = snapshot(entry)
    closing.require_open(entry.fund.organization, entry.occurred_on)
    _require_cover(entry)
    kind = (TransactionKind.FUND_REVERSAL if entry.reverses_id else
            TransactionKind.FUND_INCOME if entry.direction == FundDirection.INCOME else TransactionKind.FUND_SPENDING)
    ledger.post(actor=actor, organization_id=entry.fund.organization_id, kind=kind, occurred_on=entry.occurred_on,
                month=month_start(entry.occurred_on), legs=_legs(entry), memo=entry.get_kind_display(), fund_entry=entry)
    _enter(entry, "approve", actor, note)
    audit_record(actor=actor, action=Action.DECIDE, obj=entry, before=before, after=snapshot(entry), request=request,
                 note=_("批准入账"))
    return entry


@transaction.atomic
def fund_entry_reject(*, actor, entry, note="", request=None) -> FundEntry:
    entry, note = _decide(actor, entry, "reject", note)
    before = snapshot(entry)
    _enter(entry, "reject", actor, note)
    audit_record(actor=actor, action=Action.DECIDE, obj=entry, before=before, after=snapshot(entry), request=request,
                 note=_("不批准"))
    return entry


def _enter(entry, step, actor, note):
    fund_states.enter(entry, step)
    entry.decided_by, entry.decided_at, entry.decision_note = actor, timezone.now(), note
    entry.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def fund_entry_reverse(*, actor, entry, reason, request=None) -> FundEntry:
    """A posted entry is corrected by a reversing entry dated today (pending a second person's approval), once."""
    entry = _locked(entry)
    _require_manage(actor, entry.fund.organization)
    fund_states.check(entry, "reverse")
    if entry.reverses_id is not None:
        raise ValidationError(_("冲正记录不能再冲正"))
    if FundEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("这笔收支已有冲正记录，每笔只能冲正一次"))
    reason = _clean_text(reason, "reason", _("冲正原因"), 500, required=True)
    today = timezone.localdate()
    closing.require_open(entry.fund.organization, today)
    reversal = FundEntry.objects.create(fund=entry.fund, direction=entry.direction, kind=entry.kind, amount=entry.amount,
                                        occurred_on=today, beneficiary=entry.beneficiary, source=entry.source,
                                        reason=reason, reverses=entry, entered_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=reversal, after=snapshot(reversal), request=request,
                 note=_("冲正"))
    return reversal
