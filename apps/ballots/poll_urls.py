"""See urls.py: the polls' staff pages (poll_views.py)."""

from django.urls import path

from . import poll_views as views

urlpatterns = [
    path("", views.poll_list, name="poll_list"),
    path("new/", views.poll_create, name="poll_create"),
    path("<int:pk>/", views.poll_detail, name="poll_detail"),
    path("<int:pk>/edit/", views.poll_edit, name="poll_edit"),
    path("<int:pk>/step/<str:name>/", views.poll_step, name="poll_step"),
    path("<int:pk>/subjects/", views.subject_add, name="subject_add"),
    path("<int:pk>/items/", views.item_add, name="item_add"),
    path("<int:pk>/voters/members/", views.voters_add_members, name="voters_add_members"),
    path("<int:pk>/voters/", views.voter_add, name="voter_add"),
    path("<int:pk>/void/", views.code_void, name="code_void"),
    path("<int:pk>/results/", views.poll_results, name="poll_results"),
    path("<int:pk>/results.xlsx", views.poll_export, name="poll_export"),
    path("<int:pk>/slips/", views.poll_slips, name="poll_slips"),
    path("subjects/<int:pk>/remove/", views.subject_remove, name="subject_remove"),
    path("items/<int:pk>/remove/", views.item_remove, name="item_remove"),
    path("voters/<int:pk>/remove/", views.voter_remove, name="voter_remove"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
]
