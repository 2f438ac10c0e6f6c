"""The voting pages (/vote/): a ballot cast with a slip's code in two steps (the code only in POST bodies), a second
use refused with the service's message, unknown and void codes, the failed-code limit (429, refunded on success), bad
input (NUL, control characters, huge bodies, out-of-range answers → 4xx, nothing saved), a survey code's ballot
covering its village only, a resident's phone answer, a member's code shown once; casting writes no audit row and
leaves the code in no session, cookie, URL or log; the access matrix."""

import json
import logging

import pytest
from django.test import Client

from apps.audit.models import AuditEvent
from apps.ballots import services
from apps.ballots.models import Code, CodeState, ItemKind, PhoneEntry, PollKind, QueuedBallot, Voter
from apps.core import ratelimit

from .poll_helpers import open_two_way, poll

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin", "anonymous"]


def answers(p, option="0", subjects=None, text=""):
    """The ballot's POST fields: every rating of `subjects` (default all) answered with `option`."""
    data = {}
    for s in subjects or p.subjects.all():
        for i in p.items.all():
            if i.kind == ItemKind.RATING:
                data[f"r_{s.pk}_{i.pk}"] = option
            else:
                data[f"t_{s.pk}_{i.pk}"] = text
    return data


def step1(client, code, **extra):
    return client.post("/vote/", {"code": code, **extra})


def cast(client, p, code, **data):
    return client.post("/vote/ballot/", {"poll": p.pk, "code": code, **answers(p), **data})


@pytest.fixture
def two_way(tree):
    return open_two_way(tree)


def test_cast_with_a_slip_code_in_two_steps(client, two_way, caplog):
    caplog.set_level(logging.DEBUG)
    p = two_way
    code = services.slip_codes(p)[0]
    audits = AuditEvent.objects.count()
    assert client.get("/vote/").status_code == 200
    typed = f"{code[:4].lower()}-{code[4:]}"  # as printed on the slip, in lower case
    ballot = step1(client, typed)
    assert ballot.status_code == 200
    body = ballot.content.decode()
    assert "甲村党支部委员会" in body and "较好" in body and "贯彻上级决策部署" in body
    assert f'name="code" value="{code}"' in body  # the hidden field carries it to step 2
    assert "no-store" in ballot["Cache-Control"]
    done = cast(client, p, code, **{f"t_{p.subjects.get().pk}_{p.items.get(kind=ItemKind.TEXT).pk}": "多下基层"})
    assert done.status_code == 302 and done["Location"] == "/vote/done/"
    assert code not in done["Location"]
    assert client.get("/vote/done/").status_code == 200
    assert QueuedBallot.objects.filter(poll=p).count() == 1
    assert Code.objects.filter(poll=p, state=CodeState.USED).count() == 1
    # no audit row, the code in no session value, cookie or log line
    assert AuditEvent.objects.count() == audits
    session = client.session
    assert all(code not in str(session[k]) for k in session.keys())
    assert all(code not in c.value for c in client.cookies.values())
    assert code not in caplog.text and code.lower() not in caplog.text
    # a second use: refused with the service's message, nothing queued
    again = step1(client, code)
    assert again.status_code == 400 and "该测评码已经投过票" in again.content.decode()
    again = cast(client, p, code)
    assert again.status_code == 400 and "该测评码已经投过票" in again.content.decode()
    assert QueuedBallot.objects.filter(poll=p).count() == 1


def test_the_code_is_never_taken_from_the_query_string(client, two_way):
    code = services.slip_codes(two_way)[0]
    page = client.get(f"/vote/?code={code}")
    assert page.status_code == 200 and code not in page.content.decode()


def test_unknown_and_void_codes(client, tree, two_way):
    p = two_way
    unknown = step1(client, "ABCD2345")
    assert unknown.status_code == 400 and "测评码不正确" in unknown.content.decode()
    assert step1(client, "abc").status_code == 400
    code = services.slip_codes(p)[1]
    services.code_void(actor=tree.users["district_admin"], poll=p, code=code)
    void = step1(client, code)
    assert void.status_code == 400 and "该测评码已作废" in void.content.decode()
    assert cast(client, p, code).status_code == 400
    assert not QueuedBallot.objects.exists()


def test_a_code_of_a_closed_poll_is_unknown_and_a_poll_past_its_time_says_so(client, two_way):
    from datetime import timedelta

    from django.utils import timezone

    p = two_way
    code = services.slip_codes(p)[0]
    p.closes_at = timezone.now() - timedelta(minutes=1)
    p.save(update_fields=["closes_at"])
    late = step1(client, code)
    assert late.status_code == 400 and "截止" in late.content.decode()
    assert cast(client, p, code).status_code == 400
    services.poll_close(actor=None, poll=p)
    assert "测评码不正确" in step1(client, code).content.decode()


