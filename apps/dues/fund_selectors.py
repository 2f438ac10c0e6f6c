"""Reads of the care fund for its pages, export and public summary, each a fixed number of queries.

Amounts count posted entries only; a posted reversal counts against its original's direction and kind (signed), so
totals are posted income − posted spending ± reversals, which is the fund account's balance.

Public summary (no names): spending cells with fewer than FUND_PUBLIC_MIN_BENEFICIARIES distinct beneficiaries are
merged (see `public_summary`). Entries whose reversal is posted count for nothing there (their sum is zero), so a
reversal never stands alone as a cell of one person.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractQuarter
from django.utils.translation import gettext_lazy as _

from apps.core.money import MoneySum

from .fund_models import SPENDING_KINDS, CareFund, FundDirection, FundEntry, FundEntryKind, FundEntryStatus
from .ledger_models import AccountKind, LedgerLeg

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
SIGNED = Case(When(reverses__isnull=True, then=F("amount")), default=-F("amount"), output_field=MONEY_FIELD)
PERIODS = {"month": _("按月"), "quarter": _("按季度"), "year": _("按年")}
OTHER_SPENDING = _("其他支出（合并）")
YEAR_OTHER_SPENDING = _("其他支出（全年合并）")


def with_balance(funds):
    """Funds annotated with `balance`: their cash account's legs (one query for the list)."""
    legs = (LedgerLeg.objects.filter(account__organization_id=OuterRef("organization_id"),
                                     account__kind=AccountKind.FUND_CASH)
            .order_by().values("account__organization_id").annotate(s=MoneySum("amount")).values("s"))
    return funds.annotate(balance=Coalesce(Subquery(legs, output_field=MONEY_FIELD), Value(ZERO),
                                           output_field=MONEY_FIELD))


def balance(fund) -> Decimal:
    return (LedgerLeg.objects.filter(account__organization_id=fund.organization_id, account__kind=AccountKind.FUND_CASH)
            .aggregate(s=MoneySum("amount"))["s"] or ZERO)


def year_totals(fund, year: int) -> dict:
    """{"income": …, "spending": …} posted this year (reversals signed), one query."""
    rows = (FundEntry.objects.filter(fund=fund, status=FundEntryStatus.POSTED, occurred_on__year=year)
            .order_by().values("direction").annotate(total=MoneySum(SIGNED)))
    out = {FundDirection.INCOME.value: ZERO, FundDirection.SPENDING.value: ZERO}
    out.update({r["direction"]: r["total"] or ZERO for r in rows})
    return out


@dataclass
class EntryFilter:
    start: date | None = None
    end: date | None = None
    direction: str = ""
    kind: str = ""
    status: str = ""


def entries_for_page():
    """Entries with what an entry's page shows (for policy.get)."""
    return FundEntry.objects.select_related("fund__organization", "beneficiary", "entered_by", "decided_by", "reverses")


def filter_entries(qs, f: EntryFilter):
    if f.start:
        qs = qs.filter(occurred_on__gte=f.start)
    if f.end:
        qs = qs.filter(occurred_on__lte=f.end)
    if f.direction:
        qs = qs.filter(direction=f.direction)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.select_related("beneficiary", "entered_by", "decided_by").order_by("-occurred_on", "-id")


def report_rows(entries, period: str, year: int) -> list[dict]:
    """Totals of posted entries by period and kind for a year (one grouped query): [{period, direction, kind, total,
    count}], periods numbered (month 1–12, quarter 1–4, the year itself)."""
    qs = entries.filter(status=FundEntryStatus.POSTED, occurred_on__year=year).order_by()
    if period == "month":
        qs = qs.annotate(p=ExtractMonth("occurred_on"))
    elif period == "quarter":
        qs = qs.annotate(p=ExtractQuarter("occurred_on"))
    else:
        qs = qs.annotate(p=Value(year))
    rows = qs.values("p", "direction", "kind").annotate(total=MoneySum(SIGNED)).order_by("p", "direction", "kind")
    labels, directions = dict(FundEntryKind.choices), dict(FundDirection.choices)
    return [{"period": r["p"], "direction": r["direction"], "direction_label": directions.get(r["direction"], ""),
             "kind": r["kind"], "kind_label": labels.get(r["kind"], ""),
             "total": r["total"] or ZERO} for r in rows]


def period_label(period: str, year: int, number: int) -> str:
    if period == "month":
        return f"{year}年{number}月"
    if period == "quarter":
        return f"{year}年第{number}季度"
    return f"{year}年"


def beneficiaries(entries):
    """Posted spending (not reversals) with its member, newest first: the members helped."""
    return (entries.filter(direction=FundDirection.SPENDING, status=FundEntryStatus.POSTED, reverses__isnull=True)
            .annotate(is_reversed=Exists(FundEntry.objects.filter(reverses=OuterRef("pk"), status=FundEntryStatus.POSTED)))
            .select_related("beneficiary__organization").order_by("-occurred_on", "-id"))


# ---- the public summary ----

@dataclass
class Cell:
    label: str
    amount: Decimal = ZERO
    members: set = field(default_factory=set)  # never rendered: what the merging rule counts

    def add(self, other):
        self.amount += other.amount
        self.members |= other.members


@dataclass
class Quarter:
    number: int
    income: list = field(default_factory=list)
    spending: list = field(default_factory=list)

    @property
    def income_total(self):
        return sum((c.amount for c in self.income), ZERO)

    @property
    def spending_total(self):
        return sum((c.amount for c in self.spending), ZERO)


