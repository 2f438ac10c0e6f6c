"""考核评价, slice 3: performance pay of village and community cadres (村（社区）干部基本报酬 + 绩效考核奖励), imported by
models.py so Django finds these models in the app.

A PayScheme (报酬方案) is the district's rule for one assessment group (村, 社区 …) and year: per committee post a fixed
monthly amount and a yearly bonus base (PayRate), and how the bonus follows the assessment result (by grade band:
PayBandRate, a percentage of the base per band; or linear above a threshold). A PaySheet (报酬表) is the pay of one
closed round, one PayLine per cadre and post, every figure kept as it was computed (the scheme may change later; a
confirmed sheet never does). The formula and the rules of a sheet are in pay_services.py, its life in pay_states.py.
Money is Decimal with two places, never float.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Stateful
from apps.orgs.models import Organization

# Yuan, two decimals: up to 99,999,999.99 (a district's sheet total fits).
MONEY = {"max_digits": 10, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}  # 0.00–100.00 (a band's share of the bonus base)
SCORE = {"max_digits": 5, "decimal_places": 2}


class PayFormula(models.TextChoices):
    BAND = "band", _("按考核等次计发")
    LINEAR = "linear", _("达到起付分后按分数线性计发")


class PayScheme(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("制定单位"), on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("assessment.AssessmentGroup", verbose_name=_("考核类别"), on_delete=models.PROTECT,
                              related_name="pay_schemes")
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("方案名称"), max_length=100)
    # The rounds the scheme pays on (their period kind): one kind, so a year is never paid twice (quarters and year).
    period_kind = models.CharField(_("发放周期"), max_length=10)
    formula = models.CharField(_("绩效计发方式"), max_length=10, choices=PayFormula.choices, default=PayFormula.BAND)
    # Linear: below `threshold` nothing, from it base × (total − threshold) / (full_score − threshold), capped at base.
    threshold = models.DecimalField(_("起付分"), null=True, blank=True, **SCORE)
    full_score = models.DecimalField(_("满额分"), default=Decimal(100), **SCORE)
    note = models.TextField(_("说明"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_EXCLUDE = ("created_at", "updated_at")

    class Meta:
        verbose_name = _("报酬方案")
        verbose_name_plural = _("报酬方案")
        ordering = ["-year", "group__sort_order", "group_id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "year"], name="assessment_pay_scheme_unique"),
            models.CheckConstraint(condition=Q(threshold__isnull=True) | Q(threshold__gte=0, threshold__lt=F("full_score")),
                                   name="assessment_pay_threshold_range"),
            models.CheckConstraint(condition=Q(full_score__gt=0, full_score__lte=100), name="assessment_pay_full_range"),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"

    @property
    def is_linear(self):
        return self.formula == PayFormula.LINEAR

    @property
    def audit_organization(self):
        return self.organization


class PayRate(models.Model):
    """One post's pay in a scheme: fixed per month, and the bonus base for a whole year held."""

    scheme = models.ForeignKey(PayScheme, on_delete=models.CASCADE, related_name="rates")
    post = models.CharField(_("职务"), max_length=24)  # orgs.CommitteePost.Post values
    monthly_fixed = models.DecimalField(_("基本报酬（元/月）"), **MONEY)
    bonus_base = models.DecimalField(_("绩效奖励基数（元/年）"), **MONEY)

    class Meta:
        verbose_name = _("职务报酬标准")
        verbose_name_plural = _("职务报酬标准")
        ordering = ["scheme_id", "-monthly_fixed", "post"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "post"], name="assessment_pay_rate_unique"),
            models.CheckConstraint(condition=Q(monthly_fixed__gte=0, bonus_base__gte=0), name="assessment_pay_rate_positive"),
        ]

    def __str__(self):
        return self.post

    @property
    def audit_organization(self):
        return self.scheme.organization


class PayBandRate(models.Model):
    """By grade band: the share of the bonus base paid for a total in the band (named as the system's bands)."""

    scheme = models.ForeignKey(PayScheme, on_delete=models.CASCADE, related_name="band_rates")
    band = models.CharField(_("等次"), max_length=20)
    percent = models.DecimalField(_("计发比例（%）"), **PERCENT)

    class Meta:
        verbose_name = _("等次计发比例")
        verbose_name_plural = _("等次计发比例")
        ordering = ["scheme_id", "-percent", "band"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "band"], name="assessment_pay_band_unique"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="assessment_pay_band_range"),
        ]

    def __str__(self):
        return f"{self.band} {self.percent}%"

    @property
    def audit_organization(self):
        return self.scheme.organization


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    CONFIRMED = "confirmed", _("已确认")


class PaySheet(Stateful, models.Model):
    STATE_TABLE = "apps.assessment.pay_states"

    round = models.OneToOneField("assessment.Round", verbose_name=_("考核轮次"), on_delete=models.PROTECT,
                                 related_name="pay_sheet")
    scheme = models.ForeignKey(PayScheme, verbose_name=_("报酬方案"), on_delete=models.PROTECT, related_name="sheets")
    organization = models.ForeignKey(Organization, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    months = models.PositiveSmallIntegerField(_("期间月数"))
    total_fixed = models.DecimalField(_("基本报酬合计"), default=Decimal(0), **MONEY)
    total_bonus = models.DecimalField(_("绩效奖励合计"), default=Decimal(0), **MONEY)
    total = models.DecimalField(_("合计"), default=Decimal(0), **MONEY)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    generated_at = models.DateTimeField(_("生成时间"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("绩效报酬表")
        verbose_name_plural = _("绩效报酬表")
        ordering = ["-generated_at", "-id"]

    def __str__(self):
        return _("{round} 绩效报酬表").format(round=self.round)

    @property
    def audit_organization(self):
        return self.organization


class PayLine(models.Model):
    """One cadre in one post on a sheet: as computed when the sheet was generated (names only, no ID numbers)."""

    sheet = models.ForeignKey(PaySheet, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey("assessment.RoundEntry", verbose_name=_("被考核组织"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("序号"))
    org_name = models.CharField(_("组织"), max_length=200)
    post = models.CharField(_("职务"), max_length=24)
    post_label = models.CharField(_("职务名称"), max_length=40)
    name = models.CharField(_("姓名"), max_length=60)
    months = models.PositiveSmallIntegerField(_("任职月数"))
    monthly_fixed = models.DecimalField(_("基本报酬（元/月）"), **MONEY)
    bonus_base = models.DecimalField(_("绩效奖励基数（元/年）"), **MONEY)
    fixed = models.DecimalField(_("基本报酬"), **MONEY)
    score = models.DecimalField(_("考核得分"), **SCORE)
    band = models.CharField(_("等次"), max_length=20, blank=True)
    percent = models.DecimalField(_("计发比例（%）"), **PERCENT)
    bonus = models.DecimalField(_("绩效奖励"), **MONEY)
    total = models.DecimalField(_("应发合计"), **MONEY)

    class Meta:
        verbose_name = _("报酬明细")
        verbose_name_plural = _("报酬明细")
        ordering = ["sheet_id", "position"]
        constraints = [models.CheckConstraint(condition=Q(bonus__gte=0, fixed__gte=0), name="assessment_pay_line_positive")]

    def __str__(self):
        return f"{self.org_name} {self.post_label} {self.name}"

    @property
    def audit_organization(self):
        return self.sheet.organization
