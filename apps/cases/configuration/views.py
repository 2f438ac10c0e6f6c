"""The district's settings of the citizen-request system, for its administrator: handling units (and generating
them from the organization tree), routing rules, categories and their extra questions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_validation_error
from apps.orgs.models import Organization

from .. import areas
from ..forms import AttributeForm, RuleForm, ServiceForm, UnitForm
from ..intake import check_area
from ..models import HandlingUnit, RoutingRule, Service, ServiceAttribute
from . import services


def _require_settings(user):
    if not policy.has_capability(user, policy.RULES_MANAGE):
        raise PermissionDenied(_("只有区委组织部管理员可以设置群工系统"))


def _scope(user):
    """Organizations the settings' organization pickers choose from (resolved and checked by the form)."""
    return policy.restrict(Organization, user, policy.RULES_MANAGE)


@login_required
def settings_page(request):
    _require_settings(request.user)
    tab = request.GET.get("tab") if request.GET.get("tab") in ("units", "rules", "services") else "rules"
    return render(request, "cases/settings.html", {
        "tab": tab, "section": "case_settings",
        "units": HandlingUnit.objects.select_related("organization", "parent"),
        "rules": RoutingRule.objects.select_related("service", "area", "unit").prefetch_related("assisting")
        .order_by("service__sort_order", "service_id", "area__path"),
        "services": Service.objects.prefetch_related("attributes"),
    })


def _edit(request, form, save, *, title, back):
    """A settings form: valid and accepted by the service → back to the list; otherwise the form again (400)."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect(back)
    return render(request, "cases/settings_form.html", {"form": form, "title": title, "back": back,
                                                        "section": "case_settings"},
                  status=400 if form.errors else 200)


@login_required
def unit_edit(request, pk=None):
    _require_settings(request.user)
    unit = get_object_or_404(HandlingUnit, pk=pk) if pk else None
    form = UnitForm(request.POST or None, instance=unit, orgs=_scope(request.user))

    def save(data):
        data = {**data, "organization": data.pop("organization_code")}
        services.unit_save(actor=request.user, unit=unit, data=data, request=request)

    return _edit(request, form, save, title=_("编辑承办单位") if unit else _("新增承办单位"), back="/cases/settings/?tab=units")


@login_required
@require_POST
def units_generate(request):
    _require_settings(request.user)
    root = policy.scope_top(request.user, policy.RULES_MANAGE) or areas.first_root()
    created = services.units_from_tree(actor=request.user, root=root, villages=request.POST.get("villages") == "1",
                                              request=request)
    messages.success(request, _("已从组织树生成：区级单位{district}个，乡镇（街道）{township}个，村（社区）{village}个").format(**created))
    return redirect("/cases/settings/?tab=units")


@login_required
def rule_edit(request, pk=None):
    _require_settings(request.user)
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule, orgs=_scope(request.user))

    def save(data):
        area = data.pop("area_code", None)
        area = check_area(area) if area else None
        assisting = list(data.pop("assisting"))
        services.rule_save(actor=request.user, rule=rule, data={**data, "area": area}, assisting=assisting,
                                  request=request)

    return _edit(request, form, save, title=_("编辑派单规则") if rule else _("新增派单规则"), back="/cases/settings/?tab=rules")


@login_required
@require_POST
def rule_delete(request, pk):
    _require_settings(request.user)
    rule = get_object_or_404(RoutingRule, pk=pk)
    if not confirmed(request):  # one click never deletes: the button's dialog, or this page, asks first
        return confirm_page(request, title=_("删除派单规则"), message=_("确定删除该规则？"), label=_("确认删除"),
                            back="/cases/settings/?tab=rules", button_class="btn-danger")
    services.rule_delete(actor=request.user, rule=rule, request=request)
    messages.success(request, _("已删除派单规则"))
    return redirect("/cases/settings/?tab=rules")


@login_required
def service_edit(request, pk=None):
    _require_settings(request.user)
    service = get_object_or_404(Service, pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=service)
    return _edit(request, form, lambda data: services.service_save(actor=request.user, service=service, data=data,
                                                                          request=request),
                 title=_("编辑诉求类别") if service else _("新增诉求类别"), back="/cases/settings/?tab=services")


@login_required
def attribute_edit(request, service_pk, pk=None):
    _require_settings(request.user)
    service = get_object_or_404(Service, pk=service_pk)
    attribute = get_object_or_404(ServiceAttribute, pk=pk, service=service) if pk else None
    form = AttributeForm(request.POST or None, instance=attribute)

    def save(data):
        data = {**data, "values": data.pop("values_text")}
        services.attribute_save(actor=request.user, service=service, attribute=attribute, data=data, request=request)

    title = _("{service}：附加问题").format(service=service.name)
    return _edit(request, form, save, title=title, back="/cases/settings/?tab=services")


@login_required
@require_POST
def attribute_delete(request, service_pk, pk):
    _require_settings(request.user)
    attribute = get_object_or_404(ServiceAttribute, pk=pk, service_id=service_pk)
    services.attribute_delete(actor=request.user, attribute=attribute, request=request)
    messages.success(request, _("已删除附加问题"))
    return redirect("/cases/settings/?tab=services")
