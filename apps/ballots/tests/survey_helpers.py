"""Surveys for the tests: the district's survey over both villages (branch A and B), an external evaluator on the
district, batches of codes in plain text, ballots cast by code."""

from apps.access.models import Role
from apps.ballots import ballot_services, services
from apps.ballots.models import PollKind
from tests.factories import make_org, make_user, refresh

from .poll_helpers import full_ratings, poll


def evaluator(tree, username="evaluator", org=None):
    return make_user(username, Role.SURVEY_EVALUATOR, org or tree.district)


def draft_survey(tree, actor="district_admin"):
    p = poll(tree, PollKind.SURVEY, actor=actor, org=tree.district, title="2026年度群众满意度测评")
    for branch in (tree.branch_a, tree.branch_b):
        services.subject_add(actor=None, poll=p, name=branch.name, organization=branch)
    return p


def open_survey(tree):
    p = draft_survey(tree)
    return services.poll_open(actor=None, poll=p)


def subject_of(p, org):
    return p.subjects.get(organization=org)


def batch_plain(p, subject, size):
    batch = services.batch_create(actor=None, poll=p, subject=subject, size=size)
    return batch, services.batch_codes(batch)


def cast(p, subject, codes, option=0):
    for code in codes:
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, option, subject))


def other_district(tree):
    """A second district with a village, and an evaluator on it."""
    district = make_org("另一区委", "committee", code="Z0000001")
    make_org("丙村党支部", "branch", refresh(district), code="Z0000002", domain="village")
    return refresh(district), evaluator(tree, "evaluator_other", refresh(district))
