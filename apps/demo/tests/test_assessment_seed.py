"""The demo's assessment: every group of the district has last year's indicator system and this year's copy of it in
use, published through the services (so they keep every rule), with automatic indicators computed from the record;
the 村 group has last quarter's round closed with its scores (automatic by the job, manual with evidence, items) and
this quarter's round open."""

from datetime import date
from decimal import Decimal

import pytest

from apps.access import policy
from apps.accounts.models import User
from apps.assessment import selectors
from apps.assessment.models import AssessmentGroup, IndicatorSystem, Method, SystemStatus
from apps.assessment.round_models import Round, RoundStatus, Score, ScoreEvidence, ScoreItem
from apps.core.models import Job
from apps.demo.assessment_cross_seed import GROUP_NAME as CROSS_GROUP
from apps.demo.assessment_seed import GROUPS
from apps.demo.seed import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]


def test_the_demo_has_this_years_systems_and_a_closed_and_an_open_round():
    result = seed_demo(scale="small", today=date(2026, 11, 20), log=lambda line: None)
    # the five groups of party organizations, and the departments' 1+N group (this year's system only)
    assert list(AssessmentGroup.objects.values_list("name", flat=True)) == [name for name, _domains in GROUPS] + [CROSS_GROUP]
    systems = list(IndicatorSystem.objects.select_related("group").exclude(group__name=CROSS_GROUP))
    assert len(systems) == 2 * len(GROUPS)
    for system in systems:
        assert system.year in (2025, 2026) and system.status == SystemStatus.IN_USE and system.version == 1
        assert str(system.year) in system.name
        assert selectors.problems(system) == []
        methods = set(system.indicators.exclude(method="").values_list("method", flat=True))
        assert methods == {Method.AUTOMATIC, Method.MANUAL, Method.DEDUCTION, Method.BONUS}
        assert system.bands.count() == 4
    village = IndicatorSystem.objects.get(group__name="村", year=2026)
    assert village.copied_from.year == 2025
    assert village.indicators.filter(metric="cases.score").exists()
    assert village.indicators.get(metric="records.type_completion").activity_type.code == "theme_day"
    assert not IndicatorSystem.objects.get(group__name="学校", year=2026).indicators.filter(metric__startswith="cases.").exists()

    # The small scale has villages, no community: one closed round of last quarter, one open of this quarter.
    closed = Round.objects.get(pk__in=result["closed_rounds"])
    assert (closed.status, closed.period_key, closed.system) == (RoundStatus.CLOSED, "2026Q3", village)
    assert closed.job.status == Job.Status.SUCCEEDED and closed.scored_at is not None
    scores = Score.objects.filter(entry__round=closed).select_related("indicator")
    automatic = [s for s in scores if s.indicator.method == Method.AUTOMATIC]
    assert automatic and all(s.points is not None and s.inputs["period"] == "2026Q3" for s in automatic)
    assert any(s.points > 0 for s in automatic)
    assert not [s for s in scores if s.indicator.method == Method.MANUAL and s.points is None]  # all scored by hand
    town_admin = User.objects.get(username="town_admin")
    own = policy.restrict(closed.entries.all(), town_admin, policy.ASSESSMENT_SCORE)
    assert own.exists()
    evidence = ScoreEvidence.objects.filter(score__entry__round=closed)
    assert evidence.exists() and all(e.score.scored_by == town_admin and e.file.read(5) == b"%PDF-" for e in evidence)
    assert ScoreItem.objects.filter(score__entry__round=closed).exists()
    for entry in closed.entries.all():  # the totals are the sums of the leaves
        assert entry.total == sum((s.points or Decimal(0) for s in entry.scores.all()), Decimal(0))
    opened = Round.objects.get(pk__in=result["open_rounds"])
    assert (opened.status, opened.period_key, opened.system) == (RoundStatus.OPEN, "2026Q4", village)
    assert opened.entries.count() == closed.entries.count()


def test_the_demo_has_duty_lists_and_last_quarters_inspections():
    from apps.assessment import duty_selectors
    from apps.assessment.duty_models import DutyList, Inspection, InspectionResult
    from apps.demo.assessment_duties_seed import TEMPLATES

    seed_demo(scale="small", today=date(2026, 11, 20), log=lambda line: None)
    assert DutyList.objects.filter(is_template=True).count() == len(TEMPLATES)
    assert DutyList.objects.filter(is_template=False).exists()
    inspections = Inspection.objects.all()
    assert inspections.exists() and set(inspections.values_list("period_key", flat=True)) == {"2026Q3"}
    assert InspectionResult.objects.filter(outcome="not_done").exists()
    found = duty_selectors.violations(list(inspections.values_list("organization_id", flat=True)),
                                      date(2026, 7, 1), date(2026, 9, 30))
    assert sum(len(v) for v in found.values()) == InspectionResult.objects.filter(outcome="not_done").count()
    for system in IndicatorSystem.objects.filter(group__name="村"):  # last year's and its copy for this year
        assert system.indicators.get(name="负面清单").item_feed == "duties.violations"


def test_the_demo_has_a_departments_round_and_published_results():
    from apps.assessment.cross_models import CrossGroup, CrossScore
    from apps.assessment.pay_models import PaySheet
    from apps.assessment.result_models import ResultPublication

    result = seed_demo(scale="small", today=date(2026, 11, 20), log=lambda line: None)
    departments = Round.objects.filter(system__group__name=CROSS_GROUP)
    assert departments.filter(status=RoundStatus.OPEN).exists()
    assert CrossGroup.objects.filter(round__in=departments).exists()
    sealed = CrossScore.objects.filter(entry__round__in=departments.filter(status=RoundStatus.OPEN))
    assert sealed.exists()  # peers' ratings of the open round, sealed: no entry's cross leaf has points yet
    assert not Score.objects.filter(entry__round__status=RoundStatus.OPEN, entry__round__in=departments,
                                    indicator__cross_weight=100, points__isnull=False).exists()
    publication = ResultPublication.objects.get()
    assert publication.round_id in result["closed_rounds"] and publication.note
    sheet = PaySheet.objects.get()  # the cadres' pay of that round, each bonus from a score
    assert sheet.round_id == publication.round_id and sheet.lines.exists()
