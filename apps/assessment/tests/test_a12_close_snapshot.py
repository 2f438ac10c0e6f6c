"""A round always closes with its automatic snapshot: round_close computes the automatic scores never computed (the
job's grouped function, in the close's transaction), totals include them, and reading again gives the same totals;
the job may run after closes_at while the round is open (late manual scoring stays refused); the periodic task
opens draft rounds at opens_at and closes open rounds at closes_at, audited with no actor (the system)."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from apps.assessment import round_services, round_tasks
from apps.assessment.models import Method
from apps.assessment.round_models import Round, RoundStatus, Score
from apps.audit.models import AuditEvent

from .round_helpers import make_round, published, score_of

pytestmark = pytest.mark.django_db


def _auto(rnd):
    return Score.objects.filter(entry__round=rnd, indicator__method=Method.AUTOMATIC)


def _totals(rnd):
    return dict(rnd.entries.values_list("organization_id", "total"))


def test_close_without_the_job_scores_the_automatic_leaves(tree, make_system, admin):
    rnd = make_round(admin, published(make_system, admin))
    assert _auto(rnd).exists() and not _auto(rnd).filter(scored_at__isnull=False).exists()
    round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_a, "民主测评"), points="2", comment="好")
    round_services.round_close(actor=admin, round=rnd)
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.CLOSED and rnd.scored_at is not None
    # Every automatic leaf has its points and inputs (no records: 0 with the reason, or the cases' full points).
    assert not _auto(rnd).filter(points__isnull=True).exists()
    assert not _auto(rnd).filter(scored_at__isnull=True).exists()
    assert all(s.inputs.get("metric") and s.inputs.get("read_at") for s in _auto(rnd))
    overdue = score_of(rnd, tree.branch_a, "超期诉求")
    assert overdue.points == D("10.00") and overdue.inputs["value"] == "0"  # no overdue case: full points
    completion = score_of(rnd, tree.branch_a, "组织生活完成率")
    assert completion.inputs["metric"] == "records.completion" and "denominator" in completion.inputs
    # Totals include them and are the sum of the leaves.
    for entry in rnd.entries.all():
        assert entry.total == entry.scores.aggregate(t=Sum("points"))["t"]
    assert rnd.entries.get(organization=tree.branch_a).total > rnd.entries.get(organization=tree.branch_b).total
    assert AuditEvent.objects.filter(object_id=str(rnd.pk), note__startswith="结束前补算自动计分").count() == 1
    # Frozen: re-running is refused, the totals and scores identical.
    totals, points = _totals(rnd), sorted(_auto(rnd).values_list("pk", "points", "inputs"))
    with pytest.raises(ValidationError, match="已结束"):
        round_services.scoring_start(actor=admin, round=rnd)
    with pytest.raises(ValidationError):
        round_services.round_close(actor=admin, round=rnd)
    assert _totals(rnd) == totals and sorted(_auto(rnd).values_list("pk", "points", "inputs")) == points


def test_close_after_the_job_keeps_the_jobs_scores(tree, make_system, admin):
    rnd = make_round(admin, published(make_system, admin))
    job = round_services.scoring_run(actor=admin, round=rnd)
    assert job.status == "succeeded", job.result
    scored = dict(_auto(rnd).values_list("pk", "scored_at"))
    totals = _totals(rnd)
    round_services.round_close(actor=admin, round=rnd)
    assert dict(_auto(rnd).values_list("pk", "scored_at")) == scored  # nothing recomputed
    assert _totals(rnd) == totals
    assert not AuditEvent.objects.filter(object_id=str(rnd.pk), note__startswith="结束前补算").exists()


def test_the_job_runs_after_closes_at_but_manual_scores_are_late(tree, make_system, admin):
    rnd = make_round(admin, published(make_system, admin))
    after = rnd.closes_at + timedelta(hours=1)
    job = round_services.scoring_run(actor=admin, round=rnd, now=after)
    assert job.status == "succeeded", job.result
    assert not _auto(rnd).filter(scored_at__isnull=True).exists()
    with pytest.raises(ValidationError, match="评分已截止"):
        round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_a, "民主测评"), points="1",
                                    comment="迟到", now=after)
    with pytest.raises(ValidationError, match="评分尚未开始"):  # before opens_at the job is refused still
        round_services.scoring_run(actor=admin, round=rnd, now=rnd.opens_at - timedelta(hours=1))


def test_the_periodic_task_opens_and_closes_rounds_at_their_times(tree, make_system, admin):
    from apps.core import workers

    assert {name: s for name, _t, s in workers.schedule()}["assessment_rounds_due"] == 60
    system = published(make_system, admin)
    now = timezone.now()
    due_open = make_round(admin, system, open_=False, opens=now - timedelta(minutes=5))
    later = make_round(admin, system, open_=False, opens=now + timedelta(days=1),
                       closes=now + timedelta(days=3))
    due_close = make_round(admin, system, opens=now - timedelta(days=3), closes=now + timedelta(days=3))
    Round.objects.filter(pk=due_close.pk).update(closes_at=now - timedelta(minutes=1))
    assert round_tasks.rounds_due.call() == {"opened": 1, "closed": 1}
    status = dict(Round.objects.values_list("pk", "status"))
    assert status == {due_open.pk: RoundStatus.OPEN, later.pk: RoundStatus.DRAFT, due_close.pk: RoundStatus.CLOSED}
    # The close took the automatic snapshot; the steps are audited by the system (no actor).
    assert not _auto(due_close).filter(scored_at__isnull=True).exists()
    steps = AuditEvent.objects.filter(object_type="assessment.round", note__in=["开始评分", "结束评分"], actor__isnull=True)
    assert sorted(steps.values_list("object_id", "note", "actor_name")) == sorted(
        [(str(due_open.pk), "开始评分", ""), (str(due_close.pk), "结束评分", "")])
    assert round_tasks.rounds_due.call() == {"opened": 0, "closed": 0}  # nothing due any more
