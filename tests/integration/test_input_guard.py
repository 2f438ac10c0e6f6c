"""The input guard: NUL, control characters and direction overrides never reach a view that could store them;
deep or oversized JSON is refused before it is parsed; dates and months outside the accepted years are 4xx."""

import io
import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from apps.audit.models import AuditEvent
from apps.core import inputguard
from apps.core.api import JSONParser
from apps.core.idcard import make_id_number
from apps.core.middleware import InputGuardMiddleware
from apps.members.models import Member
from apps.orgs.models import Organization

BAD = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202d", "\u202e", "\u2066", "\u2069"]
# Harmless direction marks and zero-width characters: removed silently wherever text enters, never refused.
INVISIBLE = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def member_payload(tree, **kw):
    return {"name": "孙悟", "id_number": make_id_number("500102", date(1991, 2, 3), 501), "organization": tree.branch_a.pk,
            "category": "full", "status": "normal", "joined_on": "2015-07-01", "full_member_on": "2016-07-01",
            "ethnicity": "01", **kw}


@pytest.fixture
def api(tree):
    client = APIClient()
    client.force_authenticate(tree.users["district_admin"])
    return client


def audit_count():
    return AuditEvent.objects.exclude(action="login").count()


@pytest.mark.django_db
@pytest.mark.parametrize("char", BAD)
def test_api_refuses_control_and_direction_characters(tree, api, char):
    members, orgs, events = Member.objects.count(), Organization.objects.count(), audit_count()
    response = api.post("/api/members/", member_payload(tree, name=f"孙{char}悟"), format="json")
    assert response.status_code == 400
    assert "name" in response.json()["detail"] and inputguard.describe(char) in response.json()["detail"]
    org = {"name": f"新{char}支部", "kind": "branch", "domain": "village", "parent": tree.town_a.pk}
    assert api.post("/api/orgs/", org, format="json").status_code == 400
    # Nested keys and values, and the key itself.
    assert api.post("/api/orgs/", {**org, "name": "新支部", "extra": {"list": ["ok", f"x{char}"]}},
                    format="json").status_code == 400
    assert api.post("/api/orgs/", {**org, "name": "新支部", f"k{char}": 1}, format="json").status_code == 400
    assert api.patch(f"/api/orgs/{tree.branch_a.pk}/", {"name": f"甲{char}"}, format="json").status_code == 400
    # Form-encoded API bodies too (DRF re-reads the raw body: refused, not cleaned).
    assert api.post("/api/orgs/", {**org}, format="multipart").status_code == 400
    assert (Member.objects.count(), Organization.objects.count(), audit_count()) == (members, orgs, events)
    assert Organization.objects.get(pk=tree.branch_a.pk).name == "甲村党支部"


@pytest.mark.django_db
def test_tab_and_newlines_are_ordinary_text(tree, api):
    response = api.post("/api/orgs/", {"name": "新支部", "kind": "branch", "domain": "village", "parent": tree.town_a.pk,
                                       "unit_name": "甲厂\t乙厂"}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_lone_surrogate_in_json_is_refused(tree, api):
    body = json.dumps(member_payload(tree), ensure_ascii=False).replace('"孙悟"', '"\\ud800"')
    response = api.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 400 and "U+D800" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [21, 1000, 200_000])
def test_deep_json_is_refused_before_parsing(tree, api, depth):
    body = "[" * depth + "]" * depth
    response = api.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 400 and "嵌套" in response.json()["detail"]
    # The parser alone (DRF's default) refuses it too, without recursing.
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(body.encode()), "application/json", {})
    nested = '{"a":' * min(depth, 100_000) + "1" + "}" * min(depth, 100_000)  # within JSON_BODY_MAX_BYTES
    assert api.post("/api/orgs/", nested, content_type="application/json").status_code == 400


def test_depth_scan_ignores_brackets_in_strings():
    assert not inputguard.json_depth_exceeds(json.dumps({"a": "[" * 500, "b": ["{\\\"[" * 100]}))
    assert not inputguard.json_depth_exceeds("[" * 20 + "]" * 20)
    assert inputguard.json_depth_exceeds("[" * 21 + "]" * 21)


