"""figures_by_area: the assessment's grouped read of the citizen-request figures equals case_figures(area=…) area by
area (townships, villages, branches, the district), on the demo's varied cases, in a few queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cases import metrics
from apps.cases.models import Case
from apps.core.periods import Period, period_containing
from apps.demo.seed import seed_demo
from apps.orgs.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 11, 20)


def test_grouped_area_figures_equal_each_areas_own():
    seed_demo(scale="small", today=TODAY, log=lambda line: None)
    # The seed sweeps the lapsed cases at the real time, so the stored figures case_figures reads are of now.
    now = timezone.now()
    areas = list(Organization.objects.order_by("path"))
    townships = [o for o in areas if o.depth == 2]
    periods = [period_containing("month", TODAY), period_containing("year", TODAY),
               Period("range", date(2026, 3, 10), date(2026, 10, 20))]
    for period in periods:
        for chosen in (areas, townships, townships[:1]):
            with CaptureQueriesContext(connection) as queries:
                grouped = metrics.figures_by_area(period, chosen, now=now)
            assert len(queries) <= 4, period  # the common ancestor (is it the only root?), the grouped cases, their areas
            for area in chosen:
                want = metrics.case_figures(period=period, area=area, now=now)
                assert grouped[area.pk].as_dict() == want.as_dict(), (period, area.name)
    year = metrics.figures_by_area(period_containing("year", TODAY), areas, now=now)
    root = next(a for a in areas if a.depth == 1)
    assert year[root.pk].received > 0
    assert year[root.pk].received == Case.objects.filter(area__isnull=False, submitted_at__year=2026).filter(
        master__isnull=True, accepted_at__isnull=False).exclude(status="rejected").count()
    assert sum(year[t.pk].received for t in townships) <= year[root.pk].received
    assert metrics.figures_by_area(period_containing("year", TODAY), [], now=now) == {}
