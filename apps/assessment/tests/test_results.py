"""Rankings, the workbook and published results: the access matrix of every new route (the public page for anyone),
publishing refused for a round not closed, the public page showing only publications in force, the workbook's
content (scope, first-level points, a formula-like name kept as text), the year's combined ranking, bad input and
the query counts of the ranking, year and public pages (5 vs 50 organizations)."""

import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.access.models import Role
from apps.assessment import result_services, round_services, services
from apps.assessment.result_models import PublicationStatus, ResultPublication
from apps.audit.models import AuditEvent
from tests.factories import make_org, make_user

from .round_helpers import make_round, manual, published

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b", "member_a",
         "auditor", "sysadmin", "anonymous"]
SEES_ROUND = {"district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b"}
MANAGES = {"district_admin"}
NOTE = "本月各村党组织组织生活开展较好，甲村党支部民主测评得分最高。"


@pytest.fixture
def users(tree):
    return {**tree.users, "handler_b": make_user("handler_b", Role.CASE_HANDLER, tree.town_b),
            "branch_a_admin": make_user("branch_a_admin", Role.ORG_ADMIN, tree.branch_a)}


def closed_round(make_system, admin, tree, *, system=None, kind="year", number=1):
    rnd = make_round(admin, system or published(make_system, admin), kind=kind, number=number)
    manual(admin, rnd, tree.branch_a, 2)
    return round_services.round_close(actor=admin, round=rnd)


@pytest.fixture
def closed(make_system, admin, tree):
    return closed_round(make_system, admin, tree)


def publish(admin, rnd, **data):
    return result_services.publication_create(actor=admin, round=rnd, data={"kind": "month", "note": NOTE, **data})


def _client(client, users, role):
    client.logout()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def test_access_matrix(client, users, closed):
    pub = publish(users["district_admin"], closed)
    for role in ROLES:
        c = _client(client, users, role)
        for url in (f"/assessment/rounds/{closed.pk}/results/", f"/assessment/rounds/{closed.pk}/results.xlsx",
                    f"/assessment/rounds/{closed.pk}/year/"):
            status = c.get(url).status_code
            if role == "anonymous":
                assert status == 302, (role, url)
            else:
                assert status == (200 if role in SEES_ROUND else 404), (role, url, status)
        for method, url in (("get", f"/assessment/rounds/{closed.pk}/publish/"),
                            ("post", f"/assessment/rounds/{closed.pk}/withdraw/")):  # unconfirmed: the question only
            status = getattr(c, method)(url).status_code
            want = 302 if role == "anonymous" else 200 if role in MANAGES else 403 if role in SEES_ROUND else 404
            assert status == want, (role, url, status)
        # the public pages: anyone, signed in or not
        assert c.get("/results/").status_code == 200, role
        page = c.get(f"/results/{pub.pk}/")
        assert page.status_code == 200 and NOTE in page.content.decode(), role
    assert ResultPublication.objects.get().status == PublicationStatus.PUBLISHED  # nobody confirmed a withdrawal


def test_publish_refused_for_a_round_not_closed(client, users, make_system, admin, tree):
    rnd = make_round(admin, published(make_system, admin))
    with pytest.raises(Exception, match="只有已结束的轮次可以发布结果"):
        publish(admin, rnd)
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/rounds/{rnd.pk}/publish/").content.decode()
    assert "只有已结束的轮次可以发布结果" in page and 'data-testid="publish-form"' not in page
    response = client.post(f"/assessment/rounds/{rnd.pk}/publish/", {"kind": "month", "note": NOTE, "selection": "all"})
    assert response.status_code == 400 and "只有已结束的轮次可以发布结果" in response.content.decode()
    assert not ResultPublication.objects.exists()


