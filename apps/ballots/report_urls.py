"""See urls.py: 三述一评's reports (述职、述学、述廉 and the leader's comment) under /ballots/reports/."""

from django.urls import path

from . import report_views as views

urlpatterns = [
    path("", views.my_reports, name="reports_mine"),
    path("subjects/<int:pk>/", views.subject_reports, name="reports_subject"),
    path("subjects/<int:pk>/comment/", views.comment_save, name="reports_comment"),
    path("subjects/<int:pk>/<slug:kind>/", views.report_edit, name="reports_edit"),
    path("files/<int:pk>/", views.file_download, name="reports_file"),
    path("files/<int:pk>/delete/", views.file_delete, name="reports_file_delete"),
]
