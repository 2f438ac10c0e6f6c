"""A survey's aggregated results: per village and question (answers, shares, score, satisfaction rate), villages with
fewer than SURVEY_MIN_CELL answers shown as 样本不足 and left out of the ranking, the overall including them only when
that cannot reveal them (survey_selectors' docstring), nothing before the close; the page and the export (audited)."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.ballots import ballot_services, services, survey_selectors
from apps.ballots.models import ItemKind
from tests.factories import make_org, refresh

from .poll_helpers import full_ratings
from .survey_helpers import batch_plain, cast, draft_survey, evaluator, open_survey, subject_of

pytestmark = pytest.mark.django_db


def _add_village(p, tree, name):
    org = make_org(name, "branch", refresh(tree.town_b), domain="community")
    return services.subject_add(actor=None, poll=p, name=org.name, organization=org)


def _vote(p, subject, grades):
    """One ballot per grade index in `grades` for `subject`."""
    _b, plain = batch_plain(p, subject, len(grades))
    for code, grade in zip(plain, grades, strict=True):
        cast(p, subject, [code], grade)


def test_nothing_before_the_close(tree):
    p = open_survey(tree)
    _vote(p, subject_of(p, tree.branch_a), [0] * 6)
    assert survey_selectors.survey_results(p) is None


def test_figures_ranking_and_small_villages(tree, settings):
    settings.SURVEY_MIN_CELL = 5
    p = open_survey(tree)
    a, b = subject_of(p, tree.branch_a), subject_of(p, tree.branch_b)
    _vote(p, a, [0, 0, 0, 1, 2])  # 满意 3, 基本满意 1, 不满意 1: score (300+60)/5 = 72, rate 80
    _vote(p, b, [0] * 6)  # all 满意: 100, 100
    p = services.poll_close(actor=None, poll=p)
    r = survey_selectors.survey_results(p)
    assert [v.subject for v in r.villages] == [b, a]
    rb, ra = r.villages
    assert (rb.rank, rb.score, rb.rate, rb.answered) == (1, Decimal("100.00"), Decimal("100.00"), 6)
    assert (ra.rank, ra.score, ra.rate, ra.answered) == (2, Decimal("72.00"), Decimal("80.00"), 5)
    assert ra.cells[0].counts == [3, 1, 1] and ra.cells[0].shares == [Decimal("60.00"), Decimal("20.00"), Decimal("20.00")]
    assert r.overall_includes_small and r.small_count == 0
    assert r.questions[0].answered == 11 and r.questions[0].counts == [9, 1, 1]
    assert r.overall.rate == _pct(10, 11)
    assert len(r.items) == p.items.filter(kind=ItemKind.RATING).count()


def _pct(n, d):
    return (Decimal(100 * n) / d).quantize(Decimal("0.01"))


def test_a_single_small_village_is_left_out_of_the_overall(tree, settings):
    """One village under the threshold: shown as 样本不足, unranked, and the overall leaves it out — otherwise the
    overall minus the villages shown would be exactly its answers."""
    settings.SURVEY_MIN_CELL = 5
    p = open_survey(tree)
    a, b = subject_of(p, tree.branch_a), subject_of(p, tree.branch_b)
    _vote(p, a, [0] * 5)
    _vote(p, b, [2, 2])  # two residents of B, both 不满意: must not be derivable
    p = services.poll_close(actor=None, poll=p)
    r = survey_selectors.survey_results(p)
    small = next(v for v in r.villages if v.subject == b)
    assert small.suppressed and small.rank is None and small.score is None and small.rate is None
    assert all(c.suppressed and not c.counts for c in small.cells) and small.comments == []
    assert r.villages[-1] is small
    assert not r.overall_includes_small and r.small_count == 1
    assert r.questions[0].answered == 5 and r.questions[0].counts == [5, 0, 0]
    assert r.overall.rate == Decimal("100.00")


def test_small_villages_pooled_past_the_threshold_count_in_the_overall(tree, settings):
    """Two small villages (3 and 2 answers): the overall includes them, as subtracting the shown village reveals only
    their pooled 5 answers, never which of them said what."""
    settings.SURVEY_MIN_CELL = 5
    p = draft_survey(tree)
    c = _add_village(p, tree, "幸福社区党支部")
    p = services.poll_open(actor=None, poll=p)
    a, b = subject_of(p, tree.branch_a), subject_of(p, tree.branch_b)
    _vote(p, a, [0] * 5)
    _vote(p, b, [2, 2, 2])
    _vote(p, c, [1, 1])
    p = services.poll_close(actor=None, poll=p)
    r = survey_selectors.survey_results(p)
    assert r.overall_includes_small and r.small_count == 2
    assert r.questions[0].answered == 10 and r.questions[0].counts == [5, 2, 3]
    assert [v.rank for v in r.villages] == [1, None, None]


def test_village_without_answers_is_small_and_reveals_nothing(tree, settings):
    settings.SURVEY_MIN_CELL = 5
    p = open_survey(tree)
    a = subject_of(p, tree.branch_a)
    _vote(p, a, [0, 1, 1, 1, 2, 2])
    p = services.poll_close(actor=None, poll=p)
    r = survey_selectors.survey_results(p)
    empty = next(v for v in r.villages if v.subject.organization == tree.branch_b)
    assert empty.suppressed and r.overall_includes_small  # no answer at all to hide
    assert r.questions[0].answered == 6


def test_threshold_is_a_setting(tree, settings):
    settings.SURVEY_MIN_CELL = 2
    p = open_survey(tree)
    _vote(p, subject_of(p, tree.branch_b), [2, 2])
    p = services.poll_close(actor=None, poll=p)
    r = survey_selectors.survey_results(p)
    assert not next(v for v in r.villages if v.subject.organization == tree.branch_b).suppressed


def test_results_page_and_export(tree, settings):
    settings.SURVEY_MIN_CELL = 5
    p = open_survey(tree)
    a, b = subject_of(p, tree.branch_a), subject_of(p, tree.branch_b)
    _b1, plain = batch_plain(p, a, 5)
    text_item = p.items.get(kind=ItemKind.TEXT)
    for n, code in enumerate(plain):
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, 0, a), texts={f"{a.pk}:{text_item.pk}": f"甲村意见{n}"})
    _b2, plain_b = batch_plain(p, b, 1)
    ballot_services.ballot_cast(poll=p, code=plain_b[0], ratings=full_ratings(p, 2, b),
                         texts={f"{b.pk}:{text_item.pk}": "乙村唯一一条意见"})
    client = Client()
    client.force_login(evaluator(tree))
    body = client.get(f"/ballots/surveys/{p.pk}/results/").content.decode()
    assert 'data-testid="not-counted"' in body and "甲村意见" not in body
    p = services.poll_close(actor=None, poll=p)
    body = client.get(f"/ballots/surveys/{p.pk}/results/").content.decode()
    assert "样本不足" in body and "甲村意见0" in body and "乙村唯一一条意见" not in body
    assert 'data-testid="overall-excludes"' in body
    assert tree.member_a.name not in body and tree.member_a.id_number not in body
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    response = client.get(f"/ballots/surveys/{p.pk}/results.xlsx")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before + 1
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    by_name = {row[1]: row for row in rows[2:]}
    assert by_name[a.name][:5] == (1, a.name, 5, 100, 100)
    assert by_name[b.name][2] == "样本不足" and 0 not in by_name[b.name][2:]
    questions = list(wb.worksheets[1].iter_rows(values_only=True))
    assert "不含样本不足" in questions[0][0] and questions[2][1] == 5
