"""Pages of assessment: the access matrix for every route and role, the main path through the pages, bad input,
and the query count of the systems list."""

from decimal import Decimal as D

import pytest

from apps.access.models import Role
from apps.assessment import services
from apps.assessment.models import AssessmentGroup, GradeBand, Indicator, IndicatorSystem, SystemStatus
from apps.audit.models import AuditEvent
from tests.factories import make_user

from .conftest import add_tree

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "handler_b", "member_a", "auditor", "sysadmin"]
STAFF = {"district_admin", "town_a_admin", "secretary_a", "secretary_b", "handler_b"}
# Who sees the systems of each group (scopes.py): the district's staff all; below it, whoever has one of the group's
# organizations in their subtree (甲村专项: branch A; 村: both branches, by domain; 机关: none of the tree).
SEES = {"a": {"district_admin", "town_a_admin", "secretary_a"},
        "village": {"district_admin", "town_a_admin", "secretary_a", "secretary_b", "handler_b"},
        "organ": {"district_admin"}}
MANAGES = {"district_admin"}


@pytest.fixture
def users(tree):
    return {**tree.users, "handler_b": make_user("handler_b", Role.CASE_HANDLER, tree.town_b)}


@pytest.fixture
def systems(make_system):
    return {g: make_system(group=g) for g in SEES}


def _expected(role, group, kind):
    if kind == "view":
        return 200 if role in SEES[group] else 404
    # manage: visible but not allowed is 403
    return 200 if role in MANAGES else 403 if role in SEES[group] else 404


