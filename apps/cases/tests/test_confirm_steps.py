"""办结, 归档 and deleting a routing rule are irreversible: one click does not do them. One mechanism
(apps.core.confirm): with JavaScript the form's data-confirm dialog sets confirmed=1; without it the confirmation
page asks, or — for an upload, which that page cannot carry — the form comes back asking with a check box."""

import re

import pytest

from apps.cases import services
from apps.cases.models import Case, Status

from .test_intake import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(cases, submit):
    case, _ = submit()
    return services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a)


def _status(case):
    return Case.objects.get(pk=case.pk).status


def test_resolve_asks_before_acting(cases, signed, client):
    client.force_login(cases.users["town_a_admin"])
    page = client.get(f"/cases/{signed.pk}/").content.decode()
    form = re.search(r'<div class="card mb-3" data-testid="action-resolve">.*?</form>', page, re.S).group(0)
    assert 'data-confirm="确定办结？' in form and 'name="confirmed" value=""' in form
    assert "<noscript>" not in form and 'type="checkbox" name="confirmed"' not in form  # no second mechanism

    # Unconfirmed (no script, no check box): a page that asks, carrying the answer; nothing done yet.
    response = client.post(f"/cases/{signed.pk}/resolve/", {"answer": "已清运完毕"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="confirm-page"' in html and "确定办结" in html
    assert 'name="answer" value="已清运完毕"' in html and 'name="confirmed" value="1"' in html
    assert _status(signed) == Status.SIGNED
    # With photos the page cannot carry them: the form again, asking to confirm.
    response = client.post(f"/cases/{signed.pk}/resolve/", {"answer": "已清运完毕", "photos": [jpeg()]})
    html = response.content.decode()
    assert response.status_code == 400 and "请确认后再提交" in html
    form = re.search(r'data-testid="action-resolve">.*?</form>', html, re.S).group(0)
    assert 'type="checkbox" name="confirmed" value="1"' in form and 'data-testid="confirm-check"' in form
    assert _status(signed) == Status.SIGNED
    # Invalid input is reported first, confirmed or not.
    assert client.post(f"/cases/{signed.pk}/resolve/", {"answer": ""}).status_code == 400
    # The re-shown form's check box ticked, the photos chosen again: done.
    response = client.post(f"/cases/{signed.pk}/resolve/", {"answer": "已清运完毕", "photos": [jpeg()],
                                                            "confirmed": "1"})
    assert response.status_code == 302 and _status(signed) == Status.RESOLVED


def test_archive_asks_before_acting(cases, signed, client):
    services.case_resolve(actor=cases.users["town_a_admin"], case=signed, unit=cases.town_a, answer="已清运完毕")
    services.case_rate(case=Case.objects.get(pk=signed.pk), rating="satisfied", solved=True)
    client.force_login(cases.users["dispatcher"])
    page = client.get(f"/cases/{signed.pk}/").content.decode()
    assert re.search(r'data-testid="action-archive">.*data-confirm="确定归档', page, re.S)
    response = client.post(f"/cases/{signed.pk}/archive/")
    assert response.status_code == 200 and 'data-testid="confirm-page"' in response.content.decode()
    assert _status(signed) == Status.VISITED
    assert client.post(f"/cases/{signed.pk}/archive/", {"confirmed": "1"}).status_code == 302
    assert _status(signed) == Status.ARCHIVED


def test_rule_delete_asks_before_acting(cases, client):
    from apps.cases.models import RoutingRule

    rule = RoutingRule.objects.get(service=cases.services["housing"])
    client.force_login(cases.users["district_admin"])
    page = client.get("/cases/settings/?tab=rules").content.decode()
    assert "onsubmit=" not in page and 'data-confirm="确定删除该规则？"' in page
    response = client.post(f"/cases/settings/rules/{rule.pk}/delete/")
    assert response.status_code == 200 and 'data-testid="confirm-page"' in response.content.decode()
    assert RoutingRule.objects.filter(pk=rule.pk).exists()
    assert client.post(f"/cases/settings/rules/{rule.pk}/delete/", {"confirmed": "1"}).status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
