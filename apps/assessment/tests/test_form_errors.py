"""The assessment forms sent back with errors are told to assistive technology: the error summary on top, the failing
controls aria-invalid, described by their error texts (WCAG 3.3.1, 4.1.2)."""

import pytest

from tests.form_errors import assert_accessible_error

pytestmark = pytest.mark.django_db


def test_group_form_marks_the_failing_fields(admin, client):
    client.force_login(admin)
    response = client.post("/assessment/groups/new/", {"owner": "", "name": "", "domains": ["nowhere"]})
    html = response.content.decode()
    assert response.status_code == 400
    described = assert_accessible_error(html, name="name")
    assert {"id_name_helptext", "id_name_error"} <= described
    # The hand-written checkboxes of a group: each one invalid, described by the group's error; the summary links to
    # the first of them.
    assert "id_domains_error" in assert_accessible_error(html, name="domains")
    assert 'href="#id_domains_0" data-error-link' in html and 'id="id_domains_0"' in html
    assert html.count("data-error-summary") == 1


def test_bands_formset_errors_link_to_their_rows(admin, make_system, client):
    system = make_system(tree=False)
    client.force_login(admin)
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
            "form-0-name": "优秀", "form-0-min_score": "abc", "form-0-max_score": "100"}
    response = client.post(f"/assessment/systems/{system.pk}/bands/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "id_form-0-min_score_error" in assert_accessible_error(html, name="form-0-min_score")
    assert 'href="#id_form-0-min_score" data-error-link' in html


def test_inspection_filter_with_a_bad_quarter(admin, client):
    client.force_login(admin)
    response = client.get("/assessment/inspections/", {"period_key": "2026-13"})
    html = response.content.decode()
    assert assert_accessible_error(html, name="period_key") == {"id_period_key_error"}
    assert "季度的格式应为" in html


def test_a_refused_score_marks_its_own_inputs(admin, make_system, tree, client):
    from .round_helpers import make_round, published, score_of

    rnd = make_round(admin, published(make_system, admin))
    client.force_login(admin)
    deduction = score_of(rnd, tree.branch_a, "负面清单")
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):  # the whole sheet, and the one line htmx swaps in
        response = client.post(f"/assessment/rounds/scores/{deduction.pk}/items/",
                               {"what": "迟交材料", "happened_on": "2026-13-01"}, **headers)
        html = response.content.decode()
        assert response.status_code == 400
        assert assert_accessible_error(html, name="happened_on") == {f"score-{deduction.pk}-error"}
        assert 'value="迟交材料"' in html  # what was typed stays
        assert html.count('aria-invalid="true"') == 1  # the date only


def test_a_refused_cross_score_marks_the_one_input(admin, make_system, tree, client):
    from .cross_helpers import cross_round
    from .round_helpers import score_of

    rnd, _group = cross_round(make_system, admin, tree)
    entry = rnd.entries.get(organization=tree.branch_b)
    leaf = score_of(rnd, tree.branch_b, "民主测评").indicator
    client.force_login(tree.users["town_a_admin"])
    response = client.post(f"/assessment/rounds/entries/{entry.pk}/cross/", {"indicator": leaf.pk, "points": "9"})
    html = response.content.decode()
    assert response.status_code == 400 and "不能超过" in html
    assert assert_accessible_error(html, name="points") == {f"cross-{entry.pk}-error"}
    assert html.count('aria-invalid="true"') == 1 and 'value="9"' in html


def test_pay_rates_and_nomination_filter(admin, groups, make_system, tree, client):
    from .honour_helpers import campaign
    from .pay_helpers import scheme
    from .round_helpers import published

    published(make_system, admin)
    s = scheme(admin, groups)
    client.force_login(admin)
    html = client.post(f"/assessment/pay/schemes/{s.pk}/", {"fixed_secretary": "abc"}).content.decode()
    assert assert_accessible_error(html, name="fixed_secretary") == {"id_fixed_secretary_error"}
    html = client.post(f"/assessment/pay/schemes/{s.pk}/", {"band_0": "120"}).content.decode()
    assert "data-error-summary" in html and "之间" in html  # the service's refusal, on top
    assert 'for="id_fixed_secretary"' in html  # each table input has a (visually hidden) label
    c = campaign(tree)
    html = client.get(f"/assessment/honours/{c.pk}/nominations/", {"status": "nonsense"}).content.decode()
    assert assert_accessible_error(html, name="status") == {"id_status_error"}
    assert 'for="id_kind"' in html and 'for="id_status"' in html
