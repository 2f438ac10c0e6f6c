from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.accounts import services
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
class TestLogin:
    def test_login_success_is_audited(self, tree, client):
        response = _login(client, "secretary_a", PASSWORD)
        assert response.status_code == 302 and response.url == "/"
        assert AuditEvent.objects.filter(action="login", actor_name="secretary_a").exists()

    def test_wrong_password_message_and_audit(self, tree, client):
        response = _login(client, "secretary_a", "wrong-password1")
        assert response.status_code == 400
        assert "用户名或密码错误" in response.content.decode()
        assert AuditEvent.objects.filter(action="login_failed", object_repr="secretary_a").count() == 1
        assert _login(client, "no-such-user", "x").status_code == 400
        assert AuditEvent.objects.filter(action="login_failed", object_repr="no-such-user").exists()

    def test_lockout_after_repeated_failures(self, tree, client):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            _login(client, "secretary_a", "wrong-password1")
        response = _login(client, "secretary_a", PASSWORD)
        assert response.status_code == 400 and "锁定" in response.content.decode()
        user = User.objects.get(username="secretary_a")
        assert user.locked_until > timezone.now()
        # After the lockout period the right password works again.
        User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
        assert _login(client, "secretary_a", PASSWORD).status_code == 302

    def test_open_redirect_is_refused(self, tree, client):
        response = client.post("/accounts/login/?next=https://evil.example/", {"username": "secretary_a", "password": PASSWORD,
                                                                            "next": "https://evil.example/"})
        assert response.url == "/"

    def test_csrf_is_enforced_on_forms(self, tree):
        client = Client(enforce_csrf_checks=True)
        assert _login(client, "secretary_a", PASSWORD).status_code == 403
        client.force_login(tree.users["district_admin"])
        assert client.post(f"/members/{tree.member_a.pk}/reveal-id/").status_code == 403

    def test_logout_is_post_only_and_audited(self, tree, client):
        client.force_login(tree.users["secretary_a"])
        assert client.get("/accounts/logout/").status_code == 405
        assert client.post("/accounts/logout/").status_code == 302
        assert AuditEvent.objects.filter(action="logout", actor_name="secretary_a").exists()

    def test_idle_sessions_expire_and_activity_extends_them(self, tree, client):
        from django.contrib.sessions.models import Session

        assert settings.SESSION_COOKIE_AGE <= 60 * 60 and settings.SESSION_COOKIE_HTTPONLY
        client.force_login(tree.users["secretary_a"])
        key = client.session.session_key
        client.get("/")  # the first request stamps the session
        first = Session.objects.get(session_key=key).expire_date
        client.get("/")  # activity within the refresh interval: no write
        assert Session.objects.get(session_key=key).expire_date == first
        session = client.session
        session["_seen"] = 0  # as if the last refresh was long ago
        session.save()
        client.get("/")
        assert Session.objects.get(session_key=key).expire_date > first
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
        response = client.get("/members/")
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("password", ["short1", "abcdefghijkl", "123456789012", "password123"])
def test_password_policy_refuses_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_policy_accepts_strong_password_and_speaks_chinese():
    validate_password("Yangguang2026x")
    with pytest.raises(ValidationError) as exc:
        validate_password("abcdefghijkl")
    assert "字母和数字" in " ".join(exc.value.messages)


@pytest.mark.django_db
class TestTokens:
    def test_profile_issues_a_token_that_authenticates_the_api(self, tree, client):
        client.force_login(tree.users["secretary_a"])
        response = client.post("/accounts/profile/", {"action": "token"})
        key = Token.objects.get(user=tree.users["secretary_a"]).key
        assert key in response.content.decode()
        api = Client()
        assert api.get("/api/members/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
        assert api.get("/api/members/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
        assert AuditEvent.objects.filter(action="token", actor_name="secretary_a").exists()

    def test_management_command_prints_the_key(self, tree):
        out = StringIO()
        call_command("issue_api_token", "town_a_admin", stdout=out)
        assert out.getvalue().strip() == Token.objects.get(user__username="town_a_admin").key
        with pytest.raises(CommandError):
            call_command("issue_api_token", "nobody")


@pytest.mark.django_db
class TestUserAdministration:
    def test_sysadmin_creates_user_and_an_administrator_assigns_role(self, tree, client):
        client.force_login(tree.users["sysadmin"])
        response = client.post("/accounts/users/", {"username": "newsec", "display_name": "新书记", "password": "short"})
        assert response.status_code == 400 and "密码" in response.content.decode()
        response = client.post("/accounts/users/", {"username": "newsec", "display_name": "新书记", "password": "Strongpass2026"})
        user = User.objects.get(username="newsec")
        assert response.status_code == 302
        # 三员分立: assigning the role is not the system administrator's.
        response = client.post(f"/accounts/users/{user.pk}/", {"action": "assign", "role": "secretary",
                                                               "organization": tree.branch_b.code})
        assert response.status_code == 403 and not user.roles.exists()
        client.force_login(tree.users["district_admin"])
        response = client.post(f"/accounts/users/{user.pk}/", {"action": "assign", "role": "secretary", "organization": "NOPE"})
        assert response.status_code == 400 and "未找到" in response.content.decode()
        client.post(f"/accounts/users/{user.pk}/", {"action": "assign", "role": "secretary", "organization": tree.branch_b.code})
        assert user.roles.get().organization_id == tree.branch_b.pk
        assert AuditEvent.objects.filter(object_type="access.roleassignment", action="create").exists()
        member_client = Client()
        member_client.force_login(user)
        # The first password was set by the system administrator: nothing before the user sets their own.
        assert member_client.get(f"/members/{tree.member_b.pk}/").url == "/accounts/profile/"
        services.user_set_password(actor=user, user=user, old_password="Strongpass2026", password="Ownpass2026x")
        member_client.force_login(user)
        assert member_client.get(f"/members/{tree.member_b.pk}/").status_code == 200
        assert member_client.get(f"/members/{tree.member_a.pk}/").status_code == 404


@pytest.mark.django_db
def test_system_settings_admin_is_for_the_system_administrator_only(tree, client):
    client.force_login(tree.users["sysadmin"])
    assert client.get("/system/admin/").status_code == 200
    response = client.post("/system/admin/orgs/cluster/add/", {"name": "第一组团", "description": "片区"})
    assert response.status_code == 302
    from apps.orgs.models import Cluster

    assert Cluster.objects.filter(name="第一组团").exists()
    for role in ("district_admin", "auditor", "secretary_a"):
        client.force_login(tree.users[role])
        response = client.get("/system/admin/orgs/cluster/", follow=True)
        assert response.redirect_chain and response.request["PATH_INFO"] == "/accounts/login/"
    client.logout()
    response = client.get("/system/admin/", follow=True)
    assert response.request["PATH_INFO"] == "/accounts/login/" and "用户名" in response.content.decode()
