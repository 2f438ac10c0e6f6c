"""Who may grant which role, and which duties never meet on one account (三员分立).

The one table of grant rights. The role services (`apps.accounts.services`) ask it before every grant, change or
revocation, and the role form asks it for what to offer, so the pages only offer what the services accept.

Three duties are kept apart, each on its own accounts:

- the **system** duty (系统管理员): accounts and system settings; sees no member data;
- the **security-data** duty (安全保密): seeing full 身份证 numbers, the `can_unmask` flag of an assignment;
- the **audit** duty (审计员): reads the audit trail, nothing else.

A business role (managing organizations, members, records, cases) sees member data, so it never meets the system or
the audit duty either. The **survey** duty (第三方测评, the outside evaluator of the resident satisfaction surveys)
runs the surveys and sees nothing else: it never meets the business, system, audit or security duty on one account,
so an evaluator's account can never also read member data, the audit trail or settings. A member's self-service (`Role.MEMBER`) sees their own record only and goes with any duty.

Grant rights follow the same split (the usual 三员 model: 系统管理员 / 安全保密管理员 / 安全审计员). The system
administrator manages accounts and system settings; assigning permissions is not theirs: they grant the system
administrator's role only — no business role, no `can_unmask`, no audit duty. The system administrator creates
accounts and knows their first password, so a business role they could grant would be a role they could use
(create an account, make it an organization administrator, log in as it, read member data). Business roles are
granted by a district administrator, within the subtree where they hold that role (with the district
administrator's own role, the auditor's and the survey evaluator's), and `can_unmask` only where the granter holds it themselves; an
organization administrator hands out the branch roles within their subtree. Nobody changes their own roles.

Setting another account's password is a way into it, so it follows the grant rights too (`account_takeover_problem`):
the system administrator resets the passwords of accounts without roles and of other system administrators — and
only they: a roleless account may be given any role later (the auditor's, say), so a scoped administrator who could
set its password would own it by then; they see roleless accounts only to grant them a role. An
account holding a business, security or audit duty has its password reset by an administrator who could have
granted each of its roles (or at the server console, `manage.py changepassword`). Disabling or enabling an account
follows the same rule (`account_status_problem`).

Outside these rules stands only the server console (`manage.py grant_role`, actor None), which installs the first
administrators of a new deployment; it still never combines duties.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import policy
from .models import Role, RoleAssignment

DUTY_SYSTEM = "system"
DUTY_SECURITY = "security"
DUTY_AUDIT = "audit"
DUTY_BUSINESS = "business"
DUTY_SELF = "self"
DUTY_SURVEY = "survey"

# Pairs of duties one account never holds together.
INCOMPATIBLE_DUTIES = (
    frozenset({DUTY_SYSTEM, DUTY_SECURITY}),
    frozenset({DUTY_SYSTEM, DUTY_AUDIT}),
    frozenset({DUTY_SYSTEM, DUTY_BUSINESS}),
    frozenset({DUTY_AUDIT, DUTY_SECURITY}),
    frozenset({DUTY_AUDIT, DUTY_BUSINESS}),
    frozenset({DUTY_SURVEY, DUTY_BUSINESS}),
    frozenset({DUTY_SURVEY, DUTY_SYSTEM}),
    frozenset({DUTY_SURVEY, DUTY_AUDIT}),
    frozenset({DUTY_SURVEY, DUTY_SECURITY}),
)


def duty_labels():
    return {DUTY_SYSTEM: _("系统管理"), DUTY_SECURITY: _("查看完整身份证号（安全保密）"), DUTY_AUDIT: _("审计"),
            DUTY_BUSINESS: _("业务管理（党员信息）"), DUTY_SELF: _("本人自助"), DUTY_SURVEY: _("第三方测评")}


@dataclass(frozen=True)
class GrantRight:
    roles: frozenset  # the roles a holder may grant, change and revoke
    unmask: bool  # may grant can_unmask, on organizations where the granter holds can_unmask itself
    scoped: bool  # only on organizations in the subtree where the granter holds the role


_BRANCH_ROLES = frozenset({Role.SECRETARY, Role.MEMBER, Role.CASE_HANDLER})
_BUSINESS_ROLES = _BRANCH_ROLES | {Role.ORG_ADMIN, Role.CASE_DISPATCHER}

# The grant table: the granter's role → what it may grant. Roles not listed grant nothing.
GRANT_RULES = {
    # 三员分立: the system administrator grants no role that sees member data, security data or the audit trail.
    Role.SYSTEM_ADMIN: GrantRight(roles=frozenset({Role.SYSTEM_ADMIN}), unmask=False, scoped=False),
    Role.DISTRICT_ADMIN: GrantRight(roles=_BUSINESS_ROLES | {Role.DISTRICT_ADMIN, Role.AUDITOR, Role.SURVEY_EVALUATOR},
                                    unmask=True, scoped=True),
    Role.ORG_ADMIN: GrantRight(roles=_BRANCH_ROLES, unmask=True, scoped=True),
}


def duties(role, can_unmask=False) -> set:
    if role == Role.SYSTEM_ADMIN:
        found = {DUTY_SYSTEM}
    elif role == Role.AUDITOR:
        found = {DUTY_AUDIT}
    elif role == Role.MEMBER:
        found = {DUTY_SELF}
    elif role == Role.SURVEY_EVALUATOR:
        found = {DUTY_SURVEY}
    else:
        found = {DUTY_BUSINESS}
    if can_unmask:
        found.add(DUTY_SECURITY)
    return found


def role_sees_members(role) -> bool:
    return policy.MEMBER_VIEW in policy.ROLE_CAPABILITIES[role]


def _rights(actor):
    """(assignment, right) pairs of the actor's assignments that carry grant rights."""
    if actor is None:
        return []
    found = []
    for a in policy.role_assignments(actor):
        right = GRANT_RULES.get(a.role)
        if right is None:
            continue
        if right.scoped and (a.organization is None or not a.organization.is_active):
            continue
        found.append((a, right))
    return found


