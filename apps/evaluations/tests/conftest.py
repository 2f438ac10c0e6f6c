from types import SimpleNamespace

import pytest

from apps.evaluations import services
from tests.factories import make_member


@pytest.fixture
def branch_a(tree):
    """Branch A with 7 full members (member_a and six more) and 1 probationary member, evaluating 2025."""
    full = [tree.member_a] + [make_member(tree.branch_a, f"党员{i}", seq=100 + i) for i in range(1, 7)]
    probationary = make_member(tree.branch_a, "王预备", seq=120, category="probationary")
    evaluation = services.evaluation_open(actor=tree.users["secretary_a"], organization=tree.branch_a, year=2025)
    parts = {p.member_id: p for p in evaluation.participants.all()}
    return SimpleNamespace(evaluation=evaluation, full=full, probationary=probationary, parts=parts,
                           secretary=tree.users["secretary_a"])


@pytest.fixture
def branch_b_evaluation(tree):
    return services.evaluation_open(actor=tree.users["secretary_b"], organization=tree.branch_b, year=2025)


def grade_all(setup, excellent=2, actor=None):
    """Grade every full member: the first `excellent` 优秀, the rest 合格."""
    grades = {setup.parts[m.pk].pk: ("excellent" if i < excellent else "qualified") for i, m in enumerate(setup.full)}
    return services.participant_grades_set(actor=actor or setup.secretary, evaluation=setup.evaluation, grades=grades)
