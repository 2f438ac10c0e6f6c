"""党籍变动: 停止党籍, 恢复党籍, 出党 (with its type) and 去世, each with its date, reason, approving body and 文号.
A change is kept for good (never deleted; the member's row stays in the registry with the status it leads to); a
change recorded by mistake is marked corrected by the district, with its reason, and the member's status goes back
(status_services.status_change_correct)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.members.models import Member, MemberStatus
from apps.orgs.models import Organization


class ChangeKind(models.TextChoices):
    SUSPEND = "suspend", _("停止党籍")
    RESTORE = "restore", _("恢复党籍")
    LEAVE = "leave", _("出党")
    DEATH = "death", _("去世")


class LeaveType(models.TextChoices):
    """出党的方式, from the 党章: 开除党籍 is a disciplinary sanction (第四十条); the others are 除名 or 退党 under 第九条
    (本人要求退党 — 支部大会讨论后宣布除名; 劝其退党 and the member agrees; 劝而不退 — 支部大会决定除名; 自行脱党 —
    six months without reason not taking part, not paying or not working — 支部大会决定除名). The 党内统计 report's
    出党 table counts them by these types."""

    EXPELLED = "expelled", _("开除党籍")
    QUIT = "quit", _("退党")
    PERSUADED = "persuaded", _("劝退")
    REMOVED_PERSUADED = "removed_persuaded", _("劝而不退除名")
    REMOVED_LAPSED = "removed_lapsed", _("自行脱党除名")


class StatusChange(models.Model):
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    # The member's organization when the change was recorded: whose list it is on (the member may move later).
    organization = models.ForeignKey(Organization, verbose_name=_("所在党组织"), on_delete=models.PROTECT,
                                     related_name="+")
    kind = models.CharField(_("变动类别"), max_length=12, choices=ChangeKind.choices)
    leave_type = models.CharField(_("出党方式"), max_length=20, choices=LeaveType.choices, blank=True)
    from_status = models.CharField(_("变动前状态"), max_length=20, choices=MemberStatus.choices)
    to_status = models.CharField(_("变动后状态"), max_length=20, choices=MemberStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.CharField(_("原因"), max_length=500)
    approved_by_name = models.CharField(_("批准机关"), max_length=120)
    document_number = models.CharField(_("批准文号"), max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    corrected_on = models.DateField(_("更正日期"), null=True, blank=True)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党籍变动")
        ordering = ["-effective_on", "-id"]
        indexes = [models.Index(fields=["organization", "effective_on"]),
                   models.Index(fields=["member", "effective_on"]),
                   models.Index(fields=["kind", "effective_on"])]
        constraints = [
            models.CheckConstraint(condition=(models.Q(kind="leave") & ~models.Q(leave_type=""))
                                   | (~models.Q(kind="leave") & models.Q(leave_type="")),
                                   name="membership_leave_has_type"),
        ]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()}"

    @property
    def audit_organization(self):
        return self.organization

    @property
    def is_corrected(self):
        return self.corrected_on is not None
