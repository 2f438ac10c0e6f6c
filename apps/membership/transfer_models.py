"""组织关系转接 (rules.md §4): transfers within the platform, the 组织关系介绍信 for members leaving it (with its
回执), letters of members arriving from outside, the temporary 党员证明信 and 流动党员活动证, the numbering of all of
them per organization, and the district's layouts for printing onto pre-printed forms (套打)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Stateful
from apps.members.models import Member
from apps.orgs.models import Organization


class TransferStatus(models.TextChoices):
    SENT = "sent", _("已发出")
    ACCEPTED = "accepted", _("已接收")
    REJECTED = "rejected", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_TRANSFER = (TransferStatus.SENT, TransferStatus.REJECTED)


class Transfer(Stateful, models.Model):
    """A member moved from one organization of the platform to another. The member stays the sender's until the
    receiver accepts; a rejection goes back to the sender with its reason, who sends it again (to the same or another
    organization) or withdraws it. The dues paid-up-to month is read when sent and kept (it travels with the member)."""

    STATE_TABLE = "apps.membership.transfer_states"

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    from_organization = models.ForeignKey(Organization, verbose_name=_("转出党组织"), on_delete=models.PROTECT,
                                          related_name="+")
    to_organization = models.ForeignKey(Organization, verbose_name=_("转入党组织"), on_delete=models.PROTECT,
                                        related_name="+")
    reason = models.CharField(_("转接原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.SENT)
    dues_paid_to = models.DateField(_("党费交至"), null=True, blank=True)  # a month's first day
    sent_on = models.DateField(_("发出日期"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    times_sent = models.PositiveSmallIntegerField(_("发出次数"), default=1)
    decided_on = models.DateField(_("办理日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    rejection_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织关系转接")
        ordering = ["-sent_on", "-id"]
        constraints = [
            # One transfer in flight per member: two would race to move them.
            models.UniqueConstraint(fields=["member"], condition=Q(status__in=["sent", "rejected"]),
                                    name="membership_one_open_transfer"),
            models.CheckConstraint(condition=~Q(from_organization=models.F("to_organization")),
                                   name="membership_transfer_elsewhere"),
        ]
        indexes = [models.Index(fields=["from_organization", "status"]),
                   models.Index(fields=["to_organization", "status"]),
                   models.Index(fields=["status", "sent_on"])]

    def __str__(self):
        return f"{self.member} {self.from_organization} → {self.to_organization}"

    @property
    def audit_organization(self):
        return self.from_organization


class Series(models.TextChoices):
    LETTER = "letter", _("组织关系介绍信")
    CERTIFICATE = "certificate", _("党员证明信")
    FLOW_CARD = "flow_card", _("流动党员活动证")


class NumberSequence(models.Model):
    """The last number an organization gave in a series and year; taken under the row's lock (numbers never repeat
    or skip when two people issue at once)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=16, choices=Series.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "series", "year"],
                                               name="membership_one_sequence")]

    @property
    def audit_organization(self):
        return self.organization


class Reach(models.TextChoices):
    CITY = "city", _("市内")
    OUTSIDE = "outside", _("市外")


class IntroductionLetter(models.Model):
    """组织关系介绍信 for a member leaving the platform: 存根 (kept), the letter (carried), 回执 (returned by the final
    receiving organization, recorded here). The member's record leaves the registry through the status changes, not
    here: until the 回执 is back the issuing organization stays responsible (rules.md §4)."""

    organization = models.ForeignKey(Organization, verbose_name=_("开具党组织"), on_delete=models.PROTECT,
                                     related_name="+")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("编号"), max_length=32)
    destination = models.CharField(_("去往党组织"), max_length=120)
    reach = models.CharField(_("范围"), max_length=8, choices=Reach.choices, default=Reach.CITY)
    validity_days = models.PositiveSmallIntegerField(_("有效期（天）"))
    dues_paid_to = models.DateField(_("党费交至"), null=True, blank=True)
    issued_on = models.DateField(_("开具日期"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    receipt_on = models.DateField(_("回执收到日期"), null=True, blank=True)
    receipt_note = models.CharField(_("回执说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织关系介绍信")
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="membership_letter_number_once")]
        indexes = [models.Index(fields=["organization", "receipt_on", "issued_on"])]

    def __str__(self):
        return self.number

    @property
    def audit_organization(self):
        return self.organization


class IncomingLetter(models.Model):
    """The 组织关系介绍信 a member arriving from outside the platform brought; the member is registered through the
    registry's services in the same transaction."""

    organization = models.ForeignKey(Organization, verbose_name=_("接收党组织"), on_delete=models.PROTECT,
                                     related_name="+")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    letter_number = models.CharField(_("介绍信编号"), max_length=40)
    issued_by_name = models.CharField(_("开具党组织"), max_length=120)
    issued_on = models.DateField(_("开具日期"))
    received_on = models.DateField(_("接收日期"))
    dues_paid_to = models.DateField(_("党费交至"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("转入介绍信")
        ordering = ["-received_on", "-id"]

    @property
    def audit_organization(self):
        return self.organization


class DocumentStatus(models.TextChoices):
    ISSUED = "issued", _("在用")
    CLOSED = "closed", _("已收回")


class IssuedDocument(models.Model):
    """A temporary 党员证明信 (away less than 6 months) or a 流动党员活动证 (place or time unknown): numbered, valid
    until a day, tracked until returned or closed."""

    organization = models.ForeignKey(Organization, verbose_name=_("开具党组织"), on_delete=models.PROTECT,
                                     related_name="+")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=16, choices=[(Series.CERTIFICATE, Series.CERTIFICATE.label),
                                                             (Series.FLOW_CARD, Series.FLOW_CARD.label)])
    number = models.CharField(_("编号"), max_length=32)
    place = models.CharField(_("外出地点"), max_length=120, blank=True)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED)
    closed_on = models.DateField(_("收回日期"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("党员证明信与活动证")
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind", "number"],
                                               name="membership_document_number_once")]
        indexes = [models.Index(fields=["organization", "status", "valid_until"])]

    @property
    def audit_organization(self):
        return self.organization


# The fields a 套打 layout may place, in the order they are printed.
LETTER_FIELDS = ("number", "name", "sex", "age", "category", "from_org", "destination", "dues_paid_to",
                 "validity_days", "issued_on")


class LetterTemplate(models.Model):
    """套打: where each field of the letter falls on the district's pre-printed form, x/y in millimetres from the
    page's top-left corner ({field: {"x": mm, "y": mm}}). The print view uses the layout of the nearest organization
    above (or at) the letter's that has one."""

    organization = models.ForeignKey(Organization, verbose_name=_("设置党组织"), on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    offsets = models.JSONField(_("各栏位置（毫米）"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("介绍信套打模板")
        constraints = [models.UniqueConstraint(fields=["organization"], name="membership_one_letter_template")]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization
