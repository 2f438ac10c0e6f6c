"""The books' reads: reconciliation of an organization's month (and of its children, rolled up), the monthly
collection summary, closed months and voluntary large payments waiting to go to the Centre.

Every figure is one grouped query over a subtree, whatever its number of organizations or members: a child's row
is keyed by its path (the first `len(org.path) + steplen` characters of a descendant's path), so a township's
villages and a district's townships cost the same few statements (design for 2 million members).

Reconciliation of an organization and month (rules.md §1, the base's ledger conventions):
- collected: its payments of the month that are not voided (source: DuesPayment);
- received: remittances of the month to it from below (source: Remittance, reversals negative);
- remitted: its remittances of the month (source: Remittance);
- held: the month's movement of its DUES_CASH account (the ledger's legs).
collected + received = remitted + held holds exactly when the ledger agrees with the source records: the ledger's
DUES_COLLECTED, DUES_RECEIVED and DUES_REMITTED legs of the month are compared with them, and every difference is
named. Summed over a subtree the identity still holds (it is linear), so a child's rolled-up row checks the same way.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _

from apps.core.money import MoneySum
from apps.members.models import CURRENT_STATUSES, Member
from apps.orgs.models import Organization

from .ledger_models import AccountKind, LedgerLeg, LedgerTransaction, TransactionKind
from .models import (
    DuesPayment,
    DuesStandard,
    HardshipDecision,
    HardshipStatus,
    PaymentKind,
    Remittance,
)
from .rules import add_months, money, month_start
from .standing import start_month

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


# ---- reconciliation ----

@dataclass
class Books:
    """One organization's (or one subtree's) figures for a month."""

    organization: Organization | None = None
    collected: Decimal = ZERO
    received: Decimal = ZERO
    remitted: Decimal = ZERO
    held: Decimal = ZERO
    ledger_collected: Decimal = ZERO
    ledger_received: Decimal = ZERO
    ledger_remitted: Decimal = ZERO

    @property
    def left(self) -> Decimal:
        return self.collected + self.received

    @property
    def right(self) -> Decimal:
        return self.remitted + self.held

    @property
    def differences(self) -> list[str]:
        """What differs between the ledger and the source records, in words (empty: they agree)."""
        out = []
        for label, source, ledger in ((_("收缴"), self.collected, self.ledger_collected),
                                      (_("下级上缴"), self.received, self.ledger_received),
                                      (_("上缴上级"), self.remitted, self.ledger_remitted)):
            if source != ledger:
                out.append(_("{label}：记录 {source} 元，账目 {ledger} 元").format(label=label, source=source, ledger=ledger))
        if self.left != self.right:
            out.append(_("收缴 + 下级上缴（{left} 元）≠ 上缴上级 + 留存（{right} 元）").format(left=self.left, right=self.right))
        return out

    @property
    def balanced(self) -> bool:
        return not self.differences


def _q(value) -> Decimal:
    """A sum as yuan with two decimals. SQLite's SUM of decimals comes back as 9, or as a float from a raw cursor:
    read through its shortest repr and rounded to the fen, as Django's own SQLite converter does."""
    if value is None:
        return ZERO
    return money(Decimal(repr(value)) if isinstance(value, float) else value)


def _prefix(org: Organization, field_name: str):
    """The child's path a descendant's path falls under (the organization's own path for its own rows)."""
    return Substr(field_name, 1, len(org.path) + Organization.steplen)


def _subtree(field_name: str, org: Organization) -> Q:
    return Q(**{f"{field_name}__startswith": org.path})


def _grouped(org: Organization, month: date) -> dict[str, Books]:
    """Every figure of the month per child path of `org` (its own rows under its own path): four grouped queries."""
    month = month_start(month)
    rows: dict[str, Books] = defaultdict(Books)
    payments = (DuesPayment.objects.filter(_subtree("organization__path", org), month=month, voided_at__isnull=True)
                .annotate(p=_prefix(org, "organization__path")).values("p").annotate(s=MoneySum("amount")).order_by())
    for row in payments:
        rows[row["p"]].collected = _q(row["s"])
    received = (Remittance.objects.filter(_subtree("to_organization__path", org), month=month)
                .annotate(p=_prefix(org, "to_organization__path")).values("p").annotate(s=MoneySum("amount")).order_by())
    for row in received:
        rows[row["p"]].received = _q(row["s"])
    remitted = (Remittance.objects.filter(_subtree("organization__path", org), month=month)
                .annotate(p=_prefix(org, "organization__path")).values("p").annotate(s=MoneySum("amount")).order_by())
    for row in remitted:
        rows[row["p"]].remitted = _q(row["s"])
    legs = (LedgerLeg.objects.filter(_subtree("account__organization__path", org), month=month,
                                     account__kind__in=(AccountKind.DUES_CASH, AccountKind.DUES_COLLECTED,
                                                        AccountKind.DUES_RECEIVED, AccountKind.DUES_REMITTED))
            .annotate(p=_prefix(org, "account__organization__path")).values("p", "account__kind")
            .annotate(s=MoneySum("amount")).order_by())
    for row in legs:
        books, kind, amount = rows[row["p"]], row["account__kind"], _q(row["s"])
        if kind == AccountKind.DUES_CASH:
            books.held = amount
        elif kind == AccountKind.DUES_COLLECTED:
            books.ledger_collected = -amount  # credits are negative
        elif kind == AccountKind.DUES_RECEIVED:
            books.ledger_received = -amount
        else:
            books.ledger_remitted = amount
    return rows


