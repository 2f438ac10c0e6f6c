"""The Open311 GeoReport v2 server (rules.md §8) at /open311/v2/, in JSON and XML by the path's suffix.

Anyone may read the categories and the published requests (`selectors.public_cases()`, published fields only, never
contact details); a client application posts requests with the key the system administrator issued it. Every
answer that is not a success is the standard error list; an empty optional parameter is an absent one.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .. import areas, deadlines, intake_config, publish, selectors, states
from ..configuration.services import open311_client_used, open311_key_hash
from ..intake import Intake, case_submit
from ..models import AttributeType, Channel, Open311Client, Service, ServiceAttribute
from .format import FORMATS, errors, respond

MAX_RECORDS = 1000  # the most requests one GET requests answers with
WINDOW = timedelta(days=90)  # the longest span of submission dates one GET requests covers
CHANGESET = "2026-12-01T00:00:00+08:00"  # when these endpoints last changed (service discovery)
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_FORMATS = ["text/xml", "application/json"]

_RECORD_RELATED = ("service", "area", "lead_unit", "owner_unit", "master", "master__lead_unit", "master__owner_unit")
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·]+")
# A query string's unencoded "+08:00" arrives as " 08:00".
_SPACED_OFFSET = re.compile(r"(T\d{2}(?::?\d{2}){0,2}(?:\.\d+)?) (\d{2}(?::?\d{2})?)$")
# Parameter names of the fields intake reports errors on.
_PARAMETERS = {"service": "service_code", "area": "address_id", "address": "address_string",
               "contact_name": "first_name/last_name"}


class Open311Error(Exception):
    """An answer in the standard error list: an HTTP status and one description per problem."""

    def __init__(self, status, *descriptions):
        super().__init__(*descriptions)
        self.status, self.descriptions = status, descriptions


def endpoint(*methods):
    """An Open311 view: the format from the path's suffix (a bad or missing one is a JSON 404), the HTTP method, the
    jurisdiction, and Open311Error answered as the standard error list. The view is called as view(request, fmt, …).
    No cookie or session is ever a credential here (only api_key), so CSRF protection does not apply."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, fmt=None, **kwargs):
            if fmt not in FORMATS:
                return errors("json", 404, [_("不支持的格式：请在地址末尾加上 .json 或 .xml")])
            if request.method not in methods:
                response = errors(fmt, 405, [_("该接口不接受 {method} 请求").format(method=request.method)])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _check_jurisdiction(request.POST if request.method == "POST" else request.GET)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return errors(fmt, exc.status, exc.descriptions)

        return wrapped

    return decorate


@csrf_exempt
def not_found(request):
    """Any other address under /open311/: the standard 404, in XML when the path asks for it."""
    return errors("xml" if request.path.endswith(".xml") else "json", 404, [_("没有这个接口")])


def _param(params, name) -> str:
    return (params.get(name) or "").strip()


def _list(params, name) -> list[str]:
    return [item.strip() for item in _param(params, name).split(",") if item.strip()]


def _check_jurisdiction(params):
    jurisdiction = _param(params, "jurisdiction_id")
    if settings.OPEN311_JURISDICTION and jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION:
        raise Open311Error(404, _("没有这个辖区：{jurisdiction}").format(jurisdiction=jurisdiction))


def _datetime(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# ---- service discovery and services ----

@endpoint("GET", "HEAD")
def discovery(request, fmt):
    contact = settings.OPEN311_CONTACT
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _("接入密钥（api_key）由系统管理员发放，请联系{contact}申请").format(contact=contact),
        "endpoints": [{
            "specification": SPECIFICATION, "url": request.build_absolute_uri(reverse("open311:v2")),
            "changeset": CHANGESET, "type": "production", "formats": CONTENT_FORMATS,
        }],
    })


@endpoint("GET", "HEAD")
def services(request, fmt):
    rows = Service.objects.filter(is_active=True).annotate(
        has_attributes=Exists(ServiceAttribute.objects.filter(service=OuterRef("pk"))))
    return respond(fmt, "services", [{
        "service_code": s.code, "service_name": s.name, "description": s.description, "metadata": s.has_attributes,
        "type": "realtime", "keywords": s.keywords, "group": s.group,
    } for s in rows])


def _active_service(code):
    return Service.objects.filter(code=code, is_active=True).first() if code else None


@endpoint("GET", "HEAD")
def service_definition(request, fmt, service_code):
    service = _active_service(service_code)
    if service is None:
        raise Open311Error(404, _("没有代码为“{code}”的诉求类别").format(code=service_code))
    return respond(fmt, "service_definition", {"service_code": service.code, "attributes": [{
        "variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
        "datatype_description": a.datatype_description, "order": a.order, "description": a.description,
        "values": [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in a.values],
    } for a in service.attributes.all()]})


