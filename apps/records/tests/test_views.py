"""Pages of organizational life: the access matrix for every route, the main flows through the pages,
bad input, and query counts on the lists."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.records import services
from apps.records.models import ActivityRecord, ActivityType, MonthlyStar, RecordFile

from .conftest import record_data

pytestmark = pytest.mark.django_db

ROLES = ["district_admin", "town_a_admin", "secretary_a", "secretary_b", "member_a", "auditor", "sysadmin"]
MANAGE = {"a": {"district_admin", "town_a_admin", "secretary_a"}, "b": {"district_admin", "secretary_b"}}
REVIEW = {"a": {"district_admin", "town_a_admin"}, "b": {"district_admin"}}


@pytest.fixture
def records(tree, make_record):
    a = make_record("theme_day")
    b = make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"])
    services.record_update(actor=tree.users["secretary_a"], record=a, data={"minutes": "补充"})
    services.record_update(actor=tree.users["secretary_b"], record=b, data={"minutes": "补充"})
    return {"a": a, "b": b}


def _expected(role, which, kind):
    """What a role gets on a route of kind view / manage / review / org (org-level page) for branch A or B."""
    manage, review = role in MANAGE[which], role in REVIEW[which]
    member_here = role == "member_a" and which == "a"
    if kind == "view":
        return 200 if manage or member_here else 404
    if kind == "manage":
        return 200 if manage else 403 if member_here else 404
    if kind == "review":
        return 200 if review else 403 if manage or member_here else 404
    if kind == "org":  # pages about an organization: compliance, calendar, attendance…
        return 200 if manage else 403 if member_here else 404
    if kind == "export":  # a background job: redirected to its progress page
        return 302 if manage else 403 if member_here else 404
    raise AssertionError(kind)


def _routes(tree, records, which, types):
    r = records[which]
    org = tree.branch_a if which == "a" else tree.branch_b
    period = f"{timezone.localdate():%Y-%m}"
    return [
        ("get", f"/records/{r.pk}/", "view"),
        ("get", f"/records/{r.pk}/versions/1/", "view"),
        ("get", f"/records/{r.pk}/edit/", "manage"),
        ("get", f"/records/{r.pk}/qr/", "manage"),
        ("get", f"/records/{r.pk}/qr.svg", "manage"),
        ("get", f"/records/{r.pk}/return/", "review"),
        ("get", f"/records/new/?org={org.pk}", "org"),
        ("get", f"/records/plans/new/?org={org.pk}", "org"),
        ("get", f"/records/compliance/?org={org.pk}&period={period}", "org"),
        ("get", f"/records/compliance/missing/?org={org.pk}&period={period}&type={types['theme_day'].pk}", "org"),
        ("get", f"/records/compliance/export.xlsx?org={org.pk}&period={period}", "export"),
        ("get", f"/records/calendar/?org={org.pk}", "org"),
        ("get", f"/records/attendance/?org={org.pk}", "org"),
        ("get", f"/records/attendance/follow-up/?org={org.pk}", "org"),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["a", "b"])
def test_access_matrix(tree, records, types, client, role, which):
    client.force_login(tree.users[role])
    for method, url, kind in _routes(tree, records, which, types):
        status = getattr(client, method)(url).status_code
        expected = _expected(role, which, kind)
        assert status == expected, f"{role} {url} → {status}, expected {expected}"


@pytest.mark.parametrize("role", ROLES)
def test_write_routes_matrix(tree, records, types, client, role):
    """Writes on branch B's record: only its managers (or reviewers) get through; others 403/404."""
    client.force_login(tree.users[role])
    b = records["b"]
    pick = client.post(f"/records/{b.pk}/star/", {"chosen_by_org": tree.district.pk}).status_code
    assert pick == (302 if role in REVIEW["b"] else 403 if role in MANAGE["b"] else 404)
    returned = client.post(f"/records/{b.pk}/return/", {"reason": "请补充照片"}).status_code
    assert returned == (302 if role in REVIEW["b"] else 403 if role in MANAGE["b"] else 404)
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    status = client.post(f"/records/{b.pk}/files/", {"kind": "attachment", "file": upload}).status_code
    assert status == (302 if role in MANAGE["b"] else 404)
    # A reviewer has just returned it, so its managers may submit it again; submitting a record that is still
    # submitted is refused with the reason (400), never a redirect that hides it.
    submit = client.post(f"/records/{b.pk}/submit/", {"confirmed": "1"})
    assert submit.status_code == (302 if role in REVIEW["b"] else 400 if role in MANAGE["b"] else 404)
    if submit.status_code == 400:
        assert "该纪实已提交" in submit.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_the_scope(tree, records, client, role):
    client.force_login(tree.users[role])
    staff = role in {"district_admin", "town_a_admin", "secretary_a", "secretary_b"}
    response = client.get("/records/")
    assert response.status_code == (200 if staff or role == "member_a" else 403)
    if response.status_code == 200:
        body = response.content.decode()
        assert (f"/records/{records['b'].pk}/" in body) == (role in MANAGE["b"])
        assert (f"/records/{records['a'].pk}/" in body) == (role in MANAGE["a"] or role == "member_a")
    assert client.get("/records/due/").status_code == (200 if staff else 403)
    assert client.get("/records/compliance/").status_code == (200 if staff else 403)
    assert client.get("/records/stars/manage/").status_code == (200 if role in {"district_admin", "town_a_admin"} else 403)
    assert client.get("/records/types/").status_code == (200 if staff else 403)
    some_type = ActivityType.objects.order_by("pk").first()  # its id is not 1 after a transactional test's flush
    assert client.get(f"/records/types/{some_type.pk}/edit/").status_code == (200 if role == "district_admin" else 403)
    assert client.get("/records/mine/").status_code == (200 if role == "member_a" else 404)


