"""Organizational-life metrics for assessment: the one documented entry point the assessment app scores from.

    organization_metrics(org, period, today=None) -> Metrics

`org` is any organization; the figures cover its whole subtree (for a branch: the branch and its
party groups). `period` is an `apps.core.periods.Period` (month, quarter or year; parse one with
`parse_period("2026Q3")`). Only submitted records count; periods that have not begun are not required.

    Metrics.types            one TypeMetric per required activity type that applies in the period:
        .activity_type       the ActivityType
        .required            organizations the rule applies to × the type's periods in `period`
        .held                of those, the periods in which a submitted record exists
        .rate                held / required (None when nothing was required)
    Metrics.completion_rate  Σ held / Σ required over all types (None when nothing was required)
    Metrics.records          submitted records held in the period
    Metrics.late_records     of those, entered more than RECORD_ENTRY_DAYS after the activity
    Metrics.late_rate        late_records / records
    Metrics.expected         attendance places (应到) over those records, and
    Metrics.present          attendances (实到);
    Metrics.attendance_rate  present / expected

Cost: the compliance aggregate (three indexed queries) plus the subtree's stored monthly roll-ups (rollups.py: one
row a month, whatever the subtree); no per-organization loop.

    metrics_by_organization(orgs, period, today=None) -> {org pk: Metrics}

The same for many organizations at once (an assessment round scores a district's ~2,600): each organization's own
rows of the same stored roll-ups, in three grouped queries whatever their number (for whole months; the days of a
month covered in part are read organization by organization). Equal, organization by organization, to
organization_metrics (tests/test_metrics.py).
"""

from dataclasses import dataclass, field

from . import rollups
from .compliance import compliance_table, held_by_organization, rules_for
from .selectors import subtree_record_figures


@dataclass
class TypeMetric:
    activity_type: object
    required: int
    held: int

    @property
    def rate(self):
        return self.held / self.required if self.required else None


@dataclass
class Metrics:
    types: list = field(default_factory=list)
    required: int = 0
    held: int = 0
    records: int = 0
    late_records: int = 0
    expected: int = 0
    present: int = 0

    @property
    def completion_rate(self):
        return self.held / self.required if self.required else None

    @property
    def late_rate(self):
        return self.late_records / self.records if self.records else None

    @property
    def attendance_rate(self):
        return self.present / self.expected if self.expected else None


def organization_metrics(org, period, today=None) -> Metrics:
    table = compliance_table(org, period, today=today)
    metrics = Metrics()
    for rule in table["rules"]:
        cell = table["total"].cells.get(rule.activity_type.pk)
        if cell is None or not cell.required:
            continue
        metrics.types.append(TypeMetric(rule.activity_type, cell.required, cell.held))
        metrics.required += cell.required
        metrics.held += cell.held
    figures = subtree_record_figures(org, period.start, period.end)
    metrics.records, metrics.late_records = figures["records"], figures["late"]
    metrics.expected, metrics.present = figures["expected"], figures["present"]
    return metrics


def metrics_by_organization(orgs, period, today=None) -> dict:
    orgs = list(orgs)
    rules = [r for r in rules_for(period, today) if r.periods]
    org_counts, held = held_by_organization(orgs, rules)
    figures = rollups.figures_by_organization(orgs, period.start, period.end, today)
    out = {}
    for org in orgs:
        metrics = Metrics()
        counts = org_counts.get(org.pk)
        for rule in rules:
            t = rule.activity_type
            required = (counts[t.applies_to] if counts else 0) * len(rule.periods)
            if not required:
                continue
            type_held = held.get((org.pk, t.pk), 0)
            metrics.types.append(TypeMetric(t, required, type_held))
            metrics.required += required
            metrics.held += type_held
        f = figures[org.pk]
        metrics.records, metrics.late_records = f["records"], f["late"]
        metrics.expected, metrics.present = f["expected"], f["present"]
        out[org.pk] = metrics
    return out
