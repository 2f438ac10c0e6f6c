"""结束评议 locks every grade: one click does not do it (apps.core.confirm, the one confirmation mechanism).
Without the dialog's confirmed=1 the view asks on its own page; an evaluation not ready is refused at once."""

import re

import pytest

from apps.evaluations.models import Evaluation

from .conftest import grade_all

pytestmark = pytest.mark.django_db


def test_finalize_asks_before_locking(tree, login, branch_a):
    client = login(branch_a.secretary)
    url = f"/evaluations/{branch_a.evaluation.pk}/finalize/"
    grade_all(branch_a)
    page = client.get(f"/evaluations/{branch_a.evaluation.pk}/").content.decode()
    assert "onsubmit=" not in page
    form = re.search(r'<form[^>]*action="%s"[^>]*>' % url, page).group(0)
    assert 'data-confirm="确定结束评议并公布结果？结束后不能再修改等次。"' in form
    asked = client.post(url)  # a single click without the script
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.content.decode()
    assert Evaluation.objects.get(pk=branch_a.evaluation.pk).is_open
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    assert not Evaluation.objects.get(pk=branch_a.evaluation.pk).is_open


def test_finalize_not_ready_is_refused_not_asked(tree, login, branch_a):
    client = login(branch_a.secretary)
    response = client.post(f"/evaluations/{branch_a.evaluation.pk}/finalize/")
    assert response.status_code == 400 and "未评定等次" in response.content.decode()
    assert 'data-testid="confirm-page"' not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_finalize_through_the_page_outside_a_test_transaction(tree, login, branch_a):
    """The service opens its own transaction (PostgreSQL refuses its row lock outside one; the test's own
    transaction would hide a missing @transaction.atomic)."""
    client = login(branch_a.secretary)
    grade_all(branch_a)
    response = client.post(f"/evaluations/{branch_a.evaluation.pk}/finalize/", {"confirmed": "1"})
    assert response.status_code == 302
    assert not Evaluation.objects.get(pk=branch_a.evaluation.pk).is_open