def _covers(assignment, right, organization) -> bool:
    if not right.scoped:
        return True
    return organization is not None and organization.path.startswith(assignment.organization.path)


def may_grant_role(actor, role, organization) -> bool:
    return any(role in right.roles and _covers(a, right, organization) for a, right in _rights(actor))


def may_grant_unmask(actor, organization) -> bool:
    return organization is not None and any(
        right.unmask and a.can_unmask and role_sees_members(a.role) and _covers(a, right, organization)
        for a, right in _rights(actor))


def grantable_roles(actor) -> list:
    """The roles the actor may grant somewhere (what the role form offers), in the order of `Role`."""
    allowed = set().union(*(right.roles for _a, right in _rights(actor)))
    return [role for role in Role if role in allowed]


def offers_unmask(actor) -> bool:
    return any(right.unmask and a.can_unmask and role_sees_members(a.role) for a, right in _rights(actor))


def administers_roles(actor) -> bool:
    """Whether the actor has any grant right (the user and role pages open to them)."""
    return bool(_rights(actor))


def grant_scope_paths(actor):
    """Subtrees where the actor may grant something; None for everywhere."""
    rights = _rights(actor)
    if any(not right.scoped for _a, right in rights):
        return None
    return policy.collapse_paths(a.organization.path for a, _r in rights)


def grant_orgs(actor):
    """The organizations on which the actor may grant some role: what the role form's organization picker offers
    (apps.orgs.picker, mode `grant`). The system administrator's own role lives on no organization, so a right to
    grant only that offers none."""
    Organization = policy.organization_model()
    rights = [(a, right) for a, right in _rights(actor) if right.roles - {Role.SYSTEM_ADMIN}]
    if not rights:
        return Organization.objects.none()
    if any(not right.scoped for _a, right in rights):
        return Organization.objects.all()
    return Organization.objects.filter(policy.subtree_q(policy.collapse_paths(a.organization.path for a, _r in rights)))


def _is_self(actor, user) -> bool:
    return actor is not None and actor.pk == user.pk


def combination_problem(user, role, can_unmask, *, replacing=None):
    """Why the account cannot hold this assignment next to its others (三员分立), or None."""
    others = RoleAssignment.objects.filter(user=user)
    if replacing is not None and replacing.pk:
        others = others.exclude(pk=replacing.pk)
    held = set()
    for other_role, other_unmask in others.values_list("role", "can_unmask"):
        held |= duties(other_role, other_unmask)
    new = duties(role, can_unmask)
    labels = duty_labels()
    for pair in INCOMPATIBLE_DUTIES:
        for mine in pair & new:
            (theirs,) = pair - {mine}
            if theirs in held or theirs in new:
                return _("三员分立：同一账号不能同时承担“{a}”和“{b}”职责").format(a=labels[mine], b=labels[theirs])
    return None


