"""The ballots metrics (ballots.sanshu, ballots.two_way, ballots.survey): read through the one grouped selector
apps.ballots.selectors.organization_figures (two queries whatever the number of organizations and polls), equal to
each poll's own results, converted like the other metrics, the inputs kept on the score, a village's survey with
fewer than SURVEY_MIN_CELL answers missing, only counted polls of the round's year, and a link to the poll's results
page behind each score."""

from decimal import Decimal as D

import pytest
from django.test.utils import override_settings
from django.urls import NoReverseMatch, get_resolver, include, path, reverse

from apps.assessment import catalogue, round_selectors, round_services, services
from apps.ballots import ballot_services
from apps.ballots import selectors as ballot_selectors
from apps.ballots import services as ballots
from apps.ballots.models import Channel, ItemKind, PollKind, VoterKind
from apps.ballots.tests.poll_helpers import all_codes
from tests.factories import make_member, make_org, refresh

from .conftest import add_tree
from .round_helpers import make_round, score_of

pytestmark = pytest.mark.django_db

BALLOT_TREE = [
    ("民主测评", D(30), {}, [
        ("三述一评", D(10), {"method": "automatic", "metric": "ballots.sanshu"}, []),
        ("双向考核", D(10), {"method": "automatic", "metric": "ballots.two_way"}, []),
        ("群众满意度", D(10), {"method": "automatic", "metric": "ballots.survey"}, []),
    ]),
    ("其他", D(70), {}, [("班子建设", D(70), {"method": "manual"}, [])]),
]


def _stub(request, pk):  # pragma: no cover - never called, only reversed
    raise AssertionError


# Until the results pages are merged (another slice), a test-local URL configuration names them where they will be.
STUB = [path("ballots/", include(([path("<int:pk>/results/", _stub, name="poll_results"),
                                    path("surveys/<int:pk>/results/", _stub, name="survey_results")], "ballots")))]
urlpatterns = STUB


@pytest.fixture
def result_urls():
    try:
        reverse("ballots:poll_results", args=[1])
        reverse("ballots:survey_results", args=[1])
        yield
    except NoReverseMatch:
        real = get_resolver().url_patterns  # the project's own (settings.ROOT_URLCONF)
        global urlpatterns
        urlpatterns = [p for p in real if getattr(p, "namespace", None) != "ballots"] + STUB
        with override_settings(ROOT_URLCONF=__name__):
            yield


# ---- polls through the ballots services ----

def _ratings(p, subject, options):
    """Every rating item of `subject` answered: `options` one option for all, or a list per item in order."""
    items = list(p.items.filter(kind=ItemKind.RATING))
    if isinstance(options, int):
        options = [options] * len(items)
    return {f"{subject.pk}:{i.pk}": o for i, o in zip(items, options, strict=True)}


def _vote(p, ballots_of_subjects):
    """One ballot per code: ballots_of_subjects[n] = {subject: options} for the n-th code."""
    codes = all_codes(p)
    assert len(codes) >= len(ballots_of_subjects)
    for code, answers in zip(codes, ballots_of_subjects, strict=False):
        ratings = {}
        for subject, options in answers.items():
            ratings.update(_ratings(p, subject, options))
        ballot_services.ballot_cast(poll=p, code=code, ratings=ratings)


def _poll(tree, kind, org, year=2026, title=None):
    return ballots.poll_create(actor=None, organization=org, kind=kind,
                               data={"year": year, "title": title or f"{year}年度{PollKind(kind).label}"})


def _voters(p, org, n):
    people = [make_member(org, f"参评党员{p.pk}-{i}") for i in range(n)]
    ballots.voters_add_members(actor=None, poll=p, members=people, channel=Channel.PAPER)


