"""Every evaluation URL for every role of the test tree.

Staff holding RECORD_MANAGE on a branch keep its evaluations; a member on the roster takes part
(their own page and writes only); everything out of scope is "not found" (404); auditors and
system administrators see no evaluation at all.
"""

import pytest

from apps.evaluations.models import PeerRating

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin"]
KEEPS = {"a": {"district_admin", "town_a_admin", "secretary_a"}, "b": {"district_admin", "secretary_b"}}
STAFF = {"district_admin", "town_a_admin", "secretary_a", "secretary_b"}


def _object_routes(evaluation, participant):
    base = f"/evaluations/{evaluation.pk}"
    return {
        "detail": ("get", f"{base}/", {}),
        "participant": ("get", f"{base}/participants/{participant.pk}/", {}),
        "finalize": ("post", f"{base}/finalize/", {}),  # before any grade: refused (400) for the keepers
        "grades": ("post", f"{base}/grades/", {f"grade_{participant.pk}": "qualified"}),
        "participate": ("get", f"{base}/me/", {}),
        "self_evaluation": ("post", f"{base}/me/self-evaluation/", {"text": "自评"}),
        "rate": ("post", f"{base}/me/ratings/", {"ratee": participant.member_id, "grade": "qualified"}),
    }


def _expected(role, which, name):
    if role in KEEPS[which]:
        # Keepers read and grade; taking part is for the members on the roster (they can see it: 403).
        return {"participate": 403, "self_evaluation": 403, "rate": 403, "grades": 302,
                "finalize": 400}.get(name, 200)  # finalize: not every member graded yet
    if role == "member_a" and which == "a":
        # On the roster: their own page and writes; the roster redirects there; the rest is refused.
        return {"detail": 302, "participate": 200, "self_evaluation": 302,
                "rate": 400}.get(name, 403)  # rate: the target here is member_a themself
    return 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["a", "b"])
def test_object_routes(tree, client, branch_a, branch_b_evaluation, role, which):
    evaluation = branch_a.evaluation if which == "a" else branch_b_evaluation
    participant = evaluation.participants.get(member=tree.member_a if which == "a" else tree.member_b)
    client.force_login(tree.users[role])
    for name, (method, url, data) in _object_routes(evaluation, participant).items():
        status = getattr(client, method)(url, data).status_code
        assert status == _expected(role, which, name), f"{role} {method} {url} → {status}"
    assert not PeerRating.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_and_open_pages(tree, client, branch_a, branch_b_evaluation, role):
    client.force_login(tree.users[role])
    response = client.get("/evaluations/")
    assert response.status_code == (200 if role in STAFF | {"member_a"} else 403)
    if response.status_code == 200:
        page = response.content.decode()
        assert ("甲村党支部" in page) == (role in KEEPS["a"] | {"member_a"})
        assert ("乙村党支部" in page) == (role in KEEPS["b"])
    assert client.get("/evaluations/new/").status_code == (200 if role in STAFF else 403)
    response = client.post("/evaluations/new/", {"organization": tree.branch_b.pk, "year": 2024})
    assert response.status_code == ({"district_admin": 302, "secretary_b": 302}.get(role, 400 if role in STAFF else 403))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_writes_are_post_only_and_unknown_evaluations_are_not_found(tree, client, branch_a, role):
    client.force_login(tree.users[role])
    base = f"/evaluations/{branch_a.evaluation.pk}"
    for url in (f"{base}/grades/", f"{base}/finalize/", f"{base}/me/self-evaluation/", f"{base}/me/ratings/"):
        assert client.get(url).status_code == 405, url
    for url in ("/evaluations/999999/", "/evaluations/999999/me/", f"{base}/participants/999999/"):
        expected = 404
        if url.endswith("/participants/999999/") and role == "member_a":
            expected = 403  # they see the evaluation, but not its participants' pages
        assert client.get(url).status_code == expected, url


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, branch_a):
    base = f"/evaluations/{branch_a.evaluation.pk}"
    for url in ("/evaluations/", "/evaluations/new/", f"{base}/", f"{base}/me/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in (f"{base}/grades/", f"{base}/finalize/", f"{base}/me/ratings/"):
        assert client.post(url).status_code == 302, url


@pytest.mark.django_db
def test_a_member_who_also_keeps_the_district_sees_every_evaluation(tree, branch_a, branch_b_evaluation):
    from apps.access import policy
    from apps.access.models import Role, RoleAssignment
    from apps.evaluations.models import Evaluation
    from apps.evaluations.scopes import EVALUATION_SEE, EVALUATION_TAKE_PART

    user = tree.users["member_a"]
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_ADMIN, organization=tree.district)
    policy.clear_cache(user)
    everything = {branch_a.evaluation.pk, branch_b_evaluation.pk}
    assert set(policy.restrict(Evaluation, user, EVALUATION_SEE).values_list("pk", flat=True)) == everything
    assert set(policy.restrict(Evaluation, user, EVALUATION_TAKE_PART).values_list("pk", flat=True)) == {branch_a.evaluation.pk}
    assert policy.restrict(Evaluation, user, EVALUATION_SEE).count() == 2  # no row repeated per participant
