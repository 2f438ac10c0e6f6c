"""A password someone else set must be changed first (User.must_change_password).

Whoever creates an account or resets its password knows that password; until the user sets their own, every page
leads to the password change, htmx requests are redirected there and the API answers 403. The first own change after
such a password is recorded in the audit trail and shown on the profile, so that a change made by whoever knew the
set password is seen by the real owner and the auditor.
"""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.access import policy
from apps.access.models import Role
from apps.accounts import services
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD, make_user

FIRST = "Firstpass2026"
OWN = "Ownsecret2026x"
PROFILE = "/accounts/profile/"


def _create(client, sysadmin, username="newsec"):
    client.force_login(sysadmin)
    response = client.post("/accounts/users/", {"username": username, "display_name": "新书记", "password": FIRST})
    assert response.status_code == 302
    return User.objects.get(username=username)


def _login(username, password):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def _assert_blocked(client, member):
    """Every page leads to the change; htmx is redirected; the API answers 403 with the reason."""
    for url in ("/", "/members/", f"/members/{member.pk}/", "/orgs/", "/records/", "/cases/", "/audit/",
                "/accounts/users/", "/system/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == PROFILE, url
    assert client.post("/members/", {"q": "张"}).url == PROFILE
    htmx = client.get(f"/members/{member.pk}/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == PROFILE
    api = client.get("/api/members/")
    assert api.status_code == 403
    assert "请先修改为只有您本人知道的新密码" in json.loads(api.content)["detail"]
    page = client.get(PROFILE)
    assert page.status_code == 200
    assert "管理员知道这个密码" in page.content.decode()


def _change_own(client, old, new=OWN):
    return client.post(PROFILE, {"action": "password", "old_password": old, "new_password1": new, "new_password2": new})


@pytest.mark.django_db
def test_a_created_account_changes_its_password_before_reaching_members(tree, client):
    user = _create(client, tree.users["sysadmin"])
    assert user.must_change_password
    client.force_login(tree.users["district_admin"])
    services.role_assign(actor=tree.users["district_admin"], user=user, role=Role.SECRETARY, organization=tree.branch_a)
    own = _login("newsec", FIRST)
    assert own.get("/").url == PROFILE  # where the login leads
    _assert_blocked(own, tree.member_a)
    # What stays open: the change page, logout, static files, the language switch, the public pages.
    assert own.get("/report/").status_code == 200
    assert own.get("/stars/").status_code == 200
    assert own.post("/i18n/setlang/", {"language": "en", "next": "/"}).url == "/"  # not the change page
    assert own.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}).url == "/"
    assert own.get("/static/favicon.ico").status_code != 302
    # The API token cannot be issued meanwhile.
    assert own.post(PROFILE, {"action": "token"}).status_code == 403 and not Token.objects.filter(user=user).exists()
    # The own change clears it.
    assert _change_own(own, FIRST).status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at is not None
    assert own.get("/members/").status_code == 200
    assert own.get(f"/members/{tree.member_a.pk}/").status_code == 200
    assert "密码最近由本人修改于" in own.get(PROFILE).content.decode()
    assert own.post("/accounts/logout/").url == "/accounts/login/"


@pytest.mark.django_db
def test_a_reset_by_an_administrator_forces_a_change(tree, client):
    secretary = tree.users["secretary_a"]
    assert not secretary.must_change_password
    client.force_login(tree.users["town_a_admin"])
    response = client.post(f"/accounts/users/{secretary.pk}/", {"action": "password", "new_password1": FIRST,
                                                                  "new_password2": FIRST})
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.must_change_password
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(secretary.pk), action="update").last()
    assert event.actor_name == "town_a_admin" and event.after == {"must_change_password": True}
    own = _login("secretary_a", FIRST)
    _assert_blocked(own, tree.member_a)
    assert "密码由管理员设置，本人尚未修改" in client.get(f"/accounts/users/{secretary.pk}/").content.decode()
    assert _change_own(own, FIRST).status_code == 302
    assert own.get("/members/").status_code == 200