def test_publish_show_withdraw_through_the_pages(client, users, closed, tree):
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/rounds/{closed.pk}/results/").content.decode()
    assert 'data-testid="publish"' in page and 'id="ranking-data"' in page
    response = client.post(f"/assessment/rounds/{closed.pk}/publish/",
                           {"kind": "year", "title": "", "note": NOTE, "selection": "all"})
    assert response.status_code == 302
    pub = ResultPublication.objects.get()
    assert pub.title == f"{closed.name} 考核结果" and pub.published_by == users["district_admin"]
    assert AuditEvent.objects.filter(object_type="assessment.resultpublication", action="create").exists()
    # a second publication while one is in force: refused with the reason
    again = client.post(f"/assessment/rounds/{closed.pk}/publish/", {"kind": "year", "note": "x", "selection": "all"})
    assert again.status_code == 400 and "请先撤回" in again.content.decode()
    client.logout()
    listing = client.get("/results/").content.decode()
    assert pub.title in listing and "年述评" in listing
    public = client.get(f"/results/{pub.pk}/").content.decode()
    assert NOTE in public and "甲村党支部" in public and "乙村党支部" in public and 'id="ranking-data"' in public
    rows = public.split('data-testid="ranking"')[1]
    assert rows.index("甲村党支部") < rows.index("乙村党支部") and "7.00" in rows
    assert tree.member_a.name not in public and tree.member_a.id_number not in public  # nothing personal
    # withdrawn: off the list, 404 for everyone on the public page; the staff page keeps the record
    client.force_login(users["district_admin"])
    assert client.post(f"/assessment/rounds/{closed.pk}/withdraw/", {"confirmed": "1"}).status_code == 302
    pub.refresh_from_db()
    assert pub.status == PublicationStatus.WITHDRAWN and pub.withdrawn_at is not None
    assert client.post(f"/assessment/rounds/{closed.pk}/withdraw/", {"confirmed": "1"}).status_code == 400
    client.logout()
    assert client.get(f"/results/{pub.pk}/").status_code == 404
    assert pub.title not in client.get("/results/").content.decode()
    assert client.get("/results/99999999999999999999999/").status_code == 404
    # published again: a new row in force
    again = publish(users["district_admin"], closed)
    assert client.get(f"/results/{again.pk}/").status_code == 200


def test_unpublished_rounds_never_show(client, users, closed, make_system, admin, tree):
    other = closed_round(make_system, admin, tree, system=closed.system, kind="year")  # closed, never published
    pub = publish(admin, closed)
    public = client.get("/results/").content.decode()
    assert public.count('href="/results/') == 1 and f"/results/{pub.pk}/" in public
    assert client.get(f"/results/{other.pk + 1000}/").status_code == 404


def test_top_n_and_chosen_selections(closed, admin, tree, client):
    pub = publish(admin, closed, selection="top", top_n=1)
    page = client.get(f"/results/{pub.pk}/").content.decode().split('data-testid="note"')[1].split("</section>")[1]
    assert "甲村党支部" in page and "乙村党支部" not in page
    result_services.publication_withdraw(actor=admin, publication=pub)
    pub = publish(admin, closed, selection="chosen", chosen=[tree.branch_b.code])
    page = client.get(f"/results/{pub.pk}/").content.decode().split('data-testid="note"')[1].split("</section>")[1]
    assert "乙村党支部" in page and "甲村党支部" not in page
    row = page.split('data-testid="ranking"')[1].split("<tbody>")[1]
    assert row.startswith("<tr><td>2<")  # ranked within the whole round


@pytest.mark.parametrize("data,field", [
    ({"note": ""}, "请填写点评内容"), ({"note": "a\x00b"}, "不允许的字符"), ({"note": "长" * 5001}, "不能超过"),
    ({"selection": "top", "top_n": 9}, "前N位须在1至2之间"), ({"selection": "top", "top_n": None}, "前N位须在1至2之间"),
    ({"selection": "chosen", "chosen": ["不存在的支部"]}, "不在本轮次"), ({"selection": "chosen", "chosen": []}, "请填写要公布的组织"),
    ({"selection": "bogus"}, "请选择公布范围"), ({"kind": "bogus"}, "请选择点评类型"),
])
def test_bad_publication_input_is_refused(closed, admin, data, field):
    with pytest.raises(Exception, match=field):
        publish(admin, closed, **data)
    assert not ResultPublication.objects.exists()


def test_bad_input_through_the_page_is_400(client, users, closed):
    client.force_login(users["district_admin"])
    for data in ({"kind": "month", "note": "", "selection": "all"},
                 {"kind": "month", "note": "好", "selection": "top", "top_n": "99999999999999999999"},
                 {"kind": "month", "note": "好", "selection": "chosen", "chosen": "不存在的支部"}):
        response = client.post(f"/assessment/rounds/{closed.pk}/publish/", data)
        assert response.status_code == 400, data
    assert not ResultPublication.objects.exists()


