"""Every write of admission (发展党员): the application (step 1), each further step judged by the rule table
(admission_rules.py) and refused with its Chinese reason, the stage moved by admission_states.py; step 19 registers the
probationary member and step 24 makes them full (or extends, or cancels) — both through apps.members.services, which
keep the member counts. Also the 入党志愿书 numbers (a row-locked counter per range), the year's plan, 党纪处分."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core import codes
from apps.core.crypto import keyed_hash
from apps.core.evidence import EVIDENCE_TYPES, atomic_with_files, check_upload
from apps.core.idcard import IdNumberError, mask_id_number, parse_id_number
from apps.members import services as member_services
from apps.members.models import CURRENT_STATUSES, Member, MemberCategory, MemberStatus

from . import admission_rules as rules
from . import admission_states as states
from .admission_models import (
    AdmissionDocument,
    AdmissionQuota,
    AdmissionStep,
    Applicant,
    DisciplineKind,
    DisciplineRecord,
    StepOutcome,
    VolunteerBookRange,
)
from .admission_scopes import strictly_above

ETHNICITY_CODES = frozenset(code for code, _label in codes.ETHNICITIES)
EDUCATION_CODES = frozenset(code for code, _label in codes.EDUCATIONS)
STEP_FIELDS = ("note", "talk_partner", "publicity_from", "training_days", "training_hours", "entitled", "present",
               "votes_for", "votes_against", "votes_abstain", "extended", "outcome", "extension_months")


def _refuse(key, field=None, **values):
    message = rules.refusal(key, **values)
    raise ValidationError({field: message} if field else message)


# ---- step 1: the application ----

@transaction.atomic
def applicant_create(*, actor, organization, data, request=None) -> Applicant:
    """递交入党申请书 (step 1): the person (民族, 学历 as step 19 registers them), the branch, the date received. Refused under 18 on that date (第六条) or when
    the person already applied or is a member (one record per ID number)."""
    try:
        parsed = parse_id_number(data.get("id_number"))
    except IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("姓名不能为空")})
    ethnicity = data.get("ethnicity") or "01"
    if ethnicity not in ETHNICITY_CODES:
        raise ValidationError({"ethnicity": _("民族代码无效")})
    education = data.get("education") or ""
    if education and education not in EDUCATION_CODES:
        raise ValidationError({"education": _("学历代码无效")})
    applied_on = data.get("applied_on")
    if not applied_on:
        raise ValidationError({"applied_on": _("请填写递交申请日期")})
    if applied_on > date.today():
        _refuse("future", "applied_on")
    if not rules.age_ok(parsed.birth_date, applied_on):
        _refuse("age", "applied_on")
    id_hash = keyed_hash(parsed.value)
    if Applicant.objects.filter(id_hash=id_hash).exists():
        raise ValidationError({"id_number": _("该身份证号已有入党申请记录")})
    if Member.objects.filter(id_hash=id_hash).exists():
        raise ValidationError({"id_number": _("该身份证号已是党员，不能再申请入党")})
    applicant = Applicant.objects.create(
        organization=organization, name=name[:60], id_number=parsed.value, id_hash=id_hash,
        id_masked=mask_id_number(parsed.value), birth_date=parsed.birth_date, sex=parsed.sex,
        ethnicity=ethnicity, education=education, unit=(data.get("unit") or "")[:120], applied_on=applied_on, next_step=2)
    step = AdmissionStep.objects.create(applicant=applicant, number=1, done_on=applied_on, note=data.get("note") or "",
                                        recorded_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=applicant, after=snapshot(applicant), request=request)
    audit_record(actor=actor, action=Action.CREATE, obj=step, after=snapshot(step), request=request,
                 note="递交入党申请书")
    return applicant


# ---- the checks of a step ----

def under_probation(member, on: date) -> bool:
    """Whether the member is under 留党察看 on that date."""
    return DisciplineRecord.objects.filter(
        member=member, kind=DisciplineKind.PROBATION, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)).exists()


def _full_members(people, on, field, *, not_full, discipline=None):
    for person in people:
        if person.category != MemberCategory.FULL or person.status not in CURRENT_STATUSES:
            _refuse(not_full, field, name=person.name)
        if discipline and under_probation(person, on):
            _refuse(discipline, field, name=person.name)


def _last_date(applicant) -> date:
    last = applicant.steps.order_by("-done_on", "-id").values_list("done_on", flat=True).first()
    return last or applicant.applied_on


def _check_order(applicant, number, done_on):
    states.check(applicant, "record")
    review = number == 6 and applicant.next_step == 7  # 第十二条: an activist is assessed every half-year
    if number != applicant.next_step and not review:
        _refuse("order", n=applicant.next_step)
    if done_on > date.today():
        _refuse("future", "done_on")
    previous = _last_date(applicant)
    if done_on < previous:
        _refuse("before_previous", "done_on", date=f"{previous:%Y-%m-%d}")


def _check_publicity(number, data, done_on):
    if number not in rules.PUBLICITY_STEPS:
        return
    start = data.get("publicity_from")
    if not start:
        raise ValidationError({"publicity_from": _("请填写公示开始日期")})
    end = rules.publicity_end(start)
    if done_on <= end:
        from django.conf import settings

        _refuse("publicity", "done_on", days=settings.ADMISSION_PUBLICITY_WORKING_DAYS, end=f"{end:%Y-%m-%d}")


def _check_meeting(data):
    values = {k: data.get(k) for k in ("entitled", "present", "votes_for", "votes_against", "votes_abstain")}
    if any(v is None for v in values.values()):
        raise ValidationError(_("请填写应到、实到人数和赞成、反对、弃权票数"))
    errors = rules.meeting_errors(**values)
    if errors:
        raise ValidationError(errors)


def check_step(applicant, number, data):
    """Refuse the step (ValidationError, the rule table's reason) unless every rule of it holds."""
    done_on = data.get("done_on")
    if not done_on:
        raise ValidationError({"done_on": _("请填写日期")})
    _check_order(applicant, number, done_on)
    _check_publicity(number, data, done_on)
    if number == 2:
        if not data.get("talk_partner"):
            raise ValidationError({"talk_partner": _("请选择谈话人")})
        due = rules.talk_due(applicant.applied_on)
        if done_on > due:
            _refuse("talk", "done_on", due=f"{due:%Y-%m-%d}")
    elif number == 5:
        contacts = list(data.get("contacts") or [])
        if not rules.CONTACTS_MIN <= len(contacts) <= rules.CONTACTS_MAX:
            _refuse("contacts", "contacts")
        _full_members(contacts, done_on, "contacts", not_full="contact_full", discipline="contact_discipline")
    elif number == 7:
        earliest = rules.target_earliest(applicant.activist_on)
        if done_on < earliest:
            _refuse("activist_year", "done_on", due=f"{earliest:%Y-%m-%d}")
    elif number == 9:
        introducers = list(data.get("introducers") or [])
        if len({p.pk for p in introducers}) != rules.INTRODUCERS:
            _refuse("introducers", "introducers")
        _full_members(introducers, done_on, "introducers", not_full="introducer_full",
                      discipline="introducer_discipline")
    elif number == 11:
        if not rules.training_ok(data.get("training_days"), data.get("training_hours")):
            _refuse("training", "training_days")
    elif number == 15:
        _check_meeting(data)
    elif number in (17, 24):
        meeting = applicant.admitted_on if number == 17 else applicant.conversion_meeting_on
        due = rules.approval_due(meeting, extended=bool(data.get("extended")))
        if done_on > due:
            _refuse("approval_max" if data.get("extended") else "approval", "done_on", due=f"{due:%Y-%m-%d}")
        if number == 24:
            _check_outcome(applicant, data)
    elif number == 23:
        if done_on < applicant.probation_ends_on:
            _refuse("probation", "done_on", due=f"{applicant.probation_ends_on:%Y-%m-%d}")
        _check_meeting(data)


def _check_outcome(applicant, data):
    """第三十一条: the probation may be extended once, by 6 to 12 months (a second 第24步 may convert or cancel)."""
    outcome = data.get("outcome")
    if outcome not in StepOutcome.values:
        raise ValidationError({"outcome": _("请选择审批结果")})
    if outcome == StepOutcome.EXTEND:
        if applicant.steps.filter(number=24, outcome=StepOutcome.EXTEND).exists():
            _refuse("extension_once", "outcome")
        months = data.get("extension_months")
        if months is None or not rules.EXTENSION_MIN_MONTHS <= months <= rules.EXTENSION_MAX_MONTHS:
            _refuse("extension", "extension_months")


# ---- a step recorded ----

def _check_uploads(uploads, max_mb):
    return [(upload, check_upload(upload, EVIDENCE_TYPES, max_mb, field="documents")) for upload in uploads]


def step_record(*, actor, applicant, number, data, uploads=(), request=None) -> AdmissionStep:
    """Record step `number` of the applicant (refused with the rule's reason), its people, votes and documents; the
    stage moves where the step moves it. Nothing half-saved: documents stored in a refused write are deleted."""
    from django.conf import settings

    checked = _check_uploads(uploads, settings.ADMISSION_DOCUMENT_MAX_MB)
    with atomic_with_files() as store:
        applicant = Applicant.objects.select_for_update(of=("self",)).select_related("organization").get(
            pk=applicant.pk)
        before = snapshot(applicant)
        check_step(applicant, number, data)
        step = AdmissionStep(applicant=applicant, number=number, done_on=data["done_on"], recorded_by=actor,
                             **{k: data[k] for k in STEP_FIELDS if data.get(k) not in (None, "")})
        step.save()
        if number == 5:
            step.contacts.set(data["contacts"])
        if number == 9:
            step.introducers.set(data["introducers"])
        for upload, content_type in checked:
            store(AdmissionDocument.of(upload, content_type, uploaded_by=actor, step=step), upload).save()
        _advance(actor, applicant, step, request)
        applicant.save()
        audit_record(actor=actor, action=Action.UPDATE, obj=applicant, before=before, after=snapshot(applicant),
                     request=request, note=f"第{number}步 {rules.BY_NUMBER[number].name}")
        audit_record(actor=actor, action=Action.CREATE, obj=step, after=snapshot(step), request=request)
    return step


def _advance(actor, applicant, step, request):
    """The applicant's dates and stage after the step; the next step."""
    number, on = step.number, step.done_on
    applicant.next_step = max(applicant.next_step, number + 1)
    if number == 3:
        states.enter(applicant, "activist")
        applicant.activist_on = on
    elif number == 6:
        applicant.last_review_on = on
    elif number == 7:
        states.enter(applicant, "target")
        applicant.target_on = on
    elif number == 14:
        applicant.volunteer_book_no = volunteer_book_allocate(actor=actor, applicant=applicant, request=request)
    elif number == 15:
        applicant.admitted_on = on
    elif number == 17:
        states.enter(applicant, "admit")
        applicant.probation_ends_on = rules.probation_end(applicant.admitted_on)
    elif number == 19:
        _register_member(actor, applicant, request)
    elif number == 23:
        applicant.conversion_meeting_on = on
    elif number == 24:
        _decide_probation(actor, applicant, step, request)
    elif number == 25:
        states.enter(applicant, "archive")
        applicant.next_step = rules.LAST_STEP + 1


def _register_member(actor, applicant, request):
    """Step 19: the probationary member in the registry, once (the member services refuse a second ID number too)."""
    if applicant.member_id:
        raise ValidationError(_("该申请人已登记为党员"))
    applicant.member = member_services.member_create(actor=actor, request=request, data={
        "organization": applicant.organization, "name": applicant.name, "id_number": applicant.id_number,
        "birth_date": applicant.birth_date, "sex": applicant.sex, "joined_on": applicant.admitted_on,
        "category": MemberCategory.PROBATIONARY, "status": MemberStatus.NORMAL,
        "ethnicity": applicant.ethnicity, "education": applicant.education})


def _decide_probation(actor, applicant, step, request):
    """Step 24: 按期转正 (full from the day probation ends), 延长预备期 (22–24 again when it ends) or 取消资格."""
    member = applicant.member
    if step.outcome == StepOutcome.ON_TIME:
        states.enter(applicant, "convert")
        applicant.full_on = applicant.probation_ends_on
        member_services.member_update(actor=actor, member=member, request=request, data={
            "category": MemberCategory.FULL, "full_member_on": applicant.probation_ends_on})
    elif step.outcome == StepOutcome.EXTEND:
        states.enter(applicant, "extend")
        applicant.probation_ends_on = rules.probation_end(applicant.admitted_on, step.extension_months)
        applicant.conversion_meeting_on = None
        applicant.next_step = 22
    else:
        states.enter(applicant, "cancel")
        applicant.next_step = rules.LAST_STEP
        member_services.member_update(actor=actor, member=member, request=request, data={"status": MemberStatus.LEFT})


# ---- 入党志愿书 numbers ----

def volunteer_book_allocate(*, actor, applicant, request=None) -> str:
    """The next serial number from the nearest range of the applicant's organization or above (row-locked: two
    branches drawing at once never get the same number)."""
    ancestors = [applicant.organization.path[:i] for i in range(len(applicant.organization.path), 0, -4)]
    with transaction.atomic():
        ranges = (VolunteerBookRange.objects.select_for_update(of=("self",)).select_related("organization")
                  .filter(organization__path__in=ancestors).order_by("-organization__depth", "first"))
        book_range = next((r for r in ranges if not r.exhausted), None)
        if book_range is None:
            raise ValidationError(_("上级党委未分配入党志愿书编号段或编号已用完"))
        number = book_range.format(book_range.next_number)
        book_range.next_number += 1
        book_range.save(update_fields=["next_number"])
        audit_record(actor=actor, action=Action.UPDATE, obj=book_range, request=request,
                     note=f"分配入党志愿书编号 {number}")
    return number


def _check_committee_above(actor, organization):
    """The plan and the 入党志愿书 ranges of an organization are set by a committee above it, never by its own."""
    if not strictly_above(actor, organization.path):
        raise PermissionDenied(_("发展党员计划和入党志愿书编号段由上级党委设定，不能为本级或范围外的党组织设定"))


@transaction.atomic
def volunteer_book_range_create(*, actor, organization, data, request=None) -> VolunteerBookRange:
    _check_committee_above(actor, organization)
    first, last = data.get("first"), data.get("last")
    if first is None or last is None or first > last:
        raise ValidationError(_("编号段的起始号不能大于终止号"))
    prefix = data.get("prefix") or ""
    if VolunteerBookRange.objects.filter(prefix=prefix, first__lte=last, last__gte=first).exists():
        raise ValidationError(_("编号段与已有编号段重叠"))
    book_range = VolunteerBookRange.objects.create(organization=organization, prefix=prefix, first=first, last=last,
                                                   next_number=first, width=data.get("width") or 6)
    audit_record(actor=actor, action=Action.CREATE, obj=book_range, after=snapshot(book_range), request=request)
    return book_range


# ---- the plan; 党纪处分 ----

@transaction.atomic
def quota_set(*, actor, organization, year, quota, request=None) -> AdmissionQuota:
    _check_committee_above(actor, organization)
    if quota is None or quota < 0:
        raise ValidationError(_("计划发展数应为非负整数"))
    row, _created = AdmissionQuota.objects.select_for_update().get_or_create(
        organization=organization, year=year, defaults={"quota": quota})
    before = snapshot(row)
    row.quota = quota
    row.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=row, before=before, after=snapshot(row), request=request)
    return row


@transaction.atomic
def discipline_record_create(*, actor, member, kind, starts_on, ends_on=None, request=None) -> DisciplineRecord:
    if kind not in DisciplineKind.values:
        raise ValidationError(_("处分类别无效"))
    if ends_on and ends_on < starts_on:
        raise ValidationError(_("截止日期不能早于起始日期"))
    row = DisciplineRecord.objects.create(member=member, kind=kind, starts_on=starts_on, ends_on=ends_on)
    audit_record(actor=actor, action=Action.CREATE, obj=row, after=snapshot(row), request=request)
    return row
