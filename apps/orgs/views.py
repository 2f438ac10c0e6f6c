from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import submit
from apps.core.paging import keyset_page_or_first

from . import picker, selectors, services
from .forms import DissolveForm, MoveForm, OrganizationForm
from .models import CommitteePost, Organization

POST_RANK = {value: rank for rank, value in enumerate(CommitteePost.Post.values)}  # 书记 first, as in the choices


@login_required
def tree(request):
    if not policy.has_capability(request.user, policy.ORG_VIEW):
        raise PermissionDenied(_("您没有查看党组织的权限"))
    q = request.GET.get("q", "").strip()
    if q:
        scope = policy.restrict(Organization, request.user, policy.MEMBER_VIEW)
        found = selectors.search_orgs(scope.filter(is_active=True), q)
        page = Paginator(found.select_related("cluster"), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        # Namesakes ("新民村第1党支部" in four villages) are told apart by their parent path.
        page.object_list = selectors.with_path_labels(page.object_list, ancestors_from=scope)
        return render(request, "orgs/tree.html", {"q": q, "page": page, "section": "orgs"})
    # The roots with their stored subtree roll-ups: one query, whatever the number of roots or organizations.
    roots = selectors.with_subtree_counts(
        policy.restrict(Organization, request.user).filter(path__in=policy.scope_paths(request.user, policy.ORG_VIEW)))
    return render(request, "orgs/tree.html", {"roots": roots, "section": "orgs"})


@login_required
def pick(request):
    """htmx fragment for the organization picker: matches within the user's scope for the capability
    the form chooses under (`cap`), each with its parent path."""
    capability = request.GET.get("cap", policy.ORG_VIEW)
    kinds = request.GET.get("kinds", "")
    if (capability not in picker.CAPABILITIES and capability != picker.GRANT) or kinds not in picker.KIND_SETS:
        return HttpResponseBadRequest(_("组织选择参数有误"))
    if not picker.may_pick(request.user, capability):
        raise PermissionDenied(_("您没有选择组织的权限"))
    # htmx sends the box's text under the field's own name; `q` works for links and tests.
    field = request.GET.get("field", "")
    raw = request.GET.get("q") or (request.GET.get(field, "") if field and field not in ("cap", "kinds", "active") else "")
    results, more = picker.pick(request.user, capability, raw, kinds=kinds, active_only=request.GET.get("active") != "0")
    context = {"results": results, "more": more, "q": picker.clean_query(raw), "limit": picker.RESULTS_MAX}
    # The fragment is for the picker's own htmx request. A browser opening the address itself (a reload, a
    # bookmark, a history entry htmx restores) gets a whole page in the site's layout, never a bare list.
    navigated = not request.headers.get("HX-Request") and "text/html" in request.headers.get("Accept", "")
    if navigated or request.headers.get("HX-History-Restore-Request"):
        context.update(capability=capability, kinds=kinds, active=request.GET.get("active", ""))
        return render(request, "orgs/pick_page.html", context)
    return render(request, "orgs/_pick_results.html", context)


@login_required
def children(request, pk):
    """htmx fragment: the children of one node, each with subtree counts."""
    parent = policy.get(Organization, request.user, pk, policy.MEMBER_VIEW)  # the tree is for those who manage it
    return render(request, "orgs/_children.html", {"children": selectors.children_with_counts(parent)})


@login_required
def detail(request, pk):
    org = policy.get(Organization, request.user, pk)
    can_manage = policy.can(request.user, policy.ORG_MANAGE, org)
    in_scope = policy.can(request.user, policy.MEMBER_VIEW, org)
    context = {"org": org, "section": "orgs", "can_manage": can_manage, "in_scope": in_scope, "today": date.today(),
               "ancestors": [a for a in selectors.ancestors(org) if policy.can(request.user, policy.ORG_VIEW, a)]}
    if in_scope:
        counts = selectors.subtree_counts(org)
        context.update({
            "stats": selectors.org_stats(org, subtree_total=counts["members"]),
            "counts": counts,
            "children": selectors.children_with_counts(org),
            "posts": sorted(org.posts.filter(is_current=True).select_related("member"), key=lambda p: POST_RANK[p.post]),
            "past_posts": org.posts.filter(is_current=False).select_related("member").order_by("-term_end")[:20],
        })
    return render(request, "orgs/detail.html", context)


def _form_page(request, form, title, org=None, status=200):
    return render(request, "orgs/form.html", {"form": form, "title": title, "org": org, "section": "orgs"}, status=status)


@login_required
def create_child(request, pk):
    parent = policy.get(Organization, request.user, pk, policy.ORG_MANAGE)
    form = OrganizationForm(request.POST or None)
    org = submit(form, lambda data: services.org_create(actor=request.user, parent=parent, data=data, request=request))
    if org:
        messages.success(request, _("已设立 {name}").format(name=org.name))
        return redirect("orgs:detail", org.pk)
    return _form_page(request, form, _("在 {name} 下设立组织").format(name=parent.name), parent, 400 if form.errors else 200)


@login_required
def edit(request, pk):
    org = policy.get(Organization, request.user, pk, policy.ORG_MANAGE)
    form = OrganizationForm(request.POST or None, instance=org)
    if submit(form, lambda data: services.org_update(actor=request.user, org=org, data=data, request=request)):
        messages.success(request, _("已保存"))
        return redirect("orgs:detail", org.pk)
    return _form_page(request, form, _("编辑 {name}").format(name=org.name), org, 400 if form.errors else 200)


@login_required
def move(request, pk):
    org = policy.get(Organization, request.user, pk, policy.ORG_MANAGE)
    if selectors.restructure_parent(request.user, org) is None:
        raise PermissionDenied(_("调整该组织的隶属关系需要上级组织的管理权限"))
    form = MoveForm(request.POST or None, candidates=policy.restrict(Organization, request.user, policy.ORG_MANAGE).filter(is_active=True))
    if submit(form, lambda data: services.org_move(actor=request.user, org=org, new_parent=data["parent"], request=request)):
        messages.success(request, _("已将 {name} 及其下级组织移至 {parent}").format(name=org.name, parent=form.cleaned_data["parent"].name))
        return redirect("orgs:detail", org.pk)
    return _form_page(request, form, _("调整 {name} 的隶属关系").format(name=org.name), org, 400 if form.errors else 200)


@login_required
def dissolve(request, pk):
    org = policy.get(Organization, request.user, pk, policy.ORG_MANAGE)
    parent = selectors.restructure_parent(request.user, org)
    if parent is None:
        raise PermissionDenied(_("撤销该组织需要上级组织的管理权限"))
    form = DissolveForm(request.POST or None, initial={"dissolved_on": date.today()})
    if submit(form, lambda data: services.org_dissolve(actor=request.user, org=org, dissolved_on=data["dissolved_on"],
                                                       reason=data["dissolve_reason"], request=request)):
        messages.success(request, _("已撤销 {name}").format(name=org.name))
        return redirect("orgs:detail", parent.pk)
    return _form_page(request, form, _("撤销 {name}").format(name=org.name), org, 400 if form.errors else 200)


@login_required
@require_POST
def post_end(request, pk):
    post = policy.get(CommitteePost, request.user, pk, policy.ORG_MANAGE)  # through its organization (orgs.scopes)
    if not confirmed(request):  # ending a post dates its term today: one click never does it
        return confirm_page(request, title=_("免职"), message=_("确定免去该职务？"), label=_("确认免职"),
                            back=reverse("orgs:detail", args=[post.organization_id]), button_class="btn-danger")
    services.committee_post_end(actor=request.user, post=post, term_end=date.today(), request=request)
    messages.success(request, _("已免去该职务"))
    return redirect("orgs:detail", post.organization_id)


@login_required
def terms(request):
    if not policy.has_capability(request.user, policy.ORG_VIEW):
        raise PermissionDenied(_("您没有查看党组织的权限"))
    # ?org=<pk>: that organization's subtree only (404 out of scope); ?overdue=1: terms already ended only — the
    # assessment's 任期届满未换届 score links here.
    within = policy.get(Organization, request.user, request.GET["org"]) if request.GET.get("org") else None
    overdue = request.GET.get("overdue") == "1"
    scope = policy.restrict(selectors.subtree(within) if within else Organization, request.user)
    qs = selectors.term_reminders(scope, overdue_only=overdue)
    page = Paginator(qs, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orgs/terms.html", {"page": page, "today": date.today(), "section": "terms",
                                               "months": settings.TERM_REMINDER_MONTHS, "within": within,
                                               "overdue": overdue})


@login_required
def warnings(request, pk):
    root = policy.get(Organization, request.user, pk, policy.MEMBER_VIEW)
    # The database filters, counts (capped) and pages; warning texts are written for the page's rows only.
    page, paging_error = keyset_page_or_first(
        lambda params: selectors.warnings_page(root, params, per_page=settings.LIST_PAGE_SIZE), request.GET)
    return render(request, "orgs/warnings.html", {"root": root, "page": page, "paging_error": paging_error,
                                                  "section": "orgs"}, status=400 if paging_error else 200)
