"""Public pages (no login): honours (示范创建), mounted at /honours/."""

from django.urls import path

from . import honour_public_views

app_name = "honours"
urlpatterns = [
    path("", honour_public_views.public_index, name="public"),
    path("<int:pk>/", honour_public_views.public_campaign, name="campaign"),
]
