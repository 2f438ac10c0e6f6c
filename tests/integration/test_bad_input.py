"""Bad input anywhere gets a 4xx with a message, never a 500, and nothing is saved."""

import pytest

from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.orgs.models import Organization

GARBAGE = {"name": "x" * 500, "kind": "nope", "domain": "nope", "code": "!" * 100, "term_started_on": "2020-13-45",
           "founded_on": "abc", "parent_code": "", "dissolved_on": "yesterday", "dissolve_reason": "",
           "id_number": "123", "organization": "NOPE", "category": "x", "status": "x", "joined_on": "x",
           "member_id_or_name": "", "post": "x", "term_start": "x", "role": "x", "org_code": "x", "username": "",
           "password": "", "page": "abc", "age_min": "-5", "org": "x" * 100}


@pytest.mark.django_db
def test_every_form_refuses_garbage_with_a_4xx(tree, client):
    client.force_login(tree.users["district_admin"])
    before = (Organization.objects.count(), Member.objects.count(), AuditEvent.objects.exclude(action="login").count())
    org, member = tree.branch_a.pk, tree.member_a.pk
    for url in [f"/orgs/{org}/new/", f"/orgs/{org}/edit/", f"/orgs/{org}/move/", f"/orgs/{org}/dissolve/",
                f"/orgs/{org}/posts/new/", "/members/new/", f"/members/{member}/edit/"]:
        response = client.post(url, GARBAGE)
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert "<html" in response.content.decode()
    for url in ["/members/", "/orgs/", "/orgs/terms/", "/audit/", "/api/members/", "/api/orgs/"]:
        assert client.get(url, GARBAGE).status_code < 500, url
    assert client.post("/api/orgs/", GARBAGE).status_code == 400
    assert client.post("/api/members/", GARBAGE).status_code == 400
    assert client.get("/jobs/not-a-uuid/").status_code == 404
    client.force_login(tree.users["sysadmin"])
    assert client.post("/accounts/users/", GARBAGE).status_code == 400
    assert client.post(f"/accounts/users/{tree.users['secretary_a'].pk}/", {**GARBAGE, "action": "assign"}).status_code == 400
    after = (Organization.objects.count(), Member.objects.count(), AuditEvent.objects.exclude(action="login").count())
    assert after == before
