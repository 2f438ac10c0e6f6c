"""Shared set-up of the pay tests: a closed yearly round of the 村 group (both branches) with chosen totals, the
branches' committees, a scheme with rates."""

from datetime import date
from decimal import Decimal as D

from apps.assessment import pay_services, round_services
from apps.assessment.round_models import RoundEntry
from apps.orgs.models import CommitteePost
from tests.factories import make_member

from .round_helpers import make_round, published

RATES = {"secretary": ("3000.00", "12000.00"), "deputy_secretary": ("2500.00", "9000.00"),
         "organization": ("2000.00", "6000.00")}
BANDS = {"好": "100", "较好": "80", "一般": "60", "差": "0"}


def closed_round(make_system, admin, tree, totals=None, kind="year", number=1, **weights):
    """A closed round; `totals` {org: Decimal} written onto the frozen entries (as the scoring would have left them)."""
    rnd = make_round(admin, published(make_system, admin, **weights), kind=kind, number=number)
    rnd = round_services.round_close(actor=admin, round=rnd)
    for org, total in (totals or {}).items():
        RoundEntry.objects.filter(round=rnd, organization=org).update(total=D(total))
    return rnd


def cadres(tree):
    """Branch A: a secretary all year; a deputy replaced on 10 July (the successor from 11 July: July's 15th is his);
    an organization member (also 宣传委员, a post without a rate) who becomes a second deputy from October (paid as
    deputy then, the better post); branch B: a secretary from 20 March (paid April–December), also a group leader."""
    a1 = tree.member_a
    a2 = make_member(tree.branch_a, "王五")
    a3 = make_member(tree.branch_a, "赵六")
    a4 = make_member(tree.branch_a, "钱七")
    b1 = tree.member_b
    post = CommitteePost.objects.create
    post(organization=tree.branch_a, member=a1, post="secretary", term_start=date(2024, 1, 1))
    post(organization=tree.branch_a, member=a2, post="deputy_secretary", term_start=date(2024, 1, 1),
         term_end=date(2026, 7, 10), is_current=False)
    post(organization=tree.branch_a, member=a3, post="deputy_secretary", term_start=date(2026, 7, 11))
    post(organization=tree.branch_a, member=a4, post="organization", term_start=date(2025, 1, 1))
    post(organization=tree.branch_a, member=a4, post="propaganda", term_start=date(2025, 1, 1))  # no rate: unpaid
    post(organization=tree.branch_a, member=a4, post="deputy_secretary", term_start=date(2026, 10, 1))
    post(organization=tree.branch_b, member=b1, post="secretary", term_start=date(2026, 3, 20))
    post(organization=tree.branch_b, member=b1, post="group_leader", term_start=date(2020, 1, 1))
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1}


def scheme(admin, groups, formula="band", year=2026, kind="year", threshold=None, full_score=None, rates=RATES, bands=BANDS):
    s = pay_services.scheme_create(actor=admin, group=groups["village"], data={
        "name": "村干部绩效报酬", "year": year, "period_kind": kind, "formula": formula, "threshold": threshold,
        "full_score": full_score, "note": ""})
    return pay_services.scheme_rates_save(actor=admin, scheme=s, rates=rates, bands=bands if formula == "band" else {})


def pay_sheet_of(admin, system):
    """A scheme of an in-use `system`'s group and year (linear, the secretary paid) and the sheet of a closed yearly
    round of it (the route-wide tests fill /assessment/pay/ routes with these)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    rnd = round_services.round_create(actor=admin, system=system, data={
        "period_kind": "year", "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=10)})
    rnd = round_services.round_open(actor=admin, round=rnd)
    rnd = round_services.round_close(actor=admin, round=rnd)
    s = pay_services.scheme_create(actor=admin, group=system.group, data={
        "name": "村干部绩效报酬", "year": system.year, "period_kind": "year", "formula": "linear", "threshold": "60",
        "full_score": "100"})
    s = pay_services.scheme_rates_save(actor=admin, scheme=s, rates={"secretary": ("3000", "12000")}, bands={})
    return s, pay_services.sheet_generate(actor=admin, round=rnd)
