"""Two district administrators approving the last place of a kind at once: the count against the quota is read and
written under the kind's row lock, so one is refused (名额已满). Without the lock (patched out, a pause between the
count and the write) both pass the quota — so the test would fail if the lock were removed."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.assessment import honour_services
from apps.assessment.honour_models import HonourKind, Nomination, NominationStatus
from tests.factories import make_org, refresh
from tests.parallel import run_parallel

from .honour_helpers import approve, campaign, kind, nominate

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def _last_place(tree, monkeypatch):
    c = campaign(tree)
    branch = kind(c, "五好示范党支部")
    honour_services.kind_set_quota(actor=tree.users["district_admin"], kind=branch, quota=2)
    third = make_org("丙村党支部", "branch", refresh(tree.town_a), domain="village")
    approve(tree, nominate(tree, c, "五好示范党支部", org=third))
    waiting = [nominate(tree, c, "五好示范党支部", org=org) for org in (tree.branch_a, tree.branch_b)]
    real = honour_services.awarded_count

    def slow(k):  # between counting and writing
        count = real(k)
        time.sleep(0.3)
        return count

    monkeypatch.setattr(honour_services, "awarded_count", slow)

    def work(i):
        try:
            approve(tree, waiting[i])
        except ValidationError as exc:
            return exc.messages[0]
        return "approved"

    return branch, work


def test_two_approvals_of_the_last_place(tree, monkeypatch):
    branch, work = _last_place(tree, monkeypatch)
    results = run_parallel(2, work)
    assert sorted(results) == ["approved", "「五好示范党支部」名额已满（2个），不能再审核通过"]
    assert Nomination.objects.filter(kind=branch, status=NominationStatus.APPROVED).count() == 2


def test_without_the_lock_the_quota_is_passed(tree, monkeypatch):
    """The control: the same approvals with the kind's row lock taken away both pass."""
    branch, work = _last_place(tree, monkeypatch)
    monkeypatch.setattr(honour_services, "_lock_kind", lambda k: HonourKind.objects.select_related(
        "campaign__organization").get(pk=k.pk))
    assert run_parallel(2, work) == ["approved", "approved"]
    assert Nomination.objects.filter(kind=branch, status=NominationStatus.APPROVED).count() == 3
