"""考核评价, slice 2: rounds and scoring (imported by models.py, so Django finds these models in the app).

A Round (考核轮次) is an indicator system in use scored over one of its periods, for the organizations fixed at its
creation (RoundEntry). Each entry has one Score per leaf indicator; deductions and bonuses are counted from their
items (ScoreItem), manual scores may carry evidence (ScoreEvidence). The life of a round is in round_states.py; the
rules of scoring in round_services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.evidence import PrivateFile, file_field
from apps.core.statemachine import Stateful
from apps.orgs.models import Organization

POINTS = {"max_digits": 6, "decimal_places": 2}


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("评分中")
    CLOSED = "closed", _("已结束")


class Round(Stateful, models.Model):
    STATE_TABLE = "apps.assessment.round_states"

    system = models.ForeignKey("assessment.IndicatorSystem", verbose_name=_("指标体系"), on_delete=models.PROTECT,
                               related_name="rounds")
    # The organization whose administrator created it (the group's organization, or below it): the round assesses
    # only organizations of its subtree.
    organization = models.ForeignKey(Organization, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("轮次名称"), max_length=100)
    period_kind = models.CharField(_("考核周期"), max_length=10)  # models.Period values
    period_key = models.CharField(_("期间"), max_length=30)  # 2026-03 | 2026Q1 | 2026H1 | 2026
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    opens_at = models.DateTimeField(_("评分开始时间"))
    closes_at = models.DateTimeField(_("评分截止时间"))
    status = models.CharField(_("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The latest scoring job (apps.core.jobs), for the progress on the round's page.
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(_("自动计分时间"), null=True, blank=True)

    AUDIT_EXCLUDE = ("created_at", "job")  # the job is the trail's own row (its start is audited with a note)

    class Meta:
        verbose_name = _("考核轮次")
        verbose_name_plural = _("考核轮次")
        ordering = ["-period_start", "-id"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                              name="assessment_round_window")]
        indexes = [models.Index(fields=["system", "period_kind", "status"], name="assessment_round_kind")]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization


class RoundEntry(models.Model):
    """One organization assessed in a round, with its total kept by the scoring services (sum of its leaves)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="entries")
    organization = models.ForeignKey(Organization, verbose_name=_("被考核组织"), on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(_("总分"), default=0, **POINTS)

    class Meta:
        verbose_name = _("被考核组织")
        verbose_name_plural = _("被考核组织")
        ordering = ["round_id", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["round", "organization"], name="assessment_entry_unique")]

    def __str__(self):
        return str(self.organization)

    @property
    def audit_organization(self):
        return self.organization


class Score(models.Model):
    """The points of one leaf indicator for one entry. `points` None: not scored yet (manual) or no data (automatic,
    `note` says what was done with it). `inputs`: the automatic figures as computed (numerator, denominator, value,
    formula), kept so the page shows how, and frozen when the round closes."""

    entry = models.ForeignKey(RoundEntry, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey("assessment.Indicator", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), null=True, blank=True, **POINTS)
    inputs = models.JSONField(default=dict, blank=True)
    comment = models.TextField(_("评分说明"), max_length=1000, blank=True)
    item_count = models.PositiveIntegerField(_("项数"), default=0)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(null=True, blank=True)

    AUDIT_EXCLUDE = ("scored_at",)

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [models.UniqueConstraint(fields=["entry", "indicator"], name="assessment_score_unique"),
                       models.CheckConstraint(condition=Q(points__isnull=True) | Q(points__gte=0),
                                              name="assessment_score_not_negative")]

    def __str__(self):
        return f"{self.indicator}: {self.points}"

    @property
    def audit_organization(self):
        return self.entry.organization


class ScoreItem(models.Model):
    """One deduction (a violation) or bonus (an honour) of a score, recorded one by one."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="items")
    what = models.CharField(_("事项"), max_length=200)
    happened_on = models.DateField(_("发生日期"))
    note = models.CharField(_("备注"), max_length=500, blank=True)
    # An item pulled from a source (feeds.py): its reference there (once per score) and the page behind it.
    source_ref = models.CharField(_("来源"), max_length=100, blank=True)
    url = models.CharField(_("来源链接"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("扣（加）分事项")
        verbose_name_plural = _("扣（加）分事项")
        ordering = ["happened_on", "id"]
        constraints = [models.UniqueConstraint(fields=["score", "source_ref"], condition=~Q(source_ref=""),
                                               name="assessment_item_source_unique")]

    def __str__(self):
        return self.what

    @property
    def audit_organization(self):
        return self.score.entry.organization


class ScoreEvidence(PrivateFile):
    """A private file behind a manual score: served only through the access layer."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="evidence")
    file = file_field("assessment/%Y/%m/")

    class Meta:
        verbose_name = _("评分佐证材料")
        verbose_name_plural = _("评分佐证材料")
        ordering = ["id"]

    @property
    def audit_organization(self):
        return self.score.entry.organization