# ---- requests ----

@endpoint("GET", "HEAD", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _submit(request, fmt)
    cases = selectors.public_cases().filter(_filters(request.GET)).select_related(*_RECORD_RELATED)
    return respond(fmt, "service_requests", [_record(c) for c in cases.order_by("-submitted_at", "-id")[:MAX_RECORDS]])


@endpoint("GET", "HEAD")
def service_request(request, fmt, service_request_id):
    case = selectors.public_cases().select_related(*_RECORD_RELATED).filter(number=service_request_id).first()
    if case is None:
        raise Open311Error(404, _("没有受理编号为“{number}”的公开诉求").format(number=service_request_id))
    return respond(fmt, "service_requests", [_record(case)])


@endpoint("GET", "HEAD")
def tokens(request, fmt, token):
    try:
        case = selectors.public_cases().filter(token=uuid.UUID(token)).only("number", "token").first()
    except ValueError:
        case = None
    if case is None:
        raise Open311Error(404, _("没有这个令牌（token）"))
    return respond(fmt, "service_requests", [{"service_request_id": case.number, "token": str(case.token)}])


def _record(case) -> dict:
    """A request as published (GeoReport v2 request fields): never the submitter's name or contact details."""
    unit = publish.handling_unit(case)
    return {
        "service_request_id": case.number,
        "status": "open" if states.is_open(case) else "closed",
        "status_notes": publish.status_note(case),
        "service_name": case.service.name,
        "service_code": case.service.code,
        "description": publish.public_text(case.description),
        "agency_responsible": unit.name if unit else "",
        "service_notice": deadlines.service_notice(case.urgency),
        "requested_datetime": _datetime(case.submitted_at),
        "updated_datetime": _datetime(case.updated_at),
        "expected_datetime": _datetime(states.outcome(case).deadline),
        "address": publish.where(case),
        "address_id": case.area.code if case.area_id else "",
        "zipcode": "",
        "lat": publish.rounded(case.lat),
        "long": publish.rounded(case.lng),
        "media_url": case.media_url or "",
    }


def _filters(params) -> Q:
    """The GET requests filters as one condition. Listed request ids override the others; the submission dates are
    always bounded (the most recent 90 days by default) so the submitted_at index serves the query."""
    numbers = _list(params, "service_request_id")
    if numbers:
        return Q(number__in=numbers[:MAX_RECORDS])  # no more could be answered, and the query stays bounded
    problems = []
    condition = Q()
    try:
        start, end = _window(_when(params, "start_date"), _when(params, "end_date"))
        condition &= Q(submitted_at__gte=start, submitted_at__lte=end)
    except Open311Error as exc:
        problems += exc.descriptions
    codes = _list(params, "service_code")
    if codes:
        condition &= Q(service__code__in=codes)
    statuses = {s.lower() for s in _list(params, "status")}
    unknown = statuses - {"open", "closed"}
    if unknown:
        problems.append("status: " + _("状态只能是 open 或 closed，不能是 {values}").format(values=", ".join(sorted(unknown))))
    elif statuses == {"open"}:
        condition &= states.open_q()  # a merged request is as open as the request it was merged into
    elif statuses == {"closed"}:
        condition &= states.closed_q()
    if problems:
        raise Open311Error(400, *problems)
    return condition


def _when(params, name):
    """A W3C / ISO 8601 date or datetime parameter, in UTC; one without a time zone (or a plain date, meaning its
    first moment) is local time."""
    value = _param(params, name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(_SPACED_OFFSET.sub(r"\1+\2", value))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Open311Error(400, f"{name}: " + _("日期时间格式不正确：{value}（应如 2010-01-01T00:00:00Z）").format(value=value))


def _window(start, end):
    if start is None and end is None:
        end = timezone.now()
    try:
        if start is None:
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
    except OverflowError:
        raise Open311Error(400, ("end_date: " if start is None else "start_date: ") + _("日期超出范围"))
    if end < start:
        raise Open311Error(400, "end_date: " + _("结束时间不能早于开始时间"))
    if end - start > WINDOW:
        raise Open311Error(400, "end_date: " + _("查询时间跨度不能超过{days}天").format(days=WINDOW.days))
    return start, end


# ---- posting a request ----

def _submit(request, fmt):
    client = _client(_param(request.POST, "api_key"))
    open311_client_used(client)
    try:
        case, query_code = case_submit(intake=_intake(request.POST), channel=Channel.APP, client=client, request=request)
    except ValidationError as exc:  # SubmissionBlocked too: Open311 has 400 for every refusal
        raise Open311Error(400, *_descriptions(exc))
    # The notice goes to the resident through the client application: it carries the query code, with which
    # they can also follow and rate the case on the web.
    notice = _("{notice}；凭受理编号和查询码 {code} 可在网上查看进度、评价办理结果").format(
        notice=deadlines.service_notice(case.urgency), code=query_code)
    return respond(fmt, "service_requests", [{
        "service_request_id": case.number, "token": str(case.token), "service_notice": notice,
        "account_id": case.account_id or "",
    }])


def _client(key) -> Open311Client:
    if not key:
        raise Open311Error(403, "api_key: " + _("缺少接入密钥，请向系统管理员申请"))
    client = Open311Client.objects.filter(key_hash=open311_key_hash(key), is_active=True).first()
    if client is None:
        raise Open311Error(403, "api_key: " + _("接入密钥无效或已停用"))
    return client


def _descriptions(exc) -> list[str]:
    """One "parameter: message" per message of a ValidationError (a message not about a field stands alone)."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [message if field == NON_FIELD_ERRORS else f"{_PARAMETERS.get(field, field)}: {message}"
            for field, messages in exc.message_dict.items() for message in messages]


def _intake(params) -> Intake:
    """The posted parameters as an Intake; ValidationError, keyed by parameter, for what intake cannot judge."""
    problems = {}
    table = intake_config.current()  # the categories and areas in memory: no query for either
    code = _param(params, "service_code")
    service = table.services_by_code.get(code) if code else None
    if service is None:
        problems["service_code"] = (_("没有代码为“{code}”的诉求类别").format(code=code) if code
                                    else _("请提供诉求类别代码"))
    lat, lng = _coordinate(params, "lat", problems), _coordinate(params, "long", problems)
    if (lat is None) != (lng is None) and "lat" not in problems and "long" not in problems:
        problems["lat"] = _("lat 和 long 须同时提供")
    address, address_id = _param(params, "address_string"), _param(params, "address_id")
    area = None
    if address_id:
        area = table.by_code.get(address_id) or areas.by_code(address_id)  # not an area: check_area says so
        if area is None:
            problems["address_id"] = _("没有编码为“{code}”的区域").format(code=address_id)
    if not (_param(params, "lat") or _param(params, "long") or address or address_id):
        problems[NON_FIELD_ERRORS] = _("请提供问题位置：lat 和 long、address_string 或 address_id")
    email, media_url = _param(params, "email"), _param(params, "media_url")
    if email and not _valid(validate_email, email, 200):
        problems["email"] = _("电子邮箱格式不正确")
    if media_url and not _valid(URLValidator(schemes=("http", "https")), media_url, 500):
        problems["media_url"] = _("媒体地址须是 http 或 https 网址，且不超过500个字符")
    if problems:
        raise ValidationError(problems)
    return Intake(
        service=service, description=_param(params, "description"), area=area, address=address, lat=lat, lng=lng,
        share_location=lat is not None, contact_name=_contact_name(_param(params, "first_name"), _param(params, "last_name")),
        phone=_param(params, "phone"), attributes=_attributes(params, service), email=email,
        account_id=_param(params, "account_id"), device_id=_param(params, "device_id"), media_url=media_url,
    )


def _coordinate(params, name, problems):
    value = _param(params, name)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    limit = 90 if name == "lat" else 180
    if number is None or not number.is_finite() or not -limit <= number <= limit:
        problems[name] = _("坐标须是 -{limit} 到 {limit} 之间的数字").format(limit=limit)
        return None
    return number


def _valid(validator, value, max_length) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return len(value) <= max_length


def _contact_name(first, last) -> str:
    """first_name and last_name as one name: a Chinese name is family name then given name, with no space."""
    if first and last:
        return last + first if _CHINESE.fullmatch(first) and _CHINESE.fullmatch(last) else f"{first} {last}"
    return first or last


def _attributes(params, service) -> dict:
    """attribute[code] answers of the category's questions; a multivaluelist answer may repeat the parameter (also
    as attribute[code][]) or list its keys separated by commas."""
    answers = {}
    for attribute in service.attributes.all():
        values = [v for v in params.getlist(f"attribute[{attribute.code}]") + params.getlist(f"attribute[{attribute.code}][]")
                  if v.strip()]
        if values:
            answers[attribute.code] = values if attribute.datatype == AttributeType.MULTI and len(values) > 1 else values[-1]
    return answers
