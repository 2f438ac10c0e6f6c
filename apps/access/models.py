from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    ORG_ADMIN = "org_admin", _("组织管理员")
    SECRETARY = "secretary", _("支部书记")
    MEMBER = "member", _("党员")
    AUDITOR = "auditor", _("审计员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    # 群工系统: the district centre's dispatchers, and staff of a handling unit (a department, say) who handle
    # its cases without keeping party records.
    CASE_DISPATCHER = "case_dispatcher", _("群工调度员")
    CASE_HANDLER = "case_handler", _("群工办理员")
    # 群众满意度测评: an outside evaluator who runs the resident surveys (codes, paper answers, the aggregated results)
    # and sees nothing else of the platform, members least of all.
    SURVEY_EVALUATOR = "survey_evaluator", _("第三方测评员")


class RoleAssignment(models.Model):
    """A role held on an organization; valid for that organization's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    organization = models.ForeignKey("orgs.Organization", verbose_name=_("党组织"), null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    # Seeing full 身份证 numbers is a permission of its own, granted per assignment.
    can_unmask = models.BooleanField(_("可查看完整身份证号"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [models.UniqueConstraint(fields=["user", "role", "organization"], name="unique_role_assignment")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization or '全系统'}"

    @property
    def audit_organization(self):
        return self.organization
