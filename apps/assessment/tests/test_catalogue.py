"""The catalogue lists only figures the records and cases metrics really compute, and says how they become points."""

from datetime import date
from decimal import Decimal as D

import pytest

from apps.assessment import catalogue
from apps.ballots import selectors as ballot_selectors
from apps.cases import metrics as case_metrics
from apps.core.periods import parse_period
from apps.orgs import selectors as org_selectors
from apps.records import metrics as record_metrics

SOURCES = {
    catalogue.RECORDS_SOURCE: (record_metrics.organization_metrics, {"Metrics": record_metrics.Metrics,
                                                                     "TypeMetric": record_metrics.TypeMetric}),
    catalogue.CASES_SOURCE: (case_metrics.case_figures, {"CaseFigures": case_metrics.CaseFigures}),
    catalogue.ORGS_SOURCE: (org_selectors.structure_figures, {"StructureFigures": org_selectors.StructureFigures}),
    catalogue.BALLOTS_SOURCE: (ballot_selectors.organization_figures,
                               {"OrganizationFigures": ballot_selectors.OrganizationFigures}),
}


def test_every_entry_names_a_real_figure():
    assert len(catalogue.BY_KEY) == len(catalogue.METRICS)
    for m in catalogue.METRICS:
        entry_point, classes = SOURCES[m.source]
        assert callable(entry_point)
        cls, attribute = m.attribute.split(".")
        assert hasattr(classes[cls], attribute), m.key
        assert m.conversion in catalogue.CONVERSIONS
        assert str(m.label) and str(m.description) and str(m.numerator) and m.unit
        assert (m.denominator == "") == (m.conversion == catalogue.PER_ITEM), m.key
        assert m.key.split(".")[0] == m.source.split(".")[1]


@pytest.mark.django_db
def test_the_values_come_out_of_the_entry_points(tree, types):
    """Read through the documented entry points on an empty district: every entry's attribute answers (None for a
    rate with nothing to measure, a number otherwise)."""
    period = parse_period("2026Q1")
    org_figures = record_metrics.organization_metrics(tree.branch_a, period, today=date(2026, 6, 1))
    case_figures = case_metrics.case_figures(period=period, area=tree.branch_a)
    structure = org_selectors.structure_figures([tree.branch_a], date(2026, 6, 1))[tree.branch_a.pk]
    for m in catalogue.METRICS:
        cls, attribute = m.attribute.split(".")
        if cls == "OrganizationFigures":  # no poll counted: no figures at all (missing), tested in test_ballot_metrics
            assert ballot_selectors.organization_figures(m.poll_kind, 2026, [tree.branch_a.pk]) == {}
            continue
        if cls == "TypeMetric":
            value = getattr(org_figures.types[0] if org_figures.types else record_metrics.TypeMetric(None, 1, 0), attribute)
        else:
            value = getattr({"Metrics": org_figures, "CaseFigures": case_figures, "StructureFigures": structure}[cls],
                            attribute)
        assert value is None or isinstance(value, (int, float)), m.key


def test_values_become_points():
    rate, inverse = catalogue.get("records.completion"), catalogue.get("records.late_rate")
    score, per_item = catalogue.get("cases.score"), catalogue.get("cases.overdue")
    assert catalogue.to_points(rate, 0.85, D(20)) == D("17.00")
    assert catalogue.to_points(rate, 1, D(20)) == D("20.00")
    assert catalogue.to_points(rate, 2 / 3, D(10)) == D("6.67")
    assert catalogue.to_points(inverse, 0.1, D(10)) == D("9.00")
    assert catalogue.to_points(score, 92.5, D(20)) == D("18.50")
    assert catalogue.to_points(per_item, 3, D(10), D(2)) == D("4.00")
    assert catalogue.to_points(per_item, 30, D(10), D(2)) == D("0.00")  # 扣完为止
    assert catalogue.to_points(rate, None, D(10)) is None  # missing is not 0, nor full marks
    assert all(isinstance(catalogue.to_points(m, 0, D(5), D(1)), D) for m in catalogue.METRICS)


def test_choices_group_by_area():
    groups = dict(catalogue.choices())
    assert set(groups) == {"组织生活", "群众诉求", "组织建设", "民主测评"}
    assert ("orgs.term_overdue", catalogue.get("orgs.term_overdue").label) in groups["组织建设"]
    assert ("cases.response_rate", catalogue.get("cases.response_rate").label) in groups["群众诉求"]
