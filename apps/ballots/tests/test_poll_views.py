"""The polls' staff pages: the main path through the pages (create, subjects, items, the eligible list, the steps
confirmed through the one step view, the slips printed and audited, a code voided, the close, results and turnout,
the export audited with formulas kept as text, 公示 and an objection answered); bad input (4xx in Chinese, nothing
saved); results refused before the close; the list's filters and query count; the periodic tasks."""

import io

import pytest
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.ballots import ballot_services, codes, publicity_services, services
from apps.ballots.models import Channel, CodeState, ItemKind, Poll, PollKind, PollStatus, VoterKind
from tests.factories import make_member

from .poll_helpers import full_ratings, open_two_way, poll, text_key

pytestmark = pytest.mark.django_db


def _step(client, p, name, **data):
    return client.post(f"/ballots/{p.pk}/step/{name}/", {"confirmed": "1", **data})


def test_main_path_two_way(client, tree):
    client.force_login(tree.users["town_a_admin"])
    response = client.post("/ballots/new/", {
        "kind": "two_way", "organization": tree.town_a.code, "title": "2026年度双向考核", "year": "2026",
        "note": "对镇党委班子测评", "anonymous_slots": "2"})
    p = Poll.objects.get(title="2026年度双向考核")
    assert response.status_code == 302 and response["Location"] == f"/ballots/{p.pk}/"
    assert p.kind == PollKind.TWO_WAY and p.organization == tree.town_a and p.anonymous_slots == 2
    assert client.post(f"/ballots/{p.pk}/subjects/", {"organization": tree.town_a.code, "post": ""}).status_code == 302
    assert p.subjects.get().name == "甲镇党委"
    assert client.post(f"/ballots/{p.pk}/items/", {"text": "落实意识形态责任制", "kind": "rating"}).status_code == 302
    assert p.items.filter(text="落实意识形态责任制").exists()
    make_member(tree.branch_a, "党员乙")
    assert client.post(f"/ballots/{p.pk}/voters/members/", {"members-organization": tree.branch_a.code,
                                                             "members-channel": "paper"}).status_code == 302
    assert client.post(f"/ballots/{p.pk}/voters/", {"voter-kind": "organization",
                                                    "voter-organization": tree.branch_a.code}).status_code == 302
    assert client.post(f"/ballots/{p.pk}/voters/", {"voter-kind": "invited", "voter-name": "人大代表王五"}).status_code == 302
    assert p.voters.count() == 4  # two members, the branch, the representative
    page = client.get(f"/ballots/{p.pk}/").content.decode()
    assert "人大代表王五" in page and 'data-testid="step-open"' in page and 'data-testid="fingerprint"' not in page

    # an unconfirmed step asks; the confirmed one opens
    assert "确定开始测评" in client.post(f"/ballots/{p.pk}/step/open/").content.decode()
    p.refresh_from_db()
    assert p.status == PollStatus.DRAFT
    assert _step(client, p, "open").status_code == 302
    p.refresh_from_db()
    assert p.status == PollStatus.OPEN and p.eligible_count == 6 and len(p.eligible_fingerprint) == 64
    page = client.get(f"/ballots/{p.pk}/").content.decode()
    assert p.eligible_fingerprint in page and 'data-testid="step-close"' in page
    assert client.get(f"/ballots/{p.pk}/results/").status_code == 404  # nothing before the close
    assert client.get(f"/ballots/{p.pk}/results.xlsx").status_code == 404
    assert client.post(f"/ballots/{p.pk}/edit/", {"title": "改名", "year": "2026"}).status_code == 302
    p.refresh_from_db()
    assert p.title == "2026年度双向考核"  # no longer editable

    # the slips: every code once, spaced, no code in any address; the print audited (how many, not which)
    response = client.get(f"/ballots/{p.pk}/slips/")
    body = response.content.decode()
    plain = services.slip_codes(p)
    assert response.status_code == 200 and len(plain) == 6
    assert all(codes.spaced(c) in body for c in plain)
    assert body.count('data-testid="slip"') == 6 and "http://testserver/vote/" in body and "一码一票" in body
    assert not any(c in body for c in plain)  # only the spaced form, never a bare code (a URL, a QR)
    printed = AuditEvent.objects.filter(action="export", object_type="ballots.poll", object_id=str(p.pk))
    assert printed.count() == 1 and printed.get().after == {"slips_printed": 6}

    # a lost slip voided (confirmed), then the votes
    assert client.post(f"/ballots/{p.pk}/void/", {"code": plain[0], "confirmed": "1"}).status_code == 302
    for n, code in enumerate(plain[1:4]):
        ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p, n % 2), texts={text_key(p): f"意见{n}"})
    assert client.post(f"/ballots/{p.pk}/void/", {"code": plain[1], "confirmed": "1"}).status_code == 400  # used
    assert _step(client, p, "close").status_code == 302
    p.refresh_from_db()
    assert p.status == PollStatus.CLOSED and p.ballots_counted == 3
    assert client.get(f"/ballots/{p.pk}/slips/").status_code == 404

    response = client.get(f"/ballots/{p.pk}/results/")
    body = response.content.decode()
    assert response.status_code == 200 and "甲镇党委" in body and "意见2" in body
    assert "✓" in body and p.eligible_fingerprint in body
    turnout = services.turnout(p)
    assert (turnout["eligible"], turnout["issued"], turnout["voided"], turnout["used"], turnout["ballots"]) == (6, 6, 1, 3, 3)
    # 2 × 好 and 1 × 较好 on every item: score (100+100+80)/3 = 93.33, rate 100%
    assert "93.33" in body and "100.00%" in body

    response = client.get(f"/ballots/{p.pk}/results.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets
    rows = list(ws[0].iter_rows(values_only=True))
    assert rows[1][:5] == ("测评对象", "职务", "所在组织", "测评项目", "好")
    assert rows[2][0] == "甲镇党委" and rows[2][4:8] == (2, 1, 0, 0)
    assert list(ws[2].iter_rows(values_only=True))[1][:5] == (6, 6, 1, 3, 3)
    assert AuditEvent.objects.filter(action="export", object_type="ballots.poll", object_id=str(p.pk)).count() == 2

    assert _step(client, p, "publish", note="公示5个工作日").status_code == 302
    p.refresh_from_db()
    assert p.status == PollStatus.PUBLISHED and p.result_note == "公示5个工作日"
    objection = publicity_services.objection_submit(poll=p, text="有同志未收到测评码")
    assert client.post(f"/ballots/objections/{objection.pk}/answer/", {"answer": ""}).status_code == 400
    assert client.post(f"/ballots/objections/{objection.pk}/answer/", {"answer": "已核实，补发"}).status_code == 302
    objection.refresh_from_db()
    assert objection.answer == "已核实，补发"
    assert "已核实，补发" in client.get(f"/ballots/{p.pk}/").content.decode()
    assert _step(client, p, "archive").status_code == 302
    p.refresh_from_db()
    assert p.status == PollStatus.ARCHIVED
    assert client.get(f"/ballots/{p.pk}/results/").status_code == 200


def test_sanshu_leader_found_by_name_within_the_subtree(client, tree):
    p = poll(tree, PollKind.SANSHU)
    client.force_login(tree.users["town_a_admin"])
    assert client.post(f"/ballots/{p.pk}/subjects/", {"member": "李四", "post": "书记"}).status_code == 400  # branch B
    response = client.post(f"/ballots/{p.pk}/subjects/", {"member": "张三", "post": "党支部书记"})
    assert response.status_code == 302
    subject = p.subjects.get()
    assert subject.member == tree.member_a and subject.organization == tree.branch_a and subject.post == "党支部书记"
    page = client.get(f"/ballots/{p.pk}/").content.decode()
    assert 'data-testid="step-start_reports"' in page and 'data-testid="step-open"' not in page
    assert _step(client, p, "start_reports").status_code == 302
    p.refresh_from_db()
    assert p.status == PollStatus.REPORTING


def test_steps_refused_and_unknown(client, tree):
    p = poll(tree, PollKind.TWO_WAY)
    client.force_login(tree.users["district_admin"])
    response = _step(client, p, "open")  # no subject yet
    assert response.status_code == 400 and "请先添加测评对象" in response.content.decode()
    assert _step(client, p, "close").status_code == 400
    assert _step(client, p, "start_reports").status_code == 400  # a two-way poll has no reports
    assert _step(client, p, "cast").status_code == 404
    assert _step(client, p, "edit").status_code == 404
    assert client.get(f"/ballots/{p.pk}/step/open/").status_code == 405
    p.refresh_from_db()
    assert p.status == PollStatus.DRAFT


def test_secretary_reads_but_cannot_manage(client, tree):
    p = open_two_way(tree)  # township A's; secretary A's branch is below it
    mine = poll(tree, PollKind.TWO_WAY, org=tree.branch_a, title="甲村双向考核")
    client.force_login(tree.users["secretary_a"])
    assert client.get(f"/ballots/{p.pk}/").status_code == 404
    page = client.get(f"/ballots/{mine.pk}/").content.decode()
    assert "甲村双向考核" in page and "data-testid=\"steps\"" not in page and "subject-form" not in page
    assert _step(client, mine, "open").status_code == 403
    assert client.get(f"/ballots/{mine.pk}/edit/").status_code == 403
    assert client.get("/ballots/new/").status_code == 403


BAD = ["\x00", "x" * 10_000, "9" * 30, "-1", "=1+1", "２"]


@pytest.mark.parametrize("value", BAD)
def test_bad_input_is_a_400_in_chinese_nothing_saved(client, tree, value):
    p = poll(tree, PollKind.TWO_WAY)
    client.force_login(tree.users["district_admin"])
    org = f"{value}!"  # a typed organization: a digit alone would name an organization by its id
    before = (Poll.objects.count(), p.subjects.count(), p.items.count(), p.voters.count(),
              AuditEvent.objects.exclude(action="login").count())
    posts = [
        ("/ballots/new/", {"kind": value, "organization": org, "title": value, "year": value, "anonymous_slots": value}),
        ("/ballots/new/", {"kind": "two_way", "organization": tree.town_a.code, "title": "x", "year": "2026",
                           "anonymous_slots": value, "closes_at": value}),
        (f"/ballots/{p.pk}/edit/", {"title": value, "year": value, "anonymous_slots": value, "opens_at": value}),
        (f"/ballots/{p.pk}/subjects/", {"organization": org, "name": value, "post": value}),
        (f"/ballots/{p.pk}/items/", {"text": value if value != "=1+1" else "x" * 201, "kind": value}),
        (f"/ballots/{p.pk}/voters/members/", {"members-organization": org, "members-channel": value}),
        (f"/ballots/{p.pk}/voters/", {"voter-kind": "invited", "voter-name": value if value in BAD[:2] else ""}),
        (f"/ballots/{p.pk}/voters/", {"voter-kind": value, "voter-organization": org}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert 400 <= response.status_code < 500, (url, value, response.status_code)
        body = response.content.decode()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body), url
    assert client.get("/ballots/", {"year": value, "kind": value, "status": value, "page": value}).status_code < 500
    after = (Poll.objects.count(), p.subjects.count(), p.items.count(), p.voters.count(),
             AuditEvent.objects.exclude(action="login").count())
    assert after == before


def test_form_messages(client, tree):
    client.force_login(tree.users["district_admin"])
    response = client.post("/ballots/new/", {"kind": "two_way", "organization": tree.town_a.code, "title": "",
                                             "year": "1999", "anonymous_slots": "999999"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "请填写名称" in body and "年度应在2000至2100之间" in body and "不记名代表名额应在0至5000之间" in body
    response = client.post("/ballots/new/", {"kind": "survey", "organization": tree.town_a.code, "title": "问卷",
                                             "year": "2026"})
    assert response.status_code == 400 and "测评类别不正确" in response.content.decode()  # surveys are made elsewhere
    p = poll(tree)
    response = client.post(f"/ballots/{p.pk}/voters/", {"voter-kind": "organization", "voter-organization": tree.town_a.code})
    assert response.status_code == 400 and "应为本组织的下级组织" in response.content.decode()
    response = client.post(f"/ballots/{p.pk}/voters/", {"voter-kind": "organization", "voter-organization": tree.branch_b.code})
    assert response.status_code == 400 and "未找到该组织" in response.content.decode()


def test_removals_confirmed(client, tree):
    p = poll(tree)
    subject = services.subject_add(actor=None, poll=p, name="甲村党支部委员会", organization=tree.branch_a)
    voter = services.voter_add(actor=None, poll=p, kind=VoterKind.INVITED, name="代表")
    item = p.items.filter(kind=ItemKind.TEXT).get()
    client.force_login(tree.users["district_admin"])
    for url in (f"/ballots/subjects/{subject.pk}/remove/", f"/ballots/voters/{voter.pk}/remove/",
                f"/ballots/items/{item.pk}/remove/"):
        assert "确认移除" in client.post(url).content.decode()
        assert client.post(url, {"confirmed": "1"}).status_code == 302
    assert not p.subjects.exists() and not p.voters.exists() and not p.items.filter(kind=ItemKind.TEXT).exists()


def test_setup_refused_once_open(client, tree):
    p = open_two_way(tree)
    subject, voter = p.subjects.get(), p.voters.first()
    client.force_login(tree.users["district_admin"])
    assert client.post(f"/ballots/{p.pk}/items/", {"text": "新项目", "kind": "rating"}).status_code == 400
    assert client.post(f"/ballots/subjects/{subject.pk}/remove/", {"confirmed": "1"}).status_code == 400
    assert client.post(f"/ballots/voters/{voter.pk}/remove/", {"confirmed": "1"}).status_code == 400
    page = client.get(f"/ballots/{p.pk}/").content.decode()
    assert "subject-form" not in page and "void-form" in page


def test_void_unknown_code(client, tree):
    p = open_two_way(tree)
    client.force_login(tree.users["district_admin"])
    response = client.post(f"/ballots/{p.pk}/void/", {"code": "ZZZZ-ZZZZ", "confirmed": "1"})
    assert response.status_code == 400 and "测评码不存在" in response.content.decode()
    assert not p.codes.filter(state=CodeState.VOID).exists()


def test_results_formula_text_in_export(client, tree):
    p = open_two_way(tree, members=1, invited=0, slots=1)
    code = services.slip_codes(p)[0]
    ballot_services.ballot_cast(poll=p, code=code, ratings=full_ratings(p), texts={text_key(p): '=HYPERLINK("http://evil")'})
    services.poll_close(actor=None, poll=p)
    client.force_login(tree.users["district_admin"])
    response = client.get(f"/ballots/{p.pk}/results.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[1]
    cell = list(ws.iter_rows())[1][2]
    assert cell.value == '=HYPERLINK("http://evil")' and cell.data_type == "s" and cell.quotePrefix


def test_list_filters_and_query_count(client, tree, django_assert_max_num_queries):
    for n in range(3):
        poll(tree, PollKind.TWO_WAY, title=f"双向考核{n}")
    poll(tree, PollKind.SANSHU, title="三述一评甲", org=tree.branch_a)
    open_two_way(tree)
    client.force_login(tree.users["district_admin"])
    with django_assert_max_num_queries(12) as few:
        client.get("/ballots/")
    for n in range(3, 20):
        poll(tree, PollKind.TWO_WAY, title=f"双向考核{n}", org=tree.town_b)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/ballots/").content.decode()
    assert "双向考核19" in body and "三述一评甲" in body
    body = client.get("/ballots/", {"kind": "sanshu"}).content.decode()
    assert "三述一评甲" in body and "双向考核1<" not in body
    body = client.get("/ballots/", {"status": "open"}).content.decode()
    assert "2026年度民主测评" in body and "三述一评甲" not in body
    assert "暂无民主测评" in client.get("/ballots/", {"year": "2025"}).content.decode()
    assert client.get("/ballots/", {"year": "abc"}).status_code == 400


def test_voters_members_online_and_counts(client, tree):
    p = poll(tree)
    client.force_login(tree.users["district_admin"])
    client.post(f"/ballots/{p.pk}/voters/members/", {"members-organization": tree.branch_a.code, "members-channel": "online"})
    assert list(p.voters.values_list("member_id", "channel")) == [(tree.member_a.pk, Channel.ONLINE)]
    response = client.post(f"/ballots/{p.pk}/voters/members/", {"members-organization": tree.branch_a.code,
                                                                 "members-channel": "online"})
    assert response.status_code == 302 and p.voters.count() == 1  # already on the list: skipped


def test_periodic_tasks_registered():
    from apps.core import workers

    names = {name: seconds for name, _task, seconds in workers.schedule()}
    assert names["ballots_close_due"] == 60 and names["ballots_archive_due"] == 3600


def test_close_due_task_runs(tree):
    from apps.ballots.poll_tasks import close_due_polls

    from .poll_helpers import past_close

    p = open_two_way(tree)
    past_close(p)
    assert close_due_polls.call() == {"closed": 1}
    p.refresh_from_db()
    assert p.status == PollStatus.CLOSED
