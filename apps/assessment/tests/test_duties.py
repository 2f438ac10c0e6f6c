"""Duty lists and inspections: what applies to whom, the services' refusals (4xx, Chinese, nothing half-saved), the
access matrix of every page across the tree's roles, the print page, evidence kept private, query counts."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.access.models import Role
from apps.assessment import duty_selectors, duty_services
from apps.assessment.duty_models import DutyItem, DutyKind, DutyList, Inspection, InspectionEvidence, InspectionResult
from apps.audit.models import AuditEvent
from tests.factories import make_org, make_user

from .duty_helpers import inspect, own_list, template

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b", "member_a",
         "auditor", "sysadmin"]
STAFF = {"district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b", "handler_b"}
SEES_A = {"district_admin", "town_a_admin", "branch_a_admin", "secretary_a"}
KEEPS_A = SEES_A  # ORG_MANAGE on branch A: its own staff and its superiors' administrators
INSPECTS_A = {"district_admin", "town_a_admin"}
MANAGES = {"district_admin"}
ORG_MANAGERS = {"district_admin", "town_a_admin", "branch_a_admin", "secretary_a", "secretary_b"}


@pytest.fixture
def users(tree):
    return {**tree.users, "handler_b": make_user("handler_b", Role.CASE_HANDLER, tree.town_b),
            "branch_a_admin": make_user("branch_a_admin", Role.ORG_ADMIN, tree.branch_a)}


@pytest.fixture
def duties(tree, admin):
    tpl = template(admin, tree)
    own = own_list(tree.users["secretary_a"], tree)
    inspection = inspect(tree.users["town_a_admin"], tree.branch_a)
    return tpl, own, inspection


def test_what_applies(tree, admin, duties):
    tpl, own, _ = duties
    texts = [i.text for i in duty_selectors.applicable_items(tree.branch_a)]
    assert texts == ["联系服务本村群众", "履行管党治党第一责任人职责", "每季度讲一次党课", "不得违规发展党员"]
    # the template is for branches only; branch B has no own list
    assert [i.text for i in duty_selectors.applicable_items(tree.branch_b)] == texts[1:]
    assert duty_selectors.applicable_items(tree.town_a) == []
    # a template for any kind applies to the township too; another township's template does not reach branch A
    duty_services.duty_item_add(actor=admin, duty_list=duty_services.duty_list_create(
        actor=admin, organization=tree.district, data={"is_template": True, "post": "member", "name": "党员清单"}),
        data={"kind": DutyKind.DUTY, "text": "按时交纳党费"})
    b_tpl = duty_services.duty_list_create(actor=admin, organization=tree.town_b, data={"is_template": True, "post": "member",
                                                                                        "name": "乙镇清单"})
    duty_services.duty_item_add(actor=admin, duty_list=b_tpl, data={"kind": DutyKind.DUTY, "text": "乙镇事项"})
    assert [i.text for i in duty_selectors.applicable_items(tree.town_a)] == ["按时交纳党费"]
    assert "乙镇事项" not in [i.text for i in duty_selectors.applicable_items(tree.branch_a)]
    assert "乙镇事项" in [i.text for i in duty_selectors.applicable_items(tree.branch_b)]


def test_inspection_results_copied_and_audited(tree, duties):
    _, _, inspection = duties
    assert inspection.period_start == date(2026, 1, 1) and inspection.period_end == date(2026, 3, 31)
    outcomes = {r.text: r.outcome_label for r in inspection.results.all()}
    assert outcomes == {"联系服务本村群众": "已完成", "履行管党治党第一责任人职责": "已完成", "每季度讲一次党课": "未完成",
                        "不得违规发展党员": "违反"}
    assert AuditEvent.objects.filter(object_type="assessment.inspection", object_id=str(inspection.pk)).exists()
    # deleting an item keeps the result's copy
    DutyItem.objects.filter(text="每季度讲一次党课").delete()
    assert inspection.results.get(text="每季度讲一次党课").item is None


@pytest.mark.parametrize("data,results,message", [
    ({"period_key": "2026Q5", "inspected_on": date(2026, 3, 1)}, "all", "2026Q3"),
    ({"period_key": "2026Q1", "inspected_on": date(2025, 12, 1)}, "all", "检查日期"),
    ({"period_key": "2026Q1", "inspected_on": date(2099, 1, 1)}, "all", "检查日期"),
    ({"period_key": "2026Q2", "inspected_on": date(2026, 6, 1)}, "missing", "请为每个事项选择检查结果"),
    ({"period_key": "2026Q2", "inspected_on": date(2026, 6, 1), "note": "a\x00"}, "all", "不允许的字符"),
    ({"period_key": "2026Q1", "inspected_on": date(2026, 3, 1)}, "all", "已录入"),
])
def test_inspection_refusals(tree, duties, data, results, message):
    items = duty_selectors.applicable_items(tree.branch_a)
    given = {i.pk: ("done", "") for i in items}
    if results == "missing":
        given.pop(items[0].pk)
    before = (Inspection.objects.count(), InspectionResult.objects.count())
    with pytest.raises(ValidationError) as exc:
        duty_services.inspection_create(actor=tree.users["town_a_admin"], organization=tree.branch_a, data=data,
                                        results=given)
    assert message in " ".join(exc.value.messages)
    assert (Inspection.objects.count(), InspectionResult.objects.count()) == before


def test_list_and_item_refusals(tree, admin, duties):
    tpl, _, _ = duties
    for data, message in [({"kind": "task", "text": "无时限"}, "完成时限"), ({"kind": "duty", "text": ""}, "请填写内容"),
                          ({"kind": "duty", "text": "a\x00b"}, "不允许的字符"), ({"kind": "x", "text": "a"}, "清单类别"),
                          ({"kind": "duty", "text": "长" * 301}, "300")]:
        with pytest.raises(ValidationError) as exc:
            duty_services.duty_item_add(actor=admin, duty_list=tpl, data=data)
        assert message in " ".join(exc.value.messages), data
    with pytest.raises(ValidationError):
        duty_services.duty_list_create(actor=admin, organization=tree.district, data={"post": "king", "name": "x"})
    with pytest.raises(ValidationError):
        duty_services.duty_list_create(actor=admin, organization=tree.district,
                                       data={"post": "member", "name": "x", "is_template": True, "kinds": ["castle"]})
    # a deadline on a duty is dropped; an own list has no kinds
    item = duty_services.duty_item_add(actor=admin, duty_list=tpl, data={"kind": "duty", "text": "d", "deadline": date(2026, 1, 1)})
    assert item.deadline is None
    own = duty_services.duty_list_create(actor=admin, organization=tree.branch_b,
                                         data={"post": "member", "name": "x", "kinds": ["branch"]})
    assert own.kinds == []


def _expect(role, sees, allowed):
    return "ok" if role in allowed else 403 if role in sees else 404


def test_access_matrix(client, users, tree, duties):
    tpl, own, inspection = duties
    tpl_item = tpl.items.first()
    own_item = own.items.first()
    pdf = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    evidence = InspectionEvidence.objects.create(result=inspection.results.first(), name="材料.pdf", size=13,
                                                 content_type="application/pdf", file=default_storage.save("t/x.pdf", pdf))
    a = tree.branch_a.pk
    routes = [
        ("get", f"/assessment/duties/{tpl.pk}/", {}, STAFF, STAFF),
        ("get", f"/assessment/duties/{own.pk}/", {}, SEES_A, SEES_A),
        ("get", f"/assessment/duties/{tpl.pk}/edit/", {}, STAFF, MANAGES),
        ("get", f"/assessment/duties/{own.pk}/edit/", {}, SEES_A, KEEPS_A),
        ("post", f"/assessment/duties/{tpl.pk}/items/", {"kind": "duty", "text": "新增"}, STAFF, MANAGES),
        ("post", f"/assessment/duties/{own.pk}/items/", {"kind": "duty", "text": "新增"}, SEES_A, KEEPS_A),
        ("post", f"/assessment/duties/{own.pk}/delete/", {}, SEES_A, KEEPS_A),  # unconfirmed: the question only
        ("get", f"/assessment/duties/items/{tpl_item.pk}/edit/", {}, STAFF, MANAGES),
        ("get", f"/assessment/duties/items/{own_item.pk}/edit/", {}, SEES_A, KEEPS_A),
        ("post", f"/assessment/duties/items/{tpl_item.pk}/delete/", {}, STAFF, MANAGES),
        ("post", f"/assessment/duties/items/{own_item.pk}/delete/", {}, SEES_A, KEEPS_A),
        # a member sees their own branch (403, not 404), not its assessment pages
        ("get", f"/assessment/duties/org/{a}/", {}, SEES_A | {"member_a"}, SEES_A),
        ("get", f"/assessment/duties/org/{a}/inspect/", {}, SEES_A | {"member_a"}, INSPECTS_A),
        ("get", f"/assessment/inspections/{inspection.pk}/", {}, SEES_A, SEES_A),
        ("get", f"/assessment/inspections/evidence/{evidence.pk}/", {}, SEES_A, SEES_A),
        ("post", f"/assessment/inspections/{inspection.pk}/delete/", {}, SEES_A, INSPECTS_A),  # the question only
    ]
    for role in ROLES:
        client.force_login(users[role])
        for method, url, data, sees, allowed in routes:
            status = getattr(client, method)(url, data).status_code
            want = _expect(role, sees, allowed)
            assert (status in (200, 302)) if want == "ok" else status == want, (role, url, status)
        for url, allowed in [("/assessment/duties/", STAFF), ("/assessment/inspections/", STAFF),
                             ("/assessment/duties/new/?template=1", MANAGES), ("/assessment/duties/new/", ORG_MANAGERS)]:
            status = client.get(url).status_code
            assert status == (200 if role in allowed else 403), (role, url, status)
    assert client.get("/assessment/duties/org/999999/").status_code == 404
    # the items added by those allowed, nobody else's
    assert tpl.items.filter(text="新增").count() == 1
    assert own.items.filter(text="新增").count() == len(KEEPS_A)
    assert DutyList.objects.filter(pk=own.pk).exists()  # an unconfirmed delete deletes nothing
    evidence.file.delete(save=False)


def test_lists_scoped(client, users, tree, admin, duties):
    b_own = duty_services.duty_list_create(
        actor=tree.users["secretary_b"], organization=tree.branch_b, data={"post": "organization", "name": "乙村清单"})
    client.force_login(users["secretary_a"])
    page = client.get("/assessment/duties/").content.decode()
    assert "支部书记责任清单" in page and "甲村党支部补充清单" in page and "乙村清单" not in page
    client.force_login(users["secretary_b"])
    page = client.get("/assessment/duties/").content.decode()
    assert "甲村党支部补充清单" not in page and "乙村清单" in page
    assert client.get(f"/assessment/duties/{b_own.pk}/").status_code == 200
    page = client.get("/assessment/inspections/").content.decode()
    assert "甲村党支部" not in page
    client.force_login(users["town_a_admin"])
    assert "甲村党支部" in client.get("/assessment/inspections/?period_key=2026Q1&failed=on").content.decode()
    assert "甲村党支部" not in client.get("/assessment/inspections/?period_key=2026Q2").content.decode()
    assert client.get("/assessment/inspections/?period_key=2026Q9").status_code == 400


def test_create_pages(client, users, tree):
    client.force_login(users["district_admin"])
    response = client.post("/assessment/duties/new/?template=1", {"name": "党员责任清单", "post": "member",
                                                                   "kinds": ["branch", "joint_branch"]})
    assert response.status_code == 302
    tpl = DutyList.objects.get(name="党员责任清单")
    assert tpl.is_template and tpl.organization == tree.district and tpl.kinds == ["branch", "joint_branch"]
    assert "党支部、联合党支部" in client.get(f"/assessment/duties/{tpl.pk}/").content.decode()
    response = client.post(f"/assessment/duties/{tpl.pk}/items/", {"kind": "task", "text": "学习", "deadline": ""})
    assert response.status_code == 400 and "完成时限" in response.content.decode()
    assert client.post(f"/assessment/duties/{tpl.pk}/items/", {"kind": "task", "text": "学习",
                                                               "deadline": "2026-06-30"}).status_code == 302
    client.force_login(users["secretary_a"])
    response = client.post("/assessment/duties/new/", {"organization": tree.branch_a.code, "name": "本支部清单",
                                                       "post": "committee"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DutyList.objects.get(name="本支部清单").organization == tree.branch_a
    response = client.post("/assessment/duties/new/", {"organization": tree.branch_b.code, "name": "别人的",
                                                       "post": "committee"})
    assert response.status_code == 400 and not DutyList.objects.filter(name="别人的").exists()
    response = client.post("/assessment/duties/new/", {"organization": tree.branch_a.code, "name": "a\x00",
                                                       "post": "committee"})
    assert response.status_code == 400
    # the print page: the whole list as it applies, by post and kind
    page = client.get(f"/assessment/duties/org/{tree.branch_a.pk}/").content.decode()
    assert "学习" in page and "2026-06-30" in page and "window.print()" in page


def test_inspection_through_the_page_with_evidence(client, users, tree, duties):
    items = duty_selectors.applicable_items(tree.branch_b)
    client.force_login(users["district_admin"])
    url = f"/assessment/duties/org/{tree.branch_b.pk}/inspect/"
    page = client.get(url).content.decode()
    assert "每季度讲一次党课" in page and "违反" in page
    data = {"period_key": "2026Q2", "inspected_on": "2026-06-20", "note": "季度检查"}
    data |= {f"outcome-{i.pk}": "done" for i in items}
    bad = SimpleUploadedFile("a.pdf", b"MZ", content_type="application/pdf")
    response = client.post(url, {**data, f"files-{items[0].pk}": bad})
    assert response.status_code == 400 and "文件内容与扩展名不符" in response.content.decode()
    response = client.post(url, {**data, f"outcome-{items[0].pk}": ""})
    assert response.status_code == 400 and "请为每个事项选择检查结果" in response.content.decode()
    assert not Inspection.objects.filter(organization=tree.branch_b).exists()
    pdf = SimpleUploadedFile("记录.pdf", b"%PDF-1.4 ok", content_type="application/pdf")
    response = client.post(url, {**data, f"outcome-{items[2].pk}": "not_done", f"note-{items[2].pk}": "发现问题",
                                 f"files-{items[2].pk}": pdf})
    assert response.status_code == 302
    inspection = Inspection.objects.get(organization=tree.branch_b)
    evidence = InspectionEvidence.objects.get(result__inspection=inspection)
    page = client.get(f"/assessment/inspections/{inspection.pk}/").content.decode()
    assert "发现问题" in page and "记录.pdf" in page and "违反" in page
    assert client.get(f"/assessment/inspections/evidence/{evidence.pk}/").status_code == 200
    client.force_login(users["secretary_b"])  # its own staff read the result
    assert client.get(f"/assessment/inspections/evidence/{evidence.pk}/").status_code == 200
    client.force_login(users["secretary_a"])
    assert client.get(f"/assessment/inspections/evidence/{evidence.pk}/").status_code == 404
    evidence.file.delete(save=False)


def test_evidence_removed_when_the_write_fails(tree, duties, monkeypatch):
    saved = []

    def fail(self, *args, **kwargs):
        saved.append(self.file.name)
        raise RuntimeError("disk full")

    monkeypatch.setattr(InspectionEvidence, "save", fail)
    items = duty_selectors.applicable_items(tree.branch_b)
    pdf = SimpleUploadedFile("记录.pdf", b"%PDF-1.4 ok", content_type="application/pdf")
    with pytest.raises(RuntimeError):
        duty_services.inspection_create(actor=tree.users["district_admin"], organization=tree.branch_b,
                                        data={"period_key": "2026Q2", "inspected_on": date(2026, 6, 1)},
                                        results={i.pk: ("done", "") for i in items}, files={items[0].pk: [pdf]})
    assert saved and not default_storage.exists(saved[0])
    assert not Inspection.objects.filter(organization=tree.branch_b).exists()


def test_list_query_counts_do_not_grow(client, users, tree, admin, duties, django_assert_max_num_queries):
    client.force_login(users["district_admin"])
    counts = []
    for n in (1, 12):
        for i in range(n):
            org = make_org(f"支部{n}-{i}", "branch", tree.town_a, domain="village")
            inspect(users["district_admin"], org)
            duty_services.duty_list_create(actor=admin, organization=org, data={"post": "member", "name": f"清单{n}-{i}"})
        for url in ("/assessment/inspections/", "/assessment/duties/"):
            client.get(url)
        with django_assert_max_num_queries(16) as captured:
            client.get("/assessment/inspections/")
            client.get("/assessment/duties/")
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_delete_an_inspection(client, users, tree, admin, duties, make_system, django_capture_on_commit_callbacks):
    from apps.assessment import feed_services

    from .duty_helpers import fed_system, score
    from .round_helpers import make_round

    _, _, inspection = duties
    items = duty_selectors.applicable_items(tree.branch_b)
    pdf = SimpleUploadedFile("记录.pdf", b"%PDF-1.4 ok", content_type="application/pdf")
    other = duty_services.inspection_create(actor=admin, organization=tree.branch_b, data={
        "period_key": "2026Q2", "inspected_on": date(2026, 6, 1)}, results={i.pk: ("done", "") for i in items},
        files={items[0].pk: [pdf]})
    name = InspectionEvidence.objects.get(result__inspection=other).file.name
    rnd = make_round(admin, fed_system(make_system, admin))
    feed_services.round_items_pull(actor=admin, round=rnd)
    client.force_login(users["secretary_a"])  # its own staff read, never delete
    assert client.post(f"/assessment/inspections/{inspection.pk}/delete/", {"confirmed": "1"}).status_code == 403
    client.force_login(users["town_a_admin"])
    page = client.get(f"/assessment/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="delete-inspection"' in page
    response = client.post(f"/assessment/inspections/{inspection.pk}/delete/", {"confirmed": "1"})
    assert response.status_code == 302 and not Inspection.objects.filter(pk=inspection.pk).exists()
    assert score(rnd, tree.branch_a).item_count == 2  # what was pulled stays
    assert AuditEvent.objects.filter(object_type="assessment.inspection", action="delete").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        duty_services.inspection_delete(actor=admin, inspection=other)
    assert not default_storage.exists(name)


def test_an_item_corrected_in_place_keeps_past_inspections(client, users, tree, admin, duties):
    """修改: the item changes for the inspections to come; the quarter already inspected keeps what it was held
    against; a task needs its deadline; moved to another kind it goes last there; audited; a bad form is a 400."""
    tpl, own, inspection = duties
    task = tpl.items.get(kind=DutyKind.TASK)
    held = inspection.results.get(item=task)
    client.force_login(users["district_admin"])
    page = client.get(f"/assessment/duties/items/{task.pk}/edit/")
    assert page.status_code == 200 and task.text in page.content.decode()
    response = client.post(f"/assessment/duties/items/{task.pk}/edit/", {"kind": "task", "text": "每季度讲一次党课",
                                                                         "deadline": ""})
    assert response.status_code == 400 and "任务清单的事项须填写完成时限" in response.content.decode()
    response = client.post(f"/assessment/duties/items/{task.pk}/edit/", {"kind": "task", "text": "每季度讲一次专题党课",
                                                                         "deadline": "2026-06-30"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.text, task.deadline) == ("每季度讲一次专题党课", date(2026, 6, 30))
    held.refresh_from_db()
    assert held.text == "每季度讲一次党课"  # the quarter inspected keeps its text
    event = AuditEvent.objects.filter(object_type="assessment.dutyitem", object_id=str(task.pk), action="update").get()
    assert event.before["text"] == "每季度讲一次党课" and event.after["text"] == "每季度讲一次专题党课"

    last = max(tpl.items.filter(kind=DutyKind.DUTY).values_list("position", flat=True))
    item = duty_services.duty_item_update(actor=admin, item=task, data={"kind": "duty", "text": "讲党课"})
    assert (item.kind, item.deadline, item.position) == (DutyKind.DUTY, None, last + 1)
    with pytest.raises(ValidationError):
        duty_services.duty_item_update(actor=admin, item=item, data={"kind": "duty", "text": "x\x00"})
    assert client.post(f"/assessment/duties/items/{item.pk}/edit/", {"kind": "nope", "text": ""}).status_code == 400
