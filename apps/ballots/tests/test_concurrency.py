"""One answer per code under concurrent submissions (PostgreSQL, real parallel connections): the code's row is read
and marked used under its lock, so of two ballots with one code one is refused; the same for a survey's phone. The
control without the lock lets both through — the test would fail if the lock went."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.ballots import ballot_services, services
from apps.ballots.models import Code, CodeState, PollKind, QueuedBallot
from tests.parallel import run_parallel

from .poll_helpers import all_codes, full_ratings, open_two_way, poll

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def _slow_answers(monkeypatch):
    real = ballot_services._clean_answers

    def slow(*args):  # between reading the code and marking it used
        answers = real(*args)
        time.sleep(0.3)
        return answers

    monkeypatch.setattr(ballot_services, "_clean_answers", slow)


def _cast(p, code):
    def work(_i):
        try:
            ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, 0))
        except ValidationError as exc:
            return exc.messages[0]
        return "cast"
    return work


def test_two_ballots_with_one_code(tree, monkeypatch):
    p = open_two_way(tree, members=2, invited=0, slots=0)
    code = all_codes(p)[0]
    _slow_answers(monkeypatch)
    results = run_parallel(2, _cast(p, code))
    assert sorted(results) == ["cast", "该测评码已经投过票，每个测评码只能使用一次"]
    assert QueuedBallot.objects.filter(poll=p).count() == 1
    assert Code.objects.filter(poll=p, state=CodeState.USED).count() == 1


def test_without_the_locks_both_pass(tree, monkeypatch):
    """The control: with the code's and the poll's locks taken away, both ballots of one code are queued."""
    p = open_two_way(tree, members=2, invited=0, slots=0)
    code = all_codes(p)[0]
    _slow_answers(monkeypatch)
    from django.db.models import QuerySet

    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kw: self)
    assert run_parallel(2, _cast(p, code)) == ["cast", "cast"]
    assert QueuedBallot.objects.filter(poll=p).count() == 2


def test_two_answers_with_one_phone(tree, monkeypatch):
    p = poll(tree, PollKind.SURVEY, org=tree.district)
    village = services.subject_add(actor=None, poll=p, name="甲村", organization=tree.branch_a)
    p = services.poll_open(actor=None, poll=p)
    services.phones_add(actor=None, poll=p, subject=village, numbers=["13900139000"])
    _slow_answers(monkeypatch)

    def work(_i):
        try:
            ballot_services.ballot_cast_by_phone(poll=p, phone="139 0013 9000", ratings=full_ratings(p, 1))
        except ValidationError as exc:
            return exc.messages[0]
        return "cast"

    assert sorted(run_parallel(2, work)) == ["cast", "该电话号码已经参加过本次测评"]
    assert QueuedBallot.objects.filter(poll=p).count() == 1
