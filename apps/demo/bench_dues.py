"""`make bench BENCH_ARGS="--only dues"`, 党费: the district's monthly collection summary (every township rolled up
over its whole subtree: current members, members owing, amount due through the standard in force and hardship
decisions, collected, members paid, remitted, held) beside the bare SQL aggregate it cannot beat (one GROUP BY over
the month's payments by organization); then one branch's sheet (what each member owes and has paid); then the
summary page.

Data: one month (DUES_START_MONTH) of standards and payments for the whole district is seeded on the first run, in
bulk (standards for members without one, a regular payment for nine members in ten, each payment's balanced ledger
transaction) and kept: it is the bench's data set, like the district itself. A rerun finds the month's payments and
seeds nothing (idempotent)."""

import random
import time
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .bench import Figure, measure, median_ms

BATCH = 5000


def _seed_month(bench, month: date) -> int:
    """Standards and payments of `month` for the district's current members, unless its payments exist."""
    from apps.dues.ledger_models import AccountKind, LedgerAccount, LedgerLeg, LedgerTransaction, TransactionKind
    from apps.dues.models import DuesPayment, DuesStandard, PaymentMethod
    from apps.dues.rules import DuesCategory, monthly_amount
    from apps.members.models import CURRENT_STATUSES, Member

    root = bench.root
    if DuesPayment.objects.filter(organization__path__startswith=root.path, month=month).exists():
        return 0
    started = time.perf_counter()
    rng = random.Random(14)
    members = list(Member.objects.filter(organization__path__startswith=root.path, status__in=CURRENT_STATUSES)
                   .values_list("pk", "organization_id"))
    with transaction.atomic():
        have = set(DuesStandard.objects.filter(member__organization__path__startswith=root.path)
                   .values_list("member_id", flat=True).distinct())
        standards, amounts = [], {}
        for pk, _org in members:
            if pk in have:
                continue
            category = rng.choice((DuesCategory.IN_SERVICE, DuesCategory.IN_SERVICE, DuesCategory.RETIRED,
                                   DuesCategory.FARMER))
            base = Decimal(rng.randrange(1800, 16000)) if category != DuesCategory.FARMER else None
            amounts[pk] = monthly_amount(category, base)
            standards.append(DuesStandard(member_id=pk, category=category, base=base, effective_from=date(2025, 1, 1),
                                          monthly_amount=amounts[pk], recorded_by=bench.admin))
        DuesStandard.objects.bulk_create(standards, batch_size=BATCH)
        payers = [(pk, org) for pk, org in members if rng.random() < 0.9 and amounts.get(pk, Decimal(1)) > 0]
        payments = [DuesPayment(member_id=pk, organization_id=org, month=month, amount=amounts.get(pk) or Decimal("1.00"),
                                method=rng.choice(PaymentMethod.values), paid_on=month.replace(day=rng.randrange(1, 28)),
                                recorded_by=bench.admin) for pk, org in payers]
        payments = DuesPayment.objects.bulk_create(payments, batch_size=BATCH)
        orgs = {p.organization_id for p in payments}
        LedgerAccount.objects.bulk_create([LedgerAccount(organization_id=o, kind=k) for o in orgs
                                           for k in (AccountKind.DUES_CASH, AccountKind.DUES_COLLECTED)],
                                          ignore_conflicts=True, batch_size=BATCH)
        accounts = {(a.organization_id, a.kind): a.pk for a in LedgerAccount.objects.filter(
            organization_id__in=orgs, kind__in=(AccountKind.DUES_CASH, AccountKind.DUES_COLLECTED))}
        txns = LedgerTransaction.objects.bulk_create(
            [LedgerTransaction(organization_id=p.organization_id, kind=TransactionKind.PAYMENT, occurred_on=p.paid_on,
                               month=month, payment_id=p.pk, created_by=bench.admin) for p in payments],
            batch_size=BATCH)
        legs = []
        for p, t in zip(payments, txns):
            legs.append(LedgerLeg(transaction_id=t.pk, account_id=accounts[(p.organization_id, AccountKind.DUES_CASH)],
                                  amount=p.amount, month=month))
            legs.append(LedgerLeg(transaction_id=t.pk, account_id=accounts[(p.organization_id, AccountKind.DUES_COLLECTED)],
                                  amount=-p.amount, month=month))
        LedgerLeg.objects.bulk_create(legs, batch_size=BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("dues_duesstandard", "dues_duespayment", "dues_ledgertransaction", "dues_ledgerleg"):
                cursor.execute(f'VACUUM ANALYZE "{table}"')
    bench.log(f"  seeded {len(standards):,} standards, {len(payments):,} payments of {month:%Y-%m} and their ledger "
              f"in {time.perf_counter() - started:.1f} s")
    return len(payments)


def run_dues(bench):
    from apps.dues import book_selectors, standing
    from apps.dues.models import DuesPayment
    from apps.members.models import CURRENT_STATUSES, Member
    from apps.orgs.models import Organization

    bench.log(f"Dues (党费), {bench.scope}:")
    month = standing.start_month()
    _seed_month(bench, month)
    root = bench.root
    children = Organization.objects.get_children(root).count()

    def summary():
        return book_selectors.monthly_summary(root, month)

    table = DuesPayment._meta.db_table

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT organization_id, SUM(amount), COUNT(*) FROM "{table}" '
                           "WHERE month = %s AND voided_at IS NULL GROUP BY organization_id", [month])
            cursor.fetchall()

    with CaptureQueriesContext(connection) as ctx:
        rows, total = summary()
    queries = len(ctx.captured_queries)
    times, base = measure(summary, bare, reps=bench.reps, budget=6.0, min_reps=3, max_reps=20)
    label = f"dues summary, district ({children} children, {total.current:,} members)"
    bench.figures.append(Figure(label, times, base, "GROUP BY payments", str(queries)))
    bench.log(f"  {label}: {median_ms(times):.1f} ms (bare GROUP BY {median_ms(base):.1f} ms), {queries} queries; "
              f"collected {total.collected} of {total.due} due, rate {total.rate}%")

    branch = (Organization.objects.filter(path__startswith=root.path, kind="branch").order_by("-member_count__current")
              .first())
    if branch is None:
        return

    def sheet():
        ids = list(Member.objects.filter(organization=branch, status__in=CURRENT_STATUSES).values_list("pk", flat=True))
        due = standing.amounts_due(ids, month)
        paid = dict(DuesPayment.objects.filter(member_id__in=ids, month=month, voided_at__isnull=True)
                    .values_list("member_id", "amount"))
        return due, paid

    def bare_sheet():
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT member_id, amount FROM "{table}" WHERE organization_id = %s AND month = %s '
                           "AND voided_at IS NULL", [branch.pk, month])
            cursor.fetchall()

    with CaptureQueriesContext(connection) as ctx:
        due, _paid = sheet()
    queries = len(ctx.captured_queries)
    times, base = measure(sheet, bare_sheet, reps=bench.reps, budget=3.0, min_reps=5, max_reps=30)
    label = f"dues sheet of one branch ({len(due)} members)"
    bench.figures.append(Figure(label, times, base, "SELECT payments", str(queries)))
    bench.log(f"  {label}: {median_ms(times):.1f} ms (bare {median_ms(base):.1f} ms), {queries} queries")
    bench.page(f"page dues summary ({children} children)", f"/dues/summary/?org={root.pk}&month={month:%Y-%m}")
