"""The organization picker: a scoped search endpoint (with parent paths, bounded queries) and one form field
that every form choosing an organization uses — accepting the picker's id or a typed code, refusing ids
outside the user's scope."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.orgs.models import Organization
from apps.orgs.picker import OrgChoiceField
from tests.factories import make_org, refresh

PICK = "/orgs/pick/"


@pytest.fixture
def namesakes(tree):
    """新民村第1党支部 under a 新民村党委 in both townships: the ambiguity the picker's parent path resolves."""
    made = {}
    for key, town in (("a", tree.town_a), ("b", tree.town_b)):
        village = make_org("新民村党委", "committee", refresh(town), domain="village")
        made[key] = make_org("新民村第1党支部", "branch", refresh(village), domain="village")
    return made


def options(response):
    """(id, label) of each option of a picker fragment."""
    html = response.content.decode()
    return re.findall(r'data-pk="(\d+)" data-label="([^"]*)"', html)


@pytest.mark.django_db
class TestEndpoint:
    def test_town_admin_sees_own_township_with_parent_path(self, tree, namesakes, login):
        client = login(tree.users["town_a_admin"])
        response = client.get(PICK, {"cap": "member.manage", "q": "新民村第1"})
        assert response.status_code == 200
        # The town's own subtree only; ancestors above the scope (the district) are left out.
        assert options(response) == [(str(namesakes["a"].pk), "甲镇党委 › 新民村党委 › 新民村第1党支部")]

    def test_district_admin_tells_namesakes_apart(self, tree, namesakes, login):
        client = login(tree.users["district_admin"])
        found = dict(options(client.get(PICK, {"cap": "org.view", "q": "新民村第1"})))
        assert found == {str(namesakes["a"].pk): "示范区委 › 甲镇党委 › 新民村党委 › 新民村第1党支部",
                         str(namesakes["b"].pk): "示范区委 › 乙镇党委 › 新民村党委 › 新民村第1党支部"}

    def test_secretary_matrix(self, tree, namesakes, login):
        client = login(tree.users["secretary_a"])
        assert options(client.get(PICK, {"cap": "member.manage", "q": "新民"})) == []
        found = {pk for pk, _ in options(client.get(PICK, {"cap": "member.manage", "q": "甲村"}))}
        assert found == {str(tree.branch_a.pk), str(tree.group_a.pk)}
        client = login(tree.users["secretary_b"])
        assert options(client.get(PICK, {"cap": "member.manage", "q": "甲村"})) == []
        assert options(client.get(PICK, {"cap": "member.manage", "q": tree.branch_a.code})) == []

    def test_search_by_code_pinyin_and_initials(self, tree, login):
        client = login(tree.users["district_admin"])
        for q in (tree.branch_a.code.lower(), "jcdzb", "JiaCun", "甲村"):
            assert str(tree.branch_a.pk) in dict(options(client.get(PICK, {"cap": "org.view", "q": q}))), q

    def test_kinds_and_field_parameter(self, tree, login):
        client = login(tree.users["district_admin"])
        groups = dict(options(client.get(PICK, {"cap": "member.manage", "kinds": "group", "field": "party_group",
                                                "party_group": "甲村"})))
        assert list(groups) == [str(tree.group_a.pk)] and groups[str(tree.group_a.pk)].endswith("甲村党支部 › 甲村第一党小组")
        branches = dict(options(client.get(PICK, {"cap": "member.manage", "kinds": "nongroup", "q": "甲村"})))
        assert list(branches) == [str(tree.branch_a.pk)]

    def test_refused_without_the_capability_or_with_bad_parameters(self, tree, client, login):
        assert client.get(PICK, {"q": "甲"}).status_code == 302  # login first
        assert login(tree.users["auditor"]).get(PICK, {"cap": "member.view", "q": "甲"}).status_code == 403
        assert login(tree.users["sysadmin"]).get(PICK, {"cap": "org.view", "q": "甲"}).status_code == 403
        client = login(tree.users["district_admin"])
        assert client.get(PICK, {"cap": "system.everything", "q": "甲"}).status_code == 400
        assert client.get(PICK, {"cap": "org.view", "kinds": "bogus", "q": "甲"}).status_code == 400
        # Control characters never reach the database (NUL would fail on PostgreSQL): refused or dropped, never a 500.
        assert client.get(PICK, {"cap": "org.view", "q": "甲\x00村"}).status_code in (200, 400)
        assert options(client.get(PICK, {"cap": "org.view", "q": ""})) == []

    def test_auditor_picks_within_audit_scope(self, tree, login):
        client = login(tree.users["auditor"])
        assert str(tree.town_b.pk) in dict(options(client.get(PICK, {"cap": "audit.view", "q": "乙镇"})))

    def test_query_count_is_bounded_and_results_limited(self, tree, login):
        client = login(tree.users["district_admin"])

        def count():
            client.get(PICK, {"cap": "member.manage", "q": "新民村第1"})  # warm the session
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(PICK, {"cap": "member.manage", "q": "新民村第1"})
            return len(ctx), response

        parent = refresh(tree.town_a)
        for i in range(3):
            village = make_org(f"新民{i}村党委", "committee", refresh(parent), domain="village")
            make_org("新民村第1党支部", "branch", refresh(village), domain="village")
        few, _ = count()
        for i in range(3, 25):
            village = make_org(f"新民{i}村党委", "committee", refresh(tree.town_b), domain="village")
            make_org("新民村第1党支部", "branch", refresh(village), domain="village")
        many, response = count()
        assert many == few and many <= 6
        assert len(options(response)) == 20 and "仅显示前 20 个" in response.content.decode()


    def test_opened_by_a_browser_it_is_a_page_in_the_layout_not_a_bare_fragment(self, tree, namesakes, login):
        """A reload or a bookmark of /orgs/pick/ (a browser navigation, or htmx restoring history) renders
        the matches inside the site's layout; the picker's own htmx request gets the fragment."""
        client = login(tree.users["town_a_admin"])
        params = {"cap": "member.manage", "q": "新民村第1"}
        for headers in ({"Accept": "text/html,application/xhtml+xml"}, {"HX-Request": "true", "HX-History-Restore-Request": "true"}):
            html = client.get(PICK, params, headers=headers).content.decode()
            assert "<html" in html and 'data-testid="pick-page"' in html and "新民村第1党支部" in html, headers
            assert "data-org-option" not in html
        fragment = client.get(PICK, params, headers={"HX-Request": "true", "Accept": "*/*"}).content.decode()
        assert "<html" not in fragment and "data-org-option" in fragment


