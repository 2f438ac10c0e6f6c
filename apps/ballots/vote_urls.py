"""/vote/: casting a ballot with a one-time code (no account), and a member's own code shown once."""

from django.urls import path

from . import vote_views

app_name = "vote"

urlpatterns = [
    path("", vote_views.enter, name="enter"),
    path("ballot/", vote_views.cast, name="cast"),
    path("done/", vote_views.done, name="done"),
    path("phone/<int:pk>/", vote_views.phone, name="phone"),
    path("mine/", vote_views.mine, name="mine"),
    path("mine/<int:pk>/reveal/", vote_views.reveal, name="reveal"),
]
