"""Reads behind a member's dues page and the hardship list: a standard explained (category, base, bracket, rate,
amount), a member's standards, decisions and newest payments, and the decisions waiting for a user's step.

A member's own rows are read by member (the view has already decided the user may see this member's dues); the
waiting list is scoped by the policy in two parts: new applications where the user collects (the branch agrees) and
agreed ones strictly above where the user approves."""

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from apps.access import policy

from .models import DuesPayment, DuesStandard, HardshipDecision, HardshipStatus
from .rules import IN_SERVICE_BRACKETS, RETIRED_BRACKETS, DuesCategory, rate_for
from .scopes import DUES_APPROVE, DUES_COLLECT
from .standing import standard_in_force

PAYMENTS_SHOWN = 24


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def bracket_text(category, base) -> str:
    """The bracket a base falls in, as the 规定 writes it: "3000 < 基数 ≤ 5000"."""
    brackets = IN_SERVICE_BRACKETS if category == DuesCategory.IN_SERVICE else RETIRED_BRACKETS
    lower = None
    for upper, _rate in brackets:
        if upper is None or base <= upper:
            break
        lower = upper
    lo = f"{lower:f} < " if lower is not None else ""
    hi = f" ≤ {upper:f}" if upper is not None else ""
    return f"{lo}{_('基数')}{hi}"


def explain(category, base, amount) -> str:
    """e.g. "在职 · 税后月收入 4,200.00 元 · 3000 < 基数 ≤ 5000 · 1% · 每月 42.00 元"."""
    label = DuesCategory(category).label
    if base is None:
        return " · ".join([str(label), _("固定金额"), _("每月 {amount} 元").format(amount=_yuan(amount))])
    what = _("税后月收入") if category == DuesCategory.IN_SERVICE else _("离退休费")
    return " · ".join([str(label), _("{what} {base} 元").format(what=what, base=_yuan(base)),
                       bracket_text(category, base), _percent(rate_for(category, base)),
                       _("每月 {amount} 元").format(amount=_yuan(amount))])


def member_standards(member) -> list[DuesStandard]:
    standards = list(DuesStandard.objects.filter(member=member).select_related("recorded_by")
                     .order_by("-effective_from", "-pk"))
    for s in standards:
        s.explained = explain(s.category, s.base, s.monthly_amount)
    return standards


def in_force(standards, month):
    return standard_in_force(standards, month)


def member_decisions(member):
    return list(HardshipDecision.objects.filter(member=member).select_related("applied_by", "agreed_by", "decided_by")
                .order_by("-applied_at", "-pk"))


def member_payments(member, limit=PAYMENTS_SHOWN):
    """The member's newest payments (read-only here; recorded on the branch's sheet)."""
    return list(DuesPayment.objects.filter(member=member).select_related("organization")
                .order_by("-month", "-pk")[:limit])


def _strictly_below(paths, field="member__organization__path") -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p}) & ~Q(**{field: p})
    return q


def waiting_for(user):
    """Decisions in the user's scope waiting for their step: new ones where they collect (agree), agreed ones strictly
    above where they approve. One query; the page loads the members and organizations with it."""
    agree = Q(status=HardshipStatus.APPLIED) & policy.visible_q(HardshipDecision, user, DUES_COLLECT)
    approve = Q(status=HardshipStatus.AGREED) & _strictly_below(policy.scope_paths(user, DUES_APPROVE))
    return (HardshipDecision.objects.filter(agree | approve)
            .select_related("member__organization").order_by("applied_at", "pk"))
