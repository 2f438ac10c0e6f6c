from functools import partial

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.pagination import PageNumberPagination

from apps.access import policy
from apps.core.api import as_drf_error
from apps.core.paging import KeysFirstPaginator
from apps.orgs.models import Organization

from . import selectors, services
from .models import Member
from .rules import status_edit_error


class ScopedOrgField(serializers.PrimaryKeyRelatedField):
    """An organization ID the caller may manage; any other ID reads as "does not exist"."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("组织不存在或您无权在该组织录入党员"),
        "incorrect_type": gettext_lazy("组织ID应为整数"),
    }

    def get_queryset(self):
        return policy.restrict(Organization, self.context["request"].user, policy.MEMBER_MANAGE)


class MemberSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, required=False, help_text=gettext_lazy("身份证号（只写；读取时返回脱敏号码）"))
    id_number_masked = serializers.CharField(source="id_masked", read_only=True)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True)
    phone_masked = serializers.CharField(read_only=True)
    organization = ScopedOrgField(help_text=gettext_lazy("所在党组织ID"))
    party_group = ScopedOrgField(help_text=gettext_lazy("所在党小组ID"), required=False, allow_null=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    age = serializers.SerializerMethodField()
    party_standing_years = serializers.SerializerMethodField(help_text=gettext_lazy("党龄（自转正之日起）"))

    class Meta:
        model = Member
        fields = ["id", "name", "id_number", "id_number_masked", "birth_date", "sex", "ethnicity", "education", "occupation",
                  "joined_on", "full_member_on", "category", "status", "phone", "phone_masked", "is_hardship", "flow_place",
                  "flow_contact", "organization", "organization_name", "party_group", "age", "party_standing_years"]
        read_only_fields = ["birth_date", "sex"]

    def validate_status(self, value):
        current = self.instance.status if self.instance is not None else None
        if message := status_edit_error(current, value or "normal"):
            raise serializers.ValidationError(message)
        return value

    def get_age(self, obj) -> int:
        return obj.age()

    def get_party_standing_years(self, obj) -> int:
        return obj.party_standing_years()


_FILTER_PARAMS = [
    OpenApiParameter("q", str, description=gettext_lazy("姓名开头、拼音或首字母。身份证号、手机号（含数字的查询）请用 POST /api/members/search/，"
                                                        "不放在网址中")),
    OpenApiParameter("org", int, description=gettext_lazy("组织ID（含下级）")),
    OpenApiParameter("category", str), OpenApiParameter("status", str, description=gettext_lazy("默认现有党员；all 为全部")),
    OpenApiParameter("sex", str), OpenApiParameter("education", str), OpenApiParameter("domain", str),
    OpenApiParameter("hardship", bool), OpenApiParameter("age_min", int), OpenApiParameter("age_max", int),
    OpenApiParameter("standing_min", int), OpenApiParameter("standing_max", int),
]


class MemberSearchSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("姓名开头、拼音/首字母，或完整的身份证号、手机号（精确匹配）"))
    org = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True)
    status = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.CharField(required=False, allow_blank=True)
    education = serializers.CharField(required=False, allow_blank=True)
    domain = serializers.CharField(required=False, allow_blank=True)
    hardship = serializers.CharField(required=False, allow_blank=True)
    age_min = serializers.IntegerField(required=False)
    age_max = serializers.IntegerField(required=False)
    standing_min = serializers.IntegerField(required=False)
    standing_max = serializers.IntegerField(required=False)


def _search_body(data):
    """The search body as the filter's parameters (a QueryDict, as for a GET)."""
    from django.http import QueryDict

    if not hasattr(data, "get"):
        raise serializers.ValidationError({"detail": [_("请求体应为 JSON 对象")]})
    body = MemberSearchSerializer(data=data)
    body.is_valid(raise_exception=True)
    params = QueryDict(mutable=True)
    for key, value in body.validated_data.items():
        params[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return params


class MemberPagination(PageNumberPagination):
    """Pages skipped by keys (core.paging.KeysFirstPaginator); the unfiltered list's count from the stored roll-ups
    (the view's `stored_count`), so a page never counts the member table (2 million rows at province scale)."""

    def paginate_queryset(self, queryset, request, view=None):
        count = getattr(view, "stored_count", None)
        self.django_paginator_class = partial(KeysFirstPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("党员列表"), parameters=_FILTER_PARAMS),
    retrieve=extend_schema(summary=gettext_lazy("党员详情")), create=extend_schema(summary=gettext_lazy("录入党员")),
    update=extend_schema(summary=gettext_lazy("修改党员信息")),
    partial_update=extend_schema(summary=gettext_lazy("修改党员信息（部分字段）")),
)
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.GenericViewSet):
    serializer_class = MemberSerializer
    filter_backends = []
    pagination_class = MemberPagination
    stored_count = None

    def get_queryset(self):
        params = self.request.query_params
        if self.action == "search":
            params = _search_body(self.request.data)
            if message := services.member_number_search(actor=self.request.user, raw=params.get("q", ""),
                                                        where="API查询", request=self.request):
                raise Throttled(detail=message)
        elif self.action == "list" and selectors.is_private_query(params.get("q", "")):
            # URLs end up in access logs, proxies and histories: a number searched for must not travel in one.
            raise serializers.ValidationError({"q": [_("身份证号和手机号请通过 POST /api/members/search/ 查询（请求体中的 q），"
                                                       "不要放在网址中")]})
        f, qs = selectors.member_list(self.request.user, params)
        if not f.form.is_valid():
            raise serializers.ValidationError(f.form.errors)
        if self.action == "list":
            self.stored_count = selectors.unfiltered_count(self.request.user, f)
        return qs.defer("id_number", "phone") if self.action in ("list", "search") else qs

    @extend_schema(summary=gettext_lazy("查询党员（POST，可按身份证号、手机号精确查询）"), request=MemberSearchSerializer,
                   responses=MemberSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request, format=None):  # format: the router's .json suffix route passes it
        """The list's filters in the request body, so an ID number or phone never appears in a URL or access log.
        ID numbers and phones match exactly (complete numbers only); the answer is paged like the list (?page=n in the
        URL: the page number is not personal)."""
        return self.list(request)

    def get_object(self):
        capability = policy.MEMBER_VIEW if self.request.method in ("GET", "HEAD") else policy.MEMBER_MANAGE
        return policy.get(Member, self.request.user, self.kwargs["pk"], capability)

    def perform_create(self, serializer):
        if not policy.has_capability(self.request.user, policy.MEMBER_MANAGE):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(_("您没有录入党员的权限"))
        try:
            serializer.instance = services.member_create(actor=self.request.user, data=dict(serializer.validated_data),
                                                         request=self.request)
        except ValidationError as exc:
            raise as_drf_error(exc) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = services.member_update(actor=self.request.user, member=serializer.instance,
                                                         data=dict(serializer.validated_data), request=self.request)
        except ValidationError as exc:
            raise as_drf_error(exc) from None
