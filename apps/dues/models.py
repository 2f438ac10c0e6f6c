"""党费: each member's dues standard (dated), hardship decisions, payments per member and month, each member's
standing (for arrears), remittances to the level above, closed months and imported bank statements.

Money moves are also written to the ledger (`ledger_models`, `ledger.py`): every payment, remittance and care-fund
entry is a balanced transaction whose legs sum to zero; balances are derived from the legs. The tables here are
the source records; `reconcile` checks the ledger against them (collected + received = remitted + held).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Stateful
from apps.members.models import Member
from apps.orgs.models import Organization

from .rules import DuesCategory

MONEY = {"max_digits": 14, "decimal_places": 2}


class DuesStandard(models.Model):
    """A member's dues standard from a day on. The standard in force for a month is the latest dated on or before the
    month's first day; in the month a member starts paying (a probationary member's admission), the one dated in it
    (`selectors.standard_in_force`). Never edited: a change of base is a new dated row."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dues_standards")
    category = models.CharField(_("缴纳类别"), max_length=16, choices=DuesCategory.choices)
    base = models.DecimalField(_("月缴纳基数"), null=True, blank=True, **MONEY)
    effective_from = models.DateField(_("执行日期"))
    monthly_amount = models.DecimalField(_("每月应缴"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    # The base is pay or pension: personal. The auditor reads that it changed, not its value — nor the amount and
    # category, from which the base could be worked back (42.00 in service is a base of 4,200).
    AUDIT_PERSONAL = ("base", "monthly_amount", "category")

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["member", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["member", "effective_from"], name="dues_standard_one_per_day"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="dues_standard_amount_not_negative"),
            models.CheckConstraint(condition=Q(base__isnull=True) | Q(base__gte=0), name="dues_standard_base_not_negative"),
        ]

    @property
    def audit_organization(self):
        return self.member.organization


class HardshipStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    AGREED = "agreed", _("支部已同意")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class HardshipDecision(Stateful, models.Model):
    """少交或免交: the member applies, the branch agrees, the higher committee approves (rules.md §1). Only an approved
    decision changes what is owed, for the months it covers."""

    STATE_TABLE = "apps.dues.hardship_states"

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dues_hardships")
    first_month = models.DateField(_("起始月份"))
    last_month = models.DateField(_("截止月份"), null=True, blank=True)
    monthly_amount = models.DecimalField(_("减免后每月应缴"), **MONEY)  # 0: waived
    reason = models.TextField(_("困难情况"), max_length=1000)
    status = models.CharField(_("状态"), max_length=12, choices=HardshipStatus.choices, default=HardshipStatus.APPLIED)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agreed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    AUDIT_PERSONAL = ("reason",)

    class Meta:
        verbose_name = _("党费减免")
        verbose_name_plural = _("党费减免")
        ordering = ["-applied_at"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="dues_hardship_amount_not_negative"),
            models.CheckConstraint(condition=Q(last_month__isnull=True) | Q(last_month__gte=models.F("first_month")),
                                   name="dues_hardship_months_ordered"),
        ]
        indexes = [models.Index(fields=["member", "status"])]

    @property
    def audit_organization(self):
        return self.member.organization


class PaymentKind(models.TextChoices):
    REGULAR = "regular", _("按月缴纳")
    VOLUNTARY = "voluntary", _("自愿多交")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    BANK = "bank", _("银行转账")
    WECHAT = "wechat", _("微信")
    ALIPAY = "alipay", _("支付宝")


