"""Bad input anywhere in the citizen-request system gets a 4xx with a Chinese message, never a 500, and saves nothing."""

import pytest

from apps.audit.models import AuditEvent
from apps.cases.models import Case, CaseEvent, HandlingUnit, RoutingRule, Service, ServiceAttribute

pytestmark = pytest.mark.django_db

GARBAGE = {"service": "x", "description": "<" * 5000, "township": "abc", "village": "-1", "address": "x" * 500,
           "lat": "north", "lng": "999", "contact_name": "x" * 100, "phone": "phone", "channel": "telepathy",
           "unit": "x", "urgency": "x", "reason": "x" * 400, "lead": "x", "assisting": ["x", "-1"], "note": "x" * 400,
           "text": "", "until": "tomorrow", "approve": "maybe", "answer": "", "rating": "great", "solved": "x",
           "comment": "x" * 600, "master": "x" * 40, "code": "!" * 50, "name": "", "kind": "x", "organization_code": "",
           "area_code": "NOPE", "datatype": "x", "values_text": "no-equals-sign", "order": "-1", "period": "someday",
           "number": "x" * 40, "challenge_token": "forged", "challenge_answer": "x", "sort_order": "x", "to_area_unit": "x"}


def counts():
    return (Case.objects.count(), CaseEvent.objects.count(), HandlingUnit.objects.count(), RoutingRule.objects.count(),
            Service.objects.count(), ServiceAttribute.objects.count(), AuditEvent.objects.exclude(action="login").count())


def test_every_form_refuses_garbage(cases, submit, client):
    case, _ = submit()
    service = cases.services["env"]
    before = counts()
    client.force_login(cases.users["district_admin"])
    staff = ["/cases/new/", "/cases/settings/units/new/", f"/cases/settings/units/{cases.town_a.pk}/",
             "/cases/settings/rules/new/", "/cases/settings/services/new/", f"/cases/settings/services/{service.pk}/",
             f"/cases/settings/services/{service.pk}/attributes/new/"]
    steps = ["accept", "reject", "dispatch", "return", "note", "extension", "resolve", "callback", "reopen", "merge",
             "archive"]
    for url in staff + [f"/cases/{case.pk}/{step}/" for step in steps]:
        response = client.post(url, GARBAGE)
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert 'lang="zh-hans"' in response.content.decode()
    for url in ["/cases/", "/cases/rankings/", "/api/cases/", "/api/case-metrics/", "/api/case-rankings/",
                "/cases/settings/"]:
        assert client.get(url, GARBAGE).status_code < 500, url
    for url in ["/cases/abc/", "/cases/0/", "/cases/photos/abc/", "/cases/photos/999/", "/cases/settings/rules/999/"]:
        assert client.get(url).status_code == 404, url
    client.logout()
    for url in ["/report/", "/report/track/", f"/report/track/{case.number}/rate/"]:
        response = client.post(url, GARBAGE)
        assert 300 <= response.status_code < 500, (url, response.status_code)
    for url in ["/report/cases/", "/report/rankings/", "/report/villages/", "/report/attributes/", "/report/challenge.png",
                "/report/track/QG-NOPE/", "/report/cases/QG-NOPE/", "/report/photos/1/"]:
        assert client.get(url, GARBAGE).status_code < 500, url
    assert counts() == before
