"""Cross-assessment (交叉考核) and 1+N: forming the groups, a member's sealed scores, and their mean at close.

Who scores: the staff of a member organization (an organization administrator or secretary assigned on the member
itself, CROSS_ROLES: not those above it, whose scores would be the superior's, nor those below it). A member scores
the round's entries within the *other* members' subtrees, never an entry within its own subtree (its own
organization and those under it: they are its own) nor an ancestor of it (its own superior). Members of a group are
never nested (one an ancestor of another), and an organization is a member of at most one group of a round.

Which indicators: the manual leaves with cross_weight > 0. At 100 only the peers score it (the superior's form is
refused); between 1 and 99 it is 1+N — the superior scores it as usual (kept in Score.inputs["superior"], the
points stay blank until close) and the peers score it too; the leaf's points at close are
superior × (100 − w)% + mean × w%. A part nobody scored counts 0 and the sheet says so.

Sealed: a CrossScore is seen only by its assessor's staff until the round closes (cross_scopes.py); the entry's
Score.points of a cross leaf stays blank. round_close calls cross_finalize in its transaction, under the round's
lock: the mean (Decimal, two places, ROUND_HALF_UP) goes into the Score and the totals are recounted.

Writes: a member's score locks the round FOR SHARE and the entry FOR UPDATE (as round_services does), so two
submissions of one assessor for one entry and indicator are written one after the other into the one row
(unique per entry, indicator and assessor), and close never runs beside a write.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.access import policy
from apps.access.models import Role
from apps.audit.services import Action, audit_record, snapshot
from apps.core.query import prefix_q
from apps.orgs.models import Organization

from . import round_services, round_states
from .cross_models import CrossGroup, CrossMember, CrossScore
from .models import Indicator, Method
from .round_models import RoundEntry, RoundStatus, Score

CROSS_ROLES = (Role.ORG_ADMIN, Role.SECRETARY)
CENT = Decimal("0.01")
MAX_MEMBERS = 200
NO_CROSS_NOTE = gettext_noop("无交叉评分，互评部分按0分计")  # stored in the closer's language


# ---- who acts for which member ----

def acting_org_ids(user) -> set[int]:
    """The organizations whose staff the user is, for cross-assessment (an assignment on the organization itself)."""
    return {a.organization_id for a in policy.role_assignments(user)
            if a.role in CROSS_ROLES and a.organization is not None and a.organization.is_active}


def memberships(user, rnd=None):
    """The user's CrossMember rows (of one round, or of all rounds)."""
    ids = acting_org_ids(user)
    if not ids:
        return CrossMember.objects.none()
    qs = CrossMember.objects.filter(organization_id__in=ids).select_related("organization", "group", "round")
    return qs.filter(round=rnd) if rnd is not None else qs


def cross_leaves(system) -> list[Indicator]:
    return [leaf for leaf in round_services.leaf_indicators(system) if leaf.method == Method.MANUAL and leaf.cross_weight > 0]


def _ancestor_paths(path) -> list[str]:
    step = Organization.steplen
    return [path[:i] for i in range(step, len(path), step)]


def eligible_entries(member):
    """The round's entries a member organization scores: within another member's subtree, not within its own, not
    one of its ancestors."""
    others = [m.organization.path for m in member.group.members.select_related("organization") if m.pk != member.pk]
    if not others:
        return RoundEntry.objects.none()
    own = member.organization.path
    q = Q()
    for path in others:
        q |= prefix_q("organization__path", path)
    return (RoundEntry.objects.filter(q, round_id=member.round_id)
            .exclude(prefix_q("organization__path", own)).exclude(organization__path__in=_ancestor_paths(own)))


