"""办结 and 归档 are irreversible: one click does not do them. With JavaScript the form's data-confirm dialog sets
confirmed=1; without it, a check box in <noscript> or the confirmation page of apps.core.confirm."""

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
    assert "<noscript>" in form and 'type="checkbox" name="confirmed" value="1"' in form

    # Unconfirmed (no script, no check box): a page that asks, carrying the answer; nothing done yet.
    response = client.post(f"/cases/{signed.pk}/resolve/", {"answer": "已清运完毕"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="confirm-page"' in html and "确定办结" in html
    assert 'name="answer" value="已清运完毕"' in html and 'name="confirmed" value="1"' in html
    assert _status(signed) == Status.SIGNED
    # With photos the page cannot carry them: the form again, asking to confirm.
    response = client.post(f"/cases/{signed.pk}/resolve/", {"answer": "已清运完毕", "photos": [jpeg()]})
    assert response.status_code == 400 and "请确认后再提交" in response.content.decode()
    assert _status(signed) == Status.SIGNED
    # Invalid input is reported first, confirmed or not.
    assert client.post(f"/cases/{signed.pk}/resolve/", {"answer": ""}).status_code == 400
    # The check box of the form without JavaScript (both inputs named confirmed are posted): done.
    response = client.post(f"/cases/{signed.pk}/resolve/", {"answer": "已清运完毕", "photos": [jpeg()],
                                                            "confirmed": ["", "1"]})
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
