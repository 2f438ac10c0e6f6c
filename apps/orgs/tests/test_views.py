from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orgs.models import Organization
from tests.factories import make_member, make_org, refresh


@pytest.mark.django_db
class TestOrgPages:
    def test_tree_page_shows_counts_and_children_load(self, tree, login):
        client = login(tree.users["district_admin"])
        page = client.get("/orgs/").content.decode()
        assert "示范区委" in page and "6 个组织 · 2 名党员" in page
        fragment = client.get(f"/orgs/{tree.district.pk}/children/", HTTP_HX_REQUEST="true").content.decode()
        assert "甲镇党委" in fragment and "3 个组织 · 1 名党员" in fragment

    def test_create_child_via_form(self, tree, login):
        client = login(tree.users["town_a_admin"])
        response = client.post(f"/orgs/{tree.town_a.pk}/new/", {"name": "甲镇学校党支部", "kind": "branch", "domain": "school",
                                                                "term_started_on": "2025-01-01"})
        org = Organization.objects.get(name="甲镇学校党支部")
        assert response.status_code == 302 and org.path.startswith(tree.town_a.path)
        response = client.post(f"/orgs/{tree.town_a.pk}/new/", {"name": "", "kind": "group", "domain": "school"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "这个字段是必填项" in html or "此字段" in html or "必填" in html

    def test_move_and_dissolve_via_forms(self, tree, login):
        client = login(tree.users["district_admin"])
        response = client.post(f"/orgs/{tree.branch_a.pk}/move/", {"parent": tree.branch_b.code})
        assert response.status_code == 400 and "党支部之下只能设党小组" in response.content.decode()
        response = client.post(f"/orgs/{tree.branch_a.pk}/move/", {"parent": tree.town_b.code})
        assert response.status_code == 302
        assert refresh(tree.branch_a).path.startswith(tree.town_b.path)
        empty = make_org("空支部", "branch", refresh(tree.town_b))
        response = client.post(f"/orgs/{empty.pk}/dissolve/", {"dissolved_on": date.today().isoformat(), "dissolve_reason": "单位撤并"})
        assert response.status_code == 302 and not refresh(empty).is_active
        page = client.get(f"/orgs/{empty.pk}/").content.decode()
        assert "已撤销" in page and "单位撤并" in page

    def test_committee_post_form(self, tree, login):
        client = login(tree.users["secretary_a"])
        response = client.post(f"/orgs/{tree.branch_a.pk}/posts/new/", {"member_id_or_name": "李四", "post": "secretary",
                                                                        "term_start": "2024-01-01"})
        assert response.status_code == 400 and "未找到该党员" in response.content.decode()
        response = client.post(f"/orgs/{tree.branch_a.pk}/posts/new/", {"member_id_or_name": "张三", "post": "secretary",
                                                                        "term_start": "2024-01-01"})
        assert response.status_code == 302
        page = client.get(f"/orgs/{tree.branch_a.pk}/").content.decode()
        assert "书记" in page and "张三" in page and "未配备书记" not in page

    def test_term_reminder_page(self, tree, login):
        from apps.orgs import services

        services.org_update(actor=None, org=tree.branch_b, data={"term_started_on": date(2019, 1, 1)})
        client = login(tree.users["district_admin"])
        page = client.get("/orgs/terms/").content.decode()
        assert "乙村党支部" in page and "已届满" in page
        client = login(tree.users["town_a_admin"])
        assert "乙村党支部" not in client.get("/orgs/terms/").content.decode()


@pytest.mark.django_db
def test_list_pages_do_not_grow_queries_with_rows(tree, login):
    client = login(tree.users["district_admin"])
    urls = ["/members/", "/orgs/", f"/orgs/{tree.district.pk}/", f"/orgs/{tree.town_b.pk}/", f"/orgs/{tree.district.pk}/warnings/",
            "/orgs/terms/", "/api/members/", "/api/orgs/"]

    def count_queries():
        counts = {}
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            counts[url] = len(ctx.captured_queries)
        return counts

    small = count_queries()
    for i in range(25):
        org = make_org(f"新支部{i}", "branch", refresh(tree.town_b), term_started_on=date(2019, 1, 1))
        org.term_ends_on = org.compute_term_end()
        org.save()
        make_member(org, f"新人{i}", seq=600 + i)
    large = count_queries()
    for url in urls:
        assert large[url] <= small[url] + 1, f"{url}: {small[url]} → {large[url]} queries"


@pytest.mark.django_db
def test_find_an_organization_by_name_or_code_within_scope(tree, login):
    client = login(tree.users["district_admin"])
    page = client.get("/orgs/", {"q": "村党支部"}).content.decode()
    assert "甲村党支部" in page and "乙村党支部" in page and "共 2 个组织" in page
    assert "乙村党支部" in client.get("/orgs/", {"q": tree.branch_b.code.lower()}).content.decode()
    client = login(tree.users["town_a_admin"])
    page = client.get("/orgs/", {"q": "村党支部"}).content.decode()
    assert "甲村党支部" in page and "乙村党支部" not in page
