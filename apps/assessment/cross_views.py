"""Pages of cross-assessment: forming the groups on the round's page (the district: ASSESSMENT_MANAGE on the round),
a member's "我的交叉评分" (the rounds it scores in, then the entries with their sealed forms), and a member's score.

Access: groups as their round (404 outside, 403 without ASSESSMENT_MANAGE); a member's pages only for the staff of a
member organization (cross_services.CROSS_ROLES), otherwise 404 when the round is not theirs to see and 403 when it
is; scoring an entry of one's own subtree or of one's superior is refused with the reason (403), like scoring one's
own organization on the sheet."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import apply_validation_error
from apps.orgs.models import Organization

from . import cross_selectors, cross_services, round_views
from .cross_models import CrossGroup, CrossMember
from .round_forms import CrossGroupForm, CrossMemberForm, CrossScoreForm
from .round_models import Round, RoundStatus

NOT_A_MEMBER = gettext_noop("您的组织不是本轮次交叉考核小组的成员单位")


def _back(rnd):
    return redirect(reverse("assessment:round_detail", args=[rnd.pk]) + "#cross-groups")


def _member_scope(user):
    return policy.restrict(Organization, user, policy.ASSESSMENT_MANAGE)


@login_required
@require_POST
def group_create(request, pk):
    rnd = policy.get(Round, request.user, pk, policy.ASSESSMENT_MANAGE)
    form = CrossGroupForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        cross_services.group_create(actor=request.user, round=rnd, name=form.cleaned_data["name"], request=request)
    except ValidationError as exc:
        return round_views.refused(request, rnd, exc)
    messages.success(request, _("已新建交叉考核小组"))
    return _back(rnd)


@login_required
@require_POST
def group_delete(request, pk):
    group = policy.get(CrossGroup, request.user, pk, policy.ASSESSMENT_MANAGE)
    try:
        cross_services.group_delete(actor=request.user, group=group, request=request)
    except ValidationError as exc:
        return round_views.refused(request, group.round, exc)
    messages.success(request, _("已删除交叉考核小组"))
    return _back(group.round)


@login_required
@require_POST
def member_add(request, pk):
    group = policy.get(CrossGroup, request.user, pk, policy.ASSESSMENT_MANAGE)
    form = CrossMemberForm(request.POST, scope=_member_scope(request.user))
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        cross_services.member_add(actor=request.user, group=group, organization=form.cleaned_data["organization"],
                                  request=request)
    except ValidationError as exc:
        return round_views.refused(request, group.round, exc)
    messages.success(request, _("已添加成员单位"))
    return _back(group.round)


@login_required
@require_POST
def member_remove(request, pk):
    member = policy.get(CrossMember, request.user, pk, policy.ASSESSMENT_MANAGE)
    try:
        cross_services.member_remove(actor=request.user, member=member, request=request)
    except ValidationError as exc:
        return round_views.refused(request, member.round, exc)
    messages.success(request, _("已移出成员单位"))
    return _back(member.round)


@login_required
def my_rounds(request):
    """我的交叉评分: the rounds (open or closed) where one of the user's organizations is a member."""
    rows = (cross_services.memberships(request.user).exclude(round__status=RoundStatus.DRAFT)
            .select_related("round__system").order_by("-round__period_start", "round_id", "organization__path"))
    return render(request, "assessment/cross/mine.html", {"rows": rows, "section": "assessment"})


def _memberships_or_refuse(request, rnd_pk):
    members = list(cross_services.memberships(request.user).filter(round_id=rnd_pk)
                   .select_related("round__system", "round__organization"))
    if members:
        return members
    # Not a member: a round they may not see is "not found", one they see is "forbidden".
    policy.get(Round, request.user, rnd_pk)
    raise PermissionDenied(_(NOT_A_MEMBER))


def _round_page(request, rnd_pk, status=200, **extra):
    members = _memberships_or_refuse(request, rnd_pk)
    rnd = members[0].round
    sheets = []
    for member in members:
        leaves, rows = cross_selectors.member_sheet(member)
        sheets.append((member, leaves, rows))
    return render(request, "assessment/cross/round.html", {
        "round": rnd, "sheets": sheets, "section": "assessment",
        "can_score": rnd.may["score"], **extra}, status=status)


@login_required
def round_page(request, pk):
    return _round_page(request, pk)


@login_required
@require_POST
def score(request, pk):
    """One member's points for one entry's cross indicator (sealed until the round closes)."""
    entry, members = cross_selectors.entry_for_member(request.user, pk)
    if not members:
        raise PermissionDenied(_(NOT_A_MEMBER))
    form = CrossScoreForm(request.POST)
    wanted = request.POST.get("member")
    member = next((m for m in members if str(m.pk) == wanted), None) or members[0]
    reason = cross_services.refusal(member, entry)
    if reason:
        raise PermissionDenied(reason)
    error = None
    if form.is_valid():
        indicator = cross_selectors.cross_leaf(member.round, form.cleaned_data["indicator"])
        try:
            if indicator is None:
                raise ValidationError({"points": _("该指标不由交叉考核评分")})
            cross_services.cross_score(actor=request.user, member=member, entry=entry, indicator=indicator,
                                       points=form.cleaned_data["points"], comment=form.cleaned_data["comment"],
                                       request=request)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            error = form
    else:
        error = form
    if error is not None:
        return _round_page(request, entry.round_id, status=400, error_entry=entry.pk, error_form=form)
    messages.success(request, _("已保存「{org}」的交叉评分（轮次结束前仅本单位可见）").format(org=entry.organization.name))
    return redirect(reverse("assessment:cross_round", args=[entry.round_id]) + f"#cross-{entry.pk}")
