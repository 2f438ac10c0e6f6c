"""Pages of indicator systems: the list by year and group, a system's page (the indicator tree, periods, grades; what
still keeps a draft from being published), and the draft's editing, publishing, retiring, copying and deleting.
Access: ASSESSMENT_VIEW to read what applies to one's subtree, ASSESSMENT_MANAGE on the system's organization to
change it (apps/assessment/scopes.py); out of scope is 404, visible but not allowed 403."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.dates import MAX_YEAR, MIN_YEAR
from apps.core.forms import submit
from apps.core.lookups import parse_pk

from . import selectors, services
from .forms import BandFormSet, CopyForm, IndicatorForm, SystemForm
from .models import AssessmentGroup, Indicator, IndicatorSystem

# Asked by the buttons' dialogs and by the confirmation pages: one wording each.
PUBLISH_QUESTION = gettext_noop("发布后该指标体系不能再修改（需修改时复制为新版本）；同一类别同一年度使用中的旧版本将停用。确定发布？")
RETIRE_QUESTION = gettext_noop("停用后该指标体系不再用于考核，且不能恢复。确定停用？")
DELETE_QUESTION = gettext_noop("确定删除这份草稿及其全部指标？")
INDICATOR_DELETE_QUESTION = gettext_noop("确定删除该指标及其全部下级指标？")


def _require(user, capability, message):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(message)


def _year_param(value):
    year = parse_pk(value)
    return year if year is not None and MIN_YEAR <= year <= MAX_YEAR else None


@login_required
def system_list(request):
    _require(request.user, policy.ASSESSMENT_VIEW, _("您没有查看考核评价的权限"))
    scope = policy.restrict(IndicatorSystem, request.user)
    groups = list(selectors.groups_with_counts(policy.restrict(AssessmentGroup, request.user)))
    year, group_pk = _year_param(request.GET.get("year")), parse_pk(request.GET.get("group"))
    group = next((g for g in groups if g.pk == group_pk), None)
    systems = selectors.system_list(scope, year=year, group=group)
    page = Paginator(systems, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/list.html", {
        "page": page, "groups": groups, "years": selectors.years(scope), "year": year, "group": group,
        "section": "assessment", "can_manage": policy.has_capability(request.user, policy.ASSESSMENT_MANAGE),
    })


@login_required
def system_detail(request, pk):
    return _render_detail(request, policy.get(IndicatorSystem, request.user, pk))


def _render_detail(request, system, status=200):
    nodes = selectors.tree(system)
    can_manage = policy.can(request.user, policy.ASSESSMENT_MANAGE, system)
    return render(request, "assessment/detail.html", {
        "system": system, "nodes": nodes, "roots_total": selectors.roots_total(nodes),
        "bands": list(system.bands.all()), "section": "assessment", "can_manage": can_manage,
        "problems": selectors.problems(system) if can_manage and system.may["publish"] else [],
        "versions": selectors.system_list(policy.restrict(IndicatorSystem, request.user), year=system.year, group=system.group),
        "publish_question": _(PUBLISH_QUESTION), "retire_question": _(RETIRE_QUESTION),
        "delete_question": _(DELETE_QUESTION), "indicator_delete_question": _(INDICATOR_DELETE_QUESTION),
    }, status=status)


def refused(request, system, exc):
    """A change the rules refuse: the system's page again, its reasons on top, and a 400."""
    for message in exc.messages:
        messages.error(request, message)
    return _render_detail(request, system, status=400)


def _form_page(request, template, form, title, system=None, **context):
    return render(request, f"assessment/{template}", {"form": form, "title": title, "system": system,
                                                      "section": "assessment", **context},
                  status=400 if form.is_bound and not form.is_valid() or getattr(form, "refused", False) else 200)


def _editable(request, pk):
    """A draft the user manages, or the refusal (the page, 400) when it is no longer a draft."""
    system = policy.get(IndicatorSystem, request.user, pk, policy.ASSESSMENT_MANAGE)
    if not system.may["edit"]:
        return system, refused(request, system, ValidationError(_("使用中或已停用的指标体系不能修改，请复制为新版本后修改")))
    return system, None


def _submitted(form, action):
    """`submit`, remembering a refusal by the service (its errors are on the form) for the 400."""
    result = submit(form, action)
    form.refused = form.is_bound and result is None
    return result


@login_required
def system_create(request):
    _require(request.user, policy.ASSESSMENT_MANAGE, _("您没有设置考核指标体系的权限"))
    groups = policy.restrict(AssessmentGroup, request.user, policy.ASSESSMENT_MANAGE).order_by("sort_order", "id")
    form = SystemForm(request.POST or None, groups=groups)
    system = _submitted(form, lambda d: services.system_create(actor=request.user, group=d["group"], data=d, request=request))
    if system:
        messages.success(request, _("已新建指标体系草稿"))
        return redirect("assessment:detail", system.pk)
    return _form_page(request, "system_form.html", form, _("新建考核指标体系"), no_groups=not groups.exists())


@login_required
def system_edit(request, pk):
    system, refusal = _editable(request, pk)
    if refusal:
        return refusal
    form = SystemForm(request.POST or None, system=system)
    if _submitted(form, lambda d: services.system_update(actor=request.user, system=system, data=d, request=request)):
        messages.success(request, _("已保存"))
        return redirect("assessment:detail", system.pk)
    return _form_page(request, "system_form.html", form, _("编辑 {name}").format(name=system), system)


