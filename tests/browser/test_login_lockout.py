"""Login lockout: five wrong passwords lock the account; the right password is then refused with the lockout message."""

import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD, Tree


@pytest.fixture
def tree(transactional_db):
    return Tree()


def _attempt(page, login, username, password):
    login(page, username, password)
    return page.get_by_test_id("login-error")


def test_five_wrong_passwords_lock_the_account(tree, page, login, shot):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    page.goto("/accounts/login/")

    # An unknown user and a wrong password get the same answer (no account enumeration).
    expect(_attempt(page, login, "nobody_here", "Wrongpass2026")).to_have_text("用户名或密码错误")

    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        expect(_attempt(page, login, "district_admin", "Wrongpass2026")).to_have_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert User.objects.get(username="district_admin").locked_until is None

    error = _attempt(page, login, "district_admin", "Wrongpass2026")
    expect(error).to_have_text(f"登录失败次数过多，账号已锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟")
    user = User.objects.get(username="district_admin")
    assert user.locked_until and user.locked_until > timezone.now()

    # Sixth attempt, right password: still refused, with the lockout message, and no session.
    with page.expect_response(lambda r: r.request.method == "POST" and "/accounts/login/" in r.url) as info:
        error = _attempt(page, login, "district_admin", PASSWORD)
    assert info.value.status == 400
    expect(error).to_contain_text("登录失败次数过多，账号已锁定")
    expect(error).to_contain_text("分钟后再试")
    expect(page.get_by_role("button", name="退出")).to_have_count(0)
    shot(page, "login_locked")
    page.goto("/orgs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/orgs/$"))

    events = AuditEvent.objects.filter(action="login_failed", object_repr="district_admin")
    assert events.count() == settings.LOGIN_FAILURE_LIMIT + 1
    assert events.filter(note="账号锁定期间尝试登录").count() == 1
    assert not AuditEvent.objects.filter(action="login", actor=user).exists()

    # Other accounts are not affected; after logging in the user lands where they were going.
    login(page, "town_a_admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.get_by_role("heading", name="党组织体系")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
