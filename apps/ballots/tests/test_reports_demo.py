"""The demo's 三述一评 (apps.demo.sanshu_seed) on the small demo district: last year's archived after its 公示, this
year's in 公示, every leader with three reports and a comment, the demo secretary's own with an attachment, ballots
counted with a spread of grades and a few comments — and the same again from the same seed."""

import time

import pytest
from django.contrib.auth import get_user_model

from apps.ballots import selectors
from apps.ballots.models import Poll, PollKind, PollStatus
from apps.ballots.report_models import LeaderComment, Report, ReportFile
from apps.demo.sanshu_seed import ANONYMOUS_SLOTS, INVITED, seed_sanshu
from apps.demo.seed import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow(3)]


def _summary():
    return [(p.year, p.status, p.eligible_count, p.ballots_counted,
             [(r.subject.name, r.score) for r in selectors.poll_results(p)]) for p in Poll.objects.filter(kind=PollKind.SANSHU).order_by("year")]


def test_the_demo_sanshu(client):
    seed_demo(scale="small", log=lambda *_: None)  # it seeds the 三述一评 too: written again here, alone
    Poll.objects.filter(kind=PollKind.SANSHU).delete()
    lines = []
    started = time.monotonic()
    last, this = seed_sanshu(log=lines.append)
    assert time.monotonic() - started < 20  # fast: a few seconds
    assert (last.status, this.status) == (PollStatus.ARCHIVED, PollStatus.PUBLISHED)
    assert last.year == this.year - 1 and last.archived_at < this.published_at and last.publish_until < this.publish_until
    subjects = list(this.subjects.all())
    assert 2 <= len(subjects) <= 6
    assert Report.objects.filter(subject__poll=this).count() == 3 * len(subjects)
    assert LeaderComment.objects.filter(subject__poll=this).count() == len(subjects)
    secretary = get_user_model().objects.get(username="secretary")
    mine = [s for s in subjects if s.reporter_id == secretary.pk]
    assert len(mine) == 1 and ReportFile.objects.filter(report__subject=mine[0]).count() == 1
    assert this.eligible_count == this.voters.count() + ANONYMOUS_SLOTS and this.voters.count() >= 20 + len(INVITED)
    assert 0.8 * this.eligible_count <= this.ballots_counted < this.eligible_count
    results = selectors.poll_results(this)
    grades = {g for r in results for i in r.items for g, n in enumerate(i.counts) if n}
    assert {0, 1, 2} <= grades  # a realistic spread, not all 好
    assert len({r.score for r in results}) > 1 and 0 < this.comments.count() < this.ballots_counted
    assert "三述一评" in lines[-1]
    # the demo secretary sees both years' reports on their page
    client.force_login(secretary)
    body = client.get("/ballots/reports/").content.decode()
    assert body.count('data-testid="my-subject"') == 2
    assert client.get(f"/ballots/reports/subjects/{mine[0].pk}/").status_code == 200
    # deterministic: the same seed writes the same evaluation
    first = _summary()
    Poll.objects.filter(kind=PollKind.SANSHU).delete()
    seed_sanshu(log=lambda *_: None)
    assert _summary() == first
