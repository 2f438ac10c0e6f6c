"""Intake of cases: residents on the public form, client applications through Open311, and staff recording cases
received by phone, visit, letter or door-to-door visit. Every path validates the same way and writes in one
transaction with its audit rows; a resident's case that a routing rule places is accepted and dispatched at once
(CASE_AUTO_DISPATCH), so it reaches the responsible unit without waiting for a dispatcher — written in one step by
`services.case_open`, since residents wait on it (staff intake goes through `_create` and the general steps)."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core.crypto import keyed_hash
from apps.core.text import mask_phone

from . import deadlines, intake_config, numbers, photos, search, services
from .cleaning import check_description_length, clean_phone, clean_text
from .models import (
    OPEN_STATUSES,
    AttributeType,
    Case,
    CaseEvent,
    Channel,
    EventKind,
    PhotoStage,
    Service,
    Status,
    Urgency,
)
from .routing import route

DESCRIPTION_MAX = 4000  # Open311's limit, and the form's


class SubmissionBlocked(ValidationError):
    """A submission refused by the anti-abuse limits: the public form answers 429 (Too Many Requests); Open311,
    whose errors are 400, 403 or 404 only, answers 400."""


@dataclass
class Intake:
    """What a case is made of, from any channel, before validation."""

    service: Service
    description: str
    area: object = None  # an Organization: a township, or a village or community below it
    address: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None
    share_location: bool = False
    contact_name: str = ""
    phone: str = ""
    hide_name: bool = False
    urgency: str = ""
    attributes: dict = field(default_factory=dict)
    photos: list = field(default_factory=list)
    email: str = ""
    account_id: str = ""
    device_id: str = ""
    media_url: str = ""
    is_public: bool = True


# ---- validation ----

def check_area(area, table=None):
    """An area must be a township of a township unit, or a village/community directly below one (as the intake
    configuration in memory has them: `cases.intake_config`)."""
    if area is None:
        return None
    table = table or intake_config.current()
    if table.area(area.pk) is not None:
        return area
    raise ValidationError({"area": _("请选择本区的乡镇（街道）和村（社区）")})


def check_location(lat, lng):
    if lat is None and lng is None:
        return None, None
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"lat": _("位置坐标不正确")})
    return Decimal(lat).quantize(Decimal("0.000001")), Decimal(lng).quantize(Decimal("0.000001"))


def clean_attributes(service, raw: dict) -> dict:
    """The category's extra answers (Open311 attribute[code]) checked against its definition."""
    from datetime import datetime

    values, errors = {}, {}
    for attr in service.attributes.all():
        value = raw.get(attr.code)
        if isinstance(value, (list, tuple)):
            value = [str(v).strip() for v in value if str(v).strip()]
            if attr.datatype != AttributeType.MULTI and len(value) > 1:
                errors[f"attribute[{attr.code}]"] = _("“{question}”只能有一个回答").format(question=attr.description)
                continue
            if attr.datatype != AttributeType.MULTI:
                value = value[0] if value else ""
        elif value is not None:
            value = str(value).strip()
        if not value:
            if attr.required:
                errors[f"attribute[{attr.code}]"] = _("请回答：{question}").format(question=attr.description)
            continue
        keys = {str(v["key"]) for v in attr.values}
        if attr.datatype == AttributeType.SINGLE:
            if value not in keys:
                errors[f"attribute[{attr.code}]"] = _("“{question}”的选项不正确").format(question=attr.description)
        elif attr.datatype == AttributeType.MULTI:
            value = value if isinstance(value, list) else [v.strip() for v in value.split(",") if v.strip()]
            if not set(value) <= keys:
                errors[f"attribute[{attr.code}]"] = _("“{question}”的选项不正确").format(question=attr.description)
        elif attr.datatype == AttributeType.NUMBER:
            try:
                value = str(Decimal(str(value)))
            except ArithmeticError:
                errors[f"attribute[{attr.code}]"] = _("“{question}”应填写数字").format(question=attr.description)
        elif attr.datatype == AttributeType.DATETIME:
            try:
                datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                errors[f"attribute[{attr.code}]"] = _("“{question}”应填写日期时间，如 2026-12-01T09:30").format(
                    question=attr.description)
        else:
            value = clean_text(value, 2000 if attr.datatype == AttributeType.TEXT else 200,
                               field_name=f"attribute[{attr.code}]", label=attr.description)
        values[attr.code] = value
    if errors:
        raise ValidationError(errors)
    return values


