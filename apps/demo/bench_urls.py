"""The site's URLs and an empty view: the bench's baseline for what a request through Django itself costs
(`manage.py bench`, public form submission). Used with override_settings(ROOT_URLCONF=…), never in production."""

from django.http import HttpResponse
from django.urls import path

from config import urls as site

EMPTY_PATH = "/__bench__/empty/"


def empty(request):
    return HttpResponse("")


urlpatterns = [*site.urlpatterns, path(EMPTY_PATH.strip("/") + "/", empty)]
handler400, handler403, handler404, handler500 = site.handler400, site.handler403, site.handler404, site.handler500
