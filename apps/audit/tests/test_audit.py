import pytest

from apps.audit.models import AuditEvent
from apps.audit.services import audit_read


@pytest.mark.django_db
def test_audit_rows_cannot_be_edited_or_deleted(tree):
    event = audit_read(actor=tree.users["district_admin"], action="update", obj=tree.member_a, before={"a": 1}, after={"a": 2})
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
def test_a_write_is_recorded_only_inside_its_own_transaction(tree):
    """audit_record refuses outside a transaction (a row must not outlive a rolled-back write), and a test case's
    own wrapping transaction does not count: the code under test must open one."""
    from django.db import transaction

    from apps.audit.services import AuditOutsideTransaction, audit_bulk, audit_record, build_event

    actor = tree.users["district_admin"]
    before = AuditEvent.objects.count()
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=actor, action="update", obj=tree.member_a)
    with pytest.raises(AuditOutsideTransaction):
        audit_bulk([build_event(actor=actor, action="update", obj=tree.member_a)])
    assert AuditEvent.objects.count() == before
    with transaction.atomic():
        audit_record(actor=actor, action="update", obj=tree.member_a)
        audit_bulk([build_event(actor=actor, action="update", obj=tree.branch_a)])
    assert AuditEvent.objects.count() == before + 2


def test_a_snapshot_key_naming_a_reverse_relation_is_shown_as_a_value():
    """An audited snapshot may list related rows under their relation's name (an organization's "posts"): the
    trail shows the value instead of failing on the relation (it has no choices, no verbose name)."""
    from apps.audit.display import Reader
    from apps.audit.models import AuditEvent
    from apps.orgs.models import Organization

    event = AuditEvent(object_type="orgs.organization", action="update", before={"posts": [1]}, after={"posts": [1, 2]})
    assert Organization._meta.get_field("posts").is_relation  # a reverse relation of that name exists
    [change] = Reader([event]).changes(event)
    assert change.field == "posts" and "2" in change.after
