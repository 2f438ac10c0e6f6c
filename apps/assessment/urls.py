from django.urls import path

from . import group_views, views

app_name = "assessment"
urlpatterns = [
    path("", views.system_list, name="list"),
    path("new/", views.system_create, name="create"),
    path("catalogue/", group_views.catalogue_page, name="catalogue"),
    path("groups/", group_views.group_list, name="groups"),
    path("groups/new/", group_views.group_create, name="group_create"),
    path("groups/<int:pk>/", group_views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", group_views.group_edit, name="group_edit"),
    path("systems/<int:pk>/", views.system_detail, name="detail"),
    path("systems/<int:pk>/edit/", views.system_edit, name="edit"),
    path("systems/<int:pk>/bands/", views.system_bands, name="bands"),
    path("systems/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("systems/<int:pk>/publish/", views.system_publish, name="publish"),
    path("systems/<int:pk>/retire/", views.system_retire, name="retire"),
    path("systems/<int:pk>/copy/", views.system_copy, name="copy"),
    path("systems/<int:pk>/delete/", views.system_delete, name="delete"),
    path("indicators/<int:pk>/new/", views.indicator_create_child, name="indicator_create_child"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/move/", views.indicator_move, name="indicator_move"),
    path("indicators/<int:pk>/delete/", views.indicator_delete, name="indicator_delete"),
]