def refusal(member, entry) -> str | None:
    """Why this member may not score this entry (None: it may)."""
    own, path = member.organization.path, entry.organization.path
    if entry.round_id != member.round_id:
        return _("该组织不在本轮次中")
    if path.startswith(own):
        return _("不能为本单位（及本单位所属组织）评分")
    if own.startswith(path):
        return _("不能为本单位的上级组织评分")
    if not any(path.startswith(m.organization.path) for m in member.group.members.select_related("organization")
               if m.pk != member.pk):
        return _("该组织不在本交叉考核小组的评分范围内")
    return None


# ---- groups (the district) ----

def _check_formable(rnd):
    if rnd.status == RoundStatus.CLOSED:
        raise ValidationError(_("已结束的轮次不能再调整交叉考核小组"))


@transaction.atomic
def group_create(*, actor, round, name, request=None) -> CrossGroup:
    rnd = round_services._lock_round(round)
    _check_formable(rnd)
    name = round_services._clean_text(name, 40, "name", _("小组名称"))
    if not name:
        raise ValidationError({"name": _("请填写小组名称")})
    if CrossGroup.objects.filter(round=rnd, name=name).exists():
        raise ValidationError({"name": _("本轮次已有同名的交叉考核小组")})
    group = CrossGroup.objects.create(round=rnd, name=name)
    audit_record(actor=actor, action=Action.CREATE, obj=group, after=snapshot(group), request=request)
    return group


@transaction.atomic
def group_delete(*, actor, group, request=None):
    rnd = round_services._lock_round(group.round)
    _check_formable(rnd)
    scored = CrossScore.objects.filter(entry__round=rnd, assessor_id__in=group.members.values("organization_id"))
    if scored.exists():
        raise ValidationError(_("小组成员已有评分，不能删除该小组"))
    audit_record(actor=actor, action=Action.DELETE, obj=group, before=snapshot(group), request=request)
    group.delete()


@transaction.atomic
def member_add(*, actor, group, organization, request=None) -> CrossMember:
    """A member within the round's organization's subtree (the district's, checked again: the picker is no guard),
    active, not yet in a group of the round, neither above nor below another member of the group."""
    rnd = round_services._lock_round(group.round)
    _check_formable(rnd)
    group = CrossGroup.objects.select_for_update().get(pk=group.pk)
    org = Organization.objects.get(pk=organization.pk)
    if not org.path.startswith(rnd.organization.path) or org.pk == rnd.organization_id or not org.is_active:
        raise ValidationError({"organization": _("成员单位须是本轮次组织单位下属的在册组织")})
    if not policy.can(actor, policy.ASSESSMENT_MANAGE, org):
        raise ValidationError({"organization": _("该组织不在您的管理范围内")})
    if CrossMember.objects.filter(round=rnd, organization=org).exists():
        raise ValidationError({"organization": _("「{org}」已是本轮次某个交叉考核小组的成员").format(org=org.name)})
    members = list(group.members.select_related("organization"))
    if len(members) >= MAX_MEMBERS:
        raise ValidationError({"organization": _("一个小组最多{n}个成员单位").format(n=MAX_MEMBERS)})
    for m in members:
        if org.path.startswith(m.organization.path) or m.organization.path.startswith(org.path):
            raise ValidationError({"organization": _("「{a}」与「{b}」是上下级关系，不能在同一小组互评").format(
                a=org.name, b=m.organization.name)})
    member = CrossMember.objects.create(round=rnd, group=group, organization=org)
    audit_record(actor=actor, action=Action.CREATE, obj=member, after=snapshot(member), request=request,
                 note=group.name)
    return member


@transaction.atomic
def member_remove(*, actor, member, request=None):
    rnd = round_services._lock_round(member.round)
    _check_formable(rnd)
    if CrossScore.objects.filter(entry__round=rnd, assessor_id=member.organization_id).exists():
        raise ValidationError(_("「{org}」已有评分，不能移出小组").format(org=member.organization.name))
    audit_record(actor=actor, action=Action.DELETE, obj=member, before=snapshot(member), request=request,
                 note=member.group.name)
    member.delete()


