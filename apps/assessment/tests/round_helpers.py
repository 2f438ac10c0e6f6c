"""Shared set-up of the round tests: a published system of the 村 group (both branches of the tree), a round of it."""

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from apps.assessment import round_services, services


def published(make_system, admin, group="village", year=2026, **weights):
    system = make_system(group=group, year=year, **weights)
    return services.system_publish(actor=admin, system=system)


def make_round(admin, system, kind="year", number=1, open_=True, opens=None, closes=None, **data):
    now = timezone.now()
    rnd = round_services.round_create(actor=admin, system=system, data={
        "period_kind": kind, "number": number, "opens_at": opens or now - timedelta(days=1),
        "closes_at": closes or now + timedelta(days=10), **data})
    if open_:
        rnd = round_services.round_open(actor=admin, round=rnd)
    return rnd


def score_of(rnd, org, name):
    return rnd.entries.get(organization=org).scores.select_related("indicator", "entry__round").get(indicator__name=name)


def manual(admin, rnd, org, points, name="民主测评"):
    return round_services.score_manual(actor=admin, score=score_of(rnd, org, name), points=D(points), comment="查阅记录")