def test_public_stars_page_needs_no_login(tree, records, client):
    services.star_pick(actor=tree.users["district_admin"], record=records["a"], chosen_by_org=tree.district,
                       citation="形式新颖")
    response = client.get("/stars/")
    body = response.content.decode()
    assert response.status_code == 200 and records["a"].topic in body and "甲村党支部" in body
    assert "形式新颖" in body
    assert tree.member_a.id_number not in body


# ---- flows through the pages ----

def test_secretary_records_marks_attendance_and_submits(tree, types, client):
    client.force_login(tree.users["secretary_a"])
    data = {k: v for k, v in record_data().items()}
    data.update(activity_type=types["theme_day"].pk, held_on=data["held_on"].isoformat(), starts_at="09:00", ends_at="11:00")
    response = client.post(f"/records/new/?org={tree.branch_a.pk}", data)
    assert response.status_code == 302
    record = ActivityRecord.objects.get()
    assert record.expected_count == 1 and record.status == "draft"
    edit = {k: getattr(record, k) for k in ("held_on", "place", "topic", "host", "recorder", "minutes", "content_items")}
    edit.update(starts_at="09:00", ends_at="11:00", **{f"att-{tree.member_a.pk}": "present"})
    assert client.post(f"/records/{record.pk}/edit/", edit).status_code == 302
    assert client.post(f"/records/{record.pk}/submit/", {"confirmed": "1"}).status_code == 302
    record.refresh_from_db()
    assert record.status == "submitted" and record.present_count == 1
    page = client.get(f"/records/compliance/?org={tree.branch_a.pk}")
    assert page.context["total"].cells[types["theme_day"].pk].held == 1


def test_leave_without_reason_is_refused_with_a_message(tree, make_record, client):
    record = make_record("theme_day", submit=False)
    client.force_login(tree.users["secretary_a"])
    edit = {k: getattr(record, k) for k in ("held_on", "place", "topic", "host", "recorder", "minutes", "content_items")}
    edit.update(starts_at="09:00", ends_at="11:00", **{f"att-{tree.member_a.pk}": "leave"})
    response = client.post(f"/records/{record.pk}/edit/", edit)
    assert response.status_code == 400 and "请假须填写原因" in response.content.decode()


