"""Pages of flowing members under /membership/flows/: 流出 (with report-backs and the overdue flag), 流入, 失联 (with
the search efforts) and the follow-up list of rules.md §4; each list with its filters, each record's page with its
history and forms.

Access (flow_scopes.py): MEMBER_VIEW reads within the subtree of the member's organization (an inflow: of its branch),
MEMBER_MANAGE writes; anyone else: 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import submit
from apps.core.lookups import parse_pk
from apps.core.paging import keyset_page_or_first
from apps.orgs.models import Organization

from . import flow_selectors as selectors
from . import flow_services as services
from .flow_forms import FlowEndForm, FlowInEndForm, FlowInForm, FlowOutForm, FoundForm, LostForm, ReportForm, SearchForm
from .flow_models import FlowIn, FlowOut, FlowStatus, LostContact, LostStatus
from .transfer_views import member_choice

PAGE_SIZE = 50


def _require(user, capability):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(_("您没有办理流动党员的权限") if capability == policy.MEMBER_MANAGE
                               else _("您没有查看流动党员的权限"))


def _name_q(request):
    return (request.GET.get("q") or "").strip()[:30]


def _list(request, model, *, views, default, name_field, related, order, template, flag=None, extra=None):
    """A scoped list: ?view= one of `views` ({key: (label, Q)}), ?q= a name's beginning, numbered pages of PAGE_SIZE;
    `flag(obj)` marks a row (the overdue report-backs)."""
    _require(request.user, policy.MEMBER_VIEW)
    view = request.GET.get("view", default)
    if view not in views:
        view = default
    qs = policy.restrict(model, request.user).filter(views[view][1]).select_related(*related)
    q = _name_q(request)
    if q:
        qs = qs.filter(**{f"{name_field}__startswith": q})
    page = Paginator(qs.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(obj, flag(obj) if flag else False) for obj in page.object_list]
    context = {"page": page, "rows": rows, "view": view, "q": q, "section": "flows",
               "choices": [(key, label) for key, (label, _q) in views.items()],
               "can_manage": policy.has_capability(request.user, policy.MEMBER_MANAGE), **(extra or {})}
    return render(request, template, context)


# ---- 流出 ----

@login_required
def flow_out_list(request):
    today = timezone.localdate()
    views = {"open": (_("流动中"), Q(status=FlowStatus.OPEN)),
             "overdue": (_("汇报超期"), selectors.report_overdue_q(today)),
             "ended": (_("已结束"), Q(status=FlowStatus.ENDED)), "all": (_("全部"), Q())}
    return _list(request, FlowOut, views=views, default="open", name_field="member__name",
                 related=("member__organization", "host_organization"), order=("-since", "-id"),
                 template="membership/flow_out_list.html", flag=lambda f: selectors.is_report_overdue(f, today),
                 extra={"months": settings.FLOW_REPORT_MONTHS})


@login_required
def flow_out_create(request):
    _require(request.user, policy.MEMBER_MANAGE)
    member, matches = member_choice(request)
    form = FlowOutForm(request.POST or None) if member else None
    if member and request.method == "POST":
        flow = submit(form, lambda d: services.flow_out_open(
            actor=request.user, member=member, place=d["place"], since=d["since"], contact=d["contact"],
            host_organization=d["host_organization"], host_name=d["host_name"], request=request))
        if flow:
            messages.success(request, _("已登记流出，该党员状态为流动"))
            return redirect("membership:flow_out", flow.pk)
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "membership/flow_pick_form.html", {
        "member": member, "matches": matches, "form": form, "q": request.GET.get("q", ""), "section": "flows",
        "tab": "out", "title": _("流出登记"), "button": _("登记")}, status=status)


def _out_detail(request, flow, *, report_form=None, end_form=None, status=200):
    return render(request, "membership/flow_out_detail.html", {
        "flow": flow, "section": "flows", "reports": flow.reports.select_related("recorded_by"),
        "overdue": selectors.is_report_overdue(flow, timezone.localdate()), "due": selectors.report_due(flow),
        "can_manage": policy.can(request.user, policy.MEMBER_MANAGE, flow),
        "report_form": report_form or ReportForm(), "end_form": end_form or FlowEndForm()}, status=status)


@login_required
def flow_out_detail(request, pk):
    return _out_detail(request, policy.get(FlowOut, request.user, pk))


@login_required
@require_POST
def flow_out_report(request, pk):
    flow = policy.get(FlowOut, request.user, pk, policy.MEMBER_MANAGE)
    form = ReportForm(request.POST)
    if submit(form, lambda d: services.flow_report_record(actor=request.user, flow=flow, request=request, **d)):
        messages.success(request, _("已登记汇报"))
        return redirect("membership:flow_out", flow.pk)
    return _out_detail(request, flow, report_form=form, status=400)


@login_required
@require_POST
def flow_out_end(request, pk):
    flow = policy.get(FlowOut, request.user, pk, policy.MEMBER_MANAGE)
    form = FlowEndForm(request.POST)
    if submit(form, lambda d: services.flow_out_end(actor=request.user, flow=flow, ended_on=d["ended_on"],
                                                    note=d["note"], request=request)):
        messages.success(request, _("已登记返回，该党员状态恢复为正常"))
        return redirect("membership:flow_out", flow.pk)
    return _out_detail(request, flow, end_form=form, status=400)


# ---- 流入 ----

@login_required
def flow_in_list(request):
    views = {"open": (_("流动中"), Q(status=FlowStatus.OPEN)), "ended": (_("已离开"), Q(status=FlowStatus.ENDED)),
             "all": (_("全部"), Q())}
    return _list(request, FlowIn, views=views, default="open", name_field="name", related=("organization",),
                 order=("-since", "-id"), template="membership/flow_in_list.html")


@login_required
def flow_in_create(request):
    _require(request.user, policy.MEMBER_MANAGE)
    form = FlowInForm(request.POST or None, user=request.user)
    if request.method == "POST":
        flow_in = submit(form, lambda d: services.flow_in_register(
            actor=request.user, organization=d["organization"], data=d, request=request))
        if flow_in:
            messages.success(request, _("已登记流入党员"))
            return redirect("membership:flow_in", flow_in.pk)
    return render(request, "membership/flow_form.html", {
        "form": form, "section": "flows", "tab": "in", "title": _("流入党员登记"), "button": _("登记")},
        status=400 if form.is_bound else 200)


def _in_detail(request, flow_in, *, end_form=None, status=200):
    return render(request, "membership/flow_in_detail.html", {
        "flow_in": flow_in, "section": "flows", "can_manage": policy.can(request.user, policy.MEMBER_MANAGE, flow_in),
        "end_form": end_form or FlowInEndForm()}, status=status)


@login_required
def flow_in_detail(request, pk):
    return _in_detail(request, policy.get(FlowIn, request.user, pk))


@login_required
@require_POST
def flow_in_end(request, pk):
    flow_in = policy.get(FlowIn, request.user, pk, policy.MEMBER_MANAGE)
    form = FlowInEndForm(request.POST)
    if submit(form, lambda d: services.flow_in_end(actor=request.user, flow_in=flow_in, ended_on=d["ended_on"],
                                                   request=request)):
        messages.success(request, _("已登记离开"))
        return redirect("membership:flow_in", flow_in.pk)
    return _in_detail(request, flow_in, end_form=form, status=400)


# ---- 失联 ----

@login_required
def lost_list(request):
    views = {"open": (_("失联中"), Q(status=LostStatus.OPEN)), "found": (_("已取得联系"), Q(status=LostStatus.FOUND)),
             "all": (_("全部"), Q())}
    return _list(request, LostContact, views=views, default="open", name_field="member__name",
                 related=("member__organization",), order=("-lost_on", "-id"),
                 template="membership/flow_lost_list.html")


@login_required
def lost_create(request):
    _require(request.user, policy.MEMBER_MANAGE)
    member, matches = member_choice(request)
    form = LostForm(request.POST or None) if member else None
    if member and request.method == "POST":
        case = submit(form, lambda d: services.lost_contact_open(actor=request.user, member=member,
                                                                 lost_on=d["lost_on"], note=d["note"],
                                                                 request=request))
        if case:
            messages.success(request, _("已登记失联，该党员状态为失联"))
            return redirect("membership:flow_lost", case.pk)
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "membership/flow_pick_form.html", {
        "member": member, "matches": matches, "form": form, "q": request.GET.get("q", ""), "section": "flows",
        "tab": "lost", "title": _("失联党员登记"), "button": _("登记")}, status=status)


def _lost_detail(request, case, *, search_form=None, found_form=None, status=200):
    return render(request, "membership/flow_lost_detail.html", {
        "case": case, "section": "flows", "searches": case.searches.all(),
        "can_manage": policy.can(request.user, policy.MEMBER_MANAGE, case),
        "search_form": search_form or SearchForm(), "found_form": found_form or FoundForm()}, status=status)


@login_required
def lost_detail(request, pk):
    return _lost_detail(request, policy.get(LostContact, request.user, pk))


@login_required
@require_POST
def lost_search(request, pk):
    case = policy.get(LostContact, request.user, pk, policy.MEMBER_MANAGE)
    form = SearchForm(request.POST)
    if submit(form, lambda d: services.lost_contact_search_record(actor=request.user, case=case, request=request,
                                                                   **d)):
        messages.success(request, _("已登记查找情况"))
        return redirect("membership:flow_lost", case.pk)
    return _lost_detail(request, case, search_form=form, status=400)


@login_required
@require_POST
def lost_close(request, pk):
    case = policy.get(LostContact, request.user, pk, policy.MEMBER_MANAGE)
    form = FoundForm(request.POST)
    if submit(form, lambda d: services.lost_contact_close(actor=request.user, case=case, found_on=d["found_on"],
                                                          note=d["note"], request=request)):
        messages.success(request, _("已登记恢复联系"))
        return redirect("membership:flow_lost", case.pk)
    return _lost_detail(request, case, found_form=form, status=400)


# ---- the follow-up list (rules.md §4) ----

@login_required
def followup(request):
    """Members with neither attendance nor dues for LAPSE_FOLLOWUP_MONTHS, one organization's subtree at a time
    (?org=, within MEMBER_VIEW; default the top of the scope), paged by keys. Reads only."""
    _require(request.user, policy.MEMBER_VIEW)
    if request.GET.get("org"):
        root = policy.get(Organization, request.user, parse_pk(request.GET["org"]) or 0, policy.MEMBER_VIEW)
    else:
        root = selectors.scope_root(request.user, policy.MEMBER_VIEW)
    today = timezone.localdate()
    context = {"root": root, "months": settings.LAPSE_FOLLOWUP_MONTHS, "section": "flows",
               "lists_members": selectors.lists_members(root)}
    status = 200
    if context["lists_members"]:
        qs, since, cutoff = selectors.lapse_followup(request.user, root, today)
        page, error = keyset_page_or_first(
            lambda params: selectors.lapse_page(request.user, qs, params, per_page=PAGE_SIZE), request.GET)
        flows = selectors.open_flows_for(page.object_list)
        rows = [(m, flows.get(m.pk)) for m in page.object_list]
        context.update(since=since, cutoff=cutoff, page=page, rows=rows, paging_error=error)
        status = 400 if error else 200
    else:
        context["children"] = selectors.child_organizations(root)
    return render(request, "membership/flow_followup.html", context, status=status)
