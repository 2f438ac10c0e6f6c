"""考核评价, slice 1: assessment groups and versioned indicator systems (the tree of indicators, the periods and their
weights, the grade bands). Scoring from the records comes later; the rules every change must keep are in rules.py,
the life of a system (草稿 → 使用中 → 已停用) in states.py."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Stateful
from apps.orgs.models import Organization

# Points: up to 9999.99, two decimals, never float (rules.md: scores are added up and published).
POINTS = {"max_digits": 6, "decimal_places": 2}
# Scores and band limits: 0.00–100.00.
SCORE = {"max_digits": 5, "decimal_places": 2}
TOTAL_POINTS = Decimal(100)  # the first-level indicators of a system add up to this, the grade bands cover 0–it


class AssessmentGroup(models.Model):
    """A set of organizations assessed under one indicator system a year (村, 社区, 机关, 非公, 学校 …), as the district
    names them. Its organizations: those listed by name, plus every current organization within the owner's subtree
    whose domain is one of `domains` and whose kind is one of `kinds` (an empty list is any; both empty: no rule)."""

    # The organization whose administrators set the group up (the district); the group covers its subtree only.
    organization = models.ForeignKey(Organization, verbose_name=_("考核单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("考核类别名称"), max_length=40)
    domains = models.JSONField(_("按所属领域"), default=list, blank=True)
    kinds = models.JSONField(_("按组织类别"), default=list, blank=True)
    organizations = models.ManyToManyField(Organization, verbose_name=_("逐个指定的组织"), blank=True, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_EXCLUDE = ("created_at", "updated_at")

    class Meta:
        verbose_name = _("考核类别")
        verbose_name_plural = _("考核类别")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="assessment_group_name_unique")]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization


class SystemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_USE = "in_use", _("使用中")
    RETIRED = "retired", _("已停用")


class Period(models.TextChoices):
    """The periods a system is scored over, combined into the year's total by the system's weights."""

    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    HALF = "half", _("半年")
    YEAR = "year", _("年度")


# The weight field of each period, in the order of Period.
WEIGHT_FIELDS = {Period.MONTH: "weight_month", Period.QUARTER: "weight_quarter", Period.HALF: "weight_half",
                 Period.YEAR: "weight_year"}


class IndicatorSystem(Stateful, models.Model):
    """One version of a group's indicator system for a year. Only a draft changes (states.py); a system in use is copied
    into a new draft version instead, so what an organization was assessed by never changes afterwards."""

    STATE_TABLE = "apps.assessment.states"

    group = models.ForeignKey(AssessmentGroup, verbose_name=_("考核类别"), on_delete=models.PROTECT, related_name="systems")
    year = models.PositiveSmallIntegerField(_("考核年度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("指标体系名称"), max_length=100)
    note = models.TextField(_("说明"), max_length=1000, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=SystemStatus.choices, default=SystemStatus.DRAFT)
    # The share of each period's score in the year's total (per cent; they add up to 100, a period at 0 is not scored).
    weight_month = models.DecimalField(_("月度权重（%）"), default=Decimal(0), **SCORE)
    weight_quarter = models.DecimalField(_("季度权重（%）"), default=Decimal(0), **SCORE)
    weight_half = models.DecimalField(_("半年权重（%）"), default=Decimal(0), **SCORE)
    weight_year = models.DecimalField(_("年度权重（%）"), default=Decimal(100), **SCORE)
    copied_from = models.ForeignKey("self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    AUDIT_EXCLUDE = ("created_at", "updated_at")

    class Meta:
        verbose_name = _("考核指标体系")
        verbose_name_plural = _("考核指标体系")
        ordering = ["-year", "group__sort_order", "group_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["group", "year", "version"], name="assessment_system_version_unique"),
            # One version in use per group and year: publishing a new one retires the old (services.system_publish).
            models.UniqueConstraint(fields=["group", "year"], condition=Q(status="in_use"), name="assessment_system_one_in_use"),
            models.CheckConstraint(condition=Q(year__gte=1900, year__lte=2100), name="assessment_system_year_range"),
            models.CheckConstraint(condition=Q(weight_month__gte=0, weight_quarter__gte=0, weight_half__gte=0, weight_year__gte=0),
                                   name="assessment_system_weights_not_negative"),
        ]

    def __str__(self):
        return f"{self.year} {self.name}（{_('第{n}版').format(n=self.version)}）"

    @property
    def audit_organization(self):
        return self.group.organization

    def weights(self) -> list[tuple[str, str, Decimal]]:
        """(period, label, weight) of every period, in order."""
        return [(period, period.label, getattr(self, field)) for period, field in WEIGHT_FIELDS.items()]

    def scored_periods(self):
        return [(period, label, weight) for period, label, weight in self.weights() if weight > 0]


class Method(models.TextChoices):
    AUTOMATIC = "automatic", _("自动计分")
    MANUAL = "manual", _("人工评分")
    DEDUCTION = "deduction", _("负面清单扣分")
    BONUS = "bonus", _("加分项")


class Indicator(models.Model):
    """A node of a system's indicator tree. A node with children is scored as the sum of its children (whose maximum
    points add up to its own); a leaf is scored by its method: automatic (a metric of catalogue.py), manual, deduction
    (points per violation off its maximum, at most `cap`) or bonus (points per honour, at most `cap`)."""

    system = models.ForeignKey(IndicatorSystem, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("指标名称"), max_length=100)
    standard = models.TextField(_("考核内容与评分标准"), max_length=1000, blank=True)
    max_points = models.DecimalField(_("分值"), **POINTS)
    method = models.CharField(_("评分方式"), max_length=10, choices=Method.choices, blank=True)
    metric = models.CharField(_("自动计分指标"), max_length=60, blank=True)
    # For the completion metric of one kind of organizational life.
    activity_type = models.ForeignKey("records.ActivityType", verbose_name=_("活动类型"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    points_per = models.DecimalField(_("每项分值"), null=True, blank=True, **POINTS)
    cap = models.DecimalField(_("最多扣（加）分"), null=True, blank=True, **POINTS)
    # A manual leaf's share scored by cross-assessment (交叉考核, cross_models.py), per cent: 0 the superior alone (the
    # default), 100 the cross-assessment groups alone, between: 1+N (the superior's score and the peers' mean, weighted).
    cross_weight = models.PositiveSmallIntegerField(_("交叉评分权重（%）"), default=0)
    # A deduction or bonus leaf's items pulled from a registered source (feeds.py); blank: entered by hand.
    item_feed = models.CharField(_("扣（加）分事项来源"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["system_id", "parent_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=0), name="assessment_indicator_points_positive"),
            models.CheckConstraint(condition=Q(points_per__isnull=True) | Q(points_per__gt=0),
                                   name="assessment_indicator_points_per_positive"),
            models.CheckConstraint(condition=Q(cap__isnull=True) | Q(cap__gt=0, cap__lte=F("max_points")),
                                   name="assessment_indicator_cap_within_points"),
            models.CheckConstraint(condition=Q(cross_weight__lte=100), name="assessment_indicator_cross_weight_range"),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.system.group.organization

    @property
    def item_feed_label(self):
        from . import feeds

        feed = feeds.get(self.item_feed) if self.item_feed else None
        return feed.label if feed else self.item_feed


class GradeBand(models.Model):
    """A grade of the year's total score: min_score ≤ score < max_score (the highest band includes 100). A system's
    bands cover 0–100 without overlap (rules.band_problems)."""

    system = models.ForeignKey(IndicatorSystem, verbose_name=_("指标体系"), on_delete=models.CASCADE, related_name="bands")
    name = models.CharField(_("等次"), max_length=20)
    min_score = models.DecimalField(_("最低分"), **SCORE)
    max_score = models.DecimalField(_("最高分"), **SCORE)

    class Meta:
        verbose_name = _("考核等次")
        verbose_name_plural = _("考核等次")
        ordering = ["system_id", "-min_score"]
        constraints = [
            models.CheckConstraint(condition=Q(min_score__gte=0, max_score__lte=100, min_score__lt=F("max_score")),
                                   name="assessment_band_range"),
        ]

    def __str__(self):
        return f"{self.name} {self.min_score}–{self.max_score}"

    @property
    def audit_organization(self):
        return self.system.group.organization
from .cross_models import CrossGroup, CrossMember, CrossScore  # noqa: E402,F401  (cross-assessment, 1+N)
from .duty_models import (  # noqa: E402,F401  (duty lists and their inspections)
    DutyItem,
    DutyKind,
    DutyList,
    DutyPost,
    Inspection,
    InspectionEvidence,
    InspectionResult,
    Outcome,
)
from .honour_models import (  # noqa: E402,F401  (honours: 示范创建)
    HonourCampaign,
    HonourKind,
    Nomination,
    NominationFile,
    NominationStatus,
    NomineeType,
)
from .pay_models import PayBandRate, PayFormula, PayLine, PayRate, PayScheme, PaySheet, SheetStatus  # noqa: E402,F401  (slice 3: cadres' pay)
from .result_models import NoteKind, PublicationStatus, ResultPublication, Selection  # noqa: E402,F401  (slice 3: published results)
from .round_models import Round, RoundEntry, RoundStatus, Score, ScoreEvidence, ScoreItem  # noqa: E402,F401  (slice 2: rounds and scoring)
