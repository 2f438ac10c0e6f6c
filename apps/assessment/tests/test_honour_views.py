"""Pages of honours: the access matrix of every route (district, township, secretaries, a case handler, a member,
the auditor, anonymous), the main path through the pages (nominate with a member looked up, approve after the
confirmation step), bad input (4xx, Chinese), the public pages (approved only, members masked, no numbers) and the
lists' query counts (independent of their length)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.access.models import Role
from apps.assessment import honour_services
from apps.assessment.honour_models import Nomination, NominationStatus
from tests.factories import make_member, make_user

from .honour_helpers import approve, campaign, kind, nominate

pytestmark = pytest.mark.django_db
YEAR = date.today().year  # the pages approve as of today: a campaign of this year

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "handler_b", "member_a", "auditor", "anonymous"]
VIEWERS = {"district_admin", "town_a_admin", "secretary_a", "secretary_b", "handler_b"}  # ASSESSMENT_VIEW
NOMINATORS = {"district_admin", "town_a_admin", "secretary_a", "secretary_b"}  # organization work
SEES_A = {"district_admin", "town_a_admin", "secretary_a"}  # a nomination credited to branch A
MANAGES = {"district_admin"}


@pytest.fixture
def users(tree):
    return {**tree.users, "handler_b": make_user("handler_b", Role.CASE_HANDLER, tree.town_b)}


@pytest.fixture
def honours(tree):
    c = campaign(tree, year=YEAR)
    pending = nominate(tree, c, "五好示范党支部", org=tree.branch_a,
                       reasons="组织生活规范").pk
    awarded = approve(tree, nominate(tree, c, "优秀党员示范岗", member=tree.member_a))
    evidence = honour_services.nomination_create(
        actor=tree.users["district_admin"], kind=kind(c, "党员示范户"), nominated_by_org=tree.branch_a,
        nominee_member=tree.member_a, reasons="家风好", files=[SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\nxx")])
    return {"campaign": c, "pending": Nomination.objects.get(pk=pending), "awarded": awarded,
            "file": evidence.files.get()}


def _want(role, sees, allowed):
    if role == "anonymous":
        return 302
    return "ok" if role in allowed else 403 if role in sees else 404


def test_access_matrix(client, users, honours, tree):
    c, pending, awarded = honours["campaign"], honours["pending"], honours["awarded"]
    branch = kind(c, "五好示范党支部")
    everyone_sees = VIEWERS
    routes = [
        ("get", "/assessment/honours/", {}, set(ROLES) - {"anonymous"}, VIEWERS),
        ("get", "/assessment/honours/new/", {}, set(ROLES) - {"anonymous"}, MANAGES),
        ("get", f"/assessment/honours/{c.pk}/", {}, everyone_sees, everyone_sees),
        ("get", f"/assessment/honours/{c.pk}/nominate/", {}, everyone_sees, NOMINATORS),
        ("get", f"/assessment/honours/{c.pk}/nominations/", {}, everyone_sees, everyone_sees),
        ("post", f"/assessment/honours/kinds/{branch.pk}/quota/", {"quota": "12"}, everyone_sees, MANAGES),
        ("get", f"/assessment/honours/nominations/{pending.pk}/", {}, SEES_A, SEES_A),
        ("get", f"/assessment/honours/files/{honours['file'].pk}/", {}, SEES_A, SEES_A),
        # decisions without confirmed=1: the confirmation page only
        ("post", f"/assessment/honours/nominations/{pending.pk}/approve/", {"awarded_on": date.today().isoformat()}, SEES_A, MANAGES),
        ("post", f"/assessment/honours/nominations/{pending.pk}/reject/", {"reject-note": "材料不全"}, SEES_A, MANAGES),
        ("post", f"/assessment/honours/nominations/{awarded.pk}/revoke/", {"revoke-note": "撤销"}, SEES_A, MANAGES),
    ]
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        for method, url, data, sees, allowed in routes:
            response = getattr(client, method)(url, data)
            want = _want(role, sees, allowed)
            if want == "ok":
                assert response.status_code in (200, 302), (role, url, response.status_code)
                if response.status_code == 302:
                    assert "/accounts/" not in response["Location"], (role, url)
            else:
                assert response.status_code == want, (role, url, response.status_code)
                if want == 302:
                    assert "/accounts/login" in response["Location"]
        # the public pages: everyone, no login
        assert client.get("/honours/").status_code == 200
        assert client.get(f"/honours/{c.pk}/").status_code == 200
    # nothing was decided by the unconfirmed posts
    assert Nomination.objects.get(pk=pending.pk).status == NominationStatus.NOMINATED
    assert Nomination.objects.get(pk=awarded.pk).status == NominationStatus.APPROVED


def test_nominate_and_approve_through_the_pages(client, users, tree):
    c = campaign(tree, year=YEAR)
    client.force_login(users["secretary_a"])
    page = client.get(f"/assessment/honours/{c.pk}/nominate/")
    assert "推荐单位" in page.content.decode()
    post = client.post(f"/assessment/honours/{c.pk}/nominate/", {
        "kind": kind(c, "优秀党员示范岗").pk, "nominated_by_org": tree.branch_a.code, "nominee_member": "张三",
        "reasons": "带头致富，帮扶困难群众"})
    assert post.status_code == 302, post.content.decode()[:2000]
    n = Nomination.objects.get()
    assert (n.nominee_member, n.organization, n.nominated_by) == (tree.member_a, tree.branch_a, users["secretary_a"])
    client.force_login(users["district_admin"])
    detail = client.get(f"/assessment/honours/nominations/{n.pk}/").content.decode()
    assert "approve-form" in detail and "带头致富" in detail
    data = {"awarded_on": date.today().isoformat(), "certificate_no": "SF-001"}
    asked = client.post(f"/assessment/honours/nominations/{n.pk}/approve/", data)
    assert asked.status_code == 200 and "确认通过" in asked.content.decode()
    assert Nomination.objects.get(pk=n.pk).status == NominationStatus.NOMINATED
    done = client.post(f"/assessment/honours/nominations/{n.pk}/approve/", {**data, "confirmed": "1"})
    assert done.status_code == 302
    assert Nomination.objects.get(pk=n.pk).status == NominationStatus.APPROVED
    public = client.get(f"/honours/{c.pk}/").content.decode()
    assert "张*同志" in public and "张三" not in public


def test_bad_input_is_4xx_in_chinese(client, users, tree):
    c = campaign(tree, year=YEAR)
    client.force_login(users["secretary_a"])
    url = f"/assessment/honours/{c.pk}/nominate/"
    base = {"kind": kind(c, "五好示范党支部").pk, "nominated_by_org": tree.branch_a.code, "reasons": "好"}
    cases = [
        ({**base, "nominee_org": tree.branch_b.code}, "未找到该组织"),  # outside the secretary's scope
        ({**base, "kind": kind(c, "优秀党员示范岗").pk, "nominee_member": "无此人"}, "未找到该党员"),
        ({**base, "kind": kind(c, "优秀党员示范岗").pk}, "请填写被推荐的党员"),
        ({**base, "nominee_org": tree.branch_a.code, "reasons": ""}, "必填"),
        ({**base, "kind": "99999", "nominee_org": tree.branch_a.code}, "请选择本活动的示范类别"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400, (data, response.status_code)
        assert message in response.content.decode(), (data, message)
    assert not Nomination.objects.exists()
    n = nominate(tree, c, "五好示范党支部", org=tree.branch_a)
    client.force_login(users["district_admin"])
    for data, message in [({"awarded_on": "2026-13-01", "confirmed": "1"}, "请填写正确的日期"),
                          ({"awarded_on": f"{YEAR + 2}-01-01", "confirmed": "1"}, "授予日期须在"),
                          ({"awarded_on": ""}, "必填")]:
        response = client.post(f"/assessment/honours/nominations/{n.pk}/approve/", data)
        assert response.status_code == 400 and message in response.content.decode(), (data, response.status_code)
    response = client.post(f"/assessment/honours/nominations/{n.pk}/reject/", {"reject-note": "", "confirmed": "1"})
    assert response.status_code == 400 and "请填写理由" in response.content.decode()
    response = client.post(f"/assessment/honours/kinds/{kind(c, '五好示范党支部').pk}/quota/", {"quota": "-1"})
    assert response.status_code == 400 and "名额应在0至10000之间" in response.content.decode()
    assert Nomination.objects.get(pk=n.pk).status == NominationStatus.NOMINATED
    assert client.get("/honours/99999/").status_code == 404


def test_create_campaign_through_the_page(client, users, tree):
    client.force_login(users["district_admin"])
    response = client.post("/assessment/honours/new/", {"organization": tree.district.pk, "year": "2026"})
    assert response.status_code == 302
    client.force_login(users["town_a_admin"])
    assert client.post("/assessment/honours/new/", {"organization": tree.town_a.pk, "year": "2026"}).status_code == 403


def test_public_pages_show_awards_only_masked(client, tree):
    c = campaign(tree, year=YEAR)
    member = make_member(tree.branch_b, "欧阳明月", phone="13912345678")
    approve(tree, nominate(tree, c, "五好示范党支部", org=tree.branch_a))
    approve(tree, nominate(tree, c, "攻坚示范党小组", org=tree.group_a))
    approve(tree, nominate(tree, c, "党员示范户", member=member))
    nominate(tree, c, "五好示范党支部", org=tree.branch_b)  # pending
    rejected = nominate(tree, c, "优秀党员示范岗", member=tree.member_b)
    honour_services.nomination_reject(actor=tree.users["district_admin"], nomination=rejected, note="不符合条件")
    revoked = approve(tree, nominate(tree, c, "优秀党员示范岗", member=tree.member_a))
    honour_services.nomination_revoke(actor=tree.users["district_admin"], nomination=revoked, note="撤销")
    page = client.get(f"/honours/{c.pk}/").content.decode()
    assert "甲村党支部" in page and "甲村第一党小组" in page and "欧***同志家庭" in page and "乙村党支部" in page
    assert "欧阳明月" not in page and "13912345678" not in page and member.id_number not in page
    assert "李*同志" not in page and "张*同志" not in page  # rejected, revoked
    assert page.count("乙村党支部") == 1  # the household's organization only; the pending branch is not listed
    assert "1 / 10" in page and "1 / 20" in page and "1 / 300" in page and "0 / 100" in page
    index = client.get("/honours/").content.decode()
    assert c.name in index and "已授予3项" in index


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_lists_query_counts_do_not_grow(client, users, tree, django_assert_max_num_queries):
    c = campaign(tree, year=YEAR)
    members = [make_member(tree.branch_a, f"党员{i}") for i in range(12)]
    for m in members[:2]:
        approve(tree, nominate(tree, c, "优秀党员示范岗", member=m))
    client.force_login(users["district_admin"])
    urls = [f"/assessment/honours/{c.pk}/nominations/", f"/assessment/honours/{c.pk}/", "/assessment/honours/",
            f"/honours/{c.pk}/", "/honours/"]
    _count(client, urls[0])  # the first request of a session loads what later ones find cached
    few = {u: _count(client, u) for u in urls}
    for m in members[2:]:
        approve(tree, nominate(tree, c, "党员示范户", member=m))
        nominate(tree, c, "优秀党员示范岗", member=m)
    many = {u: _count(client, u) for u in urls}
    assert few == many
    with django_assert_max_num_queries(12):
        client.get(f"/assessment/honours/{c.pk}/nominations/?status=approved")


def test_member_by_id_number_counts_against_the_search_limit(client, users, tree, settings):
    settings.MEMBER_NUMBER_SEARCH_LIMIT = 1
    c = campaign(tree, year=YEAR)
    client.force_login(users["secretary_a"])
    data = {"kind": kind(c, "党员示范户").pk, "nominated_by_org": tree.branch_a.code,
            "nominee_member": tree.member_a.id_number, "reasons": "家风好"}
    assert client.post(f"/assessment/honours/{c.pk}/nominate/", data).status_code == 302
    assert Nomination.objects.get().nominee_member == tree.member_a
    again = client.post(f"/assessment/honours/{c.pk}/nominate/", {**data, "kind": kind(c, "优秀党员示范岗").pk})
    assert again.status_code == 429 and "上限" in again.content.decode()
    assert Nomination.objects.count() == 1


def test_a_full_quota_is_refused_on_the_page(client, users, tree):
    c = campaign(tree, year=YEAR)
    honour_services.kind_set_quota(actor=tree.users["district_admin"], kind=kind(c, "五好示范党支部"), quota=1)
    approve(tree, nominate(tree, c, "五好示范党支部", org=tree.branch_a))
    n = nominate(tree, c, "五好示范党支部", org=tree.branch_b)
    client.force_login(users["district_admin"])
    response = client.post(f"/assessment/honours/nominations/{n.pk}/approve/",
                           {"awarded_on": date.today().isoformat(), "confirmed": "1"}, follow=False)
    assert response.status_code == 400 and "名额已满（1个）" in response.content.decode()
    assert Nomination.objects.get(pk=n.pk).status == NominationStatus.NOMINATED
