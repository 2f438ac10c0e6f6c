"""Pages of duty lists and inspections under /assessment/duties/ and /assessment/inspections/: the lists (the
district's templates, an organization's own), an organization's whole list as it applies (printable on A4), the
quarterly inspection entered by the superior, the list of inspections with filters, evidence downloads.

Access (duty_scopes.py): ASSESSMENT_VIEW to read; keeping a list: ASSESSMENT_MANAGE for a template, ORG_MANAGE for an
organization's own; entering an inspection: ASSESSMENT_SCORE strictly above the organization. Out of scope is 404,
visible but not allowed 403."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_validation_error, submit
from apps.orgs.models import Organization

from . import duty_selectors, duty_services
from .duty_forms import DutyItemForm, DutyListForm, InspectionFilterForm, InspectionForm
from .duty_models import DutyItem, DutyList, Inspection, InspectionEvidence, Outcome
from .duty_scopes import DUTY_KEEP

DELETE_LIST_QUESTION = gettext_noop("删除这个清单及其全部事项？已录入的检查结果保留。")
DELETE_ITEM_QUESTION = gettext_noop("删除这个事项？已录入的检查结果保留。")
DELETE_INSPECTION_QUESTION = gettext_noop("删除这次检查及其全部结果和佐证材料？已提取到考核轮次的扣分事项不受影响。")


def _require(user, capability, message):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(message)


def _view_org(user, pk):
    """The organization, if the user holds ASSESSMENT_VIEW on it (else 404: its existence does not leak)."""
    return policy.get(Organization, user, pk, policy.ASSESSMENT_VIEW)


def can_inspect(user, org) -> bool:
    """ASSESSMENT_SCORE strictly above the organization: the superior inspects, never its own organization."""
    return any(org.path.startswith(p) and org.path != p for p in policy.scope_paths(user, policy.ASSESSMENT_SCORE))


def _manage_org(user):
    """Where the user sets up templates: the highest organization of their ASSESSMENT_MANAGE scope."""
    return policy.restrict(Organization, user, policy.ASSESSMENT_MANAGE).order_by("depth", "path").first()


@login_required
def duty_home(request):
    _require(request.user, policy.ASSESSMENT_VIEW, _("您没有查看考核评价的权限"))
    lists = policy.restrict(DutyList, request.user).select_related("organization").order_by(
        "-is_template", "organization__path", "post", "id")
    page = Paginator(lists, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    own = policy.restrict(Organization, request.user, policy.ASSESSMENT_VIEW).filter(
        path__in=policy.scope_paths(request.user, policy.ASSESSMENT_VIEW)).order_by("path")[:5]
    return render(request, "assessment/duties/home.html", {
        "page": page, "own": own, "section": "assessment",
        "can_template": policy.has_capability(request.user, policy.ASSESSMENT_MANAGE),
        "can_own": policy.has_capability(request.user, policy.ORG_MANAGE)})


@login_required
def duty_list_create(request):
    template = request.GET.get("template") == "1"
    if template:
        _require(request.user, policy.ASSESSMENT_MANAGE, _("只有区级管理员可以下发清单模板"))
    else:
        _require(request.user, policy.ORG_MANAGE, _("您没有维护本组织清单的权限"))
    orgs = None if template else policy.restrict(Organization, request.user, policy.ORG_MANAGE)
    form = DutyListForm(request.POST or None, template=template, organizations=orgs)

    def create(data):
        org = _manage_org(request.user) if template else data["organization"]
        return duty_services.duty_list_create(actor=request.user, organization=org, request=request,
                                              data={**data, "is_template": template})

    lst = submit(form, create)
    if lst:
        messages.success(request, _("已创建清单，请添加事项"))
        return redirect("assessment:duty_list", lst.pk)
    return render(request, "assessment/duties/list_form.html", {"form": form, "template": template, "section": "assessment"},
                  status=400 if form.is_bound else 200)


@login_required
def duty_list_detail(request, pk, form=None, status=200):
    lst = policy.get(DutyList, request.user, pk)
    items = list(lst.items.all())
    return render(request, "assessment/duties/list.html", {
        "list": lst, "sections": duty_selectors.sections([_with_list(i, lst) for i in items]),
        "can_keep": policy.can(request.user, DUTY_KEEP, lst), "form": form or DutyItemForm(),
        "delete_list_question": _(DELETE_LIST_QUESTION), "delete_item_question": _(DELETE_ITEM_QUESTION),
        "section": "assessment"}, status=status)


def _with_list(item, lst):
    item.duty_list = lst
    return item


@login_required
def duty_list_edit(request, pk):
    lst = policy.get(DutyList, request.user, pk, DUTY_KEEP)
    form = DutyListForm(request.POST or None, template=lst.is_template, duty_list=lst)
    if submit(form, lambda d: duty_services.duty_list_update(actor=request.user, duty_list=lst, data=d, request=request)):
        messages.success(request, _("已保存"))
        return redirect("assessment:duty_list", lst.pk)
    return render(request, "assessment/duties/list_form.html", {"form": form, "list": lst, "template": lst.is_template,
                                                                "section": "assessment"},
                  status=400 if form.is_bound else 200)


@login_required
@require_POST
def duty_list_delete(request, pk):
    lst = policy.get(DutyList, request.user, pk, DUTY_KEEP)
    if not confirmed(request):
        return confirm_page(request, title=_("删除清单"), message=_(DELETE_LIST_QUESTION), label=_("确认删除"),
                            back=reverse("assessment:duty_list", args=[lst.pk]), button_class="btn-danger")
    duty_services.duty_list_delete(actor=request.user, duty_list=lst, request=request)
    messages.success(request, _("已删除"))
    return redirect("assessment:duties")


@login_required
@require_POST
def duty_item_add(request, pk):
    lst = policy.get(DutyList, request.user, pk, DUTY_KEEP)
    form = DutyItemForm(request.POST)
    if submit(form, lambda d: duty_services.duty_item_add(actor=request.user, duty_list=lst, data=d, request=request)):
        messages.success(request, _("已添加"))
        return redirect("assessment:duty_list", lst.pk)
    return duty_list_detail(request, lst.pk, form=form, status=400)


@login_required
def duty_item_edit(request, pk):
    item = policy.get(DutyItem, request.user, pk, DUTY_KEEP)
    form = DutyItemForm(request.POST or None, initial={"kind": item.kind, "text": item.text, "deadline": item.deadline})
    if submit(form, lambda d: duty_services.duty_item_update(actor=request.user, item=item, data=d, request=request)):
        messages.success(request, _("已保存"))
        return redirect("assessment:duty_list", item.duty_list_id)
    return render(request, "assessment/duties/item_form.html", {"form": form, "item": item, "section": "assessment"},
                  status=400 if form.is_bound else 200)


@login_required
@require_POST
def duty_item_delete(request, pk):
    item = policy.get(DutyItem, request.user, pk, DUTY_KEEP)
    back = reverse("assessment:duty_list", args=[item.duty_list_id])
    if not confirmed(request):
        return confirm_page(request, title=_("删除事项"), message=_(DELETE_ITEM_QUESTION), label=_("确认删除"), back=back,
                            button_class="btn-danger")
    duty_services.duty_item_delete(actor=request.user, item=item, request=request)
    messages.success(request, _("已删除"))
    return redirect(back)


@login_required
def org_duties(request, pk):
    """The organization's whole list as it applies (templates for its kind and its own), its inspections."""
    org = _view_org(request.user, pk)
    items = duty_selectors.applicable_items(org)
    inspections = duty_selectors.inspection_list(policy.restrict(Inspection, request.user).filter(organization=org))[:8]
    return render(request, "assessment/duties/org.html", {
        "org": org, "sections": duty_selectors.sections(items), "inspections": inspections,
        "can_inspect": can_inspect(request.user, org), "section": "assessment"})


