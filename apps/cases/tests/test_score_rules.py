"""Scores from partial data: a rate with nothing to measure is missing (no score, not full marks), and units with
too few cases (CASE_RANKING_MIN_CASES) are marked 样本不足 and listed after the ranked ones — on the staff page, the
public page, the Excel workbook and the API."""

import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.cases import metrics, services

from .test_search_and_metrics import _handle, _month

pytestmark = pytest.mark.django_db


def _town_a_ranked(cases, submit):
    """甲镇: five cases, rated (one unsatisfied): enough to rank, a score below 100."""
    for rating in ("satisfied", "satisfied", "basic", "satisfied", "unsatisfied"):
        _handle(cases, submit()[0], rating=rating, solved=rating != "unsatisfied")


def test_one_case_signed_and_nothing_rated_neither_scores_100_nor_ranks_first(cases, submit):
    _town_a_ranked(cases, submit)
    lone, _ = submit(area=cases.tree.branch_b)
    services.case_sign(actor=cases.users["district_admin"], case=lone, unit=cases.town_b)  # in time: response 100%
    for minimum in (5, 1):  # however small the minimum, a missing rate is not scored
        with override_settings(CASE_RANKING_MIN_CASES=minimum):
            first, second = metrics.rankings(_month(), group="township")
            assert (first.label, first.rank, first.figures.standing) == ("甲镇", 1, "ranked")
            assert 0 < first.figures.score < 100
            b = second.figures
            assert second.label == "乙镇" and second.rank is None and b.response_rate == 1.0
            assert b.score is None and b.standing == "partial"
            assert [str(r) for r in b.missing_rates] == ["解决率", "满意率"]
            assert "解决率、满意率" in b.standing_note
    # A rate weighted 0 is not needed for a score.
    with override_settings(CASE_RATE_WEIGHTS="100,0,0"):
        assert metrics.case_figures(period=_month(), units=[cases.town_b]).score == 100.0


def test_a_perfect_score_from_too_few_cases_is_marked_and_listed_after_the_ranked(cases, submit, client):
    _town_a_ranked(cases, submit)
    for _ in range(2):
        _handle(cases, submit(area=cases.tree.branch_b)[0], rating="satisfied", unit=cases.town_b,
                actor=cases.users["district_admin"])
    rows = metrics.rankings(_month(), group="township")
    assert [(r.label, r.rank, r.figures.standing) for r in rows] == [("甲镇", 1, "ranked"), ("乙镇", None, "few")]
    assert rows[1].figures.score == 100.0 > rows[0].figures.score  # the better score, yet after the ranked row
    assert "样本不足" in rows[1].figures.standing_note
    with override_settings(CASE_RANKING_MIN_CASES=2):
        assert [r.label for r in metrics.rankings(_month(), group="township")] == ["乙镇", "甲镇"]

    # Departments: the district centre has no cases at all, and comes last, unranked.
    departments = metrics.rankings(_month(), group="department")
    assert departments[-1].figures.standing == "none" and departments[-1].rank is None

    # The staff page and the public page: marked, after the ranked rows, the rule in the definitions.
    client.force_login(cases.users["district_admin"])
    for url in ("/cases/rankings/", "/report/rankings/"):
        html = client.get(url).content.decode()
        table = html[html.index('data-testid="ranking-township"'):]
        a, heading, b = (table.index(s) for s in ('data-testid="row-甲镇"', 'data-testid="unranked-heading"',
                                                  'data-testid="row-乙镇"'))
        assert a < heading < b, url
        row_b = table[b:table.index("</tr>", b)]
        assert 'data-standing="few"' in row_b and "样本不足（受理不足5件）" in row_b, url
        assert "样本不足" in html and "不按满分也不按零分计" in html, url  # the definitions say how

    # The workbook: the same order, a rank only for the ranked row, the reason in its own column.
    response = client.get("/cases/rankings/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header = [c.value for c in sheet[2]]
    body = {row[1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert list(body) == ["甲镇", "乙镇"]
    assert body["甲镇"]["排名"] == 1 and not body["甲镇"]["排名说明"]
    assert body["乙镇"]["排名"] is None and body["乙镇"]["综合得分"] == 100.0 and "样本不足" in body["乙镇"]["排名说明"]

    # The API.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cases.users['district_admin']).key}")
    rows = api.get("/api/case-rankings/", {"group": "township"}).json()["rows"]
    assert [(r["label"], r["rank"], r["ranked"], r["standing"]) for r in rows] == [
        ("甲镇", 1, True, "ranked"), ("乙镇", None, False, "few")]
    assert rows[1]["missing_rates"] == [] and "样本不足" in rows[1]["standing_note"]
    figures = api.get("/api/case-metrics/", {"unit": cases.town_b.pk}).json()
    assert figures["score"] == 100.0 and figures["standing"] == "few"
