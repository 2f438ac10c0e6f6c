"""/ballots/surveys/: the resident survey's pages (survey_views.py). `survey_detail` is a survey's page
(`Poll.get_absolute_url`)."""

from django.urls import path

from . import survey_views as views

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/subjects/", views.survey_subjects, name="survey_subjects"),
    path("<int:pk>/subjects/<int:subject>/remove/", views.survey_subject_remove, name="survey_subject_remove"),
    path("<int:pk>/items/", views.survey_item_add, name="survey_item_add"),
    path("<int:pk>/items/<int:item>/remove/", views.survey_item_remove, name="survey_item_remove"),
    path("<int:pk>/batches/", views.survey_batches, name="survey_batches"),
    path("<int:pk>/batches/<int:batch>/sheet/", views.survey_batch_sheet, name="survey_batch_sheet"),
    path("<int:pk>/phones/", views.survey_phones, name="survey_phones"),
    path("<int:pk>/paper/", views.survey_paper, name="survey_paper"),
    path("<int:pk>/results/", views.survey_results, name="survey_results"),
    path("<int:pk>/results.xlsx", views.survey_export, name="survey_export"),
]
