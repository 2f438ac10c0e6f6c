"""Pages of cadres' pay: the access matrix of every route (only the district's ASSESSMENT_MANAGE sees pay; to
everyone else a scheme or sheet does not exist), the main path through the pages, bad input (4xx, nothing saved), the
refusal for an open round, the sheet page's query count (not growing with its lines) and the Excel export (each bonus
a hyperlink to the absolute URL of its score page, formula-like text kept as text, no ID numbers)."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.access.models import Role
from apps.assessment import pay_services
from apps.assessment.pay_models import PayRate, PayScheme, PaySheet
from apps.audit.models import AuditEvent
from apps.orgs.models import CommitteePost
from tests.factories import make_member, make_org, make_user

from .pay_helpers import cadres, closed_round, scheme
from .round_helpers import make_round, published

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b", "member_a",
         "auditor", "sysadmin"]
SEES_ROUND = {"district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b"}
MANAGES = {"district_admin"}


@pytest.fixture
def users(tree):
    return {**tree.users, "handler_b": make_user("handler_b", Role.CASE_HANDLER, tree.town_b),
            "branch_a_admin": make_user("branch_a_admin", Role.ORG_ADMIN, tree.branch_a)}


@pytest.fixture
def sheet(make_system, admin, tree, groups):
    cadres(tree)
    rnd = closed_round(make_system, admin, tree, {tree.branch_a: "85", tree.branch_b: "70"})
    scheme(admin, groups)
    return pay_services.sheet_generate(actor=admin, round=rnd)


def test_access_matrix(client, users, sheet, tree):
    s = sheet.scheme
    by_object = [  # method, url, data, who sees the object (others: 404), who may (others who see it: 403)
        ("get", f"/assessment/pay/schemes/{s.pk}/", {}, MANAGES, MANAGES),
        ("get", f"/assessment/pay/schemes/{s.pk}/edit/", {}, MANAGES, MANAGES),
        ("get", f"/assessment/pay/sheets/{sheet.pk}/", {}, MANAGES, MANAGES),
        ("get", f"/assessment/pay/sheets/{sheet.pk}/export/", {}, MANAGES, MANAGES),
        ("post", f"/assessment/pay/sheets/{sheet.pk}/confirm/", {}, MANAGES, MANAGES),  # unconfirmed: the question
        ("post", f"/assessment/rounds/{sheet.round_id}/pay/", {}, SEES_ROUND, MANAGES),
    ]
    for role in ROLES:
        client.force_login(users[role])
        for method, url, data, sees, allowed in by_object:
            status = getattr(client, method)(url, data).status_code
            want = (200, 302) if role in allowed else (403,) if role in sees else (404,)
            assert status in want, (role, url, status)
        for url in ("/assessment/pay/", "/assessment/pay/schemes/new/"):
            assert client.get(url).status_code == (200 if role in MANAGES else 403), (role, url)
    sheet.refresh_from_db()
    assert sheet.status == "draft"  # the confirmation was only asked
    assert AuditEvent.objects.filter(object_type="assessment.paysheet", action="export").count() == 1


def test_township_administrator_sees_no_pay(client, users, sheet, tree):
    """Decided: pay is the district's (it sets and pays it); a township administrator scores its villages but sees no
    pay — neither the sheet nor its lines nor a link on the round's page."""
    client.force_login(users["town_a_admin"])
    page = client.get(f"/assessment/rounds/{sheet.round_id}/").content.decode()
    assert "pay-sheet-link" not in page and "pay-generate" not in page and "/assessment/pay/" not in page
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/rounds/{sheet.round_id}/").content.decode()
    assert f"/assessment/pay/sheets/{sheet.pk}/" in page


