"""The Django admin, kept for system settings only and opened by the one access layer.

Who may use it is decided by `apps.access.policy` (the system administrator role), not by
Django's is_staff/permission flags; logging in goes through the platform's own login page
(lockout, audit). It lives in the audit app, above the access layer, because every write through it is audited.
Imports of models (policy, the audit services) stay inside the methods: this module is loaded from INSTALLED_APPS,
before any model is ready.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import transaction
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
    """A model the system administrator maintains in full.

    Every write through these pages is audited in its own transaction with the write (the house rule for services):
    additions, changes and deletions, one by one or through the list's delete action. A model whose writes go
    through a service of its own overrides save_model and calls the service, which audits."""

    def save_model(self, request, obj, form, change):
        from .services import Action, audit_record, snapshot

        with transaction.atomic():
            before = None
            if change:
                current = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first()
                before = snapshot(current)
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action=Action.UPDATE if change else Action.CREATE, obj=obj, before=before,
                         after=snapshot(obj), request=request, note="系统设置")

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset.select_for_update():
                self._audit_deletion(request, obj)
            super().delete_queryset(request, queryset)

    def _audit_deletion(self, request, obj):
        from .services import Action, audit_record, snapshot

        self.audit_delete_effects(request, obj)
        audit_record(actor=request.user, action=Action.DELETE, obj=obj, before=snapshot(obj), request=request,
                     note="系统设置")

    def audit_delete_effects(self, request, obj):
        """Audit the changes a deletion makes to other rows (on_delete=SET_NULL, say) before it happens."""

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class SystemAdminConfig(AdminConfig):
    default_site = "apps.audit.admin_site.SystemAdminSite"

    def ready(self):
        super().ready()
        # Groups are unused (access comes from apps.access) and API tokens are issued on the profile page or at the
        # console, audited: neither is edited here, where a superuser could mint a token for anyone unaudited. The
        # task queue's rows (django-tasks-db) hold the arguments of jobs, are the workers' own and are shown, scoped,
        # on each job's page: its admin (which could re-run or delete them unaudited) is not offered either.
        from django.contrib.auth.models import Group
        from django_tasks_db.models import DBTaskResult
        from rest_framework.authtoken.models import TokenProxy

        for model in (Group, TokenProxy, DBTaskResult):
            if self.module.site.is_registered(model):
                self.module.site.unregister(model)