@pytest.mark.django_db
class TestField:
    def test_widget_without_javascript_is_a_code_box(self, tree):
        field = OrgChoiceField(Organization.objects.all(), kinds="nongroup")
        html = field.widget.render("organization", field.prepare_value(tree.branch_a), {"id": "id_organization"})
        assert f'name="organization" value="{tree.branch_a.code}"' in html
        # The id travels only when the script enables it: a browser without JavaScript submits the code.
        assert re.search(rf'<input type="hidden" name="organization_pk" value="{tree.branch_a.pk}" data-org-pk disabled>', html)
        assert "示范区委 › 甲镇党委 › 甲村党支部" in html and "/orgs/pick/?cap=org.view&amp;kinds=nongroup" in html

    def test_resolves_within_queryset_only(self, tree):
        field = OrgChoiceField(Organization.objects.filter(path__startswith=tree.town_a.path))
        assert field.clean({"pk": str(tree.branch_a.pk), "text": "anything"}) == tree.branch_a
        assert field.clean({"pk": "", "text": tree.branch_a.code.lower()}) == tree.branch_a
        assert field.clean({"pk": "", "text": "甲村党支部"}) == tree.branch_a
        for bad in ({"pk": str(tree.branch_b.pk), "text": tree.branch_a.code}, {"pk": "", "text": tree.branch_b.code},
                    {"pk": "x1", "text": ""}, {"pk": "", "text": "NOPE"}):
            with pytest.raises(Exception) as exc:
                field.clean(bad)
            assert "不在您的权限范围内" in str(exc.value)


