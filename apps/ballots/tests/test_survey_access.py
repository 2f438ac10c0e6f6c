"""The external evaluator (第三方测评员): a role of its own that runs the resident surveys and sees nothing else.

- the grant table: district administrators grant it within their subtree; its duty (第三方测评) never meets the
  business, system, audit or security duty on one account; it is never given can_unmask;
- their pages: the home page sends them to the surveys, their navigation shows only the surveys, their account page
  works, the role form offers the role to a district administrator;
- every route of the platform (enumerated from the resolver, its objects filled as in tests/integration's route-wide
  test): none answers them 200 outside the surveys, the voting and 公示 pages, their account pages, the home page and
  the public pages anyone may open.
"""

import pytest
from django.test import Client

from apps.access import grants, policy
from apps.access.models import Role, RoleAssignment
from apps.accounts import services as account_services
from apps.ballots.scopes import SURVEY_RUN
from tests import routes as route_table
from tests.factories import make_user
from tests.integration.test_access_every_route import LAST, NOT_OBJECTS, PUBLIC, concrete, world  # noqa: F401

from .survey_helpers import draft_survey, evaluator

pytestmark = pytest.mark.django_db

# Where the evaluator may get a 200: the surveys, voting and 公示 (no account needed), their own account pages, the
# home page (a redirect to the surveys), and the public site anyone opens (PUBLIC: the residents' pages, stars …).
ALLOWED = ("ballots/surveys/", "vote/", "publicity/", "accounts/profile/", "accounts/login/", "accounts/logout/", *PUBLIC)


def test_capabilities_of_the_role(tree):
    user = evaluator(tree)
    assert policy.ROLE_CAPABILITIES[Role.SURVEY_EVALUATOR] == {SURVEY_RUN}
    assert policy.has_capability(user, SURVEY_RUN)
    for capability in (policy.ORG_VIEW, policy.MEMBER_VIEW, policy.RECORD_VIEW, policy.CASE_VIEW, policy.AUDIT_VIEW,
                       policy.ASSESSMENT_VIEW, policy.SYSTEM_MANAGE, policy.MEMBER_UNMASK, "ballot.view", "ballot.manage"):
        assert not policy.has_capability(user, capability), capability
    assert grants.duties(Role.SURVEY_EVALUATOR) == {grants.DUTY_SURVEY}
    assert not grants.role_sees_members(Role.SURVEY_EVALUATOR)


def test_district_administrators_grant_it_within_their_subtree(tree):
    target = make_user("new_evaluator")
    district_admin, town_admin = tree.users["district_admin"], tree.users["town_a_admin"]
    assert Role.SURVEY_EVALUATOR in grants.grantable_roles(district_admin)
    assert Role.SURVEY_EVALUATOR not in grants.grantable_roles(town_admin)
    assert Role.SURVEY_EVALUATOR not in grants.grantable_roles(tree.users["sysadmin"])
    assert grants.grant_problem(town_admin, user=target, role=Role.SURVEY_EVALUATOR, organization=tree.branch_a,
                                can_unmask=False)
    assert "身份证" in grants.grant_problem(district_admin, user=target, role=Role.SURVEY_EVALUATOR,
                                          organization=tree.district, can_unmask=True)
    account_services.role_assign(actor=district_admin, user=target, role=Role.SURVEY_EVALUATOR,
                                 organization=tree.district, can_unmask=False)
    assert RoleAssignment.objects.filter(user=target, role=Role.SURVEY_EVALUATOR).exists()
    # a district administrator of township A only (a subtree) grants it there, not on the district
    town_district_admin = make_user("town_district_admin", Role.DISTRICT_ADMIN, tree.town_a)
    assert grants.may_grant_role(town_district_admin, Role.SURVEY_EVALUATOR, tree.town_a)
    assert not grants.may_grant_role(town_district_admin, Role.SURVEY_EVALUATOR, tree.district)


@pytest.mark.parametrize("other", [Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY, Role.CASE_DISPATCHER,
                                   Role.CASE_HANDLER, Role.AUDITOR, Role.SYSTEM_ADMIN])
