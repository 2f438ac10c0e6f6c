"""党籍变动 pages: the access matrix of every view, the form reached from the member's page, the list's filters and
query count, bad input (400, nothing saved); the member edit form and the API no longer set 停止党籍/出党/去世, the
import still does."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.members.models import Member
from apps.membership import status_services as services
from apps.membership.status_models import ChangeKind, StatusChange

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin"]


def _change(tree, kind=ChangeKind.SUSPEND, member=None):
    return services.status_change_record(
        actor=tree.users["town_a_admin"], member=member or tree.member_a, kind=kind,
        effective_on=timezone.localdate(), reason="失联", approved_by_name="中共甲镇委员会", document_number="甲组3号")


def _post_data(**kw):
    data = {"kind": "death", "effective_on": f"{timezone.localdate():%Y-%m-%d}", "reason": "病故",
            "approved_by_name": "中共甲村支部", "document_number": "甲支1号"}
    data.update(kw)
    return data


@pytest.mark.parametrize(("role", "expected"), [
    ("district_admin", 200), ("town_a_admin", 200), ("secretary_a", 200), ("secretary_b", 404), ("member_a", 404),
    ("auditor", 404), ("sysadmin", 404)])
def test_detail_matrix(tree, login, role, expected):
    change = _change(tree)
    assert login(tree.users[role]).get(reverse("membership:status_change", args=[change.pk])).status_code == expected


@pytest.mark.parametrize(("role", "expected"), [
    ("district_admin", 200), ("town_a_admin", 200), ("secretary_a", 403), ("secretary_b", 403), ("member_a", 403),
    ("auditor", 403), ("sysadmin", 403)])
def test_create_matrix(tree, login, role, expected):
    url = reverse("membership:status_change_create") + f"?member={tree.member_a.pk}"
    assert login(tree.users[role]).get(url).status_code == expected


@pytest.mark.parametrize(("role", "expected"), [
    ("district_admin", 302), ("town_a_admin", 403), ("secretary_a", 403), ("secretary_b", 404), ("member_a", 404),
    ("auditor", 404), ("sysadmin", 404)])
def test_correct_matrix(tree, login, role, expected):
    change = _change(tree)
    response = login(tree.users[role]).post(reverse("membership:status_change_correct", args=[change.pk]),
                                            {"reason": "录入错误"})
    assert response.status_code == expected
    assert StatusChange.objects.get(pk=change.pk).is_corrected == (expected == 302)


@pytest.mark.parametrize(("role", "expected"), [
    ("district_admin", 200), ("secretary_a", 200), ("secretary_b", 200), ("member_a", 403), ("auditor", 403),
    ("sysadmin", 403)])
def test_list_matrix_and_scope(tree, login, role, expected):
    _change(tree)
    response = login(tree.users[role]).get(reverse("membership:status_changes"))
    assert response.status_code == expected
    if expected == 200:
        assert len(response.context["page"].object_list) == (0 if role == "secretary_b" else 1)


def test_out_of_scope_member_form_is_404(tree, login):
    url = reverse("membership:status_change_create") + f"?member={tree.member_b.pk}"
    assert login(tree.users["town_a_admin"]).get(url).status_code == 404
    assert login(tree.users["town_a_admin"]).get(reverse("membership:status_change_create") + "?member=x") \
        .status_code == 404


def test_form_records_and_refuses_bad_input(tree, login):
    client = login(tree.users["town_a_admin"])
    url = reverse("membership:status_change_create") + f"?member={tree.member_a.pk}"
    page = client.get(url).content.decode()
    assert "恢复党籍" not in page.split("<select name=\"kind\"")[1].split("</select>")[0]  # not from 正常
    for bad in (_post_data(effective_on="2999-01-01"), _post_data(reason="a\x00b"), _post_data(kind="restore"),
                _post_data(kind="leave", leave_type=""), _post_data(effective_on="1990-13-01")):
        assert client.post(url, bad).status_code == 400, bad
    assert not StatusChange.objects.exists() and Member.objects.get(pk=tree.member_a.pk).status == "normal"
    response = client.post(url, _post_data())
    change = StatusChange.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("membership:status_change",
                                                                            args=[change.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="nothing-allowed"' in page


def test_list_filters_and_query_count(tree, login, django_assert_max_num_queries):
    from tests.factories import make_member

    for i in range(6):
        _change(tree, member=make_member(tree.branch_a, f"党员{i}"), kind=ChangeKind.DEATH if i % 2 else
                ChangeKind.SUSPEND)
    client = login(tree.users["district_admin"])
    url = reverse("membership:status_changes")
    client.get(url)
    with django_assert_max_num_queries(10):  # session, user, roles, the page's count and rows; not one per row
        response = client.get(url)
    assert len(response.context["page"].object_list) == 6
    rows = client.get(url + "?kind=death").context["page"].object_list
    assert len(rows) == 3 and {c.kind for c in rows} == {"death"}
    assert len(client.get(url + f"?year={timezone.localdate().year}").context["page"].object_list) == 6
    assert len(client.get(url + "?year=1999").context["page"].object_list) == 0
    assert client.get(url + "?year=abc&kind=zzz&corrected=maybe").status_code == 200


def test_member_form_no_longer_sets_the_changes(tree, login):
    client = login(tree.users["secretary_a"])
    url = reverse("members:edit", args=[tree.member_a.pk])
    page = client.get(url).content.decode()
    assert "停止党籍、恢复党籍、出党、去世在党员页面" in page
    data = {"name": "张三", "id_number": "", "organization": tree.branch_a.pk, "category": "full",
            "status": "deceased", "joined_on": "2008-07-01", "full_member_on": "2009-07-01", "ethnicity": "01"}
    assert client.post(url, data).status_code == 400
    assert Member.objects.get(pk=tree.member_a.pk).status == "normal"
    # a suspended member: the field is shown, not changed (a posted "normal" is ignored)
    _change(tree)
    page = client.get(url).content.decode()
    assert "恢复党籍或更正请在党员页面" in page
    client.post(url, {**data, "status": "normal"})
    assert Member.objects.get(pk=tree.member_a.pk).status == "suspended"


def test_api_refuses_the_changes(tree, client):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(tree.users["secretary_a"])
    url = f"/api/members/{tree.member_a.pk}/"
    response = api.patch(url, {"status": "left"}, format="json")
    assert response.status_code == 400 and "党籍变动" in response.content.decode()
    assert api.patch(url, {"status": "flowing", "flow_place": "深圳"}, format="json").status_code == 200
    assert Member.objects.get(pk=tree.member_a.pk).status == "flowing"


def test_import_still_brings_in_left_and_deceased(tree):
    from apps.members import rules

    cleaned, errors = rules.validate_member_data({
        "name": "老党员", "id_number": tree.member_b.id_number, "organization": tree.branch_a, "category": "full",
        "joined_on": date(1970, 1, 1), "full_member_on": date(1971, 1, 1), "status": "deceased"},
        today=date(2025, 1, 1))
    assert "status" not in errors and cleaned["status"] == "deceased"
    assert rules.status_edit_error(None, "deceased") and rules.status_edit_error("left", "normal")
    assert rules.status_edit_error("normal", "flowing") is None and rules.status_edit_error("left", "left") is None
