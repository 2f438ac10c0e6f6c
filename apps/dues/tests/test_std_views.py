"""Pages of standards and hardship decisions: the access matrix of every route (404 out of scope, 403 visible but not
allowed), the member's page (the standard explained, the badges, the steps only for who may take them, the payments
read-only), the standard form's preview then save, bad input (4xx, nothing saved), the waiting list's query count
(the same for 3 and 30 rows) and the profile section's link."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.dues import standard_services as services
from apps.dues.models import DuesStandard, HardshipDecision, HardshipStatus
from tests.factories import make_member

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin"]
STAFF_A = {"district_admin", "town_a_admin", "secretary_a"}
ABOVE_A = {"district_admin", "town_a_admin"}


def _standard(tree, member=None, base="4200"):
    return services.standard_set(actor=tree.users["district_admin"], member=member or tree.member_a,
                                 category="in_service", base=D(base), effective_from=date(2026, 1, 1), note="")


def _decision(tree, member=None, agreed=False):
    d = services.hardship_apply(actor=tree.users["district_admin"], member=member or tree.member_a,
                                first_month=date(2026, 3, 1), last_month=None, monthly_amount=D("0"), reason="困难")
    if agreed:
        services.hardship_agree(actor=tree.users["district_admin"], decision=d)
    return d


def test_access_matrix(client, tree):
    _standard(tree)
    applied, agreed = _decision(tree), _decision(tree, agreed=True)
    m = tree.member_a.pk
    bad_note = {"note": "长" * 501}  # who may take the step gets 400 (nothing changes); the rest 403 or 404
    routes = [  # method, url, data, who sees (others 404), who may (others who see: 403), the status of who may
        ("get", f"/dues/members/{m}/", {}, STAFF_A | {"member_a"}, STAFF_A | {"member_a"}, 200),
        ("get", f"/dues/members/{m}/standard/new/", {}, STAFF_A | {"member_a"}, STAFF_A, 200),
        ("get", f"/dues/members/{m}/hardship/new/", {}, STAFF_A | {"member_a"}, STAFF_A | {"member_a"}, 200),
        ("post", f"/dues/hardship/{applied.pk}/agree/", bad_note, STAFF_A, STAFF_A, 400),
        ("post", f"/dues/hardship/{agreed.pk}/approve/", bad_note, STAFF_A, ABOVE_A, 400),
        ("post", f"/dues/hardship/{agreed.pk}/reject/", bad_note, STAFF_A, ABOVE_A, 400),
        ("get", "/dues/hardship/", {}, set(ROLES), STAFF_A | {"secretary_b"}, 200),
    ]
    for role in ROLES:
        client.force_login(tree.users[role])
        for method, url, data, sees, allowed, ok in routes:
            status = getattr(client, method)(url, data).status_code
            expected = ok if role in allowed else 403 if role in sees else 404
            assert status == expected, (role, method, url, status)
    assert {d.status for d in HardshipDecision.objects.all()} == {HardshipStatus.APPLIED, HardshipStatus.AGREED}
    client.force_login(tree.users["member_a"])
    assert client.get(f"/dues/members/{tree.member_b.pk}/").status_code == 404
    assert client.get("/dues/members/999999/").status_code == 404


def test_member_page_explains_and_shows_steps(client, tree):
    _standard(tree)
    d = _decision(tree)
    client.force_login(tree.users["secretary_a"])
    page = client.get(f"/dues/members/{tree.member_a.pk}/").content.decode()
    assert "在职 · 税后月收入 4,200.00 元 · 3000 &lt; 基数 ≤ 5000 · 1% · 每月 42.00 元" in page
    assert "text-bg-secondary" in page and 'data-testid="hardship-agree"' in page
    assert 'data-testid="hardship-approve"' not in page
    response = client.post(f"/dues/hardship/{d.pk}/agree/")
    assert response.status_code == 302
    page = client.get(f"/dues/members/{tree.member_a.pk}/").content.decode()
    assert 'data-testid="hardship-approve"' not in page and 'data-testid="hardship-agree"' not in page
    client.force_login(tree.users["town_a_admin"])
    page = client.get(f"/dues/members/{tree.member_a.pk}/").content.decode()
    assert 'data-testid="hardship-approve"' in page
    assert client.post(f"/dues/hardship/{d.pk}/approve/", {"note": "同意", "next": "list"}).status_code == 302
    d.refresh_from_db()
    assert d.status == HardshipStatus.APPROVED
    # taken already: a 400 with the reason, nothing changes
    assert client.post(f"/dues/hardship/{d.pk}/reject/", {"note": ""}).status_code == 400
    d.refresh_from_db()
    assert d.status == HardshipStatus.APPROVED


def test_standard_form_previews_then_saves(client, tree):
    client.force_login(tree.users["secretary_a"])
    url = f"/dues/members/{tree.member_a.pk}/standard/new/"
    data = {"category": "in_service", "base": "4200", "effective_from": "2026-01-01", "note": ""}
    response = client.post(url, data)
    assert response.status_code == 200 and "每月 42.00 元" in response.content.decode()
    assert not DuesStandard.objects.exists()
    response = client.post(url, {**data, "save": "1"})
    assert response.status_code == 302
    assert DuesStandard.objects.get().monthly_amount == D("42.00")
    assert client.post(url, {**data, "save": "1"}).status_code == 400  # the same day again
    farmer = client.post(url, {**data, "category": "farmer", "effective_from": "2026-02-01", "save": "1"})
    assert farmer.status_code == 302  # a stray base for a flat category is dropped
    assert DuesStandard.objects.get(category="farmer").base is None


@pytest.mark.parametrize("bad", [
    {"note": "a\x00b"}, {"base": "-1"}, {"base": "abc"}, {"base": ""}, {"base": "1e400"},
    {"effective_from": "99999-01-01"}, {"effective_from": "2026-13-45"}, {"effective_from": "1900-01-01"},
    {"effective_from": "2999-01-01"}, {"category": "x\x00"},
])
def test_standard_bad_input(client, tree, bad):
    client.force_login(tree.users["secretary_a"])
    data = {"category": "in_service", "base": "4200", "effective_from": "2026-01-01", "note": "", "save": "1", **bad}
    response = client.post(f"/dues/members/{tree.member_a.pk}/standard/new/", data)
    assert 400 <= response.status_code < 500
    assert not DuesStandard.objects.exists()


@pytest.mark.parametrize("bad", [
    {"reason": "x\x00"}, {"first_month": "9999-99"}, {"first_month": "abc"}, {"monthly_amount": "-1"},
    {"monthly_amount": "42.00"}, {"last_month": "2026-01"}, {"first_month": "1800-01"},
])
def test_hardship_bad_input(client, tree, bad):
    _standard(tree)
    client.force_login(tree.users["member_a"])
    data = {"first_month": "2026-03", "last_month": "", "monthly_amount": "0", "reason": "困难", **bad}
    response = client.post(f"/dues/members/{tree.member_a.pk}/hardship/new/", data)
    assert 400 <= response.status_code < 500
    assert not HardshipDecision.objects.exists()


def test_member_applies_from_own_page(client, tree):
    _standard(tree)
    client.force_login(tree.users["member_a"])
    data = {"first_month": "2026-03", "last_month": "2026-06", "monthly_amount": "10", "reason": "困难"}
    assert client.post(f"/dues/members/{tree.member_a.pk}/hardship/new/", data).status_code == 302
    d = HardshipDecision.objects.get()
    assert (d.first_month, d.last_month, d.monthly_amount) == (date(2026, 3, 1), date(2026, 6, 1), D("10.00"))


def _list_queries(client, tree, n):
    branch = tree.branch_a
    for i in range(n - HardshipDecision.objects.count()):
        member = make_member(branch, f"党员{i}")
        _standard(tree, member)
        _decision(tree, member, agreed=bool(i % 2))
    client.force_login(tree.users["district_admin"])
    client.get("/dues/hardship/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/dues/hardship/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="hardship-row"') == n
    return len(ctx.captured_queries)


def test_waiting_list_query_count(client, tree):
    assert _list_queries(client, tree, 3) == _list_queries(client, tree, 30)


def test_waiting_list_shows_each_user_their_step(client, tree):
    _standard(tree)
    applied, agreed = _decision(tree), _decision(tree, agreed=True)
    client.force_login(tree.users["secretary_a"])
    page = client.get("/dues/hardship/").content.decode()
    assert f"/dues/hardship/{applied.pk}/agree/" in page and f"/dues/hardship/{agreed.pk}/approve/" not in page
    client.force_login(tree.users["town_a_admin"])
    page = client.get("/dues/hardship/").content.decode()
    assert f"/dues/hardship/{agreed.pk}/approve/" in page
    client.force_login(tree.users["secretary_b"])
    assert 'data-testid="hardship-row"' not in client.get("/dues/hardship/").content.decode()


def test_profile_links_the_dues_page(client, tree):
    client.force_login(tree.users["secretary_a"])
    page = client.get(f"/members/{tree.member_a.pk}/").content.decode()
    assert f'href="/dues/members/{tree.member_a.pk}/"' in page
