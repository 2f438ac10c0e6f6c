"""Open311 GeoReport v2 at /open311/: service discovery, and the v2 endpoints with their .json/.xml suffix.

The suffix is optional in the patterns so that a missing or unknown one reaches the view and is answered with the
standard error list; any other address here is the standard 404 too."""

from django.urls import re_path

from . import views as open311

app_name = "open311"

_FORMAT = r"(?:\.(?P<fmt>[^/]*))?$"

urlpatterns = [
    re_path(r"^discovery" + _FORMAT, open311.discovery, name="discovery"),
    re_path(r"^v2/services" + _FORMAT, open311.services, name="services"),
    re_path(r"^v2/services/(?P<service_code>[^/.]+)" + _FORMAT, open311.service_definition, name="service"),
    re_path(r"^v2/requests" + _FORMAT, open311.service_requests, name="requests"),
    re_path(r"^v2/requests/(?P<service_request_id>[^/.]+)" + _FORMAT, open311.service_request, name="request"),
    re_path(r"^v2/tokens/(?P<token>[^/.]+)" + _FORMAT, open311.tokens, name="token"),
    re_path(r"^v2/", open311.not_found, name="v2"),
    re_path(r"", open311.not_found),
]
