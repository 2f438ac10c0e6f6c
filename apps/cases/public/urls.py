"""Residents' pages (no login): report, follow and rate a case; the public case list and rankings."""

from django.urls import path

from . import views

app_name = "report"
urlpatterns = [
    path("", views.report, name="form"),
    path("done/", views.done, name="done"),
    path("villages/", views.villages, name="villages"),
    path("attributes/", views.attributes, name="attributes"),
    path("challenge/", views.challenge_refresh, name="challenge"),
    path("challenge.png", views.challenge_image, name="challenge_image"),
    path("challenge/text/", views.challenge_text, name="challenge_text"),
    path("track/", views.track, name="track"),
    path("track/<str:number>/", views.status, name="status"),
    path("track/<str:number>/rate/", views.rate, name="rate"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("cases/", views.public_cases, name="cases"),
    path("cases/<str:number>/", views.public_case, name="case"),
    path("rankings/", views.public_rankings, name="rankings"),
]
