"""Public pages (no login): the monthly stars."""

from django.urls import path

from . import star_views

app_name = "stars"
urlpatterns = [
    path("", star_views.stars_public, name="public"),
    path("<str:month>/", star_views.stars_public, name="month"),
    path("photos/<int:pk>/", star_views.star_photo, name="photo"),
]
