"""Every write through the system settings (the Django admin) leaves an audit row, in the write's transaction."""

import pytest

from apps.audit.models import AuditEvent
from apps.orgs.models import Cluster, Organization


def _events(action, model="orgs.cluster"):
    return AuditEvent.objects.filter(action=action, object_type=model, actor_name="sysadmin")


@pytest.mark.django_db
def test_adding_changing_and_deleting_a_cluster_is_audited(tree, client):
    client.force_login(tree.users["sysadmin"])
    assert client.post("/system/admin/orgs/cluster/add/", {"name": "第一组团", "description": "片区"}).status_code == 302
    cluster = Cluster.objects.get(name="第一组团")
    created = _events("create").get(object_id=str(cluster.pk))
    assert created.after["name"] == "第一组团" and created.before is None

    response = client.post(f"/system/admin/orgs/cluster/{cluster.pk}/change/", {"name": "第一组团", "description": "东片"})
    assert response.status_code == 302
    changed = _events("update").get(object_id=str(cluster.pk))
    assert changed.before["description"] == "片区" and changed.after["description"] == "东片"

    Organization.objects.filter(pk=tree.branch_a.pk).update(cluster=cluster)
    response = client.post(f"/system/admin/orgs/cluster/{cluster.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Cluster.objects.filter(pk=cluster.pk).exists()
    deleted = _events("delete").get(object_id=str(cluster.pk))
    assert deleted.before["name"] == "第一组团"
    # The organization it was taken off is recorded too, where that organization's auditors look.
    org_event = _events("update", "orgs.organization").get(object_id=str(tree.branch_a.pk))
    assert org_event.before == {"cluster": cluster.pk} and org_event.after == {"cluster": None}
    assert org_event.org_path == tree.branch_a.path


@pytest.mark.django_db
def test_the_list_delete_action_is_audited_per_row(tree, client):
    client.force_login(tree.users["sysadmin"])
    clusters = [Cluster.objects.create(name=f"组团{i}") for i in range(3)]
    response = client.post("/system/admin/orgs/cluster/", {
        "action": "delete_selected", "_selected_action": [c.pk for c in clusters], "post": "yes"})
    assert response.status_code == 302 and not Cluster.objects.exists()
    assert set(_events("delete").values_list("object_id", flat=True)) == {str(c.pk) for c in clusters}


@pytest.mark.django_db
def test_an_admin_write_and_its_audit_row_stand_or_fall_together(tree, client, monkeypatch):
    from apps.audit import services as audit_services

    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(audit_services, "audit_record", broken)
    client.force_login(tree.users["sysadmin"])
    client.raise_request_exception = False
    response = client.post("/system/admin/orgs/cluster/add/", {"name": "第二组团"})
    assert response.status_code == 500
    assert not Cluster.objects.filter(name="第二组团").exists()


@pytest.mark.django_db
def test_open311_clients_are_audited_through_their_services(tree, client):
    client.force_login(tree.users["sysadmin"])
    assert client.post("/system/admin/cases/open311client/add/", {"name": "市热线", "note": ""}).status_code == 302
    assert AuditEvent.objects.filter(action="create", object_type="cases.open311client", actor_name="sysadmin").count() == 1


def test_every_registered_model_goes_through_the_audited_base():
    from django.contrib import admin

    from apps.audit.admin_site import SystemSettingAdmin

    assert admin.site._registry, "nothing registered?"
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SystemSettingAdmin), model
