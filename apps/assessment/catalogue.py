"""The catalogue of automatic metrics: what an automatic indicator may be scored by.

Every entry is a figure the domain apps already compute and document for assessment — nothing is measured here:

- organizational life: `apps.records.metrics.organization_metrics(org, period)` → `Metrics` (and its `TypeMetric` per
  required activity type), over the organization's subtree, submitted records only;
- citizen requests: `apps.cases.metrics.case_figures(period=…, area=org)` → `CaseFigures` (the three rates and their
  score as defined there, cases submitted in the period);
- organization structure: `apps.orgs.selectors.structure_figures(orgs, today)` → `StructureFigures`, over the
  organization's subtree (a branch: itself and its 党小组; a township: every organization under it, which it answers
  for). NOT period-based: the current state on the scoring day (the job's run; frozen with the score at close), as
  the descriptions tell the assessed;
- democratic evaluations and surveys: `apps.ballots.selectors.organization_figures(kind, year, orgs)` →
  `OrganizationFigures` (the grouped read behind `organization_scores`): the counted poll of the round's year that
  rated the organization (the latest by its close) — 三述一评 of its leaders (the mean of several), 双向考核 of its
  committee, a village's or community's 群众满意度 (满意 + 基本满意 over every rating answer; a village with fewer
  than `settings.SURVEY_MIN_CELL` answers has no figure). By the poll's year, not the round's dates: the year's
  evaluation is usually held in the next January; a poll counted after the round closed changes nothing (frozen).

Each entry says where its value comes from (`source`: the class and attribute, checked against those modules by the
tests), what it divides (numerator / denominator), its unit, and how the value becomes points (`conversion`, with
`to_points`). Scoring itself is a later slice: here the catalogue describes, and validates that an automatic indicator
names a known key (and an activity type or points per item where its entry needs them). A rate with nothing to
measure (None: nothing was required, nothing rated) is *missing*; how a missing value is scored is that slice's rule,
never silently 0 or full marks here.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

# How a value becomes points, for an indicator of `max_points` (and `points_per` for counts).
RATE = "rate"
INVERSE_RATE = "inverse_rate"
SCORE = "score"
PER_ITEM = "per_item"

CONVERSIONS = {
    RATE: _("得分 = 比率 × 分值"),
    INVERSE_RATE: _("得分 = （1 − 比率）× 分值"),
    SCORE: _("得分 = 综合得分 ÷ 100 × 分值"),
    PER_ITEM: _("得分 = 分值 − 件数 × 每项扣分，扣完为止"),
}

RECORDS_SOURCE = "apps.records.metrics.organization_metrics"
CASES_SOURCE = "apps.cases.metrics.case_figures"
ORGS_SOURCE = "apps.orgs.selectors.structure_figures"
BALLOTS_SOURCE = "apps.ballots.selectors.organization_figures"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    description: str
    unit: str
    source: str  # the entry point that computes it
    attribute: str  # "Metrics.completion_rate": the class and attribute of the entry point's answer
    numerator: str
    denominator: str  # "" for a count
    conversion: str
    needs_activity_type: bool = False

    @property
    def formula(self):
        return CONVERSIONS[self.conversion]

    @property
    def needs_points_per(self) -> bool:
        return self.conversion == PER_ITEM

    @property
    def area(self):
        return {RECORDS_SOURCE: _("组织生活"), CASES_SOURCE: _("群众诉求"), ORGS_SOURCE: _("组织建设"),
                BALLOTS_SOURCE: _("民主测评")}[self.source]

    @property
    def poll_kind(self) -> str | None:
        """The kind of poll (apps.ballots PollKind value) a ballots metric reads."""
        return self.key.split(".", 1)[1] if self.source == BALLOTS_SOURCE else None

    @property
    def current_state(self) -> bool:
        """Read on the scoring day, not over the round's period."""
        return self.source == ORGS_SOURCE


