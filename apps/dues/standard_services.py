"""Every write of dues standards and hardship decisions (少交或免交, rules.md §1). Each is atomic, audited in its
transaction and refreshes the member's standing when what they owe may change.

Who may write what:
- a standard: DUES_COLLECT on the member's organization (the branch keeps the standards);
- a hardship application: DUES_COLLECT on the member's organization, or the member themself (their own page);
- the branch's agreement: DUES_COLLECT on the member's organization;
- the approval (or the higher committee's refusal): DUES_APPROVE held strictly above the member's organization — the
  branch does not approve its own members' relief; a district administrator holding it at the root is above.
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.members.models import Member

from . import closing, hardship_states, standing
from .models import MONEY, DuesStandard, HardshipDecision, HardshipStatus
from .rules import BASED, CENT, DuesCategory, month_start, monthly_amount
from .scopes import DUES_APPROVE, DUES_COLLECT

# The column holds 14 digits; a monthly base far above any real pay, far below the column's limit.
BASE_MAX = Decimal("9999999.99")
EARLIEST = date(2000, 1, 1)  # no dues record of this system goes further back
AHEAD_DAYS = 366  # a standard or a relief may be recorded up to a year ahead, not for a distant future
NOTE_MAX = 200
REASON_MAX = 1000
assert MONEY["decimal_places"] == 2


# ---- who may ----

def may_collect(user, member) -> bool:
    return policy.can(user, DUES_COLLECT, member)


def approves_above(user, member) -> bool:
    """DUES_APPROVE held on an organization strictly above the member's (not on the member's branch itself)."""
    path = member.organization.path
    return any(path.startswith(p) and path != p for p in policy.scope_paths(user, DUES_APPROVE))


def may_apply(user, member) -> bool:
    return may_collect(user, member) or (getattr(user, "member_id", None) == member.pk
                                         and policy.is_member_self_service(user))


def may_step(user, decision, step) -> bool:
    """Whether `user` may take `step` on `decision` now (its status and who they are)."""
    if not hardship_states.allows(step, decision):
        return False
    member = decision.member
    if step == "agree":
        return may_collect(user, member)
    if step == "approve":
        return approves_above(user, member)
    # reject: the branch refuses a new application; once agreed, only the higher committee decides.
    if decision.status == HardshipStatus.APPLIED:
        return may_collect(user, member) or approves_above(user, member)
    return approves_above(user, member)


# ---- validation ----

def clean_money(value, field, label, *, high=BASE_MAX) -> Decimal:
    if value is None or value == "":
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    if isinstance(value, float):
        raise ValidationError({field: _("{label}须为精确的数字（不接受浮点数）").format(label=label)})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("{label}须为数字").format(label=label)}) from None
    if not number.is_finite() or number < 0 or number > high:
        raise ValidationError({field: _("{label}须在0至{high}元之间").format(label=label, high=high)})
    if number != number.quantize(CENT):
        raise ValidationError({field: _("{label}最多保留两位小数").format(label=label)})
    return number.quantize(CENT)


def _clean_day(value, field, label, *, earliest=EARLIEST) -> date:
    if not isinstance(value, date):
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    latest = timezone.localdate() + timedelta(days=AHEAD_DAYS)
    if value < earliest or value > latest:
        raise ValidationError({field: _("{label}须在{a}至{b}之间").format(label=label, a=earliest, b=latest)})
    return value


def _clean_text(value, field, label, limit, *, required=False) -> str:
    text = (value or "").strip()
    if "\x00" in text or len(text) > limit:
        raise ValidationError({field: _("{label}不能超过{n}个字符，且不能含有控制字符").format(label=label, n=limit)})
    if required and not text:
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    return text


def _require_current(member):
    if not member.is_current:
        raise ValidationError(_("该党员不是现有党员（已出党、死亡或转出），不能设置党费"))


def _locked_member(member) -> Member:
    # The member's row serializes writes about them: two clerks cannot both record a standard for one day.
    return Member.objects.select_for_update().select_related("organization").get(pk=member.pk)


# ---- standards ----

def compute(category, base) -> Decimal:
    """The monthly amount a standard would have (ValidationError for a category or base it cannot have)."""
    if category not in DuesCategory.values:
        raise ValidationError({"category": _("请选择缴纳类别")})
    if category in BASED:
        base = clean_money(base, "base", _("月缴纳基数"))
        return monthly_amount(category, base)
    if base not in (None, ""):
        raise ValidationError({"base": _("该缴纳类别按固定金额缴纳，不填写月缴纳基数")})
    return monthly_amount(category, None)


@transaction.atomic
def standard_set(*, actor, member, category, base, effective_from, note="", request=None) -> DuesStandard:
    """A new dated standard for the member (never an edit: a change of base is a new row)."""
    member = _locked_member(member)
    if not may_collect(actor, member):
        raise PermissionDenied(_("您没有为该党员核定党费标准的权限"))
    _require_current(member)
    amount = compute(category, base)
    base = clean_money(base, "base", _("月缴纳基数")) if category in BASED else None
    effective_from = _clean_day(effective_from, "effective_from", _("执行日期"),
                                earliest=max(EARLIEST, month_start(member.joined_on)))
    note = _clean_text(note, "note", _("说明"), NOTE_MAX)
    # A closed month's dues are settled: a standard may not change what was owed in it.
    closing.require_open(member.organization, effective_from)
    if DuesStandard.objects.filter(member=member, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": _("该党员在{day}已有党费标准，同一天只能有一个标准；如需调整，请选择其他执行日期")
                               .format(day=effective_from)})
    standard = DuesStandard.objects.create(member=member, category=category, base=base, effective_from=effective_from,
                                           monthly_amount=amount, note=note, recorded_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=standard, after=snapshot(standard), request=request)
    standing.refresh_standing(member)
    return standard


# ---- hardship decisions ----

def _standard_amount(member, month) -> Decimal | None:
    standards = list(DuesStandard.objects.filter(member=member))
    found = standing.standard_in_force(standards, month)
    if found is None and standards:
        # A relief starting before the first standard: measured against the earliest one.
        found = min(standards, key=lambda s: s.effective_from)
    return found.monthly_amount if found else None


@transaction.atomic
def hardship_apply(*, actor, member, first_month, last_month, monthly_amount, reason, request=None) -> HardshipDecision:
    member = _locked_member(member)
    if not may_apply(actor, member):
        raise PermissionDenied(_("您没有为该党员申请少交或免交党费的权限"))
    _require_current(member)
    first = month_start(_clean_day(first_month, "first_month", _("起始月份")))
    last = None
    if last_month is not None:
        last = month_start(_clean_day(last_month, "last_month", _("截止月份")))
        if last < first:
            raise ValidationError({"last_month": _("截止月份不能早于起始月份")})
    amount = clean_money(monthly_amount, "monthly_amount", _("减免后每月应缴"))
    reason = _clean_text(reason, "reason", _("困难情况"), REASON_MAX, required=True)
    closing.require_open(member.organization, first)
    standard = _standard_amount(member, first)
    if standard is None:
        raise ValidationError(_("该党员尚未核定党费标准，请先核定标准再申请少交或免交"))
    if amount >= standard:
        raise ValidationError({"monthly_amount": _("减免后每月应缴须低于标准金额{amount}元（免交填0）").format(amount=standard)})
    decision = HardshipDecision.objects.create(member=member, first_month=first, last_month=last, monthly_amount=amount,
                                               reason=reason, applied_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=decision, after=snapshot(decision), request=request)
    return decision


def _locked_decision(decision) -> HardshipDecision:
    return HardshipDecision.objects.select_for_update().select_related("member__organization").get(pk=decision.pk)


@transaction.atomic
def hardship_agree(*, actor, decision, request=None) -> HardshipDecision:
    decision = _locked_decision(decision)
    if not may_collect(actor, decision.member):
        raise PermissionDenied(_("只有党员所在支部可以同意该申请"))
    before = snapshot(decision)
    hardship_states.enter(decision, "agree")
    decision.agreed_by, decision.agreed_at = actor, timezone.now()
    decision.save(update_fields=["status", "agreed_by", "agreed_at"])
    audit_record(actor=actor, action=Action.DECIDE, obj=decision, before=before, after=snapshot(decision),
                 request=request, note=_("支部同意少交或免交党费"))
    return decision


def _decide(actor, decision, step, note, request):
    decision = _locked_decision(decision)
    hardship_states.check(decision, step)
    if not may_step(actor, decision, step):
        raise PermissionDenied(_("少交或免交党费须由党员所在支部的上级党委审批"))
    if step == "approve":
        # Three hands (rules.md §1: the member applies, the branch agrees, the higher committee approves): whoever
        # applied or agreed, and the member themself, never approve it.
        if getattr(actor, "member_id", None) == decision.member_id:
            raise PermissionDenied(_("不能审批本人的少交或免交党费申请"))
        if actor.pk in (decision.applied_by_id, decision.agreed_by_id):
            raise PermissionDenied(_("申请或同意该申请的人不能再审批，须由上级党委的其他人员审批"))
        # Approving changes what is owed from its first month: never in a month already closed.
        closing.require_open(decision.member.organization, decision.first_month)
    before = snapshot(decision)
    hardship_states.enter(decision, step)
    decision.decided_by, decision.decided_at = actor, timezone.now()
    decision.decision_note = _clean_text(note, "note", _("审批意见"), 500)
    decision.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, action=Action.DECIDE, obj=decision, before=before, after=snapshot(decision),
                 request=request)
    return decision


@transaction.atomic
def hardship_approve(*, actor, decision, note="", request=None) -> HardshipDecision:
    decision = _decide(actor, decision, "approve", note, request)
    standing.refresh_standing(decision.member)  # a waiver covers months: the arrears may change
    return decision


@transaction.atomic
def hardship_reject(*, actor, decision, note="", request=None) -> HardshipDecision:
    return _decide(actor, decision, "reject", note, request)