def _routes(system):
    node = system.indicators.get(name="组织生活")
    return [
        ("get", f"/assessment/systems/{system.pk}/", "view"),
        ("get", f"/assessment/groups/{system.group_id}/", "view"),
        ("get", f"/assessment/systems/{system.pk}/edit/", "manage"),
        ("get", f"/assessment/systems/{system.pk}/bands/", "manage"),
        ("get", f"/assessment/systems/{system.pk}/indicators/new/", "manage"),
        ("get", f"/assessment/systems/{system.pk}/copy/", "manage"),
        ("get", f"/assessment/indicators/{node.pk}/new/", "manage"),
        ("get", f"/assessment/indicators/{node.pk}/edit/", "manage"),
        ("get", f"/assessment/groups/{system.group_id}/edit/", "manage"),
        # One-click steps without confirmed=1: the confirmation page, nothing done.
        ("post", f"/assessment/systems/{system.pk}/publish/", "manage"),
        ("post", f"/assessment/systems/{system.pk}/retire/", "manage"),
        ("post", f"/assessment/systems/{system.pk}/delete/", "manage"),
        ("post", f"/assessment/indicators/{node.pk}/delete/", "manage"),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("group", ["a", "village", "organ"])
def test_access_matrix(users, systems, client, role, group):
    client.force_login(users[role])
    for method, url, kind in _routes(systems[group]):
        status = getattr(client, method)(url).status_code
        expected = _expected(role, group, kind)
        assert status == expected, f"{role} {method} {url} → {status}, expected {expected}"
    assert IndicatorSystem.objects.filter(status=SystemStatus.DRAFT).count() == 3  # nothing was acted on


@pytest.mark.parametrize("role", ROLES)
def test_pages_without_an_object(users, systems, client, role):
    client.force_login(users[role])
    for url in ("/assessment/", "/assessment/groups/", "/assessment/catalogue/"):
        assert client.get(url).status_code == (200 if role in STAFF else 403), url
    for url in ("/assessment/new/", "/assessment/groups/new/"):
        assert client.get(url).status_code == (200 if role in MANAGES else 403), url


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_the_scope(users, systems, client, role):
    client.force_login(users[role])
    if role not in STAFF:
        return
    body = client.get("/assessment/").content.decode()
    groups = client.get("/assessment/groups/").content.decode()
    for group, system in systems.items():
        assert (f"/assessment/systems/{system.pk}/" in body) == (role in SEES[group]), (role, group)
        assert (f"/assessment/groups/{system.group_id}/" in groups) == (role in SEES[group]), (role, group)


def test_write_posts_outside_scope_change_nothing(users, systems, client):
    system = systems["a"]
    node = system.indicators.get(name="组织生活")
    client.force_login(users["secretary_b"])
    for url in (f"/assessment/systems/{system.pk}/publish/", f"/assessment/systems/{system.pk}/delete/",
                f"/assessment/indicators/{node.pk}/delete/"):
        assert client.post(url, {"confirmed": "1"}).status_code == 404
    assert client.post(f"/assessment/indicators/{node.pk}/move/", {"direction": "down"}).status_code == 404
    client.force_login(users["secretary_a"])
    assert client.post(f"/assessment/indicators/{node.pk}/move/", {"direction": "down"}).status_code == 403
    assert client.post(f"/assessment/systems/{system.pk}/publish/", {"confirmed": "1"}).status_code == 403
    assert client.post(f"/assessment/indicators/{node.pk}/edit/", {"name": "x", "max_points": "1"}).status_code == 403
    system.refresh_from_db()
    assert system.status == SystemStatus.DRAFT and Indicator.objects.filter(pk=node.pk, name="组织生活").exists()


def test_group_page_names_only_organizations_in_view(users, systems, client, tree):
    client.force_login(users["secretary_a"])
    body = client.get(f"/assessment/groups/{systems['village'].group_id}/").content.decode()
    assert "甲村党支部" in body and "乙村党支部" not in body
    client.force_login(users["district_admin"])
    body = client.get(f"/assessment/groups/{systems['village'].group_id}/").content.decode()
    assert "甲村党支部" in body and "乙村党支部" in body


# ---- the main path through the pages ----

def test_set_up_a_system_through_the_pages(users, tree, types, client):
    client.force_login(users["district_admin"])
    response = client.post("/assessment/groups/new/", {"owner": tree.district.pk, "name": "村", "domains": ["village"],
                                                       "codes": "", "sort_order": "1"})
    assert response.status_code == 302
    group = AssessmentGroup.objects.get(name="村")
    response = client.post("/assessment/new/", {"group": group.pk, "year": "2026", "name": "村党组织考核",
                                                "weight_month": "0", "weight_quarter": "40", "weight_half": "0",
                                                "weight_year": "60"})
    assert response.status_code == 302
    system = IndicatorSystem.objects.get(name="村党组织考核")
    assert (system.weight_quarter, system.weight_year, system.version) == (D(40), D(60), 1)
    response = client.post(f"/assessment/systems/{system.pk}/indicators/new/", {"name": "基础工作", "max_points": "70"})
    assert response.status_code == 302
    root = system.indicators.get()
    for name, points, extra in [("组织生活完成率", "40", {"method": "automatic", "metric": "records.completion"}),
                                ("主题党日", "30", {"method": "automatic", "metric": "records.type_completion",
                                                   "activity_type": types["theme_day"].pk})]:
        response = client.post(f"/assessment/indicators/{root.pk}/new/", {"name": name, "max_points": points, **extra})
        assert response.status_code == 302, response.content.decode()
    client.post(f"/assessment/systems/{system.pk}/indicators/new/",
                {"name": "负面清单", "max_points": "30", "method": "deduction", "points_per": "5", "cap": "30"})
    # 基础工作 下移 (now second, the last: not again), then 上移 back to first.
    assert client.post(f"/assessment/indicators/{root.pk}/move/", {"direction": "down"}).status_code == 302
    assert client.post(f"/assessment/indicators/{root.pk}/move/", {"direction": "down"}).status_code == 400
    assert client.post(f"/assessment/indicators/{root.pk}/move/", {"direction": "sideways"}).status_code == 400
    assert client.post(f"/assessment/indicators/{root.pk}/move/", {"direction": "up"}).status_code == 302
    page = client.get(f"/assessment/systems/{system.pk}/").content.decode()
    assert "1.2" in page and "主题党日" in page and "得分 = 比率 × 分值" in page and "发布前需处理" not in page
    # Published with its confirmation; then the pages refuse to change it, with the reason.
    assert client.post(f"/assessment/systems/{system.pk}/publish/").status_code == 200  # the confirmation page
    assert client.post(f"/assessment/systems/{system.pk}/publish/", {"confirmed": "1"}).status_code == 302
    system.refresh_from_db()
    assert system.status == SystemStatus.IN_USE
    refused = client.post(f"/assessment/systems/{system.pk}/edit/", {"name": "改", "weight_month": "0", "weight_quarter": "0",
                                                                      "weight_half": "0", "weight_year": "100"})
    assert refused.status_code == 400 and "请复制为新版本后修改" in refused.content.decode()
    refused = client.get(f"/assessment/indicators/{root.pk}/edit/")
    assert refused.status_code == 400
    # 复制上一年度: next year's draft, the same tree.
    response = client.post(f"/assessment/systems/{system.pk}/copy/", {"year": "2027"})
    assert response.status_code == 302
    copy = IndicatorSystem.objects.get(year=2027)
    assert copy.status == SystemStatus.DRAFT and copy.indicators.count() == 4
    assert response["Location"] == f"/assessment/systems/{copy.pk}/"


def test_publish_refused_lists_the_problems(users, make_system, client):
    system = make_system(tree=False)
    client.force_login(users["district_admin"])
    response = client.post(f"/assessment/systems/{system.pk}/publish/", {"confirmed": "1"})
    assert response.status_code == 400 and "尚未设置考核指标" in response.content.decode()
    system.refresh_from_db()
    assert system.status == SystemStatus.DRAFT


def test_detail_page_is_printable_and_fits_a_phone(users, make_system, client):
    system = make_system()
    client.force_login(users["secretary_a"])
    page = client.get(f"/assessment/systems/{system.pk}/").content.decode()
    assert 'class="print-title"' in page and "2026年度 党建工作考核指标（第1版）" in page
    assert "<table" not in page.split('data-testid="indicator-tree"')[1]  # the tree is a list: no wide table at 390 px
    assert "编辑" not in page.split('data-testid="indicator-tree"')[1]  # a viewer gets no editing links
    assert 'name="viewport"' in page


# ---- bad input ----

def test_bad_input_gets_4xx_in_chinese_and_saves_nothing(users, make_system, client):
    system = make_system(tree=False)
    client.force_login(users["district_admin"])
    counts = lambda: (Indicator.objects.count(), GradeBand.objects.count(), AuditEvent.objects.count(),  # noqa: E731
                      IndicatorSystem.objects.count(), AssessmentGroup.objects.count())
    before = counts()
    url = f"/assessment/systems/{system.pk}/indicators/new/"
    cases = [
        ({"name": "x", "max_points": "-5"}, "分值须大于0"),
        ({"name": "x", "max_points": "9" * 30}, "总共不超过 6 个数字"),
        ({"name": "x", "max_points": "1e400"}, ""),
        ({"name": "x", "max_points": "NaN"}, ""),
        ({"name": "x", "max_points": "5", "method": "deduction", "points_per": "1", "cap": "6"}, "不能超过该指标的分值"),
        ({"name": "x", "max_points": "5", "method": "automatic", "metric": "records.nope"}, ""),
        ({"name": "x" * 101, "max_points": "5"}, ""),
        ({"name": "", "max_points": "5"}, "此项为必填项"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        body = response.content.decode()
        assert response.status_code == 400, (data, response.status_code)
        assert message in body, (data, message)
    assert client.post(url, {"name": "a\x00b", "max_points": "5"}).status_code == 400  # NUL: refused at the door
    response = client.post(f"/assessment/systems/{system.pk}/edit/", {"name": "x", "weight_month": "50", "weight_quarter": "0",
                                                                       "weight_half": "0", "weight_year": "60"})
    assert response.status_code == 400 and "权重合计须为100%，当前为110%" in response.content.decode()
    response = client.post("/assessment/new/", {"group": system.group_id, "year": "99999", "name": "x",
                                                "weight_month": "0", "weight_quarter": "0", "weight_half": "0",
                                                "weight_year": "100"})
    assert response.status_code == 400 and "考核年度应在1900年至2100年之间" in response.content.decode()
    bands = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-0-name": "好", "form-0-min_score": "80",
             "form-0-max_score": "100", "form-1-name": "差", "form-1-min_score": "0", "form-1-max_score": "85"}
    response = client.post(f"/assessment/systems/{system.pk}/bands/", bands)
    assert response.status_code == 400 and "分数范围重叠" in response.content.decode()
    response = client.post(f"/assessment/systems/{system.pk}/bands/", {"form-TOTAL_FORMS": "x"})
    assert response.status_code == 400
    response = client.post(f"/assessment/systems/{system.pk}/bands/", {**bands, "form-1-max_score": "-80"})
    assert response.status_code == 400
    response = client.post("/assessment/groups/new/", {"owner": "1", "name": "空", "codes": "NOPE1\nNOPE2", "sort_order": "1"})
    assert response.status_code == 400 and "未找到以下组织编码" in response.content.decode()
    response = client.post("/assessment/groups/new/", {"name": "空", "sort_order": "1"})
    assert response.status_code == 400
    response = client.post(f"/assessment/systems/{system.pk}/copy/", {"year": "-1"})
    assert response.status_code == 400 and "考核年度应在" in response.content.decode()
    assert counts() == before


def test_a_group_needs_a_rule_or_organizations(users, tree, client):
    client.force_login(users["district_admin"])
    response = client.post("/assessment/groups/new/", {"owner": tree.district.pk, "name": "空", "sort_order": "1"})
    assert response.status_code == 400 and "至少用一种方式确定该类别包括哪些组织" in response.content.decode()
    assert not AssessmentGroup.objects.exists()


# ---- query counts ----

def test_systems_list_queries_do_not_grow(users, make_system, admin, client, django_assert_max_num_queries):
    make_system(tree=False)
    for role in ("district_admin", "secretary_a"):
        client.force_login(users[role])
        with django_assert_max_num_queries(30) as few:
            assert client.get("/assessment/").status_code == 200
        for group in ("a", "village", "organ"):
            for year in (2024, 2025):
                system = make_system(group=group, year=year, tree=False)
                services.indicator_create(actor=admin, system=system, data={"name": "x", "max_points": D(1)})
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get("/assessment/").status_code == 200
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get("/assessment/groups/").status_code == 200


def test_detail_queries_do_not_grow_with_the_tree(users, make_system, admin, types, client, django_assert_max_num_queries):
    system = make_system(tree=False)
    services.indicator_create(actor=admin, system=system, data={"name": "x", "max_points": D(100), "method": "manual"})
    client.force_login(users["district_admin"])
    with django_assert_max_num_queries(40) as few:
        assert client.get(f"/assessment/systems/{system.pk}/").status_code == 200
    # A second system's whole tree added under this one's (another 11 indicators, three levels).
    root = services.indicator_create(actor=admin, system=system, data={"name": "更多", "max_points": D(50)})
    add_tree(system, admin, types, parent=root)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/assessment/systems/{system.pk}/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_nav_entry_for_those_who_may_view(users, client, role):
    client.force_login(users[role])
    page = client.get("/accounts/profile/").content.decode()
    assert ('href="/assessment/"' in page) == (role in STAFF)
