"""What the auditor reads: who did what to which record, personal fields as changed only, labels and display
values instead of field names and codes, foreign keys by name at a fixed number of queries per page."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.core.idcard import make_id_number
from apps.members import services

ID_NUMBER = make_id_number("500102", date(1979, 11, 30), 246)
PHONE = "13712340987"
# Every personal value the member's rows hold, as stored or as a page would print it.
PERSONAL = ["1979-11-30", "1979年11月30日", ID_NUMBER, ID_NUMBER[:6], PHONE, "137****0987", "满族", "硕士研究生",
            "大学本科", "专业技术人员", "浙江省杭州市", "zhao-wx-77", "男"]


def _export_text(client, params=None):
    response = client.get("/audit/export/", params or {})
    assert response.status_code == 302  # the export job ran (immediate backend); its file is the job's download
    response = client.get(f"{response.url}download/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in ws.iter_rows(values_only=True))


@pytest.fixture
def member_rows(tree):
    admin = tree.users["district_admin"]
    member = services.member_create(actor=admin, data={
        "organization": tree.branch_a, "name": "钱七", "id_number": ID_NUMBER, "category": "full", "status": "normal",
        "joined_on": date(2001, 7, 1), "full_member_on": date(2002, 7, 1), "ethnicity": "04", "education": "14",
        "occupation": "professional", "phone": PHONE, "is_hardship": True})
    services.member_update(actor=admin, member=member, data={
        "status": "flowing", "flow_place": "浙江省杭州市", "flow_contact": "zhao-wx-77", "education": "21",
        "organization": tree.branch_b, "party_group": None})
    return member


@pytest.mark.django_db
def test_auditor_sees_who_did_what_but_no_personal_values(tree, login, member_rows):
    client = login(tree.users["auditor"])
    page = client.get("/audit/", {"object_type": "members.member"}).content.decode()
    changes = page.split('data-testid="audit-table"')[1]
    export = _export_text(client, {"object_type": "members.member"})
    for text in (changes, export):
        assert "钱七" in text and "district_admin" in text  # who, and which record
        for value in PERSONAL:
            assert value not in text, value
        # …but which personal fields were given or changed is still said.
        assert "出生日期：" in text and "已填写" in text
        assert "学历：" in text and "流动去向：" in text and "已修改" in text


@pytest.mark.django_db
def test_changes_read_as_labels_and_display_values(tree, login, member_rows):
    client = login(tree.users["auditor"])
    page = client.get("/audit/", {"object_type": "members.member", "action": "update"}).content.decode()
    changes = page.split('data-testid="audit-table"')[1]
    export = _export_text(client, {"object_type": "members.member", "action": "update"})
    for text in (changes, export):
        assert "党员状态：" in text and "正常 → 流动" in text
        assert "所在党组织：" in text and "甲村党支部 → 乙村党支部" in text  # the foreign key by name
        for raw in ("organization", "status", "flowing", "education", ": → "):
            assert raw not in text, raw
    assert "党员" in changes  # the object type by its name


@pytest.mark.django_db
def test_choices_codes_and_booleans_of_other_models(tree, login):
    from apps.orgs import services as org_services

    org_services.org_update(actor=tree.users["district_admin"], org=tree.branch_a, data={"domain": "school"})
    page = login(tree.users["auditor"]).get("/audit/", {"object_type": "orgs.organization"}).content.decode()
    changes = page.split('data-testid="audit-table"')[1]
    assert "所属领域：" in changes and "school" not in changes and "village" not in changes


@pytest.mark.django_db
def test_foreign_keys_are_resolved_per_page_not_per_row(tree, login):
    from tests.factories import make_member, make_org, refresh

    admin = tree.users["district_admin"]
    orgs = [make_org(f"第{i}支部", "branch", refresh(tree.town_a)) for i in range(12)]
    members = [make_member(tree.branch_a, f"成员{i}", seq=100 + i) for i in range(12)]
    client = login(tree.users["auditor"])

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/audit/", {"object_type": "members.member"}).status_code == 200
        return len(ctx.captured_queries)

    services.member_update(actor=admin, member=members[0], data={"organization": refresh(orgs[0])})
    queries()  # warm: the session and per-process caches
    few = queries()
    for member, org in zip(members[1:], orgs[1:]):
        services.member_update(actor=admin, member=member, data={"organization": refresh(org)})
    page = client.get("/audit/", {"object_type": "members.member"}).content.decode()
    assert all(f"甲村党支部 → 第{i}支部" in page for i in range(12))
    assert queries() == few


@pytest.mark.django_db
def test_numbers_typed_into_old_rows_are_masked_and_dates_are_date_inputs(tree, login):
    AuditEvent.objects.create(actor_name="old_admin", action="export", object_type="members.member",
                              object_repr="党员名册导出", org_path=tree.district.path,
                              note="条件：{'q': '%s', 'phone': '137 1234 0987'}" % ID_NUMBER)
    client = login(tree.users["auditor"])
    page = client.get("/audit/").content.decode()
    assert ID_NUMBER not in page and "137 1234 0987" not in page and "137 **** 0987" in page
    assert "500***************" in page
    assert page.count('type="date"') == 2
    page = client.get("/audit/", {"date_from": "2020-01-01", "date_to": "2099-12-31"}).content.decode()
    assert 'value="2020-01-01"' in page and "党员名册导出" in page
    assert ID_NUMBER not in _export_text(client)
