from django.contrib import admin

from apps.audit.admin_site import SystemSettingAdmin

from .models import Cluster


@admin.register(Cluster)
class ClusterAdmin(SystemSettingAdmin):
    """片区/组团 are a district setting; organizations are assigned to them on the organization's edit page."""

    list_display = ("name", "description")
    search_fields = ("name",)

    def audit_delete_effects(self, request, obj):
        # Deleting a cluster takes it off its organizations (SET_NULL): each organization's change is recorded
        # where its own auditors look, in its subtree.
        from apps.audit.services import Action, audit_record

        for org in obj.organizations.all():
            audit_record(actor=request.user, action=Action.UPDATE, obj=org, before={"cluster": obj.pk},
                         after={"cluster": None}, request=request, note="删除片区/组团")
