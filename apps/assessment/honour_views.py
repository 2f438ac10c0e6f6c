"""Staff pages of honours (示范创建) under /assessment/honours/: campaigns with their quotas, nominating (branch and
township secretaries and administrators, within their subtree), the nominations of a campaign filtered by kind and
state, one nomination with the district's decisions (approve, reject, revoke: confirmed first).

Access (honour_scopes.py): ASSESSMENT_VIEW to read, NOMINATE to nominate, ASSESSMENT_MANAGE on the campaign to set
it up, change quotas and decide; out of scope is 404, visible but not allowed 403."""

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
from django.utils.translation import gettext_noop, pgettext
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.confirm import confirm_page, confirmed
from apps.core.forms import apply_refusal, apply_validation_error, submit
from apps.members import selectors as member_selectors
from apps.members import services as member_services
from apps.orgs.models import Organization

from . import honour_selectors, honour_services
from .honour_forms import ApproveForm, CampaignForm, NominateForm, NominationFilter, QuotaForm, ReasonForm
from .honour_models import HonourCampaign, HonourKind, Nomination, NominationFile, NomineeType
from .honour_scopes import NOMINATE

APPROVE_QUESTION = gettext_noop("审核通过后即授予该示范称号、占用名额，并在公开页面展示。确定审核通过？")
REJECT_QUESTION = gettext_noop("确定不予通过这项推荐？")
REVOKE_QUESTION = gettext_noop("撤销后该示范不再公开展示、不再计入加分，名额释放。确定撤销？")


def _require(user, capability, message):
    if not policy.has_capability(user, capability):
        raise PermissionDenied(message)


@login_required
def campaign_list(request):
    _require(request.user, policy.ASSESSMENT_VIEW, _("您没有查看考核评价的权限"))
    campaigns = policy.restrict(HonourCampaign, request.user).select_related("organization")
    page = Paginator(campaigns, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/honours/list.html", {
        "page": page, "section": "assessment", "can_manage": policy.has_capability(request.user, policy.ASSESSMENT_MANAGE)})


@login_required
def campaign_create(request):
    _require(request.user, policy.ASSESSMENT_MANAGE, _("您没有开展示范创建的权限"))
    orgs = policy.restrict(Organization, request.user, policy.ASSESSMENT_MANAGE).filter(
        path__in=policy.scope_paths(request.user, policy.ASSESSMENT_MANAGE))
    form = CampaignForm(request.POST or None, orgs=orgs, initial={"year": timezone.localdate().year})
    campaign = submit(form, lambda d: honour_services.campaign_create(
        actor=request.user, organization=d["organization"], data=d, request=request))
    if campaign:
        messages.success(request, _("已创建示范创建活动"))
        return redirect("assessment:honour_campaign", campaign.pk)
    return render(request, "assessment/honours/form.html", {"form": form, "section": "assessment",
                                                            "title": _("新建示范创建活动")},
                  status=400 if form.is_bound else 200)


def _campaign_context(request, campaign, **extra):
    return {"campaign": campaign, "kinds": honour_selectors.kinds_with_counts(campaign), "section": "assessment",
            "can_manage": policy.can(request.user, policy.ASSESSMENT_MANAGE, campaign),
            "can_nominate": policy.has_capability(request.user, NOMINATE), **extra}


@login_required
def campaign_detail(request, pk):
    campaign = policy.get(HonourCampaign, request.user, pk)
    return render(request, "assessment/honours/detail.html", _campaign_context(request, campaign))


@login_required
@require_POST
def kind_quota(request, pk):
    kind = policy.get(HonourKind, request.user, pk, policy.ASSESSMENT_MANAGE)
    form = QuotaForm(request.POST)
    if form.is_valid():
        try:
            honour_services.kind_set_quota(actor=request.user, kind=kind, quota=form.cleaned_data["quota"], request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return render(request, "assessment/honours/detail.html", _campaign_context(request, kind.campaign), status=400)
    messages.success(request, _("已调整「{kind}」名额").format(kind=kind.name))
    return redirect("assessment:honour_campaign", kind.campaign_id)


def _find_member(request, form, by_org):
    """(member, limited): the member a typed name or full ID number names within the nominating organization's
    subtree, or None with the error on the form; a typed number counts against the member-search limit, like every
    number lookup (limited: refused by it, 429)."""
    raw = form.cleaned_data["nominee_member"]
    if not raw:
        form.add_error("nominee_member", _("请填写被推荐的党员"))
        return None, False
    limited = member_services.member_number_search(actor=request.user, raw=raw, where="示范推荐", request=request)
    if limited:
        form.add_error("nominee_member", limited)
        return None, True
    found = member_selectors.committee_candidates(request.user, by_org, raw)
    if len(found) != 1:
        form.add_error("nominee_member", _("未找到该党员") if not found else _("有多名同名党员，请输入身份证号"))
        return None, False
    return found[0], False


@login_required
def nominate(request, pk):
    campaign = policy.get(HonourCampaign, request.user, pk)
    _require(request.user, NOMINATE, _("您没有推荐示范的权限"))
    orgs = policy.restrict(Organization, request.user, NOMINATE).filter(path__startswith=campaign.organization.path)
    form = NominateForm(request.POST or None, request.FILES or None, kinds=campaign.kinds.all(), orgs=orgs,
                        initial={"kind": request.GET.get("kind")})
    limited = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = None
        if data["kind"].nominee_type == NomineeType.MEMBER:
            member, limited = _find_member(request, form, data["nominated_by_org"])
        if not form.errors:
            try:
                nomination = honour_services.nomination_create(
                    actor=request.user, kind=data["kind"], nominated_by_org=data["nominated_by_org"],
                    nominee_org=data["nominee_org"] if member is None else None, nominee_member=member,
                    reasons=data["reasons"], files=request.FILES.getlist("files"), request=request)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("已提交推荐，等待审核"))
                return redirect("assessment:nomination_detail", nomination.pk)
    return render(request, "assessment/honours/nominate.html", {"form": form, "campaign": campaign, "section": "assessment"},
                  status=429 if limited else 400 if form.is_bound else 200)


@login_required
def nomination_list(request, pk):
    campaign = policy.get(HonourCampaign, request.user, pk)
    form = NominationFilter(request.GET or None, kinds=campaign.kinds.all())
    rows = policy.restrict(Nomination, request.user).filter(kind__campaign=campaign)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            rows = rows.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    page = Paginator(honour_selectors.nomination_list(rows), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "assessment/honours/nominations.html", {
        "campaign": campaign, "form": form, "page": page, "section": "assessment", "query": query.urlencode()},
        status=200 if not form.is_bound or form.is_valid() else 400)


def _detail_context(request, nomination, **extra):
    campaign = nomination.kind.campaign
    return {"nomination": nomination, "campaign": campaign, "section": "assessment",
            "files": policy.restrict(nomination.files.all(), request.user),
            "can_decide": policy.can(request.user, policy.ASSESSMENT_MANAGE, campaign),
            "approve_form": extra.pop("approve_form", None) or ApproveForm(initial={"awarded_on": timezone.localdate()}),
            "reject_form": extra.pop("reject_form", None) or ReasonForm(prefix="reject"),
            "revoke_form": extra.pop("revoke_form", None) or ReasonForm(prefix="revoke"),
            "approve_question": _(APPROVE_QUESTION), "reject_question": _(REJECT_QUESTION),
            "revoke_question": _(REVOKE_QUESTION), **extra}


def _nomination(request, pk):
    return policy.get(Nomination, request.user, pk)


@login_required
def nomination_detail(request, pk):
    nomination = _nomination(request, pk)
    return render(request, "assessment/honours/nomination.html", _detail_context(request, nomination))


def _decision(request, pk, *, form_class, prefix, name, title, question, label, service, done, button_class="btn-primary"):
    """A decision of the district: its form (400 with the messages), confirmed first, then the service."""
    nomination = _nomination(request, pk)
    if not policy.can(request.user, policy.ASSESSMENT_MANAGE, nomination.kind.campaign):
        raise PermissionDenied(_("只有活动的组织单位可以审核"))
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid() and not confirmed(request):
        return confirm_page(request, title=title, message=question, label=label,
                            back=reverse("assessment:nomination_detail", args=[nomination.pk]), button_class=button_class)
    if form.is_valid():
        try:
            service(actor=request.user, nomination=nomination, request=request, **form.cleaned_data)
        except ValidationError as exc:
            apply_refusal(request, form, exc)  # a refusal of the step itself (名额已满 …) on top of the page
        else:
            messages.success(request, done)
            return redirect("assessment:nomination_detail", nomination.pk)
    return render(request, "assessment/honours/nomination.html",
                  _detail_context(request, nomination, **{f"{name}_form": form, "failed": name}), status=400)


@login_required
@require_POST
def nomination_approve(request, pk):
    return _decision(request, pk, form_class=ApproveForm, prefix=None, name="approve", title=_("审核通过"),
                     question=_(APPROVE_QUESTION), label=_("确认通过"), service=honour_services.nomination_approve,
                     done=_("已审核通过，授予示范称号"))


@login_required
@require_POST
def nomination_reject(request, pk):
    return _decision(request, pk, form_class=ReasonForm, prefix="reject", name="reject", title=_("不予通过"),
                     question=_(REJECT_QUESTION), label=_("确认不予通过"), service=honour_services.nomination_reject,
                     done=_("已不予通过"), button_class="btn-danger")


@login_required
@require_POST
def nomination_revoke(request, pk):
    return _decision(request, pk, form_class=ReasonForm, prefix="revoke", name="revoke", title=_("撤销示范"),
                     question=_(REVOKE_QUESTION), label=_("确认撤销"), service=honour_services.nomination_revoke,
                     done=pgettext("honour", "已撤销"), button_class="btn-danger")


@login_required
def file_download(request, pk):
    item = policy.get(NominationFile, request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在")) from None
    return FileResponse(handle, as_attachment=True, filename=item.name, content_type=item.content_type)
