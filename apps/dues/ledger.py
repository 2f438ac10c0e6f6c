"""The ledger's one write (`post`) and its reads (`balance`, `movements`). Callers are the dues and fund services,
inside their own transaction.

Invariants, on both databases:
- a transaction's legs sum to zero (checked here before anything is written; on PostgreSQL also by a deferred
  constraint trigger at commit, migration 0002);
- an account that holds money (`NEVER_NEGATIVE`) never goes below zero: its row is locked (FOR UPDATE) before its
  balance is read, so two concurrent spendings queue and the second sees the first;
- legs and transactions are never changed or deleted (the ORM refuses; PostgreSQL triggers refuse).
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.money import MoneySum

from .ledger_models import NEVER_NEGATIVE, LedgerAccount, LedgerLeg, LedgerTransaction
from .rules import money


class Unbalanced(ValueError):
    """Legs that do not sum to zero: a programming error, never a user's."""


def account(organization_id: int, kind: str, *, lock: bool = False) -> LedgerAccount:
    acc, _created = LedgerAccount.objects.get_or_create(organization_id=organization_id, kind=kind)
    if lock:
        acc = LedgerAccount.objects.select_for_update().get(pk=acc.pk)
    return acc


def balance(acc: LedgerAccount, *, through: date | None = None) -> Decimal:
    """The sum of the account's legs (through a month, when given)."""
    legs = LedgerLeg.objects.filter(account=acc)
    if through is not None:
        legs = legs.filter(month__lte=through)
    return legs.aggregate(s=MoneySum("amount"))["s"] or Decimal("0.00")


def post(*, actor, organization_id: int, kind: str, occurred_on: date, month: date,
         legs: Iterable[tuple[int, str, Decimal]], memo: str = "", **links) -> LedgerTransaction:
    """Write one balanced transaction. `legs`: (organization id, account kind, amount) with debits positive. Accounts
    that must never go negative are locked in key order and checked after the legs; a shortfall is a ValidationError
    naming the balance."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.post runs inside the caller's transaction")
    legs = [(org_id, acc_kind, money(amount)) for org_id, acc_kind, amount in legs]
    if len(legs) < 2 or any(amount == 0 for _o, _k, amount in legs):
        raise Unbalanced("a transaction has two or more non-zero legs")
    if sum((amount for _o, _k, amount in legs), Decimal("0")) != 0:
        raise Unbalanced("legs do not sum to zero")
    accounts = {}
    for org_id, acc_kind in sorted({(o, k) for o, k, _a in legs}):
        accounts[(org_id, acc_kind)] = account(org_id, acc_kind, lock=acc_kind in NEVER_NEGATIVE)
    txn = LedgerTransaction.objects.create(organization_id=organization_id, kind=kind, occurred_on=occurred_on,
                                           month=month, memo=memo[:200], created_by=actor, **links)
    LedgerLeg.objects.bulk_create(
        LedgerLeg(transaction=txn, account=accounts[(o, k)], amount=amount, month=month) for o, k, amount in legs)
    for (_org_id, acc_kind), acc in accounts.items():
        if acc_kind in NEVER_NEGATIVE:
            left = balance(acc)
            if left < 0:
                raise ValidationError(_("余额不足：{account}余额将为 {left} 元，不能为负").format(
                    account=acc.get_kind_display(), left=left))
    return txn
