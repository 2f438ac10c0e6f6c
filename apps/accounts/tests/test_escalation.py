"""Role escalation (三员分立): for every role, granting roles and the unmask right to oneself and to others,
revoking and editing one's own assignment, through the pages; refused attempts answer 403, leave an audit row
and change nothing; the legitimate paths still work.

The expectations below are written out by hand, not read from apps.access.grants: this test checks the table.
"""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from apps.access.models import Role, RoleAssignment
from apps.accounts import services
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD, make_user

REFUSED = "role_grant_refused"  # a refused grant or revocation
CHANGE_REFUSED = "change_refused"  # any other refused change of an account: password, enabling, disabling


@pytest.fixture
def staff(tree):
    """The tree's users plus the two case roles: one holder of every role."""
    users = dict(tree.users)
    users["dispatcher"] = make_user("dispatcher", Role.CASE_DISPATCHER, tree.district)
    users["handler"] = make_user("handler", Role.CASE_HANDLER, tree.town_a)
    users["evaluator"] = make_user("evaluator", Role.SURVEY_EVALUATOR, tree.district)
    held = {a.role for a in RoleAssignment.objects.all()}
    # A new role must be added here (and to the expectations below) before this test passes again.
    assert held == set(Role.values)
    return users


def _assignments():
    return set(RoleAssignment.objects.values_list("user_id", "role", "organization_id", "can_unmask"))


def _refusals(actor):
    return AuditEvent.objects.filter(action__in=(REFUSED, CHANGE_REFUSED), actor_name=actor.username).count()


def _picked(org):
    """What the organization picker posts for a chosen organization: its label and, in `_pk`, its id."""
    return {"organization": org.name, "organization_pk": org.pk} if org is not None else {"organization": ""}


def _assign(client, target, role, org, unmask=False):
    data = {"action": "assign", "role": role, **_picked(None if role == Role.SYSTEM_ADMIN else org)}
    if unmask:
        data["can_unmask"] = "on"
    return client.post(f"/accounts/users/{target.pk}/", data)


def _assert_refused(response, actor, before_rows, before_refusals):
    assert response.status_code in (403, 404), response.status_code
    assert _assignments() == before_rows
    assert _refusals(actor) == before_refusals + 1


# ---- oneself ----

@pytest.mark.django_db
@pytest.mark.parametrize("who", ["district_admin", "town_a_admin", "secretary_a", "member_a", "auditor", "sysadmin",
                                 "dispatcher", "handler", "evaluator"])
def test_nobody_grants_themselves_any_role_or_unmask(staff, tree, client, who):
    me = staff[who]
    client.force_login(me)
    for role in Role.values:
        for unmask in (False, True):
            rows, refusals = _assignments(), _refusals(me)
            response = _assign(client, me, role, tree.district, unmask)
            _assert_refused(response, me, rows, refusals)
            if response.status_code == 403 and who in ("sysadmin", "district_admin", "town_a_admin"):
                assert "不能修改自己的角色" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["district_admin", "town_a_admin", "secretary_a", "member_a", "auditor", "sysadmin",
                                 "dispatcher", "handler", "evaluator"])
def test_nobody_revokes_or_edits_their_own_assignment(staff, client, who):
    me = staff[who]
    mine = RoleAssignment.objects.get(user=me)
    client.force_login(me)
    rows, refusals = _assignments(), _refusals(me)
    _assert_refused(client.post(f"/accounts/users/{me.pk}/", {"action": "revoke", "assignment": mine.pk}),
                    me, rows, refusals)
    # Edit: the same role and organization with the unmask flag flipped.
    data = {"action": "assign", "role": mine.role, **_picked(mine.organization)}
    if not mine.can_unmask:
        data["can_unmask"] = "on"
    _assert_refused(client.post(f"/accounts/users/{me.pk}/", data), me, rows, refusals + 1)
    # Nor disable one's own account or reset one's own password from the administration page.
    _assert_refused(client.post(f"/accounts/users/{me.pk}/", {"action": "deactivate"}), me, rows, refusals + 2)
    _assert_refused(client.post(f"/accounts/users/{me.pk}/", {"action": "password", "new_password1": "Anotherpass2026",
                                                              "new_password2": "Anotherpass2026"}), me, rows, refusals + 3)
    me.refresh_from_db()
    assert me.is_active and me.check_password(PASSWORD)
    # Role refusals and account-change refusals are told apart in the trail.
    mine_refused = AuditEvent.objects.filter(actor_name=me.username)
    assert mine_refused.filter(action=REFUSED).count() == 2 and mine_refused.filter(action=CHANGE_REFUSED).count() == 2
    assert {e.note.split("：")[0] for e in mine_refused.filter(action=CHANGE_REFUSED)} == {"停用账号", "重置密码"}