@pytest.mark.django_db
def test_json_larger_than_the_upload_limit_is_refused(tree, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = json.dumps(member_payload(tree, flow_place="x" * 3000))
    response = api.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 413 and "过大" in response.json()["detail"]
    with pytest.raises(ParseError):  # DRF reads the body itself: the parser keeps the same limit
        JSONParser().parse(io.BytesIO(body.encode()), "application/json", {})
    assert not Member.objects.filter(name="孙悟").exists()


@pytest.mark.django_db
def test_path_and_query_string(tree, client):
    client.force_login(tree.users["district_admin"])
    for url in ["/members/%07/", "/orgs/%E2%80%AE/", "/members/%0D%0A/"]:
        response = client.get(url)
        assert response.status_code == 400 and "不允许的字符" in response.content.decode(), url
    for query in [{"q": "张\u202e三"}, {"q": "\x00"}, {"q\x07": "1"}]:
        response = client.get("/members/", query)
        assert response.status_code == 400 and "不允许的字符" in response.content.decode()
    assert client.get("/members/", {"q": "张\t三"}).status_code == 200
    assert client.get("/api/members/", {"q": "\x1b"}).json()["detail"].startswith("“q”")


@pytest.mark.django_db
def test_page_forms_are_cleaned_but_nul_is_refused(tree, client):
    client.force_login(tree.users["district_admin"])
    data = {"name": "新\u202e支\x07部", "kind": "joint_branch", "domain": "village", "covered_units": "甲厂\r\n乙厂"}
    response = client.post(f"/orgs/{tree.town_a.pk}/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(name="新支部")
    assert org.covered_units == "甲厂\r\n乙厂"
    before = (Organization.objects.count(), audit_count())
    response = client.post(f"/orgs/{tree.town_a.pk}/new/", {**data, "name": "又一个\x00支部"})
    assert response.status_code == 400 and "U+0000" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "district_admin\x00", "password": "x"})
    assert response.status_code == 400
    assert (Organization.objects.count(), audit_count()) == before


def test_multipart_file_contents_pass_and_file_names_are_cleaned():
    seen = {}

    def view(request):
        upload = request.FILES["file"]
        seen.update(name=upload.name, content=upload.read(), note=request.POST["note"])
        return HttpResponse("ok")

    upload = SimpleUploadedFile("报表\u202exslx.exe", b"\x00\x07binary", content_type="application/octet-stream")
    request = RequestFactory().post("/members/import/", {"file": upload, "note": "第一批\x0b导入"})
    assert InputGuardMiddleware(view)(request).status_code == 200
    assert seen == {"name": "报表xslx.exe", "content": b"\x00\x07binary", "note": "第一批导入"}