def sanshu(tree, monkeypatch, ballots_of_leaders, *, org=None, year=2026, close=True):
    """A 三述一评 of township A over two leaders of `org` (branch A): secretary and deputy."""
    org = org or tree.branch_a
    monkeypatch.setattr(ballots, "OPEN_CHECKS", [])  # the reports' own checks are another slice's
    p = _poll(tree, PollKind.SANSHU, refresh(tree.town_a) if org.path.startswith(tree.town_a.path) else refresh(tree.town_b),
              year)
    leaders = [ballots.subject_add(actor=None, poll=p, name=f"{org.name}书记", organization=org,
                                   member=make_member(org, f"书记{p.pk}"), post="书记"),
               ballots.subject_add(actor=None, poll=p, name=f"{org.name}副书记", organization=org,
                                   member=make_member(org, f"副书记{p.pk}"), post="副书记")]
    _voters(p, org, len(ballots_of_leaders))
    ballots.poll_start_reports(actor=None, poll=p)
    p = ballots.poll_open(actor=None, poll=p)
    _vote(p, [dict(zip(leaders, b, strict=True)) for b in ballots_of_leaders])
    return ballots.poll_close(actor=None, poll=p) if close else p


def two_way(tree, options, *, org=None, year=2026, title=None):
    """The members of `org` (branch A) rate its committee: one ballot per option."""
    org = org or tree.branch_a
    p = _poll(tree, PollKind.TWO_WAY, org, year, title)
    committee = ballots.subject_add(actor=None, poll=p, name=f"{org.name}委员会", organization=org)
    _voters(p, org, len(options))
    p = ballots.poll_open(actor=None, poll=p)
    _vote(p, [{committee: o} for o in options])
    return ballots.poll_close(actor=None, poll=p)


def survey(tree, answers_by_org, phones_of=None):
    """The district's survey of villages: {org: [option per answer]} by paper codes (a batch per village), and the
    first `phones_of[org]` answers of a village by phone from the sample list instead."""
    phones_of = phones_of or {}
    p = _poll(tree, PollKind.SURVEY, refresh(tree.district))
    subjects = {org: ballots.subject_add(actor=None, poll=p, name=org.name.removesuffix("党支部"), organization=org)
                for org in answers_by_org}
    p = ballots.poll_open(actor=None, poll=p)
    for n, (org, options) in enumerate(answers_by_org.items()):
        by_phone = phones_of.get(org, 0)
        numbers = [f"1390000{n:02d}{k:02d}" for k in range(by_phone)]
        if numbers:
            ballots.phones_add(actor=None, poll=p, subject=subjects[org], numbers=numbers)
        for phone, option in zip(numbers, options, strict=False):
            ballot_services.ballot_cast_by_phone(poll=p, phone=phone, ratings=_ratings(p, subjects[org], option))
        batch = ballots.batch_create(actor=None, poll=p, subject=subjects[org], size=len(options) + 2)
        for code, option in zip(ballots.batch_codes(batch), options[by_phone:], strict=False):
            ballot_services.ballot_cast(poll=p, code=code, ratings=_ratings(p, subjects[org], option))
    return ballots.poll_close(actor=None, poll=p)


@pytest.fixture
def system(make_system, admin, types):
    system = make_system(group="village", tree=False)
    add_tree(system, admin, types, BALLOT_TREE)
    return services.system_publish(actor=admin, system=system)


# ---- the catalogue ----

def test_catalogue_entries():
    for key, kind, conversion in (("ballots.sanshu", "sanshu", catalogue.SCORE), ("ballots.two_way", "two_way", catalogue.SCORE),
                                  ("ballots.survey", "survey", catalogue.RATE)):
        m = catalogue.get(key)
        assert m.source == catalogue.BALLOTS_SOURCE and m.poll_kind == kind == PollKind(kind)
        assert m.conversion == conversion and str(m.area) == "民主测评" and not m.current_state
        assert m.numerator and m.denominator and "不按考核期间" in str(m.description)
    assert catalogue.to_points(catalogue.get("ballots.sanshu"), D("77.00"), D(10)) == D("7.70")
    assert catalogue.to_points(catalogue.get("ballots.survey"), 20 / 28, D(10)) == D("7.14")


# ---- the figures: hand-computed, equal to each poll's results ----

