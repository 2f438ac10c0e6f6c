"""Pages of an organization's committee that look members up, served under the organization's address (/orgs/…):
the organization app imports no member code, so config/urls.py includes these next to apps.orgs.urls."""

from django.urls import path

from . import views

app_name = "committee"
urlpatterns = [
    path("<int:pk>/posts/new/", views.committee_post_add, name="post_add"),
]
