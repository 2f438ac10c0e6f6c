from datetime import date

import pytest

from apps.core.idcard import make_id_number
from apps.members.models import Member


@pytest.mark.django_db
class TestMemberPages:
    def test_list_search_and_htmx_fragment(self, tree, login):
        client = login(tree.users["district_admin"])
        page = client.get("/members/", {"q": "zs"}).content.decode()
        assert "张三" in page and "李四" not in page
        assert tree.member_a.id_masked in page and tree.member_a.id_number not in page
        fragment = client.get("/members/", {"q": "ls"}, HTTP_HX_REQUEST="true").content.decode()
        assert "李四" in fragment and "<html" not in fragment
        bad = client.get("/members/", {"age_min": "abc"})
        assert bad.status_code == 400 and "数字" in bad.content.decode()

    def test_create_and_edit_through_the_form(self, tree, login):
        client = login(tree.users["secretary_a"])
        number = make_id_number("500102", date(1988, 8, 8), 77)
        data = {"name": "周八", "id_number": number, "organization": tree.branch_a.code, "category": "full",
                "status": "normal", "joined_on": "2010-01-01", "full_member_on": "2011-01-01", "ethnicity": "01"}
        response = client.post("/members/new/", {**data, "id_number": number[:-1] + ("0" if number[-1] != "0" else "1")})
        assert response.status_code == 400 and "校验位" in response.content.decode()
        response = client.post("/members/new/", data)
        member = Member.objects.get(name="周八")
        assert response.status_code == 302 and member.birth_date == date(1988, 8, 8)
        # Editing leaves the ID number alone when the field is left blank.
        response = client.post(f"/members/{member.pk}/edit/", {**data, "id_number": "", "phone": "13512345678"})
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.id_number == number and member.phone == "13512345678"
        page = client.get(f"/members/{member.pk}/edit/").content.decode()
        assert number not in page  # never sent unasked

    def test_member_sees_own_record_page(self, tree, login):
        client = login(tree.users["member_a"])
        response = client.get("/members/me/")
        assert response.status_code == 200 and "张三" in response.content.decode()
        assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_org_filter_takes_a_code_or_an_id(tree, login):
    client = login(tree.users["district_admin"])
    page = client.get("/members/", {"org": tree.town_b.code.lower()}).content.decode()
    assert "李四" in page and "张三" not in page and "乙镇党委" in page
    page = client.get("/members/", {"org": tree.branch_a.pk}).content.decode()
    assert "张三" in page and "李四" not in page
    page = client.get("/members/", {"org": "NOPE"}).content.decode()
    assert "未找到组织" in page and "张三" not in page
    client = login(tree.users["secretary_a"])
    page = client.get("/members/", {"org": tree.branch_b.code}).content.decode()
    assert "李四" not in page and "未找到组织" in page


@pytest.mark.django_db
def test_unmasked_export_is_offered_only_with_the_permission(tree, login):
    page = login(tree.users["district_admin"]).get("/members/", {"q": "zs"}).content.decode()
    assert 'data-testid="export-unmasked-link"' in page and "q=zs&amp;unmask=1" in page
    page = login(tree.users["town_a_admin"]).get("/members/").content.decode()
    assert 'data-testid="export-link"' in page and "export-unmasked-link" not in page


@pytest.mark.django_db
def test_unfiltered_list_count_comes_from_stored_counts(tree, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(tree.users["district_admin"])
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/members/").content.decode()
    assert "共 2 条" in page or ("张三" in page and "李四" in page)
    assert not any("COUNT(*)" in q["sql"] and "members_member" in q["sql"] for q in ctx.captured_queries)
    client = login(tree.users["town_a_admin"])
    from apps.members import selectors
    from apps.members.selectors import MemberFilter

    f = MemberFilter({}, queryset=selectors.Member.objects.all())
    assert selectors.unfiltered_count(tree.users["town_a_admin"], f) == 1
    f = MemberFilter({"q": "zs"}, queryset=selectors.Member.objects.all())
    assert selectors.unfiltered_count(tree.users["town_a_admin"], f) is None
