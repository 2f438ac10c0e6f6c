"""Every write of flowing members: `<entity>_<verb>(*, actor, …)`, atomic, validated with Chinese messages, audited in
the same transaction. A member's status (流动 / 失联 / back to 正常) changes only through apps.members.services, in the
transaction that opens or ends the record, under the member's row lock."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core.crypto import keyed_hash
from apps.core.idcard import IdNumberError, mask_id_number, parse_id_number
from apps.core.text import mask_phone, normalize_text
from apps.members import services as member_services
from apps.members.models import Member, MemberStatus

from . import flow_states as states
from .flow_models import ContactSearch, FlowIn, FlowOut, FlowReport, FlowStatus, LostContact, LostStatus, ReportWay


def _today():
    return timezone.localdate()


def _text(value, limit):
    return normalize_text(value)[:limit]


def _day(value, field, *, not_before=None, before_label=""):
    """A date of the past or today (and not before `not_before`), else a Chinese refusal on `field`."""
    if value is None:
        raise ValidationError({field: _("请填写日期")})
    if value > _today():
        raise ValidationError({field: _("日期不能晚于今天")})
    if not_before is not None and value < not_before:
        raise ValidationError({field: _("日期不能早于{what}（{day}）").format(what=before_label, day=not_before)})
    return value


def _locked_member(member):
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    if not member.is_current:
        raise ValidationError(_("该党员不是现有党员"))
    return member


def _set_status(actor, member, status, request, **fields):
    member_services.member_update(actor=actor, member=member, data={"status": status, **fields}, request=request)


# ---- 流出 ----

@transaction.atomic
def flow_out_open(*, actor, member, place, since, contact="", host_organization=None, host_name="",
                  request=None) -> FlowOut:
    """A member leaves to work far from home: the record opens and the member becomes 流动 (with place and contact)."""
    member = _locked_member(member)
    if member.status == MemberStatus.LOST_CONTACT:
        raise ValidationError(_("该党员处于失联状态，请先登记恢复联系"))
    if FlowOut.objects.filter(member=member, status=FlowStatus.OPEN).exists():
        raise ValidationError(_("该党员已有未结束的流出登记"))
    place, contact = _text(place, 120), _text(contact, 120)
    if not place:
        raise ValidationError({"place": _("请填写流动去向")})
    _day(since, "since", not_before=member.joined_on, before_label=_("入党日期"))
    if host_organization is not None and (not host_organization.is_branch or not host_organization.is_active):
        raise ValidationError({"host_organization": _("参加活动的党组织应为现存的党支部")})
    flow = FlowOut.objects.create(member=member, place=place, since=since, contact=contact,
                                  host_organization=host_organization,
                                  host_name="" if host_organization else _text(host_name, 120), opened_by=actor)
    _set_status(actor, member, MemberStatus.FLOWING, request, flow_place=place, flow_contact=contact)
    audit_record(actor=actor, action=Action.CREATE, obj=flow, after=snapshot(flow), request=request,
                 note=_("流出登记"))
    return flow


def _locked_flow(flow):
    return FlowOut.objects.select_for_update(of=("self",)).select_related("member__organization").get(pk=flow.pk)


@transaction.atomic
def flow_out_end(*, actor, flow, ended_on, note="", request=None) -> FlowOut:
    """The member is back (or settled: a transfer is the way then): the record ends and the member is 正常 again."""
    flow = _locked_flow(flow)
    before = snapshot(flow)
    states.out_enter(flow, "end")
    _day(ended_on, "ended_on", not_before=flow.since, before_label=_("外出日期"))
    member = _locked_member(flow.member)
    if member.status == MemberStatus.LOST_CONTACT:
        raise ValidationError(_("该党员处于失联状态，请先登记恢复联系"))
    flow.ended_on, flow.end_note = ended_on, _text(note, 200)
    flow.save(update_fields=["status", "ended_on", "end_note"])
    if member.status == MemberStatus.FLOWING:
        _set_status(actor, member, MemberStatus.NORMAL, request, flow_place="", flow_contact="")
    audit_record(actor=actor, action=Action.UPDATE, obj=flow, before=before, after=snapshot(flow), request=request,
                 note=_("流动党员返回"))
    return flow


@transaction.atomic
def flow_report_record(*, actor, flow, reported_on, way, content, request=None) -> FlowReport:
    """A report-back to the home organization (at least yearly); the record keeps the latest day for the flag."""
    flow = _locked_flow(flow)
    states.out_check(flow, "report")
    _day(reported_on, "reported_on", not_before=flow.since, before_label=_("外出日期"))
    if way not in ReportWay.values:
        raise ValidationError({"way": _("请选择汇报方式")})
    content = _text(content, 2000)
    if not content:
        raise ValidationError({"content": _("请填写汇报内容")})
    report = FlowReport.objects.create(flow=flow, reported_on=reported_on, way=way, content=content,
                                       recorded_by=actor)
    if flow.last_report_on is None or reported_on > flow.last_report_on:
        flow.last_report_on = reported_on
        flow.save(update_fields=["last_report_on"])
    audit_record(actor=actor, action=Action.CREATE, obj=report, after=snapshot(report), request=request,
                 note=_("登记流动党员汇报"))
    return report


# ---- 流入 ----

@transaction.atomic
def flow_in_register(*, actor, organization, data, request=None) -> FlowIn:
    """A member from elsewhere attached to a local branch for flowing members (or a project branch)."""
    errors = {}
    if organization is None or not organization.is_branch or not organization.is_active:
        errors["organization"] = _("请选择现存的党支部")
    elif not (organization.is_flowing or organization.is_project):
        errors["organization"] = _("流入党员应编入流动党员党支部或项目党支部")
    name = _text(data.get("name"), 60)
    if not name:
        errors["name"] = _("姓名不能为空")
    try:
        id_number = parse_id_number(data.get("id_number")).value
    except IdNumberError as exc:
        errors["id_number"] = str(exc)
        id_number = ""
    phone = _text(data.get("phone"), 20)
    if phone and not phone.replace("-", "").isdigit():
        errors["phone"] = _("联系电话只能包含数字和“-”")
    home = _text(data.get("home_organization"), 120)
    if not home:
        errors["home_organization"] = _("请填写原党组织")
    since, until = data.get("since"), data.get("until")
    try:
        _day(since, "since")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if until is not None and since is not None and until < since:
        errors["until"] = _("预计离开日期不能早于流入日期")
    if errors:
        raise ValidationError(errors)
    id_hash = keyed_hash(id_number)
    if Member.objects.filter(id_hash=id_hash).exists():
        raise ValidationError({"id_number": _("该身份证号是本平台党员，请由其所在党组织办理流出登记")})
    if FlowIn.objects.filter(id_hash=id_hash, status=FlowStatus.OPEN).exists():
        raise ValidationError({"id_number": _("该身份证号已有未结束的流入登记")})
    flow_in = FlowIn.objects.create(
        organization=organization, name=name, id_number=id_number, id_hash=id_hash,
        id_masked=mask_id_number(id_number), phone=phone, phone_masked=mask_phone(phone) if phone else "",
        home_organization=home, since=since, until=until, card_number=_text(data.get("card_number"), 40),
        registered_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=flow_in, after=snapshot(flow_in), request=request,
                 note=_("流入党员登记"))
    return flow_in


@transaction.atomic
def flow_in_end(*, actor, flow_in, ended_on, request=None) -> FlowIn:
    flow_in = FlowIn.objects.select_for_update(of=("self",)).select_related("organization").get(pk=flow_in.pk)
    before = snapshot(flow_in)
    states.in_enter(flow_in, "end")
    _day(ended_on, "ended_on", not_before=flow_in.since, before_label=_("流入日期"))
    flow_in.ended_on = ended_on
    flow_in.save(update_fields=["status", "ended_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=flow_in, before=before, after=snapshot(flow_in),
                 request=request, note=_("流入党员离开"))
    return flow_in


# ---- 失联 ----

@transaction.atomic
def lost_contact_open(*, actor, member, lost_on, note="", request=None) -> LostContact:
    """The organization lost contact with a member (正常 or 流动): the member becomes 失联, the former status kept."""
    member = _locked_member(member)
    if member.status not in (MemberStatus.NORMAL, MemberStatus.FLOWING):
        raise ValidationError(_("该党员已处于失联状态"))
    if LostContact.objects.filter(member=member, status=LostStatus.OPEN).exists():
        raise ValidationError(_("该党员已有未结束的失联登记"))
    _day(lost_on, "lost_on", not_before=member.joined_on, before_label=_("入党日期"))
    case = LostContact.objects.create(member=member, lost_on=lost_on, status_before=member.status,
                                      note=_text(note, 200), opened_by=actor)
    _set_status(actor, member, MemberStatus.LOST_CONTACT, request)
    audit_record(actor=actor, action=Action.CREATE, obj=case, after=snapshot(case), request=request,
                 note=_("失联党员登记"))
    return case


def _locked_case(case):
    return LostContact.objects.select_for_update(of=("self",)).select_related("member__organization").get(pk=case.pk)


@transaction.atomic
def lost_contact_search_record(*, actor, case, searched_on, method, searcher, result, request=None) -> ContactSearch:
    case = _locked_case(case)
    states.lost_check(case, "search")
    _day(searched_on, "searched_on", not_before=case.lost_on, before_label=_("失去联系日期"))
    method, searcher, result = _text(method, 60), _text(searcher, 60), _text(result, 200)
    errors = {k: _("请填写此项") for k, v in (("method", method), ("searcher", searcher), ("result", result)) if not v}
    if errors:
        raise ValidationError(errors)
    search = ContactSearch.objects.create(case=case, searched_on=searched_on, method=method, searcher=searcher,
                                          result=result, recorded_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=search, after=snapshot(search), request=request,
                 note=_("登记失联党员查找"))
    return search


@transaction.atomic
def lost_contact_close(*, actor, case, found_on, note="", request=None) -> LostContact:
    """Found again: the case ends and the member has the status they had before (流动 while still away, else 正常)."""
    case = _locked_case(case)
    before = snapshot(case)
    states.lost_enter(case, "close")
    _day(found_on, "found_on", not_before=case.lost_on, before_label=_("失去联系日期"))
    case.found_on, case.found_note = found_on, _text(note, 200)
    case.save(update_fields=["status", "found_on", "found_note"])
    member = Member.objects.select_for_update(of=("self",)).get(pk=case.member_id)
    if member.status == MemberStatus.LOST_CONTACT:  # a later change of status (停止党籍 …) is not undone here
        was_away = case.status_before == MemberStatus.FLOWING and member.flow_place  # the place is kept while lost
        back_to = MemberStatus.FLOWING if was_away else MemberStatus.NORMAL
        _set_status(actor, member, back_to, request)
    audit_record(actor=actor, action=Action.UPDATE, obj=case, before=before, after=snapshot(case), request=request,
                 note=_("失联党员恢复联系"))
    return case