def test_bad_input_gets_4xx_in_chinese(tree, records, client):
    client.force_login(tree.users["district_admin"])
    assert client.get("/records/compliance/?period=2026-13").status_code == 400
    assert "期间格式" in client.get("/records/compliance/?period=xx").content.decode()
    assert client.get("/records/compliance/missing/?type=abc").status_code == 404
    assert client.get("/records/calendar/?month=2026-99").status_code == 400
    assert client.get("/records/attendance/?period=2026-08-31~2026-03-01").status_code == 400
    today = timezone.localdate()
    span = client.get(f"/records/attendance/?period={today.replace(day=1)}~{today}&org={tree.branch_a.pk}")
    assert span.status_code == 200 and span.context["page"][0].present_n == 1
    assert client.get("/records/?held_from=not-a-date").status_code == 400
    assert client.get("/records/999999/").status_code == 404
    assert client.get("/records/files/999999/").status_code == 404
    assert client.get("/records/checkin/nope/").status_code == 404
    assert client.get("/stars/2026-99/").status_code == 404
    response = client.post(f"/records/{records['a'].pk}/return/", {"reason": ""})
    assert response.status_code == 400


def test_uploads_are_checked_by_content_and_size(tree, records, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from PIL import Image

    client.force_login(tree.users["secretary_a"])
    url = f"/records/{records['a'].pk}/files/"
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    refused = client.post(url, {"kind": "photo", "file": fake})
    assert refused.status_code == 400 and "文件内容与扩展名不符" in refused.content.decode()
    assert not RecordFile.objects.exists()
    settings.RECORD_ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1))
    client.post(url, {"kind": "attachment", "file": big})
    exe = SimpleUploadedFile("x.exe", b"MZ....")
    client.post(url, {"kind": "attachment", "file": exe})
    assert not RecordFile.objects.exists()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    client.post(url, {"kind": "photo", "file": SimpleUploadedFile("现场.png", buffer.getvalue())})
    item = RecordFile.objects.get()
    assert item.name == "现场.png" and item.content_type == "image/png" and "现场" not in item.file.name
    assert client.get(f"/records/files/{item.pk}/").status_code == 200
    client.force_login(tree.users["secretary_b"])
    assert client.get(f"/records/files/{item.pk}/").status_code == 404
    # Public only once the record is a star.
    client.logout()
    assert client.get(f"/stars/photos/{item.pk}/").status_code == 404
    MonthlyStar.objects.create(month=records["a"].held_on.replace(day=1), record=records["a"], chosen_by_org=tree.district)
    assert client.get(f"/stars/photos/{item.pk}/").status_code == 200


def test_stars_are_limited_per_month(tree, make_record, settings):
    settings.MONTHLY_STARS_MAX = 1
    a, b = make_record("theme_day"), make_record("party_lecture", lecturer="张书记")
    services.star_pick(actor=tree.users["district_admin"], record=a, chosen_by_org=tree.district)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="最多"):
        services.star_pick(actor=tree.users["district_admin"], record=b, chosen_by_org=tree.district)
    # Another committee has its own ten.
    services.star_pick(actor=tree.users["town_a_admin"], record=b, chosen_by_org=tree.town_a)
    draft = make_record("theme_day", submit=False)
    with pytest.raises(ValidationError):
        services.star_pick(actor=tree.users["district_admin"], record=draft, chosen_by_org=tree.district)


