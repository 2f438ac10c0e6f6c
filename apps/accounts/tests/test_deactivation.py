"""Disabling and enabling accounts (三员分立): the same rule as a password reset (grants.account_status_problem).

The system administrator must not be able to switch off the only auditor or every district administrator (nor switch
them back on); an account is disabled or enabled only by someone who could revoke each of its roles, never by its
holder. Refusals answer 403 with the reason, change nothing and are audited.
"""

import pytest

from apps.access.models import Role
from apps.accounts import services
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.factories import make_user

REFUSED = "change_refused"  # enabling and disabling are account changes, not grants (账号变更被拒绝)


def _refusals(actor):
    return AuditEvent.objects.filter(action=REFUSED, actor_name=actor.username)


def _post(client, target, action):
    return client.post(f"/accounts/users/{target.pk}/", {"action": action})


def _active(user):
    return User.objects.get(pk=user.pk).is_active


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["auditor", "district_admin", "town_a_admin", "secretary_a", "member_a"])
def test_system_administrator_cannot_disable_accounts_holding_duties(tree, client, who):
    sysadmin, target = tree.users["sysadmin"], tree.users[who]
    client.force_login(sysadmin)
    page = client.get(f"/accounts/users/{target.pk}/").content.decode()
    assert "停用账号" not in page  # the page offers only what the service accepts
    before = _refusals(sysadmin).count()
    response = _post(client, target, "deactivate")
    assert response.status_code == 403
    assert "不能由您停用或启用" in response.content.decode()
    assert _active(target)
    event = _refusals(sysadmin).get(object_id=str(target.pk))
    assert _refusals(sysadmin).count() == before + 1
    assert event.note.startswith("停用账号：") and event.after == {"is_active": False}


@pytest.mark.django_db
def test_system_administrator_cannot_reenable_a_disabled_district_administrator(tree, client):
    sysadmin, district_admin = tree.users["sysadmin"], tree.users["district_admin"]
    services.user_set_active(actor=None, user=district_admin, active=False)  # the server console may
    assert not _active(district_admin)
    client.force_login(sysadmin)
    assert "启用账号" not in client.get(f"/accounts/users/{district_admin.pk}/").content.decode()
    response = _post(client, district_admin, "activate")
    assert response.status_code == 403 and "不能由您停用或启用" in response.content.decode()
    assert not _active(district_admin)
    assert _refusals(sysadmin).get().note.startswith("启用账号：")


@pytest.mark.django_db
def test_the_service_refuses_whatever_calls_it(tree):
    sysadmin = tree.users["sysadmin"]
    for target in (tree.users["auditor"], tree.users["district_admin"], sysadmin):
        with pytest.raises(services.GrantRefused):
            services.user_set_active(actor=sysadmin, user=target, active=False)
        assert _active(target)
    assert _refusals(sysadmin).count() == 3
    assert "不能停用或启用自己的账号" in _refusals(sysadmin).get(object_id=str(sysadmin.pk)).note


@pytest.mark.django_db
def test_system_administrator_disables_accounts_without_duties_and_other_system_administrators(tree, client):
    client.force_login(tree.users["sysadmin"])
    for target in (make_user("fresh"), make_user("sysadmin2", Role.SYSTEM_ADMIN)):
        assert "停用账号" in client.get(f"/accounts/users/{target.pk}/").content.decode()
        assert _post(client, target, "deactivate").status_code == 302
        assert not _active(target)
        assert "启用账号" in client.get(f"/accounts/users/{target.pk}/").content.decode()
        assert _post(client, target, "activate").status_code == 302
        assert _active(target)
    assert not _refusals(tree.users["sysadmin"]).exists()
    notes = set(AuditEvent.objects.filter(action="update", object_type="accounts.user").values_list("note", flat=True))
    assert {"停用账号", "启用账号"} <= notes


@pytest.mark.django_db
def test_granting_administrators_disable_accounts_in_their_scope(tree, client):
    secretary = tree.users["secretary_a"]
    for admin in ("district_admin", "town_a_admin"):
        client.force_login(tree.users[admin])
        assert "停用账号" in client.get(f"/accounts/users/{secretary.pk}/").content.decode()
        assert _post(client, secretary, "deactivate").status_code == 302 and not _active(secretary)
        assert _post(client, secretary, "activate").status_code == 302 and _active(secretary)
    # Not above their scope: the town administrator does not see the district administrator (404, still recorded),
    # and the district administrator may not disable the system administrator (a role it does not grant).
    client.force_login(tree.users["town_a_admin"])
    assert _post(client, tree.users["district_admin"], "deactivate").status_code == 404
    assert _refusals(tree.users["town_a_admin"]).count() == 1
    client.force_login(tree.users["district_admin"])
    assert _post(client, tree.users["sysadmin"], "deactivate").status_code in (403, 404)
    assert _active(tree.users["sysadmin"]) and _active(tree.users["district_admin"])


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sysadmin", "district_admin", "town_a_admin"])
def test_nobody_disables_their_own_account(tree, client, who):
    me = tree.users[who]
    client.force_login(me)
    assert "停用账号" not in client.get(f"/accounts/users/{me.pk}/").content.decode()
    response = _post(client, me, "deactivate")
    assert response.status_code == 403 and "不能停用或启用自己的账号" in response.content.decode()
    assert _active(me) and _refusals(me).count() == 1
