import io

import pytest
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.core.testing import make_user


@pytest.mark.django_db
def test_audit_rows_cannot_be_edited_or_deleted(tree):
    event = audit_record(actor=tree.users["district_admin"], action="update", obj=tree.member_a, before={"a": 1}, after={"a": 2})
    event.note = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.django_db
def test_the_audit_write_shares_the_transaction_of_the_change(tree):
    from django.db import transaction

    from apps.orgs import services

    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.org_update(actor=None, org=tree.branch_a, data={"name": "改名"})
        raise RuntimeError("rollback")
    assert AuditEvent.objects.count() == count
    assert tree.branch_a.__class__.objects.get(pk=tree.branch_a.pk).name == "甲村党支部"


@pytest.mark.django_db
def test_auditor_filters_and_exports(tree, client):
    from apps.orgs import services

    services.org_update(actor=tree.users["district_admin"], org=tree.branch_a, data={"name": "甲村新支部"})
    client.force_login(tree.users["auditor"])
    page = client.get("/audit/", {"action": "update", "actor": "district_admin"}).content.decode()
    assert "甲村新支部" in page and "甲村党支部" in page  # before and after
    assert client.get("/audit/", {"date_from": "not-a-date"}).status_code == 400
    response = client.get("/audit/export/", {"action": "update"})
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "时间" and any(r[5] == "甲村新支部" for r in rows[1:])
    assert AuditEvent.objects.filter(action="export", actor_name="auditor").exists()


@pytest.mark.django_db
def test_auditor_scope_follows_the_tree(tree, client):
    from apps.access.models import Role
    from apps.orgs import services

    services.org_update(actor=None, org=tree.branch_a, data={"name": "甲支部改"})
    services.org_update(actor=None, org=tree.branch_b, data={"name": "乙支部改"})
    town_auditor = make_user("town_auditor", Role.AUDITOR, tree.town_a)
    client.force_login(town_auditor)
    page = client.get("/audit/").content.decode()
    assert "甲支部改" in page and "乙支部改" not in page
