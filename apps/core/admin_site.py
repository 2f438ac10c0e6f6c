"""The Django admin, kept for system settings only and opened by the one access layer.

Who may use it is decided by `apps.access.policy` (the system administrator role), not by
Django's is_staff/permission flags; logging in goes through the platform's own login page
(lockout, audit).
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _


class SystemAdminSite(admin.AdminSite):
    site_header = _("阳光党建 · 系统设置")
    site_title = _("阳光党建")
    index_title = _("系统设置")

    def has_permission(self, request):
        from apps.access import policy

        return request.user.is_active and policy.has_capability(request.user, policy.SYSTEM_MANAGE)

    def login(self, request, extra_context=None):
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")


class SystemSettingAdmin(admin.ModelAdmin):
    """A model the system administrator maintains in full."""

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class SystemAdminConfig(AdminConfig):
    default_site = "apps.core.admin_site.SystemAdminSite"
