"""The care fund's pages: the access matrix of every view, beneficiaries' names only with FUND_BENEFICIARIES, the
approve buttons for a second person, query counts that do not grow with the rows, bad input as 4xx, the public page."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.dues.fund_models import FundEntry, FundEntryStatus

from .fund_helpers import enter, open_fund, posted

pytestmark = pytest.mark.django_db

ROLES = ("district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor")


@pytest.fixture
def fund(tree):
    fund = open_fund(tree, tree.branch_a)
    posted(tree, fund, "500")
    return fund


@pytest.fixture
def spent(tree, fund):
    return posted(tree, fund, "120", spending=True)


def _get(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


@pytest.mark.parametrize("name, expected", [
    ("dues:funds", (200, 200, 200, 200, 403, 403)),
    ("dues:fund_open", (200, 200, 403, 403, 403, 403)),
])
def test_access_of_the_lists(client, tree, name, expected):
    assert tuple(_get(client, tree.users[r], reverse(name)) for r in ROLES) == expected


@pytest.mark.parametrize("name, expected", [
    ("dues:fund", (200, 200, 200, 404, 404, 404)),
    ("dues:fund_report", (200, 200, 200, 404, 404, 404)),
    ("dues:fund_report_export", (200, 200, 200, 404, 404, 404)),
    ("dues:fund_entry_create", (200, 200, 403, 404, 404, 404)),
    ("dues:fund_kinds", (200, 200, 403, 404, 404, 404)),
    ("dues:fund_member_search", (200, 200, 403, 404, 404, 404)),
    ("dues:fund_beneficiaries", (200, 200, 403, 404, 404, 404)),
])
def test_access_of_a_fund(client, tree, fund, name, expected):
    assert tuple(_get(client, tree.users[r], reverse(name, args=[fund.pk])) for r in ROLES) == expected


def test_access_of_an_entry(client, tree, spent):
    url = reverse("dues:fund_entry", args=[spent.pk])
    assert tuple(_get(client, tree.users[r], url) for r in ROLES) == (200, 200, 200, 404, 404, 404)
    for name in ("dues:fund_entry_approve", "dues:fund_entry_reject", "dues:fund_entry_reverse"):
        client.force_login(tree.users["secretary_a"])
        assert client.post(reverse(name, args=[spent.pk])).status_code == 403
        client.force_login(tree.users["secretary_b"])
        assert client.post(reverse(name, args=[spent.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_names_are_shown_only_with_the_beneficiaries_capability(client, tree, fund, spent):
    for role, shown in (("district_admin", True), ("secretary_a", False)):
        client.force_login(tree.users[role])
        for url in (reverse("dues:fund", args=[fund.pk]), reverse("dues:fund_entry", args=[spent.pk])):
            body = client.get(url).content.decode()
            assert ("张三" in body) is shown, (role, url)
            assert ("已登记" in body) is not shown
    client.force_login(tree.users["district_admin"])
    body = client.get(reverse("dues:fund_beneficiaries", args=[fund.pk])).content.decode()
    assert "张三" in body and "120.00" in body


def test_a_second_person_approves_from_the_pages(client, tree, fund):
    entry = enter(tree, fund, "80", spending=True)  # entered by township A's administrator
    client.force_login(tree.users["town_a_admin"])
    assert "待他人审批" in client.get(reverse("dues:fund", args=[fund.pk])).content.decode()
    response = client.post(reverse("dues:fund_entry_approve", args=[entry.pk]))
    assert response.status_code == 400 and "第二人" in response.content.decode()
    client.force_login(tree.users["district_admin"])
    page = client.get(reverse("dues:fund", args=[fund.pk])).content.decode()
    assert reverse("dues:fund_entry_approve", args=[entry.pk]) in page
    response = client.post(reverse("dues:fund_entry_approve", args=[entry.pk]), {"next": "fund"})
    assert response.status_code == 302 and response.url == reverse("dues:fund", args=[fund.pk])
    entry.refresh_from_db()
    assert entry.status == FundEntryStatus.POSTED


def test_overspending_is_refused_with_the_balance(client, tree, fund):
    entry = enter(tree, fund, "900", spending=True)
    client.force_login(tree.users["district_admin"])
    response = client.post(reverse("dues:fund_entry_approve", args=[entry.pk]))
    assert response.status_code == 400 and "500.00" in response.content.decode()


def test_the_entry_form_and_a_reversal(client, tree, fund):
    client.force_login(tree.users["town_a_admin"])
    url = reverse("dues:fund_entry_create", args=[fund.pk])
    found = client.get(reverse("dues:fund_member_search", args=[fund.pk]), {"q": "张"})
    assert f'value="{tree.member_a.pk}"' in found.content.decode()
    kinds = client.get(reverse("dues:fund_kinds", args=[fund.pk]), {"direction": "income"}).content.decode()
    assert "donation" in kinds and "festival_visit" not in kinds
    response = client.post(url, {"direction": "spending", "kind": "festival_visit", "amount": "66.50",
                                 "occurred_on": "2026-02-01", "beneficiary_pk": tree.member_a.pk, "reason": "春节慰问"})
    assert response.status_code == 302
    entry = FundEntry.objects.get(amount=Decimal("66.50"))
    assert entry.beneficiary == tree.member_a and entry.entered_by == tree.users["town_a_admin"]
    client.force_login(tree.users["district_admin"])
    client.post(reverse("dues:fund_entry_approve", args=[entry.pk]))
    response = client.post(reverse("dues:fund_entry_reverse", args=[entry.pk]), {"reason": "重复登记"})
    reversal = FundEntry.objects.get(reverses=entry)
    assert response.url == reverse("dues:fund_entry", args=[reversal.pk])
    assert "冲正" in client.get(reverse("dues:fund_entry", args=[entry.pk])).content.decode()


@pytest.mark.parametrize("data", [
    {"direction": "spending", "kind": "festival_visit", "amount": "1e3", "occurred_on": "2026-02-01", "reason": "x"},
    {"direction": "spending", "kind": "festival_visit", "amount": "10", "occurred_on": "2026-02-01", "reason": "x"},
    {"direction": "income", "kind": "festival_visit", "amount": "10", "occurred_on": "2026-02-01", "reason": "x"},
    {"direction": "x", "kind": "donation", "amount": "10", "occurred_on": "bad", "reason": "x"},
    {"direction": "spending", "kind": "festival_visit", "amount": "10", "occurred_on": "2026-02-01", "reason": "x",
     "beneficiary_pk": "999999"},
])
def test_bad_entries_answer_400_and_save_nothing(client, tree, fund, data):
    client.force_login(tree.users["town_a_admin"])
    before = FundEntry.objects.count()
    assert client.post(reverse("dues:fund_entry_create", args=[fund.pk]), data).status_code == 400
    assert FundEntry.objects.count() == before


def test_bad_filters_and_parameters_answer_400(client, tree, fund):
    client.force_login(tree.users["district_admin"])
    assert client.get(reverse("dues:fund", args=[fund.pk]), {"start": "2026-13-45"}).status_code == 400
    assert client.get(reverse("dues:fund", args=[fund.pk]), {"status": "nope"}).status_code == 400
    assert client.get(reverse("dues:fund_report", args=[fund.pk]), {"period": "week"}).status_code == 400
    assert client.get(reverse("dues:fund_report", args=[fund.pk]), {"year": "99999"}).status_code == 400
    assert client.get(reverse("dues:fund_member_search", args=[fund.pk]), {"q": "110101"}).status_code == 400
    assert client.post(reverse("dues:fund_entry_reverse", args=[fund.pk + 999])).status_code == 404
    assert client.get("/funds/", {"year": "abc"}).status_code == 400
    assert client.get("/funds/", {"fund": "999999"}).status_code == 400


def test_filters_and_the_report(client, tree, fund, spent):
    client.force_login(tree.users["district_admin"])
    page = client.get(reverse("dues:fund", args=[fund.pk]), {"direction": "spending"})
    assert list(page.context["page"].object_list) == [spent]
    report = client.get(reverse("dues:fund_report", args=[fund.pk]), {"period": "quarter", "year": "2026"})
    assert [(r["label"], r["kind"], r["total"]) for r in report.context["rows"]] == [
        ("2026年第1季度", "donation", Decimal("500.00")), ("2026年第1季度", "hardship_support", Decimal("120.00"))]
    export = client.get(reverse("dues:fund_report_export", args=[fund.pk]), {"period": "year", "year": "2026"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="export", object_type="dues.carefund").count() == 1


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_entries(client, tree, fund):
    client.force_login(tree.users["district_admin"])
    client.get(reverse("dues:funds"))  # the session's first save is not the page's
    urls = [reverse("dues:fund", args=[fund.pk]), reverse("dues:fund_report", args=[fund.pk]) + "?period=month&year=2026",
            reverse("dues:funds"), reverse("dues:fund_beneficiaries", args=[fund.pk]), "/funds/"]
    for _ in range(2):
        posted(tree, fund, "5", spending=True, on=date(2026, 3, 1))
        enter(tree, fund, "1")
    few = [_queries(client, url) for url in urls]
    for i in range(27):
        posted(tree, fund, "5", spending=True, on=date(2026, 1 + i % 12, 1))
        enter(tree, fund, "1")
    assert [_queries(client, url) for url in urls] == few


def test_the_public_page(client, tree, fund, spent):
    response = client.get("/funds/")
    body = response.content.decode()
    assert response.status_code == 200 and "张三" not in body and 'data-testid="merge-rule"' in body
    assert "不公布支出金额" in body  # one member helped this year: no spending figure
    assert "500.00" in body  # income is public
    assert "120.00" not in body  # one member's spending is never shown alone
    assert client.get("/funds/", {"fund": fund.pk, "year": "2026"}).status_code == 200
    assert reverse("funds:public") in client.get(reverse("accounts:login")).content.decode()


def test_the_survey_evaluator_opens_the_public_page_only(client, tree, fund):
    from apps.access.models import Role
    from tests.factories import make_user

    client.force_login(make_user("evaluator", Role.SURVEY_EVALUATOR, tree.district))
    assert client.get("/funds/").status_code == 200
    assert client.get(reverse("dues:funds")).status_code == 403