def grant_problem(actor, *, user, role, organization, can_unmask, existing=None):
    """Why `actor` may not give `user` this assignment (or change `existing` to it), or None.

    `actor` None is the server console: the grant table does not apply, the separation of duties does."""
    if _is_self(actor, user):
        return _("不能修改自己的角色或权限，请由其他有权限的管理员办理")
    if role not in Role.values:
        return _("无效的角色")
    if role == Role.SYSTEM_ADMIN and organization is not None:
        return _("系统管理员角色不属于某个组织，请不要指定组织")
    if role != Role.SYSTEM_ADMIN and organization is None:
        return _("该角色须指定所在组织")
    if can_unmask and not role_sees_members(role):
        return _("该角色不查看党员信息，不能授予查看完整身份证号的权限")
    if actor is not None:
        if not may_grant_role(actor, role, organization):
            return _("您无权在该组织授予“{role}”角色").format(role=Role(role).label)
        unmask_changes = bool(can_unmask) != bool(existing.can_unmask if existing else False)
        if unmask_changes and not may_grant_unmask(actor, organization):
            return _("您无权授予或收回查看完整身份证号的权限（须由持有该权限的区级或组织管理员在其范围内办理）")
    return combination_problem(user, role, can_unmask, replacing=existing)


def revoke_problem(actor, assignment):
    """Why `actor` may not revoke this assignment, or None."""
    if _is_self(actor, assignment.user):
        return _("不能撤销自己的角色，请由其他有权限的管理员办理")
    if actor is None:
        return None
    if not may_grant_role(actor, assignment.role, assignment.organization):
        return _("您无权撤销该组织的“{role}”角色").format(role=assignment.get_role_display())
    if assignment.can_unmask and not may_grant_unmask(actor, assignment.organization):
        return _("您无权收回查看完整身份证号的权限（须由持有该权限的区级或组织管理员在其范围内办理）")
    return None


def account_takeover_problem(actor, user):
    """Why `actor` may not set another account's password, or None.

    Whoever sets a password can log in as the account, so it is set only on accounts whose every assignment the
    actor could have granted: the system administrator never gets into an account holding a business, security or
    audit duty this way (its password is reset by the administrator who grants its roles, or at the server console,
    `manage.py changepassword`)."""
    if _is_self(actor, user):
        return _("请在“个人设置”中修改自己的密码")
    if _roleless_beyond(actor, user):
        return _("尚未分配角色的账号只能由系统管理员重置密码")
    held = _duty_beyond(actor, user)
    if held is not None:
        return _("该账号持有您无权授予的职责（{role}），不能由您重置密码").format(role=held.get_role_display())
    return None


def account_status_problem(actor, user):
    """Why `actor` may not disable or enable `user`'s account, or None.

    Disabling an account takes its duties away as surely as revoking its roles (disabling the only auditor, or every
    district administrator, leaves no one to audit or to grant), and enabling one gives them back: so it follows the
    same rule as a reset (`account_takeover_problem`): only accounts whose every assignment the actor could revoke,
    never one's own."""
    if _is_self(actor, user):
        return _("不能停用或启用自己的账号，请由其他有权限的管理员办理")
    if _roleless_beyond(actor, user):
        return _("尚未分配角色的账号只能由系统管理员停用或启用")
    held = _duty_beyond(actor, user)
    if held is not None:
        return _("该账号持有您无权授予的职责（{role}），不能由您停用或启用").format(role=held.get_role_display())
    return None


def _roleless_beyond(actor, user) -> bool:
    """Whether `user` holds no role and `actor` is not a system administrator: whoever got into a roleless account
    (its password, or enabling it) would hold whatever role it is given later, so it is the system administrator's
    (who created it and knows its first password anyway) or the console's alone."""
    return (not policy.has_capability(actor, policy.SYSTEM_MANAGE)
            and not RoleAssignment.objects.filter(user=user).exists())


def _duty_beyond(actor, user):
    """The first of `user`'s assignments that `actor` could not revoke, or None."""
    for assignment in RoleAssignment.objects.filter(user=user).select_related("organization"):
        if revoke_problem(actor, assignment):
            return assignment
    return None
