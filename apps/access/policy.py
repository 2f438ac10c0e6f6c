"""The one access layer: what a user may see and do, scoped to organization subtrees.

Every list, detail, export, import, API and report asks this module. A role held on
an organization holds for its whole subtree (materialized path prefix). Objects outside
a user's scope are reported as "not found" (404), never "forbidden", so their existence
does not leak.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.core.query import prefix_q

from . import scoping
from .models import Role, RoleAssignment
from .scoping import nothing

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
# 考核评价: read the indicator systems that apply to one's subtree; set up groups and indicator systems (district).
ASSESSMENT_VIEW = "assessment.view"
ASSESSMENT_MANAGE = "assessment.manage"
# Score the organizations of a round strictly below where it is held (the superior assesses those under it).
ASSESSMENT_SCORE = "assessment.score"

_ORG_WORK = {ORG_VIEW, ORG_MANAGE, MEMBER_VIEW, MEMBER_MANAGE, MEMBER_EXPORT, MEMBER_IMPORT, RECORD_VIEW, RECORD_MANAGE}
_CASE_WORK = {CASE_VIEW, CASE_HANDLE}
# Every staff role reads the indicator systems its organizations are assessed by (a case unit's too: the three rates
# are indicators); the district administrators set them.
_ASSESSED = {ASSESSMENT_VIEW}

# Duties kept apart (三员分立): administrators never read the audit trail, auditors and
# system administrators never see member data.
ROLE_CAPABILITIES = {
    Role.DISTRICT_ADMIN: _ORG_WORK | _CASE_WORK | _ASSESSED | {RECORD_REVIEW, RULES_MANAGE, CASE_DISPATCH, ASSESSMENT_MANAGE,
                                                           ASSESSMENT_SCORE},
    Role.ORG_ADMIN: _ORG_WORK | _CASE_WORK | _ASSESSED | {RECORD_REVIEW, ASSESSMENT_SCORE},
    Role.SECRETARY: _ORG_WORK | _CASE_WORK | _ASSESSED,
    Role.MEMBER: set(),  # self-service only, see below
    Role.AUDITOR: {AUDIT_VIEW},
    Role.SYSTEM_ADMIN: {SYSTEM_MANAGE},
    Role.CASE_DISPATCHER: _CASE_WORK | _ASSESSED | {CASE_DISPATCH},
    Role.CASE_HANDLER: _CASE_WORK | _ASSESSED,
    # Holds only what apps.ballots registers for it (running resident surveys): no member, record or case data.
    Role.SURVEY_EVALUATOR: set(),
}


def role_assignments(user):
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


def collapse_paths(paths):
    """Drop paths already covered by a shorter prefix in the list."""
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def scope_paths(user, capability) -> list[str]:
    """Tree paths of the subtrees where `user` holds `capability`."""
    paths = []
    for a in role_assignments(user):
        if a.organization is None or (not a.organization.is_active and a.role != Role.AUDITOR):
            continue
        if capability == MEMBER_UNMASK:
            if a.can_unmask and MEMBER_VIEW in ROLE_CAPABILITIES[a.role]:
                paths.append(a.organization.path)
        elif capability in ROLE_CAPABILITIES[a.role]:
            paths.append(a.organization.path)
    return collapse_paths(paths)


def has_capability(user, capability) -> bool:
    if capability == SYSTEM_MANAGE:
        return any(a.role == Role.SYSTEM_ADMIN for a in role_assignments(user))
    if capability == RULES_MANAGE:
        # District-wide rules are set by an administrator of a top-level organization.
        return any(len(p) == 4 for p in scope_paths(user, RULES_MANAGE))
    return bool(scope_paths(user, capability))


def is_member_self_service(user) -> bool:
    return bool(getattr(user, "member_id", None)) and any(a.role == Role.MEMBER for a in role_assignments(user))


def subtree_q(paths, field="path") -> Q:
    if not paths:
        return nothing()
    if covers_every_root(paths):
        # A scope over the whole forest filters nothing; the join it would cost is dropped.
        return Q()
    return reduce(or_, (prefix_q(field, p) for p in paths))


def organization_model():
    """The organization model, known through the role assignment's link to it (the access layer imports no domain app)."""
    return RoleAssignment._meta.get_field("organization").related_model


def covers_every_root(paths) -> bool:
    Organization = organization_model()
    roots = [p for p in paths if len(p) == Organization.steplen]
    if not roots:
        return False
    return not Organization.objects.filter(depth=1).exclude(path__in=roots).exists()


def scope_top(user, capability):
    """The highest organization of the user's scope for `capability`, or None when it is the whole forest."""
    paths = scope_paths(user, capability)
    if not paths or covers_every_root(paths):
        return None
    return organization_model().objects.filter(path__in=paths).order_by("depth", "path").first()