def test_workbook_content_scope_and_formula_name(client, users, make_system, admin, tree):
    tree.branch_b.name = '=HYPERLINK("http://evil.example","点击")'
    tree.branch_b.save()
    rnd = closed_round(make_system, admin, tree)
    client.force_login(users["district_admin"])
    response = client.get(f"/assessment/rounds/{rnd.pk}/results.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[1][:6] == ["名次", "组织", "组织编码", "总分", "等次", "较上期"]
    assert rows[1][6:] == ["组织生活（60分）", "群众工作（30分）", "负面清单与加分（10分）"]
    # 群众工作: 超期诉求's 10 (none overdue), from the automatic snapshot the close took
    assert rows[2][:4] == [1, "甲村党支部", tree.branch_a.code, 17] and rows[2][6:] == [0, 10, 7]
    assert rows[3][1] == tree.branch_b.name and rows[3][3] == 15
    formula_cell = list(ws.iter_rows())[3][1]
    assert formula_cell.data_type == "s" and formula_cell.quotePrefix
    assert AuditEvent.objects.filter(action="export", object_type="assessment.round").count() == 1
    client.force_login(users["secretary_a"])  # their own organization only, ranked among all
    ws = load_workbook(io.BytesIO(b"".join(client.get(f"/assessment/rounds/{rnd.pk}/results.xlsx").streaming_content))).worksheets[0]
    assert [r[1] for r in ws.iter_rows(min_row=3, values_only=True)] == ["甲村党支部"]


def test_year_ranking_combines_periods_by_weight(client, users, make_system, admin, tree):
    system = published(make_system, admin, weight_quarter=D(40), weight_year=D(60))
    quarter = closed_round(make_system, admin, tree, system=system, kind="quarter", number=1)  # A 17, B 15 (超期诉求's 10 each)
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/rounds/{quarter.pk}/year/").content.decode()
    table = page.split('data-testid="year-ranking"')[1]
    assert "6.80" in table and "年度" in table.split(f'data-org="{tree.branch_a.pk}"')[1].split("</tr>")[0]  # 17 × 40 %
    year = make_round(admin, system, kind="year")
    manual(admin, year, tree.branch_b, "2.5")  # B 17.5, A 15
    round_services.round_close(actor=admin, round=year)
    page = client.get(f"/assessment/rounds/{quarter.pk}/year/").content.decode()
    table = page.split('data-testid="year-ranking"')[1]
    # A: 17 × 0.4 + 15 × 0.6 = 15.80; B: 15 × 0.4 + 17.5 × 0.6 = 16.50
    assert table.index("乙村党支部") < table.index("甲村党支部") and "16.50" in table and "15.80" in table
    client.force_login(users["secretary_a"])
    page = client.get(f"/assessment/rounds/{quarter.pk}/year/").content.decode()
    assert "甲村党支部" in page and "乙村党支部" not in page


def _round_with(n, make_system, admin, tree, name):
    orgs = [make_org(f"{name}{i}村党支部", "branch", tree.town_a, domain="village") for i in range(n)]
    group = services.group_create(actor=admin, organization=tree.district, data={"name": name, "organizations": orgs})
    system = make_system(group="a")
    system.group = group
    system.save(update_fields=["group"])
    system = services.system_publish(actor=admin, system=system)
    rnd = make_round(admin, system)
    return round_services.round_close(actor=admin, round=rnd)


def test_query_counts_do_not_grow(client, users, make_system, admin, tree):
    small = _round_with(5, make_system, admin, tree, "五")
    large = _round_with(50, make_system, admin, tree, "五十")
    pubs = [publish(admin, r) for r in (small, large)]
    client.force_login(users["district_admin"])
    counts = {}
    for label, urls in (("results", [f"/assessment/rounds/{r.pk}/results/" for r in (small, large)]),
                        ("year", [f"/assessment/rounds/{r.pk}/year/" for r in (small, large)]),
                        ("export", [f"/assessment/rounds/{r.pk}/results.xlsx" for r in (small, large)]),
                        ("public", [f"/results/{p.pk}/" for p in pubs])):
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            counts.setdefault(label, []).append(len(queries))
    for label, (a, b) in counts.items():
        assert a == b, (label, counts)
    assert counts["public"][0] <= 12 and counts["results"][0] <= 25, counts
    # the page is bounded: 50 organizations at LIST_PAGE_SIZE (50) fit one page, the chart the configured cap
    page = client.get(f"/assessment/rounds/{large.pk}/results/").content.decode()
    assert page.count("data-org=") == 50


def test_chart_and_page_bounded(client, users, make_system, admin, tree, settings):
    settings.ASSESSMENT_RANKING_CHART_ROWS = 3
    settings.LIST_PAGE_SIZE = 4
    rnd = _round_with(7, make_system, admin, tree, "七")
    pub = publish(admin, rnd)
    client.force_login(users["district_admin"])
    for url in (f"/assessment/rounds/{rnd.pk}/results/", f"/results/{pub.pk}/"):
        page = client.get(url)
        assert len(page.context["chart"]) == 3 and page.context["chart_left_out"] == 4
        assert len(page.context["rows"]) == 4
        assert len(client.get(url + "?page=2").context["rows"]) == 3


def test_demo_publication_goes_public(closed, tree, client):
    from datetime import date

    from apps.demo.assessment_results_seed import write_publication

    lines = []
    pub = write_publication(tree.district, date(2026, 11, 20), lines.append, closed)
    assert pub.kind == "month" and pub.status == PublicationStatus.PUBLISHED and lines
    page = client.get(f"/results/{pub.pk}/").content.decode()
    assert "月点评" in page and "整改" in page and "甲村党支部" in page
