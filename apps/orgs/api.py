from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from apps.access import policy
from apps.core.api import as_drf_error
from apps.core.lookups import parse_pk

from . import selectors, services
from .models import Organization


class OrganizationSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(write_only=True, required=False, help_text=gettext_lazy("上级组织ID（新建时必填）"))
    parent_id = serializers.SerializerMethodField(help_text=gettext_lazy("上级组织ID"))

    class Meta:
        model = Organization
        fields = ["id", "name", "code", "kind", "domain", "cluster", "unit_name", "is_industry", "is_project", "is_flowing",
                  "covered_units", "address", "contact_phone", "founded_on", "term_started_on", "term_adjusted_to",
                  "term_adjust_reason", "term_ends_on", "is_active",
                  "dissolved_on", "depth", "parent", "parent_id"]
        read_only_fields = ["term_ends_on", "is_active", "dissolved_on", "depth"]
        extra_kwargs = {"code": {"required": False, "validators": []}}

    def get_parent_id(self, obj) -> int | None:
        if hasattr(obj, "parent_pk"):  # annotated by the list queryset
            return obj.parent_pk
        return selectors.parent_pk(obj)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("党组织列表"), parameters=[
        OpenApiParameter("parent", int, description=gettext_lazy("只列出该组织的直属下级")),
        OpenApiParameter("kind", str, description=gettext_lazy("组织类别")),
        OpenApiParameter("domain", str, description=gettext_lazy("所属领域")),
        OpenApiParameter("q", str, description=gettext_lazy("名称开头或组织编码")),
        OpenApiParameter("include_dissolved", bool, description=gettext_lazy("包含已撤销组织"))]),
    retrieve=extend_schema(summary=gettext_lazy("党组织详情")), create=extend_schema(summary=gettext_lazy("设立党组织")),
    update=extend_schema(summary=gettext_lazy("修改党组织")),
    partial_update=extend_schema(summary=gettext_lazy("修改党组织（部分字段）")),
)
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = OrganizationSerializer
    filter_backends = []

    def get_queryset(self):
        qs = selectors.with_parent_pk(policy.restrict(Organization, self.request.user).order_by("path"))
        params = self.request.query_params
        if params.get("include_dissolved") not in ("true", "1"):
            qs = qs.filter(is_active=True)
        if parse_pk(params.get("parent")) is not None:
            parent = policy.restrict(Organization, self.request.user).filter(pk=parse_pk(params["parent"])).first()
            qs = qs.filter(path__startswith=parent.path, depth=parent.depth + 1) if parent else qs.none()
        for key in ("kind", "domain"):
            if params.get(key):
                qs = qs.filter(**{key: params[key]})
        if params.get("q"):
            from django.db.models import Q

            from apps.core.query import prefix_q

            qs = qs.filter(prefix_q("name", params["q"].strip()) | Q(code=params["q"].strip()))
        return qs

    def get_object(self):
        capability = policy.ORG_VIEW if self.request.method in ("GET", "HEAD") else policy.ORG_MANAGE
        return policy.get(Organization, self.request.user, self.kwargs["pk"], capability)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        parent_id = data.pop("parent", None)
        if parent_id is None:
            raise serializers.ValidationError({"parent": [_("新建组织须指定上级组织")]})
        try:
            parent = policy.get(Organization, self.request.user, parent_id, policy.ORG_MANAGE)
        except Http404:
            raise serializers.ValidationError({"parent": [_("上级组织不存在或您无权管理")]}) from None
        try:
            serializer.instance = services.org_create(actor=self.request.user, parent=parent, data=data, request=self.request)
        except ValidationError as exc:
            raise as_drf_error(exc) from None

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("parent", None)
        try:
            serializer.instance = services.org_update(actor=self.request.user, org=serializer.instance, data=data, request=self.request)
        except ValidationError as exc:
            raise as_drf_error(exc) from None
