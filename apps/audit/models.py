from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("审计记录不可修改")

    def delete(self):
        raise PermissionError("审计记录不可删除")


class AuditEvent(models.Model):
    """One row per write, login or sensitive read; append-only (纪实)."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        MOVE = "move", _("移动")
        DISSOLVE = "dissolve", _("撤销")
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")
        UNMASK = "unmask", _("查看完整身份证号")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        TOKEN = "token", _("生成API令牌")
        SUBMIT = "submit", _("提交")
        RETURN = "return", _("退回")
        CHECK_IN = "check_in", _("扫码签到")
        ACCEPT = "accept", _("受理")
        REJECT = "reject", _("不予受理")
        DISPATCH = "dispatch", _("派单")
        SIGN = "sign", _("签收")
        RESOLVE = "resolve", _("办结")
        RATE = "rate", _("评价")
        REOPEN = "reopen", _("重办")
        MERGE = "merge", _("合并")
        ARCHIVE = "archive", _("归档")
        DECIDE = "decide", _("审批")
        REVEAL = "reveal", _("查看完整联系电话")
        # A refused attempt to change roles, duties or another's password (三员分立), recorded for the auditor.
        ROLE_GRANT_REFUSED = "role_grant_refused", _("越权授权被拒绝")
        # A refused change of an account that is not a role: a password (a wrong current one, or a reset the actor may
        # not make), enabling or disabling. Its own action, so "越权授权" lists role refusals only.
        ACCOUNT_CHANGE_REFUSED = "change_refused", _("账号变更被拒绝")
        # A member search by a full ID number or phone: an exact search tells whether a number belongs to someone,
        # so each is recorded (with its hit count, never the number) and so is each one refused by the limits.
        NUMBER_SEARCH = "number_search", _("按身份证号/手机号精确查询")
        NUMBER_SEARCH_REFUSED = "search_refused", _("精确查询超限被拒绝")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # The organization the object belongs to, and its tree path at the time, for subtree-scoped reading.
    organization_id = models.BigIntegerField(_("组织ID"), null=True, blank=True)
    org_path = models.CharField(_("组织路径"), max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不可删除")

    def changed_fields(self):
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
