"""Pages of the watch over organizational life: compliance and its drill-down, the Excel export, what
is due soon, the calendar, members' attendance and the follow-up list, and the district's rules."""


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.core.dates import add_months, parse_month
from apps.core.dbrouter import reading_from_replica
from apps.core.forms import submit
from apps.core.lookups import parse_pk
from apps.core.paging import KeysetPage, KeysFirstPaginator, capped_count, keyset_page_or_first
from apps.core.periods import period_containing
from apps.orgs.models import Organization, OrgDomain

from . import compliance, selectors, services
from .forms import ActivityTypeForm, PeriodForm
from .models import ActivityType


def _root(request, capability=policy.RECORD_VIEW):
    """The organization a page looks at: ?org= (404 outside the user's scope), or the top of the scope."""
    if request.GET.get("org"):
        return policy.get(Organization, request.user, request.GET["org"], capability)
    if not policy.has_capability(request.user, capability):
        raise PermissionDenied(_("您没有查看组织生活纪实的权限"))
    return selectors.scope_root(request.user, capability)


def _period_form(request, default=None):
    """The period asked for (?period=), else `default`, else the current month; (form, None) when it is bad."""
    default = default or period_containing("month", timezone.localdate())
    form = PeriodForm(request.GET or None, default=default)
    if form.is_bound and not form.is_valid():
        return form, None
    period = form.cleaned_data["period"] if form.is_bound else default
    return form, period


def _participation_default(today):
    """The 党员参与 page's period when none is asked for. Early in a month almost nothing of it has been held
    and recorded (records are entered up to RECORD_ENTRY_DAYS after the activity), so the page would say 无活动
    everywhere: until the 10th it shows the previous, complete month — the one whose records are now in — and
    from the 10th the current one. A fixed day rather than "whether anything is submitted yet" keeps the
    default the same for every organization and costs no query."""
    month = period_containing("month", today)
    return month.previous() if today.day < 10 else month


def _following(period, today):
    """The 下一期 link's period, or None when it would start after today (nothing held there yet)."""
    following = period.next()
    return following if following.start <= today else None


def _breadcrumbs(user, org):
    return selectors.breadcrumbs(user, org)


@login_required
def compliance_page(request):
    root = _root(request)
    form, period = _period_form(request)
    if period is None:
        return render(request, "records/compliance.html", {"form": form, "root": root, "section": "compliance"}, status=400)
    group = form.cleaned_data.get("group") if form.is_bound else ""
    group = group or "children"
    domain = request.GET.get("domain") if request.GET.get("domain") in OrgDomain.values else None
    with reading_from_replica():  # counters over a whole subtree: may be a moment old
        table = compliance.compliance_table(root, period, group_by=group, domain=domain)
        figures = selectors.subtree_record_figures(root, period.start, period.end)
    sort = request.GET.get("sort", "rate")
    return render(request, "records/compliance.html", {
        "form": form, "root": root, "period": period, "group": group, "domain": domain, "sort": sort,
        "rules": table["rules"], "rows": compliance.sort_rows(table["rows"], sort), "total": table["total"],
        "crumbs": _breadcrumbs(request.user, root), "section": "compliance",
        "previous": period.previous(), "next": _following(period, timezone.localdate()),
        "figures": figures,
    })


def _type_param(request):
    value = request.GET.get("type", "")
    t = ActivityType.objects.filter(pk=parse_pk(value)).first() if parse_pk(value) is not None else None
    if t is None or not t.is_required:
        raise Http404(_("未找到该活动类型"))
    return t


@login_required
def compliance_missing(request):
    root = _root(request)
    activity_type = _type_param(request)
    form, period = _period_form(request)
    if period is None:
        return render(request, "records/compliance.html", {"form": form, "root": root, "section": "compliance"}, status=400)
    domain = request.GET.get("domain") if request.GET.get("domain") in OrgDomain.values else None
    show_all = request.GET.get("all") == "1"
    rule, qs = compliance.missing_orgs(root, period, activity_type, domain=domain, include_done=show_all)
    # Pages by keys (the path), the matches counted up to COMPLIANCE_MISSING_COUNT_CAP: each is an organization tested
    # by a correlated count, and a province's year has tens of thousands of them.
    count, capped = capped_count(qs, settings.COMPLIANCE_MISSING_COUNT_CAP)
    page, paging_error = keyset_page_or_first(
        lambda params: KeysetPage(qs, keys=("path", "id"), params=params, per_page=settings.LIST_PAGE_SIZE,
                                  count=count, capped=capped, key_source=compliance.subtree(root),
                                  numbered=settings.LIST_NUMBERED_PAGES), request.GET)
    for org in page:
        org.state = compliance.org_state(rule, org)
    return render(request, "records/missing.html", {
        "root": root, "period": period, "activity_type": activity_type, "rule": rule, "page": page,
        "domain": domain, "domain_label": dict(OrgDomain.choices).get(domain, ""), "show_all": show_all,
        "crumbs": _breadcrumbs(request.user, root), "section": "compliance", "paging_error": paging_error,
    }, status=400 if paging_error else 200)


@login_required
def compliance_export(request):
    root = _root(request)
    form, period = _period_form(request)
    if period is None:
        return render(request, "records/compliance.html", {"form": form, "root": root, "section": "compliance"}, status=400)
    job = services.compliance_export_start(actor=request.user, root=root, period=period, request=request)
    return redirect("core:job", job.pk)


