"""Login limits that parallel requests cannot defeat (issue 9): the account lockout and the per-address limit.

The parallel tests fire real requests at the login page from many threads, each with its own client and database
connection, released together by a barrier; they need PostgreSQL (SQLite writes one at a time)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD
from tests.parallel import run_parallel

WRONG = "wrong-password1"
LOCKED = "锁定"


def _post(username, password, address="10.1.0.1"):
    response = Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password})
    return response.status_code, response.content.decode() if response.status_code != 302 else ""


def _burst(count, username, password_for, address_for=lambda i: f"10.1.{i // 200}.{i % 200 + 1}"):
    return run_parallel(count, lambda i: _post(username, password_for(i), address_for(i)))


@pytest.mark.django_db
class TestRules:
    """The rules, one request at a time, on both databases."""

    def test_the_attempt_reaching_the_limit_may_still_succeed_and_clears_the_count(self, tree, settings):
        for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
            assert "用户名或密码错误" in _post("secretary_a", WRONG)[1]
        assert _post("secretary_a", PASSWORD)[0] == 302
        user = User.objects.get(username="secretary_a")
        assert user.failed_logins == 0 and user.locked_until is None

    def test_counting_starts_again_when_a_lockout_has_run_out(self, tree, settings):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            _post("secretary_a", WRONG)
        user = User.objects.get(username="secretary_a")
        assert user.failed_logins == settings.LOGIN_FAILURE_LIMIT and user.locked_until > timezone.now()
        User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
        assert "用户名或密码错误" in _post("secretary_a", WRONG)[1]
        user.refresh_from_db()
        assert user.failed_logins == 1 and user.locked_until is None

    def test_failures_from_one_address_are_limited_across_usernames(self, tree, settings):
        settings.LOGIN_IP_FAILURE_LIMIT = 3
        for name in ("nobody1", "nobody2", "secretary_b"):
            assert "用户名或密码错误" in _post(name, WRONG)[1]
        status, html = _post("secretary_a", PASSWORD)
        assert status == 400 and "登录失败次数过多" in html
        assert AuditEvent.objects.filter(action="login_failed", object_repr="secretary_a",
                                         note__contains="同一网络地址").exists()
        assert User.objects.get(username="secretary_a").failed_logins == 0  # the account itself is not charged
        assert _post("secretary_a", PASSWORD, address="10.9.9.9")[0] == 302  # another address is not limited

    def test_a_successful_login_gives_its_attempt_back(self, tree, settings):
        settings.LOGIN_IP_FAILURE_LIMIT = 2
        _post("nobody1", WRONG)
        for _ in range(3):
            assert _post("secretary_a", PASSWORD)[0] == 302
        assert "用户名或密码错误" in _post("nobody2", WRONG)[1]
        assert "登录失败次数过多" in _post("nobody3", WRONG)[1]


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")


@postgres_only
@pytest.mark.django_db(transaction=True)
class TestParallel:
    def test_thirty_parallel_wrong_logins_lock_the_account(self, tree, settings):
        limit = settings.LOGIN_FAILURE_LIMIT
        results = _burst(30, "secretary_a", lambda i: WRONG)
        assert all(status == 400 for status, _html in results)
        user = User.objects.get(username="secretary_a")
        assert user.locked_until > timezone.now() and user.failed_logins == limit
        # At most the limit reached the password check; every attempt is audited.
        assert sum("用户名或密码错误" in html for _status, html in results) == limit - 1
        assert sum(LOCKED in html for _status, html in results) == 30 - (limit - 1)
        failed = AuditEvent.objects.filter(action="login_failed", object_repr="secretary_a")
        assert failed.count() == 30
        assert failed.filter(note="用户名或密码错误").count() == limit - 1
        assert failed.filter(note__startswith=f"连续失败{limit}次").count() == 1
        # The right password is refused during the lockout.
        status, html = _post("secretary_a", PASSWORD)
        assert status == 400 and LOCKED in html

    def test_no_login_after_bursts_of_wrong_guesses_even_with_the_right_password_in_the_burst(self, tree, settings):
        for _burst_number in range(4):  # 40 wrong guesses in bursts of ten
            _burst(10, "secretary_a", lambda i: WRONG)
        assert User.objects.get(username="secretary_a").failed_logins == settings.LOGIN_FAILURE_LIMIT
        assert AuditEvent.objects.filter(action="login_failed", object_repr="secretary_a",
                                         note="用户名或密码错误").count() == settings.LOGIN_FAILURE_LIMIT - 1
        results = _burst(30, "secretary_a", lambda i: PASSWORD if i % 2 else WRONG)
        assert not any(status == 302 for status, _html in results)
        assert all(LOCKED in html for _status, html in results)
        assert not AuditEvent.objects.filter(action="login", actor_name="secretary_a").exists()
        assert User.objects.get(username="secretary_a").locked_until > timezone.now()

    def test_one_address_guessing_across_usernames_is_bounded(self, tree, settings):
        settings.LOGIN_IP_FAILURE_LIMIT = 10
        results = run_parallel(30, lambda i: _post(f"nobody{i}", WRONG, "10.2.0.1"))
        assert sum("用户名或密码错误" in html for _status, html in results) == 10
        assert sum("登录失败次数过多" in html for _status, html in results) == 20
        assert "登录失败次数过多" in _post("secretary_b", PASSWORD, "10.2.0.1")[1]