def test_sanshu_is_the_mean_of_the_leaders(tree, monkeypatch):
    items = 5  # the default 德能勤绩廉
    # Leader 1: every item 好,好,较好,差 → 70 each → 70. Leader 2: item 1 好×4 → 100, the others 好,较好,较好,一般 → 80 → 84.
    leader2 = [[0] * items, [0] + [1] * (items - 1), [0] + [1] * (items - 1), [0] + [2] * (items - 1)]
    p = sanshu(tree, monkeypatch, list(zip([0, 0, 1, 3], leader2, strict=True)))
    figures = ballot_selectors.organization_figures(PollKind.SANSHU, 2026, [tree.branch_a.pk, tree.branch_b.pk])
    assert set(figures) == {tree.branch_a.pk}  # branch B: no leader rated, no figures
    f = figures[tree.branch_a.pk]
    assert f.poll == p and [s.score for s in f.subjects] == [D(70), D(84)]
    assert (f.score, f.score_total, len(f.scored), f.answered) == (D(77), D(154), 2, 4)
    # good (好 + 较好): leader 1 3 of 4 per item, leader 2 4 of 4 on item 1 and 3 of 4 on the others
    assert (f.good, f.ratings) == (3 * items + 4 + 3 * (items - 1), 2 * 4 * items)
    assert ballot_selectors.organization_scores(PollKind.SANSHU, 2026, [tree.branch_a.pk])[tree.branch_a.pk][:3] == (
        D(77), f.good_rate, p)
    _equal_to_poll_results(p)


def test_two_way_rounds_as_the_poll_does(tree):
    p = two_way(tree, [0, 0, 1])  # (100 + 100 + 80) / 3 = 93.333… → 93.33 per item → 93.33
    f = ballot_selectors.organization_figures(PollKind.TWO_WAY, 2026, [tree.branch_a.pk])[tree.branch_a.pk]
    assert (f.score, f.answered, f.good_rate) == (D("93.33"), 3, D(100))
    assert catalogue.to_points(catalogue.get("ballots.two_way"), f.score, D(10)) == D("9.33")
    _equal_to_poll_results(p)


def test_survey_satisfaction_and_the_small_cell(tree):
    p = survey(tree, {tree.branch_a: [0, 0, 0, 1, 1, 2, 2], tree.branch_b: [0, 0, 2]}, phones_of={tree.branch_a: 2})
    assert ballots.turnout(p)["reconciled"]
    figures = ballot_selectors.organization_figures(PollKind.SURVEY, 2026, [tree.branch_a.pk, tree.branch_b.pk])
    a, b = figures[tree.branch_a.pk], figures[tree.branch_b.pk]
    rating_items = p.items.filter(kind=ItemKind.RATING).count()
    assert (a.answered, a.good, a.ratings) == (7, 5 * rating_items, 7 * rating_items)
    assert a.satisfaction_rate == 5 / 7 and a.good_rate == D("71.43")
    assert b.answered == 3  # the selector counts; the assessment withholds the figure (fewer than SURVEY_MIN_CELL)
    _equal_to_poll_results(p)


def _equal_to_poll_results(p):
    org_ids = {s.organization_id for s in p.subjects.all()}
    figures = ballot_selectors.organization_figures(p.kind, p.year, org_ids)
    by_subject = {s.subject.pk: s for f in figures.values() for s in f.subjects}
    for result in ballot_selectors.poll_results(p):
        mine = by_subject[result.subject.pk]
        assert (mine.score, mine.answered) == (result.score, result.answered), result.subject.name
        rated = [i for i in result.items if i.answered]
        assert mine.ratings == sum(i.answered for i in rated)


# ---- which polls count ----