@dataclass
class Summary:
    year: int
    quarters: list
    year_other: Cell | None = None  # spending merged over the year
    withheld: bool = False  # the year's spending reaches fewer than the minimum: no spending figure shown
    partly_withheld: bool = False  # all funds: some fund's spending withheld (not in the figures)

    @property
    def income_total(self):
        return sum((q.income_total for q in self.quarters), ZERO)

    @property
    def spending_total(self):
        return sum((q.spending_total for q in self.quarters), self.year_other.amount if self.year_other else ZERO)

    def shown_spending_cells(self):
        cells = [c for q in self.quarters for c in q.spending]
        return cells + ([self.year_other] if self.year_other else [])


def public_funds():
    return CareFund.objects.select_related("organization").order_by("organization__path")


def public_summary(year: int, fund=None) -> Summary:
    """A year's posted totals by quarter and kind, of one fund or all.

    The merging rule (stated on the page): a spending cell (quarter × kind) with fewer than N distinct beneficiaries
    is merged into the quarter's 其他支出（合并）; if that cell still has fewer than N it moves to 其他支出（全年合并）;
    if the year's merged cell still has fewer than N, the smallest shown cells join it until it has N; if the whole
    year's spending has fewer than N, no spending figure is shown. Every total shown is the sum of shown cells, so no
    difference of shown figures isolates fewer than N people."""
    qs = FundEntry.objects.filter(status=FundEntryStatus.POSTED, reverses__isnull=True, occurred_on__year=year)
    qs = qs.exclude(Q(reversed_by__isnull=False) & Q(reversed_by__status=FundEntryStatus.POSTED))
    if fund is not None:
        qs = qs.filter(fund=fund)
    rows = (qs.order_by().annotate(q=ExtractQuarter("occurred_on"))
            .values("fund_id", "q", "direction", "kind", "beneficiary_id").annotate(total=MoneySum("amount")))
    by_fund = defaultdict(list)
    for r in rows:
        by_fund[r["fund_id"]].append(r)
    minimum = settings.FUND_PUBLIC_MIN_BENEFICIARIES
    summaries = [merge(year, fund_rows, minimum) for _pk, fund_rows in sorted(by_fund.items())]
    if fund is not None:
        return summaries[0] if summaries else Summary(year, [Quarter(n) for n in range(1, 5)])
    return combine(year, summaries)


def combine(year, summaries) -> Summary:
    """Every fund's merged summary added up cell by cell (quarter and label): each figure of the all-funds view is a
    sum of figures the funds' own views show, so comparing the two views isolates no fewer than N people either. A
    fund whose year's spending is withheld adds none of its spending (`partly_withheld` says so)."""
    quarters = [Quarter(n) for n in range(1, 5)]
    out = Summary(year, quarters)
    for summary in summaries:
        out.partly_withheld |= summary.withheld
        for mine, theirs in zip(quarters, summary.quarters, strict=True):
            for attr in ("income", "spending"):
                cells = {c.label: c for c in getattr(mine, attr)}
                for cell in getattr(theirs, attr):
                    if cell.label in cells:
                        cells[cell.label].add(cell)
                    else:
                        copy = Cell(cell.label, cell.amount, set(cell.members))
                        cells[cell.label] = copy
                        getattr(mine, attr).append(copy)
        if summary.year_other:
            if out.year_other is None:
                out.year_other = Cell(summary.year_other.label)
            out.year_other.add(summary.year_other)
    return out


def merge(year, rows, minimum) -> Summary:
    """The merging rule over rows {q, direction, kind, beneficiary_id, total} (pure: tested on its own)."""
    labels = dict(FundEntryKind.choices)
    income = defaultdict(dict)
    spending = defaultdict(dict)
    for r in rows:
        target = income if r["direction"] == FundDirection.INCOME else spending
        cell = target[r["q"]].setdefault(r["kind"], Cell(str(labels.get(r["kind"], r["kind"]))))
        cell.amount += r["total"] or ZERO
        if r["beneficiary_id"] is not None:
            cell.members.add(r["beneficiary_id"])
    quarters, pool = [], Cell(str(YEAR_OTHER_SPENDING))
    order = {k: i for i, k in enumerate(SPENDING_KINDS)}
    for number in range(1, 5):
        quarter = Quarter(number, income=[income[number][k] for k in sorted(income[number])])
        other = Cell(str(OTHER_SPENDING))
        for kind in sorted(spending[number], key=lambda k: order.get(k, 99)):
            cell = spending[number][kind]
            if len(cell.members) >= minimum:
                quarter.spending.append(cell)
            else:
                other.add(cell)
        if other.members:
            if len(other.members) >= minimum:
                quarter.spending.append(other)
            else:
                pool.add(other)
        quarters.append(quarter)
    summary = Summary(year, quarters)
    if pool.members:
        # Fold the smallest shown cells into the year's merged cell until it reaches the minimum.
        while len(pool.members) < minimum:
            shown = [(len(c.members), c.amount, qi, c) for qi, q in enumerate(quarters) for c in q.spending]
            if not shown:
                break
            _n, _a, qi, cell = min(shown, key=lambda s: (s[0], s[1], s[2]))
            quarters[qi].spending.remove(cell)
            pool.add(cell)
        if len(pool.members) >= minimum:
            summary.year_other = pool
        else:
            summary.withheld = True
            for q in quarters:
                q.spending = []
    return summary
