"""The resident survey's pages: the access matrix of every route (the tree's roles, an evaluator on the district, an
evaluator of another district), the set-up (villages one by one or all under an organization, questions), batches and
their printed sheets (audited, codes on paper only), phones, paper entry (one answer per code, the count of sheets
only), bad input (4xx in Chinese, nothing half-saved), the query counts of the lists."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.ballots import ballot_services, services
from apps.ballots.models import Code, CodeState, ItemKind, PhoneEntry, Poll, PollKind, QueuedBallot, Subject
from tests.factories import make_org, refresh

from .poll_helpers import full_ratings, past_close, poll
from .survey_helpers import batch_plain, cast, draft_survey, evaluator, open_survey, other_district, subject_of

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "evaluator", "evaluator_other", "town_a_admin", "secretary_a", "secretary_b", "member_a",
         "auditor", "sysadmin", "anonymous"]
RUNNERS = {"district_admin", "evaluator"}


@pytest.fixture
def users(tree):
    _district, other = other_district(tree)
    return {**tree.users, "evaluator": evaluator(tree), "evaluator_other": other}


@pytest.fixture
def world(tree, users):
    """An open survey with a batch, and a closed one with results."""
    p = open_survey(tree)
    a = subject_of(p, tree.branch_a)
    batch, _codes = batch_plain(p, a, 3)
    closed = open_survey(tree)
    ca = subject_of(closed, tree.branch_a)
    _b, plain = batch_plain(closed, ca, 6)
    cast(closed, ca, plain)
    closed = services.poll_close(actor=None, poll=closed)
    return {"open": p, "batch": batch, "subject": a, "closed": closed}


def _client(users, role):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(users[role])
    return client


def test_access_matrix(users, world):
    p, closed = world["open"], world["closed"]
    item = p.items.first()
    routes = [
        ("get", "/ballots/surveys/", {}, False),
        ("get", "/ballots/surveys/new/", {}, False),
        ("get", f"/ballots/surveys/{p.pk}/", {}, True),
        ("get", f"/ballots/surveys/{p.pk}/subjects/", {}, True),
        ("post", f"/ballots/surveys/{p.pk}/subjects/{world['subject'].pk}/remove/", {}, True),  # the confirmation only
        ("post", f"/ballots/surveys/{p.pk}/items/{item.pk}/remove/", {}, True),
        ("get", f"/ballots/surveys/{p.pk}/batches/", {}, True),
        ("get", f"/ballots/surveys/{p.pk}/batches/{world['batch'].pk}/sheet/", {}, True),
        ("get", f"/ballots/surveys/{p.pk}/phones/", {}, True),
        ("get", f"/ballots/surveys/{p.pk}/paper/", {}, True),
        ("get", f"/ballots/surveys/{p.pk}/results/", {}, True),
        ("get", f"/ballots/surveys/{closed.pk}/results/", {}, True),
        ("get", f"/ballots/surveys/{closed.pk}/results.xlsx", {}, True),
    ]
    for role in ROLES:
        client = _client(users, role)
        for method, url, data, on_object in routes:
            response = getattr(client, method)(url, data)
            if role == "anonymous":
                want = {302}
            elif role in RUNNERS:
                want = {200}
            elif role == "evaluator_other":
                want = {404} if on_object else {200}  # their own (empty) list and form
            else:
                # the district's survey is out of every other role's scope; the list and the form need SURVEY_RUN
                want = {404} if on_object else {403}
            assert response.status_code in want, (role, url, response.status_code)
            if role == "anonymous":
                assert "login" in response["Location"]


def test_a_survey_seen_but_not_run_is_403_and_another_kind_is_404(tree, users):
    """A township's survey: its administrator sees it (BALLOT_VIEW) but does not run surveys (403); a 双向考核 is no
    survey (404 on these pages, even for the district)."""
    town_survey = poll(tree, PollKind.SURVEY, org=tree.town_a, title="甲镇测评")
    assert _client(users, "town_a_admin").get(f"/ballots/surveys/{town_survey.pk}/").status_code == 403
    assert _client(users, "district_admin").get(f"/ballots/surveys/{town_survey.pk}/").status_code == 200
    two_way = poll(tree, PollKind.TWO_WAY)
    for role in ("district_admin", "evaluator"):
        assert _client(users, role).get(f"/ballots/surveys/{two_way.pk}/").status_code == 404
        assert _client(users, role).get(f"/ballots/surveys/{two_way.pk}/results/").status_code == 404


def test_list_shows_only_the_runners_surveys(tree, users, django_assert_max_num_queries):
    draft_survey(tree)
    for n in range(5):
        poll(tree, PollKind.SURVEY, org=tree.district, title=f"测评{n}")
    poll(tree, PollKind.TWO_WAY, title="双向考核不在此列")
    client = _client(users, "evaluator")
    with django_assert_max_num_queries(10):  # the same with 1 or 100 surveys
        response = client.get("/ballots/surveys/")
    body = response.content.decode()
    assert "2026年度群众满意度测评" in body and "测评4" in body and "双向考核不在此列" not in body
    assert "2026年度群众满意度测评" not in _client(users, "evaluator_other").get("/ballots/surveys/").content.decode()


def test_evaluator_creates_a_survey_and_adds_villages(tree, users):
    client = _client(users, "evaluator")
    response = client.post("/ballots/surveys/new/", {"title": "2026年群众满意度测评", "year": "2026",
                                                     "organization": tree.district.code})
    assert response.status_code == 302, response.content.decode()
    p = Poll.objects.get(title="2026年群众满意度测评")
    assert p.kind == PollKind.SURVEY and p.organization == tree.district and p.created_by == users["evaluator"]
    # a township is no village: refused unless "all under it"
    response = client.post(f"/ballots/surveys/{p.pk}/subjects/", {"organization": tree.town_a.code})
    assert response.status_code == 400 and "村或社区" in response.content.decode()
    assert not p.subjects.exists()
    assert client.post(f"/ballots/surveys/{p.pk}/subjects/", {"organization": tree.town_a.code, "whole": "on"}).status_code == 302
    assert list(p.subjects.values_list("organization", flat=True)) == [tree.branch_a.pk]
    # every village and community under the district: branch B added, branch A kept once
    community = make_org("幸福社区党委", "committee", refresh(tree.town_b), domain="community")
    client.post(f"/ballots/surveys/{p.pk}/subjects/", {"organization": tree.district.code, "whole": "on"})
    assert set(p.subjects.values_list("organization", flat=True)) == {tree.branch_a.pk, tree.branch_b.pk, community.pk}
    # one by one: already there
    response = client.post(f"/ballots/surveys/{p.pk}/subjects/", {"organization": tree.branch_a.code})
    assert response.status_code == 400 and "已在名单中" in response.content.decode()
    # the other district's village is out of the picker's scope
    response = client.post(f"/ballots/surveys/{p.pk}/subjects/", {"organization": "Z0000002"})
    assert response.status_code == 400 and p.subjects.count() == 3
    # a question added, one removed (after the confirmation)
    assert client.post(f"/ballots/surveys/{p.pk}/items/", {"text": "环境卫生", "kind": ItemKind.RATING}).status_code == 302
    item = p.items.get(text="环境卫生")
    page = client.post(f"/ballots/surveys/{p.pk}/items/{item.pk}/remove/")
    assert page.status_code == 200 and p.items.filter(pk=item.pk).exists()
    assert client.post(f"/ballots/surveys/{p.pk}/items/{item.pk}/remove/", {"confirmed": "1"}).status_code == 302
    assert not p.items.filter(pk=item.pk).exists()
    subject = p.subjects.get(organization=community)
    client.post(f"/ballots/surveys/{p.pk}/subjects/{subject.pk}/remove/", {"confirmed": "1"})
    assert not Subject.objects.filter(pk=subject.pk).exists()


def test_create_bad_input(tree, users):
    client = _client(users, "evaluator")
    cases = [
        {"title": "", "year": "2026", "organization": tree.district.code},
        {"title": "测评\x00", "year": "2026", "organization": tree.district.code},
        {"title": "测评", "year": "1999", "organization": tree.district.code},
        {"title": "测评", "year": "abc", "organization": tree.district.code},
        {"title": "测评", "year": "2026", "organization": "Z0000001"},  # another district
        {"title": "测评", "year": "2026", "organization": tree.district.code, "opens_at": "2026-05-02T10:00",
         "closes_at": "2026-05-01T10:00"},
        {"title": "测评", "year": "2026", "organization": tree.district.code, "opens_at": "明天"},
        {"title": "x" * 101, "year": "2026", "organization": tree.district.code},
    ]
    for data in cases:
        response = client.post("/ballots/surveys/new/", data)
        assert response.status_code == 400, data
        assert re.search(r"[\u4e00-\u9fff]", response.content.decode())
    assert not Poll.objects.exists()


def test_batches_and_the_printed_sheet(tree, users):
    p = open_survey(tree)
    a, b = subject_of(p, tree.branch_a), subject_of(p, tree.branch_b)
    client = _client(users, "evaluator")
    assert client.post(f"/ballots/surveys/{p.pk}/batches/", {"subject": a.pk, "size": "4"}).status_code == 302
    assert client.post(f"/ballots/surveys/{p.pk}/batches/", {"subject": b.pk, "size": "2"}).status_code == 302
    batches = list(p.batches.order_by("number"))
    assert [(x.number, x.subject_id, x.size) for x in batches] == [(1, a.pk, 4), (2, b.pk, 2)]
    assert Code.objects.filter(poll=p, subject=a).count() == 4 and Code.objects.filter(poll=p, subject=b).count() == 2
    listing = client.get(f"/ballots/surveys/{p.pk}/batches/").content.decode()
    assert "第1批" in listing and "第2批" in listing
    # no code on any page but the sheet, and no code in any address
    plain = services.batch_codes(batches[0])
    assert not any(c in listing or f"{c[:4]}-{c[4:]}" in listing for c in plain)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    sheet = client.get(f"/ballots/surveys/{p.pk}/batches/{batches[0].pk}/sheet/")
    body = sheet.content.decode()
    assert sheet.status_code == 200
    assert body.count('data-testid="slip"') == 4
    for code in plain:
        assert f"{code[:4]}-{code[4:]}" in body
        assert not re.search(rf"(href|src)=\"[^\"]*{code[:4]}-?{code[4:]}", body)
    assert "第1批" in body and tree.branch_a.name in body and "/vote/" in body and "@page" in body
    client.get(f"/ballots/surveys/{p.pk}/batches/{batches[0].pk}/sheet/")
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("id")
    assert events.count() == before + 2  # each print audited
    assert all(code not in str(e.after) + e.note for e in events for code in plain)
    # a batch of another survey is not found under this one
    other = open_survey(tree)
    other_batch, _c = batch_plain(other, subject_of(other, tree.branch_a), 1)
    assert client.get(f"/ballots/surveys/{p.pk}/batches/{other_batch.pk}/sheet/").status_code == 404
    # after the close nothing is printed any more
    services.poll_close(actor=None, poll=p)
    response = client.get(f"/ballots/surveys/{p.pk}/batches/{batches[0].pk}/sheet/")
    assert response.status_code == 302
    assert client.post(f"/ballots/surveys/{p.pk}/batches/", {"subject": a.pk, "size": "4"}).status_code == 400


def test_batch_bad_input(tree, users):
    p = open_survey(tree)
    other = open_survey(tree)
    client = _client(users, "evaluator")
    for data in ({"subject": subject_of(p, tree.branch_a).pk, "size": "0"},
                 {"subject": subject_of(p, tree.branch_a).pk, "size": "2001"},
                 {"subject": subject_of(p, tree.branch_a).pk, "size": "十"},
                 {"subject": subject_of(other, tree.branch_a).pk, "size": "3"},  # a village of another survey
                 {"subject": "abc\x00", "size": "3"}, {}):
        response = client.post(f"/ballots/surveys/{p.pk}/batches/", data)
        assert response.status_code == 400, data
    assert not p.batches.exists() and not p.codes.exists()
    draft = draft_survey(tree)
    response = client.post(f"/ballots/surveys/{draft.pk}/batches/", {"subject": draft.subjects.first().pk, "size": "3"})
    assert response.status_code == 400 and "测评中" in response.content.decode()


def test_phones(tree, users):
    p = open_survey(tree)
    a = subject_of(p, tree.branch_a)
    client = _client(users, "evaluator")
    response = client.post(f"/ballots/surveys/{p.pk}/phones/",
                           {"subject": a.pk, "numbers": "13800000001\n13800000002，13800000001 138-0000-0003"})
    assert response.status_code == 302
    assert PhoneEntry.objects.filter(poll=p, subject=a).count() == 3
    page = client.get(f"/ballots/surveys/{p.pk}/phones/").content.decode()
    assert "13800000001" not in page
    # a bad number refuses the whole paste: nothing half-saved
    response = client.post(f"/ballots/surveys/{p.pk}/phones/", {"subject": a.pk, "numbers": "13800000009\n12345"})
    assert response.status_code == 400 and "电话号码格式不正确" in response.content.decode()
    assert PhoneEntry.objects.filter(poll=p).count() == 3
    for data in ({"subject": a.pk, "numbers": ""}, {"subject": a.pk, "numbers": "1380000\x000001"},
                 {"subject": "999999", "numbers": "13800000005"}):
        assert client.post(f"/ballots/surveys/{p.pk}/phones/", data).status_code == 400
    ballot_services.ballot_cast_by_phone(poll=p, phone="13800000002", ratings=full_ratings(p, 0, a))
    assert PhoneEntry.objects.filter(poll=p, used=True).count() == 1


def _sheet(p, code, grades, text=""):
    data = {"code": code}
    for item, grade in zip(p.items.filter(kind=ItemKind.RATING), grades, strict=False):
        data[f"item_{item.pk}"] = str(grade)
    for item in p.items.filter(kind=ItemKind.TEXT):
        data[f"item_{item.pk}"] = text
    return data


def test_paper_entry_one_answer_per_code(tree, users):
    p = open_survey(tree)
    a, b = subject_of(p, tree.branch_a), subject_of(p, tree.branch_b)
    _ba, codes_a = batch_plain(p, a, 3)
    _bb, codes_b = batch_plain(p, b, 1)
    client = _client(users, "evaluator")
    url = f"/ballots/surveys/{p.pk}/paper/"
    assert "0 张" in client.get(url).content.decode()
    response = client.post(url, {**_sheet(p, codes_a[0].lower(), [1, 1, 2, 3], "路灯坏了"), "entered": "0"})
    assert response.status_code == 302 and response["Location"].endswith("?n=1")
    assert codes_a[0] not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "1 张" in page and codes_a[0] not in page and "路灯坏了" not in page
    # spaced as printed, the next sheet in a row
    response = client.post(url, {**_sheet(p, f"{codes_b[0][:4]}-{codes_b[0][4:]}", [2, 2, 2, 2]), "entered": "1"})
    assert response["Location"].endswith("?n=2")
    # the same code twice: refused, nothing counted twice
    response = client.post(url, {**_sheet(p, codes_a[0], [1, 1, 1, 1]), "entered": "2"})
    assert response.status_code == 400 and "只能使用一次" in response.content.decode()
    assert 'value="2"' in response.content.decode()  # the count kept
    assert QueuedBallot.objects.filter(poll=p).count() == 2
    assert Code.objects.filter(poll=p, state=CodeState.USED).count() == 2
    # the sheet's village is its code's
    answers = [json.loads(a) for a in QueuedBallot.objects.filter(poll=p).values_list("answers", flat=True)]
    assert {k.split(":")[0] for ans in answers for k in ans["r"]} == {str(a.pk), str(b.pk)}
    # the audit says a sheet was entered, never which code or what
    rows = AuditEvent.objects.filter(after__paper_sheet_entered=1)
    assert rows.count() == 2
    assert all(codes_a[0] not in str(r.after) and "路灯" not in str(r.after) for r in rows)


def test_paper_entry_bad_input(tree, users):
    p = open_survey(tree)
    a = subject_of(p, tree.branch_a)
    _b, plain = batch_plain(p, a, 1)
    client = _client(users, "evaluator")
    url = f"/ballots/surveys/{p.pk}/paper/"
    for data in (_sheet(p, "ABCD-EFGH", [1, 1, 1, 1]),  # unknown
                 _sheet(p, plain[0], [1, 1, 1]),  # a question left out
                 _sheet(p, plain[0], [1, 1, 1, 4]),  # no 4th grade
                 _sheet(p, plain[0], [1, 1, 1, "满"]),
                 _sheet(p, plain[0], [1, 1, 1, 1], "意见\x00"),
                 _sheet(p, plain[0] + "\x00", [1, 1, 1, 1]),
                 {**_sheet(p, plain[0], [1, 1, 1, 1]), "entered": "-5x"}):
        response = client.post(url, data)
        if "entered" in data:  # a bad count is only reset, the sheet is fine
            assert response.status_code == 302 and response["Location"].endswith("?n=1")
            continue
        assert response.status_code == 400, data
        assert re.search(r"[\u4e00-\u9fff]", response.content.decode())
        assert not QueuedBallot.objects.filter(poll=p).exists()
    # closed: no entry page any more
    p2 = open_survey(tree)
    services.poll_close(actor=None, poll=p2)
    assert client.get(f"/ballots/surveys/{p2.pk}/paper/").status_code == 302


def test_closed_past_due_code_refused(tree, users):
    p = open_survey(tree)
    _b, plain = batch_plain(p, subject_of(p, tree.branch_a), 1)
    past_close(p)
    response = _client(users, "evaluator").post(f"/ballots/surveys/{p.pk}/paper/", _sheet(p, plain[0], [1, 1, 1, 1]))
    assert response.status_code == 400 and "截止" in response.content.decode()


def test_detail_and_lists_query_counts(tree, users, django_assert_max_num_queries):
    p = open_survey(tree)
    for org in (tree.branch_a, tree.branch_b):
        s = subject_of(p, org)
        for _n in range(3):
            batch_plain(p, s, 2)
        services.phones_add(actor=None, poll=p, subject=s, numbers=["13800000001" if org == tree.branch_a else "13800000002"])
    client = _client(users, "evaluator")
    for url in (f"/ballots/surveys/{p.pk}/", f"/ballots/surveys/{p.pk}/batches/", f"/ballots/surveys/{p.pk}/phones/"):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


def test_step_buttons_post_to_the_generic_step_view(tree, users, settings):
    """The page's steps are posted to ballots:poll_step (another module's view): with a stand-in for it, the draft
    offers 开始测评 there; without it (before the merge) the page still renders."""
    settings.ROOT_URLCONF = "apps.ballots.tests.survey_step_urls"
    p = draft_survey(tree)
    body = _client(users, "evaluator").get(f"/ballots/surveys/{p.pk}/").content.decode()
    assert reverse("ballots:poll_step", args=[p.pk, "open"]) in body
    assert reverse("ballots:poll_step", args=[p.pk, "close"]) not in body
    services.poll_open(actor=None, poll=p)
    body = _client(users, "evaluator").get(f"/ballots/surveys/{p.pk}/").content.decode()
    assert reverse("ballots:poll_step", args=[p.pk, "close"]) in body