METRICS = (
    Metric("records.completion", _("组织生活完成率"),
           _("本组织及下级组织按要求开展组织生活的比例（所有必须开展的活动类型合计，只计已提交的纪实）"),
           "%", RECORDS_SOURCE, "Metrics.completion_rate",
           _("按要求已开展的期次"), _("应开展的期次（适用的组织数 × 周期数）"), RATE),
    Metric("records.type_completion", _("单项组织生活完成率"),
           _("选定的一种组织生活（如支部党员大会、主题党日）按要求开展的比例"),
           "%", RECORDS_SOURCE, "TypeMetric.rate",
           _("该活动类型已开展的期次"), _("该活动类型应开展的期次"), RATE, needs_activity_type=True),
    Metric("records.attendance", _("党员参会率"), _("已提交纪实中实到人次占应到人次的比例"),
           "%", RECORDS_SOURCE, "Metrics.attendance_rate", _("实到人次"), _("应到人次"), RATE),
    Metric("records.late_rate", _("纪实逾期录入率"), _("活动结束后超过规定期限才录入的纪实所占比例，越低越好"),
           "%", RECORDS_SOURCE, "Metrics.late_rate", _("逾期录入的纪实数"), _("已提交的纪实数"), INVERSE_RATE),
    Metric("records.late_records", _("逾期录入纪实数"), _("活动结束后超过规定期限才录入的纪实件数，每件扣分"),
           _("件"), RECORDS_SOURCE, "Metrics.late_records", _("逾期录入的纪实数"), "", PER_ITEM),
    Metric("cases.response_rate", _("群众诉求响应率"), _("按时受理并按时签收的诉求所占比例（口径见群工系统三率说明）"),
           "%", CASES_SOURCE, "CaseFigures.response_rate", _("按时受理且按时签收的诉求数"),
           _("已签收或签收时限已过的诉求数"), RATE),
    Metric("cases.solution_rate", _("群众诉求解决率"), _("回访评价中表示问题已解决的比例"),
           "%", CASES_SOURCE, "CaseFigures.solution_rate", _("评价为已解决的诉求数"), _("已回访评价的诉求数"), RATE),
    Metric("cases.satisfaction_rate", _("群众诉求满意率"), _("回访评价为满意或基本满意的比例"),
           "%", CASES_SOURCE, "CaseFigures.satisfaction_rate", _("满意和基本满意的诉求数"), _("已回访评价的诉求数"), RATE),
    Metric("cases.score", _("群工三率综合得分"), _("响应率、解决率、满意率按设定权重（默认30/35/35）加权的百分制得分"),
           _("分"), CASES_SOURCE, "CaseFigures.score", _("三率加权和 × 100"), _("权重合计"), SCORE),
    Metric("cases.overdue", _("超期诉求数"), _("超过办理时限才办结或仍在办理的诉求件数，每件扣分"),
           _("件"), CASES_SOURCE, "CaseFigures.overdue", _("超期的诉求数"), "", PER_ITEM),
    Metric("orgs.structure_warnings", _("组织设置预警数"),
           _("计分当日本组织及下级组织的组织设置预警条数（党员人数、支委会设置、书记配备、任期等，见组织设置预警页；"
             "任期将满的提前提醒不计），每条扣分。按计分时的现状计算，不按考核期间统计；轮次结束后得分不再变化"),
           _("条"), ORGS_SOURCE, "StructureFigures.warnings", _("计分当日的组织设置预警条数"), "", PER_ITEM),
    Metric("orgs.term_overdue", _("任期届满未换届组织数"),
           _("计分当日本组织及下级组织中任期已届满仍未换届的组织个数（党支部即本支部是否届满未换届），每个扣分。"
             "按计分时的现状计算，不按考核期间统计；轮次结束后得分不再变化"),
           _("个"), ORGS_SOURCE, "StructureFigures.term_overdue", _("计分当日任期届满未换届的组织数"), "", PER_ITEM),
    Metric("ballots.sanshu", _("三述一评测评得分"),
           _("本组织书记（领导班子成员）三述一评民主测评的得分：各测评项目按好100、较好80、一般60、差0计平均分，"
             "再取各项目的平均；测评对象有多名的取平均。按考核年度的测评计算（以最近计票的一次为准），不按考核期间统计"),
           _("分"), BALLOTS_SOURCE, "OrganizationFigures.score", _("测评对象得分之和"), _("测评对象人数"), SCORE),
    Metric("ballots.two_way", _("双向考核测评得分"),
           _("党员（或下级党组织）对本组织委员会的双向考核测评得分：各测评项目按好100、较好80、一般60、差0计平均分，"
             "再取各项目的平均。按考核年度的测评计算（以最近计票的一次为准），不按考核期间统计"),
           _("分"), BALLOTS_SOURCE, "OrganizationFigures.score", _("被测评班子得分之和"), _("被测评班子数"), SCORE),
    Metric("ballots.survey", _("群众满意度"),
           _("本村（社区）群众满意度测评中评价为满意或基本满意的比例（各评价项目合计）。答卷少于规定份数"
             "（默认5份）的不出结果，按无数据处理。按考核年度的测评计算（以最近计票的一次为准），不按考核期间统计"),
           "%", BALLOTS_SOURCE, "OrganizationFigures.satisfaction_rate", _("满意和基本满意的评价项次"),
           _("评价项次（答卷数 × 评价项目数）"), RATE),
)

BY_KEY = {m.key: m for m in METRICS}


def get(key) -> Metric | None:
    return BY_KEY.get(key)


def choices():
    """(key, label) for forms, grouped by area."""
    groups = {}
    for m in METRICS:
        groups.setdefault(str(m.area), []).append((m.key, m.label))
    return list(groups.items())


_CENT = Decimal("0.01")


def to_points(metric: Metric, value, max_points: Decimal, points_per: Decimal | None = None) -> Decimal | None:
    """The points an indicator of `max_points` earns for `value` (None when the value is missing), rounded to 0.01 and
    kept within 0..max_points. The scoring slice calls this; the catalogue page shows the formula beside each entry."""
    if value is None:
        return None
    value = Decimal(str(value))
    if metric.conversion == RATE:
        points = value * max_points
    elif metric.conversion == INVERSE_RATE:
        points = (1 - value) * max_points
    elif metric.conversion == SCORE:
        points = value / 100 * max_points
    else:
        points = max_points - value * (points_per or Decimal(0))
    return min(max(points, Decimal(0)), max_points).quantize(_CENT, rounding=ROUND_HALF_UP)
