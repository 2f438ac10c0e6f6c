"""党内关怀基金: a ledger per fund-holding organization — income (returned dues, donations, budget allocations) and
spending (festival visits, emergency aid, hardship support) for a named member, each approved by a second person
before it is posted. Entries are never edited or deleted: a correction is a reversing entry. The balance is the fund
account's legs (`ledger.balance`) and never goes below zero."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Stateful
from apps.members.models import Member
from apps.orgs.models import Organization

MONEY = {"max_digits": 14, "decimal_places": 2}


class CareFund(models.Model):
    organization = models.OneToOneField(Organization, verbose_name=_("管理党组织"), on_delete=models.PROTECT,
                                        related_name="+")
    name = models.CharField(_("基金名称"), max_length=100)
    opened_on = models.DateField(_("设立日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党内关怀基金")
        verbose_name_plural = _("党内关怀基金")

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization


class FundDirection(models.TextChoices):
    INCOME = "income", _("收入")
    SPENDING = "spending", _("支出")


class FundEntryKind(models.TextChoices):
    RETURNED_DUES = "returned_dues", _("返还党费")
    DONATION = "donation", _("捐赠")
    BUDGET = "budget", _("财政拨款")
    FESTIVAL_VISIT = "festival_visit", _("节日慰问")
    EMERGENCY_AID = "emergency_aid", _("应急救助")
    HARDSHIP_SUPPORT = "hardship_support", _("困难帮扶")


INCOME_KINDS = (FundEntryKind.RETURNED_DUES, FundEntryKind.DONATION, FundEntryKind.BUDGET)
SPENDING_KINDS = (FundEntryKind.FESTIVAL_VISIT, FundEntryKind.EMERGENCY_AID, FundEntryKind.HARDSHIP_SUPPORT)


class FundEntryStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    POSTED = "posted", _("已入账")
    REJECTED = "rejected", _("未批准")


# The only fields a step (approve, reject) writes on a pending entry; anything else is never changed once entered.
STEP_FIELDS = frozenset({"status", "decided_by", "decided_at", "decision_note"})


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("基金收支不可修改，更正请冲正")

    def delete(self):
        raise PermissionError("基金收支不可删除，更正请冲正")


class FundEntry(Stateful, models.Model):
    STATE_TABLE = "apps.dues.fund_states"

    fund = models.ForeignKey(CareFund, verbose_name=_("基金"), on_delete=models.PROTECT, related_name="entries")
    direction = models.CharField(_("收支"), max_length=8, choices=FundDirection.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=FundEntryKind.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    occurred_on = models.DateField(_("发生日期"))
    beneficiary = models.ForeignKey(Member, verbose_name=_("受助党员"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    source = models.CharField(_("来源或经办"), max_length=100, blank=True)  # a donor, the budget line
    reason = models.CharField(_("事由"), max_length=500)
    status = models.CharField(_("状态"), max_length=10, choices=FundEntryStatus.choices, default=FundEntryStatus.PENDING)
    # A reversing entry names the posted entry it corrects (once); it moves the money back the other way.
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    # Who was helped and why is personal: the audit reads that an entry was made, not for whom (FUND_BENEFICIARIES only).
    AUDIT_PERSONAL = ("reason", "beneficiary")

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("基金收支")
        verbose_name_plural = _("基金收支")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_entry_positive"),
            # Approval by a second person: whoever entered it never decides it.
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("entered_by")),
                                   name="fund_entry_second_person"),
            models.CheckConstraint(condition=Q(direction="income") | Q(beneficiary__isnull=False) | Q(reverses__isnull=False),
                                   name="fund_spending_names_beneficiary"),
        ]
        indexes = [models.Index(fields=["fund", "occurred_on"]), models.Index(fields=["fund", "status"])]

    def __str__(self):
        return f"{self.get_direction_display()} {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        # Entered once; afterwards only a pending entry's step (its status and decision) is written.
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= STEP_FIELDS or not type(self)._base_manager.filter(
                    pk=self.pk, status=FundEntryStatus.PENDING).exists():
                raise PermissionError("基金收支不可修改，更正请冲正")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("基金收支不可删除，更正请冲正")

    @property
    def audit_organization(self):
        return self.fund.organization
