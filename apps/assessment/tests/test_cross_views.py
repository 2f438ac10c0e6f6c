"""Pages of cross-assessment: the access matrix of every new route (district administrator, township administrators
who are members, a member township's own village, a non-member secretary, the auditor, anonymous), the refusal of
one's own organization with its reason, sealing on the sheets, the opened scores (named for the district,
"评分单位N" for the assessed) and the member page's query count."""

import pytest

from apps.access.models import Role
from apps.assessment import cross_services, round_services
from apps.assessment.cross_models import CrossGroup, CrossMember, CrossScore
from tests.factories import make_org, make_user, refresh

from .cross_helpers import cross_round, member_of
from .round_helpers import score_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(tree):
    return {**tree.users, "town_b_admin": make_user("town_b_admin", Role.ORG_ADMIN, tree.town_b)}


@pytest.fixture
def setup(tree, make_system, admin):
    return cross_round(make_system, admin, tree)


def _status(client, user, method, url, data=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data or {}).status_code


def test_access_matrix(client, users, setup, tree):
    rnd, group = setup
    leaf = score_of(rnd, tree.branch_b, "民主测评").indicator
    entry_b = rnd.entries.get(organization=tree.branch_b)
    member_b = member_of(group, tree.town_b)
    spare = cross_services.group_create(actor=users["district_admin"], round=rnd, name="备用组")
    score_data = {"indicator": leaf.pk, "points": "2", "comment": "好"}
    # role: (member page, score branch B, group create, group delete, member add, member remove, my list)
    expected = {
        "district_admin": (403, 403, 302, 302, 302, 302, 200),
        "town_a_admin": (200, 302, 403, 403, 403, 403, 200),
        "town_b_admin": (200, 403, 403, 403, 403, 403, 200),  # branch B is its own village
        "secretary_b": (403, 403, 403, 403, 403, 403, 200),  # the assessed, not a member
        "secretary_a": (403, 404, 403, 403, 403, 403, 200),  # sees its own entry only
        "auditor": (404, 404, 404, 404, 404, 404, 200),
        None: (302, 302, 302, 302, 302, 302, 302),
    }
    for role, want in expected.items():
        user = users[role] if role else None
        got = (
            _status(client, user, "get", f"/assessment/rounds/{rnd.pk}/cross/"),
            _status(client, user, "post", f"/assessment/rounds/entries/{entry_b.pk}/cross/", score_data),
            _status(client, user, "post", f"/assessment/rounds/{rnd.pk}/cross/groups/", {"name": f"组{role}"}),
            _status(client, user, "post", f"/assessment/rounds/cross-groups/{spare.pk}/delete/")
            if role != "district_admin" else 302,
            _status(client, user, "post", f"/assessment/rounds/cross-groups/{group.pk}/members/",
                    {"organization_pk": tree.branch_a.pk, "organization": ""}) if role != "district_admin" else 302,
            _status(client, user, "post", f"/assessment/rounds/cross-members/{member_b.pk}/remove/")
            if role != "district_admin" else 302,
            _status(client, user, "get", "/assessment/cross/"),
        )
        assert got == want, role
    # the district's own add and remove (kept last: they change the group)
    client.force_login(users["district_admin"])
    other = CrossGroup.objects.create(round=rnd, name="第二组")
    response = client.post(f"/assessment/rounds/cross-groups/{other.pk}/members/",
                           {"organization_pk": tree.branch_a.pk, "organization": ""})
    assert response.status_code == 302 and CrossMember.objects.filter(group=other, organization=tree.branch_a).exists()
    assert client.post(f"/assessment/rounds/cross-members/{member_b.pk}/remove/").status_code == 302
    assert not CrossMember.objects.filter(pk=member_b.pk).exists()
    assert client.post(f"/assessment/rounds/cross-groups/{spare.pk}/delete/").status_code == 302
    assert not CrossGroup.objects.filter(pk=spare.pk).exists()


def test_own_organization_refused_with_reason(client, users, setup, tree):
    rnd, _group = setup
    leaf = score_of(rnd, tree.branch_b, "民主测评").indicator
    client.force_login(users["town_b_admin"])
    response = client.post(f"/assessment/rounds/entries/{rnd.entries.get(organization=tree.branch_b).pk}/cross/",
                           {"indicator": leaf.pk, "points": "2"})
    assert response.status_code == 403 and "不能为本单位" in response.content.decode()
    assert not CrossScore.objects.exists()