def test_main_path_through_the_pages(client, users, make_system, admin, tree, groups):
    cadres(tree)
    rnd = closed_round(make_system, admin, tree, {tree.branch_a: "92", tree.branch_b: "61"})
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()
    assert 'data-testid="pay-generate"' in page
    response = client.post("/assessment/pay/schemes/new/", {
        "group": groups["village"].pk, "year": "2026", "name": "村干部报酬", "period_kind": "year", "formula": "linear",
        "threshold": "60", "full_score": "100", "note": ""})
    assert response.status_code == 302
    s = PayScheme.objects.get()
    page = client.get(f"/assessment/pay/schemes/{s.pk}/").content.decode()
    assert "fixed_secretary" in page and "fixed_group_leader" not in page
    response = client.post(f"/assessment/pay/schemes/{s.pk}/", {"fixed_secretary": "3000", "base_secretary": "12000"})
    assert response.status_code == 302 and PayRate.objects.get().monthly_fixed == D("3000.00")
    response = client.post(f"/assessment/rounds/{rnd.pk}/pay/")
    assert response.status_code == 302
    sheet = PaySheet.objects.get()
    page = client.get(f"/assessment/pay/sheets/{sheet.pk}/").content.decode()
    entry_a = rnd.entries.get(organization=tree.branch_a)
    assert f'href="/assessment/rounds/entries/{entry_a.pk}/" data-testid="pay-bonus"' in page
    assert "9600.00" in page  # 12000 × (92 − 60) / 40
    assert "A4 landscape" in page
    assert client.post(f"/assessment/pay/sheets/{sheet.pk}/confirm/", {"confirmed": "1"}).status_code == 302
    response = client.post(f"/assessment/rounds/{rnd.pk}/pay/")
    assert response.status_code == 400 and "报酬表已确认，不能重新生成" in response.content.decode()
    page = client.get(f"/assessment/pay/sheets/{sheet.pk}/").content.decode()
    assert "pay-regenerate" not in page and "pay-confirm" not in page and "已确认" in page
    response = client.post(f"/assessment/pay/sheets/{sheet.pk}/confirm/", {"confirmed": "1"})
    assert response.status_code == 400 and "只有草稿状态的报酬表可以确认" in response.content.decode()


def test_open_round_refused_on_the_page(client, users, make_system, admin, tree, groups):
    scheme(admin, groups)
    rnd = make_round(admin, published(make_system, admin))
    client.force_login(users["district_admin"])
    assert 'data-testid="pay-generate"' not in client.get(f"/assessment/rounds/{rnd.pk}/").content.decode()
    response = client.post(f"/assessment/rounds/{rnd.pk}/pay/")
    assert response.status_code == 400 and "只有已结束的轮次可以生成报酬表" in response.content.decode()
    assert not PaySheet.objects.exists()


