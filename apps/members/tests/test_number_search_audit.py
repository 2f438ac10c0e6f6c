"""Every search by a full ID number or phone is audited (who, where, how many found; never the number), every refusal
too, and a daily cap sits well below the numbers a mask leaves open (apps.members.services.member_number_search)."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.audit.models import AuditEvent
from apps.core.idcard import make_id_number

SEARCHED = "number_search"
REFUSED = "search_refused"


def _rows(user, action=SEARCHED):
    return AuditEvent.objects.filter(action=action, actor_name=user.username).order_by("id")


def _leaks(number):
    """Audit rows holding the number (or the part of it a mask hides) anywhere."""
    middle = number[6:14] if len(number) == 18 else number[3:7]
    return [e for e in AuditEvent.objects.all()
            if any(part in json.dumps([e.object_repr, e.object_id, e.note, e.before, e.after], ensure_ascii=False)
                   for part in (number, middle))]


@pytest.mark.django_db
def test_every_number_search_is_audited_without_the_number(tree, login, settings):
    settings.MEMBER_NUMBER_SEARCH_LIMIT = 100
    admin = tree.users["district_admin"]
    client = login(admin)
    number = tree.member_a.id_number
    unknown = make_id_number("500102", tree.member_a.birth_date, 999)
    # The list (once per search, not per page of it), with a hit and without.
    location = client.post("/members/", {"q": number})["Location"]
    client.get(location)
    client.get(location, {"page": "1"})
    client.post("/members/", {"q": unknown})
    # The API, by phone.
    token = Token.objects.create(user=admin)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.post("/api/members/search/", {"q": "13800138000"}, content_type="application/json").status_code == 200
    # An export URL typed by hand; the committee-post form.
    client.get("/members/export/", {"q": number})
    client.post(f"/orgs/{tree.branch_a.pk}/posts/new/",
                {"post": "secretary", "term_start": "2024-01-01", "member_id_or_name": unknown})
    rows = list(_rows(admin))
    assert [r.note for r in rows] == ["党员列表：命中1条", "党员列表：命中0条", "API查询：命中1条", "导出党员：命中1条",
                                      "添加班子成员：命中0条"]
    assert rows[0].get_action_display() == "按身份证号/手机号精确查询"
    # A single hit names the member found (for the auditor of its subtree); a miss names none.
    assert rows[0].object_id == str(tree.member_a.pk) and rows[0].org_path == tree.member_a.organization.path
    assert rows[1].object_id == "" and rows[1].object_repr.startswith("身份证号 ")
    assert rows[2].object_repr.startswith("手机号 ")
    for searched in (number, unknown, "13800138000"):
        assert _leaks(searched) == []
    # Searching by name is not a number search: nothing counted, nothing recorded.
    client.post("/members/", {"q": "zs"})
    assert _rows(admin).count() == 5


@pytest.mark.django_db
def test_refusals_are_audited_and_the_day_is_capped(tree, login, settings):
    settings.MEMBER_NUMBER_SEARCH_LIMIT = 100
    settings.MEMBER_NUMBER_SEARCH_DAILY_LIMIT = 3
    user = tree.users["secretary_a"]
    token = Token.objects.create(user=user)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    candidates = [make_id_number("110101", tree.member_a.birth_date, seq) for seq in range(1, 7)]
    answers = [api.post("/api/members/search/", {"q": c}, content_type="application/json") for c in candidates]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429, 429]
    assert "今日" in answers[3].json()["detail"]
    assert _rows(user).count() == 3
    refused = list(_rows(user, REFUSED))
    assert len(refused) == 3 and all(r.note.startswith("API查询：今日") for r in refused)
    assert refused[0].get_action_display() == "精确查询超限被拒绝"
    # The page is refused the same way (429), and audited.
    client = login(user)
    response = client.get(client.post("/members/", {"q": tree.member_a.id_number})["Location"])
    assert response.status_code == 429 and "张三" not in response.content.decode()
    assert _rows(user, REFUSED).count() == 4
    for searched in candidates:
        assert _leaks(searched) == []


def test_the_daily_cap_is_well_below_the_candidates_a_mask_leaves_open():
    from django.conf import settings

    assert settings.MEMBER_NUMBER_SEARCH_DAILY_LIMIT <= 100 < 500
