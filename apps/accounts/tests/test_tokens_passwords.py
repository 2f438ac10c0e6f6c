"""API tokens expire (API_TOKEN_DAYS) and die with the password; a password change is one audited transaction."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.accounts import services
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD

NEW = "Anotherpass2026"


def _api(key):
    return Client().get("/api/orgs/", HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.django_db
def test_own_password_change_voids_the_tokens(tree, client):
    user = tree.users["secretary_a"]
    key = services.api_token_issue(actor=user, user=user)
    assert _api(key).status_code == 200
    client.force_login(user)
    response = client.post("/accounts/profile/", {"action": "password", "old_password": PASSWORD,
                                                  "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert _api(key).status_code == 401 and not Token.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="update", object_type="accounts.user", actor_name="secretary_a")
    assert "API令牌已作废" in event.note
    assert client.get("/accounts/profile/").status_code == 200  # the session survives its own change


@pytest.mark.django_db
def test_a_reset_by_an_administrator_voids_the_tokens(tree, client):
    # A secretary's password is reset by an administrator who grants the role (the system administrator may not).
    user = tree.users["secretary_a"]
    key = services.api_token_issue(actor=user, user=user)
    client.force_login(tree.users["town_a_admin"])
    response = client.post(f"/accounts/users/{user.pk}/", {"action": "password", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert _api(key).status_code == 401
    assert AuditEvent.objects.filter(action="update", actor_name="town_a_admin", object_id=str(user.pk),
                                     note__contains="重置密码").exists()


@pytest.mark.django_db
def test_the_password_and_its_audit_row_are_one_transaction(tree, monkeypatch):
    user = tree.users["secretary_a"]
    services.api_token_issue(actor=user, user=user)

    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.user_set_password(actor=user, user=user, old_password=PASSWORD, password=NEW)
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and Token.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_wrong_current_password_is_refused_by_the_service(tree):
    user = tree.users["secretary_a"]
    with pytest.raises(services.GrantRefused):
        services.user_set_password(actor=user, user=user, old_password="wrong-password1", password=NEW)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="change_refused", actor_name="secretary_a").exists()


@pytest.mark.django_db
def test_tokens_expire(tree, settings, client):
    settings.API_TOKEN_DAYS = 90
    user = tree.users["secretary_a"]
    key = services.api_token_issue(actor=user, user=user)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=89))
    assert _api(key).status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=90, minutes=1))
    response = _api(key)
    assert response.status_code == 401 and "已过期" in response.json()["detail"]
    # The profile page says until when a token is good, and a new one works again.
    client.force_login(user)
    assert "令牌有效期至" in client.get("/accounts/profile/").content.decode()
    assert _api(services.api_token_issue(actor=user, user=user)).status_code == 200


@pytest.mark.django_db
def test_schema_still_describes_token_authentication(tree, client):
    client.force_login(tree.users["district_admin"])
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200 and "tokenAuth" in response.content.decode()