def check_abuse(*, phone_hash, ip_hash, now, client=None):
    """The offline anti-abuse limits: per phone a day, per client address an hour, open cases per phone, and per
    Open311 client application an hour. One statement counts them all over the cases of that phone, and of that
    address and that application within the hour (each an index range: OR of the three indexes)."""
    client_hour = phone_day = phone_open = ip_hour = 0
    counts, where = [], []
    submitted = Case._meta.get_field("submitted_at")
    hour = submitted.get_db_prep_value(now - timedelta(hours=1), connection)
    day = submitted.get_db_prep_value(now - timedelta(hours=24), connection)
    opened = ", ".join(["%s"] * len(OPEN_STATUSES))
    # Written out rather than through the ORM: on the path residents wait on, compiling four filtered counts cost
    # twenty times what the database takes to answer them.
    if client is not None:
        where.append(("(open311_client_id = %s AND submitted_at >= %s)", [client.pk, hour]))
        counts.append(("open311_client_id = %s AND submitted_at >= %s", [client.pk, hour]))
    if phone_hash:
        where.append(("phone_hash = %s", [phone_hash]))
        counts.append(("phone_hash = %s AND submitted_at >= %s", [phone_hash, day]))
        counts.append((f"phone_hash = %s AND status IN ({opened})", [phone_hash, *OPEN_STATUSES]))
    if ip_hash:
        where.append(("(ip_hash = %s AND submitted_at >= %s)", [ip_hash, hour]))
        counts.append(("ip_hash = %s AND submitted_at >= %s", [ip_hash, hour]))
    if not where:
        return
    sql = (f"SELECT {', '.join(f'COUNT(CASE WHEN {c} THEN 1 END)' for c, _p in counts)} "
           f"FROM {connection.ops.quote_name(Case._meta.db_table)} WHERE {' OR '.join(w for w, _p in where)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for _c, ps in counts for p in ps] + [p for _w, ps in where for p in ps])
        found = list(cursor.fetchone())
    if client is not None:
        client_hour = found.pop(0)
    if phone_hash:
        phone_day, phone_open = found.pop(0), found.pop(0)
    if ip_hash:
        ip_hour = found.pop(0)
    if client is not None and client_hour >= settings.CASE_CLIENT_HOURLY_MAX:
        raise SubmissionBlocked(_("该应用每小时最多提交{n}件诉求，请稍后再试").format(n=settings.CASE_CLIENT_HOURLY_MAX))
    if phone_day >= settings.CASE_PHONE_DAILY_MAX:
        raise SubmissionBlocked(_("同一手机号24小时内最多提交{n}件诉求，请明天再试；情况紧急请直接拨打热线电话").format(
            n=settings.CASE_PHONE_DAILY_MAX))
    if phone_open >= settings.CASE_OPEN_PER_PHONE_MAX:
        raise SubmissionBlocked(_("该手机号已有{n}件诉求正在办理，请待办结后再提交新的诉求").format(n=phone_open))
    if ip_hour >= settings.CASE_IP_HOURLY_MAX:
        raise SubmissionBlocked(_("提交过于频繁：同一网络地址每小时最多提交{n}件诉求，请稍后再试").format(
            n=settings.CASE_IP_HOURLY_MAX))


def _validated(intake: Intake, *, phone_required, table=None):
    errors = {}

    def attempt(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})
            return None

    if intake.service is None or not intake.service.is_active:
        errors["service"] = [_("请选择诉求类别")]
    description = attempt(clean_text, intake.description, DESCRIPTION_MAX, field_name="description", label=_("问题描述"))
    description = attempt(check_description_length, description) if description else description
    address = attempt(clean_text, intake.address, 200, field_name="address", required=False, label=_("详细地址"))
    name = attempt(clean_text, intake.contact_name, 40, field_name="contact_name", required=False, label=_("联系人"))
    phone = attempt(clean_phone, intake.phone, required=phone_required)
    area = attempt(check_area, intake.area, table)
    location = attempt(check_location, intake.lat, intake.lng) or (None, None)
    attributes = attempt(clean_attributes, intake.service, intake.attributes) if "service" not in errors else {}
    for identifier in ("account_id", "device_id"):
        if len(getattr(intake, identifier) or "") > 64:
            errors[identifier] = [_("{name} 不能超过64个字符").format(name=identifier)]
    if len(intake.email or "") > 200:
        errors["email"] = [_("电子邮箱不能超过200个字符")]
    if intake.urgency and intake.urgency not in Urgency.values:
        errors["urgency"] = [_("时限类别不正确")]
    if len(intake.photos) > settings.CASE_PHOTOS_MAX:
        errors["photos"] = [_("最多上传{n}张照片").format(n=settings.CASE_PHOTOS_MAX)]
    cleaned_photos = []
    for upload in intake.photos if "photos" not in errors else []:
        photo = attempt(photos.clean_photo, upload, keep_location=intake.share_location)
        if photo is not None:
            cleaned_photos.append(photo)
    if errors:
        raise ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})
    lat, lng = location if intake.share_location else (None, None)
    if intake.share_location and lat is None:
        lat, lng = next((p.location for p in cleaned_photos if p.location), (None, None))
    return {
        "description": description, "address": address or "", "contact_name": name or "", "phone": phone or "",
        "area": area, "lat": lat, "lng": lng, "attributes": attributes or {}, "photos": cleaned_photos,
    }


