"""Public page (no login): the care fund's summary, mounted at /funds/."""

from django.urls import path

from . import fund_public_views

app_name = "funds"
urlpatterns = [
    path("", fund_public_views.public_summary, name="public"),
]
