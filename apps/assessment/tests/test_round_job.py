"""The scoring job computes, on the demo's small district, the same points for every organization and automatic
indicator as the per-organization entry points (organization_metrics, case_figures) converted by catalogue.to_points
— while reading through the grouped entry points only (no query per organization)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assessment import catalogue, round_services
from apps.assessment.models import IndicatorSystem, Method
from apps.assessment.round_models import Score
from apps.ballots.selectors import organization_figures
from apps.cases.metrics import case_figures
from apps.demo.seed import seed_demo
from apps.orgs.models import Organization
from apps.records.metrics import organization_metrics

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 11, 20)


def _expected(metric, leaf, org, period, now):
    records = organization_metrics(org, period, today=TODAY) if metric.source == catalogue.RECORDS_SOURCE else None
    cases = case_figures(period=period, area=org, now=now) if metric.source == catalogue.CASES_SOURCE else None
    ballot = None
    if metric.source == catalogue.BALLOTS_SOURCE:  # the organization alone through the same entry point
        ballot = organization_figures(metric.poll_kind, period.start.year, [org.pk]).get(org.pk)
    if metric.source == catalogue.ORGS_SOURCE:
        return None  # current-state figures: test_structure_metrics checks them
    _n, _d, value = round_services.figures_of(metric, leaf, records, cases, ballot=ballot)
    points = catalogue.to_points(metric, value, leaf.max_points, leaf.points_per)
    return Decimal(0) if points is None else points


def test_job_equals_per_organization_entry_points(monkeypatch):
    seed_demo(scale="small", today=TODAY, log=lambda line: None)
    admin = _district_admin()
    system = IndicatorSystem.objects.filter(status="in_use", group__name="村", year=2026).get()
    now = timezone.now()
    rnd = round_services.round_create(actor=admin, system=system, data={
        "period_kind": "quarter", "number": 3, "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=5)})
    rnd = round_services.round_open(actor=admin, round=rnd)
    entries = list(rnd.entries.select_related("organization"))
    assert len(entries) >= 3
    # The job reads with the round's "today" as the seed's (records' required periods depend on it).
    from apps.records import metrics as record_metrics

    grouped = record_metrics.metrics_by_organization
    monkeypatch.setattr(record_metrics, "metrics_by_organization",
                        lambda orgs, period, today=None: grouped(orgs, period, TODAY))
    with CaptureQueriesContext(connection) as queries:
        job = round_services.scoring_start(actor=admin, round=rnd)
    job.refresh_from_db()
    assert job.status == "succeeded", job.result
    assert len(queries) < 80, len(queries)  # a fixed number, not one per organization
    period = round_services.core_period(rnd)
    leaves = [leaf for leaf in round_services.leaf_indicators(system) if leaf.method == Method.AUTOMATIC]
    assert leaves
    scores = {(s.entry.organization_id, s.indicator_id): s for s in Score.objects.filter(entry__round=rnd).select_related("entry")}
    checked = 0
    for entry in entries:
        org = Organization.objects.get(pk=entry.organization_id)
        for leaf in leaves:
            metric = catalogue.get(leaf.metric)
            score = scores[(org.pk, leaf.pk)]
            expected = _expected(metric, leaf, org, period, now)
            if expected is None:
                continue
            assert score.points == expected, (org.name, leaf.name, score.inputs)
            assert score.inputs["formula"] == str(metric.formula)
            checked += 1
    assert checked == len(entries) * len(leaves)
    assert any(not s.inputs.get("missing") for s in scores.values() if s.inputs)


def _district_admin():
    from apps.access.models import Role, RoleAssignment

    return RoleAssignment.objects.filter(role=Role.DISTRICT_ADMIN, organization__depth=1).select_related("user").first().user
