from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.admin_site import SystemSettingAdmin

from .configuration.services import open311_client_issue, open311_client_rotate, open311_client_update
from .models import Open311Client


@admin.register(Open311Client)
class Open311ClientAdmin(SystemSettingAdmin):
    """Client applications allowed to post requests through Open311. A key is shown once, when it is issued or
    regenerated; only its first characters are kept to tell keys apart. A key is revoked by disabling its
    application, never by deleting it: the cases it posted keep their source."""

    list_display = ("name", "key_prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "note")
    readonly_fields = ("key_prefix", "created_at", "last_used_at")
    actions = ["rotate_keys"]

    def get_fields(self, request, obj=None):
        # A new application is issued active, with its key; it is enabled or disabled once it exists.
        if obj is None:
            return ("name", "note")
        return ("name", "note", "is_active", *self.readonly_fields)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            client, key = open311_client_issue(actor=request.user, name=obj.name, note=obj.note, request=request)
            obj.pk, obj.key_prefix, obj.key_hash, obj.created_at = client.pk, client.key_prefix, client.key_hash, client.created_at
            messages.success(request, _("密钥（只显示这一次）：{key}").format(key=key))
            return
        open311_client_update(actor=request.user, client=obj,
                              data={k: form.cleaned_data[k] for k in ("name", "note", "is_active")}, request=request)

    @admin.action(description=gettext_lazy("重新生成密钥"))
    def rotate_keys(self, request, queryset):
        for client in queryset:
            key = open311_client_rotate(actor=request.user, client=client, request=request)
            messages.success(request, _("{name} 的新密钥（只显示这一次）：{key}").format(name=client.name, key=key))
