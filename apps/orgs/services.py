"""Every write to organizations and committees: atomic, validated, audited."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core.dates import add_months

from . import hooks
from .models import BRANCH_KINDS, COMMITTEE_KINDS, CommitteePost, Organization, OrgKind, OrgMemberCount

EDITABLE_FIELDS = (
    "name", "code", "kind", "domain", "cluster", "is_industry", "is_project", "is_flowing",
    "covered_units", "unit_name", "address", "contact_phone", "founded_on", "term_started_on", "term_adjusted_to",
    "term_adjust_reason",
)


def check_placement(kind, parent, *, children_kinds=()):
    """Where an organization of `kind` may stand in the tree (rules.md §3)."""
    if parent is None:
        if kind not in COMMITTEE_KINDS:
            raise ValidationError({"kind": _("顶层组织只能是党委或党工委")})
        return
    if not parent.is_active:
        raise ValidationError({"parent": _("不能在已撤销的组织下设立或移入组织")})
    if kind == OrgKind.GROUP:
        if parent.kind not in BRANCH_KINDS:
            raise ValidationError({"kind": _("党小组只能设在党支部（含联合、临时党支部）之下")})
    elif parent.kind == OrgKind.GROUP:
        raise ValidationError({"parent": _("党小组之下不能再设组织")})
    elif parent.kind in BRANCH_KINDS:
        raise ValidationError({"parent": _("党支部之下只能设党小组")})
    elif parent.kind == OrgKind.GENERAL_BRANCH and kind not in BRANCH_KINDS:
        raise ValidationError({"kind": _("党总支之下只能设党支部")})
    if kind in BRANCH_KINDS and any(k not in (OrgKind.GROUP,) for k in children_kinds):
        raise ValidationError({"kind": _("党支部之下只能有党小组")})


def _clean_flags(org):
    if org.kind != OrgKind.JOINT_BRANCH and org.covered_units.strip():
        raise ValidationError({"covered_units": _("只有联合党支部需要填写覆盖单位")})
    if org.dissolved_on and org.dissolved_on > date.today():
        raise ValidationError({"dissolved_on": _("撤销日期不能晚于今天")})
    _clean_term(org)


def _clean_term(org):
    """届满日期: election date plus the term length, or the approved adjusted date (at most
    TERM_MAX_ADJUST_MONTHS before or after the regular end, with its reason)."""
    regular = org.compute_term_end()
    org.term_adjust_reason = (org.term_adjust_reason or "").strip()
    if org.term_adjusted_to:
        if regular is None:
            raise ValidationError({"term_adjusted_to": _("请先填写本届班子选举日期")})
        months = settings.TERM_MAX_ADJUST_MONTHS
        if not add_months(regular, -months) <= org.term_adjusted_to <= add_months(regular, months):
            raise ValidationError({"term_adjusted_to": _("延期或提前换届一般不超过{months}个月：应在{start}至{end}之间").format(
                months=months, start=add_months(regular, -months).isoformat(), end=add_months(regular, months).isoformat())})
        if not org.term_adjust_reason:
            raise ValidationError({"term_adjust_reason": _("请填写调整换届的原因和批准情况")})
    org.term_ends_on = org.term_adjusted_to or regular


def _next_code():
    last = Organization.objects.filter(code__startswith="O").order_by("-code").values_list("code", flat=True).first()
    number = int(last[1:]) + 1 if last and last[1:].isdigit() else 1
    return f"O{number:07d}"


@transaction.atomic
def org_create(*, actor, parent, data, request=None) -> Organization:
    org = Organization(**{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    check_placement(org.kind, parent)
    _clean_flags(org)
    if not org.code:
        org.code = _next_code()
    if Organization.objects.filter(code=org.code).exists():
        raise ValidationError({"code": _("组织编码已存在")})
    org = Organization.objects.add_child(parent, instance=org) if parent is not None else Organization.objects.add_root(instance=org)
    audit_record(actor=actor, action=Action.CREATE, obj=org, after=snapshot(org), request=request)
    return org


@transaction.atomic
def org_update(*, actor, org, data, request=None) -> Organization:
    # FOR NO KEY UPDATE (PostgreSQL): the write that checks a foreign key to this organization (a member's, a count
    # row's; Django defers the check to COMMIT, after the count rows' locks) is not blocked by it. A FOR UPDATE lock
    # would be, while a domain change or deactivation here waits for those count rows' locks: a deadlock.
    org = Organization.objects.select_for_update(no_key=True).get(pk=org.pk)
    before = snapshot(org)
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            setattr(org, key, value)
    parent = Organization.objects.get_parent(org)
    child_kinds = set(Organization.objects.get_children(org).filter(is_active=True).values_list("kind", flat=True))
    check_placement(org.kind, parent, children_kinds=child_kinds)
    _clean_flags(org)
    if Organization.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise ValidationError({"code": _("组织编码已存在")})
    org.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=org, before=before, after=snapshot(org), request=request)
    return org


@transaction.atomic
def org_move(*, actor, org, new_parent, request=None) -> Organization:
    """Move an organization with its whole subtree under `new_parent`."""
    # FOR UPDATE first (its path, a key, changes): a member write below it holds its chain FOR KEY SHARE from the
    # top down before the count rows (OrgCountManager._hold), so the two meet here, before either holds what the
    # other waits for; the count rows are locked later, in move_subtree.
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
        raise ValidationError({"parent": _("不能把组织移到它自己或它的下级组织之下")})
    old_parent = Organization.objects.get_parent(org)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        raise ValidationError({"parent": _("该组织已在所选上级组织之下")})
    child_kinds = set(Organization.objects.get_children(org).filter(is_active=True).values_list("kind", flat=True))
    check_placement(org.kind, new_parent, children_kinds=child_kinds)
    before = {"parent": old_parent.pk if old_parent else None, "parent_name": str(old_parent or ""), "path": org.path}
    after_move = hooks.before_move(org)  # the apps built on the tree: e.g. the case roll-ups keyed by township
    Organization.objects.move(org, new_parent, pos="last-child")
    org = Organization.objects.get(pk=org.pk)
    OrgMemberCount.objects.move_subtree(org, before["path"])  # the subtree's totals change ancestors
    for moved in after_move:
        moved()
    after = {"parent": new_parent.pk, "parent_name": str(new_parent), "path": org.path}
    audit_record(actor=actor, action=Action.MOVE, obj=org, before=before, after=after, request=request)
    return org


@transaction.atomic
def org_dissolve(*, actor, org, dissolved_on, reason, request=None) -> Organization:
    """撤销: the organization is kept with its date and reason, and hidden from current views."""
    org = Organization.objects.select_for_update(no_key=True).get(pk=org.pk)  # not FOR UPDATE: see org_update
    if not org.is_active:
        raise ValidationError(_("该组织已撤销"))
    if Organization.objects.get_children(org).filter(is_active=True).exists():
        raise ValidationError(_("该组织下还有现存的下级组织，请先撤销或移走下级组织"))
    if refusal := hooks.dissolve_refusal(org):  # the apps built on the tree: e.g. the organization still has members
        raise ValidationError(refusal)
    if not reason.strip():
        raise ValidationError({"dissolve_reason": _("请填写撤销原因")})
    before = snapshot(org)
    org.is_active = False
    org.dissolved_on = dissolved_on
    org.dissolve_reason = reason.strip()
    _clean_flags(org)
    org.save()
    audit_record(actor=actor, action=Action.DISSOLVE, obj=org, before=before, after=snapshot(org), request=request)
    return org


@transaction.atomic
def committee_post_create(*, actor, org, member, post, term_start, term_end=None, request=None) -> CommitteePost:
    if member.organization_id != org.pk and not member.organization.path.startswith(org.path):
        raise ValidationError({"member": _("班子成员须是本组织或其下级组织的党员")})
    if term_end and term_end < term_start:
        raise ValidationError({"term_end": _("任职结束日期不能早于开始日期")})
    current = CommitteePost.objects.filter(organization=org, is_current=True)
    if post == CommitteePost.Post.SECRETARY and current.filter(post=post).exists():
        raise ValidationError({"post": _("该组织已有现任书记，请先免去原书记职务")})
    if current.filter(member=member, post=post).exists():
        raise ValidationError({"post": _("该党员已担任此职务")})
    item = CommitteePost.objects.create(organization=org, member=member, post=post, term_start=term_start,
                                        term_end=term_end, is_current=term_end is None or term_end >= date.today())
    audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request)
    return item


@transaction.atomic
def committee_post_end(*, actor, post, term_end, request=None) -> CommitteePost:
    post = CommitteePost.objects.select_for_update().get(pk=post.pk)
    if term_end < post.term_start:
        raise ValidationError({"term_end": _("任职结束日期不能早于开始日期")})
    before = snapshot(post)
    post.term_end = term_end
    post.is_current = False
    post.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=post, before=before, after=snapshot(post), request=request)
    return post
