from django.contrib import admin

from apps.core.admin_site import SystemSettingAdmin

from .models import Cluster


@admin.register(Cluster)
class ClusterAdmin(SystemSettingAdmin):
    """片区/组团 are a district setting; organizations are assigned to them on the organization's edit page."""

    list_display = ("name", "description")
    search_fields = ("name",)