def test_the_duty_meets_no_other(tree, other):
    user = make_user("evaluator_x", Role.SURVEY_EVALUATOR, tree.district)
    org = None if other == Role.SYSTEM_ADMIN else tree.town_a
    assert "三员分立" in grants.combination_problem(user, other, False)
    holder = make_user("holder_x", other, org)
    assert "三员分立" in grants.combination_problem(holder, Role.SURVEY_EVALUATOR, False)
    assert grants.combination_problem(make_user("member_x", Role.MEMBER, tree.branch_a), Role.SURVEY_EVALUATOR, False) is None


def test_role_form_and_account_pages(tree):
    user = evaluator(tree)
    admin = Client()
    admin.force_login(tree.users["district_admin"])
    page = admin.get(f"/accounts/users/{user.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="survey_evaluator"' in body and "第三方测评员" in body
    client = Client()
    client.force_login(user)
    profile = client.get("/accounts/profile/")
    assert profile.status_code == 200 and "第三方测评员" in profile.content.decode()
    assert client.get("/accounts/users/").status_code in (403, 404)


def test_home_and_navigation_show_only_the_surveys(tree):
    draft_survey(tree)
    client = Client()
    client.force_login(evaluator(tree))
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/ballots/surveys/"
    body = client.get("/", follow=True).content.decode()
    nav = body.split('id="mainnav"', 1)[1].split("</ul>", 1)[0]
    assert 'data-testid="nav-surveys"' in nav
    assert nav.count('class="nav-item"') == 1, nav
    for private in (tree.member_a.name, tree.member_b.name, tree.member_a.id_number, "13800138000", "党员信息库"):
        assert private not in body
    assert "2026年度群众满意度测评" in body
    # the picker under their capability lists organizations only
    pick = client.get("/orgs/pick/", {"cap": SURVEY_RUN, "q": "甲村"})
    assert pick.status_code == 200 and tree.member_a.name not in pick.content.decode()
    assert client.get("/orgs/pick/", {"cap": "member.view", "q": "甲村"}).status_code == 403


def _path(route, filled):
    if not set(route_table.params(route)) - NOT_OBJECTS:
        return route_table.concrete(route, lambda name, conv, before: str(filled["name"].get(name, "json")))
    return concrete(route, filled)


@pytest.mark.slow(4)
def test_the_evaluator_gets_nothing_outside_the_surveys(world, tree):  # noqa: F811
    """Every route of the platform, its objects filled: nothing but the allowed prefixes answers the evaluator 200;
    everything else refuses (403/404), redirects to a login or to the surveys, or is a 405 of a method not used."""
    client = Client(raise_request_exception=False)
    client.force_login(evaluator(tree))
    found = [(route, _path(route, world)) for route, _pattern in route_table.patterns()]
    found = sorted(((r, p) for r, p in found if p is not None), key=lambda rp: bool(LAST.search(rp[0])))
    checked, failures = 0, []
    for route, path in found:
        if route.startswith(ALLOWED) or route == "":
            continue
        response = client.get(path)
        if response.status_code == 405:
            response = client.post(path)
        checked += 1
        status = response.status_code
        location = response.get("Location", "")
        if status == 200 or (200 <= status < 300) or status >= 500:
            failures.append(f"{route} ({path}): {status}")
        elif status in (301, 302) and not ("login" in location or location.startswith(("/ballots/surveys/", "/"))):
            failures.append(f"{route} ({path}): redirect to {location}")
    assert checked > 150
    assert failures == [], "\n".join(failures)


def test_the_api_refuses_the_evaluator_with_a_session_or_a_token(tree):
    from apps.accounts.services import api_token_issue

    user = evaluator(tree)
    client = Client()
    client.force_login(user)
    response = client.get("/api/members/")
    assert response.status_code == 403 and "满意度测评" in response.json()["detail"]
    key = api_token_issue(actor=user, user=user)
    response = Client().get("/api/orgs/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403
    # a refused page says why, in Chinese
    page = client.get("/members/")
    assert page.status_code == 403 and "满意度测评" in page.content.decode()
