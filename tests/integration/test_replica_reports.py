"""The other reports that read from the replica (apps.core.dbrouter): the compliance table (page and its export job,
run inline in tests) and the audit trail's export (a job too). What they write — the job's progress, the audit rows — and the
access checks stay on the primary. The staff and public rankings: apps/cases/tests/test_rankings_replica.py."""


from tests.replica import REPLICA_TESTS, captured

pytestmark = REPLICA_TESTS




def _with_table(queries, table):
    return [q["sql"] for q in queries if f'"{table}"' in q["sql"]]


def _selects_only(queries):
    """Reads only: SELECTs, or on PostgreSQL the server-side cursor of an `.iterator()` over one (allowed on a hot
    standby too)."""
    return all(q["sql"].startswith("SELECT") or (q["sql"].startswith("DECLARE") and " FOR SELECT " in q["sql"])
               for q in queries)


def test_the_compliance_table_and_its_export_read_from_the_replica(tree, client):
    client.force_login(tree.users["district_admin"])
    with captured() as (primary, replica):
        assert client.get("/records/compliance/").status_code == 200
    assert _with_table(replica.captured_queries, "orgs_organization")  # the applicable organizations
    assert _with_table(replica.captured_queries, "records_recordmonthrollup")  # the subtree's figures (stored)
    assert not _with_table(primary.captured_queries, "records_recordmonthrollup")
    assert not _with_table(primary.captured_queries, "records_activityrecord")
    assert _with_table(primary.captured_queries, "access_roleassignment")  # the access check
    assert not _with_table(replica.captured_queries, "access_roleassignment")

    with captured() as (primary, replica):
        assert client.get("/records/compliance/export.xlsx").status_code == 302
    assert _with_table(replica.captured_queries, "orgs_organization")
    assert not _with_table(replica.captured_queries, "core_job")  # the job row it updates is read on the primary
    assert any(sql.startswith("UPDATE") for sql in _with_table(primary.captured_queries, "core_job"))
    assert _selects_only(replica.captured_queries)


def test_the_audit_export_reads_the_trail_from_the_replica_and_records_itself_on_the_primary(tree, client):
    from apps.audit.models import AuditEvent

    client.force_login(tree.users["auditor"])
    before = AuditEvent.objects.count()
    with captured() as (primary, replica):
        assert client.get("/audit/export/").status_code == 302  # the export job, run at once in tests
    assert _with_table(replica.captured_queries, "audit_auditevent")
    assert [sql.split()[0] for sql in _with_table(primary.captured_queries, "audit_auditevent")] == ["INSERT"]
    assert not _with_table(replica.captured_queries, "core_job")  # the job row it updates is read on the primary
    assert any(sql.startswith("UPDATE") for sql in _with_table(primary.captured_queries, "core_job"))
    assert _selects_only(replica.captured_queries)
    assert AuditEvent.objects.count() == before + 1