def test_only_counted_polls_of_the_year_the_latest_that_rated(tree, monkeypatch):
    sanshu(tree, monkeypatch, [(0, 0)], org=tree.branch_b, close=False)  # open: not counted
    sanshu(tree, monkeypatch, [(0, 0)], org=tree.branch_b, year=2025)  # last year's
    first = two_way(tree, [3, 3], title="上半年双向考核")
    latest = two_way(tree, [0, 1], title="下半年双向考核")
    assert first.closed_at <= latest.closed_at
    assert ballot_selectors.organization_figures(PollKind.SANSHU, 2026, [tree.branch_b.pk]) == {}
    assert set(ballot_selectors.organization_figures(PollKind.SANSHU, 2025, [tree.branch_b.pk])) == {tree.branch_b.pk}
    f = ballot_selectors.organization_figures(PollKind.TWO_WAY, 2026, [tree.branch_a.pk])[tree.branch_a.pk]
    assert f.poll == latest and f.score == D(90)
    assert ballot_selectors.organization_figures(PollKind.TWO_WAY, 2026, []) == {}


def test_a_poll_nobody_answered_does_not_hide_an_earlier_one(tree):
    rated = two_way(tree, [1, 1], title="双向考核")
    p = _poll(tree, PollKind.TWO_WAY, tree.branch_a, title="补充测评")
    ballots.subject_add(actor=None, poll=p, name="甲村党支部委员会", organization=tree.branch_a)
    _voters(p, tree.branch_a, 2)
    ballots.poll_close(actor=None, poll=ballots.poll_open(actor=None, poll=p))  # closed without a ballot
    f = ballot_selectors.organization_figures(PollKind.TWO_WAY, 2026, [tree.branch_a.pk])[tree.branch_a.pk]
    assert f.poll == rated and f.score == D(80)


# ---- the bound ----

def test_a_fixed_number_of_queries_whatever_the_number_of_organizations(tree, django_assert_max_num_queries):
    branches = [tree.branch_a] + [make_org(f"丙{n}村党支部", "branch", refresh(tree.town_a), domain="village")
                                  for n in range(6)]
    for n, org in enumerate(branches):
        two_way(tree, [n % 4, 0], org=refresh(org))
    ids = [o.pk for o in branches] + [tree.branch_b.pk]
    with django_assert_max_num_queries(2):
        figures = ballot_selectors.organization_figures(PollKind.TWO_WAY, 2026, ids)
        scores = {org_id: (f.score, f.good_rate, f.answered, f.poll.title, f.subjects[0].subject.name)
                  for org_id, f in figures.items()}
    assert len(scores) == len(branches)
    assert scores[branches[3].pk][0] == D(50)  # (0 + 100) / 2: 差 and 好
    with django_assert_max_num_queries(2):
        ballot_selectors.organization_scores(PollKind.TWO_WAY, 2026, ids)


# ---- scoring a round ----

