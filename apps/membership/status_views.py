"""Pages of 党籍变动 under /membership/status-changes/: the list in the user's scope (filters: kind, 出党方式, year,
corrected), a new change for a member (reached from the member's page), a change's page and its correction.

Access (status_scopes.py): MEMBER_VIEW reads (the organization at the time or the member's now); STATUS_RECORD
records; STATUS_CORRECT (the district) corrects; anyone else: 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import submit
from apps.core.lookups import parse_pk
from apps.members.models import Member

from . import status_selectors as selectors
from . import status_services as services
from . import status_states as states
from .status_forms import CorrectForm, StatusChangeForm
from .status_models import ChangeKind, LeaveType, StatusChange
from .status_scopes import STATUS_CORRECT, STATUS_RECORD

PAGE_SIZE = 50


def _year(raw):
    value = parse_pk(raw or "")
    return value if value is not None and 1900 <= value <= 2100 else None


@login_required
def change_list(request):
    if not policy.has_capability(request.user, policy.MEMBER_VIEW):
        raise PermissionDenied(_("您没有查看党籍变动的权限"))
    g = request.GET
    filters = {"kind": g.get("kind", ""), "leave_type": g.get("leave_type", ""), "year": _year(g.get("year")),
               "corrected": g.get("corrected", "")}
    qs = (policy.restrict(StatusChange, request.user).filter(selectors.list_filter_q(**filters))
          .select_related("member", "organization").order_by("-effective_on", "-id"))
    page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
    return render(request, "membership/status_list.html", {
        "page": page, "filters": filters, "kinds": ChangeKind.choices, "leave_types": LeaveType.choices,
        "can_record": policy.has_capability(request.user, STATUS_RECORD), "section": "membership"})


@login_required
def change_create(request):
    if not policy.has_capability(request.user, STATUS_RECORD):
        raise PermissionDenied(_("您没有办理党籍变动的权限"))
    member = policy.get(Member, request.user, parse_pk(request.GET.get("member") or "") or 0, STATUS_RECORD)
    allowed = [k for k, ok in states.available(member).items() if ok]
    form = StatusChangeForm(request.POST or None, kinds=allowed, initial={"kind": request.GET.get("kind")})
    if request.method == "POST":
        change = submit(form, lambda d: services.status_change_record(
            actor=request.user, member=member, kind=d["kind"], leave_type=d["leave_type"],
            effective_on=d["effective_on"], reason=d["reason"], approved_by_name=d["approved_by_name"],
            document_number=d["document_number"], request=request))
        if change:
            messages.success(request, _("已登记：{kind}").format(kind=change.get_kind_display()))
            return redirect("membership:status_change", change.pk)
    return render(request, "membership/status_form.html", {
        "member": member, "form": form, "allowed": allowed, "state": states.state(member),
        "transfer": selectors.open_transfer(member.pk), "section": "membership"},
        status=400 if form.is_bound else 200)


def _detail(request, change, *, form=None, status=200):
    return render(request, "membership/status_detail.html", {
        "change": change, "form": form or CorrectForm(), "section": "membership",
        "can_correct": policy.can(request.user, STATUS_CORRECT, change) and not change.is_corrected}, status=status)


@login_required
def change_detail(request, pk):
    return _detail(request, policy.get(StatusChange, request.user, pk))


@login_required
@require_POST
def change_correct(request, pk):
    change = policy.get(StatusChange, request.user, pk, STATUS_CORRECT)
    form = CorrectForm(request.POST)
    if submit(form, lambda d: services.status_change_correct(actor=request.user, change=change, reason=d["reason"],
                                                              request=request)):
        messages.success(request, _("已更正，党员状态已恢复为变动前的状态"))
        return redirect("membership:status_change", change.pk)
    return _detail(request, change, form=form, status=400)
