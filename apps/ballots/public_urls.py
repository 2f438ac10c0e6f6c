"""/publicity/: the 公示 of results (no account) and objections to them."""

from django.urls import path

from . import public_views

app_name = "publicity"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("<int:pk>/", public_views.detail, name="poll"),
    path("<int:pk>/objection/", public_views.objection, name="objection"),
    path("<int:pk>/objection/done/", public_views.objection_done, name="objection_done"),
]
