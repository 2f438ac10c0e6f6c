"""Every write of transfers and letters: `<entity>_<verb>(*, actor, …)`, atomic, validated with Chinese messages,
audited in the same transaction. A member moves only through apps.members.services (it keeps the stored counts)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core import jobs
from apps.core.models import Job
from apps.dues import payment_services as dues_services
from apps.members import services as member_services
from apps.members.models import Member

from . import transfer_selectors as selectors
from . import transfer_states as states
from .transfer_models import (
    LETTER_FIELDS,
    DocumentStatus,
    IncomingLetter,
    IntroductionLetter,
    IssuedDocument,
    LetterTemplate,
    NumberSequence,
    Reach,
    Series,
    Transfer,
    TransferStatus,
)

SERIES_PREFIX = {Series.LETTER: "介", Series.CERTIFICATE: "证", Series.FLOW_CARD: "流"}


def _today():
    return timezone.localdate()


def _check_destination(member, to_organization):
    if to_organization is None:
        raise ValidationError({"to_organization": _("请填写接收党组织的组织编码")})
    if not to_organization.is_active or not to_organization.is_branch:  # 联合、临时党支部 too
        raise ValidationError({"to_organization": _("接收党组织应为现存的党支部")})
    if to_organization.pk == member.organization_id:
        raise ValidationError({"to_organization": _("接收党组织不能是党员现在所在的党组织")})


def _locked_member(member):
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    if not member.is_current:
        raise ValidationError(_("该党员不是现有党员，不能办理组织关系转接"))
    return member


@transaction.atomic
def transfer_issue(*, actor, member, to_organization, reason, request=None) -> Transfer:
    """The sending organization sends the member's relation to another branch of the platform."""
    member = _locked_member(member)
    _check_destination(member, to_organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写转接原因")})
    if Transfer.objects.filter(member=member, status__in=(TransferStatus.SENT, TransferStatus.REJECTED)).exists():
        raise ValidationError(_("该党员已有正在办理的组织关系转接"))
    transfer = Transfer.objects.create(
        member=member, from_organization=member.organization, to_organization=to_organization, reason=reason[:200],
        dues_paid_to=selectors.dues_paid_to(member), sent_on=_today(), sent_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=transfer, after=snapshot(transfer), request=request,
                 note=_("发出组织关系转接"))
    return transfer


def _locked(transfer):
    return Transfer.objects.select_for_update(of=("self",)).select_related(
        "member", "from_organization", "to_organization").get(pk=transfer.pk)


@transaction.atomic
def transfer_accept(*, actor, transfer, request=None) -> Transfer:
    """The receiving organization accepts: the member moves to it through the registry's services (counts kept)."""
    transfer = _locked(transfer)
    before = snapshot(transfer)
    states.enter(transfer, "accept")
    member = transfer.member
    if member.organization_id != transfer.from_organization_id:
        raise ValidationError(_("该党员已不在转出党组织，不能接收"))
    member_services.member_update(actor=actor, member=member,
                                  data={"organization": transfer.to_organization, "party_group": None},
                                  request=request)
    dues_services.standing_transferred_in(actor=actor, member=member, accepted_on=_today(), request=request)
    transfer.decided_on, transfer.decided_by, transfer.rejection_reason = _today(), actor, ""
    transfer.save(update_fields=["status", "decided_on", "decided_by", "rejection_reason"])
    audit_record(actor=actor, action=Action.DECIDE, obj=transfer, before=before, after=snapshot(transfer),
                 request=request, note=_("接收组织关系"))
    return transfer


@transaction.atomic
def transfer_reject(*, actor, transfer, reason, request=None) -> Transfer:
    transfer = _locked(transfer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因")})
    before = snapshot(transfer)
    states.enter(transfer, "reject")
    transfer.decided_on, transfer.decided_by, transfer.rejection_reason = _today(), actor, reason[:200]
    transfer.save(update_fields=["status", "decided_on", "decided_by", "rejection_reason"])
    audit_record(actor=actor, action=Action.RETURN, obj=transfer, before=before, after=snapshot(transfer),
                 request=request, note=_("退回组织关系转接"))
    return transfer


@transaction.atomic
def transfer_resend(*, actor, transfer, to_organization=None, reason="", request=None) -> Transfer:
    """The sender sends a rejected transfer again, to the same organization or another one."""
    transfer = _locked(transfer)
    before = snapshot(transfer)
    states.enter(transfer, "resend")
    member = _locked_member(transfer.member)
    to_organization = to_organization or transfer.to_organization
    _check_destination(member, to_organization)
    transfer.to_organization = to_organization
    if (reason or "").strip():
        transfer.reason = reason.strip()[:200]
    transfer.sent_on, transfer.sent_by, transfer.times_sent = _today(), actor, transfer.times_sent + 1
    transfer.dues_paid_to = selectors.dues_paid_to(member)
    transfer.decided_on, transfer.decided_by = None, None
    transfer.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=transfer, before=before, after=snapshot(transfer),
                 request=request, note=_("重新发出组织关系转接"))
    return transfer


@transaction.atomic
def transfer_withdraw(*, actor, transfer, request=None) -> Transfer:
    transfer = _locked(transfer)
    before = snapshot(transfer)
    states.enter(transfer, "withdraw")
    transfer.save(update_fields=["status"])
    audit_record(actor=actor, action=Action.UPDATE, obj=transfer, before=before, after=snapshot(transfer),
                 request=request, note=_("撤回组织关系转接"))
    return transfer


# ---- numbers ----

def next_number(organization, series, year) -> str:
    """The next number of the organization's series for the year, under the sequence row's lock (call inside the
    issuing transaction: a refusal later gives the number back)."""
    NumberSequence.objects.get_or_create(organization=organization, series=series, year=year)
    seq = NumberSequence.objects.select_for_update().get(organization=organization, series=series, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{SERIES_PREFIX[series]}{year}-{organization.code}-{seq.last:04d}"


# ---- letters out of the platform ----

def default_validity(reach) -> int:
    return settings.LETTER_VALIDITY_DAYS_OUTSIDE if reach == Reach.OUTSIDE else settings.LETTER_VALIDITY_DAYS_CITY


def _check_no_transfer_open(member):
    """No letter out of the platform while a transfer within it is open: the two would move the member twice. (A
    second letter is allowed: one lost or wrongly addressed is replaced; the list flags every 回执 not back.)"""
    if Transfer.objects.filter(member=member, status__in=(TransferStatus.SENT, TransferStatus.REJECTED)).exists():
        raise ValidationError(_("该党员有正在办理的组织关系转接，请办结或撤回后再开具介绍信"))


@transaction.atomic
def letter_issue(*, actor, member, destination, reach=Reach.CITY, validity_days=None, request=None):
    member = _locked_member(member)
    destination = (destination or "").strip()
    errors = {}
    if not destination:
        errors["destination"] = _("请填写去往的党组织")
    if reach not in Reach.values:
        errors["reach"] = _("请选择范围")
    days = default_validity(reach) if validity_days is None else validity_days  # 0 is refused, not defaulted
    if not 1 <= days <= settings.LETTER_VALIDITY_DAYS_MAX:
        errors["validity_days"] = _("有效期应为1至{n}天").format(n=settings.LETTER_VALIDITY_DAYS_MAX)
    if errors:
        raise ValidationError(errors)
    today = _today()
    _check_no_transfer_open(member)
    letter = IntroductionLetter.objects.create(
        organization=member.organization, member=member, destination=destination[:120], reach=reach,
        validity_days=days, dues_paid_to=selectors.dues_paid_to(member), issued_on=today, issued_by=actor,
        number=next_number(member.organization, Series.LETTER, today.year))
    audit_record(actor=actor, action=Action.CREATE, obj=letter, after=snapshot(letter), request=request,
                 note=_("开具组织关系介绍信"))
    return letter


LETTER_BATCH_JOB = "letter_batch_pdf"


def letter_batch_start(*, actor, letters, overlay=False, request=None) -> Job:
    """A batch of letters as one PDF made by a background job (apps.core.jobs): the job (its letters by id, checked
    against the starter's scope again when it runs) and one export row per letter, as the PDF made in the request
    records; queued once both are committed. The file is the starter's only and is deleted like other exports."""
    settings.JOBS_DIR.mkdir(parents=True, exist_ok=True)
    path = settings.JOBS_DIR / f"letters-{uuid.uuid4().hex}.pdf"
    with transaction.atomic():
        job = Job.objects.create(kind=LETTER_BATCH_JOB, created_by=actor, output_file=str(path),
                                 title=_("批量打印组织关系介绍信（{n}封）").format(n=len(letters)),
                                 output_name="letters.pdf", params={"ids": [x.pk for x in letters], "overlay": overlay})
        for letter in letters:
            audit_record(actor=actor, action=Action.EXPORT, obj=letter, request=request,
                         note=_("打印组织关系介绍信（PDF，后台任务）"))
    return jobs.start(job)


def letter_batch_retry(*, actor, job, request=None) -> Job:
    """重试 a failed batch (its worker interrupted, …): the same letters, on the same job page, audited again."""
    with transaction.atomic():
        if not jobs.reset_failed(job):
            raise ValidationError(_("只有失败的任务可以重试"))
        letters = IntroductionLetter.objects.filter(pk__in=job.params.get("ids", []))
        for letter in letters:
            audit_record(actor=actor, action=Action.EXPORT, obj=letter, request=request,
                         note=_("打印组织关系介绍信（PDF，后台任务重试）"))
    return jobs.start(job)


@transaction.atomic
def letter_receipt_record(*, actor, letter, received_on, note="", request=None):
    letter = IntroductionLetter.objects.select_for_update(of=("self",)).select_related("organization").get(pk=letter.pk)
    if letter.receipt_on is not None:
        raise ValidationError(_("该介绍信的回执已登记"))
    if received_on is None or received_on < letter.issued_on or received_on > _today():
        raise ValidationError({"received_on": _("回执收到日期应在开具日期与今天之间")})
    before = snapshot(letter)
    letter.receipt_on, letter.receipt_note = received_on, (note or "").strip()[:200]
    letter.save(update_fields=["receipt_on", "receipt_note"])
    audit_record(actor=actor, action=Action.UPDATE, obj=letter, before=before, after=snapshot(letter),
                 request=request, note=_("登记介绍信回执"))
    return letter


@transaction.atomic
def incoming_register(*, actor, organization, member_data, letter_number, issued_by_name, issued_on,
                      dues_paid_to=None, request=None):
    """A member arriving from outside the platform with a letter: registered through the registry's services and the
    letter recorded, in one transaction (a refusal of either leaves neither)."""
    errors = {}
    if not (letter_number or "").strip():
        errors["letter_number"] = _("请填写介绍信编号")
    if not (issued_by_name or "").strip():
        errors["issued_by_name"] = _("请填写开具党组织")
    if issued_on is None or issued_on > _today():
        errors["issued_on"] = _("开具日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    member = member_services.member_create(actor=actor, data={**member_data, "organization": organization},
                                           request=request)
    incoming = IncomingLetter.objects.create(
        organization=organization, member=member, letter_number=letter_number.strip()[:40],
        issued_by_name=issued_by_name.strip()[:120], issued_on=issued_on, received_on=_today(),
        dues_paid_to=dues_paid_to, recorded_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=incoming, after=snapshot(incoming), request=request,
                 note=_("登记转入介绍信"))
    return incoming


# ---- 党员证明信, 流动党员活动证 ----

@transaction.atomic
def document_issue(*, actor, member, kind, place="", valid_until=None, request=None):
    member = _locked_member(member)
    if kind not in (Series.CERTIFICATE, Series.FLOW_CARD):
        raise ValidationError({"kind": _("请选择证件类别")})
    today = _today()
    days = settings.CERTIFICATE_VALIDITY_DAYS if kind == Series.CERTIFICATE else settings.FLOW_CARD_VALIDITY_DAYS
    valid_until = valid_until or today + timedelta(days=days)
    if valid_until < today:
        raise ValidationError({"valid_until": _("有效期不能早于今天")})
    doc = IssuedDocument.objects.create(
        organization=member.organization, member=member, kind=kind, place=(place or "").strip()[:120],
        issued_on=today, valid_until=valid_until, issued_by=actor,
        number=next_number(member.organization, kind, today.year))
    audit_record(actor=actor, action=Action.CREATE, obj=doc, after=snapshot(doc), request=request,
                 note=_("开具{kind}").format(kind=doc.get_kind_display()))
    return doc


@transaction.atomic
def document_close(*, actor, document, request=None):
    doc = IssuedDocument.objects.select_for_update(of=("self",)).select_related("organization").get(pk=document.pk)
    if doc.status != DocumentStatus.ISSUED:
        raise ValidationError(_("该证件已收回"))
    before = snapshot(doc)
    doc.status, doc.closed_on = DocumentStatus.CLOSED, _today()
    doc.save(update_fields=["status", "closed_on"])
    audit_record(actor=actor, action=Action.UPDATE, obj=doc, before=before, after=snapshot(doc), request=request,
                 note=_("收回证件"))
    return doc


# ---- 套打 layouts ----

def clean_offsets(raw: dict) -> dict:
    offsets, errors = {}, {}
    for field in LETTER_FIELDS:
        x, y = raw.get(field, {}).get("x"), raw.get(field, {}).get("y")
        if x is None and y is None:
            continue
        try:
            x, y = round(float(x), 1), round(float(y), 1)
        except (TypeError, ValueError):
            errors[field] = _("位置应为数字（毫米）")
            continue
        if not (0 <= x <= 210 and 0 <= y <= 297):
            errors[field] = _("位置应在A4纸内（横0–210毫米，纵0–297毫米）")
            continue
        offsets[field] = {"x": x, "y": y}
    if errors:
        raise ValidationError(errors)
    return offsets


@transaction.atomic
def letter_template_save(*, actor, organization, name, offsets, request=None):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写模板名称")})
    cleaned = clean_offsets(offsets)
    template = LetterTemplate.objects.select_for_update().filter(organization=organization).first()
    before = snapshot(template) if template else None
    template = template or LetterTemplate(organization=organization)
    template.name, template.offsets = name[:60], cleaned
    template.save()
    audit_record(actor=actor, action=Action.UPDATE if before else Action.CREATE, obj=template, before=before,
                 after=snapshot(template), request=request, note=_("设置介绍信套打模板"))
    return template