def test_bad_input_is_400_and_nothing_saved(client, users, setup, tree):
    rnd, _group = setup
    entry = rnd.entries.get(organization=tree.branch_b)
    leaf = score_of(rnd, tree.branch_b, "民主测评").indicator
    auto = score_of(rnd, tree.branch_b, "党员参会率").indicator
    client.force_login(users["town_a_admin"])
    for data, message in (({"indicator": leaf.pk, "points": "9"}, "不能超过"),
                          ({"indicator": leaf.pk, "points": "1", "comment": "a\x00"}, "不允许的字符"),
                          ({"indicator": auto.pk, "points": "1"}, "不由交叉考核评分"),
                          ({"indicator": "x", "points": "1"}, "指标不正确")):
        response = client.post(f"/assessment/rounds/entries/{entry.pk}/cross/", data)
        assert response.status_code == 400 and message in response.content.decode(), data
    client.force_login(users["district_admin"])
    response = client.post(f"/assessment/rounds/{rnd.pk}/cross/groups/", {"name": "x" * 41})
    assert response.status_code == 400 and "40" in response.content.decode()
    assert not CrossScore.objects.exists()


def test_sealed_pages_then_opened(client, users, setup, tree, admin):
    rnd, group = setup
    entry_b = rnd.entries.get(organization=tree.branch_b)
    leaf = score_of(rnd, tree.branch_b, "民主测评").indicator
    client.force_login(users["town_a_admin"])
    client.post(f"/assessment/rounds/entries/{entry_b.pk}/cross/", {"indicator": leaf.pk, "points": "1.75", "comment": "秘密意见"})
    page = client.get(f"/assessment/rounds/{rnd.pk}/cross/").content.decode()
    assert "本单位已评 1.75 分" in page  # the author sees its own
    for role in ("secretary_b", "district_admin"):
        client.force_login(users[role])
        sheet = client.get(f"/assessment/rounds/entries/{entry_b.pk}/").content.decode()
        assert "交叉评分密封中" in sheet and "1.75" not in sheet and "秘密意见" not in sheet, role
        results = client.get(f"/assessment/rounds/{rnd.pk}/results/").content.decode()
        assert "1.75" not in results
    round_services.round_close(actor=admin, round=rnd)
    client.force_login(users["secretary_b"])
    sheet = client.get(f"/assessment/rounds/entries/{entry_b.pk}/").content.decode()
    assert "评分单位1：1.75" in sheet and "甲镇党委" not in sheet and "秘密意见" in sheet
    client.force_login(users["district_admin"])
    sheet = client.get(f"/assessment/rounds/entries/{entry_b.pk}/").content.decode()
    assert "甲镇党委：1.75" in sheet


def test_round_page_shows_groups_to_the_district_only(client, users, setup):
    rnd, _group = setup
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()
    assert 'data-testid="cross-groups"' in page and "乙镇党委" in page
    client.force_login(users["town_a_admin"])
    assert 'data-testid="cross-groups"' not in client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()
    mine = client.get("/assessment/cross/").content.decode()
    assert rnd.name in mine


def test_member_page_queries_do_not_grow(client, users, tree, make_system, admin, django_assert_max_num_queries):
    for i in range(12):
        make_org(f"乙镇{i}村党支部", "branch", refresh(tree.town_b), domain="village")
    rnd, _group = cross_round(make_system, admin, tree)
    client.force_login(users["town_a_admin"])
    with django_assert_max_num_queries(20):
        response = client.get(f"/assessment/rounds/{rnd.pk}/cross/")
    assert response.status_code == 200 and response.content.decode().count('data-testid="cross-entry"') == 13


def test_indicator_form_sets_the_cross_weight(client, users, make_system, admin):
    from apps.assessment.models import Indicator

    system = make_system(group="village")
    leaf = Indicator.objects.get(system=system, name="民主测评")
    client.force_login(users["district_admin"])
    data = {"name": leaf.name, "max_points": "2.5", "method": "manual", "cross_weight": "40", "standard": ""}
    assert client.post(f"/assessment/indicators/{leaf.pk}/edit/", data).status_code == 302
    assert Indicator.objects.get(pk=leaf.pk).cross_weight == 40
    assert "1+N：互评占40%" in client.get(f"/assessment/systems/{system.pk}/").content.decode()
    response = client.post(f"/assessment/indicators/{leaf.pk}/edit/", {**data, "cross_weight": "101"})
    assert response.status_code == 400 and "0至100" in response.content.decode()
    assert Indicator.objects.get(pk=leaf.pk).cross_weight == 40
