"""The public form shows every error in one round (a wrong challenge answer hides nothing, and comes back with a new
challenge), and a description too short to act on is refused by every way in: the form, Open311, staff intake."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from apps.cases.intake import Intake, case_staff_intake, case_submit
from apps.cases.models import Case

from .test_open311 import key, posting, refused  # noqa: F401 (fixtures)
from .test_public import form_data

pytestmark = pytest.mark.django_db

TOO_SHORT = "垃 圾\n"  # two characters once whitespace is left out


def _post(client, data):
    response = client.post("/report/", data)
    return response, response.content.decode()


def test_a_wrong_answer_hides_no_other_error(cases, client):
    # Errors the form finds (a missing name) and errors intake finds (the phone, a short description) come with the
    # challenge's in one answer.
    data = form_data(cases, client, challenge_answer="999", contact_name="", phone="123", description=TOO_SHORT)
    response, html = _post(client, data)
    assert response.status_code == 400
    for message in ("验证题答案不正确", "此项为必填项", "联系电话格式不正确", "问题描述太短"):
        assert message in html, message
    assert data["challenge_token"] not in html  # one guess per token: a new challenge
    assert not Case.objects.exists()

    # Only intake's errors and a wrong answer: both shown.
    response, html = _post(client, form_data(cases, client, challenge_answer="999", phone="123"))
    assert "验证题答案不正确" in html and "联系电话格式不正确" in html
    # A field the form refused keeps its own message only.
    response, html = _post(client, form_data(cases, client, challenge_answer="999", description=""))
    # (twice: beside the field and, linked to it, in the error summary at the top)
    assert html.count("此项为必填项") == 2 and "请填写问题描述" not in html
    assert '<a href="#id_description" data-error-link>' in html and 'id="id_description_error"' in html
    # No answer at all is an error on the answer too, next to the rest.
    response, html = _post(client, form_data(cases, client, challenge_answer="", phone="123"))
    assert "此项为必填项" in html and "联系电话格式不正确" in html
    assert not Case.objects.exists()


def test_a_right_answer_with_other_errors_still_refuses_and_renews_the_challenge(cases, client):
    data = form_data(cases, client, description=TOO_SHORT)
    response, html = _post(client, data)
    assert response.status_code == 400 and "问题描述太短：请至少写5个字" in html and "验证题" in html
    assert data["challenge_token"] not in html
    assert "验证题答案不正确" not in html
    # Corrected, with the new challenge: accepted.
    token = re.search(r'name="challenge_token" value="([^"]+)"', html).group(1)
    from apps.cases import challenge

    data.update(description="村口路灯坏了", challenge_token=token, challenge_answer=challenge.peek_answer(token))
    assert client.post("/report/", data).status_code == 302
    assert Case.objects.get().description == "村口路灯坏了"


def _intake(cases, description):
    return Intake(service=cases.services["env"], description=description, area=cases.tree.branch_a,
                  contact_name="杨学伦", phone="13900001111")


def test_the_minimum_length_holds_for_every_way_in(cases, client, posting):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        case_submit(intake=_intake(cases, TOO_SHORT))
    assert "至少写5个字" in exc.value.message_dict["description"][0]
    with pytest.raises(ValidationError) as exc:
        case_staff_intake(actor=cases.users["town_a_admin"], unit=cases.town_a, channel="phone",
                          intake=_intake(cases, "  ？？  "))
    assert "description" in exc.value.message_dict
    assert refused(client, posting(description="x")) == ["description: 问题描述太短：请至少写5个字，说明发生了什么、在哪里"]
    # Staff intake through its page says so on the field.
    client.force_login(cases.users["town_a_admin"])
    response = client.post("/cases/new/", {"channel": "phone", "unit": cases.town_a.pk, "service": cases.services["env"].pk,
                                           "description": "垃圾", "township": cases.tree.town_a.pk})
    assert response.status_code == 400 and "问题描述太短" in response.content.decode()
    assert not Case.objects.exists()
    # Whitespace does not count, the setting decides.
    with override_settings(CASE_DESCRIPTION_MIN_CHARS=2):
        case, _ = case_submit(intake=_intake(cases, TOO_SHORT))
    assert case.description == "垃 圾"


def test_staff_intake_errors_are_told_to_assistive_technology(cases, client):
    from tests.form_errors import assert_accessible_error

    client.force_login(cases.users["town_a_admin"])
    response = client.post("/cases/new/", {"channel": "", "unit": cases.town_a.pk, "service": cases.services["env"].pk,
                                           "description": "", "township": cases.tree.town_a.pk, "phone": "123"})
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("data-error-summary") == 1
    assert assert_accessible_error(html, name="channel") == {"id_channel_error"}
    assert "id_description_error" in assert_accessible_error(html, name="description")
    # An error intake finds once the form is valid, on a control written by hand.
    response = client.post("/cases/new/", {"channel": "phone", "unit": cases.town_a.pk, "service": cases.services["env"].pk,
                                           "description": "村口路灯坏了", "township": cases.tree.town_a.pk, "phone": "123"})
    html = response.content.decode()
    assert response.status_code == 400 and "联系电话格式不正确" in html
    assert "id_phone_error" in assert_accessible_error(html, name="phone")


def test_filters_with_a_bad_date_mark_the_field(cases, client):
    from tests.form_errors import assert_accessible_error

    client.force_login(cases.tree.users["district_admin"])
    html = client.get("/cases/", {"submitted_from": "2026-02-30"}).content.decode()
    assert assert_accessible_error(html, name="submitted_from") == {"id_submitted_from_error"}
    html = client.get("/cases/rankings/", {"period": "2026-13"}).content.decode()
    assert assert_accessible_error(html, name="period") == {"id_period_error"}
    client.force_login(cases.tree.users["auditor"])
    html = client.get("/audit/", {"date_from": "2026-02-30"}).content.decode()
    assert assert_accessible_error(html, name="date_from") == {"id_date_from_error"}


def test_a_rating_without_a_choice_marks_its_group(cases, client):
    from apps.cases import services
    from tests.form_errors import assert_accessible_error

    client.post("/report/", form_data(cases, client))
    case = Case.objects.get()
    services.case_sign(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a)
    services.case_resolve(actor=cases.users["town_a_admin"], case=case, unit=cases.town_a, answer="已清运干净")
    response = client.post(f"/report/track/{case.number}/rate/", {"solved": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert assert_accessible_error(html, id="r-rating-group") == {"r-rating_error"}
    assert '<a href="#r-rating-satisfied" data-error-link>' in html and 'id="r-rating-satisfied"' in html
    assert html.count('aria-invalid="true"') == 1  # 是否已解决 was answered
