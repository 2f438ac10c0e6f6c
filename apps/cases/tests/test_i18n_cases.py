"""The citizen-request pages in English, once a user chooses it: staff pages, the public form, a service's refusal."""

import pytest

pytestmark = pytest.mark.django_db


def _choose_english(client, next_url="/accounts/login/"):
    response = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url


def test_staff_pages_in_english(cases, submit, client):
    case, _ = submit()
    _choose_english(client)
    client.force_login(cases.users["district_admin"])

    html = client.get("/cases/").content.decode()
    assert 'lang="en"' in html
    assert "Citizen requests" in html and "Three-rate rankings" in html and "Case number" in html
    assert "To sign for" in html  # the status of the dispatched case (a model choice label)
    assert case.number in html and "群众诉求" not in html and "待签收" not in html

    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Problem description" in html and "Handling history" in html
    assert "First-receiving unit (responsible until signed for)" in html
    assert "Reassign" in html and "Not accepted" in html  # the dispatcher's steps on a dispatched case
    assert "Time to sign for" in html and "办理过程" not in html
    assert "小区门口垃圾堆积多日无人清运" in html  # data stays as entered

    html = client.get("/cases/rankings/").content.decode()
    assert "Three-rate rankings of citizen requests" in html
    assert "Response rate" in html and "Resolution rate" in html and "Satisfaction rate" in html
    assert "Previous period" in html and "Export to Excel" in html and "Definitions" in html
    assert "满意率" not in html and "上一期" not in html


def test_public_form_in_english(cases, client):
    _choose_english(client, "/report/")
    html = client.get("/report/").content.decode()
    assert 'lang="en"' in html
    assert "Report a problem to the Party organization" in html
    assert "Track a request" in html and "Published cases" in html and "Published rankings" in html
    assert "Township (street)" in html and "Do not publish my name" in html
    assert "我要反映" not in html and "乡镇（街道）" not in html


def test_a_refused_step_is_explained_in_english(cases, submit, client):
    case, _ = submit()  # dispatched to township A by the routing rules, not signed for yet
    _choose_english(client)
    client.force_login(cases.users["town_a_admin"])
    response = client.post(f"/cases/{case.pk}/resolve/", {"answer": "Cleared", "confirmed": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "A request can be resolved only after it is signed for" in html and "签收后才能办结" not in html