@login_required
def due(request):
    if not policy.has_capability(request.user, policy.RECORD_MANAGE):
        raise PermissionDenied(_("您没有记录组织生活的权限"))
    orgs = policy.restrict(Organization, request.user, policy.RECORD_MANAGE)
    return render(request, "records/due.html", {
        "items": compliance.due_soon(orgs), "plans": selectors.plans_upcoming(request.user)[:100],
        "work": selectors.records_needing_work(request.user)[:100], "today": timezone.localdate(),
        "section": "due",
    })


@login_required
def calendar_page(request):
    root = _root(request)
    try:
        month = parse_month(request.GET["month"]) if request.GET.get("month") else timezone.localdate().replace(day=1)
    except ValueError as exc:  # a bad ?month= answers like every bad parameter in records: BadRequest's message
        raise BadRequest(str(exc)) from None
    data = selectors.calendar_month(request.user, root, month)
    return render(request, "records/calendar.html", {
        "root": root, "month": month, "previous": add_months(month, -1), "next": add_months(month, 1),
        "today": timezone.localdate(), "this_month": timezone.localdate().replace(day=1),
        "crumbs": _breadcrumbs(request.user, root), "section": "calendar",
        "can_manage": policy.can(request.user, policy.RECORD_MANAGE, root), **data,
        "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
    })


@login_required
def attendance_page(request):
    root = _root(request)
    today = timezone.localdate()
    form, period = _period_form(request, default=_participation_default(today))
    if period is None:
        return render(request, "records/attendance.html", {"form": form, "root": root, "section": "attendance"}, status=400)
    end = min(period.end, timezone.localdate())
    context = {
        "form": form, "root": root, "period": period, "previous": period.previous(), "next": _following(period, today),
        "crumbs": _breadcrumbs(request.user, root), "section": "attendance",
        "figures": selectors.subtree_record_figures(root, period.start, end),
        "lists_members": selectors.lists_members(root),
    }
    if end < period.start:  # a period still to come: nothing held yet
        context.update(page=None, children=[], without=0)
    elif context["lists_members"]:
        # Members expected at something in the period, by name or by rate (lowest first); a small subtree only.
        order = "rate" if request.GET.get("sort") == "rate" else "name"
        qs = selectors.members_attendance(request.user, root, period.start, end)
        qs = (qs.order_by("present_n", "-expected_n", "name_pinyin", "id") if order == "rate"
              else qs.order_by("name_pinyin", "id"))
        # One count (the members with nothing to attend, a figure of the page); the pager's total is the subtree's
        # stored member count minus it, not a second count of the members.
        without = selectors.members_without_activity(request.user, root, period.start, end)
        listed = selectors.members_attending_count(request.user, root, without)
        context.update(sort=order, without=without,
                       page=KeysFirstPaginator(qs, settings.LIST_PAGE_SIZE, count=listed).get_page(request.GET.get("page")))
    else:
        children = selectors.children_attendance(root, period.start, end)
        order = "rate" if request.GET.get("sort") == "rate" else "name"
        if order == "rate":  # lowest first; organizations with nothing recorded at the end
            children.sort(key=lambda c: (c.rate is None, c.rate or 0, c.path))
        context.update(sort=order, children=children)
    return render(request, "records/attendance.html", context)


@login_required
def followup_page(request):
    root = _root(request)
    context = {"root": root, "months": settings.NONPARTICIPATION_MONTHS, "crumbs": _breadcrumbs(request.user, root),
               "section": "attendance", "lists_members": selectors.lists_members(root)}
    if context["lists_members"]:
        # Keyset pages from the stored attendance dates: no count of the subtree's members, no OFFSET.
        qs, since = selectors.non_participants(request.user, root)
        page, paging_error = keyset_page_or_first(
            lambda params: selectors.followup_page(request.user, qs, params, per_page=settings.LIST_PAGE_SIZE),
            request.GET)
        context.update(since=since, page=page, paging_error=paging_error)
    else:
        # The rule of the 党员参与 page: above ATTENDANCE_MEMBERS_MAX_ORGS organizations the list (a correlated
        # check per member, counted for the pager) would scan the whole district; one chooses a lower one.
        context.update(since=selectors.followup_since(), children=selectors.child_organizations(root))
    return render(request, "records/followup.html", context, status=400 if context.get("paging_error") else 200)


# ---- the district's rules ----

@login_required
def types_page(request):
    if not policy.has_capability(request.user, policy.RECORD_VIEW):
        raise PermissionDenied(_("您没有查看组织生活纪实的权限"))
    return render(request, "records/types.html", {
        "types": ActivityType.objects.all(), "section": "compliance",
        "can_edit": policy.has_capability(request.user, policy.RULES_MANAGE),
    })


@login_required
def type_edit(request, pk=None):
    if not policy.has_capability(request.user, policy.RULES_MANAGE):
        raise PermissionDenied(_("只有区委组织部管理员可以设置组织生活规则"))
    activity_type = None
    if pk is not None:
        activity_type = ActivityType.objects.filter(pk=pk).first()
        if activity_type is None:
            raise Http404(_("未找到该活动类型"))
    form = ActivityTypeForm(request.POST or None, instance=activity_type)
    saved = submit(form, lambda data: services.activity_type_save(actor=request.user, activity_type=activity_type,
                                                                   data=data, request=request))
    if saved:
        messages.success(request, _("已保存活动类型：{name}").format(name=saved.name))
        return redirect("records:types")
    return render(request, "records/type_form.html", {"form": form, "activity_type": activity_type, "section": "compliance"},
                  status=400 if form.errors else 200)
