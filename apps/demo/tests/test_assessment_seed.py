"""The demo's assessment: every group of the district has last year's indicator system in use, published through
the services (so it keeps every rule), with automatic indicators computed from the record."""

from datetime import date

import pytest

from apps.assessment import selectors
from apps.assessment.models import AssessmentGroup, IndicatorSystem, Method, SystemStatus
from apps.demo.assessment_seed import GROUPS
from apps.demo.seed import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]


def test_the_demo_has_last_years_systems_in_use_for_every_group():
    seed_demo(scale="small", today=date(2026, 11, 20), log=lambda line: None)
    assert list(AssessmentGroup.objects.values_list("name", flat=True)) == [name for name, _domains in GROUPS]
    systems = list(IndicatorSystem.objects.select_related("group"))
    assert len(systems) == len(GROUPS)
    for system in systems:
        assert system.year == 2025 and system.status == SystemStatus.IN_USE and system.version == 1
        assert selectors.problems(system) == []
        methods = set(system.indicators.exclude(method="").values_list("method", flat=True))
        assert methods == {Method.AUTOMATIC, Method.MANUAL, Method.DEDUCTION, Method.BONUS}
        assert system.bands.count() == 4
    village = IndicatorSystem.objects.get(group__name="村")
    assert village.indicators.filter(metric="cases.score").exists()
    assert village.indicators.get(metric="records.type_completion").activity_type.code == "theme_day"
    assert not IndicatorSystem.objects.get(group__name="学校").indicators.filter(metric__startswith="cases.").exists()


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
    assert IndicatorSystem.objects.get(group__name="村").indicators.get(name="负面清单").item_feed == "duties.violations"
