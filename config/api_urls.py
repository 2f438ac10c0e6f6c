from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.cases.api import CaseMetricsView, CaseRankingsView, CaseViewSet
from apps.members.api import MemberViewSet
from apps.orgs.api import OrganizationViewSet
from apps.records.api import ActivityTypeViewSet, ComplianceView, MetricsView, RecordViewSet

router = DefaultRouter()
router.register("orgs", OrganizationViewSet, basename="api-org")
router.register("members", MemberViewSet, basename="api-member")
router.register("activity-types", ActivityTypeViewSet, basename="api-activity-type")
router.register("records", RecordViewSet, basename="api-record")
router.register("cases", CaseViewSet, basename="api-case")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("compliance/", ComplianceView.as_view(), name="api-compliance"),
    path("metrics/", MetricsView.as_view(), name="api-metrics"),
    path("case-metrics/", CaseMetricsView.as_view(), name="api-case-metrics"),
    path("case-rankings/", CaseRankingsView.as_view(), name="api-case-rankings"),
    path("", include(router.urls)),
]
