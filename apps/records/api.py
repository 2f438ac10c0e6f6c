"""REST endpoints of organizational life: activity types, records (read, create, submit, return), and the
compliance and metrics figures. Every call goes through the access layer and the services."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access import policy
from apps.core.api import as_drf_error
from apps.core.periods import parse_period
from apps.orgs.models import Organization

from . import compliance, selectors, services
from .metrics import organization_metrics
from .models import ActivityRecord, ActivityType


class ActivityTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivityType
        fields = ["id", "code", "name", "frequency", "applies_to", "roster", "due_day", "warn_days", "needs_lecturer",
                  "has_content_items", "may_vote", "is_active"]


class RecordSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", help_text=gettext_lazy("党组织ID"))
    activity_type = serializers.PrimaryKeyRelatedField(queryset=ActivityType.objects.filter(is_active=True))

    class Meta:
        model = ActivityRecord
        fields = ["id", "organization", "activity_type", "held_on", "starts_at", "ends_at", "place", "topic", "host",
                  "recorder", "lecturer", "content_items", "minutes", "decisions", "summary", "is_vote", "status",
                  "version", "first_submitted_at", "is_late", "late_days", "returned_reason", "expected_count",
                  "present_count", "leave_count", "absent_count", "voting_entitled", "voting_present", "quorum_met"]
        read_only_fields = ["status", "version", "first_submitted_at", "is_late", "late_days", "returned_reason",
                            "expected_count", "present_count", "leave_count", "absent_count", "voting_entitled",
                            "voting_present", "quorum_met"]


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=gettext_lazy("退回原因"))


class ActivityTypeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ActivityTypeSerializer
    queryset = ActivityType.objects.all()
    pagination_class = None
    filter_backends = []

    @extend_schema(summary=gettext_lazy("活动类型与要求频次"))
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("活动纪实列表"), parameters=[
        OpenApiParameter("org", int, description=gettext_lazy("组织ID（含下级）")),
        OpenApiParameter("activity_type", int, description=gettext_lazy("活动类型ID")),
        OpenApiParameter("status", str, description=gettext_lazy("状态：draft / submitted / returned")),
        OpenApiParameter("held_from", str, description=gettext_lazy("活动日期从（YYYY-MM-DD）")),
        OpenApiParameter("held_to", str, description=gettext_lazy("活动日期至（YYYY-MM-DD）"))]),
    retrieve=extend_schema(summary=gettext_lazy("活动纪实详情")),
    create=extend_schema(summary=gettext_lazy("新建活动纪实（草稿，应到人员自动列入）")),
)
class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = RecordSerializer
    filter_backends = []

    def get_queryset(self):
        f, qs = selectors.record_list(self.request.user, self.request.query_params)
        if not f.form.is_valid():
            raise serializers.ValidationError(f.form.errors)
        return qs

    def get_object(self):
        return policy.get(ActivityRecord, self.request.user, self.kwargs["pk"])

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        org_id = data.pop("organization_id", None)
        try:
            org = policy.get(Organization, self.request.user, org_id, policy.RECORD_MANAGE)
        except Http404:
            raise serializers.ValidationError({"organization": [_("组织不存在或您无权记录")]}) from None
        try:
            serializer.instance = services.record_create(actor=self.request.user, organization=org,
                                                         activity_type=data.pop("activity_type"), data=data,
                                                         request=self.request)
        except ValidationError as exc:
            raise as_drf_error(exc) from None

    @extend_schema(summary=gettext_lazy("提交活动纪实"), request=None, responses=RecordSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, format=None):  # format: the router's .json suffix route passes it
        record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_MANAGE)
        try:
            record = services.record_submit(actor=request.user, record=record, request=request)
        except ValidationError as exc:
            raise as_drf_error(exc) from None
        return Response(RecordSerializer(record).data)

    @extend_schema(summary=gettext_lazy("退回活动纪实（上级组织）"), request=ReturnSerializer, responses=RecordSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_record(self, request, pk=None, format=None):
        record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_REVIEW)
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            record = services.record_return(actor=request.user, record=record, reason=body.validated_data["reason"],
                                            request=request)
        except ValidationError as exc:
            raise as_drf_error(exc) from None
        return Response(RecordSerializer(record).data)


def _org_and_period(request):
    params = request.query_params
    if not params.get("org"):
        raise serializers.ValidationError({"org": [_("请指定组织ID")]})
    org = policy.get(Organization, request.user, params["org"], policy.RECORD_VIEW)
    try:
        period = parse_period(params.get("period", ""))
    except ValueError as exc:
        raise serializers.ValidationError({"period": [str(exc)]}) from None
    return org, period


PERIOD_PARAMS = [OpenApiParameter("org", int, required=True, description=gettext_lazy("组织ID（统计其全部下级）")),
                 OpenApiParameter("period", str, required=True, description=gettext_lazy("期间：2026-11、2026Q4 或 2026"))]


class ComplianceView(APIView):
    @extend_schema(summary=gettext_lazy("组织生活完成情况（按下级组织）"), parameters=PERIOD_PARAMS, responses=dict)
    def get(self, request):
        org, period = _org_and_period(request)
        table = compliance.compliance_table(org, period)
        types = [{"id": r.activity_type.pk, "code": r.activity_type.code, "name": r.activity_type.name,
                  "periods": len(r.periods)} for r in table["rules"]]

        def row(r):
            return {"label": r.label, "organization": r.org.pk if r.org else None, "required": r.total.required,
                    "held": r.total.held, "rate": r.total.rate, "overdue": r.total.overdue, "warning": r.total.warning,
                    "types": {c: {"required": cell.required, "held": cell.held} for c, cell in
                              zip([t["code"] for t in types], r.cell_list)}}

        return Response({"organization": org.pk, "period": period.key, "types": types,
                         "rows": [row(r) for r in table["rows"]], "total": row(table["total"])})


class MetricsView(APIView):
    @extend_schema(summary=gettext_lazy("组织生活指标（供考核使用）"), parameters=PERIOD_PARAMS, responses=dict)
    def get(self, request):
        org, period = _org_and_period(request)
        m = organization_metrics(org, period)
        return Response({
            "organization": org.pk, "period": period.key, "completion_rate": m.completion_rate,
            "records": m.records, "late_records": m.late_records, "late_rate": m.late_rate,
            "expected": m.expected, "present": m.present, "attendance_rate": m.attendance_rate,
            "types": [{"code": t.activity_type.code, "name": t.activity_type.name, "required": t.required,
                       "held": t.held, "rate": t.rate} for t in m.types],
        })
