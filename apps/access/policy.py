"""The one access layer: what a user may see and do, scoped to organization subtrees.

Every list, detail, export, import, API and report asks this module. A role held on
an organization holds for its whole subtree (materialized path prefix). Objects outside
a user's scope are reported as "not found" (404), never "forbidden", so their existence
does not leak.
"""

from functools import reduce
from operator import or_

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Role, RoleAssignment

ORG_VIEW = "org.view"
ORG_MANAGE = "org.manage"
MEMBER_VIEW = "member.view"
MEMBER_MANAGE = "member.manage"
MEMBER_EXPORT = "member.export"
MEMBER_IMPORT = "member.import"
MEMBER_UNMASK = "member.unmask"
AUDIT_VIEW = "audit.view"
SYSTEM_MANAGE = "system.manage"
# Organizational life: read records and compliance, keep records, and (from a superior
# organization only) return records for correction and pick the monthly stars.
RECORD_VIEW = "record.view"
RECORD_MANAGE = "record.manage"
RECORD_REVIEW = "record.review"
# The district's rules: activity types and frequencies; case categories, handling units and routing rules.
RULES_MANAGE = "rules.manage"
# 群工系统: read cases in scope, act for a handling unit (sign, handle, return, resolve, staff intake), and
# dispatch (accept, dispatch, merge, approve extensions, call back, reopen, archive).
CASE_VIEW = "case.view"
CASE_HANDLE = "case.handle"
CASE_DISPATCH = "case.dispatch"

_ORG_WORK = {ORG_VIEW, ORG_MANAGE, MEMBER_VIEW, MEMBER_MANAGE, MEMBER_EXPORT, MEMBER_IMPORT, RECORD_VIEW, RECORD_MANAGE}
_CASE_WORK = {CASE_VIEW, CASE_HANDLE}

# Duties kept apart (三员分立): administrators never read the audit trail, auditors and
# system administrators never see member data.
ROLE_CAPABILITIES = {
    Role.DISTRICT_ADMIN: _ORG_WORK | _CASE_WORK | {RECORD_REVIEW, RULES_MANAGE, CASE_DISPATCH},
    Role.ORG_ADMIN: _ORG_WORK | _CASE_WORK | {RECORD_REVIEW},
    Role.SECRETARY: _ORG_WORK | _CASE_WORK,
    Role.MEMBER: set(),  # self-service only, see below
    Role.AUDITOR: {AUDIT_VIEW},
    Role.SYSTEM_ADMIN: {SYSTEM_MANAGE},
    Role.CASE_DISPATCHER: _CASE_WORK | {CASE_DISPATCH},
    Role.CASE_HANDLER: set(_CASE_WORK),
}