def test_the_scoring_job_keeps_the_inputs_and_links_the_poll(tree, admin, system, monkeypatch, result_urls, client):
    s = sanshu(tree, monkeypatch, [(0, 0), (1, 0)])  # leader 1: (100 + 80) / 2 = 90; leader 2: 100 → 95
    t = two_way(tree, [0, 0, 1])
    v = survey(tree, {tree.branch_a: [0, 0, 0, 1, 1, 2, 2], tree.branch_b: [0, 0, 2]})
    rnd = make_round(admin, system)
    job = round_services.scoring_start(actor=admin, round=rnd)
    job.refresh_from_db()
    assert job.status == "succeeded", job.result

    score = score_of(rnd, tree.branch_a, "三述一评")
    assert score.points == D("9.50") and not score.inputs["missing"]
    assert (score.inputs["numerator"], score.inputs["denominator"], score.inputs["value"]) == ("190.00", 2, "95.00")
    assert score.inputs["poll"] == s.pk and score.inputs["year"] == 2026 and score.inputs["answered"] == 2
    assert score.inputs["formula"] == str(catalogue.get("ballots.sanshu").formula)
    assert score.inputs["subjects"] == [["甲村党支部书记", "90.00"], ["甲村党支部副书记", "100.00"]]

    score = score_of(rnd, tree.branch_a, "双向考核")
    assert (score.points, score.inputs["value"], score.inputs["poll"], score.inputs["answered"]) == (D("9.33"), "93.33", t.pk, 3)

    score = score_of(rnd, tree.branch_a, "群众满意度")
    items = v.items.filter(kind=ItemKind.RATING).count()
    assert score.points == D("7.14")  # 5 of 7 answers 满意 or 基本满意 on every item: 5/7 × 10
    assert (score.inputs["numerator"], score.inputs["denominator"]) == (5 * items, 7 * items)
    assert score.inputs["poll"] == v.pk and score.inputs["good_rate"] == "71.43"

    small = score_of(rnd, tree.branch_b, "群众满意度")  # 3 answers < SURVEY_MIN_CELL (5): no figure
    assert small.points == D(0) and small.inputs["missing"] and small.inputs["suppressed"]
    assert small.inputs["numerator"] is None and "subjects" not in small.inputs and "good_rate" not in small.inputs
    assert "少于5份" in small.comment and "无数据" in small.comment
    for name in ("三述一评", "双向考核"):  # branch B was not rated: missing, scored 0 with the reason
        missing = score_of(rnd, tree.branch_b, name)
        assert missing.points == D(0) and missing.inputs["missing"] and missing.inputs["poll"] is None

    entry = rnd.entries.get(organization=tree.branch_a)
    links = {line.node.indicator.name: line.links for line in round_selectors.sheet(entry)}
    assert links["三述一评"] == [("三述一评测评得分", reverse("ballots:poll_results", args=[s.pk]))]
    assert links["双向考核"] == [("双向考核测评得分", reverse("ballots:poll_results", args=[t.pk]))]
    assert links["群众满意度"] == [("群众满意度", reverse("ballots:survey_results", args=[v.pk]))]
    assert reverse("ballots:survey_results", args=[v.pk]) == f"/ballots/surveys/{v.pk}/results/"
    other = {line.node.indicator.name: line.links for line in round_selectors.sheet(rnd.entries.get(organization=tree.branch_b))}
    assert other["三述一评"] == [] and other["群众满意度"] == [("群众满意度", reverse("ballots:survey_results", args=[v.pk]))]

    client.force_login(tree.users["secretary_a"])  # the assessed see how, and the link
    page = client.get(reverse("assessment:entry_sheet", args=[entry.pk])).content.decode()
    assert f'href="/ballots/{s.pk}/results/"' in page and "测评对象得分之和" in page
    assert f'href="/ballots/surveys/{v.pk}/results/"' in page


@override_settings(SURVEY_MIN_CELL=3)
def test_the_minimum_is_a_setting(tree, admin, system):
    survey(tree, {tree.branch_b: [0, 0, 2]})
    rnd = make_round(admin, system)
    round_services.scoring_start(actor=admin, round=rnd)
    assert score_of(rnd, tree.branch_b, "群众满意度").points == D("6.67")  # 2 of 3


def test_the_job_reads_the_ballots_in_a_fixed_number_of_queries(tree, admin, system, django_assert_max_num_queries):
    rnd = make_round(admin, system)
    entries = list(rnd.entries.select_related("organization"))
    leaves = [leaf for leaf in round_services.leaf_indicators(system) if leaf.method == "automatic"]
    with django_assert_max_num_queries(6):  # two per kind of poll
        round_services.compute_automatic(rnd, entries, leaves)


def test_voters_as_organizations_credit_the_township(tree):
    """双向考核 of a township committee by its branches: credited to the township, not to the voters."""
    p = _poll(tree, PollKind.TWO_WAY, refresh(tree.town_a))
    ballots.subject_add(actor=None, poll=p, name="甲镇党委", organization=refresh(tree.town_a))
    extra = make_org("丁村党支部", "branch", refresh(tree.town_a), domain="village")
    for org in (tree.branch_a, extra):
        ballots.voter_add(actor=None, poll=p, kind=VoterKind.ORGANIZATION, organization=refresh(org))
    p = ballots.poll_open(actor=None, poll=p)
    _vote(p, [{p.subjects.get(): 0}, {p.subjects.get(): 2}])
    ballots.poll_close(actor=None, poll=p)
    figures = ballot_selectors.organization_figures(PollKind.TWO_WAY, 2026, [tree.town_a.pk, tree.branch_a.pk])
    assert set(figures) == {tree.town_a.pk} and figures[tree.town_a.pk].score == D(80)