@pytest.mark.django_db
class TestFormsUseThePicker:
    def test_move_accepts_picked_parent_and_refuses_one_outside_scope(self, tree, login):
        target = make_org("甲镇机关党委", "committee", refresh(tree.town_a), domain="organ")
        client = login(tree.users["town_a_admin"])
        page = client.get(f"/orgs/{tree.branch_a.pk}/move/").content.decode()
        assert "data-org-picker" in page and 'name="parent_pk"' in page
        response = client.post(f"/orgs/{tree.branch_a.pk}/move/", {"parent": "乙镇党委", "parent_pk": tree.town_b.pk})
        assert response.status_code == 400 and "不在您的权限范围内" in response.content.decode()
        assert refresh(tree.branch_a).path.startswith(tree.town_a.path)
        response = client.post(f"/orgs/{tree.branch_a.pk}/move/", {"parent": "甲镇党委 › 甲镇机关党委", "parent_pk": target.pk})
        assert response.status_code == 302 and refresh(tree.branch_a).path.startswith(refresh(target).path)

    def test_the_picker_in_a_pushing_filter_form_never_pushes_its_own_url(self, tree, login):
        """The member list's filter form pushes its URL (hx-push-url="true"); htmx attributes are inherited, so the
        picker's search request sets its own: no push or replace, no hx-select/hx-include from the form."""
        import re

        page = login(tree.users["town_a_admin"]).get("/members/").content.decode()
        assert 'hx-push-url="true"' in page
        box = re.search(r'<input type="text" name="org"[^>]*>', page, re.S).group(0)
        for attribute in ('hx-push-url="false"', 'hx-replace-url="false"', 'hx-select="unset"', 'hx-include="unset"',
                          'hx-target="#id_org_results"'):
            assert attribute in box, attribute

    def test_member_list_filter(self, tree, login):
        client = login(tree.users["secretary_a"])
        response = client.get("/members/", {"org": "x", "org_pk": tree.branch_a.pk})
        assert response.status_code == 200 and "张三" in response.content.decode()
        response = client.get("/members/", {"org": "乙村党支部", "org_pk": tree.branch_b.pk})
        assert response.status_code == 400 and "李四" not in response.content.decode()
        assert client.get("/members/", {"org": tree.branch_a.code}).status_code == 200  # no JavaScript: the code

    def test_record_list_filter(self, tree, login):
        client = login(tree.users["town_a_admin"])
        response = client.get("/records/", {"org_pk": tree.branch_a.pk})
        assert response.status_code == 200 and 'name="org_pk"' in response.content.decode()
        assert client.get("/records/", {"org_pk": tree.branch_b.pk}).status_code == 400

    def test_audit_filter(self, tree, login):
        from apps.orgs import services

        services.org_update(actor=tree.users["district_admin"], org=tree.branch_a, data={"address": "甲村1号"})
        services.org_update(actor=tree.users["district_admin"], org=tree.branch_b, data={"address": "乙村1号"})
        client = login(tree.users["auditor"])
        response = client.get("/audit/", {"org": "甲镇党委", "org_pk": tree.town_a.pk, "object_type": "orgs.organization"})
        html = response.content.decode()
        assert response.status_code == 200 and "甲村党支部" in html and "乙村党支部" not in html
        assert AuditEvent.objects.filter(org_path__startswith=tree.branch_b.path).exists()
        assert client.get("/audit/", {"org_pk": 999999}).status_code == 400

    def test_case_settings_forms(self, tree, login):
        from apps.cases.models import HandlingUnit, RoutingRule

        client = login(tree.users["district_admin"])
        page = client.get("/cases/settings/units/new/").content.decode()
        assert 'name="organization_code_pk"' in page
        response = client.post("/cases/settings/units/new/", {"name": "甲镇", "kind": "township", "is_active": "on",
                                                               "sort_order": 1, "organization_code": "甲镇党委",
                                                               "organization_code_pk": tree.town_a.pk})
        assert response.status_code == 302 and HandlingUnit.objects.get(name="甲镇").organization == tree.town_a
        response = client.post("/cases/settings/units/new/", {"name": "某单位", "kind": "township", "sort_order": 1,
                                                               "organization_code": "", "organization_code_pk": 999999})
        assert response.status_code == 400 and not HandlingUnit.objects.filter(name="某单位").exists()
        response = client.post("/cases/settings/rules/new/", {"to_area_unit": "on", "is_active": "on",
                                                               "area_code": tree.town_a.code})
        assert response.status_code == 302 and RoutingRule.objects.get().area == tree.town_a


@pytest.mark.django_db
def test_search_results_page_shows_parent_paths(tree, namesakes, login):
    html = login(tree.users["district_admin"]).get("/orgs/", {"q": "新民村第1"}).content.decode()
    assert html.count('data-testid="org-path"') == 2
    assert "示范区委 › 甲镇党委 › 新民村党委 ›" in html and "示范区委 › 乙镇党委 › 新民村党委 ›" in html