# ---- others ----

# What each holder may grant on 甲镇党委 (town A) to an account without roles: (role, with unmask).
_BRANCH = {Role.SECRETARY, Role.MEMBER, Role.CASE_HANDLER}
_BUSINESS = _BRANCH | {Role.ORG_ADMIN, Role.CASE_DISPATCHER}
MAY_GRANT = {
    # The system administrator (三员: accounts and system settings, not permissions): only other system
    # administrators; no business role, never the district administrator's (security) role, the audit duty or unmask.
    "sysadmin": {(Role.SYSTEM_ADMIN, False)},
    # The district administrator holding unmask: business roles, district administrators, auditors; unmask with
    # the roles that see members.
    "district_admin": {(r, False) for r in _BUSINESS | {Role.DISTRICT_ADMIN, Role.AUDITOR, Role.SURVEY_EVALUATOR}}
    | {(r, True) for r in (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY)},
    # An organization administrator without unmask: the branch roles in their subtree.
    "town_a_admin": {(r, False) for r in _BRANCH},
    "secretary_a": set(), "member_a": set(), "auditor": set(), "dispatcher": set(), "handler": set(),
    "evaluator": set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", sorted(MAY_GRANT))
def test_grants_to_others_follow_the_table(staff, tree, client, who):
    actor = staff[who]
    client.force_login(actor)
    for n, role in enumerate(Role.values):
        for unmask in (False, True):
            target = make_user(f"t-{who}-{n}-{int(unmask)}")
            rows, refusals = _assignments(), _refusals(actor)
            response = _assign(client, target, role, tree.town_a, unmask)
            if (role, unmask) in MAY_GRANT[who]:
                assert response.status_code == 302, (who, role, unmask, response.status_code)
                org = None if role == Role.SYSTEM_ADMIN else tree.town_a.pk
                assert _assignments() == rows | {(target.pk, role, org, unmask)}
                assert AuditEvent.objects.filter(action="create", object_type="access.roleassignment",
                                                 actor_name=actor.username).exists()
            else:
                _assert_refused(response, actor, rows, refusals)


@pytest.mark.django_db
def test_grants_stay_in_the_granters_scope(staff, tree, client):
    actor = staff["town_a_admin"]
    client.force_login(actor)
    target = make_user("newcomer")
    rows, refusals = _assignments(), _refusals(actor)
    _assert_refused(_assign(client, target, Role.SECRETARY, tree.branch_b), actor, rows, refusals)
    assert _assign(client, target, Role.SECRETARY, tree.branch_a).status_code == 302
    # Accounts holding roles only outside the scope are not even found; the attempt is still recorded.
    rows = _assignments()
    response = client.post(f"/accounts/users/{staff['secretary_b'].pk}/", {"action": "revoke",
                                                                          "assignment": staff["secretary_b"].roles.get().pk})
    _assert_refused(response, actor, rows, refusals + 1)
    assert client.get(f"/accounts/users/{staff['secretary_b'].pk}/").status_code == 404
    listed = client.get("/accounts/users/").content.decode()
    assert "newcomer" in listed and "secretary_b" not in listed


@pytest.mark.django_db
def test_the_form_offers_only_what_the_actor_may_grant(staff, tree, client):
    client.force_login(staff["sysadmin"])
    page = client.get(f"/accounts/users/{tree.users['secretary_a'].pk}/").content.decode()
    assert 'value="system_admin"' in page
    for business in ("secretary", "org_admin", "member", "case_handler", "case_dispatcher", "auditor", "district_admin"):
        assert f'value="{business}"' not in page, business
    assert 'type="checkbox" name="can_unmask"' not in page
    client.force_login(staff["district_admin"])
    page = client.get(f"/accounts/users/{tree.users['secretary_a'].pk}/").content.decode()
    assert 'value="auditor"' in page and 'value="system_admin"' not in page
    assert 'type="checkbox" name="can_unmask"' in page


@pytest.mark.django_db
def test_revoking_follows_the_table(staff, client):
    sysadmin, district_admin = staff["sysadmin"], staff["district_admin"]
    client.force_login(sysadmin)
    for holder in ("auditor", "district_admin", "secretary_a", "town_a_admin"):  # duties the system administrator cannot grant
        assignment = staff[holder].roles.get()
        rows, refusals = _assignments(), _refusals(sysadmin)
        _assert_refused(client.post(f"/accounts/users/{staff[holder].pk}/", {"action": "revoke", "assignment": assignment.pk}),
                        sysadmin, rows, refusals)
    other_sysadmin = make_user("sysadmin2", Role.SYSTEM_ADMIN)
    assignment = other_sysadmin.roles.get()
    assert client.post(f"/accounts/users/{other_sysadmin.pk}/", {"action": "revoke", "assignment": assignment.pk}).status_code == 302
    assert AuditEvent.objects.filter(action="delete", object_type="access.roleassignment", actor_name="sysadmin").exists()
    client.force_login(district_admin)
    assignment = staff["secretary_a"].roles.get()
    assert client.post(f"/accounts/users/{staff['secretary_a'].pk}/", {"action": "revoke", "assignment": assignment.pk}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    rows, refusals = _assignments(), _refusals(district_admin)
    _assert_refused(client.post(f"/accounts/users/{sysadmin.pk}/", {"action": "revoke", "assignment": sysadmin.roles.get().pk}),
                    district_admin, rows, refusals)
    assignment = staff["auditor"].roles.get()
    assert client.post(f"/accounts/users/{staff['auditor'].pk}/", {"action": "revoke", "assignment": assignment.pk}).status_code == 302


@pytest.mark.django_db
def test_unmask_is_granted_and_taken_only_by_its_holders(staff, tree, client):
    secretary = staff["secretary_a"]
    client.force_login(staff["district_admin"])
    assert _assign(client, secretary, Role.SECRETARY, tree.branch_a, unmask=True).status_code == 302
    assert secretary.roles.get().can_unmask
    town_admin = staff["town_a_admin"]
    client.force_login(town_admin)
    rows, refusals = _assignments(), _refusals(town_admin)
    _assert_refused(_assign(client, secretary, Role.SECRETARY, tree.branch_a, unmask=False), town_admin, rows, refusals)
    _assert_refused(client.post(f"/accounts/users/{secretary.pk}/", {"action": "revoke", "assignment": secretary.roles.get().pk}),
                    town_admin, rows, refusals + 1)
    client.force_login(staff["district_admin"])
    assert _assign(client, secretary, Role.SECRETARY, tree.branch_a, unmask=False).status_code == 302
    assert not secretary.roles.get().can_unmask


@pytest.mark.django_db
@pytest.mark.parametrize(("held", "grant", "ok"), [
    ((Role.AUDITOR, False), (Role.SECRETARY, False), False),  # audit + business
    ((Role.SECRETARY, True), (Role.AUDITOR, False), False),  # security + audit
    ((Role.SECRETARY, False), (Role.SYSTEM_ADMIN, False), False),  # business + system
    ((Role.ORG_ADMIN, True), (Role.SYSTEM_ADMIN, False), False),  # security + system
    ((Role.SYSTEM_ADMIN, False), (Role.ORG_ADMIN, False), False),  # system + business
    ((Role.SYSTEM_ADMIN, False), (Role.AUDITOR, False), False),  # system + audit
    ((Role.MEMBER, False), (Role.SYSTEM_ADMIN, False), True),  # a member's self-service goes with any duty
    ((Role.MEMBER, False), (Role.AUDITOR, False), True),
    ((Role.SECRETARY, False), (Role.ORG_ADMIN, True), True),  # business + security: the district's own work
    # 第三方测评: the external evaluator's duty meets no other (business, system, audit, security)
    ((Role.SURVEY_EVALUATOR, False), (Role.SECRETARY, False), False),
    ((Role.ORG_ADMIN, False), (Role.SURVEY_EVALUATOR, False), False),
    ((Role.ORG_ADMIN, True), (Role.SURVEY_EVALUATOR, False), False),
    ((Role.SURVEY_EVALUATOR, False), (Role.AUDITOR, False), False),
    ((Role.AUDITOR, False), (Role.SURVEY_EVALUATOR, False), False),
    ((Role.SURVEY_EVALUATOR, False), (Role.SYSTEM_ADMIN, False), False),
    ((Role.SYSTEM_ADMIN, False), (Role.SURVEY_EVALUATOR, False), False),
    ((Role.SURVEY_EVALUATOR, False), (Role.DISTRICT_ADMIN, False), False),
])
def test_one_account_never_combines_the_separated_duties(staff, tree, held, grant, ok):
    target = make_user("target")
    RoleAssignment.objects.create(user=target, role=held[0], can_unmask=held[1],
                                  organization=None if held[0] == Role.SYSTEM_ADMIN else tree.branch_a)
    actor = staff["sysadmin"] if grant[0] == Role.SYSTEM_ADMIN else staff["district_admin"]
    org = None if grant[0] == Role.SYSTEM_ADMIN else tree.town_a
    rows, refusals = _assignments(), _refusals(actor)
    if ok:
        services.role_assign(actor=actor, user=target, role=grant[0], organization=org, can_unmask=grant[1])
        assert len(_assignments()) == len(rows) + 1
        return
    with pytest.raises(services.GrantRefused, match="三员分立"):
        services.role_assign(actor=actor, user=target, role=grant[0], organization=org, can_unmask=grant[1])
    assert _assignments() == rows and _refusals(actor) == refusals + 1
    # The server console is held to the same separation.
    with pytest.raises(services.GrantRefused):
        services.role_assign(actor=None, user=target, role=grant[0], organization=org, can_unmask=grant[1])


@pytest.mark.django_db
def test_passwords_of_duties_one_cannot_grant_are_not_reset(staff, client):
    sysadmin = staff["sysadmin"]
    client.force_login(sysadmin)
    new = {"action": "password", "new_password1": "Anotherpass2026", "new_password2": "Anotherpass2026"}
    # The system administrator gets into no account holding a duty they cannot grant: not even a member's.
    for holder in ("auditor", "district_admin", "town_a_admin", "secretary_a", "member_a", "dispatcher"):
        rows, refusals = _assignments(), _refusals(sysadmin)
        assert "重置密码" not in client.get(f"/accounts/users/{staff[holder].pk}/").content.decode()
        _assert_refused(client.post(f"/accounts/users/{staff[holder].pk}/", new), sysadmin, rows, refusals)
        staff[holder].refresh_from_db()
        assert staff[holder].check_password(PASSWORD)
    # Accounts without a role, and other system administrators, are theirs.
    for target in (make_user("fresh"), make_user("sysadmin2", Role.SYSTEM_ADMIN)):
        Token.objects.create(user=target)
        assert client.post(f"/accounts/users/{target.pk}/", new).status_code == 302
        target.refresh_from_db()
        assert target.check_password("Anotherpass2026") and not Token.objects.filter(user=target).exists()
    # A business account's password is reset by an administrator who grants its roles, within their scope.
    client.force_login(staff["town_a_admin"])
    Token.objects.create(user=staff["secretary_a"])
    assert client.post(f"/accounts/users/{staff['secretary_a'].pk}/", new).status_code == 302
    staff["secretary_a"].refresh_from_db()
    assert staff["secretary_a"].check_password("Anotherpass2026")
    assert not Token.objects.filter(user=staff["secretary_a"]).exists()
    rows, refusals = _assignments(), _refusals(staff["town_a_admin"])
    _assert_refused(client.post(f"/accounts/users/{staff['town_a_admin'].pk}/", new), staff["town_a_admin"], rows, refusals)
    assert client.post(f"/accounts/users/{staff['secretary_b'].pk}/", new).status_code == 404  # outside the scope
    # Disabling follows the same rule (test_deactivation.py): the town administrator may not disable its superior.
    rows, refusals = _assignments(), _refusals(staff["town_a_admin"])
    _assert_refused(client.post(f"/accounts/users/{staff['district_admin'].pk}/", {"action": "deactivate"}),
                    staff["town_a_admin"], rows, refusals)
    # Not the password of an account holding the unmask right, by a granter who does not hold it.
    RoleAssignment.objects.filter(user=staff["secretary_a"]).update(can_unmask=True)
    client.force_login(staff["town_a_admin"])
    rows, refusals = _assignments(), _refusals(staff["town_a_admin"])
    _assert_refused(client.post(f"/accounts/users/{staff['secretary_a'].pk}/", new), staff["town_a_admin"], rows, refusals)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["district_admin", "town_a_admin"])
def test_scoped_administrators_cannot_take_over_a_roleless_account(staff, client, who):
    """A roleless account may be given any role later (the auditor's): whoever set its password would own it then.
    Only the system administrator (or the console) resets, enables or disables it; a scoped administrator sees it
    only to grant it a role."""
    fresh = make_user("fresh")
    admin = staff[who]
    client.force_login(admin)
    page = client.get(f"/accounts/users/{fresh.pk}/").content.decode()
    assert "重置密码" not in page and "停用账号" not in page and "分配角色" in page
    new = {"action": "password", "new_password1": "Anotherpass2026", "new_password2": "Anotherpass2026"}
    for data in (new, {"action": "deactivate"}, {"action": "activate"}):
        rows, refusals = _assignments(), _refusals(admin)
        response = client.post(f"/accounts/users/{fresh.pk}/", data)
        _assert_refused(response, admin, rows, refusals)
        assert "只能由系统管理员" in response.content.decode()
    assert AuditEvent.objects.filter(action=CHANGE_REFUSED, actor_name=admin.username, object_id=str(fresh.pk)).count() == 3
    fresh.refresh_from_db()
    assert fresh.check_password(PASSWORD) and fresh.is_active
    # The system administrator may; so may the console.
    client.force_login(staff["sysadmin"])
    assert client.post(f"/accounts/users/{fresh.pk}/", new).status_code == 302
    services.user_set_password(actor=None, user=fresh, password="Thirdpass2026")
    fresh.refresh_from_db()
    assert fresh.check_password("Thirdpass2026")
    # Once it holds a role the granting administrator may grant, it is theirs like any other account in scope.
    services.role_assign(actor=None, user=fresh, role=Role.SECRETARY, organization=staff["secretary_a"].roles.get().organization)
    client.force_login(admin)
    assert client.post(f"/accounts/users/{fresh.pk}/", new).status_code == 302


@pytest.mark.django_db
def test_the_system_administrator_cannot_staff_an_account_they_created(staff, tree, client):
    """The gap 三员分立 closes: create an account (knowing its password), then make it an organization administrator."""
    sysadmin = staff["sysadmin"]
    client.force_login(sysadmin)
    assert client.post("/accounts/users/", {"username": "puppet", "display_name": "傀儡",
                                            "password": "Strongpass2026"}).status_code == 302
    puppet = User.objects.get(username="puppet")
    for role in (Role.ORG_ADMIN, Role.DISTRICT_ADMIN, Role.SECRETARY, Role.MEMBER, Role.AUDITOR):
        for org in (tree.district, tree.town_a, tree.branch_a):
            rows, refusals = _assignments(), _refusals(sysadmin)
            response = _assign(client, puppet, role, org)
            _assert_refused(response, sysadmin, rows, refusals)
            assert "您无权" in response.content.decode()
    assert not puppet.roles.exists()


@pytest.mark.django_db
def test_no_other_way_to_roles_or_tokens(staff, client):
    """No API endpoint for roles or users, and the system settings do not edit roles, users, groups or tokens."""
    client.force_login(staff["sysadmin"])
    for url in ("/api/roles/", "/api/users/", "/api/role-assignments/", "/system/admin/access/roleassignment/",
                "/system/admin/accounts/user/", "/system/admin/auth/group/", "/system/admin/authtoken/tokenproxy/"):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_committed_on_its_own(tree):
    sysadmin = tree.users["sysadmin"]
    with pytest.raises(services.GrantRefused):
        services.role_assign(actor=sysadmin, user=sysadmin, role=Role.AUDITOR, organization=tree.district)
    # No transaction is left open: the refusal's row is committed, not waiting on the refused change.
    assert not connection.in_atomic_block
    event = AuditEvent.objects.get(action=REFUSED, actor_name="sysadmin")
    assert "不能修改自己的角色" in event.note and event.after["role"] == Role.AUDITOR
    assert not RoleAssignment.objects.filter(user=sysadmin, role=Role.AUDITOR).exists()


@pytest.mark.django_db
def test_the_console_installs_the_first_administrators(tree):
    first = User.objects.create_user("first_admin", password=PASSWORD)
    call_command("grant_role", "first_admin", Role.DISTRICT_ADMIN, tree.district.code, "--unmask")
    assert first.roles.get().can_unmask
    assert AuditEvent.objects.filter(action="create", object_type="access.roleassignment", actor_name="").exists()
    with pytest.raises(CommandError, match="三员分立"):
        call_command("grant_role", "first_admin", Role.AUDITOR, tree.district.code)


# ---- the role form's organization picker ----

@pytest.mark.django_db
def test_the_role_form_picks_organizations_within_the_grant_scope(staff, tree, client):
    actor = staff["town_a_admin"]
    client.force_login(actor)
    page = client.get(f"/accounts/users/{make_user('picked').pk}/").content.decode()
    assert 'name="organization_pk"' in page and "cap=grant" in page and 'name="org_code"' not in page
    found = client.get("/orgs/pick/", {"cap": "grant", "q": "村党支部"}).content.decode()
    assert tree.branch_a.name in found and tree.branch_b.name not in found  # branch B is outside town A
    assert "甲镇党委 › 甲村党支部" in found  # with the parent path
    # The picker's value (label + id) is accepted in scope; a typed code too.
    target = User.objects.get(username="picked")
    assert _assign(client, target, Role.SECRETARY, tree.branch_a).status_code == 302
    assert target.roles.get().organization == tree.branch_a
    other = make_user("typed")
    response = client.post(f"/accounts/users/{other.pk}/", {"action": "assign", "role": Role.MEMBER,
                                                           "organization": tree.branch_a.code})
    assert response.status_code == 302 and other.roles.get().organization == tree.branch_a
    # An id outside the scope is refused by the service (403, audited) and its name is not shown back.
    rows, refusals = _assignments(), _refusals(actor)
    response = _assign(client, make_user("outside"), Role.SECRETARY, tree.branch_b)
    _assert_refused(response, actor, rows - set(), refusals)
    assert tree.branch_b.name not in response.content.decode().replace(f'value="{tree.branch_b.name}"', "")


@pytest.mark.django_db
def test_the_grant_picker_is_for_granters_only(staff, tree, client):
    client.force_login(staff["secretary_a"])
    assert client.get("/orgs/pick/", {"cap": "grant", "q": "村"}).status_code == 403
    client.force_login(staff["sysadmin"])  # grants only the system administrator's role, which has no organization
    response = client.get("/orgs/pick/", {"cap": "grant", "q": "村"})
    assert response.status_code == 200 and tree.branch_a.name not in response.content.decode()
    client.force_login(staff["district_admin"])
    found = client.get("/orgs/pick/", {"cap": "grant", "q": "村党支部"}).content.decode()
    assert tree.branch_a.name in found and tree.branch_b.name in found