def test_qr_check_in_page(tree, make_record, client):
    now = timezone.localtime()
    start = (now - timezone.timedelta(minutes=10)).time().replace(second=0, microsecond=0)
    end = (now + timezone.timedelta(minutes=50)).time().replace(second=0, microsecond=0)
    if end <= start:
        pytest.skip("meeting would cross midnight")
    record = make_record("theme_day", present=[], submit=False, starts_at=start, ends_at=end)
    client.force_login(tree.users["secretary_a"])
    svg = client.get(f"/records/{record.pk}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    client.force_login(tree.users["member_a"])
    url = f"/records/checkin/{record.checkin_token}/"
    assert "签到" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200 and "您已签到" in response.content.decode()
    record.refresh_from_db()
    assert record.present_count == 1
    client.force_login(tree.users["secretary_b"])  # not on the roster
    assert client.post(url).status_code == 400


# ---- query counts ----

def _many_records(tree, types, n=12):
    for i in range(n):
        services.record_create(actor=tree.users["district_admin"], organization=tree.branch_a if i % 2 else tree.branch_b,
                               activity_type=types["theme_day"], data=record_data(topic=f"主题{i}"))


@pytest.mark.parametrize("url", ["/records/", "/records/due/", "/records/compliance/", "/records/attendance/",
                                 "/records/attendance/follow-up/", "/records/calendar/", "/records/stars/manage/"])
def test_list_pages_have_no_n_plus_one(tree, types, client, django_assert_max_num_queries, url):
    _many_records(tree, types, 4)
    client.force_login(tree.users["district_admin"])
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    _many_records(tree, types, 30)
    for i in range(10):
        from tests.factories import make_member

        make_member(tree.branch_a, f"成员{i}", seq=400 + i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# ---- the REST layer ----

@pytest.mark.parametrize("role", ROLES)
def test_api_is_scoped(tree, records, client, role):
    client.force_login(tree.users[role])
    ids = {r["id"] for r in client.get("/api/records/").json().get("results", [])}
    assert (records["b"].pk in ids) == (role in MANAGE["b"])
    assert client.get(f"/api/records/{records['b'].pk}/").status_code == (200 if role in MANAGE["b"] else 404)
    period = f"{timezone.localdate():%Y-%m}"
    status = client.get(f"/api/compliance/?org={tree.branch_b.pk}&period={period}").status_code
    assert status == (200 if role in MANAGE["b"] else 404)
    returned = client.post(f"/api/records/{records['b'].pk}/return/", {"reason": "补充"}, content_type="application/json")
    assert returned.status_code == (200 if role in REVIEW["b"] else 403 if role in MANAGE["b"] else 404)


def test_api_create_submit_and_figures(tree, types, client):
    client.force_login(tree.users["secretary_a"])
    body = {"organization": tree.branch_a.pk, "activity_type": types["party_lecture"].pk,
            "held_on": timezone.localdate().isoformat(), "starts_at": "09:00", "ends_at": "10:30", "place": "活动室",
            "topic": "党课", "host": "王书记", "recorder": "李委员", "lecturer": "", "minutes": "讲授党课"}
    created = client.post("/api/records/", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["expected_count"] == 1
    pk = created.json()["id"]
    refused = client.post(f"/api/records/{pk}/submit/")
    assert refused.status_code == 400 and "授课人" in refused.json()["lecturer"][0]
    other = client.post("/api/records/", {**body, "organization": tree.branch_b.pk}, content_type="application/json")
    assert other.status_code == 400 and "organization" in other.json()
    bad = client.get(f"/api/compliance/?org={tree.branch_a.pk}&period=2026-13")
    assert bad.status_code == 400 and "period" in bad.json()
    metrics = client.get(f"/api/metrics/?org={tree.branch_a.pk}&period={timezone.localdate():%Y-%m}").json()
    assert metrics["records"] == 0 and {t["code"] for t in metrics["types"]} >= {"theme_day", "party_lecture"}


@pytest.mark.parametrize("role", ROLES)
def test_remaining_write_routes_matrix(tree, types, make_record, client, role, settings, tmp_path):
    """Plans, drafts, files and stars of branch B: its managers act, others get 403 or 404."""
    settings.MEDIA_ROOT = tmp_path
    plan = services.plan_create(actor=tree.users["secretary_b"], organization=tree.branch_b,
                                data={"activity_type": types["theme_day"], "planned_on": timezone.localdate(),
                                      "topic": "计划"})
    draft = make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"], submit=False)
    done = make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"])
    item = services.record_file_add(actor=tree.users["secretary_b"], record=done, kind="attachment",
                                    upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    star = services.star_pick(actor=tree.users["district_admin"], record=done, chosen_by_org=tree.district)
    client.force_login(tree.users[role])
    manage = role in MANAGE["b"]
    assert client.get(f"/records/files/{item.pk}/").status_code == (200 if manage else 404)
    assert client.post(f"/records/files/{item.pk}/delete/").status_code == (302 if manage else 404)
    assert client.post(f"/records/plans/{plan.pk}/cancel/").status_code == (302 if manage else 404)
    assert client.post(f"/records/{draft.pk}/delete/", {"confirmed": "1"}).status_code == (302 if manage else 404)
    # A star belongs to the organization that picked it (the district here).
    assert client.post(f"/records/stars/{star.pk}/remove/").status_code == (302 if role == "district_admin" else 404)
    assert client.get("/records/types/new/").status_code == (200 if role == "district_admin" else 403)
    # GET on a write route is refused, never a 500.
    assert client.get(f"/records/{done.pk}/submit/").status_code in (404, 405)


def test_compliance_export_is_a_job_with_a_workbook(tree, records, types, client):
    from openpyxl import load_workbook

    from apps.core.models import Job

    client.force_login(tree.users["district_admin"])
    response = client.get(f"/records/compliance/export.xlsx?org={tree.district.pk}&period={timezone.localdate():%Y-%m}")
    job = Job.objects.get(kind="compliance_export")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "succeeded", job.result
    download = client.get(f"/jobs/{job.pk}/download/")
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.sheetnames == ["按下级组织", "按领域", "未完成的组织"]
    missing = [row for row in wb["未完成的组织"].iter_rows(values_only=True)][1:]
    assert ("主题党日", tree.branch_b.code) not in {(r[0], r[1]) for r in missing}
    assert ("党课", tree.branch_a.code) in {(r[0], r[1]) for r in missing}
    from apps.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="export", object_id=str(tree.district.pk)).exists()


def test_refused_actions_answer_400_with_the_reason(tree, make_record, client, types, settings):
    settings.MONTHLY_STARS_MAX = 0
    record = make_record("theme_day")
    client.force_login(tree.users["district_admin"])
    star = client.post(f"/records/{record.pk}/star/", {"chosen_by_org": tree.district.pk})
    assert star.status_code == 400 and "最多评选0个" in star.content.decode()
    assert client.post(f"/records/{record.pk}/star/", {}).status_code == 400
    assert client.post(f"/records/{record.pk}/delete/").status_code == 400  # submitted records are kept
    plan = services.plan_create(actor=tree.users["secretary_a"], organization=tree.branch_a,
                                data={"activity_type": types["theme_day"], "planned_on": timezone.localdate(), "topic": "计划"})
    services.plan_cancel(actor=tree.users["secretary_a"], plan=plan)
    again = client.post(f"/records/plans/{plan.pk}/cancel/")
    assert again.status_code == 400 and "只有计划中的活动可以取消" in again.content.decode()
    draft = make_record("theme_day", submit=False, minutes="")
    refused = client.post(f"/records/{draft.pk}/submit/", {"confirmed": "1"})
    assert refused.status_code == 400 and "请填写会议记录" in refused.content.decode()


def test_star_pick_never_redirects_off_site(tree, make_record, client):
    record = make_record("theme_day")
    client.force_login(tree.users["district_admin"])
    response = client.post(f"/records/{record.pk}/star/", {"chosen_by_org": tree.district.pk,
                                                          "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"].startswith("/records/stars/manage/")