def _assignments(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_role_assignments", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("organization"))
        user._role_assignments = cached
    return cached


def clear_cache(user):
    user.__dict__.pop("_role_assignments", None)
    user.__dict__.pop("_case_units", None)


def _collapse(paths):
    """Drop paths already covered by a shorter prefix in the list."""
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def scope_paths(user, capability) -> list[str]:
    """Tree paths of the subtrees where `user` holds `capability`."""
    paths = []
    for a in _assignments(user):
        if a.organization is None or (not a.organization.is_active and a.role != Role.AUDITOR):
            continue
        if capability == MEMBER_UNMASK:
            if a.can_unmask and MEMBER_VIEW in ROLE_CAPABILITIES[a.role]:
                paths.append(a.organization.path)
        elif capability in ROLE_CAPABILITIES[a.role]:
            paths.append(a.organization.path)
    return _collapse(paths)


def has_capability(user, capability) -> bool:
    if capability == SYSTEM_MANAGE:
        return any(a.role == Role.SYSTEM_ADMIN for a in _assignments(user))
    if capability == RULES_MANAGE:
        # District-wide rules are set by an administrator of a top-level organization.
        return any(len(p) == 4 for p in scope_paths(user, RULES_MANAGE))
    return bool(scope_paths(user, capability))


def is_member_self_service(user) -> bool:
    return bool(getattr(user, "member_id", None)) and any(a.role == Role.MEMBER for a in _assignments(user))


def subtree_q(paths, field="path") -> Q:
    if not paths:
        return Q(pk__in=[])
    if _covers_every_root(paths):
        # A scope over the whole forest filters nothing; the join it would cost is dropped.
        return Q()
    from apps.core.query import prefix_q

    return reduce(or_, (prefix_q(field, p) for p in paths))


def _covers_every_root(paths) -> bool:
    from apps.orgs.models import Organization

    roots = [p for p in paths if len(p) == Organization.steplen]
    if not roots:
        return False
    return not Organization.objects.filter(depth=1).exclude(path__in=roots).exists()


def scope_top(user, capability):
    """The highest organization of the user's scope for `capability`, or None when it is the whole forest."""
    from apps.orgs.models import Organization

    paths = scope_paths(user, capability)
    if not paths or _covers_every_root(paths):
        return None
    return Organization.objects.filter(path__in=paths).order_by("depth", "path").first()


def _in_paths(path, paths):
    return any(path.startswith(p) for p in paths)


# ---- organizations ----

def visible_orgs(user, capability=ORG_VIEW):
    from apps.orgs.models import Organization

    paths = scope_paths(user, capability)
    qs = Organization.objects.filter(subtree_q(paths))
    if capability == ORG_VIEW and is_member_self_service(user):
        qs = Organization.objects.filter(subtree_q(paths) | Q(pk=user.member.organization_id))
    return qs


def can_org(user, capability, org) -> bool:
    if _in_paths(org.path, scope_paths(user, capability)):
        return True
    return capability == ORG_VIEW and is_member_self_service(user) and user.member.organization_id == org.pk


def _get_scoped(queryset, pk, user, capability, can, view_capability, what):
    """One object by primary key, if `can(user, capability, obj)`.

    Out of scope is "not found" (404). An object the user may see but not act on is
    "forbidden" (403): its existence is no secret to them.
    """
    from django.core.exceptions import PermissionDenied

    try:
        obj = queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该{what}").format(what=what)) from None
    if can(user, capability, obj):
        return obj
    if capability != view_capability and can(user, view_capability, obj):
        raise PermissionDenied(_("您没有权限执行此操作"))
    raise Http404(_("未找到该{what}").format(what=what))


def get_org(user, pk, capability=ORG_VIEW):
    from apps.orgs.models import Organization

    return _get_scoped(Organization.objects.select_related("cluster"), pk, user, capability, can_org, ORG_VIEW, _("党组织"))


# ---- members ----

def visible_members(user, capability=MEMBER_VIEW):
    from apps.members.models import Member

    paths = scope_paths(user, capability)
    if paths:
        return Member.objects.filter(subtree_q(paths, "organization__path"))
    if capability == MEMBER_VIEW and is_member_self_service(user):
        return Member.objects.filter(pk=user.member_id)
    return Member.objects.none()


def can_member(user, capability, member) -> bool:
    if _in_paths(member.organization.path, scope_paths(user, capability)):
        return True
    return capability == MEMBER_VIEW and is_member_self_service(user) and user.member_id == member.pk


def get_member(user, pk, capability=MEMBER_VIEW):
    from apps.members.models import Member

    return _get_scoped(Member.objects.select_related("organization", "party_group"), pk, user, capability, can_member,
                       MEMBER_VIEW, _("党员"))


# ---- audit ----

def visible_audit_events(user):
    from apps.audit.models import AuditEvent

    paths = scope_paths(user, AUDIT_VIEW)
    if not paths:
        return AuditEvent.objects.none()
    if _covers_every_root(paths):
        return AuditEvent.objects.all()
    # Events with no organization (logins, system changes) are visible to auditors of a root.
    q = subtree_q(paths, "org_path")
    if any(len(p) == 4 for p in paths):
        q |= Q(org_path="")
    return AuditEvent.objects.filter(q)


# ---- organizational life (records, plans, compliance) ----

def _member_org_ids(user):
    member = user.member
    return [pk for pk in (member.organization_id, member.party_group_id) if pk]


def visible_records(user, capability=RECORD_VIEW):
    """Activity records in scope; a member reads the submitted records of their branch and group."""
    from apps.records.models import ActivityRecord, RecordStatus

    paths = scope_paths(user, capability)
    if paths:
        return ActivityRecord.objects.filter(subtree_q(paths, "organization__path"))
    if capability == RECORD_VIEW and is_member_self_service(user):
        return ActivityRecord.objects.filter(organization_id__in=_member_org_ids(user), status=RecordStatus.SUBMITTED)
    return ActivityRecord.objects.none()


def can_review_org(user, org) -> bool:
    """Returning a record or picking it as a star is for a superior organization: the role must be held
    on a strict ancestor of the record's organization, never on the organization itself."""
    return any(org.path.startswith(p) and len(p) < len(org.path) for p in scope_paths(user, RECORD_REVIEW))


def can_record(user, capability, record) -> bool:
    if capability == RECORD_REVIEW:
        return can_review_org(user, record.organization)
    if _in_paths(record.organization.path, scope_paths(user, capability)):
        return True
    return (capability == RECORD_VIEW and is_member_self_service(user) and record.status == "submitted"
            and record.organization_id in _member_org_ids(user))


def get_record(user, pk, capability=RECORD_VIEW):
    from apps.records.models import ActivityRecord

    return _get_scoped(ActivityRecord.objects.select_related("organization", "activity_type"), pk, user, capability,
                       can_record, RECORD_VIEW, _("活动纪实"))


def visible_plans(user, capability=RECORD_VIEW):
    from apps.records.models import ActivityPlan

    return ActivityPlan.objects.filter(subtree_q(scope_paths(user, capability), "organization__path"))


def can_plan(user, capability, plan) -> bool:
    return _in_paths(plan.organization.path, scope_paths(user, capability))


def get_plan(user, pk, capability=RECORD_VIEW):
    from apps.records.models import ActivityPlan

    return _get_scoped(ActivityPlan.objects.select_related("organization", "activity_type"), pk, user, capability,
                       can_plan, RECORD_VIEW, _("活动计划"))


# ---- democratic evaluation ----
# 民主评议党员 is kept by those who keep a branch's organizational life: RECORD_MANAGE opens,
# grades and finalizes, RECORD_VIEW reads everything (self-evaluations, peer ratings). A member
# on the roster takes part (EVALUATION_TAKE_PART): their own self-evaluation, their ratings of
# the others, their own result; never the others' ratings. EVALUATION_SEE is either of the two.
EVALUATION_TAKE_PART = "evaluation.take_part"
EVALUATION_SEE = "evaluation.see"


def _evaluations_taken_part(user):
    from apps.evaluations.models import Participant

    return Participant.objects.filter(member_id=user.member_id).values("evaluation_id")


def visible_evaluations(user, capability=RECORD_VIEW):
    from apps.evaluations.models import Evaluation

    querysets = []
    if capability != EVALUATION_TAKE_PART:
        paths = scope_paths(user, RECORD_VIEW if capability == EVALUATION_SEE else capability)
        if paths:
            querysets.append(Evaluation.objects.filter(subtree_q(paths, "organization__path")))
    if capability in (EVALUATION_TAKE_PART, EVALUATION_SEE) and is_member_self_service(user):
        # A subquery, not a join: a join on the roster would repeat an evaluation once per participant.
        querysets.append(Evaluation.objects.filter(pk__in=_evaluations_taken_part(user)))
    return reduce(or_, querysets) if querysets else Evaluation.objects.none()


def _takes_part(user, evaluation) -> bool:
    return is_member_self_service(user) and evaluation.participants.filter(member_id=user.member_id).exists()


def can_evaluation(user, capability, evaluation) -> bool:
    if capability == EVALUATION_TAKE_PART:
        return _takes_part(user, evaluation)
    if capability == EVALUATION_SEE:
        return can_evaluation(user, RECORD_VIEW, evaluation) or _takes_part(user, evaluation)
    return _in_paths(evaluation.organization.path, scope_paths(user, capability))


def get_evaluation(user, pk, capability=RECORD_VIEW):
    from apps.evaluations.models import Evaluation

    return _get_scoped(Evaluation.objects.select_related("organization"), pk, user, capability, can_evaluation,
                       EVALUATION_SEE, _("民主评议"))


# ---- citizen requests (群工系统) ----
# A case is in a user's scope when its area (where the problem is) lies in the scope, or when one of its units
# (首接, lead or assisting, now or before) is tied to an organization in the scope. A unit's staff act for it
# (CASE_HANDLE); dispatchers (CASE_DISPATCH) act on every case of their scope.

def case_units(user, capability=CASE_HANDLE):
    """The active handling units the user acts for: in the subtree of an organization where the user holds the role,
    the units nearest to it. A role on the district's root acts for the district's own unit, not for every township
    below it; a township's staff act for the township, and a village unit below it has staff of its own."""
    from apps.cases.models import HandlingUnit
    from apps.orgs.models import Organization

    cache = user.__dict__.setdefault("_case_units", {})
    if capability not in cache:
        paths = scope_paths(user, capability)
        units = list(HandlingUnit.objects.filter(is_active=True).filter(subtree_q(paths, "organization__path"))
                     .select_related("organization")) if paths else []
        unit_paths = {u.organization.path for u in units}

        def nearest(unit):
            path = unit.organization.path
            top = next(p for p in paths if path.startswith(p))
            step = len(top)
            return not any(path[:i] in unit_paths for i in range(step, len(path), Organization.steplen))

        cache[capability] = [u for u in units if nearest(u)]
    return cache[capability]


def visible_cases(user, capability=CASE_VIEW):
    from apps.cases.models import Case, CaseAssignment, HandlingUnit
    from apps.orgs.models import Organization

    paths = scope_paths(user, capability)
    if not paths:
        return Case.objects.none()
    if _covers_every_root(paths):
        return Case.objects.all()
    units = HandlingUnit.objects.filter(subtree_q(paths, "organization__path")).values("pk")
    assigned = CaseAssignment.objects.filter(unit__in=units).values("case_id")
    return Case.objects.filter(Q(area__in=Organization.objects.filter(subtree_q(paths)).values("pk"))
                               | Q(lead_unit__in=units) | Q(owner_unit__in=units) | Q(pk__in=assigned))


def _case_paths(case):
    paths = [u.organization.path for u in (case.lead_unit, case.owner_unit) if u is not None]
    if case.area_id:
        paths.append(case.area.path)
    return paths


def case_acting_units(user, case):
    """The units the user acts for on this case, among its current assignments (the lead's first)."""
    mine = {u.pk for u in case_units(user)}
    if not mine:
        return []
    current = [a for a in case.assignments.select_related("unit__organization") if a.is_current and a.unit_id in mine]
    return [a.unit for a in sorted(current, key=lambda a: a.role != "lead")]


def can_case(user, capability, case) -> bool:
    if capability == CASE_HANDLE:
        return bool(case_acting_units(user, case))
    paths = scope_paths(user, capability)
    if not paths:
        return False
    if _covers_every_root(paths) or any(_in_paths(p, paths) for p in _case_paths(case)):
        return True
    if capability == CASE_VIEW:  # as visible_cases: a unit anywhere in the scope was assigned to it
        from apps.cases.models import HandlingUnit

        units = HandlingUnit.objects.filter(subtree_q(paths, "organization__path")).values("pk")
        return case.assignments.filter(unit__in=units).exists()
    return False


def get_case(user, pk, capability=CASE_VIEW):
    from apps.cases.models import Case

    return _get_scoped(Case.objects.select_related("service", "area", "lead_unit__organization",
                                                   "owner_unit__organization", "master"),
                       pk, user, capability, can_case, CASE_VIEW, _("诉求"))


def public_cases():
    """What anyone may read (the public case list, Open311): cases the district publishes, never rejected ones.
    Public readers get the published fields only (apps.cases.publish), never contact details."""
    from apps.cases.models import Case, Status

    # A merged submission shows its master's handling: it is as public as the master.
    return (Case.objects.filter(is_public=True).exclude(status=Status.REJECTED)
            .exclude(status=Status.MERGED, master__is_public=False))