def in_paths(path, paths) -> bool:
    return any(path.startswith(p) for p in paths)


# ---- scoped reads: every list, detail, child object, export, API and report ----

def _capability_for(scope, capability):
    """The role capability that decides the organization rule (None: this capability has no organization rule)."""
    return scope.aliases.get(capability, capability)


def _is_everything(q) -> bool:
    return isinstance(q, Q) and not q.children and not q.negated


def visible_q(model, user, capability=None) -> Q:
    """The filter of `model`'s rows visible to `user` for `capability` (default: the model's view capability)."""
    scope = scoping.scope_of(model)
    capability = capability or scope.view
    if scope.visible is not None:
        q = scope.visible(user, capability)
        if q is not None:
            return q
    base = _capability_for(scope, capability)
    q = subtree_q(scope_paths(user, base), scope.org_path) if base else nothing()
    if _is_everything(q):
        return q
    extra = scope.extra_q(user, capability) if scope.extra_q else None
    return q | extra if extra is not None else q


def child_q(parent_model, via, user, capability=None) -> Q:
    """The filter of a child model's rows whose parent (reached through `via`) is visible: see scoping.register_child."""
    q = visible_q(parent_model, user, capability)
    if _is_everything(q):
        return q
    return Q(**{f"{via}__in": parent_model._default_manager.filter(q).values("pk")})


def restrict(model_or_queryset, user, capability=None) -> QuerySet:
    """The rows of a model (or of a queryset of it) that `user` may see or act on for `capability`."""
    if isinstance(model_or_queryset, QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    return queryset.filter(visible_q(queryset.model, user, capability))


def can(user, capability, obj) -> bool:
    """Whether `user` holds `capability` on this object (its scope's rule, else its organization's subtree)."""
    scope = scoping.scope_of(obj)
    if scope.check is not None:
        decided = scope.check(user, capability, obj)
        if decided is not None:
            return decided
    base = _capability_for(scope, capability)
    if base:
        path = scoping.path_of(obj, scope.org_path)
        if path is not None and in_paths(path, scope_paths(user, base)):
            return True
    return bool(scope.extra_can and scope.extra_can(user, capability, obj))


def get(model_or_queryset, user, pk, capability=None):
    """One object by primary key, if `user` holds `capability` on it.

    Out of scope is "not found" (404). An object the user may see but not act on is
    "forbidden" (403): its existence is no secret to them.
    """
    if isinstance(model_or_queryset, QuerySet):
        queryset = model_or_queryset
        scope = scoping.scope_of(queryset.model)
    else:
        scope = scoping.scope_of(model_or_queryset)
        queryset = model_or_queryset._default_manager.select_related(*scope.related)
    capability = capability or scope.view
    try:
        obj = queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("未找到该{what}").format(what=scope.label)) from None
    if can(user, capability, obj):
        return obj
    if capability != scope.view and can(user, scope.view, obj):
        raise PermissionDenied(_("您没有权限执行此操作"))
    raise Http404(_("未找到该{what}").format(what=scope.label))


def register_capability(capability, roles):
    """A new app's capability, held by these roles. Duties stay apart: the auditor and the system administrator
    hold only their own capabilities."""
    for role in roles:
        if role in (Role.AUDITOR, Role.SYSTEM_ADMIN):
            raise ValueError(f"{role} keeps its duties apart and cannot hold {capability}")
        ROLE_CAPABILITIES[role] = ROLE_CAPABILITIES[role] | {capability}


# ---- roles confined to a few pages ----

# A role whose holder uses only some pages of the platform (the external evaluator: the surveys), registered by the
# app that serves them: role -> the URL names (exact, or ending in "*" for a prefix) and namespaces it may open.
# apps.access.middleware refuses every other page to an account whose every role is confined; the API refuses it too.
CONFINED_ROLES: dict = {}


def confine_role(role, *, names=(), namespaces=()):
    entry = CONFINED_ROLES.setdefault(role, {"names": set(), "namespaces": set()})
    entry["names"] |= set(names)
    entry["namespaces"] |= set(namespaces)


def confinement(user):
    """(names, namespaces) a confined account may open, or None when some role of theirs is not confined (or they
    hold none: such an account reaches nothing anyway)."""
    assignments = role_assignments(user)
    if not assignments or any(a.role not in CONFINED_ROLES for a in assignments):
        return None
    names, namespaces = set(), set()
    for a in assignments:
        names |= CONFINED_ROLES[a.role]["names"]
        namespaces |= CONFINED_ROLES[a.role]["namespaces"]
    return names, namespaces


def confined_may_open(confined, view_name, namespaces) -> bool:
    names, open_namespaces = confined
    if view_name in names or any(n.endswith("*") and view_name.startswith(n[:-1]) for n in names):
        return True
    return bool(namespaces) and namespaces[0] in open_namespaces
