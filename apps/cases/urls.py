from django.urls import path

from . import rank_views, views
from .configuration import views as config_views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_intake, name="intake"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/accept/", views.case_accept, name="accept"),
    path("<int:pk>/reject/", views.case_reject, name="reject"),
    path("<int:pk>/reclassify/", views.case_reclassify, name="reclassify"),
    path("<int:pk>/dispatch/", views.case_dispatch, name="dispatch"),
    path("<int:pk>/sign/", views.case_sign, name="sign"),
    path("<int:pk>/return/", views.case_return, name="return"),
    path("<int:pk>/note/", views.case_note, name="note"),
    path("<int:pk>/extension/", views.case_extension, name="extension"),
    path("<int:pk>/resolve/", views.case_resolve, name="resolve"),
    path("<int:pk>/callback/", views.case_callback, name="callback"),
    path("<int:pk>/reopen/", views.case_reopen, name="reopen"),
    path("<int:pk>/archive/", views.case_archive, name="archive"),
    path("<int:pk>/merge/", views.case_merge, name="merge"),
    path("<int:pk>/phone/", views.case_reveal_phone, name="reveal_phone"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("rankings/", rank_views.rankings, name="rankings"),
    path("rankings/export.xlsx", rank_views.rankings_export, name="rankings_export"),
    path("settings/", config_views.settings_page, name="settings"),
    path("settings/units/new/", config_views.unit_edit, name="unit_create"),
    path("settings/units/<int:pk>/", config_views.unit_edit, name="unit_edit"),
    path("settings/units/generate/", config_views.units_generate, name="units_generate"),
    path("settings/rules/new/", config_views.rule_edit, name="rule_create"),
    path("settings/rules/<int:pk>/", config_views.rule_edit, name="rule_edit"),
    path("settings/rules/<int:pk>/delete/", config_views.rule_delete, name="rule_delete"),
    path("settings/services/new/", config_views.service_edit, name="service_create"),
    path("settings/services/<int:pk>/", config_views.service_edit, name="service_edit"),
    path("settings/services/<int:service_pk>/attributes/new/", config_views.attribute_edit, name="attribute_create"),
    path("settings/services/<int:service_pk>/attributes/<int:pk>/", config_views.attribute_edit, name="attribute_edit"),
    path("settings/services/<int:service_pk>/attributes/<int:pk>/delete/", config_views.attribute_delete,
         name="attribute_delete"),
]
