"""The audit log pages (apps.dashboards.audit_views): the auditor filters and exports the trail within their scope
(the export as a job: apps/dashboards/tests/test_audit_export.py)."""

import io

import pytest
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.core.models import Job
from tests.factories import make_user


@pytest.mark.django_db
def test_auditor_filters_and_exports(tree, client):
    from apps.orgs import services

    services.org_update(actor=tree.users["district_admin"], org=tree.branch_a, data={"name": "甲村新支部"})
    client.force_login(tree.users["auditor"])
    page = client.get("/audit/", {"action": "update", "actor": "district_admin"}).content.decode()
    assert "甲村新支部" in page and "甲村党支部" in page  # before and after
    assert client.get("/audit/", {"date_from": "not-a-date"}).status_code == 400
    response = client.get("/audit/export/", {"action": "update"})
    assert response.status_code == 302  # to the export job's page
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert job.status == Job.Status.SUCCEEDED, job.result
    ws = load_workbook(io.BytesIO(b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content))).active
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