@pytest.mark.django_db
def test_open311_refusal_and_xml_are_well_formed(client):
    response = client.get("/open311/v2/requests/%07.xml")
    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and "U+0007" in root.find("error/description").text
    response = client.post("/open311/v2/requests.json", "description=a%00b&service_code=x",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "U+0000" in response.json()[0]["description"]
    assert json.loads(client.get("/open311/v2/requests/%E2%80%AE.json").content)[0]["code"] == 400
    from apps.cases.models import Case

    for description in ["路灯坏了\u202e", "路灯\x07坏了"]:  # a case sent by an Open311 client: refused, none created
        response = client.post("/open311/v2/requests.xml", {"service_code": "env", "description": description})
        assert response.status_code == 400 and ET.fromstring(response.content).tag == "errors"
    assert not Case.objects.exists()


def test_open311_xml_writer_drops_characters_xml_cannot_hold():
    from apps.cases.open311.format import encode

    text = encode("xml", "service_requests", [{"description": "垃圾\x07桶\x1b满了\u202e", "status_notes": "ok\tyes"}])
    node = ET.fromstring(text.split("\n", 1)[1]).find("request")
    assert node.find("description").text == "垃圾桶满了" and node.find("status_notes").text == "ok\tyes"


# ---- out-of-range months and dates ----

@pytest.mark.django_db
def test_months_and_dates_out_of_range_are_400(tree, client):
    client.force_login(tree.users["district_admin"])
    for month in ["2026-13", "99999-01", "0000-01", "0001-01", "9999-12", "2026-00", "-1"]:
        for url in ["/records/calendar/", "/records/stars/manage/"]:
            response = client.get(url, {"month": month})
            assert response.status_code == 400, (url, month, response.status_code)
            assert "月" in response.content.decode() or "日期" in response.content.decode()
    assert client.get("/records/calendar/", {"month": "2026-1"}).status_code == 200
    for period in ["2026-13", "0000", "9999Q4", "9999-12-31~9999-12-31", "2026-02-30~2026-03-01", "99999"]:
        assert client.get("/records/compliance/", {"period": period}).status_code == 400, period
        assert client.get("/api/compliance/", {"period": period, "org": tree.district.pk}).status_code == 400, period
    for value in ["9999-12-31", "0001-01-01", "0000-01-01", "1899-12-31"]:
        assert client.get("/records/", {"held_from": value, "held_to": value}).status_code < 500
        assert client.get("/audit/", {"date_from": value}).status_code < 500
        response = client.post(f"/orgs/{tree.branch_b.pk}/dissolve/", {"dissolved_on": value, "dissolve_reason": "合并"})
        assert response.status_code == 400, value
        assert value == "0000-01-01" or "日期超出范围" in response.content.decode(), value  # year 0 is no date at all
    assert not Organization.objects.filter(pk=tree.branch_b.pk, dissolved_on__isnull=False).exists()


@pytest.mark.django_db
def test_api_dates_out_of_range_are_400(tree, api):
    for value in ["9999-12-31", "0001-01-01", "1899-12-31"]:
        response = api.post("/api/members/", member_payload(tree, joined_on=value), format="json")
        assert response.status_code == 400 and "joined_on" in response.json(), value
    assert not Member.objects.filter(name="孙悟").exists()


def test_parse_month():
    from apps.core.dates import parse_month

    assert parse_month("2026-1") == date(2026, 1, 1) and parse_month(" 2026-11 ") == date(2026, 11, 1)
    for bad in ["2026-13", "99999-01", "0000-01", "2026", "", "2026-1-1", "1899-12", "2101-01"]:
        with pytest.raises(ValueError):
            parse_month(bad)


@pytest.mark.django_db
def test_numbers_beyond_64_bits_match_nothing(tree, client):
    assert not Organization.objects.filter(pk__in=[10**30, -(10**30)]).exists()
    assert list(Organization.objects.filter(pk__in=[10**30, tree.branch_a.pk])) == [tree.branch_a]
    # A multiple choice posted with such a number is a form error, not a database error.
    from django import forms

    field = forms.ModelMultipleChoiceField(queryset=Organization.objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean(["9" * 30])


@pytest.mark.django_db
def test_cookies_and_token_header_with_nul(tree):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abc\x00defghijk"
    assert client.get("/members/").status_code == 302  # the cookie is ignored: not signed in
    assert client.get("/report/").status_code == 200
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Token abc\x00def")
    response = client.get("/api/members/")
    assert response.status_code == 400 and "Authorization" in response.json()["detail"]


def test_api_parser_refuses_what_the_guard_refuses():
    parser = JSONParser()
    assert parser.parse(io.BytesIO('{"a": ["甲\\t乙\\n"]}'.encode()), "application/json", {}) == {"a": ["甲\t乙\n"]}
    for body in ['{"a": ["x\\u0007"]}', '{"a\\u202e": 1}', '"\\ud800"', '{"a": NaN}', "[" * 30 + "]" * 30, "{"]:
        with pytest.raises(ParseError):
            parser.parse(io.BytesIO(body.encode()), "application/json", {})


# ---- H1: the JSON scan is linear; JSON bodies have their own cap ----

ADVERSARIAL_JSON = [
    # An unclosed string of escaped quotes: the old token regex restarted at every quote (38 s at 80 KB).
    lambda n: "[]" * 21 + '"' + '\\"' * (n // 2),
    lambda n: "[]" * 21 + '"\\' * (n // 2),
    lambda n: "[]" * 21 + '"' * n,
    lambda n: "[]" * (n // 2),  # a million empty pairs: no Python loop per bracket
    lambda n: "[" * n,
    lambda n: '{"a":' * (n // 5),
]


@pytest.mark.parametrize(("make", "too_deep"), list(zip(ADVERSARIAL_JSON, (False, False, False, False, True, True))))
def test_depth_scan_of_2_mb_ends(make, too_deep):
    """A guard against a hang, not a speed figure: the scan is a fixed number of C-level passes (≈50 ms for 2 MB),
    a quadratic one (a backtracking pattern, a pass per bracket) takes hours on these bodies, so a bound 100× the
    linear time catches it and no busy machine comes near it."""
    import time

    started = time.perf_counter()
    assert inputguard.json_depth_exceeds(make(2_000_000)) is too_deep
    assert time.perf_counter() - started < 5.0


@pytest.mark.django_db
def test_adversarial_2_mb_body_is_judged_quickly_before_authentication(settings):
    import time

    settings.JSON_BODY_MAX_BYTES = 4 * 1024 * 1024  # past the cap, to time the scan itself
    client = APIClient()
    for make in ADVERSARIAL_JSON:
        body = make(2_000_000)
        started = time.perf_counter()
        response = client.post("/api/members/", body, content_type="application/json")
        assert time.perf_counter() - started < 2.0
        assert response.status_code in (400, 401, 403)


def test_depth_scan_agrees_with_the_parser():
    cases = {
        '{"a": "]]]]", "b": [[["\\\\"]]], "c": "\\"[[["}': 4,
        '[' * 20 + '"' + "]" * 40 + '"' + "]" * 20: 20,
        '{"k": ' * 20 + "1" + "}" * 20: 20,
        "[[], [[]], {}, [{}]]": 3,
    }
    for text, depth in cases.items():
        json.loads(text)  # valid JSON
        assert not inputguard.json_depth_exceeds(text, depth), text
        assert inputguard.json_depth_exceeds(text, depth - 1), text


@pytest.mark.django_db
def test_json_bodies_have_their_own_cap(tree, api, settings):
    settings.JSON_BODY_MAX_BYTES = 1000
    body = json.dumps(member_payload(tree), indent=120)  # over 1 KB by white space: any byte counts
    response = api.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 413 and "JSON" in response.json()["detail"] and "过大" in response.json()["detail"]
    with pytest.raises(ParseError) as refused:  # the parser alone: 413 too
        JSONParser().parse(io.BytesIO(body.encode()), "application/json", {})
    assert refused.value.status_code == 413
    response = APIClient().post("/api/members/", body, content_type="application/json")  # before authentication
    assert response.status_code == 413
    assert not Member.objects.filter(name="孙悟").exists()
    settings.JSON_BODY_MAX_BYTES = len(body)
    response = api.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 201, response.json()


# ---- M1: PUT/PATCH form bodies and imports ----

@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "put"])
def test_put_and_patch_form_bodies_are_guarded(tree, api, method):
    from urllib.parse import urlencode

    member = tree.member_a
    events = audit_count()
    send = getattr(api, method)
    url = f"/api/members/{member.pk}/"
    data = {"name": "张\u202e\x01四"} if method == "patch" else member_payload(tree, name="张\u202e\x01四")
    response = send(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "U+202E" in response.json()["detail"]
    assert send(url, data, format="multipart").status_code == 400
    member.refresh_from_db()
    assert member.name == "张三" and audit_count() == events
    # Invisible characters in a form body: removed, the rest saved.
    response = api.patch(url, urlencode({"name": "张\u200b\u200f四"}), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert member.name == "张四"


@pytest.mark.django_db
def test_import_rows_store_no_unsafe_or_invisible_character(tree, login):
    from apps.core.models import Job
    from apps.members.tests.test_excel import _row, _xlsx

    client = login(tree.users["town_a_admin"])
    rows = [_row(姓名="赵\u202e一\u200b\u2066", 手机号="\u202a138\u200b1234\u200d5678\u202c")]
    response = client.post("/members/import/", {"file": _xlsx(rows)})
    job = Job.objects.get(pk=response.url.split("/")[2])
    assert job.status == "succeeded", job.result
    member = Member.objects.get(name="赵一")
    assert member.phone == "13812345678"
    for field in ("name", "phone", "name_pinyin"):
        value = getattr(member, field, "") or ""
        assert not inputguard.first_unsafe(value) and inputguard.strip_invisible(value) == value, field


def test_normalize_text_strips_what_the_guard_refuses_or_removes():
    from apps.core.excel import text_cell
    from apps.core.text import normalize_text

    assert normalize_text("\ufeff张\x00\x01三\u202e \u200b李\u2066四\u200f") == "张三 李四"
    assert text_cell("138\u200b0013\u200b8000") == "13800138000"


# ---- L4 and M6: direction marks and zero-width characters are removed, not refused ----

def test_invisible_characters_and_the_emoji_joiner():
    assert inputguard.strip_invisible("138\u200b0013\u200d8000\u2060") == "13800138000"
    assert inputguard.strip_invisible("\u200d1\u200d") == "1"
    family, flame = "👨\u200d👩\u200d👧", "❤\ufe0f\u200d🔥"
    assert inputguard.strip_invisible(f"{family} {flame}") == f"{family} {flame}"  # ZWJ between emoji stays
    for char in INVISIBLE:
        assert inputguard.first_unsafe(f"a{char}b") is None and inputguard.strip_invisible(f"a{char}b") == "ab"
    for char in BAD:
        assert inputguard.first_unsafe(f"a{char}b") == char


@pytest.mark.django_db
def test_marked_name_and_phone_searches_work(tree, client, api):
    client.force_login(tree.users["district_admin"])
    for query in ["\u202a张三\u202c", "\u200f张三\u200e", "\u202b张\u200b三\u202c"]:
        response = client.get("/members/", {"q": query})
        assert response.status_code == 200 and "张三" in response.content.decode() and "李四" not in response.content.decode()
        response = api.get("/api/members/", {"q": query})
        assert response.status_code == 200 and [m["name"] for m in response.json()["results"]] == ["张三"]
    for phone in ["\u202a13800138000\u202c", "\u200e138\u200b0013\u200b8000\u200e"]:
        response = api.post("/api/members/search/", {"q": phone}, format="json")
        assert response.status_code == 200 and [m["name"] for m in response.json()["results"]] == ["张三"], phone
        response = client.post("/members/", {"q": phone}, follow=True)
        assert response.status_code == 200 and "张三" in response.content.decode()
    # Dangerous overrides are still refused in query strings.
    assert client.get("/members/", {"q": "\u202d张三"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_removed_from_every_input(tree, client, api, char):
    org = {"name": f"新{char}支{char}部", "kind": "branch", "domain": "village", "parent": tree.town_a.pk,
           "unit_name": f"甲{char}厂"}
    response = api.post("/api/orgs/", org, format="json")
    assert response.status_code == 201, response.json()
    assert Organization.objects.filter(name="新支部", unit_name="甲厂").count() == 1
    assert api.post("/api/orgs/", {**org, "name": f"二{char}支部"}, format="multipart").status_code == 201
    assert Organization.objects.filter(name="二支部").exists()
    client.force_login(tree.users["district_admin"])
    page = {"name": f"三{char}支部", "kind": "joint_branch", "domain": "village", "covered_units": f"甲厂{char}"}
    assert client.post(f"/orgs/{tree.town_a.pk}/new/", page).status_code == 302
    assert Organization.objects.filter(name="三支部", covered_units="甲厂").exists()


# ---- L1: numbers in the request are ASCII digits within 64 bits ----

def test_parse_pk():
    from apps.core.lookups import parse_pk

    assert parse_pk("12") == 12 and parse_pk(" 7 ") == 7 and parse_pk(5) == 5 and parse_pk("0") == 0
    assert parse_pk(str(2**63 - 1)) == 2**63 - 1
    for bad in ["²", "٣", "１２", "1²", "", None, "-1", "+1", "1.0", "1e3", "9" * 30, str(2**63), 2**63, -1, True, "0x1"]:
        assert parse_pk(bad) is None, bad


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "٣", "１２", "9" * 30])
def test_unicode_digits_in_ids_are_not_found_not_500(tree, client, value):
    from django.test import Client

    anonymous = Client(raise_request_exception=False)
    for url, params in [("/report/villages/", {"township": value}), ("/report/attributes/", {"service": value}),
                        ("/report/cases/", {"area": value, "service": value})]:
        assert anonymous.get(url, params).status_code < 500, url
    client.force_login(tree.users["district_admin"])
    client.raise_request_exception = False
    for url, params in [("/members/new/", {"org": value}), ("/api/orgs/", {"parent": value}),
                        ("/evaluations/new/", {"org": value})]:
        assert client.get(url, params).status_code < 500, url
    member = tree.member_a
    response = client.post(f"/members/{member.pk}/edit/", {"name": "张三", "organization_pk": value, "organization": value})
    assert response.status_code < 500
    member.refresh_from_db()
    assert member.organization_id == tree.branch_a.pk