@pytest.mark.django_db
def test_the_api_answers_403_with_a_token_while_set(tree):
    secretary = tree.users["secretary_a"]
    services.user_set_password(actor=tree.users["district_admin"], user=secretary, password=FIRST)
    call_command("issue_api_token", "secretary_a", stdout=StringIO())  # the console could still issue one
    key = Token.objects.get(user=secretary).key
    api = Client()
    response = api.get("/api/members/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403 and "修改" in json.loads(response.content)["detail"]
    services.user_set_password(actor=secretary, user=secretary, old_password=FIRST, password=OWN)
    # The change voids the token (as any password change does); a new one works.
    key = services.api_token_issue(actor=secretary, user=secretary)
    assert api.get("/api/members/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


@pytest.mark.django_db
def test_accounts_made_outside_the_services_are_not_flagged(tree, client):
    assert not any(User.objects.values_list("must_change_password", flat=True))  # tests.factories.make_user
    assert not make_user("plain").must_change_password
    assert User._meta.get_field("must_change_password").default is False
    # An own change on an unflagged account: no flag, no "first change" note.
    services.user_set_password(actor=tree.users["secretary_a"], user=tree.users["secretary_a"], old_password=PASSWORD,
                               password=OWN)
    event = AuditEvent.objects.filter(object_type="accounts.user", action="update").last()
    assert event.note == "修改密码" and event.after is None


@pytest.mark.django_db
def test_the_system_administrator_logging_in_as_a_staffed_account_can_only_change_its_password(tree, client):
    """The escalation: the system administrator creates X (knowing its password), a district administrator makes X a
    secretary, the system administrator logs in as X. All X can do is change the password; that change is recorded as
    the first own change of a set password (who, when), for the auditor and on X's profile."""
    sysadmin, district_admin = tree.users["sysadmin"], tree.users["district_admin"]
    x = _create(client, sysadmin, "puppet")
    services.role_assign(actor=district_admin, user=x, role=Role.SECRETARY, organization=tree.branch_a)
    as_x = _login("puppet", FIRST)
    _assert_blocked(as_x, tree.member_a)
    assert as_x.post(PROFILE, {"action": "token"}).status_code == 403
    # Nor can the system administrator reset X's password again now that X holds a business role.
    client.force_login(sysadmin)
    response = client.post(f"/accounts/users/{x.pk}/", {"action": "password", "new_password1": OWN, "new_password2": OWN})
    assert response.status_code == 403
    # The change itself: recorded as the first own change of a password someone else set.
    assert _change_own(as_x, FIRST).status_code == 302
    x.refresh_from_db()
    event = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(x.pk), action="update").last()
    assert event.actor_name == "puppet" and "首次修改由他人设置的密码" in event.note
    assert event.before == {"must_change_password": True} and event.after == {"must_change_password": False}
    assert abs(event.at - x.password_changed_at) < timedelta(seconds=5)
    assert policy.restrict(AuditEvent, tree.users["auditor"], policy.AUDIT_VIEW).filter(pk=event.pk).exists()
    when = timezone.localtime(x.password_changed_at).strftime("%Y-%m-%d %H:%M")
    assert f"密码最近由本人修改于 {when}" in as_x.get(PROFILE).content.decode()
    # The district administrator (who granted the role) sees it on the account's page too.
    client.force_login(district_admin)
    assert "密码最近由本人修改于" in client.get(f"/accounts/users/{x.pk}/").content.decode()


@pytest.mark.django_db
def test_what_stays_open_is_built_from_url_names(tree, client):
    """The open paths come from URL names (apps.accounts.middleware._open_paths), not a hand-kept list: each named
    page answers itself, not the redirect to the password change; everything else is redirected."""
    from django.urls import reverse

    from apps.accounts.middleware import _open_paths

    exact, prefixes = _open_paths()
    assert {reverse("accounts:profile"), reverse("accounts:login"), reverse("core:healthz"), reverse("favicon"),
            reverse("set_language")} <= exact
    assert set(prefixes) == {reverse("report:form"), reverse("stars:public"), reverse("open311:v2").removesuffix("v2/")}
    user = make_user("flagged")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client.force_login(user)
    for url in (reverse("report:form"), reverse("stars:public"), reverse("core:healthz"), reverse("open311:v2")):
        response = client.get(url)
        assert not (response.status_code == 302 and response["Location"] == PROFILE), url
    assert client.get("/members/")["Location"] == PROFILE
