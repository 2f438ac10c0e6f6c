"""REST endpoints of the citizen-request system for staff applications: cases in scope (read, with the list's filters
and search, and their timeline), and the three rates and rankings for assessment. Every call goes through the access
layer; contact details come masked. Residents' and third parties' submissions go through the public form or Open311."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.access import policy
from apps.core.lookups import parse_pk
from apps.core.periods import parse_period, period_containing
from apps.orgs.models import Organization

from . import metrics, scopes, selectors
from .areas import is_area_scope
from .models import Case, CaseEvent, HandlingUnit


class EventSerializer(serializers.ModelSerializer):
    """A step of the timeline; staff read who acted as the unit, never a staff member's account."""

    unit = serializers.CharField(source="unit.name", default=None)

    class Meta:
        model = CaseEvent
        fields = ["at", "kind", "unit", "is_public", "text"]


class CaseSerializer(serializers.ModelSerializer):
    service_code = serializers.CharField(source="service.code")
    service_name = serializers.CharField(source="service.name")
    area = serializers.CharField(source="area.code", default=None, help_text=gettext_lazy("所在区域的组织编码"))
    area_name = serializers.CharField(source="area.name", default=None)
    lead_unit = serializers.CharField(source="lead_unit.name", default=None)
    owner_unit = serializers.CharField(source="owner_unit.name", default=None)
    master = serializers.CharField(source="master.number", default=None, help_text=gettext_lazy("合并至的诉求编号"))
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "number", "status", "service_code", "service_name", "urgency", "channel", "triage", "description",
                  "attributes", "area", "area_name", "address", "lat", "lng", "contact_name", "phone_masked", "hide_name",
                  "owner_unit", "lead_unit", "master", "submitted_at", "accepted_at", "accept_on_time", "dispatched_at",
                  "signed_at", "sign_on_time", "deadline", "extended", "resolved_at", "resolved_on_time",
                  "handling_minutes", "answer", "rating", "rating_solved", "rated_via", "archived_at", "reopen_count",
                  "return_count", "overdue", "updated_at"]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class CaseDetailSerializer(CaseSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["events"]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("群众诉求列表"), parameters=[
        OpenApiParameter("q", str, description=gettext_lazy("问题内容（中文全文检索）、受理编号或联系电话")),
        OpenApiParameter("queue", str, description=gettext_lazy("待办：to_accept / to_dispatch / to_sign / handling / "
                                                                "assist_to_sign / due_soon / overdue / to_call_back / "
                                                                "extensions（与页面的待办数口径一致）")),
        OpenApiParameter("status", str), OpenApiParameter("lead_unit", int, description=gettext_lazy("承办单位ID")),
        OpenApiParameter("area", int, description=gettext_lazy("乡镇（街道）组织ID")),
        OpenApiParameter("service", int), OpenApiParameter("channel", str), OpenApiParameter("triage", str),
        OpenApiParameter("submitted_from", str, description="YYYY-MM-DD"),
        OpenApiParameter("submitted_to", str, description="YYYY-MM-DD"),
        OpenApiParameter("overdue", bool)]),
    retrieve=extend_schema(summary=gettext_lazy("群众诉求详情（含办理过程）")),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filter_backends = []

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator inspecting the view
            return selectors.no_cases()
        if not policy.has_capability(self.request.user, policy.CASE_VIEW):
            raise PermissionDenied(_("您没有查看群众诉求的权限"))
        f, qs = selectors.case_list(self.request.user, self.request.query_params)
        if not f.form.is_valid():
            raise serializers.ValidationError(f.form.errors)
        return qs.select_related("master")

    def get_object(self):
        case = policy.get(Case, self.request.user, self.kwargs["pk"])
        return selectors.with_timeline(case)


def _period(params):
    try:
        return parse_period(params["period"]) if params.get("period") else period_containing("month", timezone.localdate())
    except ValueError as exc:
        raise serializers.ValidationError({"period": [str(exc)]}) from None


PERIOD = OpenApiParameter("period", str, description=gettext_lazy("期间：2026-11、2026Q4、2026 或 2026-03-01~2026-08-31；默认本月"))


class CaseMetricsView(APIView):
    @extend_schema(summary=gettext_lazy("群众诉求三率（供考核使用）"), responses=dict, parameters=[
        PERIOD, OpenApiParameter("unit", int, description=gettext_lazy("承办单位ID（含下属村社区单位）")),
        OpenApiParameter("area", int, description=gettext_lazy("区域组织ID（统计其全部下级）"))])
    def get(self, request):
        if not policy.has_capability(request.user, policy.CASE_VIEW):
            raise PermissionDenied(_("您没有查看群众诉求的权限"))
        period = _period(request.query_params)
        top = policy.scope_top(request.user, policy.CASE_VIEW)
        # By default the user's scope: its area, or (a department's staff) the units they act for.
        units, area = (None, top) if top is None or is_area_scope(top) else (scopes.case_units(request.user), None)
        if request.query_params.get("unit"):
            unit_pk = parse_pk(request.query_params["unit"])
            unit = HandlingUnit.objects.filter(pk=unit_pk).first() if unit_pk is not None else None
            if unit is None:
                raise serializers.ValidationError({"unit": [_("未找到该承办单位")]})
            units = [unit]
        if request.query_params.get("area"):
            area = policy.get(Organization, request.user, request.query_params["area"], policy.CASE_VIEW)
        figures = metrics.case_figures(period=period, units=units, area=area)
        return Response({"period": period.key, "unit": units[0].pk if units else None, "area": area.pk if area else None,
                         **figures.as_dict()})


class CaseRankingsView(APIView):
    @extend_schema(summary=gettext_lazy("群众诉求排名"), description=gettext_lazy(
        "排名在前的为参与排名的单位；rank 为空（ranked=false）的单位不参与排名，standing 说明原因："
        "few 样本不足（受理少于 CASE_RANKING_MIN_CASES 件），partial 缺少比率（missing_rates，不计分），none 无诉求。"),
        responses=dict, parameters=[
        PERIOD, OpenApiParameter("group", str, description="township / department / area / service")])
    def get(self, request):
        if not policy.has_capability(request.user, policy.CASE_VIEW):
            raise PermissionDenied(_("您没有查看群众诉求的权限"))
        period = _period(request.query_params)
        group = request.query_params.get("group") or "township"
        if group not in metrics.GROUPS:
            raise serializers.ValidationError({"group": [_("排名对象只能是 township、department、area 或 service")]})
        top = policy.scope_top(request.user, policy.CASE_VIEW)
        rows = metrics.rankings(period, group=group, within=top if is_area_scope(top) else None)
        return Response({"period": period.key, "group": group, "rows": [
            {"rank": r.rank, "ranked": r.ranked, "label": r.label, "unit": r.unit.pk if r.unit else None, "area": r.org.pk if r.org else None,
             "service": r.service.code if r.service else None, **r.figures.as_dict()} for r in rows]})