class DuesPayment(models.Model):
    """One member's payment for one month. At most one regular payment per member and month that is not voided: a
    database constraint, so two concurrent writers cannot both record it. A voided payment stays, with who voided it
    and why; the ledger gets a reversing transaction."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dues_payments")
    # The collecting organization: the member's when the payment was recorded (a later move keeps the money where it
    # was collected).
    organization = models.ForeignKey(Organization, verbose_name=_("收缴党组织"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("所属月份"))  # the month's first day
    kind = models.CharField(_("类型"), max_length=12, choices=PaymentKind.choices, default=PaymentKind.REGULAR)
    amount = models.DecimalField(_("金额"), **MONEY)
    method = models.CharField(_("缴纳方式"), max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    paid_on = models.DateField(_("缴纳日期"))
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    ahead_consent = models.CharField(_("提前缴纳的支部同意"), max_length=200, blank=True)
    remit_in_full = models.BooleanField(_("全额上缴"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党费缴纳记录")
        verbose_name_plural = _("党费缴纳记录")
        ordering = ["-month", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], condition=Q(kind="regular", voided_at__isnull=True),
                                    name="dues_one_regular_payment_per_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_payment_positive"),
        ]
        indexes = [
            models.Index(fields=["organization", "month"]),
            models.Index(fields=["member", "month"]),
            models.Index(fields=["paid_on", "method"]),
        ]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m} {self.amount}"

    @property
    def audit_organization(self):
        return self.organization


class DuesStanding(models.Model):
    """Each member's place in paying, kept by the payment and hardship services under the member's row lock: the first
    month they owe and the latest month covered (paid, or waived by an approved decision). Arrears are the months after
    it up to last month, read with one index range (`selectors.arrears`), never by scanning payments."""

    member = models.OneToOneField(Member, primary_key=True, on_delete=models.CASCADE, related_name="dues_standing")
    due_from = models.DateField(_("起缴月份"))
    last_covered = models.DateField(_("已缴至"), null=True, blank=True)
    # A member received by a transfer within the platform is on the receiving organization's sheets from the month
    # after the one it was accepted in (the sending organization collects up to the month its transfer states).
    sheet_from = models.DateField(_("转入后起收月份"), null=True, blank=True)

    class Meta:
        verbose_name = _("党费缴纳状况")
        verbose_name_plural = _("党费缴纳状况")
        indexes = [models.Index(fields=["last_covered"])]

    @property
    def audit_organization(self):
        return self.member.organization

    @property
    def waived_for_good(self):
        """Covered by an approved open-ended waiver (standing.FOREVER): every month from its first."""
        return self.last_covered is not None and self.last_covered.year == 9999


class Remittance(models.Model):
    """党费上缴: money an organization hands to the level above for a month (`to_organization`, its parent; the Centre
    for a voluntary large payment when `to_centre`). A mistake is corrected by a reversing remittance, never an edit."""

    organization = models.ForeignKey(Organization, verbose_name=_("上缴党组织"), on_delete=models.PROTECT, related_name="+")
    to_organization = models.ForeignKey(Organization, verbose_name=_("接收党组织"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    to_centre = models.BooleanField(_("上缴中央"), default=False)
    month = models.DateField(_("所属月份"))
    amount = models.DecimalField(_("金额"), **MONEY)  # negative only on a reversal
    remitted_on = models.DateField(_("上缴日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党费上缴记录")
        verbose_name_plural = _("党费上缴记录")
        ordering = ["-month", "-recorded_at"]
        indexes = [models.Index(fields=["organization", "month"]), models.Index(fields=["to_organization", "month"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="dues_remittance_not_zero"),
            models.CheckConstraint(condition=Q(to_centre=True) | Q(to_organization__isnull=False),
                                   name="dues_remittance_has_recipient"),
        ]

    @property
    def audit_organization(self):
        return self.organization


class MonthClose(models.Model):
    """A month closed at an organization: its payments, remittances and fund entries of that month in its subtree are
    read-only from then on."""

    organization = models.ForeignKey(Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已结账月份")
        verbose_name_plural = _("已结账月份")
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="dues_month_closed_once")]

    @property
    def audit_organization(self):
        return self.organization


class StatementImport(models.Model):
    """A bank's or payment channel's statement for some days, imported and matched against the recorded payments of
    that channel (count and total per day); the mismatches are listed."""

    organization = models.ForeignKey(Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("渠道"), max_length=8, choices=PaymentMethod.choices)
    first_day = models.DateField(_("起始日期"))
    last_day = models.DateField(_("截止日期"))
    file_name = models.CharField(_("文件名"), max_length=200)
    line_count = models.PositiveIntegerField(_("对账单笔数"))
    line_total = models.DecimalField(_("对账单金额"), **MONEY)
    recorded_count = models.PositiveIntegerField(_("系统记录笔数"))
    recorded_total = models.DecimalField(_("系统记录金额"), **MONEY)
    matched = models.BooleanField(_("相符"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("对账单")
        verbose_name_plural = _("对账单")
        ordering = ["-imported_at"]
        indexes = [models.Index(fields=["organization", "first_day"])]

    @property
    def audit_organization(self):
        return self.organization


class StatementLine(models.Model):
    statement = models.ForeignKey(StatementImport, on_delete=models.CASCADE, related_name="lines")
    paid_on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额"), **MONEY)
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    payer = models.CharField(_("付款人"), max_length=60, blank=True)  # stored masked (张*)
    payment = models.ForeignKey(DuesPayment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["paid_on", "id"]


from .fund_models import CareFund, FundEntry  # noqa: E402,F401  (registered with the app)
from .ledger_models import LedgerAccount, LedgerLeg, LedgerTransaction  # noqa: E402,F401
