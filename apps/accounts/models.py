from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. What it may see and do comes from its role assignments (apps.access)."""

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    member = models.OneToOneField("members.Member", verbose_name=_("对应党员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="user")
    failed_logins = models.PositiveIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    # Whoever sets another's password (the system administrator creating the account, an administrator resetting it)
    # knows it: until the user sets one of their own, they can do nothing but that (apps.accounts.middleware).
    # Set only by the services (user_create, a reset by someone else); accounts made otherwise start without it.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # When the user last set their own password (shown on their profile, so a change they did not make is noticed).
    password_changed_at = models.DateTimeField(_("本人修改密码时间"), null=True, blank=True)

    AUDIT_EXCLUDE = ("password", "last_login", "failed_logins", "locked_until")
    AUDIT_PERSONAL = ("email",)  # shown to the auditor as changed only (apps.audit.display)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username
