from django.urls import path

from . import star_views, views, watch_views

app_name = "records"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_create, name="create"),
    path("mine/", views.my_records, name="mine"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/edit/", views.record_edit, name="edit"),
    path("<int:pk>/submit/", views.record_submit, name="submit"),
    path("<int:pk>/return/", views.record_return, name="return"),
    path("<int:pk>/delete/", views.record_delete, name="delete"),
    path("<int:pk>/versions/<int:version>/", views.record_version, name="version"),
    path("<int:pk>/qr/", views.record_qr, name="qr"),
    path("<int:pk>/qr.svg", views.record_qr_svg, name="qr_svg"),
    path("<int:pk>/files/", views.file_upload, name="file_upload"),
    path("<int:pk>/star/", star_views.star_pick, name="star_pick"),
    path("files/<int:pk>/", views.file_download, name="file"),
    path("files/<int:pk>/delete/", views.file_delete, name="file_delete"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("compliance/", watch_views.compliance_page, name="compliance"),
    path("compliance/missing/", watch_views.compliance_missing, name="missing"),
    path("compliance/export.xlsx", watch_views.compliance_export, name="compliance_export"),
    path("due/", watch_views.due, name="due"),
    path("calendar/", watch_views.calendar_page, name="calendar"),
    path("attendance/", watch_views.attendance_page, name="attendance"),
    path("attendance/follow-up/", watch_views.followup_page, name="followup"),
    path("types/", watch_views.types_page, name="types"),
    path("types/new/", watch_views.type_edit, name="type_create"),
    path("types/<int:pk>/edit/", watch_views.type_edit, name="type_edit"),
    path("stars/manage/", star_views.stars_manage, name="stars_manage"),
    path("stars/<int:pk>/remove/", star_views.star_remove, name="star_remove"),
]
