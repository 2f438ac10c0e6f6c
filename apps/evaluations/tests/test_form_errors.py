"""The 民主评议 forms sent back with errors: the summary on top, the failing control aria-invalid and described by its
error (and help) text, the one row's rating form with its own ids (WCAG 3.3.1, 4.1.2)."""

import pytest

from tests.form_errors import assert_accessible_error

pytestmark = pytest.mark.django_db


def test_an_empty_self_evaluation(tree, login, branch_a):
    client = login(tree.users["member_a"])
    response = client.post(f"/evaluations/{branch_a.evaluation.pk}/me/self-evaluation/", {"text": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert assert_accessible_error(html, name="text") == {"id_text_helptext", "id_text_error"}
    assert '<a href="#id_text" data-error-link>' in html


def test_a_refused_rating_stays_in_its_row(tree, login, branch_a):
    client = login(tree.users["member_a"])
    ratee = branch_a.full[1]
    response = client.post(f"/evaluations/{branch_a.evaluation.pk}/me/ratings/", {"ratee": ratee.pk, "grade": "best"})
    html = response.content.decode()
    assert response.status_code == 400
    assert assert_accessible_error(html, name="grade") == {f"id_rate{ratee.pk}_grade_error"}
    assert f'<a href="#id_rate{ratee.pk}_grade" data-error-link>' in html
    assert html.count("选择一个有效的选项") == 2  # in the summary and beside the select, nowhere else
    # Every comment box has a name to read, the placeholder being no label.
    assert f'aria-label="对{ratee.name}的评议意见"' in html


def test_a_bad_grade_on_the_roster(tree, login, branch_a):
    client = login(branch_a.secretary)
    part = branch_a.parts[branch_a.full[0].pk]
    response = client.post(f"/evaluations/{branch_a.evaluation.pk}/grades/", {f"grade_{part.pk}": "best"})
    html = response.content.decode()
    assert response.status_code == 400
    assert assert_accessible_error(html, name=f"grade_{part.pk}") == {f"id_grade_{part.pk}_error"}
