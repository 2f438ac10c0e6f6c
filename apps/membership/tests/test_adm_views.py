"""Pages of admission: the access matrix of every view, the lists' query counts, bad input answered 4xx."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.membership import admission_services as services
from apps.membership.admission_models import AdmissionDocument, AdmissionQuota, AdmissionStep

from .adm_helpers import advance, id_for, new_applicant

pytestmark = pytest.mark.django_db
ROLES = ("district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor")


def status_of(client, user, method, url, data=None):
    client.force_login(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    client.logout()
    return response.status_code


@pytest.fixture
def applicant(adm_world):
    return new_applicant(adm_world["tree"])


LISTS = {"district_admin": 200, "town_a_admin": 200, "secretary_a": 200, "secretary_b": 200, "member_a": 403,
         "auditor": 403}
OBJECT = {"district_admin": 200, "town_a_admin": 200, "secretary_a": 200, "secretary_b": 404, "member_a": 404,
          "auditor": 404}
SETTING = {"district_admin": 200, "town_a_admin": 200, "secretary_a": 403, "secretary_b": 403, "member_a": 403,
           "auditor": 403}


@pytest.mark.parametrize("name", ["admission_list", "admission_rules", "admission_dashboard", "admission_create"])
def test_pages_matrix(client, tree, name):
    for role in ROLES:
        assert status_of(client, tree.users[role], "get", reverse(f"membership:{name}")) == LISTS[role], role


@pytest.mark.parametrize("name", ["admission_quota", "admission_book_range"])
def test_settings_matrix(client, tree, name):
    for role in ROLES:
        assert status_of(client, tree.users[role], "get", reverse(f"membership:{name}")) == SETTING[role], role


def test_detail_and_print_matrix(client, tree, applicant):
    urls = [reverse("membership:admission_detail", args=[applicant.pk])] + [
        reverse("membership:admission_print", args=[applicant.pk, kind]) for kind in ("receipt", "publicity", "review")]
    for url in urls:
        for role in ROLES:
            assert status_of(client, tree.users[role], "get", url) == OBJECT[role], (role, url)
    bad = reverse("membership:admission_print", args=[applicant.pk, "nothing"])
    assert status_of(client, tree.users["secretary_a"], "get", bad) == 404


def test_detail_shows_timeline_next_step_and_due(client, tree, applicant):
    client.force_login(tree.users["secretary_a"])
    body = client.get(reverse("membership:admission_detail", args=[applicant.pk])).content.decode()
    assert "党组织派人谈话" in body and "2023-02-02" in body and 'data-testid="step-form"' in body
    assert "材料归档" in body  # all 25 steps listed


def _talk(tree):
    return {"number": "2", "done_on": "2023-01-20", "talk_partner": str(tree.member_a.pk)}


def test_branch_step_matrix(client, tree, adm_world):
    url_of = {}
    expected = {"district_admin": 302, "town_a_admin": 302, "secretary_a": 302, "secretary_b": 404, "member_a": 404,
                "auditor": 404}
    for i, role in enumerate(ROLES):
        a = new_applicant(tree, seq=200 + i, name=f"申请人{i}")
        url_of[role] = reverse("membership:admission_step", args=[a.pk])
        assert status_of(client, tree.users[role], "post", url_of[role], _talk(tree)) == expected[role], role
        assert AdmissionStep.objects.filter(applicant=a, number=2).exists() == (expected[role] == 302)


def test_higher_step_matrix(client, tree, adm_world):
    """Step 13 (预审) is the township's: the branch's secretary sees the applicant but may not take it (403)."""
    expected = {"district_admin": 302, "town_a_admin": 302, "secretary_a": 403, "secretary_b": 404, "member_a": 404,
                "auditor": 404}
    for i, role in enumerate(ROLES):
        a = advance(new_applicant(tree, seq=300 + i, name=f"对象{i}"), adm_world, 12)
        url = reverse("membership:admission_step", args=[a.pk])
        got = status_of(client, tree.users[role], "post", url, {"number": "13", "done_on": "2024-03-25"})
        assert got == expected[role], role
        a.refresh_from_db()
        assert (a.next_step == 14) == (expected[role] == 302)


def test_branch_admin_of_the_branch_itself_does_not_approve(client, tree, adm_world):
    from apps.access.models import Role
    from tests.factories import make_user

    own = make_user("branch_admin", Role.ORG_ADMIN, tree.branch_a)
    a = advance(new_applicant(tree), adm_world, 12)
    url = reverse("membership:admission_step", args=[a.pk])
    assert status_of(client, own, "post", url, {"number": "13", "done_on": "2024-03-25"}) == 403


@pytest.mark.parametrize("data", [
    {"number": "2", "done_on": "not a date"},
    {"number": "abc", "done_on": "2023-01-20"},
    {"number": "99", "done_on": "2023-01-20"},
    {"number": "3", "done_on": "2023-01-20"},  # out of order
    {"number": "2", "done_on": "2023-03-20"},  # talk late: the rule's reason
    {"number": "2", "done_on": "99999-01-01"},
])
def test_bad_step_input_is_400(client, tree, applicant, data):
    client.force_login(tree.users["secretary_a"])
    response = client.post(reverse("membership:admission_step", args=[applicant.pk]),
                           {"talk_partner": str(tree.member_a.pk), **data})
    assert response.status_code == 400
    assert not AdmissionStep.objects.filter(applicant=applicant, number__gt=1).exists()


def test_late_talk_shows_reason(client, tree, applicant):
    client.force_login(tree.users["secretary_a"])
    response = client.post(reverse("membership:admission_step", args=[applicant.pk]),
                           {**_talk(tree), "done_on": "2023-03-20"})
    assert "1个月内谈话" in response.content.decode()


def test_create_applicant_page(client, tree):
    client.force_login(tree.users["secretary_a"])
    url = reverse("membership:admission_create")
    bad = client.post(url, {"organization": tree.branch_a.pk, "name": "孩子", "id_number": id_for(date(2010, 1, 1)),
                            "applied_on": "2024-01-01"})
    assert bad.status_code == 400 and "年满18周岁" in bad.content.decode()
    other = client.post(url, {"organization": tree.branch_b.pk, "name": "甲", "id_number": id_for(),
                              "applied_on": "2024-01-01"})
    assert other.status_code == 400  # branch B is not in secretary A's choices
    ok = client.post(url, {"organization": tree.branch_a.pk, "name": "甲", "id_number": id_for(),
                           "applied_on": "2024-01-01"})
    assert ok.status_code == 302
    body = client.get(ok.url).content.decode()
    assert 'data-testid="applicant-ethnicity">汉族<' in body and 'data-testid="applicant-education">—<' in body


def test_create_applicant_with_ethnicity_and_education(client, tree):
    client.force_login(tree.users["secretary_a"])
    url = reverse("membership:admission_create")
    form = client.get(url).content.decode()
    assert 'name="ethnicity"' in form and 'name="education"' in form
    data = {"organization": tree.branch_a.pk, "name": "乙", "id_number": id_for(seq=77), "applied_on": "2024-01-01"}
    assert client.post(url, {**data, "ethnicity": "99"}).status_code == 400  # not a code of GB/T 3304
    ok = client.post(url, {**data, "ethnicity": "03", "education": "21"})
    assert ok.status_code == 302
    body = client.get(ok.url).content.decode()
    assert 'data-testid="applicant-ethnicity">回族<' in body and 'data-testid="applicant-education">大学本科<' in body


def test_document_matrix(client, tree, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(tree.users["secretary_a"])
    pdf = SimpleUploadedFile("谈话.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    response = client.post(reverse("membership:admission_step", args=[applicant.pk]), {**_talk(tree), "documents": [pdf]})
    assert response.status_code == 302
    doc = AdmissionDocument.objects.get()
    url = reverse("membership:admission_document", args=[doc.pk])
    for role in ROLES:
        assert status_of(client, tree.users[role], "get", url) == OBJECT[role], role


def test_quota_post_and_plan_on_dashboard(client, tree, adm_world):
    client.force_login(tree.users["town_a_admin"])
    response = client.post(reverse("membership:admission_quota"),
                           {"organization": tree.branch_a.pk, "year": 2024, "quota": 3})
    assert response.status_code == 302 and AdmissionQuota.objects.get().quota == 3
    assert client.post(reverse("membership:admission_quota"),
                       {"organization": tree.branch_a.pk, "year": 2024, "quota": -1}).status_code == 400
    advance(new_applicant(tree), adm_world, 17)
    body = client.get(reverse("membership:admission_dashboard") + "?year=2024").content.decode()
    assert "<td>甲村党支部</td><td>3</td><td>1</td>" in body
    assert client.get(reverse("membership:admission_dashboard") + "?year=abc").status_code == 200


def test_book_range_post(client, tree):
    client.force_login(tree.users["town_a_admin"])
    url = reverse("membership:admission_book_range")
    assert client.post(url, {"organization": tree.branch_a.pk, "first": 10, "last": 1}).status_code == 400
    assert client.post(url, {"organization": tree.branch_a.pk, "prefix": "X", "first": 1, "last": 10}).status_code == 302


def _applicants(tree, n, start):
    for i in range(n):
        services.applicant_create(actor=tree.users["secretary_a"], organization=tree.branch_a, data={
            "name": f"人{i}", "id_number": id_for(date(1990, 1, 1), start + i), "applied_on": date(2026, 11, 1) if i % 2 else date(2023, 1, 2)})


@pytest.mark.parametrize("name", ["admission_list", "admission_dashboard"])
def test_query_count_does_not_grow(client, tree, name):
    client.force_login(tree.users["district_admin"])
    url = reverse(f"membership:{name}")
    _applicants(tree, 3, 400)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _applicants(tree, 27, 500)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_list_filters_by_stage(client, tree, applicant):
    client.force_login(tree.users["secretary_a"])
    assert "赵六" in client.get(reverse("membership:admission_list") + "?stage=applicant").content.decode()
    assert "赵六" not in client.get(reverse("membership:admission_list") + "?stage=activist").content.decode()
    assert client.get(reverse("membership:admission_list") + "?stage=bogus&page=x").status_code == 200


def test_dashboard_lists_overdue_talk(client, tree, applicant):
    client.force_login(tree.users["secretary_a"])
    body = client.get(reverse("membership:admission_dashboard")).content.decode()
    assert "入党谈话" in body and "已超期" in body




def test_pages_of_a_finished_applicant(client, tree, adm_world):
    a = advance(new_applicant(tree), adm_world, 25)
    client.force_login(tree.users["secretary_a"])
    body = client.get(reverse("membership:admission_detail", args=[a.pk])).content.decode()
    assert "已归档" in body and "JZ000001" in body and "按期转正" in body and "王五" in body
    assert 'data-testid="step-form"' not in body
    review = client.get(reverse("membership:admission_print", args=[a.pk, "review"])).content.decode()
    assert "政审合格" in review and "王五" in review and a.id_number not in review
    notice = client.get(reverse("membership:admission_print", args=[a.pk, "publicity"]) + "?point=conversion")
    assert "按期转为中共正式党员" in notice.content.decode()
    receipt = client.get(reverse("membership:admission_print", args=[a.pk, "receipt"])).content.decode()
    assert "2023年1月2日" in receipt


def test_secretary_sees_no_form_for_a_higher_step(client, tree, adm_world):
    a = advance(new_applicant(tree), adm_world, 12)
    client.force_login(tree.users["secretary_a"])
    body = client.get(reverse("membership:admission_detail", args=[a.pk])).content.decode()
    assert 'data-testid="step-form"' not in body and "上级党委预审" in body
    client.force_login(tree.users["town_a_admin"])
    assert 'data-testid="step-form"' in client.get(reverse("membership:admission_detail", args=[a.pk])).content.decode()