# ---- writing ----

def _new_case(intake: Intake, cleaned, *, channel, now, ip=None, client=None, actor=None):
    """The case as submitted, unsaved, with the day's next number; and its query code (only its hash is kept)."""
    code = numbers.new_query_code()
    phone = cleaned["phone"]
    case = Case(
        number=numbers.next_number(timezone.localdate(now)), query_code_hash=numbers.hash_code(code),
        service=intake.service, urgency=intake.urgency or intake.service.urgency, channel=channel,
        description=cleaned["description"], attributes=cleaned["attributes"], area=cleaned["area"],
        address=cleaned["address"], lat=cleaned["lat"], lng=cleaned["lng"], contact_name=cleaned["contact_name"],
        hide_name=intake.hide_name, contact_phone=phone, phone_hash=keyed_hash(phone) if phone else "",
        phone_masked=mask_phone(phone), email=(intake.email or "").strip(),
        ip_hash=keyed_hash(ip) if ip else "", open311_client=client, account_id=intake.account_id,
        device_id=intake.device_id, media_url=intake.media_url, is_public=intake.is_public, submitted_at=now,
        updated_at=now,
        accept_due=now + deadlines.accept_limit(), created_by=actor,
        search_tokens=search.index_text(cleaned["description"], cleaned["address"]),
    )
    return case, code


def _create(intake: Intake, cleaned, *, channel, now, written, ip=None, client=None, actor=None, accepted=False):
    case, code = _new_case(intake, cleaned, channel=channel, now=now, ip=ip, client=client, actor=actor)
    if accepted:  # received by staff: accepted as it is recorded
        case.status, case.accepted_at, case.accept_on_time = Status.ACCEPTED, now, True
        case.deadline = now + deadlines.handling_limit(case.urgency)
    case.save()
    CaseEvent.objects.create(case=case, kind=EventKind.SUBMITTED, at=now, actor=actor, is_public=True,
                             data={"channel": channel})
    photos.store_photos(case, cleaned["photos"], PhotoStage.INTAKE, now, written)
    return case, code


def check_submission(intake: Intake, *, channel=Channel.WEB):
    """Every error case_submit would find in the submission itself, without writing anything (limits are not
    checked): the public form shows them together with a refused challenge, in one round."""
    _validated(intake, phone_required=channel == Channel.WEB)