def test_failed_codes_are_limited_per_client_and_refunded_on_success(client, two_way, settings):
    settings.BALLOT_CODE_FAILURES_MAX = 3
    p = two_way
    good = services.slip_codes(p)
    assert step1(client, good[0]).status_code == 200  # a good code gives its attempt back
    window = settings.BALLOT_CODE_WINDOW_MINUTES * 60
    assert ratelimit.peek("ballot-code", "127.0.0.1", window=window) == 0
    for _n in range(3):
        assert step1(client, "ZZZZ9999").status_code == 400
    refused = step1(client, "ZZZZ9999")
    assert refused.status_code == 429 and "错误次数过多" in refused.content.decode()
    # now even a good code is not looked at, in either step, from this client
    assert step1(client, good[1]).status_code == 429
    assert cast(client, p, good[1]).status_code == 429
    assert not QueuedBallot.objects.exists()
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert step1(other, good[1]).status_code == 200


def test_a_ballot_missing_a_rating_comes_back_with_the_summary(client, two_way):
    p = two_way
    code = services.slip_codes(p)[0]
    data = answers(p)
    first = next(k for k in data if k.startswith("r_"))
    data.pop(first)
    page = client.post("/vote/ballot/", {"poll": p.pk, "code": code, **data})
    body = page.content.decode()
    assert page.status_code == 400
    assert "data-error-summary" in body and "甲村党支部委员会 · 贯彻上级决策部署：请选择一个等次" in body
    assert f'href="#id_{first}_0"' in body  # the summary links to the group's first option
    assert f'name="code" value="{code}"' in body  # the ballot again, the code still carried
    out_of_range = cast(client, p, code, **{first: "9"})
    assert out_of_range.status_code == 400
    assert cast(client, p, code, **{first: "²"}).status_code == 400
    assert not QueuedBallot.objects.exists()
    assert Code.objects.filter(poll=p, state=CodeState.USED).count() == 0


def test_bad_input_is_refused_with_a_4xx(client, two_way, settings):
    p = two_way
    code = services.slip_codes(p)[0]
    assert step1(client, "ABCD\x00EFGH").status_code == 400
    assert step1(client, f"{code[:4]}\x07\u202e").status_code == 400  # stripped at the door: half a code
    assert step1(client, "x" * 10_000).status_code == 400
    assert client.post("/vote/ballot/", {"poll": "x" * 100, "code": code}).status_code == 400
    assert client.post("/vote/ballot/", {"poll": "\x00", "code": code}).status_code == 400
    assert client.post("/vote/ballot/", {}).status_code == 400
    assert client.get("/vote/ballot/").status_code == 405
    text_key = f"t_{p.subjects.get().pk}_{p.items.get(kind=ItemKind.TEXT).pk}"
    assert cast(client, p, code, **{text_key: "意" * 5000}).status_code == 400
    assert cast(client, p, code, **{text_key: "a\x00b"}).status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    assert cast(client, p, code, **{text_key: "长" * 3000}).status_code in (400, 413)
    assert not QueuedBallot.objects.exists()
    # control characters pasted into a comment are stripped, the ballot taken
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
    assert cast(client, p, code, **{text_key: "建议\x07多开会"}).status_code == 302
    stored = json.loads(QueuedBallot.objects.get().answers)["t"]
    assert list(stored.values()) == ["建议多开会"]


def _survey(tree):
    p = poll(tree, PollKind.SURVEY, org=tree.district, title="2026年群众满意度测评")
    a = services.subject_add(actor=None, poll=p, name="甲村", organization=tree.branch_a)
    b = services.subject_add(actor=None, poll=p, name="乙村", organization=tree.branch_b)
    return services.poll_open(actor=None, poll=p), a, b


def test_a_survey_code_answers_for_its_village_only(client, tree):
    p, a, b = _survey(tree)
    batch = services.batch_create(actor=None, poll=p, subject=b, size=2)
    code = services.batch_codes(batch)[0]
    page = step1(client, code)
    body = page.content.decode()
    assert page.status_code == 200 and "乙村" in body and "甲村" not in body and "基本满意" in body
    assert cast(client, p, code, **answers(p, subjects=[b])).status_code == 302
    stored = json.loads(QueuedBallot.objects.get().answers)["r"]
    assert {k.split(":")[0] for k in stored} == {str(b.pk)}


def test_a_resident_answers_with_their_phone(client, tree, settings):
    settings.BALLOT_CODE_FAILURES_MAX = 2
    p, a, b = _survey(tree)
    services.phones_add(actor=None, poll=p, subject=a, numbers=["13912345678"])
    url = f"/vote/phone/{p.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "手机号码" in page.content.decode() and "乙村" not in page.content.decode()
    form = {k.replace(f"_{b.pk}_", f"_{a.pk}_"): v for k, v in answers(p, subjects=[a]).items()}
    missing = client.post(url, {"phone": "13912345678"})
    assert missing.status_code == 400 and "请选择一个等次" in missing.content.decode()
    done = client.post(url, {"phone": "139-1234-5678", **form})
    assert done.status_code == 302 and done["Location"] == "/vote/done/"
    assert PhoneEntry.objects.get().used
    assert {k.split(":")[0] for k in json.loads(QueuedBallot.objects.get().answers)["r"]} == {str(a.pk)}
    again = client.post(url, {"phone": "13912345678", **form})
    assert again.status_code == 400 and "已经参加过" in again.content.decode()
    stranger = client.post(url, {"phone": "13800000000", **form})
    assert stranger.status_code == 429 or "不在本次测评的抽样名单中" in stranger.content.decode()
    assert client.post(url, {"phone": "13800000001", **form}).status_code == 429
    assert QueuedBallot.objects.count() == 1
    # not a survey, or no such poll: 404
    two = open_two_way(tree)
    assert client.get(f"/vote/phone/{two.pk}/").status_code == 404
    assert client.get("/vote/phone/999999/").status_code == 404


