"""Pages of 党纪处分 under /membership/discipline/: the list in the user's scope (filters: kind, in force or ended),
a new 处分 for a member (reached from the member's history), a 处分's page and its end.

Access: the records are scoped by the member's organization (admission_scopes.py); MEMBER_VIEW reads, STATUS_RECORD
(district and organization administrators, as for 党籍变动; not branch secretaries) records and ends; out of scope:
404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import submit
from apps.core.lookups import parse_pk
from apps.members.models import Member

from . import discipline_selectors as selectors
from . import discipline_services as services
from .admission_models import DisciplineKind, DisciplineRecord
from .discipline_forms import DisciplineEndForm, DisciplineForm
from .status_scopes import STATUS_RECORD

PAGE_SIZE = 50
IN_FORCE = {"yes": gettext_lazy("在处分期内"), "no": gettext_lazy("已结束")}


@login_required
def discipline_list(request):
    if not policy.has_capability(request.user, policy.MEMBER_VIEW):
        raise PermissionDenied(_("您没有查看党纪处分的权限"))
    g = request.GET
    filters = {"kind": g.get("kind", ""), "in_force": g.get("in_force", "")}
    today = timezone.localdate()
    qs = (policy.restrict(DisciplineRecord, request.user).filter(selectors.list_filter_q(**filters, today=today))
          .select_related("member__organization").order_by("-starts_on", "-id"))
    page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
    return render(request, "membership/discipline_list.html", {
        "page": page, "filters": filters, "kinds": DisciplineKind.choices, "in_force_choices": IN_FORCE.items(),
        "can_record": policy.has_capability(request.user, STATUS_RECORD), "today": today,
        "section": "membership"})


@login_required
def discipline_create(request):
    if not policy.has_capability(request.user, STATUS_RECORD):
        raise PermissionDenied(_("您没有登记党纪处分的权限"))
    member = policy.get(Member, request.user, parse_pk(request.GET.get("member") or "") or 0, STATUS_RECORD)
    form = DisciplineForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST":
        record = submit(form, lambda d: services.discipline_record_register(
            actor=request.user, member=member, kind=d["kind"], starts_on=d["starts_on"], ends_on=d["ends_on"],
            reason=d["reason"], approved_by_name=d["approved_by_name"], document_number=d["document_number"],
            request=request))
        if record:
            messages.success(request, _("已登记党纪处分：{kind}").format(kind=record.get_kind_display()))
            return redirect("membership:discipline", record.pk)
    return render(request, "membership/discipline_form.html", {"member": member, "form": form,
                                                               "section": "membership"},
                  status=400 if form.is_bound else 200)


def _detail(request, record, *, form=None, status=200):
    return render(request, "membership/discipline_detail.html", {
        "record": record, "form": form or DisciplineEndForm(), "section": "membership",
        "can_end": record.ends_on is None and policy.can(request.user, STATUS_RECORD, record)}, status=status)


@login_required
def discipline_detail(request, pk):
    return _detail(request, policy.get(DisciplineRecord, request.user, pk))


@login_required
@require_POST
def discipline_end(request, pk):
    record = policy.get(DisciplineRecord, request.user, pk, STATUS_RECORD)
    form = DisciplineEndForm(request.POST)
    if submit(form, lambda d: services.discipline_record_end(actor=request.user, record=record, ends_on=d["ends_on"],
                                                              request=request)):
        messages.success(request, _("已登记处分结束"))
        return redirect("membership:discipline", record.pk)
    return _detail(request, record, form=form, status=400)