@login_required
def system_bands(request, pk):
    system, refusal = _editable(request, pk)
    if refusal:
        return refusal
    initial = [{"name": b.name, "min_score": b.min_score, "max_score": b.max_score} for b in system.bands.all()]
    formset = BandFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        try:
            services.system_set_bands(actor=request.user, system=system, bands=formset.bands(), request=request)
        except ValidationError as exc:
            formset.service_errors = exc.messages
        else:
            messages.success(request, _("已保存考核等次"))
            return redirect("assessment:detail", system.pk)
    bad = request.method == "POST"
    return render(request, "assessment/bands.html", {"formset": formset, "system": system, "section": "assessment"},
                  status=400 if bad else 200)


@login_required
def indicator_create(request, pk, parent=None):
    system, refusal = _editable(request, pk)
    if refusal:
        return refusal
    form = IndicatorForm(request.POST or None)
    indicator = _submitted(form, lambda d: services.indicator_create(actor=request.user, system=system, parent=parent,
                                                                     data=d, request=request))
    if indicator:
        messages.success(request, _("已添加指标「{name}」").format(name=indicator.name))
        return redirect(reverse("assessment:detail", args=[system.pk]) + f"#indicator-{indicator.pk}")
    title = _("在「{name}」下添加指标").format(name=parent.name) if parent else _("添加一级指标")
    return _form_page(request, "indicator_form.html", form, title, system, parent=parent)


@login_required
def indicator_create_child(request, pk):
    parent = policy.get(Indicator, request.user, pk, policy.ASSESSMENT_MANAGE)
    return indicator_create(request, parent.system_id, parent=parent)


@login_required
def indicator_edit(request, pk):
    indicator = policy.get(Indicator, request.user, pk, policy.ASSESSMENT_MANAGE)
    system, refusal = _editable(request, indicator.system_id)
    if refusal:
        return refusal
    form = IndicatorForm(request.POST or None, indicator=indicator)
    if _submitted(form, lambda d: services.indicator_update(actor=request.user, indicator=indicator, data=d, request=request)):
        messages.success(request, _("已保存"))
        return redirect(reverse("assessment:detail", args=[system.pk]) + f"#indicator-{indicator.pk}")
    return _form_page(request, "indicator_form.html", form, _("编辑指标「{name}」").format(name=indicator.name), system,
                      indicator=indicator)


@login_required
@require_POST
def indicator_delete(request, pk):
    indicator = policy.get(Indicator, request.user, pk, policy.ASSESSMENT_MANAGE)
    system = indicator.system
    if not confirmed(request):
        return confirm_page(request, title=_("删除指标"), message=_(INDICATOR_DELETE_QUESTION), label=_("确认删除"),
                            back=reverse("assessment:detail", args=[system.pk]), button_class="btn-danger")
    try:
        count = services.indicator_delete(actor=request.user, indicator=indicator, request=request)
    except ValidationError as exc:
        return refused(request, system, exc)
    messages.success(request, _("已删除{n}项指标").format(n=count))
    return redirect("assessment:detail", system.pk)


@login_required
@require_POST
def indicator_move(request, pk):
    indicator = policy.get(Indicator, request.user, pk, policy.ASSESSMENT_MANAGE)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return refused(request, indicator.system, ValidationError(_("请选择上移或下移")))
    try:
        services.indicator_move(actor=request.user, indicator=indicator, up=direction == "up", request=request)
    except ValidationError as exc:
        return refused(request, indicator.system, exc)
    return redirect(reverse("assessment:detail", args=[indicator.system_id]) + f"#indicator-{indicator.pk}")


def _step(request, pk, *, title, question, label, service, done, button_class="btn-primary", then=None):
    """A one-click step of a system (publish, retire, delete): confirmed first, refused with the reasons (400); then
    the system's page, or `then` (a URL name) when the step removes it."""
    system = policy.get(IndicatorSystem, request.user, pk, policy.ASSESSMENT_MANAGE)
    if not confirmed(request):
        return confirm_page(request, title=title, message=question, label=label,
                            back=reverse("assessment:detail", args=[system.pk]), button_class=button_class)
    try:
        service(actor=request.user, system=system, request=request)
    except ValidationError as exc:
        return refused(request, system, exc)
    messages.success(request, done)
    return redirect(then) if then else redirect("assessment:detail", system.pk)


@login_required
@require_POST
def system_publish(request, pk):
    return _step(request, pk, title=_("发布使用"), question=_(PUBLISH_QUESTION), label=_("确认发布"),
                 service=services.system_publish, done=_("已发布，该指标体系现为使用中"))


@login_required
@require_POST
def system_retire(request, pk):
    return _step(request, pk, title=_("停用"), question=_(RETIRE_QUESTION), label=_("确认停用"),
                 service=services.system_retire, done=_("已停用"), button_class="btn-danger")


@login_required
@require_POST
def system_delete(request, pk):
    return _step(request, pk, title=_("删除草稿"), question=_(DELETE_QUESTION), label=_("确认删除"),
                 service=services.system_delete, done=_("已删除草稿"), button_class="btn-danger", then="assessment:list")


@login_required
def system_copy(request, pk):
    system = policy.get(IndicatorSystem, request.user, pk, policy.ASSESSMENT_MANAGE)
    form = CopyForm(request.POST or None, initial={"year": system.year})
    copy = _submitted(form, lambda d: services.system_copy(actor=request.user, system=system, year=d["year"], request=request))
    if copy:
        messages.success(request, _("已复制为 {name}，现为草稿").format(name=copy))
        return redirect("assessment:detail", copy.pk)
    return _form_page(request, "copy_form.html", form, _("复制 {name}").format(name=system), system,
                      next_year=system.year + 1 if system.year < MAX_YEAR else None)
