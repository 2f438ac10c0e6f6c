"""Filter forms given a bad value say so to assistive technology: the short error summary, the control aria-invalid
and described by its error text (and the format hint), ids that exist on the page (WCAG 3.3.1, 4.1.2)."""

import pytest

from tests.form_errors import assert_accessible_error

pytestmark = pytest.mark.django_db


def test_attendance_with_a_bad_period(tree, client):
    client.force_login(tree.users["district_admin"])
    response = client.get("/records/attendance/", {"org": tree.branch_a.pk, "period": "2026-13"})
    html = response.content.decode()
    assert assert_accessible_error(html, name="period") == {"period-hint", "id_period_error"}
    assert '<a href="#id_period" data-error-link>' in html


def test_record_list_with_a_bad_date(tree, client):
    client.force_login(tree.users["district_admin"])
    html = client.get("/records/", {"held_from": "2026-02-30"}).content.decode()
    assert assert_accessible_error(html, name="held_from") == {"id_held_from_error"}

