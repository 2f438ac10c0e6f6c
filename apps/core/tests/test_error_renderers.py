"""core.errors: an app registers the error format of its own paths (Open311), so that core imports no app."""

from django.http import HttpResponse
from django.test import RequestFactory

from apps.core import errors, middleware


def _renderer(name):
    def render(request, status, message):
        return HttpResponse(f"{name}:{status}:{message}", status=status)

    return render


def test_the_longest_registered_prefix_renders_and_other_paths_get_the_error_page(monkeypatch):
    monkeypatch.setattr(errors, "_renderers", {})
    errors.register_error_renderer("/probe/", _renderer("outer"))
    errors.register_error_renderer("/probe/inner/", _renderer("inner"))
    assert errors.renderer_for("/elsewhere/") is None
    request = RequestFactory().get("/probe/inner/x.json")
    response = middleware._refuse(request, 400, "bad")
    assert response.status_code == 400 and response.content.decode() == "inner:400:bad"
    assert middleware._refuse(RequestFactory().get("/probe/x"), 413, "big").content.decode() == "outer:413:big"


def test_open311_paths_are_registered_by_their_app():
    assert errors.renderer_for("/open311/v2/requests.json") is not None
    assert errors.renderer_for("/api/cases/") is None
