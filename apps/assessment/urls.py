from django.urls import path

from . import group_views, pay_views, round_views, views

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
    # Slice 2: rounds and scoring (round_views.py).
    path("rounds/", round_views.round_list, name="rounds"),
    path("rounds/new/", round_views.round_create, name="round_create"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/progress/", round_views.round_progress, name="round_progress"),
    path("rounds/<int:pk>/open/", round_views.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", round_views.round_close, name="round_close"),
    path("rounds/<int:pk>/delete/", round_views.round_delete, name="round_delete"),
    path("rounds/<int:pk>/score/", round_views.round_score, name="round_score"),
    path("rounds/<int:pk>/results/", round_views.round_results, name="round_results"),
    path("rounds/entries/<int:pk>/", round_views.entry_sheet, name="entry_sheet"),
    path("rounds/scores/<int:pk>/", round_views.score_manual, name="score_manual"),
    path("rounds/scores/<int:pk>/items/", round_views.score_item_add, name="score_item_add"),
    path("rounds/evidence/<int:pk>/", round_views.evidence_download, name="evidence_download"),
    # Slice 3: cadres' performance pay (pay_views.py).
    path("rounds/<int:pk>/pay/", pay_views.sheet_generate, name="pay_generate"),
    path("pay/", pay_views.pay_home, name="pay"),
    path("pay/schemes/new/", pay_views.scheme_create, name="pay_scheme_create"),
    path("pay/schemes/<int:pk>/", pay_views.scheme_detail, name="pay_scheme"),
    path("pay/schemes/<int:pk>/edit/", pay_views.scheme_edit, name="pay_scheme_edit"),
    path("pay/sheets/<int:pk>/", pay_views.sheet_detail, name="pay_sheet"),
    path("pay/sheets/<int:pk>/confirm/", pay_views.sheet_confirm, name="pay_sheet_confirm"),
    path("pay/sheets/<int:pk>/export/", pay_views.sheet_export, name="pay_sheet_export"),
]