def case_submit(*, intake: Intake, channel=Channel.WEB, ip=None, client=None, request=None, now=None):
    """A resident's case (web or Open311). Returns (case, query_code); SubmissionBlocked when a limit is reached.

    The fast path residents wait on: validated and routed from the configuration in memory (`cases.intake_config`),
    then one transaction — the locks of its limits, their counts, the number, and `services.case_open` writing the
    case already accepted and dispatched (CASE_AUTO_DISPATCH) with its timeline and audit rows."""
    now = now or timezone.now()
    table = intake_config.current()
    cleaned = _validated(intake, phone_required=channel == Channel.WEB, table=table)
    phone = cleaned["phone"]
    phone_hash = keyed_hash(phone) if phone else ""
    ip_hash = keyed_hash(ip) if ip and channel == Channel.WEB else ""
    placed = route(intake.service, cleaned["area"], table) if settings.CASE_AUTO_DISPATCH else None
    if placed is not None and placed.lead is None:
        placed = None  # no district unit configured: the case waits for a dispatcher
    written = []
    try:
        with transaction.atomic():
            # Counted and written in one transaction, one submitter at a time: parallel posts cannot slip past a limit.
            # Every key a limit counts by is locked, the Open311 application's too.
            _serialize(phone_hash, ip_hash, keyed_hash(f"open311-client:{client.pk}") if client is not None else "")
            check_abuse(phone_hash=phone_hash, ip_hash=ip_hash, now=now, client=client)
            case, code = _new_case(intake, cleaned, channel=channel, now=now, ip=ip, client=client)
            services.case_open(
                case=case, photos=cleaned["photos"], written=written, request=request, now=now,
                submit_note=_("群众通过{channel}提交").format(channel=Channel(channel).label),
                **({} if placed is None else {
                    "lead": placed.lead, "assisting": placed.assisting,
                    "note": _("按派单规则自动派单") if placed.rule else _("无匹配派单规则，转区级统筹")}))
    except BaseException:
        photos.discard_files(written)
        raise
    return case, code


def _serialize(*keys):
    """Submissions with the same phone or address wait for each other: a PostgreSQL advisory lock per key until the
    transaction ends (SQLite's immediate transactions already write one at a time). All keys in one statement, in
    a fixed order (PostgreSQL evaluates a select list left to right), so two submitters never wait on each other
    crosswise."""
    keys = sorted(k for k in keys if k)
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(keys)), [int(k[:15], 16) for k in keys])


def case_staff_intake(*, actor, unit, channel, intake: Intake, handle_here=False, request=None, now=None):
    """A case received by staff of `unit` (首接). It is accepted as recorded; the receiving unit then handles it
    itself, or it is dispatched by the routing rules. Returns (case, query_code) — the code is for the resident."""
    if channel not in Channel.values or channel in (Channel.WEB, Channel.APP):
        raise ValidationError({"channel": _("请选择来源渠道：电话、来访、来信或上门走访")})
    now = now or timezone.now()
    cleaned = _validated(intake, phone_required=False)
    written = []
    try:
        with transaction.atomic():
            case, code = _create(intake, cleaned, channel=channel, now=now, written=written, actor=actor, accepted=True)
            case.owner_unit = unit
            case.save(update_fields=["owner_unit"])
            CaseEvent.objects.create(case=case, kind=EventKind.ACCEPTED, at=now, actor=actor, unit=unit, is_public=True,
                                     data={"limit_hours": int(deadlines.handling_limit(case.urgency).total_seconds() // 3600)})
            audit_record(actor=actor, action=Action.CREATE, obj=case, after=snapshot(case), request=request,
                         note=_("{unit}受理（{channel}）").format(unit=unit.name, channel=Channel(channel).label))
            if handle_here:
                services.case_dispatch(actor=actor, case=case, lead=unit, request=request, now=now, note=_("首接单位自办"))
                services.case_sign(actor=actor, case=case, unit=unit, request=request, now=now)
            else:
                placed = route(case.service, case.area)
                if placed.lead is not None:
                    services.case_dispatch(actor=actor, case=case, lead=placed.lead, assisting=placed.assisting,
                                           request=request, now=now, note=_("按派单规则派单"))
    except BaseException:
        photos.discard_files(written)
        raise
    case.refresh_from_db()
    return case, code