def _own(org: Organization, month: date) -> Books:
    """The organization's own figures (not its subtree's): the same queries narrowed to its own rows."""
    month = month_start(month)
    books = Books(organization=org)
    s = MoneySum("amount")
    books.collected = _q(DuesPayment.objects.filter(organization=org, month=month, voided_at__isnull=True).aggregate(s=s)["s"])
    books.received = _q(Remittance.objects.filter(to_organization=org, month=month).aggregate(s=s)["s"])
    books.remitted = _q(Remittance.objects.filter(organization=org, month=month).aggregate(s=s)["s"])
    for row in (LedgerLeg.objects.filter(account__organization=org, month=month).values("account__kind")
                .annotate(s=MoneySum("amount")).order_by()):
        kind, amount = row["account__kind"], _q(row["s"])
        if kind == AccountKind.DUES_CASH:
            books.held = amount
        elif kind == AccountKind.DUES_COLLECTED:
            books.ledger_collected = -amount
        elif kind == AccountKind.DUES_RECEIVED:
            books.ledger_received = -amount
        elif kind == AccountKind.DUES_REMITTED:
            books.ledger_remitted = amount
    return books


def reconcile(org: Organization, month: date) -> Books:
    """The organization's own books for the month (its own payments, what it received and remitted, its own cash)."""
    return _own(org, month)


def reconcile_children(org: Organization, month: date) -> list[Books]:
    """Each child's subtree rolled up (and the organization's own row first): constant queries."""
    rows = _grouped(org, month)
    own = rows.get(org.path, Books())
    own.organization = org
    out = [own]
    for child in Organization.objects.get_children(org):
        books = rows.get(child.path, Books())
        books.organization = child
        out.append(books)
    return out


def subtree_problems(org: Organization, month: date) -> list[tuple[Organization | None, list[str]]]:
    """The organizations of the subtree whose own books for the month do not balance (the close refuses then). One
    query per figure grouped by organization, not by child."""
    month = month_start(month)
    by_org: dict[int, Books] = defaultdict(Books)
    for row in (DuesPayment.objects.filter(_subtree("organization__path", org), month=month, voided_at__isnull=True)
                .values("organization_id").annotate(s=MoneySum("amount")).order_by()):
        by_org[row["organization_id"]].collected = _q(row["s"])
    for row in (Remittance.objects.filter(_subtree("to_organization__path", org), month=month)
                .values("to_organization_id").annotate(s=MoneySum("amount")).order_by()):
        by_org[row["to_organization_id"]].received = _q(row["s"])
    for row in (Remittance.objects.filter(_subtree("organization__path", org), month=month)
                .values("organization_id").annotate(s=MoneySum("amount")).order_by()):
        by_org[row["organization_id"]].remitted = _q(row["s"])
    for row in (LedgerLeg.objects.filter(_subtree("account__organization__path", org), month=month)
                .values("account__organization_id", "account__kind").annotate(s=MoneySum("amount")).order_by()):
        books, kind, amount = by_org[row["account__organization_id"]], row["account__kind"], _q(row["s"])
        if kind == AccountKind.DUES_CASH:
            books.held = amount
        elif kind == AccountKind.DUES_COLLECTED:
            books.ledger_collected = -amount
        elif kind == AccountKind.DUES_RECEIVED:
            books.ledger_received = -amount
        elif kind == AccountKind.DUES_REMITTED:
            books.ledger_remitted = amount
    bad = {pk: books.differences for pk, books in by_org.items() if not books.balanced}
    if not bad:
        return []
    names = Organization.objects.in_bulk(list(bad))
    return [(names.get(pk), problems) for pk, problems in sorted(bad.items())]


# ---- remittances, voluntary large payments, closed months ----

