"""The demo's ballots: this year's 双向考核 of the demo township (members rate their branch committee, the township's
organizations the township committee) and the district's survey of its villages, all closed through the services
with turnout reconciled; a few hundred survey answers, some villages under the minimum cell; the assessment reads
them."""

from datetime import date, timedelta

import pytest
from django.conf import settings

from apps.accounts.models import User
from apps.assessment import round_services
from apps.assessment.round_models import Round, Score
from apps.ballots import selectors, services
from apps.ballots.models import CodeBatch, Comment, Poll, PollKind, PollStatus, QueuedBallot, VoterKind
from apps.demo.ballot_seed import seed_ballots
from apps.demo.seed import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 11, 20)


def test_the_demo_ballots_reconcile_and_the_assessment_reads_them():
    demo = seed_demo(scale="small", today=TODAY, log=lambda line: None)
    # seed_demo writes them too: written again here, alone, to see what seed_ballots itself writes
    CodeBatch.objects.all().delete()
    Poll.objects.exclude(kind=PollKind.SANSHU).delete()
    lines = []
    result = seed_ballots(today=TODAY, log=lines.append)  # ~3 s on the small demo (a few hundred ballots)
    polls = [*result["two_way"], result["survey"]]
    for poll in polls:
        assert poll.status == PollStatus.CLOSED and poll.year == 2026
        turnout = services.turnout(poll)
        assert turnout["reconciled"] and turnout["used"] == poll.ballots_counted > 0, poll.title
    assert not QueuedBallot.objects.exists() and Comment.objects.exists()

    branch_polls, township = result["two_way"][:-1], result["two_way"][-1]
    assert branch_polls and all(p.subjects.get().organization_id == p.organization_id for p in branch_polls)
    assert township.voters.filter(kind=VoterKind.ORGANIZATION).count() == township.eligible_count > 1
    assert township.ballots_counted == township.eligible_count - 1
    assert township.subjects.get().organization_id == township.organization_id

    survey = result["survey"]
    answered = {r.subject.organization_id: r.answered for r in selectors.poll_results(survey)}
    assert 200 <= survey.ballots_counted == sum(answered.values()) <= 600
    small = [org for org, n in answered.items() if n < settings.SURVEY_MIN_CELL]
    assert len(small) == 2 and all(n > 0 for n in answered.values())
    assert survey.phones.filter(used=True).exists() and survey.phones.filter(used=False).exists()
    assert survey.codes.filter(state="unused").exists()  # codes handed out, not all returned
    assert "群众满意度测评" in lines[-1] and "双向考核" in lines[0]

    figures = selectors.organization_figures(PollKind.SURVEY, 2026, list(answered))
    assert set(figures) == set(answered)
    assert all(0 < f.satisfaction_rate < 1 for f in figures.values())
    two_way = selectors.organization_figures(PollKind.TWO_WAY, 2026, [p.organization_id for p in result["two_way"]])
    assert set(two_way) == {p.organization_id for p in result["two_way"]}


    # The open round of 村 (this quarter, seeded before the polls) scored now: the ballots indicators read them.
    rnd = Round.objects.get(pk__in=demo["open_rounds"])
    admin = User.objects.get(username="district_admin")
    job = round_services.scoring_run(actor=admin, round=rnd, now=rnd.opens_at + timedelta(days=1))
    assert job.status == job.Status.SUCCEEDED, job.result
    scores = {(s.entry.organization_id, s.indicator.metric): s for s in Score.objects.filter(
        entry__round=rnd, indicator__metric__startswith="ballots.").select_related("entry", "indicator")}
    rated = [org for org in answered if org not in small and (org, "ballots.survey") in scores]
    assert rated and all(scores[(org, "ballots.survey")].points > 0 for org in rated)
    assert all(scores[(org, "ballots.survey")].inputs["poll"] == survey.pk for org in rated)
    assert all(scores[(org, "ballots.survey")].inputs["suppressed"] for org in small if (org, "ballots.survey") in scores)
    branches = [p.organization_id for p in branch_polls if (p.organization_id, "ballots.two_way") in scores]
    assert branches and all(scores[(org, "ballots.two_way")].points > 0 for org in branches)

    # Deterministic: written again, the same counts (the codes differ, nothing counted does).
    def counted(result):
        return ([(p.title, p.ballots_counted, list(p.cells.order_by("subject__sort_order", "item__sort_order", "option")
                                                    .values_list("count", flat=True))) for p in result["two_way"]],
                [(r.subject.name, r.answered, r.score) for r in selectors.poll_results(result["survey"])])

    before = counted(result)
    CodeBatch.objects.all().delete()
    Poll.objects.exclude(kind=PollKind.SANSHU).delete()
    assert counted(seed_ballots(today=TODAY, log=lambda line: None)) == before
