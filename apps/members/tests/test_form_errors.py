"""The member search with a bad value: the summary at the top of the form on a full page, the field marked and
described; an htmx refresh only announces the errors (the focus stays in the search box)."""

import pytest

from tests.form_errors import assert_accessible_error

pytestmark = pytest.mark.django_db


def test_a_bad_age(tree, client):
    client.force_login(tree.users["district_admin"])
    html = client.get("/members/", {"age_min": "abc"}).content.decode()
    assert assert_accessible_error(html, name="age_min") == {"id_age_min_error"}
    assert html.count("data-error-summary") == 1
    partial = client.get("/members/", {"age_min": "abc"}, HTTP_HX_REQUEST="true").content.decode()
    assert "data-error-summary" not in partial and 'role="alert"' in partial