def test_a_member_sees_their_code_once_and_votes(client, tree, two_way):
    p = two_way
    client.force_login(tree.users["member_a"])
    mine = client.get("/vote/mine/")
    assert mine.status_code == 200 and p.title in mine.content.decode()
    assert "no-store" in mine["Cache-Control"]
    url = f"/vote/mine/{p.pk}/reveal/"
    asked = client.post(url)  # unconfirmed: the question only
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.content.decode()
    assert Voter.objects.get(poll=p, member=tree.member_a).code_shown is False
    shown = client.post(url, {"confirmed": "1"})
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    body = shown.content.decode()
    voter = Voter.objects.get(poll=p, member=tree.member_a)
    assert voter.code_shown and voter.sealed_code == ""
    code = body.split('name="code" value="')[1][:8]
    assert Code.objects.filter(poll=p, state=CodeState.UNUSED).count() == 5
    session = client.session
    assert all(code not in str(session[k]) for k in session.keys())
    # gone: a second reveal is refused, the poll leaves the list
    again = client.post(url, {"confirmed": "1"}, follow=True)
    assert "已经查看过" in again.content.decode() or again.status_code == 404
    assert p.title not in client.get("/vote/mine/").content.decode()
    # the button posts it straight to the ballot
    ballot = step1(client, code, poll=p.pk)
    assert ballot.status_code == 200 and 'data-testid="ballot-form"' in ballot.content.decode()
    assert cast(client, p, code).status_code == 302
    assert all(code not in str(client.session[k]) for k in client.session.keys())


def test_access_matrix(client, tree, two_way):
    p = two_way
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(tree.users[role])
        assert client.get("/vote/").status_code == 200, role
        assert client.get("/vote/done/").status_code == 200, role
        assert client.post("/vote/ballot/", {}).status_code == 400, role
        assert client.get(f"/vote/phone/{p.pk}/").status_code == 404, role  # a two-way poll takes no phone
        mine = client.get("/vote/mine/")
        reveal = client.post(f"/vote/mine/{p.pk}/reveal/")
        if role == "anonymous":
            assert mine.status_code == 302 and "/accounts/login" in mine["Location"]
            assert reveal.status_code == 302 and "/accounts/login" in reveal["Location"]
        else:
            assert mine.status_code == 200, role
            # only a member with an online code on the list sees the confirmation; everyone else: not found
            assert reveal.status_code == (200 if role == "member_a" else 404), role
    assert Voter.objects.filter(poll=p, code_shown=True).count() == 0


def test_my_codes_list_is_cheap(client, tree, django_assert_max_num_queries):
    for _n in range(3):
        open_two_way(tree, members=1, invited=0)
    client.force_login(tree.users["member_a"])
    with django_assert_max_num_queries(8):
        page = client.get("/vote/mine/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="reveal"') == 3


def test_the_code_alone_finds_its_poll_among_several(client, tree):
    first, second = open_two_way(tree), open_two_way(tree)
    code = services.slip_codes(second)[0]
    page = step1(client, code)
    assert page.status_code == 200 and f'name="poll" value="{second.pk}"' in page.content.decode()
    # a poll named by a link that does not hold the code: the code still finds its own
    page = step1(client, code, poll=first.pk)
    assert page.status_code == 200 and f'name="poll" value="{second.pk}"' in page.content.decode()
    # a code posted with another poll in step 2 is unknown there
    assert cast(client, first, code).status_code == 400
    assert cast(client, second, code).status_code == 302


def test_many_addresses_of_one_network_share_a_limit(two_way, settings):
    """One attacker with a whole IPv6 /48 (65,536 /64s, each its own client) guesses no faster than the network's
    limit; another network is not held up."""
    settings.BALLOT_CODE_FAILURES_MAX, settings.BALLOT_CODE_NETWORK_FAILURES_MAX = 3, 5
    statuses = [step1(Client(REMOTE_ADDR=f"2001:db8:1:{n:x}::1"), "ZZZZ9999").status_code for n in range(7)]
    assert statuses == [400] * 5 + [429] * 2
    assert step1(Client(REMOTE_ADDR="2001:db8:2::1"), services.slip_codes(two_way)[0]).status_code == 200
