"""Pages of assessment groups (which organizations are assessed under one indicator system) and of the catalogue of
automatic metrics."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.access import policy
from apps.orgs.models import Organization, OrgDomain, OrgKind

from . import catalogue, selectors, services
from .forms import GroupForm
from .models import AssessmentGroup
from .views import _form_page, _require, _submitted


@login_required
def group_list(request):
    _require(request.user, policy.ASSESSMENT_VIEW, _("您没有查看考核评价的权限"))
    groups = selectors.groups_with_counts(policy.restrict(AssessmentGroup, request.user))
    return render(request, "assessment/groups.html", {
        "groups": groups, "section": "assessment",
        "can_manage": policy.has_capability(request.user, policy.ASSESSMENT_MANAGE)})


@login_required
def group_detail(request, pk):
    group = policy.get(AssessmentGroup, request.user, pk)
    # Only the organizations the user may see are named (a township sees its own among the district's villages).
    members = selectors.members(group).filter(pk__in=policy.restrict(Organization, request.user).values("pk"))
    return render(request, "assessment/group_detail.html", {
        "group": group, "named_count": group.organizations.count(),
        "domain_labels": [OrgDomain(d).label for d in group.domains if d in OrgDomain.values],
        "kind_labels": [OrgKind(k).label for k in group.kinds if k in OrgKind.values], "members": members[:selectors.GROUP_MEMBERS_SHOWN], "member_count": members.count(),
        "shown": selectors.GROUP_MEMBERS_SHOWN, "section": "assessment",
        "can_manage": policy.can(request.user, policy.ASSESSMENT_MANAGE, group),
        "systems": selectors.system_list(policy.restrict(group.systems.all(), request.user)),
    })


def _owners(user):
    """Where the user may set a group up: the top organizations of their ASSESSMENT_MANAGE scope."""
    return policy.restrict(Organization, user, policy.ASSESSMENT_MANAGE).filter(
        path__in=policy.scope_paths(user, policy.ASSESSMENT_MANAGE), is_active=True).order_by("path")


@login_required
def group_create(request):
    _require(request.user, policy.ASSESSMENT_MANAGE, _("您没有设置考核类别的权限"))
    form = GroupForm(request.POST or None, owners=_owners(request.user),
                     scope=policy.restrict(Organization, request.user, policy.ASSESSMENT_MANAGE))
    group = _submitted(form, lambda d: services.group_create(actor=request.user, organization=d["owner"], data=d,
                                                             request=request))
    if group:
        messages.success(request, _("已新建考核类别「{name}」").format(name=group.name))
        return redirect("assessment:group_detail", group.pk)
    return _form_page(request, "group_form.html", form, _("新建考核类别"))


@login_required
def group_edit(request, pk):
    group = policy.get(AssessmentGroup, request.user, pk, policy.ASSESSMENT_MANAGE)
    form = GroupForm(request.POST or None, owners=_owners(request.user), group=group,
                     scope=policy.restrict(Organization, request.user, policy.ASSESSMENT_MANAGE))
    if _submitted(form, lambda d: services.group_update(actor=request.user, group=group, data=d, request=request)):
        messages.success(request, _("已保存"))
        return redirect("assessment:group_detail", group.pk)
    return _form_page(request, "group_form.html", form, _("编辑考核类别「{name}」").format(name=group.name), group=group)


@login_required
def catalogue_page(request):
    _require(request.user, policy.ASSESSMENT_VIEW, _("您没有查看考核评价的权限"))
    return render(request, "assessment/catalogue.html", {"metrics": catalogue.METRICS, "section": "assessment"})
