"""The audit log pages, at /audit/ (namespace `audit`, as before they moved here from apps.audit)."""

from django.urls import path

from . import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.event_list, name="list"),
    path("export/", audit_views.event_export, name="export"),
]