# ---- a member's score ----

@transaction.atomic
def cross_score(*, actor, member, entry, indicator, points, comment="", request=None, now=None) -> CrossScore:
    rnd = round_services._lock_round(member.round, share=True)
    round_states.check_scoring(rnd, now)
    if member.organization_id not in acting_org_ids(actor):
        raise ValidationError(_("您不是该成员单位的工作人员，不能代其评分"))
    reason = refusal(member, entry)
    if reason:
        raise ValidationError(reason)
    if indicator.system_id != rnd.system_id or indicator not in cross_leaves(rnd.system):
        raise ValidationError({"points": _("该指标不由交叉考核评分")})
    # The entry's row lock: one assessor's two submissions are written one after the other into the one row.
    round_services._lock_entry(entry.pk)
    points = round_services.parse_points(points, indicator.max_points)
    comment = round_services._clean_text(comment, round_services.MAX_COMMENT, "comment", _("评分说明"))
    row = CrossScore.objects.filter(entry=entry, indicator=indicator, assessor_id=member.organization_id).first()
    before = snapshot(row) if row else None
    if row is None:
        row = CrossScore(entry=entry, indicator=indicator, assessor_id=member.organization_id)
    row.points, row.comment, row.scored_by, row.scored_at = points, comment, actor, now or timezone.now()
    row.save()
    audit_record(actor=actor, action=Action.UPDATE if before else Action.CREATE, obj=row, before=before,
                 after=snapshot(row), request=request)
    return row


# ---- close ----

def mean(values) -> Decimal | None:
    values = list(values)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def combine(weight, superior, peers_mean) -> Decimal:
    """1+N: the superior's share (100 − weight %) and the peers' mean (weight %); a part not scored counts 0."""
    sup = superior if superior is not None else Decimal(0)
    peers = peers_mean if peers_mean is not None else Decimal(0)
    return ((sup * (100 - weight) + peers * weight) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def cross_finalize(rnd, *, actor=None, request=None) -> int:
    """At close (round_close's transaction, the round locked): every cross leaf's points from its peers' mean,
    the totals recounted. Returns the number of scores written."""
    leaves = {leaf.pk: leaf for leaf in cross_leaves(rnd.system)}
    if not leaves:
        return 0
    by_key = defaultdict(list)
    for entry_id, indicator_id, points in CrossScore.objects.filter(entry__round=rnd, indicator_id__in=leaves).values_list(
            "entry_id", "indicator_id", "points"):
        by_key[(entry_id, indicator_id)].append(points)
    scores = list(Score.objects.filter(entry__round=rnd, indicator_id__in=leaves))
    for s in scores:
        leaf = leaves[s.indicator_id]
        values = by_key.get((s.entry_id, s.indicator_id), [])
        superior = s.inputs.get("superior") if leaf.cross_weight < 100 else None
        superior = Decimal(superior) if superior is not None else None
        peers = mean(values)
        s.points = combine(leaf.cross_weight, superior, peers)
        s.inputs = {"cross": True, "weight": leaf.cross_weight, "superior": None if superior is None else str(superior),
                    "mean": None if peers is None else str(peers), "count": len(values),
                    "note": _(NO_CROSS_NOTE) if peers is None else ""}
    Score.objects.bulk_update(scores, ["points", "inputs"], batch_size=500)
    entries = list(RoundEntry.objects.filter(round=rnd))
    totals = dict(Score.objects.filter(entry__round=rnd).order_by().values("entry_id").annotate(t=Sum("points"))
                  .values_list("entry_id", "t"))
    for e in entries:
        e.total = totals.get(e.pk) or Decimal(0)
    RoundEntry.objects.bulk_update(entries, ["total"], batch_size=500)
    audit_record(actor=actor, action=Action.UPDATE, obj=rnd, request=request,
                 note=_("交叉考核得分已计入：{n}项").format(n=len(scores)))
    return len(scores)
