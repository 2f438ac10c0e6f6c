"""The rankings read their figures from the read replica (apps.core.dbrouter), end to end: the staff page, its
workbook and the public page query the cases on `replica`; the access checks, the session and the audit row of the
export stay on the primary. The replica is the test mirror of the default database (conftest.py), so these tests
are transactional."""

from tests.replica import REPLICA_TESTS, captured

pytestmark = REPLICA_TESTS


def _sql(queries):
    return [q["sql"] for q in queries]


def test_staff_rankings_read_the_cases_from_the_replica(cases, submit, client):
    submit()
    submit(area=cases.tree.branch_b)
    client.force_login(cases.users["district_admin"])
    with captured() as (primary, replica):
        html = client.get("/cases/rankings/").content.decode()
    assert 'data-testid="row-甲镇"' in html and 'data-testid="row-乙镇"' in html  # the figures the replica gave
    assert any('"cases_case"' in sql for sql in _sql(replica.captured_queries))
    assert not any('"cases_case"' in sql for sql in _sql(primary.captured_queries))
    # The session, the user and the roles the access check needs come from the primary.
    assert any("django_session" in sql for sql in _sql(primary.captured_queries))
    assert any("access_roleassignment" in sql for sql in _sql(primary.captured_queries))
    assert not any("access_roleassignment" in sql or "django_session" in sql for sql in _sql(replica.captured_queries))
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in _sql(replica.captured_queries))


def test_the_rankings_workbook_reads_from_the_replica_and_audits_on_the_primary(cases, submit, client):
    from apps.audit.models import AuditEvent

    submit()
    client.force_login(cases.users["district_admin"])
    with captured() as (primary, replica):
        assert client.get("/cases/rankings/export.xlsx").status_code == 200
    assert any('"cases_case"' in sql for sql in _sql(replica.captured_queries))
    assert not any('"cases_case"' in sql for sql in _sql(primary.captured_queries))
    assert any(sql.startswith("INSERT") and "audit_auditevent" in sql for sql in _sql(primary.captured_queries))
    assert AuditEvent.objects.filter(object_type="cases.ranking").count() == 1


def test_public_rankings_read_from_the_replica(cases, submit, client):
    submit()
    with captured() as (primary, replica):
        assert client.get("/report/rankings/").status_code == 200
    assert any('"cases_case"' in sql for sql in _sql(replica.captured_queries))
    assert not any('"cases_case"' in sql for sql in _sql(primary.captured_queries))


def test_without_a_replica_everything_is_read_from_the_primary(cases, submit, client, settings):
    settings.DATABASE_REPLICA_READS = False
    submit()
    client.force_login(cases.users["district_admin"])
    with captured() as (primary, replica):
        assert client.get("/cases/rankings/").status_code == 200
    assert replica.captured_queries == []
    assert any('"cases_case"' in sql for sql in _sql(primary.captured_queries))
