"""The trail's date filters are days in the local time zone (Asia/Shanghai), filtered as a range of `at` so the
index on `at` serves them: no cast of the column to a date."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import QueryDict

from apps.audit.models import AuditEvent
from apps.audit.services import audit_read
from apps.dashboards.audit_views import AuditFilter


def _event_at(tree, moment, note):
    event = audit_read(actor=tree.users["district_admin"], action="update", obj=tree.branch_a, note=note)
    # Rows are append-only through the ORM; a test sets the time underneath it.
    field = AuditEvent._meta.get_field("at")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET at = %s WHERE id = %s",
                       [field.get_db_prep_value(moment, connection), event.pk])
    return event


def _notes(tree, **params):
    query = QueryDict(mutable=True)
    query.update(params)
    f = AuditFilter(query, queryset=AuditEvent.objects.filter(note__startswith="edge"), user=tree.users["auditor"])
    assert f.is_valid(), f.errors
    return set(f.qs.values_list("note", flat=True)), str(f.qs.query)


@pytest.mark.django_db
def test_date_filters_cut_at_local_midnight_without_casting_the_column(tree, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 23:59:59 on 1 March and 00:00:00 on 2 March in Shanghai (UTC+8).
    _event_at(tree, datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), "edge-late")
    _event_at(tree, datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC), "edge-early")
    found, sql = _notes(tree, date_from="2026-03-02")
    assert found == {"edge-early"}
    assert "DATE" not in sql.upper().replace("UPDATE", "") and "cast" not in sql.lower()
    assert _notes(tree, date_to="2026-03-01")[0] == {"edge-late"}
    assert _notes(tree, date_from="2026-03-01", date_to="2026-03-01")[0] == {"edge-late"}
    assert _notes(tree, date_from="2026-03-02", date_to="2026-03-02")[0] == {"edge-early"}
    assert _notes(tree, date_from="2026-03-01", date_to="2026-03-02")[0] == {"edge-late", "edge-early"}


@pytest.mark.django_db
def test_extreme_dates_are_no_error(tree, client):
    client.force_login(tree.users["auditor"])
    for params in ({"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}, {"date_from": "9999-12-31"},
                   {"date_to": "0001-01-01"}):
        assert client.get("/audit/", params).status_code in (200, 400), params  # never a 500
