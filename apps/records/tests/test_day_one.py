"""Day-one defects of organizational life (issue 9): the QR image, the 党员参与 page, 全部出席 and the 待办 link,
the follow-up list's window, the version comparison, one name per attendance figure, the confirmation before
submitting, and the calendar's and stars pages' month links."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.periods import period_containing
from apps.members.models import Member
from apps.records import selectors, services
from apps.records.models import Attendance
from tests.factories import make_member

from .conftest import record_data

pytestmark = pytest.mark.django_db
SVG_NS = "{http://www.w3.org/2000/svg}"


# ---- 1. the QR check-in image ----

def rasterize_segno_svg(content: bytes):
    """Pixels of the served SVG, drawn from its own path: segno draws each dark run of a row as a horizontal
    stroke one module wide ("M x y" / "m dx dy" moves, "h n" runs, y at the middle of the row)."""
    from PIL import Image

    root = ET.fromstring(content)
    path = root.find(f"{SVG_NS}path")
    scale = int(re.fullmatch(r"scale\((\d+)\)", path.get("transform")).group(1))
    size = int(root.get("width")) // scale
    image = Image.new("L", (size, size), 255)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path.get("d")):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            run = numbers[0] if command == "h" else numbers[0] - x
            for column in range(int(x), int(x + run)):
                image.putpixel((column, int(y)), 0)
            x += run
    return image.resize((size * 8, size * 8), Image.NEAREST)


def test_qr_svg_is_a_standalone_svg_document_that_decodes_to_the_check_in_url(tree, make_record, client):
    import zxingcpp

    record = make_record("theme_day", present=[], submit=False)
    client.force_login(tree.users["secretary_a"])
    response = client.get(f"/records/{record.pk}/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml")
    root = ET.fromstring(response.content)  # well-formed XML…
    assert root.tag == f"{SVG_NS}svg"  # …in the SVG namespace, which a browser needs to draw it in an <img>
    decoded = [r.text for r in zxingcpp.read_barcodes(rasterize_segno_svg(response.content))]
    assert decoded == [f"http://testserver/records/checkin/{record.checkin_token}/"]


# ---- 2. the 党员参与 page ----

def _attendance(client, **params):
    # The current month unless asked otherwise: the records made here are held today (the page's own default,
    # the previous month early in a month, is tested in test_round3).
    params.setdefault("period", f"{timezone.localdate():%Y-%m}")
    return client.get("/records/attendance/", params)


def test_participation_period_links_step_by_the_kind_shown(tree, client):
    client.force_login(tree.users["district_admin"])
    for key, previous, following in (("2026Q2", "2026Q1", "2026Q3"), ("2026-01", "2025-12", "2026-02"),
                                     ("2025", "2024", "2026")):
        response = _attendance(client, org=tree.branch_a.pk, period=key)
        assert response.status_code == 200
        assert (response.context["previous"].key, response.context["next"].key) == (previous, following)
        body = response.content.decode()
        assert f"period={previous}" in body and f"period={following}" in body
    default = client.get("/records/attendance/")  # no period: a month (which one: test_round3), and the one before
    assert default.context["previous"].key == default.context["period"].previous().key


def test_participation_lists_only_members_expected_in_the_period(tree, make_record, client):
    make_record("theme_day", present=[tree.member_a.pk])
    newcomer = make_member(tree.branch_a, "王五", seq=321)  # joined the branch after the meeting: not on its roster
    client.force_login(tree.users["district_admin"])
    response = _attendance(client, org=tree.branch_a.pk)
    rows = list(response.context["page"])
    assert [m.name for m in rows] == ["张三"] and (rows[0].present_n, rows[0].expected_n) == (1, 1)
    assert newcomer.name not in response.content.decode().split('data-testid="attendance-table"')[1].split("</table>")[0]
    assert response.context["without"] == 1 and "另有 1 名党员本期间没有应参加的组织生活" in response.content.decode()
    # A month with nothing held: a clear empty state, not a column of 0/0.
    empty = _attendance(client, org=tree.branch_a.pk, period="2024-01")
    assert list(empty.context["page"]) == [] and 'data-testid="no-activity"' in empty.content.decode()
    assert "0/0" not in empty.content.decode()


def test_participation_over_a_large_subtree_sums_per_child_organization(tree, make_record, client, monkeypatch):
    monkeypatch.setattr(selectors, "ATTENDANCE_MEMBERS_MAX_ORGS", 2)
    make_record("theme_day", present=[tree.member_a.pk])
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], present=[], submit=False)
    client.force_login(tree.users["district_admin"])
    response = _attendance(client, org=tree.district.pk)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="attendance-table"' not in body
    children = {c.name: (c.records, c.present, c.expected) for c in response.context["children"]}
    assert children == {"甲镇党委": (1, 1, 1), "乙镇党委": (0, 0, 0)}  # branch B's draft does not count
    assert f"org={tree.town_a.pk}" in body  # drill down
    ranked = _attendance(client, org=tree.district.pk, sort="rate")
    assert [c.name for c in ranked.context["children"]] == ["甲镇党委", "乙镇党委"]  # nothing recorded: last


def _add_members(org, n, start):
    for i in range(n):
        make_member(org, f"成员{start + i}", seq=start + i)


@pytest.mark.parametrize("max_orgs", [30, 2])  # members listed (small subtree) / per child organization (large)
def test_participation_query_count_does_not_grow_with_members(tree, make_record, client, django_assert_max_num_queries,
                                                              monkeypatch, max_orgs):
    monkeypatch.setattr(selectors, "ATTENDANCE_MEMBERS_MAX_ORGS", max_orgs)
    _add_members(tree.branch_a, 3, 500)
    make_record("theme_day")
    client.force_login(tree.users["district_admin"])
    with django_assert_max_num_queries(40) as few:
        assert _attendance(client, org=tree.district.pk).status_code == 200
    _add_members(tree.branch_a, 25, 600)
    _add_members(tree.branch_b, 25, 700)
    make_record("theme_day")
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert _attendance(client, org=tree.district.pk).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert _attendance(client, org=tree.district.pk, sort="rate").status_code == 200


# ---- 3. recording attendance ----

def test_all_present_marks_everyone_and_keeps_the_form_for_individual_changes(tree, make_record, client):
    other = make_member(tree.branch_a, "王五", seq=322)
    record = make_record("theme_day", present=[], submit=False)
    assert set(record.attendance.values_list("status", flat=True)) == {"absent"}
    client.force_login(tree.users["secretary_a"])
    page = client.get(f"/records/{record.pk}/edit/").content.decode()
    assert 'name="all_present"' in page and "全部出席" in page
    edit = {"held_on": record.held_on.isoformat(), "starts_at": "09:00", "ends_at": "11:00", "place": record.place,
            "topic": "改过的主题", "host": record.host, "recorder": record.recorder, "minutes": record.minutes,
            "content_items": record.content_items}
    response = client.post(f"/records/{record.pk}/edit/", {**edit, "all_present": "1"})
    assert response.status_code == 200
    assert {a.form_status for a in response.context["attendance"]} == {"present"}
    assert 'value="改过的主题"' in response.content.decode()  # what was typed comes back
    assert set(record.attendance.values_list("status", flat=True)) == {"absent"}  # nothing saved yet
    # …then one member is changed to leave, and the form saved.
    saved = client.post(f"/records/{record.pk}/edit/", {**edit, f"att-{tree.member_a.pk}": "present",
                                                        f"att-{other.pk}": "leave", f"reason-{other.pk}": "外出"})
    assert saved.status_code == 302
    record.refresh_from_db()
    assert (record.present_count, record.leave_count, record.topic) == (1, 1, "改过的主题")


def test_due_link_preselects_the_type_and_period(tree, types, client):
    client.force_login(tree.users["secretary_a"])
    due = client.get("/records/due/").content.decode()
    month = period_containing("month", timezone.localdate())
    theme = types["theme_day"]
    link = f"/records/new/?org={tree.branch_a.pk}&amp;type={theme.pk}&amp;period={month.key}"
    assert link in due
    form = client.get(link.replace("&amp;", "&")).context["form"]
    assert form.initial["activity_type"] == theme and form.initial["held_on"] == timezone.localdate()
    past = client.get(f"/records/new/?org={tree.branch_a.pk}&type={theme.pk}&period=2025-03").context["form"]
    assert past.initial["held_on"] == date(2025, 3, 31)  # a past period: its last day
    for bad in ({"type": "x"}, {"type": "99999"}, {"period": "2026-13"}):
        refused = client.get("/records/new/", {"org": tree.branch_a.pk, **bad})
        assert refused.status_code == 400


# ---- 4. the follow-up list ----

def test_follow_up_leaves_out_members_not_there_for_the_whole_window(tree, types):
    admin = tree.users["district_admin"]
    Member.objects.update(created_at=timezone.now() - timedelta(days=400))
    imported = make_member(tree.branch_a, "新导入", seq=330, joined_on=date(2005, 1, 1))  # in the party for years
    recent = make_member(tree.branch_a, "新党员", seq=331, joined_on=timezone.localdate() - timedelta(days=20))

    def listed():
        return {m.name for m in selectors.non_participants(admin, tree.district)[0]}

    names = listed()
    assert "张三" in names and "李四" in names  # registered long ago, absent since
    assert imported.name not in names and recent.name not in names
    # On the roster of an activity held before the window: known to the platform for all of it.
    old = services.record_create(actor=admin, organization=tree.branch_a, activity_type=types["theme_day"],
                                 data=record_data(held_on=timezone.localdate() - timedelta(days=300)))
    Attendance.objects.filter(record=old).update(counts=True)  # as if submitted then (an imported history)
    call_command("last_attended", "--rebuild")  # written past the services: its stored dates rebuilt, as after an import
    assert imported.name in listed() and recent.name not in listed()


# ---- 5. the version page ----

def test_version_page_shows_minutes_and_what_changed_since(tree, make_record, client):
    record = make_record("theme_day")
    actor = tree.users["secretary_a"]
    services.record_update(actor=actor, record=record, data={"minutes": "补充了交流发言。", "place": "村委会"},
                           attendance=[(tree.member_a.pk, "leave", "生病")], note="按意见修改")
    client.force_login(tree.users["district_admin"])
    response = client.get(f"/records/{record.pk}/versions/1/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "09:00–11:00" in body and "09:00:00" not in body and not re.search(r"\d\d:\d\d:\d\d", body)
    changes = response.context["changes"]
    by_field = {f["name"]: f for f in changes["fields"]}
    assert by_field["place"]["label"] == "地点" and (by_field["place"]["old"], by_field["place"]["new"]) == ("党员活动室", "村委会")
    assert by_field["minutes"]["label"] == "会议记录" and by_field["minutes"]["new"] == "补充了交流发言。"
    assert by_field["present_count"]["label"] == "实到" and (by_field["present_count"]["old"], by_field["present_count"]["new"]) == ("1", "0")
    assert "topic" not in by_field and "starts_at" not in by_field  # unchanged fields are not listed
    assert "张三：出席 → 请假（生病）" in body
    assert "与当前版本相比：第1版 → 第2版" in body


def test_version_compare_of_an_unchanged_version_says_so(tree, make_record):
    from apps.records.versions import compare, version_data

    record = make_record("theme_day")
    data = version_data(record)
    assert compare(data, version_data(record))["same"]
    legacy = {**data, "attendance": [{"member": "张三", "status": "absent", "reason": ""}]}  # kept before ids were
    assert compare(legacy, version_data(record))["attendance"][0]["new"] == "出席"


# ---- 6. one name per attendance figure ----

def test_member_file_and_my_page_show_the_same_named_figures(tree, make_record, client):
    make_record("theme_day", days_ago=200)  # within twelve months, not within six
    client.force_login(tree.users["member_a"])
    mine = client.get("/records/mine/").content.decode()
    client.force_login(tree.users["district_admin"])
    file = client.get(f"/members/{tree.member_a.pk}/").content.decode()
    for body in (mine, file):
        assert "今年出勤率" not in body
        assert "近12个月出勤率（1/1）" in body and "近6个月出勤率（0/0）" in body


# ---- 7. confirmation before submitting ----

def test_submit_asks_for_confirmation_before_acting(tree, make_record, client):
    record = make_record("theme_day", submit=False)
    client.force_login(tree.users["secretary_a"])
    detail = client.get(f"/records/{record.pk}/").content.decode()
    form = re.search(r'<form[^>]*action="/records/%d/submit/"[^>]*>' % record.pk, detail).group(0)
    assert "data-confirm=" in form and 'name="confirmed" value=""' in detail
    assert "js/confirm.js" in detail
    asked = client.post(f"/records/{record.pk}/submit/")  # a single click without the script
    record.refresh_from_db()
    assert asked.status_code == 200 and record.status == "draft"
    body = asked.content.decode()
    assert 'data-testid="confirm-page"' in body and 'name="confirmed" value="1"' in body and "确认提交" in body
    assert client.post(f"/records/{record.pk}/submit/", {"confirmed": "1"}).status_code == 302
    record.refresh_from_db()
    assert record.status == "submitted"


def test_confirm_page_carries_the_posted_fields(rf, tree):
    from django.contrib.auth.models import AnonymousUser

    from apps.core.confirm import confirm_page, confirmed

    request = rf.post("/x/?a=1", {"result": "已办结", "confirmed": "0"})
    request.user = AnonymousUser()
    assert not confirmed(request)
    body = confirm_page(request, title="办结", message="确定办结？", label="确认办结", back="/").content.decode()
    assert 'name="result" value="已办结"' in body and 'action="/x/?a=1"' in body and 'name="confirmed" value="1"' in body


# ---- 8. the calendar's and stars pages' month links ----

@pytest.mark.parametrize("url", ["/records/calendar/", "/records/stars/manage/"])
def test_month_links_step_across_the_year_and_open(tree, client, url):
    client.force_login(tree.users["district_admin"])
    body = client.get(url, {"month": "2026-01"}).content.decode()
    previous = re.search(r'href="\?([^"]*)" data-testid="month-previous"', body).group(1).replace("&amp;", "&")
    following = re.search(r'href="\?([^"]*)" data-testid="month-next"', body).group(1).replace("&amp;", "&")
    assert "month=2025-12" in previous and "month=2026-02" in following
    for query in (previous, following):
        assert client.get(f"{url}?{query}").status_code == 200
