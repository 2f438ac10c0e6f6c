"""The case links behind an automatic score list exactly the cases its figures counted for the organization: a
village's own cases (the case list's village filter, cases.selectors.area_list_query), only those the count counts
(the 统计口径 filter, cases.metrics.counted) — the list's total equals the score's numerator or denominator."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.assessment import round_selectors, round_services
from apps.assessment.models import Method
from apps.assessment.round_models import Round
from apps.cases import metrics
from apps.cases.selectors import area_list_query
from apps.demo.seed import seed_demo
from apps.orgs.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 11, 20)


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].count


def test_a_villages_case_links_list_exactly_the_counted_cases():
    result = seed_demo(scale="small", today=TODAY, log=lambda line: None)
    client = Client()
    client.force_login(User.objects.get(username="district_admin"))
    rnd = Round.objects.get(pk=result["closed_rounds"][0])
    period = round_services.core_period(rnd)
    entries = list(rnd.entries.select_related("organization", "round__system"))
    figures = metrics.figures_by_area(period, [e.organization for e in entries])
    # The villages with cases in the quarter: the sheet's links (cases.score → 已受理, cases.overdue → 超期).
    busy = [e for e in entries if figures[e.organization_id].received][:3]
    assert busy, "the demo has village cases in the quarter"
    checked = 0
    for entry in busy:
        org = entry.organization
        for line in round_selectors.sheet(entry):
            metric = line.node.metric
            if not (line.node.is_leaf and line.node.indicator.method == Method.AUTOMATIC and metric.key.startswith("cases.")):
                continue
            [(label, url)] = line.links
            query = parse_qs(urlsplit(url).query)
            assert query["village"] == [str(org.pk)] and "area" not in query
            listed = _listed(client, url)
            if metric.key == "cases.overdue":
                assert listed == line.score.inputs["numerator"] == figures[org.pk].overdue
            else:
                assert listed == figures[org.pk].received
            checked += 1
    assert checked == 2 * len(busy)
    # Every count of the figures, numerator and denominator of every rate alike, for a village and its township.
    village = busy[0].organization
    township = Organization.objects.get(path=village.path[:-Organization.steplen])
    both = metrics.figures_by_area(period, [village, township])
    for area in (village, township):
        for counted in metrics.COUNTED_LABELS:
            query = area_list_query(area, rnd.period_start, rnd.period_end, counted)
            assert ("village" in query) == (area == village) and ("area" in query) == (area == township)
            url = "/cases/?" + "&".join(f"{k}={v}" for k, v in query.items())
            assert _listed(client, url) == getattr(both[area.pk], counted), (area.name, counted)
    # The list's page names the village and the count it is filtered to.
    page = client.get("/cases/?" + "&".join(f"{k}={v}" for k, v in area_list_query(
        village, rnd.period_start, rnd.period_end, "overdue").items())).content.decode()
    assert 'data-testid="village-chip"' in page and village.name in page and "超期" in page
    assert client.get(f"/cases/?village={township.pk}").status_code == 400  # a township is not a village
