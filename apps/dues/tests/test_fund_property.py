"""Properties (hypothesis): random sequences of income, spending, approvals, rejections and reversals keep the balance
= posted income − posted spending ± reversals and never below zero, and a refused step leaves nothing; the public
merging never shows a figure (or a difference of figures) that stems from fewer than N beneficiaries."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.audit.models import AuditEvent
from apps.dues import fund_selectors, fund_services
from apps.dues.fund_models import FundEntry, FundEntryStatus
from apps.dues.ledger_models import LedgerLeg
from tests.factories import make_member

from .fund_helpers import open_fund

pytestmark = pytest.mark.django_db

AMOUNTS = st.integers(min_value=1, max_value=20000).map(lambda fen: Decimal(fen) / 100)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("income"), AMOUNTS),
    st.tuples(st.just("spend"), AMOUNTS),
    st.tuples(st.just("approve"), st.integers(0, 30)),
    st.tuples(st.just("reject"), st.integers(0, 30)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
), min_size=1, max_size=25)


class Rollback(Exception):
    pass


def _ledger_state():
    return (LedgerLeg.objects.count(), AuditEvent.objects.count(),
            list(FundEntry.objects.order_by("pk").values_list("status", flat=True)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_sequences_keep_the_books(tree, steps):
    try:
        with transaction.atomic():
            _run(tree, steps)
            raise Rollback
    except Rollback:
        pass


def _run(tree, steps):
    fund = open_fund(tree)
    managers = [tree.users["town_a_admin"], tree.users["district_admin"]]
    entries, expected = [], Decimal("0.00")
    day = date(2026, 3, 2)
    for i, (step, value) in enumerate(steps):
        me, other = managers[i % 2], managers[(i + 1) % 2]
        before = _ledger_state()
        try:
            if step in ("income", "spend"):
                entries.append(fund_services.fund_entry_create(
                    actor=me, fund=fund, direction="income" if step == "income" else "spending",
                    kind="donation" if step == "income" else "emergency_aid", amount=value, occurred_on=day,
                    beneficiary=tree.member_a if step == "spend" else None, reason="测试"))
                continue
            if not entries:
                continue
            entry = entries[value % len(entries)]
            entry.refresh_from_db()
            approver = other if entry.entered_by_id == me.pk else me
            if step == "approve":
                effect = entry.amount if (entry.direction == "income") != bool(entry.reverses_id) else -entry.amount
                fund_services.fund_entry_approve(actor=approver, entry=entry)
                expected += effect
            elif step == "reject":
                fund_services.fund_entry_reject(actor=approver, entry=entry)
            else:
                entries.append(fund_services.fund_entry_reverse(actor=me, entry=entry, reason="更正"))
        except ValidationError:
            assert _ledger_state() == before, "a refused step leaves nothing"
        balance = fund_selectors.balance(fund)
        assert balance == expected and balance >= 0
        posted = FundEntry.objects.filter(fund=fund, status=FundEntryStatus.POSTED)
        signed = sum((e.amount * (1 if e.direction == "income" else -1) * (-1 if e.reverses_id else 1)
                      for e in posted), Decimal(0))
        assert balance == signed


# ---- the public merging ----

ROWS = st.lists(st.fixed_dictionaries({
    "q": st.integers(1, 4), "direction": st.sampled_from(["spending", "spending", "income"]),
    "kind": st.sampled_from(["festival_visit", "emergency_aid", "hardship_support"]),
    "beneficiary_id": st.integers(1, 8), "total": st.integers(1, 500).map(Decimal)}), max_size=30)


def _check_summary(summary, rows, minimum):
    spending = [r for r in rows if r["direction"] == "spending"]
    people = {r["beneficiary_id"] for r in spending}
    for cell in summary.shown_spending_cells():
        assert len(cell.members) >= minimum
    if summary.withheld:
        assert len(people) < minimum and not summary.shown_spending_cells()
    elif spending:
        assert summary.spending_total == sum(r["total"] for r in spending)
    # The differences a reader can take: year total − Σ quarter cells is the year's merged cell (≥ N, or nothing).
    quarter_sum = sum((c.amount for q in summary.quarters for c in q.spending), Decimal(0))
    if not summary.withheld:
        rest = summary.spending_total - quarter_sum
        assert rest == (summary.year_other.amount if summary.year_other else 0)


@settings(max_examples=300, deadline=None)
@given(rows=ROWS, other=ROWS)
def test_no_public_figure_stems_from_fewer_than_the_minimum(rows, other):
    for r in rows:
        r["beneficiary_id"] = r["beneficiary_id"] if r["direction"] == "spending" else None
    for r in other:
        r["beneficiary_id"] = r["beneficiary_id"] + 100 if r["direction"] == "spending" else None
    one = fund_selectors.merge(2026, rows, 3)
    two = fund_selectors.merge(2026, other, 3)
    _check_summary(one, [r for r in rows if r["direction"] == "income" or r["beneficiary_id"]], 3)
    _check_summary(two, other, 3)
    both = fund_selectors.combine(2026, [one, two])
    # Every all-funds figure is the sum of the funds' own shown figures: a difference of the two views is the other
    # fund's shown figure.
    for q_all, q_one, q_two in zip(both.quarters, one.quarters, two.quarters, strict=True):
        mine = {c.label: c.amount for c in q_one.spending}
        theirs = {c.label: c.amount for c in q_two.spending}
        for cell in q_all.spending:
            assert cell.amount == mine.get(cell.label, 0) + theirs.get(cell.label, 0)
            assert len(cell.members) >= 3


def test_public_merging_in_the_database(tree):
    """Three members helped with festival visits in Q1, one with emergency aid in Q1 and one in Q2: the single aids
    merge (first into the quarter's cell, then over the year with the smallest cell) and never show alone."""
    from .fund_helpers import approve, enter, posted

    fund = open_fund(tree)
    posted(tree, fund, "10000", on=date(2026, 1, 5))
    members = [tree.member_a] + [make_member(tree.branch_a, name) for name in ("王一", "王二", "王三")]
    for m in members[:3]:
        posted(tree, fund, "200", spending=True, member=m, kind="festival_visit", on=date(2026, 1, 20))
    posted(tree, fund, "900", spending=True, member=members[3], kind="emergency_aid", on=date(2026, 2, 3))
    posted(tree, fund, "700", spending=True, member=members[0], kind="hardship_support", on=date(2026, 4, 3))
    approve(tree, enter(tree, fund, "5", spending=True, member=members[1], on=date(2026, 4, 4)), by="district_admin")
    summary = fund_selectors.public_summary(2026, fund)
    assert [c.label for c in summary.quarters[0].spending] == ["节日慰问"]
    assert summary.year_other and len(summary.year_other.members) >= 3
    for cell in summary.shown_spending_cells():
        assert len(cell.members) >= 3
    assert summary.spending_total == Decimal("2205.00")
    assert fund_selectors.public_summary(2026).spending_total == Decimal("2205.00")
