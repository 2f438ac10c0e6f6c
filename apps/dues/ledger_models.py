"""A small double-entry ledger (docs/architecture.md, *Dues*): accounts per organization, transactions, and legs that
sum to zero within each transaction. Balances are sums of legs, never stored alone.

Why not a ledger library: the best-known one (django-hordak) runs on PostgreSQL only and the platform runs on SQLite
as well. The invariants are the same: the service (`ledger.post`) checks the sum and the balances on both databases,
and on PostgreSQL a deferred constraint trigger refuses at commit any transaction whose legs do not sum to zero, and
triggers refuse any UPDATE or DELETE of a leg or a transaction (migration 0002). Through the ORM, rows refuse to be
saved twice or deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.orgs.models import Organization


class AccountKind(models.TextChoices):
    # 党费: money in hand (asset), collected from members, received from organizations below, remitted above.
    DUES_CASH = "dues_cash", _("党费留存")
    DUES_COLLECTED = "dues_collected", _("党费收缴")
    DUES_RECEIVED = "dues_received", _("下级上缴")
    DUES_REMITTED = "dues_remitted", _("上缴上级")
    # 党内关怀基金: its balance (asset), income and spending.
    FUND_CASH = "fund_cash", _("关怀基金余额")
    FUND_INCOME = "fund_income", _("关怀基金收入")
    FUND_SPENDING = "fund_spending", _("关怀基金支出")


# Accounts holding money: their balance (the sum of their legs) can never go below zero.
NEVER_NEGATIVE = (AccountKind.DUES_CASH, AccountKind.FUND_CASH)


class TransactionKind(models.TextChoices):
    PAYMENT = "payment", _("党费缴纳")
    PAYMENT_VOID = "payment_void", _("缴纳作废")
    REMITTANCE = "remittance", _("党费上缴")
    FUND_INCOME = "fund_income", _("基金收入")
    FUND_SPENDING = "fund_spending", _("基金支出")
    FUND_REVERSAL = "fund_reversal", _("冲正")


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("账目不可修改")

    def delete(self):
        raise PermissionError("账目不可删除")


class LedgerAccount(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="ledger_one_account_per_kind")]

    def __str__(self):
        return f"{self.organization} {self.get_kind_display()}"


class LedgerTransaction(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")  # whose book
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    occurred_on = models.DateField()
    month = models.DateField()  # the month it counts for (the first day)
    memo = models.CharField(max_length=200, blank=True)
    payment = models.ForeignKey("dues.DuesPayment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    remittance = models.ForeignKey("dues.Remittance", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fund_entry = models.ForeignKey("dues.FundEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        indexes = [models.Index(fields=["organization", "month"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("账目不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("账目不可删除")


class LedgerLeg(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="legs")
    amount = models.DecimalField(max_digits=14, decimal_places=2)  # debit positive, credit negative
    month = models.DateField()  # the transaction's, copied so a month's movements are one index range per account

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_leg_not_zero")]
        indexes = [models.Index(fields=["account", "month"], name="ledger_leg_account_month")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("账目不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("账目不可删除")
