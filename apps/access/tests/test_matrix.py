"""The access matrix: for every role, what it may list, open, edit, export or reach through the API.

Objects outside a user's scope answer 404 (their existence does not leak), whatever the route.
"""

import pytest
from rest_framework.authtoken.models import Token

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin"]
# Who may see the objects of branch A and of branch B (organization pages and member records).
SEES_A = {"district_admin", "town_a_admin", "secretary_a"}
SEES_B = {"district_admin", "secretary_b"}


def _routes(tree, which):
    org = tree.branch_a if which == "a" else tree.branch_b
    member = tree.member_a if which == "a" else tree.member_b
    return [
        ("get", f"/orgs/{org.pk}/warnings/"),
        ("get", f"/orgs/{org.pk}/children/"),
        ("get", f"/orgs/{org.pk}/edit/"),
        ("get", f"/orgs/{org.pk}/posts/new/"),
        ("get", f"/members/{member.pk}/edit/"),
        ("post", f"/members/{member.pk}/reveal-id/"),
        ("get", f"/api/orgs/{org.pk}/"),
        ("get", f"/api/members/{member.pk}/"),
        ("patch", f"/api/members/{member.pk}/"),
        ("patch", f"/api/orgs/{org.pk}/"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["a", "b"])
def test_out_of_scope_objects_are_not_found(tree, client, role, which):
    allowed = role in (SEES_A if which == "a" else SEES_B)
    client.force_login(tree.users[role])
    for method, url in _routes(tree, which):
        kwargs = {"content_type": "application/json", "data": "{}"} if method == "patch" else {}
        status = getattr(client, method)(url, **kwargs).status_code
        if allowed and "reveal-id" in url and role != "district_admin":
            assert status == 403, f"{role} may not unmask: {status}"
        elif not allowed and role == "member_a" and which == "a":
            # A member reads their own record and their organization's basic information, nothing else,
            # and changes neither: refused (403) rather than hidden, since they know both exist.
            if method == "get" and url.startswith("/api/"):
                assert status == 200, f"{role} {method} {url} → {status}"
            else:
                assert status in (403, 404), f"{role} {method} {url} → {status}"
        elif allowed:
            assert status in (200, 400), f"{role} {method} {url} → {status}"
        else:
            assert status == 404, f"{role} {method} {url} → {status}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_lists_searches_exports_and_api_lists_hold_only_the_scope(tree, client, role):
    client.force_login(tree.users[role])
    may_list = role in {"district_admin", "town_a_admin", "secretary_a", "secretary_b"}
    response = client.get("/members/", {"q": "ls"})
    assert response.status_code == (200 if may_list else 403)
    if may_list:
        assert ("李四" in response.content.decode()) == (role in SEES_B)
        by_org = client.get("/members/", {"org": tree.branch_b.pk}).content.decode()
        assert ("李四" in by_org) == (role in SEES_B)
        export = client.get("/members/export/")
        assert export.status_code == 302
    api = client.get("/api/members/").json()
    names = {m["name"] for m in api.get("results", [])}
    assert ("李四" in names) == (role in SEES_B)
    assert ("张三" in names) == (role in SEES_A or role == "member_a")
    orgs = {o["name"] for o in client.get("/api/orgs/").json().get("results", [])}
    assert ("乙村党支部" in orgs) == (role in SEES_B)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_member_and_org_detail_pages(tree, client, role):
    client.force_login(tree.users[role])
    a = client.get(f"/members/{tree.member_a.pk}/").status_code
    b = client.get(f"/members/{tree.member_b.pk}/").status_code
    assert a == (200 if role in SEES_A | {"member_a"} else 404)
    assert b == (200 if role in SEES_B else 404)
    org_b = client.get(f"/orgs/{tree.branch_b.pk}/").status_code
    assert org_b == (200 if role in SEES_B else 404)
    # A member sees their own organization's basic information, nothing above it.
    if role == "member_a":
        page = client.get(f"/orgs/{tree.branch_a.pk}/")
        assert page.status_code == 200 and "直属党员" not in page.content.decode()
        assert client.get(f"/orgs/{tree.town_a.pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_duties_are_kept_apart(tree, client, role):
    client.force_login(tree.users[role])
    assert client.get("/audit/").status_code == (200 if role == "auditor" else 403)
    # The user and role pages: the system administrator, and the administrators who may grant roles in their
    # subtree (apps.access.grants); creating accounts stays the system administrator's.
    may_grant = {"sysadmin", "district_admin", "town_a_admin"}
    assert client.get("/accounts/users/").status_code == (200 if role in may_grant else 403)
    assert client.post("/accounts/users/", {"username": "x"}).status_code == (400 if role == "sysadmin" else 403)
    may_import = role in {"district_admin", "town_a_admin", "secretary_a", "secretary_b"}
    assert client.get("/members/import/").status_code == (200 if may_import else 403)


@pytest.mark.django_db
def test_unmask_is_its_own_permission(tree, client):
    client.force_login(tree.users["town_a_admin"])
    assert client.post(f"/members/{tree.member_a.pk}/reveal-id/").status_code == 403
    client.force_login(tree.users["district_admin"])
    response = client.post(f"/members/{tree.member_a.pk}/reveal-id/")
    assert response.status_code == 200 and tree.member_a.id_number in response.content.decode()
    from apps.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="unmask", object_id=str(tree.member_a.pk), actor_name="district_admin").exists()


@pytest.mark.django_db
def test_write_routes_refuse_outside_scope(tree, client):
    client.force_login(tree.users["secretary_a"])
    assert client.post(f"/orgs/{tree.branch_b.pk}/edit/", {"name": "x"}).status_code == 404
    assert client.post(f"/orgs/{tree.branch_b.pk}/dissolve/", {"dissolve_reason": "x"}).status_code == 404
    assert client.post(f"/members/{tree.member_b.pk}/edit/", {"name": "x"}).status_code == 404
    # Moving or dissolving one's own scope root needs the parent's rights.
    assert client.get(f"/orgs/{tree.branch_a.pk}/move/").status_code == 403
    assert client.get(f"/orgs/{tree.branch_a.pk}/dissolve/").status_code == 403
    # Creating a member in branch B through the form or the API: refused as unknown organization.
    response = client.post("/members/new/", {"name": "x", "organization": tree.branch_b.code})
    assert response.status_code == 400 and "不在您的权限范围内" in response.content.decode()
    token = Token.objects.create(user=tree.users["secretary_a"])
    api = client.__class__()
    response = api.post("/api/members/", {"name": "x", "organization": tree.branch_b.pk}, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 400 and "organization" in response.json()


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login_and_api_says_401(client, tree):
    for url in ["/", "/orgs/", "/members/", f"/members/{tree.member_a.pk}/", "/audit/", "/members/import/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get("/api/members/").status_code in (401, 403)


@pytest.mark.django_db
def test_a_second_root_stays_outside_a_district_scope(tree, client):
    """A scope over one root filters nothing only while that root is the whole forest."""
    from apps.access import policy
    from apps.members.models import Member
    from tests.factories import make_member, make_org, refresh

    admin = tree.users["district_admin"]
    assert policy.subtree_q(policy.scope_paths(admin, policy.MEMBER_VIEW), "organization__path").children == []
    other_root = make_org("另一区委", "committee", code="Z0000001")
    other_branch = make_org("另一区支部", "branch", refresh(other_root), code="Z0000002")
    stranger = make_member(other_branch, "外区党员", seq=901)
    policy.clear_cache(admin)
    assert not policy.restrict(Member, admin, policy.MEMBER_VIEW).filter(pk=stranger.pk).exists()
    assert policy.restrict(Member, admin, policy.MEMBER_VIEW).filter(pk=tree.member_b.pk).exists()
    client.force_login(admin)
    assert client.get(f"/members/{stranger.pk}/").status_code == 404
    assert "外区党员" not in client.get("/members/", {"q": "外区"}).content.decode()