def remittances_of(org: Organization, month: date):
    """The month's remittances sent or received by the organization, newest first."""
    return (Remittance.objects.filter(Q(organization=org) | Q(to_organization=org), month=month_start(month))
            .select_related("organization", "to_organization", "recorded_by", "reverses")
            .annotate(has_reversal=Exists(Remittance.objects.filter(reverses=OuterRef("pk"))))
            .order_by("-recorded_at", "-pk"))


def reversal_of(remittance: Remittance) -> Remittance | None:
    return Remittance.objects.filter(reverses=remittance).first()


def remitted_in_full_q() -> Q:
    """Payments already handed to the Centre in full: a remittance transaction links the payment, and that
    remittance has not been reversed."""
    done = LedgerTransaction.objects.filter(kind=TransactionKind.REMITTANCE, payment=OuterRef("pk"),
                                            remittance__amount__gt=0, remittance__reversed_by__isnull=True)
    return Q(Exists(done))


def awaiting_full_remittance(queryset):
    """待全额上缴: voluntary payments marked to go to the Centre in full, not voided, not yet remitted."""
    return (queryset.filter(remit_in_full=True, voided_at__isnull=True).exclude(remitted_in_full_q())
            .select_related("member", "organization").order_by("paid_on", "pk"))


def closed_months(queryset):
    return queryset.select_related("organization", "closed_by").order_by("-month", "organization__path")


# ---- what is owed, in SQL ----

def due_expression(month: date):
    """What a member (the outer row) owes for `month`, as SQL equal to `standing.amounts_due`: the latest approved
    hardship decision covering the month (by decision time, then id), else the latest standard dated on or before the
    month's first day, else the earliest dated within the month, else NULL (未核定)."""
    month = month_start(month)
    next_month = add_months(month, 1)
    decision = (HardshipDecision.objects.filter(member=OuterRef("pk"), status=HardshipStatus.APPROVED,
                                                first_month__lte=month)
                .filter(Q(last_month__isnull=True) | Q(last_month__gte=month))
                .order_by("-decided_at", "-pk").values("monthly_amount")[:1])
    before = (DuesStandard.objects.filter(member=OuterRef("pk"), effective_from__lte=month)
              .order_by("-effective_from").values("monthly_amount")[:1])
    within = (DuesStandard.objects.filter(member=OuterRef("pk"), effective_from__gt=month, effective_from__lt=next_month)
              .order_by("effective_from").values("monthly_amount")[:1])
    return Coalesce(Subquery(decision, output_field=MONEY_FIELD), Subquery(before, output_field=MONEY_FIELD),
                    Subquery(within, output_field=MONEY_FIELD), output_field=MONEY_FIELD)


def owing_members(month: date):
    """Current members who owe for `month` (they joined by its end; the platform keeps the month)."""
    month = month_start(month)
    members = Member.objects.filter(status__in=CURRENT_STATUSES, joined_on__lt=add_months(month, 1))
    return members if month >= start_month() else members.none()


def amounts_due_sql(member_ids, month: date) -> dict[int, Decimal | None]:
    """`standing.amounts_due` computed in one statement (tests hold them equal)."""
    rows = Member.objects.filter(pk__in=list(member_ids)).annotate(due=due_expression(month)).values_list("pk", "due")
    return {pk: (Decimal(due).quantize(Decimal("0.01")) if due is not None else None) for pk, due in rows}


# ---- the monthly collection summary ----

