from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.members.api import MemberViewSet
from apps.orgs.api import OrganizationViewSet

router = DefaultRouter()
router.register("orgs", OrganizationViewSet, basename="api-org")
router.register("members", MemberViewSet, basename="api-member")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
