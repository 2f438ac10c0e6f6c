"""Open311 GeoReport v2: every endpoint in JSON and in XML (each XML answer parsed and compared with its JSON
twin), posting with a key, the filters and limits of GET requests, what is never published, and the keys' issue."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.cases import services
from apps.cases.configuration.services import open311_client_issue, open311_client_rotate, open311_client_used
from apps.cases.models import AttributeType, Case, Channel, Open311Client, Service, ServiceAttribute, Status
from apps.cases.open311 import views as open311

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# GeoReport v2's XML lists: the list element and the element of its items.
XML_LISTS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
             "endpoints": "endpoint", "formats": "format", "errors": "error"}
RECORD_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                 "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
                 "address", "address_id", "zipcode", "lat", "long", "media_url"]
OFFSET_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


def xml_data(node):
    """An XML answer as data: lists by GeoReport's list elements (checking their items' element), leaves as text."""
    if node.tag in XML_LISTS:
        assert all(child.tag == XML_LISTS[node.tag] for child in node), node.tag
        return [xml_data(child) for child in node]
    if len(node):
        return {child.tag: xml_data(child) for child in node}
    return node.text or ""


def as_text(value):
    """JSON data with each leaf written as XML writes it."""
    if isinstance(value, dict):
        return {key: as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_text(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def decode(response, fmt):
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    if fmt == "json":
        return json.loads(response.content)
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return xml_data(ET.fromstring(response.content))


def fetch(client, path, fmt, expect=200, **params):
    response = client.get(f"{BASE}{path}.{fmt}", params)
    assert response.status_code == expect, response.content.decode()
    return decode(response, fmt)


def read(client, path, expect=200, **params):
    """The JSON answer, once the XML answer is found to say the same."""
    data = fetch(client, path, "json", expect, **params)
    assert fetch(client, path, "xml", expect, **params) == as_text(data)
    return data


def send(client, fmt, data, expect=200):
    response = client.post(f"{BASE}requests.{fmt}", urlencode(data, doseq=True),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == expect, response.content.decode()
    return decode(response, fmt)


def refused(client, data, expect=400):
    """The error descriptions of a refused POST, the same in both formats."""
    answer = send(client, "json", data, expect)
    assert send(client, "xml", data, expect) == as_text(answer)
    assert {e["code"] for e in answer} == {expect}
    return [e["description"] for e in answer]


@pytest.fixture
def key(cases):
    return open311_client_issue(actor=None, name="随手拍")[1]


@pytest.fixture
def posting(key):
    """A complete request as a client application posts it, to vary per test."""
    def _posting(**changes):
        data = {"api_key": key, "service_code": "env", "lat": "29.562811", "long": "106.551556",
                "address_string": "甲村村委会门口", "description": "路边垃圾桶满了没人清理"}
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    return _posting


@pytest.fixture
def bins(cases):
    """The environment category with a required single-choice question and an optional multiple-choice one."""
    env = cases.services["env"]
    ServiceAttribute.objects.create(service=env, code="kind", description="垃圾类型", datatype=AttributeType.SINGLE,
                                    required=True, order=1, datatype_description="选一项",
                                    values=[{"key": "household", "name": "生活垃圾"}, {"key": "building", "name": "建筑垃圾"}])
    ServiceAttribute.objects.create(service=env, code="smell", description="是否有异味", datatype=AttributeType.MULTI,
                                    order=2, values=[{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}])
    return env


def record_of(client, number):
    [record] = read(client, f"requests/{number}")
    return record


# ---- discovery and services ----

def test_discovery(client, settings):
    settings.OPEN311_CONTACT = "区群众工作中心 023-12345"
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/discovery.{fmt}")
        assert response.status_code == 200
        data = decode(response, fmt)
        assert data["contact"] == "区群众工作中心 023-12345"
        assert "系统管理员" in data["key_service"]
        [endpoint] = data["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2/"
        assert endpoint["type"] == "production"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert datetime.fromisoformat(data["changeset"]).tzinfo is not None
    assert xml_data(ET.fromstring(client.get("/open311/discovery.xml").content)) == as_text(
        json.loads(client.get("/open311/discovery.json").content))


def test_service_list(client, cases, bins):
    Service.objects.filter(code="other").update(is_active=False)
    Service.objects.filter(code="env").update(keywords="垃圾,卫生", description="环境卫生问题")
    listed = read(client, "services")
    assert [s["service_code"] for s in listed] == ["env", "housing", "water"]
    env = listed[0]
    assert env == {"service_code": "env", "service_name": "环境卫生", "description": "环境卫生问题", "metadata": True,
                   "type": "realtime", "keywords": "垃圾,卫生", "group": "城乡建设"}
    assert listed[1]["metadata"] is False
    root = ET.fromstring(client.get(BASE + "services.xml").content)
    assert root.tag == "services" and root.find("service/metadata").text == "true"


def test_service_definition(client, bins):
    definition = read(client, "services/env")
    assert definition["service_code"] == "env"
    assert definition["attributes"] == [
        {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": True,
         "datatype_description": "选一项", "order": 1, "description": "垃圾类型",
         "values": [{"key": "household", "name": "生活垃圾"}, {"key": "building", "name": "建筑垃圾"}]},
        {"variable": True, "code": "smell", "datatype": "multivaluelist", "required": False, "datatype_description": "",
         "order": 2, "description": "是否有异味", "values": [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}]},
    ]
    root = ET.fromstring(client.get(BASE + "services/env.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/name").text == "生活垃圾"
    assert read(client, "services/water") == {"service_code": "water", "attributes": []}


def test_unknown_or_inactive_service_is_404(client, cases):
    Service.objects.filter(code="other").update(is_active=False)
    for code in ("nothing", "other"):
        [error] = read(client, f"services/{code}", expect=404)
        assert error["code"] == 404 and code in error["description"]


# ---- posting and reading back ----

def test_round_trip_json(client, cases, key, posting):
    [answer] = send(client, "json", posting(email="resident@example.com", account_id="acct-7", device_id="dev-8",
                                            first_name="学伦", last_name="杨", phone="13912345678",
                                            media_url="https://img.example.com/a.jpg"))
    case = Case.objects.get(number=answer["service_request_id"])
    notice = answer.pop("service_notice")
    assert answer == {"service_request_id": case.number, "token": str(case.token), "account_id": "acct-7"}
    # The notice carries the query code: with it the resident follows and rates the case on the web too.
    assert notice.startswith("受理后7天内答复；")
    from apps.cases.numbers import hash_code

    assert hash_code(re.search(r"查询码 (\w+)", notice).group(1)) == case.query_code_hash
    assert case.channel == Channel.APP and case.open311_client.name == "随手拍"
    assert (case.contact_name, case.contact_phone, case.email) == ("杨学伦", "13912345678", "resident@example.com")
    assert (case.lat, case.lng) == (Decimal("29.562811"), Decimal("106.551556"))
    assert (case.device_id, case.media_url) == ("dev-8", "https://img.example.com/a.jpg")
    assert Open311Client.objects.get().last_used_at is not None

    record = record_of(client, case.number)
    assert list(record) == RECORD_FIELDS
    assert record["service_request_id"] == case.number
    assert record["status"] == "open"
    assert record["service_code"] == "env" and record["service_name"] == "环境卫生"
    assert record["description"] == "路边垃圾桶满了没人清理"
    assert record["address"] == "甲村村委会门口" and record["address_id"] == "" and record["zipcode"] == ""
    assert (record["lat"], record["long"]) == (29.563, 106.552)  # published to about 100 m
    assert record["media_url"] == "https://img.example.com/a.jpg"
    assert record["service_notice"] == "受理后7天内答复"
    assert OFFSET_DATETIME.match(record["requested_datetime"]) and OFFSET_DATETIME.match(record["updated_datetime"])
    assert datetime.fromisoformat(record["requested_datetime"]) == case.submitted_at.replace(microsecond=0)
    assert read(client, f"tokens/{case.token}") == [{"service_request_id": case.number, "token": str(case.token)}]


def test_round_trip_xml(client, cases, key, posting):
    response = client.post(BASE + "requests.xml", urlencode(posting(account_id="acct-9")),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPES["xml"]
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests" and [child.tag for child in root] == ["request"]
    number, token = root.findtext("request/service_request_id"), root.findtext("request/token")
    assert root.findtext("request/account_id") == "acct-9" and root.findtext("request/service_notice")
    case = Case.objects.get(number=number)
    assert str(case.token) == token
    assert record_of(client, number)["address"] == "甲村村委会门口"
    for fmt in ("json", "xml"):
        assert as_text(fetch(client, f"tokens/{token}", fmt)) == [{"service_request_id": number, "token": token}]


def test_dispatched_request_shows_unit_and_deadline(client, cases, submit):
    case, _code = submit(lat=Decimal("29.5"), lng=Decimal("106.5"), share_location=True)
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    record = record_of(client, case.number)
    assert record["agency_responsible"] == "甲镇"
    assert record["status_notes"] == "待签收 · 承办单位：甲镇"
    assert record["address"] == "甲村" and record["address_id"] == "A0000002"
    assert (record["lat"], record["long"]) == (29.5, 106.5)
    assert OFFSET_DATETIME.match(record["expected_datetime"])
    assert datetime.fromisoformat(record["expected_datetime"]) == case.deadline.replace(microsecond=0)


def test_request_without_location_or_deadline_has_empty_elements(client, cases, submit):
    case, _code = submit(service="other")
    Case.objects.filter(pk=case.pk).update(deadline=None)
    record = record_of(client, case.number)
    assert record["lat"] is None and record["long"] is None and record["expected_datetime"] is None
    root = ET.fromstring(client.get(f"{BASE}requests/{case.number}.xml").content)
    assert root.find("request/lat").text is None and root.find("request/expected_datetime").text is None


def test_names_are_joined_by_script(client, cases, posting):
    for first, last, name in (("学伦", "杨", "杨学伦"), ("John", "Smith", "John Smith"), ("", "杨", "杨"), ("Ann", "", "Ann")):
        [answer] = send(client, "json", posting(first_name=first, last_name=last))
        assert Case.objects.get(number=answer["service_request_id"]).contact_name == name


def test_location_by_address_id(client, cases, posting, tree):
    [answer] = send(client, "json", posting(lat=None, long=None, address_string=None, address_id="A0000002"))
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.area == tree.branch_a and case.lat is None
    assert record_of(client, case.number)["address_id"] == "A0000002"


def test_empty_optional_parameters_are_absent_on_post(client, cases, posting):
    [answer] = send(client, "json", posting(address_string="", address_id="", email="", phone="", media_url="",
                                            first_name="", last_name="", account_id="", device_id="", jurisdiction_id=""))
    case = Case.objects.get(number=answer["service_request_id"])
    assert (case.address, case.area, case.email, case.contact_name, case.media_url) == ("", None, "", "", "")
    assert answer["account_id"] == ""
    assert refused(client, posting(lat="", long="", address_string="")) == [
        "请提供问题位置：lat 和 long、address_string 或 address_id"]


# ---- attributes ----

def test_required_attribute_missing(client, bins, posting):
    assert refused(client, posting()) == ["attribute[kind]: 请回答：垃圾类型"]
    assert refused(client, posting(**{"attribute[kind]": ""})) == ["attribute[kind]: 请回答：垃圾类型"]


def test_single_choice_with_a_wrong_key(client, bins, posting):
    assert refused(client, posting(**{"attribute[kind]": "plastic"})) == ["attribute[kind]: “垃圾类型”的选项不正确"]
    assert refused(client, posting(**{"attribute[kind]": "household", "attribute[smell]": ["day", "noon"]})) == [
        "attribute[smell]: “是否有异味”的选项不正确"]


def test_attributes_are_stored(client, bins, posting):
    for smell in (["day", "night"], "day,night"):
        [answer] = send(client, "json", posting(**{"attribute[kind]": "household", "attribute[smell]": smell}))
        case = Case.objects.get(number=answer["service_request_id"])
        assert case.attributes == {"kind": "household", "smell": ["day", "night"]}
    [answer] = send(client, "xml", posting(**{"attribute[kind]": "building", "attribute[smell][]": ["night"],
                                              "attribute[unknown]": "x"}))
    assert Case.objects.get(number=answer["service_request_id"]).attributes == {"kind": "building", "smell": ["night"]}


# ---- refusals ----

def test_missing_wrong_or_inactive_key_is_403(client, cases, key, posting):
    assert refused(client, posting(api_key=None), 403) == ["api_key: 缺少接入密钥，请向系统管理员申请"]
    assert refused(client, posting(api_key=""), 403) == ["api_key: 缺少接入密钥，请向系统管理员申请"]
    assert refused(client, posting(api_key="not-the-key"), 403) == ["api_key: 接入密钥无效或已停用"]
    Open311Client.objects.update(is_active=False)
    assert refused(client, posting(), 403) == ["api_key: 接入密钥无效或已停用"]
    assert not Case.objects.exists()


def test_bad_posts_are_400(client, cases, posting, tree):
    assert refused(client, posting(service_code=None)) == ["service_code: 请提供诉求类别代码"]
    assert refused(client, posting(service_code="nothing")) == ["service_code: 没有代码为“nothing”的诉求类别"]
    assert refused(client, posting(lat=None, long=None, address_string=None)) == [
        "请提供问题位置：lat 和 long、address_string 或 address_id"]
    assert refused(client, posting(long=None)) == ["lat: lat 和 long 须同时提供"]
    assert refused(client, posting(lat="north")) == ["lat: 坐标须是 -90 到 90 之间的数字"]
    assert refused(client, posting(long="NaN")) == ["long: 坐标须是 -180 到 180 之间的数字"]
    assert refused(client, posting(lat="95")) == ["lat: 坐标须是 -90 到 90 之间的数字"]
    assert refused(client, posting(description="")) == ["description: 请填写问题描述"]
    assert refused(client, posting(description="  <b></b> ")) == ["description: 请填写问题描述"]
    assert refused(client, posting(description="字" * 4001)) == ["description: 问题描述不能超过4000个字（现有4001个字）"]
    assert refused(client, posting(address_id="Z9999999")) == ["address_id: 没有编码为“Z9999999”的区域"]
    assert refused(client, posting(address_id=tree.group_a.code)) == ["address_id: 请选择本区的乡镇（街道）和村（社区）"]
    assert refused(client, posting(media_url="ftp://files.example.com/a.jpg")) == [
        "media_url: 媒体地址须是 http 或 https 网址，且不超过500个字符"]
    assert refused(client, posting(email="not-an-address")) == ["email: 电子邮箱格式不正确"]
    assert refused(client, posting(address_string="路" * 201)) == ["address_string: 详细地址不能超过200个字（现有201个字）"]
    assert refused(client, posting(first_name="名" * 30, last_name="姓" * 11)) == [
        "first_name/last_name: 联系人不能超过40个字（现有41个字）"]
    assert refused(client, posting(phone="12345")) == ["phone: 联系电话格式不正确：请填写11位手机号或带区号的固定电话"]
    assert refused(client, posting(service_code="", description="", lat="x")) == [
        "service_code: 请提供诉求类别代码", "lat: 坐标须是 -90 到 90 之间的数字"]
    assert not Case.objects.exists()


def test_blocked_submission_is_400(client, cases, posting, settings):
    settings.CASE_PHONE_DAILY_MAX = 1
    send(client, "json", posting(phone="13912345678"))
    [description] = refused(client, posting(phone="13912345678"))
    assert "24小时内最多提交1件" in description
    assert Case.objects.count() == 1


def test_jurisdiction(client, cases, posting, settings):
    settings.OPEN311_JURISDICTION = "yubei.gov.cn"
    assert read(client, "services", jurisdiction_id="yubei.gov.cn")
    assert read(client, "services", jurisdiction_id="")
    [error] = read(client, "services", expect=404, jurisdiction_id="elsewhere.gov")
    assert error["code"] == 404 and "elsewhere.gov" in error["description"]
    refused(client, posting(jurisdiction_id="elsewhere.gov"), 404)
    send(client, "json", posting(jurisdiction_id="yubei.gov.cn"))


def test_not_found_and_bad_suffix(client, cases, submit):
    case, _code = submit()
    for path in ("requests/QG2026010199999", f"tokens/{'0' * 8}-0000-0000-0000-{'0' * 12}", "tokens/not-a-token"):
        [error] = read(client, path, expect=404)
        assert error["code"] == 404
    for path in (f"{BASE}services.csv", f"{BASE}services", f"{BASE}requests/{case.number}", f"{BASE}requests.",
                 f"{BASE}tokens/{case.token}.html", "/open311/discovery"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"] == CONTENT_TYPES["json"]
        assert json.loads(response.content)[0]["code"] == 404
    response = client.get(BASE + "nothing.xml")
    assert response.status_code == 404 and xml_data(ET.fromstring(response.content))[0]["code"] == "404"


def test_wrong_method_is_a_standard_error(client, cases):
    for fmt in ("json", "xml"):
        response = client.post(f"{BASE}services.{fmt}", {})
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
        [error] = decode(response, fmt)
        assert str(error["code"]) == "405" and "POST" in error["description"]
    response = client.delete(BASE + "requests.json")
    assert response.status_code == 405 and json.loads(response.content)[0]["code"] == 405


# ---- GET requests: filters and limits ----

def _at(case, when):
    Case.objects.filter(pk=case.pk).update(submitted_at=when)


def numbers(client, **params):
    return [r["service_request_id"] for r in read(client, "requests", **params)]


def test_default_window_is_the_last_90_days(client, cases, submit):
    now = timezone.now()
    recent, old, older = submit()[0], submit()[0], submit()[0]
    _at(recent, now - timedelta(days=10))
    _at(old, now - timedelta(days=100))
    _at(older, now - timedelta(days=200))
    assert numbers(client) == [recent.number]
    start = (now - timedelta(days=120)).isoformat()
    assert numbers(client, start_date=start) == [old.number]
    assert numbers(client, end_date=(now - timedelta(days=50)).isoformat()) == [old.number]
    assert numbers(client, start_date=(now - timedelta(days=220)).isoformat(),
                   end_date=(now - timedelta(days=150)).isoformat()) == [older.number]


def test_span_over_90_days_and_bad_dates_are_400(client, cases):
    [error] = read(client, "requests", expect=400, start_date="2026-01-01T00:00:00Z", end_date="2026-04-02T00:00:00Z")
    assert error == {"code": 400, "description": "end_date: 查询时间跨度不能超过90天"}
    assert read(client, "requests", start_date="2026-01-01T00:00:00Z", end_date="2026-04-01T00:00:00Z") == []
    [error] = read(client, "requests", expect=400, start_date="2026-04-01", end_date="2026-01-01")
    assert error["description"] == "end_date: 结束时间不能早于开始时间"
    for value in ("yesterday", "2026-13-01", "2026-02-30T00:00:00Z"):
        [error] = read(client, "requests", expect=400, start_date=value)
        assert error["description"].startswith("start_date: 日期时间格式不正确")
    [error] = read(client, "requests", expect=400, end_date="0001-01-01")
    assert error["code"] == 400
    [error] = read(client, "requests", expect=400, start_date="9999-12-31T00:00:00")
    assert error["code"] == 400


def test_dates_without_a_zone_are_local_time(client, cases, submit):
    case = submit()[0]
    _at(case, datetime.fromisoformat("2026-06-01T00:30:00+08:00"))
    assert numbers(client, start_date="2026-06-01", end_date="2026-06-01T01:00") == [case.number]
    assert numbers(client, start_date="2026-06-01T00:31", end_date="2026-06-02") == []
    assert numbers(client, start_date="2026-05-31T16:00:00Z", end_date="2026-05-31T16:30:00Z") == [case.number]
    assert numbers(client, start_date="2026-05-31T16:31:00Z", end_date="2026-06-30T00:00:00Z") == []
    # An unencoded "+" of the offset arrives as a space.
    response = client.get(BASE + "requests.json?start_date=2026-06-01T00:00:00+08:00&end_date=2026-06-01T01:00:00+08:00")
    assert [r["service_request_id"] for r in json.loads(response.content)] == [case.number]


def test_at_most_1000_newest_first(client, cases, submit, monkeypatch):
    assert open311.MAX_RECORDS == 1000
    monkeypatch.setattr(open311, "MAX_RECORDS", 3)
    made = [submit()[0] for _ in range(5)]
    now = timezone.now()
    for i, case in enumerate(made):
        _at(case, now - timedelta(hours=10 - i))
    assert numbers(client) == [made[4].number, made[3].number, made[2].number]


def test_service_code_and_request_id_filters(client, cases, submit):
    env, water, other = submit()[0], submit(service="water")[0], submit(service="other")[0]
    assert set(numbers(client, service_code="env,water")) == {env.number, water.number}
    assert numbers(client, service_code="water") == [water.number]
    assert numbers(client, service_code="nothing") == []
    _at(other, timezone.now() - timedelta(days=400))
    # Listed ids override every other filter, the date window too.
    assert set(numbers(client, service_request_id=f"{other.number}, {env.number}", service_code="water",
                       status="closed", start_date="2020-01-01")) == {other.number, env.number}


def test_status_filter(client, cases, submit):
    open_case, closed_case = submit()[0], submit()[0]
    Case.objects.filter(pk=closed_case.pk).update(status=Status.ARCHIVED)
    assert numbers(client, status="open") == [open_case.number]
    assert numbers(client, status="closed") == [closed_case.number]
    assert set(numbers(client, status="open,closed")) == {open_case.number, closed_case.number}
    assert record_of(client, closed_case.number)["status"] == "closed"
    [error] = read(client, "requests", expect=400, status="pending")
    assert error == {"code": 400, "description": "status: 状态只能是 open 或 closed，不能是 pending"}


def test_empty_optional_parameters_are_absent_on_get(client, cases, submit):
    made = {submit()[0].number, submit(service="water")[0].number}
    assert set(numbers(client, service_request_id="", service_code="", start_date="", end_date="", status="",
                       jurisdiction_id="")) == made
    assert set(numbers(client, service_request_id=",", status=" ")) == made


def test_merged_request_follows_its_master(client, cases, submit):
    master, merged = submit()[0], submit()[0]
    services.case_merge(actor=cases.users["dispatcher"], case=merged, master=master)
    record = record_of(client, merged.number)
    assert record["status"] == "open"
    assert record["status_notes"] == f"已合并至 {master.number}（待签收） · 承办单位：甲镇"
    assert set(numbers(client, status="open")) == {master.number, merged.number}
    services.case_sign(actor=None, case=master, unit=cases.town_a)
    services.case_resolve(actor=None, case=master, unit=cases.town_a, answer="已清运")
    record = record_of(client, merged.number)
    assert record["status"] == "closed"
    assert record["status_notes"] == f"已合并至 {master.number}（已办结） · 承办单位：甲镇"
    assert numbers(client, status="open") == []
    assert set(numbers(client, status="closed")) == {master.number, merged.number}


def test_non_public_and_rejected_requests_never_appear(client, cases, submit):
    shown, hidden, rejected = submit()[0], submit()[0], submit()[0]
    Case.objects.filter(pk=hidden.pk).update(is_public=False)
    services.case_reject(actor=cases.users["dispatcher"], case=rejected, reason="不属于受理范围")
    assert numbers(client) == [shown.number]
    assert numbers(client, service_request_id=f"{hidden.number},{rejected.number},{shown.number}") == [shown.number]
    for case in (hidden, rejected):
        read(client, f"requests/{case.number}", expect=404)
        read(client, f"tokens/{case.token}", expect=404)


def test_no_personal_data_in_get_answers(client, cases, submit, posting):
    case = submit(contact_name="杨学伦", phone="13912345678", email="resident@example.com",
                  description="垃圾堆了一周，请打13912345678找我")[0]
    [answer] = send(client, "json", posting(first_name="学伦", last_name="欧阳", phone="13987654321", email="app@example.com",
                                            account_id="acct-secret", device_id="device-secret"))
    assert record_of(client, case.number)["description"] == "垃圾堆了一周，请打139****5678找我"
    for path in ("requests", f"requests/{case.number}", f"requests/{answer['service_request_id']}",
                 f"tokens/{case.token}"):
        for fmt in ("json", "xml"):
            body = client.get(f"{BASE}{path}.{fmt}").content.decode()
            for secret in ("杨学伦", "欧阳学伦", "13912345678", "13987654321", "resident@example.com", "app@example.com",
                           "acct-secret", "device-secret"):
                assert secret not in body, (path, fmt, secret)


def test_list_queries_do_not_grow_with_the_requests(client, cases, submit):
    master = submit()[0]
    services.case_merge(actor=cases.users["dispatcher"], case=submit()[0], master=master)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BASE + "requests.json").status_code == 200
        return len(queries)

    few = count()
    for service in ("water", "housing", "other"):
        submit(service=service)
    services.case_merge(actor=cases.users["dispatcher"], case=submit()[0], master=master)
    assert count() == few


# ---- keys ----

def test_issue_and_rotate(client, cases, posting):
    client_app, key = open311_client_issue(actor=cases.users["sysadmin"], name=" 便民App ", note="测试")
    assert client_app.name == "便民App" and client_app.key_prefix == key[:8] and key not in client_app.key_hash
    event = AuditEvent.objects.get(object_type="cases.open311client", object_id=str(client_app.pk))
    assert "key_hash" not in event.after and key not in json.dumps(event.after)
    with pytest.raises(ValidationError) as raised:
        open311_client_issue(actor=None, name="便民App")
    assert raised.value.message_dict == {"name": ["已有名为“便民App”的接入应用"]}
    send(client, "json", posting(api_key=key))
    new_key = open311_client_rotate(actor=cases.users["sysadmin"], client=client_app)
    assert new_key != key
    assert AuditEvent.objects.get(object_id=str(client_app.pk), action=AuditEvent.Action.UPDATE).note == "重新生成密钥"
    refused(client, posting(api_key=key), 403)
    send(client, "json", posting(api_key=new_key))


def test_issue_command(client, cases, posting):
    out = StringIO()
    call_command("issue_open311_key", "市民通", "--note", "区政务服务App", stdout=out)
    key, notice = out.getvalue().splitlines()
    assert "只显示这一次" in notice
    assert Open311Client.objects.get(name="市民通").note == "区政务服务App"
    [answer] = send(client, "json", posting(api_key=key))
    assert Case.objects.get(number=answer["service_request_id"]).open311_client.name == "市民通"
    with pytest.raises(CommandError, match="已有名为“市民通”的接入应用"):
        call_command("issue_open311_key", "市民通", stdout=StringIO())


def test_admin_issues_and_rotates_keys(client, cases, tree, posting):
    client.force_login(tree.users["sysadmin"])
    add = "/system/admin/cases/open311client/add/"
    page = client.get(add)
    assert page.status_code == 200 and b"key_hash" not in page.content
    response = client.post(add, {"name": "网格通", "note": "网格员App", "_save": "1"})
    assert response.status_code == 302
    [shown] = [str(m) for m in get_messages(response.wsgi_request) if "只显示这一次" in str(m)]
    key = shown.split("：", 1)[1]
    app = Open311Client.objects.get(name="网格通")
    assert app.key_prefix == key[:8] and app.is_active
    send(client, "json", posting(api_key=key))

    change = client.get(f"/system/admin/cases/open311client/{app.pk}/change/")
    assert change.status_code == 200 and app.key_hash.encode() not in change.content
    response = client.post("/system/admin/cases/open311client/", {"action": "rotate_keys", "_selected_action": [app.pk]})
    assert response.status_code == 302
    [shown] = [str(m) for m in get_messages(response.wsgi_request) if "新密钥" in str(m)]
    new_key = shown.split("：", 1)[1]
    refused(client, posting(api_key=key), 403)
    send(client, "json", posting(api_key=new_key))

    response = client.post(f"/system/admin/cases/open311client/{app.pk}/change/",
                           {"name": "网格通", "note": "停用", "_save": "1"})
    assert response.status_code == 302 and not Open311Client.objects.get(pk=app.pk).is_active
    assert list(AuditEvent.objects.filter(object_type="cases.open311client", object_id=str(app.pk)).order_by("id")
                .values_list("action", flat=True)) == ["create", "update", "update"]
    refused(client, posting(api_key=new_key), 403)


def test_admin_is_for_the_system_administrator(client, cases, tree):
    client.force_login(tree.users["district_admin"])
    response = client.get("/system/admin/cases/open311client/add/")
    assert response.status_code == 302 and not Open311Client.objects.exists()


def test_client_used_notes_the_time_of_that_client_only(cases):
    """open311_client_used (the posting view's one write): the client's last use, no other client's, and no audit row
    (the posted request is on its case's timeline)."""
    used, _key = open311_client_issue(actor=None, name="随手拍")
    idle, _key = open311_client_issue(actor=None, name="网格通")
    events = AuditEvent.objects.count()
    before = timezone.now()
    open311_client_used(used)
    used.refresh_from_db()
    idle.refresh_from_db()
    assert used.last_used_at is not None and used.last_used_at >= before
    assert idle.last_used_at is None
    assert AuditEvent.objects.count() == events
