"""The access matrix of every poll page: polls held by branch A (its secretary reads them, the township's and the
district's administrators manage them, everyone else finds nothing), in each status a page needs — a draft, an open
vote, a counted and published result with an objection. Posts that would act are sent unconfirmed: the managers get
the confirmation page, nothing changes."""

import pytest

from apps.ballots import publicity_services, services
from apps.ballots.models import Channel, PollKind, PollStatus, VoterKind

from .poll_helpers import poll

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin", "anonymous"]
MANAGERS = {"district_admin", "town_a_admin"}
SEES = MANAGERS | {"secretary_a"}  # BALLOT_VIEW on branch A
LISTERS = SEES | {"secretary_b"}  # BALLOT_VIEW somewhere


def branch_poll(tree, *, status="draft"):
    """A two-way poll of branch A on its own committee, member A online and an invited representative; opened,
    counted, published as asked."""
    p = poll(tree, PollKind.TWO_WAY, org=tree.branch_a, title=f"甲村{status}测评")
    services.subject_add(actor=None, poll=p, name="甲村党支部委员会", organization=tree.branch_a)
    services.voters_add_members(actor=None, poll=p, members=[tree.member_a], channel=Channel.ONLINE)
    services.voter_add(actor=None, poll=p, kind=VoterKind.INVITED, name="代表甲")
    if status == "draft":
        return p
    p = services.poll_open(actor=None, poll=p)
    if status == "open":
        return p
    p = services.poll_close(actor=None, poll=p)
    p = publicity_services.poll_publish(actor=None, poll=p, note="")
    publicity_services.objection_submit(poll=p, text="计票有疑问")
    return p


@pytest.fixture
def polls(tree):
    return {"draft": branch_poll(tree), "open": branch_poll(tree, status="open"),
            "published": branch_poll(tree, status="published")}


def want(role, sees, allowed):
    if role == "anonymous":
        return 302
    return "ok" if role in allowed else 403 if role in sees else 404


def test_access_matrix(client, tree, polls):
    draft, opened, published = polls["draft"], polls["open"], polls["published"]
    subject, item, voter = draft.subjects.get(), draft.items.first(), draft.voters.first()
    objection = published.objections.get()
    d, o, p = draft.pk, opened.pk, published.pk
    routes = [
        ("get", "/ballots/", {}, set(ROLES), LISTERS),
        ("get", "/ballots/?kind=two_way&year=2026&status=draft", {}, set(ROLES), LISTERS),
        ("get", "/ballots/new/", {}, set(ROLES), MANAGERS),
        ("get", f"/ballots/{d}/", {}, SEES, SEES),
        ("get", f"/ballots/{o}/", {}, SEES, SEES),
        ("get", f"/ballots/{p}/", {}, SEES, SEES),
        ("get", f"/ballots/{d}/edit/", {}, SEES, MANAGERS),
        ("post", f"/ballots/{d}/subjects/", {"organization": "NOPE"}, SEES, MANAGERS),
        ("post", f"/ballots/{d}/items/", {"text": ""}, SEES, MANAGERS),
        ("post", f"/ballots/{d}/voters/members/", {"members-organization": "NOPE"}, SEES, MANAGERS),
        ("post", f"/ballots/{d}/voters/", {"voter-kind": "invited", "voter-name": ""}, SEES, MANAGERS),
        ("post", f"/ballots/subjects/{subject.pk}/remove/", {}, SEES, MANAGERS),
        ("post", f"/ballots/items/{item.pk}/remove/", {}, SEES, MANAGERS),
        ("post", f"/ballots/voters/{voter.pk}/remove/", {}, SEES, MANAGERS),
        ("post", f"/ballots/{d}/step/open/", {}, SEES, MANAGERS),
        ("post", f"/ballots/{o}/step/close/", {}, SEES, MANAGERS),
        ("post", f"/ballots/{p}/step/archive/", {}, SEES, MANAGERS),
        ("post", f"/ballots/{o}/void/", {"code": "ABCD-EFGH"}, SEES, MANAGERS),
        ("get", f"/ballots/{o}/slips/", {}, SEES, MANAGERS),
        ("get", f"/ballots/{p}/results/", {}, SEES, SEES),
        ("get", f"/ballots/{p}/results.xlsx", {}, SEES, SEES),
        ("post", f"/ballots/objections/{objection.pk}/answer/", {"answer": ""}, SEES, MANAGERS),
    ]
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(tree.users[role])
        for method, url, data, sees, allowed in routes:
            response = getattr(client, method)(url, data)
            expected = want(role, sees, allowed)
            if expected == "ok":
                # a refused form is a 400 of the manager's page; unconfirmed steps and removals the confirmation page
                assert response.status_code in (200, 400), (role, url, response.status_code)
            elif expected == 302:
                assert response.status_code == 302 and "/accounts/login/" in response["Location"], (role, url)
            else:
                assert response.status_code == expected, (role, url, response.status_code)
    # nothing was acted on: the unconfirmed posts asked first
    for key, status in (("draft", PollStatus.DRAFT), ("open", PollStatus.OPEN), ("published", PollStatus.PUBLISHED)):
        polls[key].refresh_from_db()
        assert polls[key].status == status
    assert draft.subjects.count() == 1 and draft.voters.count() == 2 and draft.items.count() == 5
    assert opened.codes.filter(state="void").count() == 0
    objection.refresh_from_db()
    assert objection.answer == ""


def test_out_of_scope_township(client, tree):
    """A poll of township B: township A's administrator and branch A's secretary find nothing."""
    other = poll(tree, PollKind.TWO_WAY, org=tree.town_b, title="乙镇双向考核")
    for role in ("town_a_admin", "secretary_a"):
        client.force_login(tree.users[role])
        assert client.get(f"/ballots/{other.pk}/").status_code == 404
        assert other.title not in client.get("/ballots/").content.decode()
    client.force_login(tree.users["district_admin"])
    assert other.title in client.get("/ballots/").content.decode()


def test_nav_entry(client, tree):
    client.force_login(tree.users["secretary_a"])
    assert 'href="/ballots/"' in client.get("/ballots/").content.decode()
    client.force_login(tree.users["member_a"])
    page = client.get("/", follow=True).content.decode()
    assert 'href="/ballots/"' not in page