@dataclass
class SummaryRow:
    organization: Organization | None = None
    current: int = 0
    owing: int = 0
    unassessed: int = 0
    due: Decimal = ZERO
    collected: Decimal = ZERO
    paid: int = 0
    remitted: Decimal = ZERO
    held: Decimal = ZERO
    children: list = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        """收缴率: members paid per member owing, in percent (None when nobody owes)."""
        if not self.owing:
            return None
        return (Decimal(self.paid) * 100 / self.owing).quantize(Decimal("0.1"))

    def add(self, other: "SummaryRow"):
        for name in ("current", "owing", "unassessed", "due", "collected", "paid", "remitted", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def monthly_summary(org: Organization, month: date) -> tuple[list[SummaryRow], SummaryRow]:
    """Per child of `org` (its subtree rolled up; the organization's own members and payments in a row of its own
    when it has any): current members, members owing (a standard not 0, or none yet: 未核定 counted as owing), amount
    due, collected, members paid (a regular payment not voided), collection rate, remitted out of the child's subtree
    (to `org`, or to the Centre from anywhere in it: a remittance inside the subtree moves money, not out of it), and
    held (the subtree's DUES_CASH movement). Five grouped queries and the children, whatever their number."""
    month = month_start(month)
    rows: dict[str, SummaryRow] = defaultdict(SummaryRow)
    # What each owing member owes, in one statement: the members of the subtree (with their child's key), the standard
    # in force and the covering approved decision picked by a window over those members' rows — two passes over
    # their standards and decisions instead of three index probes per member (a district: 63,000 members). The same
    # rule as `standing.amounts_due` and `due_expression` (tests hold them equal).
    owed = (owing_members(month).filter(_subtree("organization__path", org))
            .values(mid=F("pk"), p=_prefix(org, "organization__path")).order_by())
    try:
        owed_sql, owed_params = owed.query.sql_with_params()
    except EmptyResultSet:  # a month before the platform's first: nobody owes
        owed_sql, owed_params = "SELECT CAST(NULL AS BIGINT) AS mid, CAST(NULL AS TEXT) AS p WHERE 1 = 0", ()
    first, after = (connection.ops.adapt_datefield_value(d) for d in (month, add_months(month, 1)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH owed AS ({owed_sql}), "
            "std AS (SELECT s.member_id, s.monthly_amount, ROW_NUMBER() OVER (PARTITION BY s.member_id ORDER BY "
            "  CASE WHEN s.effective_from <= %s THEN 0 ELSE 1 END, "
            "  CASE WHEN s.effective_from <= %s THEN s.effective_from END DESC, s.effective_from) AS rn "
            "  FROM dues_duesstandard s JOIN owed ON owed.mid = s.member_id WHERE s.effective_from < %s), "
            "dec AS (SELECT d.member_id, d.monthly_amount, ROW_NUMBER() OVER (PARTITION BY d.member_id "
            "  ORDER BY d.decided_at DESC, d.id DESC) AS rn "
            "  FROM dues_hardshipdecision d JOIN owed ON owed.mid = d.member_id "
            "  WHERE d.status = %s AND d.first_month <= %s AND (d.last_month IS NULL OR d.last_month >= %s)) "
            "SELECT p, SUM(CASE WHEN due IS NULL OR due > 0 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN due IS NULL THEN 1 ELSE 0 END), SUM(due) "
            "FROM (SELECT owed.p AS p, COALESCE(dec.monthly_amount, std.monthly_amount) AS due FROM owed "
            "  LEFT JOIN std ON std.member_id = owed.mid AND std.rn = 1 "
            "  LEFT JOIN dec ON dec.member_id = owed.mid AND dec.rn = 1) AS owing GROUP BY p",
            (*owed_params, first, first, after, HardshipStatus.APPROVED.value, first, first))
        for p, owing, unassessed, total_due in cursor.fetchall():
            r = rows[p]
            r.owing, r.unassessed, r.due = int(owing or 0), int(unassessed or 0), _q(total_due)
    # Current members whatever month: the same filter without the joining date, from the same table.
    for row in (Member.objects.filter(_subtree("organization__path", org), status__in=CURRENT_STATUSES)
                .annotate(p=_prefix(org, "organization__path")).values("p").annotate(n=Count("pk")).order_by()):
        rows[row["p"]].current = row["n"]
    payments = (DuesPayment.objects.filter(_subtree("organization__path", org), month=month, voided_at__isnull=True)
                .annotate(p=_prefix(org, "organization__path")).values("p")
                .annotate(s=MoneySum("amount"), paid=Count("member", filter=Q(kind=PaymentKind.REGULAR), distinct=True))
                .order_by())
    for row in payments:
        rows[row["p"]].collected, rows[row["p"]].paid = _q(row["s"]), row["paid"]
    # Out of a child's subtree: to `org` or to the Centre; out of `org`'s whole subtree (the total): its own
    # remittances or to the Centre.
    out_of_whole = Q(to_centre=True) | Q(organization=org)
    whole_remitted = ZERO
    for row in (Remittance.objects.filter(_subtree("organization__path", org), month=month)
                .filter(out_of_whole | Q(to_organization=org))
                .annotate(p=_prefix(org, "organization__path")).values("p")
                .annotate(s=MoneySum("amount"), whole=MoneySum("amount", filter=out_of_whole)).order_by()):
        rows[row["p"]].remitted = _q(row["s"])
        whole_remitted += _q(row["whole"])
    for row in (LedgerLeg.objects.filter(_subtree("account__organization__path", org), month=month,
                                         account__kind=AccountKind.DUES_CASH)
                .annotate(p=_prefix(org, "account__organization__path")).values("p").annotate(s=MoneySum("amount"))
                .order_by()):
        rows[row["p"]].held = _q(row["s"])
    out = []
    own = rows.get(org.path)
    if own is not None:
        own.organization = org
        out.append(own)
    for child in Organization.objects.get_children(org):
        row = rows.get(child.path) or SummaryRow()
        row.organization = child
        out.append(row)
    total = SummaryRow()
    for row in rows.values():
        total.add(row)
    total.organization, total.remitted = org, whole_remitted
    return out, total

