"""Staff pages: the access matrix of every route, the steps through the pages, bad input, and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.cases import services
from apps.cases.models import Case, CasePhoto, Status

from .test_intake import jpeg

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin", "dispatcher",
         "dept_handler"]
# Who sees a case located in branch A's village and handled by township A, and one in B handled by township B.
SEES = {"a": {"district_admin", "town_a_admin", "secretary_a", "dispatcher"},
        "b": {"district_admin", "secretary_b", "dispatcher"}}
# Units' staff act for the unit nearest to their role: the district's roles act for the district centre, not for
# the townships below it.
HANDLES = {"a": {"town_a_admin"}, "b": set()}
DISPATCHES = {"district_admin", "dispatcher"}
CASE_STAFF = {"district_admin", "town_a_admin", "secretary_a", "secretary_b", "dispatcher", "dept_handler"}


@pytest.fixture
def pair(cases, submit):
    a, _ = submit(photos=[jpeg()])
    b, _ = submit(area=cases.tree.branch_b)
    return {"a": Case.objects.get(pk=a.pk), "b": Case.objects.get(pk=b.pk)}


def _expect(role, which, kind):
    sees = role in SEES[which]
    if kind == "view":
        return 200 if sees else 404
    allowed = role in (HANDLES[which] if kind == "handle" else DISPATCHES)
    return 200 if allowed else 403 if sees else 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["a", "b"])
def test_access_matrix(cases, pair, client, role, which):
    case = pair[which]
    client.force_login(cases.users[role])
    photo = CasePhoto.objects.filter(case=case).first()
    routes = [("get", f"/cases/{case.pk}/", "view")]
    if photo:
        routes.append(("get", f"/cases/photos/{photo.pk}/", "view"))
    # Steps with an empty form: allowed → 400 (the form's errors), refused → 403, unseen → 404.
    for step, kind in [("sign", "handle"), ("note", "handle"), ("return", "handle"), ("resolve", "handle"),
                       ("dispatch", "dispatch"), ("reject", "dispatch"), ("merge", "dispatch"), ("reopen", "dispatch"),
                       ("callback", "dispatch")]:
        routes.append(("post", f"/cases/{case.pk}/{step}/", kind))
    for method, url, kind in routes:
        expected = _expect(role, which, kind)
        status = getattr(client, method)(url, {"reason": ""} if method == "post" else None).status_code
        if method == "post" and expected == 200:
            # Allowed: sign succeeds (302); forms missing their fields, or steps not open in this state, answer 400.
            assert status in (302, 400), f"{role} {url} → {status}"
        else:
            assert status == expected, f"{role} {url} → {status}, expected {expected}"
    listed = client.get("/cases/")
    if role in CASE_STAFF:
        assert listed.status_code == 200
        assert (case.number in listed.content.decode()) == (role in SEES[which])
    else:
        assert listed.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(cases, pair, client, role):
    client.force_login(cases.users[role])
    staff = role in CASE_STAFF
    assert client.get("/cases/rankings/").status_code == (200 if staff else 403)
    assert client.get("/cases/rankings/export.xlsx").status_code == (200 if staff else 403)
    has_units = role in {"district_admin", "town_a_admin", "dispatcher", "dept_handler"}
    assert client.get("/cases/new/").status_code == (200 if has_units else 403)
    for url in ["/cases/settings/", "/cases/settings/rules/new/", "/cases/settings/units/new/",
                "/cases/settings/services/new/"]:
        assert client.get(url).status_code == (200 if role == "district_admin" else 403), url
    home = client.get("/", follow=True)
    assert home.status_code in (200, 403)
    if staff:
        assert 'href="/cases/"' in home.content.decode()


def test_dispatchers_see_their_queues_and_units_theirs(cases, pair, client):
    client.force_login(cases.users["dispatcher"])
    html = client.get("/cases/").content.decode()
    assert 'data-testid="queue-to_accept"' in html and 'data-testid="queue-extensions"' in html
    client.force_login(cases.users["town_a_admin"])
    page = client.get("/cases/", {"queue": "to_sign"})
    html = page.content.decode()
    assert 'data-testid="queue-to_accept"' not in html
    assert pair["a"].number in html and pair["b"].number not in html


def test_the_steps_through_the_pages(cases, pair, client):
    case = pair["a"]
    client.force_login(cases.users["town_a_admin"])
    assert client.post(f"/cases/{case.pk}/sign/").status_code == 302
    response = client.post(f"/cases/{case.pk}/note/", {"text": "已到现场查看", "is_public": "on"})
    assert response.status_code == 302
    response = client.post(f"/cases/{case.pk}/resolve/", {"answer": "已清运完毕", "photos": [jpeg(name="after.jpg")],
                                                        "confirmed": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.photos.filter(stage="resolution").count() == 1
    client.force_login(cases.users["dispatcher"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="action-callback"' in page and "已到现场查看" in page
    response = client.post(f"/cases/{case.pk}/callback/", {"solved": "1", "rating": "satisfied", "comment": "很好"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.rating == "satisfied" and case.rated_via == "phone"
    assert client.post(f"/cases/{case.pk}/archive/", {"confirmed": "1"}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == Status.ARCHIVED


def test_return_and_redispatch_through_the_pages(cases, pair, client):
    case = pair["a"]
    client.force_login(cases.users["town_a_admin"])
    response = client.post(f"/cases/{case.pk}/return/", {"reason": "属于住建部门职责"})
    assert response.status_code == 302
    # Back to the list: the township still sees it (it was dispatched to it), the dispatcher has it to dispatch.
    client.force_login(cases.users["dispatcher"])
    assert case.number in client.get("/cases/", {"queue": "to_dispatch"}).content.decode()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "属于住建部门职责" in page and 'data-testid="action-dispatch"' in page
    response = client.post(f"/cases/{case.pk}/dispatch/", {"lead": cases.dept.pk, "note": "改由住建委办理"})
    assert response.status_code == 302
    client.force_login(cases.users["dept_handler"])
    assert client.post(f"/cases/{case.pk}/sign/").status_code == 302
    assert Case.objects.get(pk=case.pk).owner_unit == cases.dept


def test_refused_steps_answer_400_with_the_reason(cases, pair, client):
    case = pair["a"]
    client.force_login(cases.users["town_a_admin"])
    response = client.post(f"/cases/{case.pk}/resolve/", {"answer": "已处理", "confirmed": "1"})
    assert response.status_code == 400 and "签收后才能办结" in response.content.decode()
    response = client.post(f"/cases/{case.pk}/return/", {"reason": ""})
    assert response.status_code == 400 and "此项为必填项" in response.content.decode()
    client.post(f"/cases/{case.pk}/return/", {"reason": "不属于本镇"})
    client.force_login(cases.users["dispatcher"])
    client.post(f"/cases/{case.pk}/dispatch/", {"lead": cases.town_a.pk})
    client.force_login(cases.users["town_a_admin"])
    response = client.post(f"/cases/{case.pk}/return/", {"reason": "还是不属于本镇"})
    assert response.status_code == 400 and "不能再次退单" in response.content.decode()
    client.force_login(cases.users["dispatcher"])
    response = client.post(f"/cases/{case.pk}/merge/", {"master": "QG2000010100001"})
    assert response.status_code == 400 and "未找到受理编号" in response.content.decode()
    response = client.post(f"/cases/{case.pk}/dispatch/", {"lead": "999999"})
    assert response.status_code == 400
    response = client.post(f"/cases/{case.pk}/extension/", {"until": "not a date", "reason": "x"})
    assert response.status_code in (400, 403)
    assert client.get("/cases/99999999/").status_code == 404
    assert client.get("/cases/?status=bogus&submitted_from=yesterday").status_code == 400
    assert client.get("/cases/rankings/?period=2026-13").status_code == 400
    assert client.get("/cases/?page=abc").status_code == 200
    assert client.post("/cases/extensions/999/decide/", {"approve": "1"}).status_code == 404


def test_extension_through_the_pages(cases, pair, client):
    case = pair["a"]
    client.force_login(cases.users["town_a_admin"])
    client.post(f"/cases/{case.pk}/sign/")
    case.refresh_from_db()
    until = (case.deadline.astimezone() + __import__("datetime").timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/cases/{case.pk}/extension/", {"until": until, "reason": "需要协调多个部门"}).status_code == 302
    client.force_login(cases.users["dispatcher"])
    extension = case.extensions.get()
    assert case.number in client.get("/cases/", {"queue": "extensions"}).content.decode()
    response = client.post(f"/cases/extensions/{extension.pk}/decide/", {"approve": "0", "note": ""})
    assert response.status_code == 400 and "不批准的理由" in response.content.decode()
    assert client.post(f"/cases/extensions/{extension.pk}/decide/", {"approve": "1"}).status_code == 302
    assert Case.objects.get(pk=case.pk).extended


def test_staff_intake_page(cases, client):
    client.force_login(cases.users["town_a_admin"])
    data = {"channel": "phone", "unit": cases.town_a.pk, "service": cases.services["env"].pk, "description": "电话反映垃圾",
            "township": cases.tree.town_a.pk, "village": cases.tree.branch_a.pk, "contact_name": "李大爷", "phone": ""}
    response = client.post("/cases/new/", data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "phone" and case.owner_unit == cases.town_a and case.created_by == cases.users["town_a_admin"]
    # A unit the user does not act for is refused, and so is a village outside the chosen township.
    response = client.post("/cases/new/", {**data, "unit": cases.town_b.pk})
    assert response.status_code == 400
    response = client.post("/cases/new/", {**data, "village": cases.tree.branch_b.pk})
    assert response.status_code == 400 and Case.objects.count() == 1


def test_phone_is_revealed_to_handlers_and_audited(cases, pair, client):
    case = pair["a"]
    client.force_login(cases.users["secretary_a"])  # sees the case (its village), does not handle it
    assert client.post(f"/cases/{case.pk}/phone/").status_code == 403
    client.force_login(cases.users["town_a_admin"])
    response = client.post(f"/cases/{case.pk}/phone/")
    assert response.status_code == 200 and response.content.decode() == case.contact_phone
    assert AuditEvent.objects.filter(action="reveal", object_id=str(case.pk), actor_name="town_a_admin").exists()
    assert case.contact_phone not in client.get(f"/cases/{case.pk}/").content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/cases/", "/cases/?queue=to_sign", "/cases/rankings/", "/report/cases/",
                                 "/report/rankings/"])
def test_list_pages_do_not_query_per_row(cases, submit, client, url):
    client.force_login(cases.users["district_admin"])
    for _ in range(3):
        submit()
    _queries(client, url)  # the first request of a session does a little more
    few = _queries(client, url)
    for n in range(12):
        case, _ = submit(area=cases.tree.branch_b if n % 2 else cases.tree.branch_a)
        if n % 3 == 0:
            case.refresh_from_db()
            services.case_sign(actor=cases.users["district_admin"], case=case, unit=case.lead_unit)
    assert _queries(client, url) == few


def test_staff_act_for_the_unit_nearest_to_their_role(cases):
    from apps.cases import scopes
    from apps.cases.models import HandlingUnit, UnitKind

    village = HandlingUnit.objects.create(name="甲村", kind=UnitKind.VILLAGE, organization=cases.tree.branch_a,
                                          parent=cases.town_a)
    acts = {name: {u.name for u in scopes.case_units(cases.users[name])} for name in ROLES}
    assert acts["district_admin"] == acts["dispatcher"] == {"区群众工作中心"}
    assert acts["town_a_admin"] == {"甲镇"} and acts["secretary_a"] == {village.name}
    assert acts["dept_handler"] == {"区住建委"} and acts["secretary_b"] == set() and acts["member_a"] == set()


def test_rankings_for_one_area_of_the_scope(cases, submit, client):
    submit()
    submit(area=cases.tree.branch_b)
    client.force_login(cases.users["district_admin"])
    html = client.get("/cases/rankings/", {"area": cases.tree.town_b.pk}).content.decode()
    assert 'data-testid="row-乙镇"' in html and 'data-testid="row-甲镇"' not in html
    client.force_login(cases.users["town_a_admin"])
    assert client.get("/cases/rankings/", {"area": cases.tree.town_b.pk}).status_code == 404
    assert client.get("/cases/rankings/", {"area": "abc"}).status_code == 404


def test_the_ranking_chart_draws_the_first_rows_and_the_table_lists_all(cases, submit, client, settings):
    """A province's ~1,000 townships: the chart stops at CASE_RANKING_CHART_ROWS, the table keeps every row."""
    import json
    import re

    submit()
    submit(area=cases.tree.branch_b)
    client.force_login(cases.users["district_admin"])
    params = {"group": "area", "order": "received"}
    html = client.get("/cases/rankings/", params).content.decode()
    data = json.loads(re.search(r'id="ranking-data"[^>]*>(.*?)</script>', html).group(1))
    assert len(data) == 2 and 'data-testid="chart-left-out"' not in html
    settings.CASE_RANKING_CHART_ROWS = 1
    html = client.get("/cases/rankings/", params).content.decode()
    data = json.loads(re.search(r'id="ranking-data"[^>]*>(.*?)</script>', html).group(1))
    assert len(data) == 1 and 'data-testid="chart-left-out"' in html and "其余 1 位见下表" in html
    assert 'data-testid="row-' in html and html.count('data-testid="row-') >= 2
