"""metrics_by_organization: the assessment's grouped read of organizational-life metrics equals organization_metrics
organization by organization, on the demo's varied data (domains, classes, branches with and without committees,
gaps and late records), in a few queries whatever the number of organizations."""

from dataclasses import asdict
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.periods import Period, period_containing
from apps.demo.seed import seed_demo
from apps.orgs.models import Organization
from apps.records import metrics

pytestmark = [pytest.mark.django_db, pytest.mark.slow(15)]

TODAY = date(2026, 11, 20)


def _plain(m):
    return {**asdict(m), "types": [(t.activity_type.pk, t.required, t.held) for t in m.types]}


def test_grouped_metrics_equal_each_organizations_own():
    seed_demo(scale="small", today=TODAY, log=lambda line: None)
    orgs = list(Organization.objects.order_by("path"))
    assert len(orgs) > 50
    periods = [period_containing("month", TODAY), period_containing("month", TODAY).previous(),
               period_containing("quarter", TODAY).previous(), period_containing("year", TODAY),
               Period("range", date(2026, 3, 10), date(2026, 5, 20))]  # months in part too
    for period in periods:
        with CaptureQueriesContext(connection) as queries:
            grouped = metrics.metrics_by_organization(orgs, period, today=TODAY)
        if period.start.day == 1:
            assert len(queries) <= 5, period  # the rules' types, two roll-ups, the record months: not per organization
        assert set(grouped) == {o.pk for o in orgs}
        held = 0
        for org in orgs:
            want = _plain(metrics.organization_metrics(org, period, today=TODAY))
            assert _plain(grouped[org.pk]) == want, (period, org.name)
            held += want["held"]
        assert held > 0  # the comparison had something to compare
