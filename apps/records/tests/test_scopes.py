"""A record's child objects go through the access layer like the record: its files, attendance and kept versions
by the record's own rule (a member reads those of their branch's submitted records), a monthly star by the
organization that picked it, the fulfilment counters by their organization. Writes outside a request's
transaction still write their audit rows with them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from apps.access import policy
from apps.records import services
from apps.records.models import ActivityRecord, Attendance, Fulfilment, MonthlyStar, RecordFile, RecordVersion

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin"]
CHILDREN = (RecordFile, Attendance, RecordVersion)


@pytest.fixture
def kept(tree, make_record, settings, tmp_path):
    """Branch A: a submitted record and a draft; branch B: a submitted record. Each has a file, attendance, and the
    submitted ones a kept version."""
    settings.MEDIA_ROOT = tmp_path
    a = make_record("theme_day")
    draft = make_record("theme_day", submit=False)
    b = make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"])
    files = {}
    for name, record, actor in (("a", a, "secretary_a"), ("draft", draft, "secretary_a"), ("b", b, "secretary_b")):
        files[name] = services.record_file_add(actor=tree.users[actor], record=record, kind="attachment",
                                               upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
        services.record_update(actor=tree.users[actor], record=record, data={"minutes": "补充"})
    return {"a": a, "draft": draft, "b": b, "files": files}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_records_children_follow_the_record(tree, kept, role):
    user = tree.users[role]
    for capability in (policy.RECORD_VIEW, policy.RECORD_MANAGE):
        records = set(policy.restrict(ActivityRecord, user, capability).values_list("pk", flat=True))
        for model in CHILDREN:
            seen = set(policy.restrict(model, user, capability).values_list("record_id", flat=True))
            having = set(model.objects.filter(record_id__in=records).values_list("record_id", flat=True))
            assert seen == having, (model.__name__, capability)
    for capability in (policy.RECORD_VIEW, policy.RECORD_MANAGE, policy.RECORD_REVIEW):
        for model in CHILDREN:
            for child in model.objects.select_related("record__organization"):
                assert policy.can(user, capability, child) == policy.can(user, capability, child.record)


@pytest.mark.django_db
def test_a_member_reads_the_files_of_their_branchs_submitted_records_only(tree, kept):
    member = tree.users["member_a"]
    files = kept["files"]
    assert set(policy.restrict(RecordFile, member)) == {files["a"]}
    assert policy.get(RecordFile, member, files["a"].pk) == files["a"]
    with pytest.raises(PermissionDenied):  # seen, not kept
        policy.get(RecordFile, member, files["a"].pk, policy.RECORD_MANAGE)
    for other in (files["draft"], files["b"]):
        with pytest.raises(Http404, match="未找到该文件"):
            policy.get(RecordFile, member, other.pk)
    assert set(policy.restrict(RecordVersion, member).values_list("record_id", flat=True)) == {kept["a"].pk}


@pytest.mark.django_db
def test_a_star_belongs_to_the_organization_that_picked_it(tree, kept):
    by_district = services.star_pick(actor=tree.users["district_admin"], record=kept["b"], chosen_by_org=tree.district)
    by_town = services.star_pick(actor=tree.users["town_a_admin"], record=kept["a"], chosen_by_org=tree.town_a)
    assert set(policy.restrict(MonthlyStar, tree.users["district_admin"])) == {by_district, by_town}
    assert set(policy.restrict(MonthlyStar, tree.users["town_a_admin"])) == {by_town}
    for role in ("secretary_a", "secretary_b", "member_a", "auditor"):
        assert not policy.restrict(MonthlyStar, tree.users[role]).exists()
        with pytest.raises(Http404, match="未找到该评选结果"):
            policy.get(MonthlyStar, tree.users[role], by_town.pk)
    with pytest.raises(Http404):
        policy.get(MonthlyStar, tree.users["town_a_admin"], by_district.pk)


@pytest.mark.django_db
def test_fulfilment_counters_are_their_organizations(tree, kept):
    assert set(policy.restrict(Fulfilment, tree.users["secretary_a"]).values_list("organization_id", flat=True)) == {tree.branch_a.pk}
    assert policy.restrict(Fulfilment, tree.users["district_admin"]).count() == 2
    assert not policy.restrict(Fulfilment, tree.users["auditor"]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_compliance_export_writes_its_job_and_audit_row_outside_a_request_transaction(tree, types, client):
    """No test transaction around it here: the job row and its audit row are written by the service's own."""
    from apps.audit.models import AuditEvent
    from apps.core.models import Job

    client.force_login(tree.users["district_admin"])
    response = client.get(f"/records/compliance/export.xlsx?org={tree.town_a.pk}&period={timezone.localdate():%Y-%m}")
    job = Job.objects.get(kind="compliance_export")
    assert response.status_code == 302 and job.status == "succeeded", job.result
    assert AuditEvent.objects.filter(action="export", object_id=str(tree.town_a.pk)).count() == 1