@login_required
def inspection_create(request, pk):
    org = _view_org(request.user, pk)
    if not can_inspect(request.user, org):
        raise PermissionDenied(_("只有上级组织可以检查该组织"))
    items = duty_selectors.applicable_items(org)
    today = timezone.localdate()
    form = InspectionForm(request.POST or None, initial={"period_key": duty_selectors.previous_quarter(today),
                                                         "inspected_on": today})
    rows = [(i, request.POST.get(f"outcome-{i.pk}", ""), request.POST.get(f"note-{i.pk}", "")) for i in items]
    if request.method == "POST" and form.is_valid():
        results = {i.pk: (outcome, note) for i, outcome, note in rows}
        files = {i.pk: request.FILES.getlist(f"files-{i.pk}") for i in items}
        try:
            inspection = duty_services.inspection_create(actor=request.user, organization=org, data=form.cleaned_data,
                                                         results=results, files=files, request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已录入检查结果"))
            return redirect("assessment:inspection_detail", inspection.pk)
    return render(request, "assessment/duties/inspect.html", {
        "org": org, "form": form, "rows": rows, "sections": duty_selectors.sections(items), "Outcome": Outcome,
        "section": "assessment"}, status=400 if form.is_bound else 200)


@login_required
def inspection_list(request):
    _require(request.user, policy.ASSESSMENT_VIEW, _("您没有查看考核评价的权限"))
    filters = InspectionFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    inspections = duty_selectors.inspection_list(policy.restrict(Inspection, request.user),
                                                 period_key=data.get("period_key") or "", failed_only=bool(data.get("failed")))
    page = Paginator(inspections, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/duties/inspections.html", {"page": page, "filters": filters, "section": "assessment"},
                  status=400 if filters.is_bound and filters.errors else 200)


@login_required
def inspection_detail(request, pk):
    inspection = policy.get(Inspection, request.user, pk)
    results = list(inspection.results.prefetch_related("evidence"))
    return render(request, "assessment/duties/inspection.html", {
        "inspection": inspection, "results": results, "failed": sum(1 for r in results if r.failed),
        "can_delete": policy.can(request.user, policy.ASSESSMENT_SCORE, inspection),
        "delete_question": _(DELETE_INSPECTION_QUESTION), "section": "assessment"})


@login_required
@require_POST
def inspection_delete(request, pk):
    inspection = policy.get(Inspection, request.user, pk, policy.ASSESSMENT_SCORE)
    if not confirmed(request):
        return confirm_page(request, title=_("删除检查"), message=_(DELETE_INSPECTION_QUESTION), label=_("确认删除"),
                            back=reverse("assessment:inspection_detail", args=[inspection.pk]), button_class="btn-danger")
    org = inspection.organization_id
    duty_services.inspection_delete(actor=request.user, inspection=inspection, request=request)
    messages.success(request, _("已删除"))
    return redirect("assessment:org_duties", org)


@login_required
def inspection_evidence(request, pk):
    item = policy.get(InspectionEvidence, request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在")) from None
    return FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)
