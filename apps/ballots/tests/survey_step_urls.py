"""A test-local URL configuration: the site's, with a stand-in for the generic step view `ballots:poll_step` (written
by another module, /ballots/<pk>/step/<name>/), so the survey page's step buttons can be checked before the merge."""

from django.http import HttpResponse
from django.urls import include, path

from apps.ballots.urls import urlpatterns as ballot_patterns


def _stub(request, pk, name):
    return HttpResponse(status=204)


ballots = ([path("<int:pk>/step/<str:name>/", _stub, name="poll_step"), *ballot_patterns], "ballots")
urlpatterns = [path("ballots/", include(ballots)), path("", include("config.urls"))]
