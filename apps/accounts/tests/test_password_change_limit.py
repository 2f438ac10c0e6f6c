"""Wrong current passwords on the change-password form are limited per account (PASSWORD_CHANGE_FAILURE_LIMIT),
counted atomically (apps.core.ratelimit), so neither a series nor a burst of guesses gets past the limit."""

import pytest
from django.db import connection
from django.test import Client

from apps.accounts import services
from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD
from tests.parallel import run_parallel

NEW = "Anotherpass2026"
WRONG = "wrong-password1"


def _change(client, old):
    response = client.post("/accounts/profile/", {"action": "password", "old_password": old,
                                                  "new_password1": NEW, "new_password2": NEW})
    return response.status_code, response.content.decode() if response.status_code != 302 else ""


@pytest.mark.django_db
def test_wrong_current_passwords_are_limited_then_refused_even_when_right(tree, client, settings):
    settings.PASSWORD_CHANGE_FAILURE_LIMIT = 3
    user = tree.users["secretary_a"]
    client.force_login(user)
    for _ in range(3):
        status, html = _change(client, WRONG)
        assert status == 400 and "原密码不正确" in html
    status, html = _change(client, PASSWORD)  # the right password, too late
    assert status == 429 and "原密码输错次数过多" in html and "分钟后再试" in html
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    refused = AuditEvent.objects.filter(action="change_refused", actor_name="secretary_a")
    assert refused.filter(note__contains="原密码不正确").count() == 3
    assert refused.filter(note__contains="次数过多").count() == 1
    # The limit is the account's: another account's change is not affected.
    other = Client()
    other.force_login(tree.users["secretary_b"])
    assert _change(other, PASSWORD)[0] == 302


@pytest.mark.django_db
def test_a_correct_current_password_is_not_counted(tree, client, settings):
    settings.PASSWORD_CHANGE_FAILURE_LIMIT = 2
    user = tree.users["secretary_a"]
    client.force_login(user)
    assert _change(client, WRONG)[0] == 400
    # Right current password, new passwords that do not match: not a guess, not counted.
    response = client.post("/accounts/profile/", {"action": "password", "old_password": PASSWORD,
                                                  "new_password1": NEW, "new_password2": NEW + "x"})
    assert response.status_code == 400
    for password, new in ((PASSWORD, NEW), (NEW, PASSWORD), (PASSWORD, NEW), (NEW, PASSWORD)):
        services.user_set_password(actor=user, user=user, old_password=password, password=new)
    client.force_login(User.objects.get(pk=user.pk))  # the changes ended the old session
    assert _change(client, WRONG)[0] == 400  # the second wrong one, still within the limit of two
    assert _change(client, WRONG)[0] == 429


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_are_bounded_by_the_limit(tree, settings):
    limit = settings.PASSWORD_CHANGE_FAILURE_LIMIT
    user = tree.users["secretary_a"]

    def guess(i):
        client = Client()
        client.force_login(User.objects.get(pk=user.pk))
        return _change(client, f"{WRONG}{i}")

    results = run_parallel(30, guess)
    checked = sum("原密码不正确" in html for _status, html in results)
    assert 1 <= checked <= limit  # exactly the limit, unless the burst straddles a window boundary (then fewer)
    assert sum(status == 429 for status, _html in results) == 30 - checked
    assert AuditEvent.objects.filter(action="change_refused", note__contains="原密码不正确").count() == checked
    # The right password afterwards is refused too, and nothing changed.
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    assert _change(client, PASSWORD)[0] == 429
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
