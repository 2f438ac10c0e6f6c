"""Public pages (no login): the published assessment results (result_public.py)."""

from django.urls import path

from . import result_public

app_name = "results"
urlpatterns = [
    path("", result_public.results_public, name="public"),
    path("<int:pk>/", result_public.result_public, name="detail"),
]
