from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("new/", views.evaluation_open, name="open"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/grades/", views.grades_set, name="grades"),
    path("<int:pk>/finalize/", views.evaluation_finalize, name="finalize"),
    path("<int:pk>/participants/<int:participant_pk>/", views.participant_detail, name="participant"),
    path("<int:pk>/me/", views.participate, name="participate"),
    path("<int:pk>/me/self-evaluation/", views.self_evaluation_submit, name="self_evaluation"),
    path("<int:pk>/me/ratings/", views.peer_rating_save, name="rate"),
]
