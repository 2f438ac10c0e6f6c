import json
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import apply_validation_error, submit
from apps.core.lookups import parse_pk
from apps.core.paging import keyset_page_or_first
from apps.orgs import services as org_services
from apps.orgs.models import Organization

from . import excel, hooks, imports, selectors, services
from .forms import CommitteePostForm, MemberForm
from .models import Member

# Searches by ID number or phone never travel in a URL (access logs, browser history, Referer headers): the search
# form POSTs, the query is kept in the session under a random key and the browser is sent (303) to a GET with that
# key (?qk=…). Name and pinyin searches stay plain, bookmarkable GETs.
_SEARCHES = "member_searches"
_SEARCHES_KEPT = 20  # the most recent private searches of a session; older keys read as expired


def _stash_search(request, q) -> str:
    searches = request.session.get(_SEARCHES, {})
    key = secrets.token_urlsafe(12)
    # A search by a full number counts against the user's limit once, here (not again for each page of it).
    limited = services.member_number_search(actor=request.user, raw=q, where="党员列表", request=request)
    searches[key] = {"limited": limited} if limited else {"q": q}
    request.session[_SEARCHES] = dict(list(searches.items())[-_SEARCHES_KEPT:])
    return key


def _clean_query(request, params) -> str:
    """The list URL for these filters, with a private query replaced by a session key."""
    params = params.copy()
    for name in ("csrfmiddlewaretoken", "page", "after", "before", "last", "qk"):
        params.pop(name, None)
    q = params.get("q", "")
    if selectors.is_private_query(q):
        params.pop("q")
        params["qk"] = _stash_search(request, q)
    query = urlencode([(k, v) for k, values in params.lists() for v in values if v not in ("", None)])
    return reverse("members:list") + ("?" + query if query else "")


def search_params(request, source=None):
    """The filters of a list or export request with ?qk= resolved from the session; and why the search is not run:
    "" (it is), "expired" (an unknown key) or the message of the number-search limit."""
    params = (source if source is not None else request.GET).copy()
    key = params.pop("qk", [""])[-1]
    if not key:
        return params, ""
    entry = request.session.get(_SEARCHES, {}).get(key)
    if not isinstance(entry, dict):
        return params, "expired"
    if entry.get("limited"):
        return params, entry["limited"]
    params["q"] = entry.get("q", "")
    return params, ""


@login_required
def member_list(request):
    if not policy.has_capability(request.user, policy.MEMBER_VIEW):
        raise PermissionDenied(_("您没有查看党员信息的权限"))
    if request.method == "POST" or selectors.is_private_query(request.GET.get("q", "")):
        # A POSTed search, or an ID number in a hand-made or old URL: from here on it stays out of URLs.
        url = _clean_query(request, request.POST if request.method == "POST" else request.GET)
        if request.headers.get("HX-Request"):
            # htmx: fetch the results from the clean URL into #results and push that URL (a 303 would be followed
            # by the browser without htmx's headers, returning the whole page).
            return HttpResponse(headers={"HX-Location": json.dumps({"path": url, "target": "#results"})})
        return HttpResponseRedirect(url, status=303)
    params, not_run = search_params(request)
    f, qs = selectors.member_list(request.user, params)
    if not f.form.is_valid() or not_run:
        qs = qs.none()
    # Lists show masked forms only: the ciphertexts are never loaded (nor decrypted) for a page. Pages go by keys.
    # A hand-made or mangled ?after=/?before=: say so, and show the first page of the same filters (400).
    page, paging_error = keyset_page_or_first(
        lambda params: selectors.member_page(request.user, f, qs, params, per_page=settings.LIST_PAGE_SIZE), request.GET)
    context = {
        "filter": f, "page": page, "section": "members",
        "can_export": policy.has_capability(request.user, policy.MEMBER_EXPORT),
        "can_unmask": policy.has_capability(request.user, policy.MEMBER_UNMASK),
        "can_create": policy.has_capability(request.user, policy.MEMBER_MANAGE),
        "search_expired": not_run == "expired", "search_refused": not_run if not_run != "expired" else "",
        "paging_error": paging_error,
    }
    template = "members/_results.html" if request.headers.get("HX-Request") else "members/list.html"
    status = 429 if context["search_refused"] else 200 if f.form.is_valid() and not paging_error else 400
    return render(request, template, context, status=status)


@login_required
def member_detail(request, pk):
    member = policy.get(Member, request.user, pk)
    return render(request, "members/detail.html", {
        "member": member, "section": "members",
        "can_manage": policy.can(request.user, policy.MEMBER_MANAGE, member),
        "can_unmask": policy.can(request.user, policy.MEMBER_UNMASK, member),
        "posts": member.posts.select_related("organization").order_by("-term_start"),
        # The sections other apps add (organizational life, 民主评议), registered in apps.members.hooks.
        "profile_sections": hooks.shown_profile_sections(member, request.user),
    })


@login_required
def me(request):
    if not request.user.member_id:
        raise Http404(_("您的账号未关联党员档案"))
    return member_detail(request, request.user.member_id)


@login_required
@require_POST
def reveal_id(request, pk):
    member = policy.get(Member, request.user, pk)
    if not policy.can(request.user, policy.MEMBER_UNMASK, member):
        raise PermissionDenied(_("您没有查看完整身份证号的权限"))
    full = services.member_reveal_id_number(actor=request.user, member=member, request=request)
    return render(request, "members/_id_number.html", {"value": full, "revealed": True})


def _initial_from(member):
    data = {k: getattr(member, k) for k in services.WRITABLE_FIELDS if k not in ("birth_date", "sex")}
    data["organization"] = member.organization
    data["party_group"] = member.party_group
    return data


