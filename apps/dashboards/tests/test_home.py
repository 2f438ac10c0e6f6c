"""The home dashboard (/): one card per root of the user's scope, term reminders, organizational life and the case
queues; users without organizations are sent to their own first page."""

import json
from datetime import date

import pytest
from django.urls import reverse

from apps.access.models import Role
from tests.factories import make_user


@pytest.mark.django_db
def test_home_is_the_root_url_and_login_lands_there(settings):
    assert reverse("dashboards:home") == "/"
    assert settings.LOGIN_REDIRECT_URL == "dashboards:home"


@pytest.mark.django_db
def test_user_without_role_is_told_so(client):
    client.force_login(make_user("nobody"))
    response = client.get("/")
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


@pytest.mark.django_db
def test_home_dashboard_counts_domains_and_reminders(tree, client):
    from apps.orgs import services

    services.org_update(actor=None, org=tree.branch_b, data={"term_started_on": date(2019, 1, 1)})
    client.force_login(tree.users["district_admin"])
    html = client.get("/").content.decode()
    data = json.loads(html.split(f'id="domains-{tree.district.code}" type="application/json">')[1].split("</script>")[0])
    by_domain = {row["domain"]: row for row in data}
    assert by_domain["village"]["members"] == 2 and by_domain["village"]["orgs"] == 2
    assert 'data-testid="reminder-count">1<' in html
    assert "vendor/echarts/echarts.min.js" in html


@pytest.mark.django_db
def test_home_shows_org_life_and_cases_to_those_who_hold_them(tree, client):
    client.force_login(tree.users["district_admin"])
    html = client.get("/").content.decode()
    assert 'data-testid="home-org-life"' in html and 'data-testid="home-cases"' in html
    assert 'href="/"' in html  # the brand links home


@pytest.mark.django_db
@pytest.mark.parametrize(("user", "target"), [("member_a", "/members/me/"), ("auditor", "/audit/"),
                                              ("sysadmin", "/accounts/users/")])
def test_users_without_organizations_go_to_their_own_page(tree, client, user, target):
    client.force_login(tree.users[user])
    response = client.get("/")
    assert response.status_code == 302 and response.url == target


@pytest.mark.django_db
def test_a_case_handler_goes_to_the_case_list(tree, client):
    client.force_login(make_user("handler", Role.CASE_HANDLER, tree.branch_a))
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("cases:list")