@pytest.mark.parametrize("data,message", [
    ({"fixed_secretary": "-5", "base_secretary": "1"}, "之间"),
    ({"fixed_secretary": "abc", "base_secretary": "1"}, "须为数字"),
    ({"fixed_secretary": "1.001", "base_secretary": "1"}, "两位小数"),
    ({"fixed_secretary": "1", "base_secretary": ""}, "请填写"),
    ({"fixed_secretary": "9" * 30, "base_secretary": "1"}, ""),
    ({"band_0": "120"}, "之间"),
])
def test_bad_rates_are_4xx_and_nothing_saved(client, users, admin, groups, make_system, data, message):
    published(make_system, admin)  # the 村 system of 2026: its bands are offered
    s = scheme(admin, groups)
    before = list(s.rates.values_list("post", "monthly_fixed", "bonus_base"))
    events = AuditEvent.objects.count()
    client.force_login(users["district_admin"])
    response = client.post(f"/assessment/pay/schemes/{s.pk}/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert list(s.rates.values_list("post", "monthly_fixed", "bonus_base")) == before
    assert AuditEvent.objects.count() == events


def test_bad_scheme_form_is_400(client, users, groups):
    client.force_login(users["district_admin"])
    data = {"group": groups["village"].pk, "year": "2026", "name": "方案", "period_kind": "year", "formula": "linear",
            "threshold": "", "full_score": "100"}
    response = client.post("/assessment/pay/schemes/new/", data)
    assert response.status_code == 400 and "请填写起付分" in response.content.decode()
    response = client.post("/assessment/pay/schemes/new/", {**data, "threshold": "100"})
    assert response.status_code == 400 and "起付分须低于满额分" in response.content.decode()
    response = client.post("/assessment/pay/schemes/new/", {**data, "group": "999999", "threshold": "60"})
    assert response.status_code == 400 and "请选择您管理的考核类别" in response.content.decode()
    assert not PayScheme.objects.exists()


def _sheet_with(n, make_system, admin, tree, name):
    from apps.assessment import services

    orgs = [make_org(f"{name}{i}村党支部", "branch", tree.town_a, domain="village") for i in range(n)]
    for i, org in enumerate(orgs):
        for j, post in enumerate(("secretary", "deputy_secretary", "organization")):
            CommitteePost.objects.create(organization=org, member=make_member(org, f"干部{i}{j}"), post=post,
                                         term_start=date(2024, 1, 1))
    group = services.group_create(actor=admin, organization=tree.district, data={"name": name, "organizations": orgs})
    system = make_system(group="a", name=f"{name}体系")
    system.group = group
    system.save(update_fields=["group"])
    rnd = make_round(admin, services.system_publish(actor=admin, system=system))
    from apps.assessment import round_services

    rnd = round_services.round_close(actor=admin, round=rnd)
    s = pay_services.scheme_create(actor=admin, group=group, data={
        "name": "报酬", "year": 2026, "period_kind": "year", "formula": "linear", "threshold": "0", "full_score": "100"})
    pay_services.scheme_rates_save(actor=admin, scheme=s, rates={"secretary": ("1", "1"), "deputy_secretary": ("1", "1"),
                                                                 "organization": ("1", "1")}, bands={})
    return pay_services.sheet_generate(actor=admin, round=rnd)


def test_sheet_page_query_count_does_not_grow(client, users, make_system, admin, tree):
    small = _sheet_with(2, make_system, admin, tree, "二")
    large = _sheet_with(12, make_system, admin, tree, "十二")
    assert small.lines.count() == 6 and large.lines.count() == 36
    client.force_login(users["district_admin"])
    counts = []
    for sheet in (small, large):
        client.get(f"/assessment/pay/sheets/{sheet.pk}/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/assessment/pay/sheets/{sheet.pk}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts


def test_a_long_sheet_pages_and_keeps_its_totals(client, users, sheet, monkeypatch):
    from apps.assessment import pay_views

    monkeypatch.setattr(pay_views, "SHEET_PAGE_SIZE", 4)
    client.force_login(users["district_admin"])
    first = client.get(f"/assessment/pay/sheets/{sheet.pk}/").content.decode()
    second = client.get(f"/assessment/pay/sheets/{sheet.pk}/?page=2").content.decode()
    assert first.count('data-testid="pay-bonus"') == 4 and second.count('data-testid="pay-bonus"') == 2
    assert 'data-line="5"' in second and "第 2 / 2 页" in second
    assert f'data-testid="pay-total">{sheet.total}<' in first and f'data-testid="pay-total">{sheet.total}<' in second
    assert client.get(f"/assessment/pay/sheets/{sheet.pk}/?page=x%00").status_code in (200, 400)


def test_excel_links_every_bonus_to_its_score_page_and_keeps_formulas_as_text(client, users, sheet, tree):
    # A name that a spreadsheet would run as a formula (as stored: the sheet keeps the name it was generated with).
    sheet.lines.filter(position=2).update(name="=HYPERLINK(\"http://evil\")", org_name="+1")
    client.force_login(users["district_admin"])
    response = client.get(f"/assessment/pay/sheets/{sheet.pk}/export/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in ws[3]]
    assert header[3] == "姓名" and "身份证号" not in header and header[11] == "绩效奖励"
    rows = [r for r in ws.iter_rows(min_row=4) if isinstance(r[0].value, int)]
    assert len(rows) == sheet.lines.count() == 6
    for row, line in zip(rows, sheet.lines.order_by("position")):
        bonus = row[11]
        assert bonus.hyperlink.target == f"http://testserver/assessment/rounds/entries/{line.entry_id}/"
        assert D(str(bonus.value)) == line.bonus and bonus.number_format == "#,##0.00"
    name, org = rows[1][3], rows[1][1]
    assert name.value == "=HYPERLINK(\"http://evil\")" and name.data_type == "s" and name.quotePrefix
    assert org.value == "+1" and org.data_type == "s"
    assert tree.member_a.id_number not in str([c.value for r in ws.iter_rows() for c in r])
    assert ws.page_setup.orientation == "landscape"
