"""The members' stored attendance dates (MemberAttendanceMark) behind the follow-up list: every record service
that writes attendance keeps them right (`last_attended --check` finds nothing after each), the check finds a
tampered row, and the follow-up list reads them in keyset pages with a flat number of queries."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.members.models import Member
from apps.records import marks, selectors, services
from apps.records.models import MemberAttendanceMark
from tests.factories import make_member
from tests.keyset_pages import pager_link

# A count of members (not the correlated per-row counts of a page's own rows).
COUNTS_MEMBERS = re.compile(r'\s*SELECT COUNT\(.*\bFROM "members_member"', re.I | re.S)


def assert_consistent():
    assert marks.mismatches() == {}
    call_command("last_attended", "--check")  # raises CommandError (exit status 1) on a mismatch


def mark(member):
    row = MemberAttendanceMark.objects.filter(member=member).first()
    return (row.first_counted_on, row.last_attended_on) if row else (None, None)


def test_every_attendance_writing_service_keeps_the_stored_dates(tree, types, make_record):
    secretary, a = tree.users["secretary_a"], tree.member_a
    other = make_member(tree.branch_a, "王五", seq=401)
    today = timezone.localdate()
    # A draft (created, attendance marked, checked in by QR code) counts for nothing yet.
    record = make_record("theme_day", present=[], submit=False, days_ago=40)
    assert_consistent() and mark(a) == (None, None)
    services.record_update(actor=secretary, record=record, data={}, attendance=[(a.pk, "present", "")])
    assert_consistent()
    assert mark(a) == (None, None)
    # Submitted: both members were expected, one attended.
    record = services.record_submit(actor=secretary, record=record)
    assert_consistent()
    held = today - timedelta(days=40)
    assert mark(a) == (held, held) and mark(other) == (held, None)
    # A submitted record's attendance changed, then its date.
    services.record_update(actor=secretary, record=record, data={}, attendance=[(other.pk, "present", "")])
    assert_consistent()
    assert mark(other) == (held, held)
    services.record_update(actor=secretary, record=record, data={"held_on": today - timedelta(days=50)})
    assert_consistent()
    assert mark(a)[1] == today - timedelta(days=50)
    services.record_update(actor=secretary, record=record, data={}, attendance=[(other.pk, "absent", "")])
    assert_consistent()
    assert mark(other) == (today - timedelta(days=50), None)
    # A later record, then returned: the date goes back to the earlier one.
    later = make_record("theme_day", present=[a.pk], days_ago=5)
    assert_consistent()
    assert mark(a)[1] == today - timedelta(days=5)
    services.record_return(actor=tree.users["district_admin"], record=later, reason="请补充会议记录")
    assert_consistent()
    assert mark(a)[1] == today - timedelta(days=50)
    services.record_submit(actor=secretary, record=later)  # restored: submitted again
    assert_consistent()
    assert mark(a)[1] == today - timedelta(days=5)
    # A deleted draft and a QR check-in (drafts only) leave the stored dates as they were.
    draft = make_record("theme_day", present=[], submit=False, starts_at=time(9, 0), ends_at=time(11, 0))
    tz = timezone.get_current_timezone()
    services.record_check_in(user=tree.users["member_a"], token=draft.checkin_token,
                             now=timezone.make_aware(datetime.combine(draft.held_on, time(9, 30)), tz))
    assert_consistent()
    assert mark(a)[1] == today - timedelta(days=5)
    services.record_submit(actor=secretary, record=draft)  # the checked-in member attended today
    assert_consistent()
    assert mark(a)[1] == today
    other_draft = make_record("theme_day", present=[], submit=False)
    services.record_delete_draft(actor=secretary, record=other_draft)
    assert_consistent()


def test_the_check_finds_a_tampered_row_and_the_rebuild_mends_it(tree, make_record):
    make_record("theme_day", present=[tree.member_a.pk], days_ago=10)
    assert_consistent()
    MemberAttendanceMark.objects.filter(member=tree.member_a).update(last_attended_on=timezone.localdate() - timedelta(days=400))
    with pytest.raises(CommandError, match="1 名党员的最近出席日期与出勤记录不符"):
        call_command("last_attended", "--check")
    MemberAttendanceMark.objects.filter(member=tree.member_a).delete()  # a missing row is found too
    assert set(marks.mismatches()) == {tree.member_a.pk}
    call_command("last_attended", "--rebuild")
    assert_consistent()
    assert mark(tree.member_a)[1] == timezone.localdate() - timedelta(days=10)


def _followup(client, tree, **params):
    client.force_login(tree.users["district_admin"])
    return client.get("/records/attendance/follow-up/", {"org": tree.branch_a.pk, **params})


def _absent_members(tree, n, start):
    for i in range(start, start + n):
        make_member(tree.branch_a, f"成员{i:03d}", seq=500 + i)
    Member.objects.update(created_at=timezone.now() - timedelta(days=400))


def test_follow_up_list_in_keyset_pages_with_flat_queries_and_no_count_of_members(tree, make_record, client, settings):
    settings.LIST_PAGE_SIZE = 5
    make_record("theme_day", present=[tree.member_a.pk], days_ago=300)  # attended once, long ago
    _absent_members(tree, 3, 0)
    _followup(client, tree)  # the login's session writes out of the way
    with CaptureQueriesContext(connection) as small:
        assert _followup(client, tree).status_code == 200
    _absent_members(tree, 30, 100)
    with CaptureQueriesContext(connection) as large:
        first = _followup(client, tree)
    assert len(large.captured_queries) == len(small.captured_queries)
    sql = [q["sql"] for q in large.captured_queries]
    assert not [s for s in sql if COUNTS_MEMBERS.match(s)]
    assert not [s for s in sql if re.search(r"\bOFFSET\b", s, re.I) and "members_member" in s]
    # Every absent member once, in order, walking the pages forward; back again to the first page.
    names, page, pages = [], first, []
    while True:
        pages.append(page)
        names += [m.name for m in page.context["page"]]
        cursor = page.context["page"].next_cursor
        if cursor is None:
            break
        page = _followup(client, tree, after=cursor)
    assert len(names) == len(set(names)) == 34 and "张三" in names
    assert len(pages) == 7
    back = _followup(client, tree, before=pages[1].context["page"].previous_cursor)
    assert [m.name for m in back.context["page"]] == [m.name for m in first.context["page"]]
    assert back.context["page"].previous_cursor is None
    shown = [p for p in pages if "张三" in [m.name for m in p.context["page"]]]
    assert f"{timezone.localdate() - timedelta(days=300):%Y-%m-%d}" in shown[0].content.decode()  # its last attendance


def test_a_bad_cursor_is_refused_with_a_message(tree, client):
    response = _followup(client, tree, after="不是游标")
    assert response.status_code == 400 and "翻页参数有误" in response.content.decode()


@pytest.mark.parametrize("params", [{"after": "abc"}, {"before": "-3"}, {"after": "1" * 40}, {"before": "MQ"}])
def test_a_bad_cursor_shows_the_first_page_with_the_one_wording(tree, client, settings, params):
    settings.LIST_PAGE_SIZE = 2
    _absent_members(tree, 5, 0)
    first = [m.name for m in _followup(client, tree).context["page"]]
    response = _followup(client, tree, **params)
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="paging-error"' in html and "翻页参数有误，已显示第一页。" in html
    assert [m.name for m in response.context["page"]] == first


def test_the_pager_links_walk_both_ways_and_a_cursor_outlives_its_member_leaving(tree, make_record, client, settings):
    settings.LIST_PAGE_SIZE = 2
    _absent_members(tree, 5, 0)  # with 张三: 6 members, 3 pages
    listed = [m.name for m in selectors.non_participants(tree.users["district_admin"], tree.branch_a)[0]]
    html = _followup(client, tree).content.decode()
    assert "第 1 页" in html and "共" not in re.search(r'data-testid="pager".*?</ul>', html, re.S).group(0)
    assert "page=" not in pager_link(html, "下一页")  # no page numbers: 下一页 goes by key from the first page
    numbered = _followup(client, tree, page="3")  # a hand-made page number: just the first page, nothing to say
    assert numbered.status_code == 200 and "paging-notice" not in numbered.content.decode()
    assert numbered.context["page"].object_list == _followup(client, tree).context["page"].object_list
    forward, query = [], None
    while True:
        page = _followup(client, tree, **dict(p.split("=") for p in query.split("&"))) if query else _followup(client, tree)
        forward += [m.name for m in page.context["page"]]
        if (query := pager_link(page.content.decode(), "下一页")) is None:
            break
    assert forward == listed and len(set(forward)) == 6
    page, back = _followup(client, tree, last="1"), []
    while True:  # 末页, then 上一页 to the first page
        back = [m.name for m in page.context["page"]] + back
        if (query := pager_link(page.content.decode(), "上一页")) is None:
            break
        page = _followup(client, tree, **dict(p.split("=") for p in query.split("&")))
    assert back == forward
    # The member a cursor names attends a meeting (leaves the list): the next page still follows where they stood.
    second = Member.objects.get(name=forward[1])
    make_record("theme_day", present=[second.pk], days_ago=1)
    response = _followup(client, tree, after=second.pk)
    assert [m.name for m in response.context["page"]] == forward[2:4]
    assert "paging-notice" not in response.content.decode()
    # A cursor naming nobody the user can see: the first page, saying so.
    stale = _followup(client, tree, after="987654321")
    assert stale.status_code == 200 and 'data-testid="paging-notice"' in stale.content.decode()
    assert [m.name for m in stale.context["page"]] == [forward[0], forward[2]]  # the one who attended is gone


def test_attendance_page_pages_from_the_stored_member_count(tree, make_record, client):
    make_record("theme_day", present=[tree.member_a.pk], days_ago=0)
    client.force_login(tree.users["district_admin"])
    month = f"{timezone.localdate():%Y-%m}"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/records/attendance/", {"org": tree.branch_a.pk, "period": month})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 1 == len(page.object_list)
    # One count of members (those with nothing to attend, shown on the page); the pager's total is stored.
    counts = [q["sql"] for q in ctx.captured_queries if COUNTS_MEMBERS.match(q["sql"])]
    assert len(counts) == 1 and "NOT" in counts[0].upper()