@login_required
def member_create(request):
    if not policy.has_capability(request.user, policy.MEMBER_MANAGE):
        raise PermissionDenied(_("您没有录入党员的权限"))
    orgs = policy.restrict(Organization, request.user, policy.MEMBER_MANAGE)
    initial = {}
    if request.GET.get("org"):
        org = orgs.filter(pk=parse_pk(request.GET["org"])).first() if parse_pk(request.GET["org"]) is not None else None
        initial["organization"] = org
    form = MemberForm(request.POST or None, org_queryset=orgs, initial=initial)
    member = submit(form, lambda data: services.member_create(actor=request.user, data=data, request=request))
    if member:
        messages.success(request, _("已录入党员 {name}").format(name=member.name))
        return redirect("members:detail", member.pk)
    return render(request, "members/form.html", {"form": form, "title": _("录入党员"), "section": "members"},
                  status=400 if form.errors else 200)


@login_required
def member_edit(request, pk):
    member = policy.get(Member, request.user, pk, policy.MEMBER_MANAGE)
    orgs = policy.restrict(Organization, request.user, policy.MEMBER_MANAGE)
    initial = _initial_from(member)
    # The full number is never sent to the browser unasked: left blank means "unchanged".
    initial["id_number"] = ""
    form = MemberForm(request.POST or None, org_queryset=orgs, initial=initial, current_status=member.status)
    form.fields["id_number"].required = False
    form.fields["id_number"].help_text = _("当前：{masked}；不修改请留空").format(masked=member.id_masked)
    def update(data):
        data = {k: v for k, v in data.items() if k != "id_number" or v}  # blank: unchanged
        return services.member_update(actor=request.user, member=member, data=data, request=request)

    if submit(form, update):
        messages.success(request, _("已保存"))
        return redirect("members:detail", member.pk)
    return render(request, "members/form.html", {"form": form, "title": _("编辑 {name}").format(name=member.name), "member": member,
                                                 "section": "members"}, status=400 if form.errors else 200)


@login_required
def export(request):
    if not policy.has_capability(request.user, policy.MEMBER_EXPORT):
        raise PermissionDenied(_("您没有导出党员信息的权限"))
    # The page exports a number search through its session key (?qk=, counted when it was made); a number typed into
    # the export URL by hand is a number search too and counts against the same limit.
    if limited := services.member_number_search(actor=request.user, raw=request.GET.get("q", ""), where="导出党员",
                                                request=request):
        messages.error(request, limited)
        return redirect("members:list")
    params, not_run = search_params(request)
    f, qs = selectors.member_list(request.user, params, capability=policy.MEMBER_EXPORT)
    if not f.form.is_valid() or not_run:
        messages.error(request, _("筛选条件有误，无法导出"))
        return redirect("members:list")
    # The job and its audit row keep the filters as sent: a session key (?qk=), never a number searched for.
    job_params = request.GET.dict()
    if selectors.is_private_query(job_params.get("q", "")):
        job_params["q"] = "***"
    job = imports.member_export_start(actor=request.user, filters=params, params=job_params, request=request)
    return redirect("core:job", job.pk)


@login_required
def import_page(request):
    if not policy.has_capability(request.user, policy.MEMBER_IMPORT):
        raise PermissionDenied(_("您没有导入党员信息的权限"))
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要导入的Excel文件")
        else:
            try:
                job = imports.member_import_start(actor=request.user, upload=upload, request=request)
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                return redirect("core:job", job.pk)
    return render(request, "members/import.html", {"error": error, "section": "import"}, status=400 if error else 200)


@login_required
def import_template(request):
    import tempfile

    from django.http import FileResponse

    if not policy.has_capability(request.user, policy.MEMBER_IMPORT):
        raise PermissionDenied(_("您没有导入党员信息的权限"))
    orgs = policy.restrict(Organization, request.user, policy.MEMBER_IMPORT).filter(is_active=True).order_by("path")
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    tmp.close()
    excel.build_template(tmp.name, orgs)
    return FileResponse(open(tmp.name, "rb"), as_attachment=True, filename="党员信息导入模板.xlsx")


def _post_form_page(request, form, org, status=200):
    return render(request, "orgs/form.html", {"form": form, "title": _("{name} · 添加班子成员").format(name=org.name), "org": org,
                                              "section": "orgs"}, status=status)


@login_required
def committee_post_add(request, pk):
    """添加班子成员, from an organization's page: served by the member registry, which looks the member up (by name
    or a full ID number), while the post itself is the organization app's (apps.orgs.services)."""
    org = policy.get(Organization, request.user, pk, policy.ORG_MANAGE)
    form = CommitteePostForm(request.POST or None)
    # A full ID number or phone typed here tells, by the answer, whether it belongs to a member in the subtree — as
    # the member search does, so it counts against the same per-user limit (outside any transaction).
    limited = request.method == "POST" and form.is_valid() and services.member_number_search(
        actor=request.user, raw=form.cleaned_data["member_id_or_name"], where="添加班子成员", request=request)
    if limited:
        form.add_error("member_id_or_name", limited)
        return _post_form_page(request, form, org, 429)
    if request.method == "POST" and form.is_valid():
        found = selectors.committee_candidates(request.user, org, form.cleaned_data["member_id_or_name"])
        if len(found) != 1:
            form.add_error("member_id_or_name", _("未找到该党员") if not found else _("有多名同名党员，请输入身份证号"))
        else:
            try:
                org_services.committee_post_create(actor=request.user, org=org, member=found[0], post=form.cleaned_data["post"],
                                                   term_start=form.cleaned_data["term_start"],
                                                   term_end=form.cleaned_data["term_end"], request=request)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已添加班子成员"))
                return redirect("orgs:detail", org.pk)
    return _post_form_page(request, form, org, 400 if form.errors else 200)
