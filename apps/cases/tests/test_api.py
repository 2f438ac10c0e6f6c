"""The REST layer of the citizen-request system: scoped lists and details, the three rates and rankings, bad input."""

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.cases import services

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_cases_in_scope_with_their_timeline(cases, submit):
    a, _ = submit()
    b, _ = submit(area=cases.tree.branch_b)
    town = api(cases.users["town_a_admin"])
    listed = town.get("/api/cases/").json()
    numbers = {c["number"] for c in listed["results"]}
    assert a.number in numbers and b.number not in numbers
    detail = town.get(f"/api/cases/{a.pk}/").json()
    assert detail["lead_unit"] == "甲镇" and [e["kind"] for e in detail["events"]] == ["submitted", "accepted", "dispatched"]
    assert detail["phone_masked"].startswith("139****") and "contact_phone" not in detail
    assert town.get(f"/api/cases/{b.pk}/").status_code == 404
    assert town.get("/api/cases/", {"q": "垃圾"}).json()["count"] == 1
    assert town.get("/api/cases/", {"status": "nonsense"}).status_code == 400
    assert api(cases.users["member_a"]).get("/api/cases/").status_code == 403
    assert APIClient().get("/api/cases/").status_code in (401, 403)


def test_rates_and_rankings(cases, submit):
    case, _ = submit()
    services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a)
    services.case_resolve(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a, answer="已处理")
    services.case_rate(case=case, rating="satisfied", solved=True)
    admin = api(cases.users["district_admin"])
    figures = admin.get("/api/case-metrics/", {"unit": cases.town_a.pk}).json()
    assert figures["received"] == 1 and figures["satisfaction_rate"] == 1.0 and figures["score"] == 100.0
    assert admin.get("/api/case-metrics/", {"area": cases.tree.town_b.pk}).json()["received"] == 0
    rows = admin.get("/api/case-rankings/", {"group": "township"}).json()["rows"]
    # One case is too few to rank (CASE_RANKING_MIN_CASES): listed with its score, marked, without a rank.
    assert rows[0]["label"] == "甲镇" and rows[0]["rank"] is None and rows[0]["standing"] == "few"
    with override_settings(CASE_RANKING_MIN_CASES=1):
        rows = admin.get("/api/case-rankings/", {"group": "township"}).json()["rows"]
    assert rows[0]["label"] == "甲镇" and rows[0]["rank"] == 1 and rows[0]["ranked"] is True
    assert admin.get("/api/case-rankings/", {"group": "x"}).status_code == 400
    assert admin.get("/api/case-metrics/", {"period": "2026-13"}).status_code == 400
    assert admin.get("/api/case-metrics/", {"unit": "abc"}).status_code == 400
    secretary_b = api(cases.users["secretary_b"])
    assert secretary_b.get("/api/case-metrics/", {"area": cases.tree.town_a.pk}).status_code == 404
    assert [r["label"] for r in secretary_b.get("/api/case-rankings/").json()["rows"]] == []


def test_the_schema_documents_the_case_endpoints(client, cases):
    client.force_login(cases.users["district_admin"])
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/cases/", "/api/cases/{id}/", "/api/case-metrics/", "/api/case-rankings/"):
        assert path in schema


def test_the_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
