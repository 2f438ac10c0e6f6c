"""The services of admission: every step's rule refused with its reason at the boundary dates (the day before, of and
after), the order of the steps, the stage machine, step 19 registering exactly one member and step 24's outcomes."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.membership import admission_rules as rules
from apps.membership import admission_services as services
from apps.membership import admission_states as states
from apps.membership.admission_models import AdmissionDocument, AdmissionStage, AdmissionStep, Applicant
from tests.factories import make_member

from .adm_helpers import advance, id_for, new_applicant, record

pytestmark = pytest.mark.django_db
D = timedelta(days=1)


def refused(applicant, number, adm_world, **changes):
    with pytest.raises(ValidationError) as exc:
        record(applicant, number, adm_world, **changes)
    return " ".join(exc.value.messages)


# ---- step 1 ----

@pytest.mark.parametrize(("applied", "ok"), [(date(2008, 5, 5), False), (date(2008, 5, 6), True),
                                             (date(2008, 5, 7), True)])
def test_application_at_18(tree, applied, ok):
    if ok:
        applicant = new_applicant(tree, applied=applied)
        assert applicant.status == AdmissionStage.APPLICANT and applicant.next_step == 2
        assert applicant.steps.get().number == 1
        assert applicant.id_masked != applicant.id_number and "*" in applicant.id_masked
    else:
        with pytest.raises(ValidationError, match="年满18周岁"):
            new_applicant(tree, applied=applied)
        assert not Applicant.objects.exists()


def test_application_once_per_person_and_not_for_a_member(tree):
    new_applicant(tree)
    with pytest.raises(ValidationError, match="已有入党申请记录"):
        new_applicant(tree)
    with pytest.raises(ValidationError, match="已是党员"):
        services.applicant_create(actor=tree.users["secretary_a"], organization=tree.branch_a, data={
            "name": "张三", "id_number": tree.member_a.id_number, "applied_on": date(2024, 1, 1)})


def test_id_number_stored_encrypted(tree):
    from django.db import connection

    applicant = new_applicant(tree)
    with connection.cursor() as cursor:
        cursor.execute("select id_number from membership_applicant where id=%s", [applicant.pk])
        stored = cursor.fetchone()[0]
    assert applicant.id_number not in stored


# ---- order and dates ----

def test_steps_in_order(adm_world):
    applicant = new_applicant(adm_world["tree"])
    assert "下一步是第2步" in refused(applicant, 3, adm_world)
    record(applicant, 2, adm_world)
    applicant.refresh_from_db()
    assert "下一步是第3步" in refused(applicant, 2, adm_world)


def test_date_not_before_previous_step(adm_world):
    applicant = new_applicant(adm_world["tree"])
    assert "不能早于上一步" in refused(applicant, 2, adm_world, done_on=APPLIED_MINUS_ONE)
    record(applicant, 2, adm_world, done_on=date(2023, 1, 2))  # the same day is allowed


APPLIED_MINUS_ONE = date(2023, 1, 1)


def test_date_not_in_future(adm_world):
    applicant = new_applicant(adm_world["tree"], applied=date.today() - 3 * D)
    assert "不能晚于今天" in refused(applicant, 2, adm_world, done_on=date.today() + D)


# ---- the time rules at their boundaries ----

@pytest.mark.parametrize(("done_on", "ok"), [(date(2023, 2, 1), True), (date(2023, 2, 2), True),
                                             (date(2023, 2, 3), False)])
def test_talk_within_one_month(adm_world, done_on, ok):
    applicant = new_applicant(adm_world["tree"])  # applied 2023-01-02: due 2023-02-02
    if ok:
        record(applicant, 2, adm_world, done_on=done_on)
    else:
        assert "1个月内谈话" in refused(applicant, 2, adm_world, done_on=done_on)


@pytest.mark.parametrize(("done_on", "ok"), [(date(2024, 2, 14), False), (date(2024, 2, 15), True),
                                             (date(2024, 2, 16), True)])
def test_development_target_after_one_year(adm_world, done_on, ok):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 6)  # activist on 2023-02-15
    if ok:
        record(applicant, 7, adm_world, done_on=done_on)
        applicant.refresh_from_db()
        assert applicant.status == AdmissionStage.TARGET
    else:
        assert "满1年" in refused(applicant, 7, adm_world, done_on=done_on)


@pytest.mark.parametrize(("done_on", "ok"), [(date(2023, 2, 7), False), (date(2023, 2, 8), False),
                                             (date(2023, 2, 9), True)])
def test_publicity_must_have_ended(adm_world, done_on, ok):
    # Published Wednesday 2023-02-01: the 5th working day after is Wednesday 2023-02-08 (the 公示's last day).
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 2)
    if ok:
        record(applicant, 3, adm_world, done_on=done_on)
    else:
        assert "公示期满" in refused(applicant, 3, adm_world, done_on=done_on)


def test_publicity_start_required(adm_world):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 2)
    assert "公示开始日期" in refused(applicant, 3, adm_world, publicity_from=None)


@pytest.mark.parametrize(("done_on", "extended", "ok"), [
    (date(2024, 6, 30), False, True), (date(2024, 7, 1), False, True), (date(2024, 7, 2), False, False),
    (date(2024, 9, 30), True, True), (date(2024, 10, 1), True, True), (date(2024, 10, 2), True, False)])
def test_higher_approval_within_3_months_extendable_to_6(adm_world, done_on, extended, ok):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 16)  # branch meeting 2024-04-01
    if ok:
        record(applicant, 17, adm_world, done_on=done_on, extended=extended)
        applicant.refresh_from_db()
        assert applicant.status == AdmissionStage.PROBATIONARY
        assert applicant.probation_ends_on == date(2025, 4, 1)
    else:
        assert ("6个月" if extended else "3个月内审批") in refused(applicant, 17, adm_world, done_on=done_on,
                                                                   extended=extended)


@pytest.mark.parametrize(("done_on", "ok"), [(date(2025, 3, 31), False), (date(2025, 4, 1), True),
                                             (date(2025, 4, 2), True)])
def test_conversion_meeting_after_probation(adm_world, done_on, ok):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 22)
    if ok:
        record(applicant, 23, adm_world, done_on=done_on)
    else:
        assert "预备期满后" in refused(applicant, 23, adm_world, done_on=done_on)


@pytest.mark.parametrize(("done_on", "ok"), [(date(2025, 6, 30), True), (date(2025, 7, 1), True),
                                             (date(2025, 7, 2), False)])
def test_conversion_approval_within_3_months(adm_world, done_on, ok):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 23)  # meeting 2025-04-01
    if ok:
        record(applicant, 24, adm_world, done_on=done_on)
    else:
        assert "3个月内审批" in refused(applicant, 24, adm_world, done_on=done_on)


# ---- people, training, meeting ----

def test_introducers_two_full_members_not_under_probation(adm_world):
    tree = adm_world["tree"]
    applicant = advance(new_applicant(tree), adm_world, 8)
    assert "须有2名" in refused(applicant, 9, adm_world, introducers=[tree.member_a])
    assert "须有2名" in refused(applicant, 9, adm_world, introducers=[tree.member_a, tree.member_a])
    probationary = make_member(tree.branch_a, "钱七", category="probationary")
    assert "不是正式党员" in refused(applicant, 9, adm_world, introducers=[tree.member_a, probationary])
    second = adm_world["introducers"][1]
    # 留党察看 from 2024-02-10 to 2024-02-16: the day before the step it has ended, the day of it is in force.
    services.discipline_record_create(actor=tree.users["secretary_a"], member=second, kind="probation",
                                      starts_on=date(2024, 2, 10), ends_on=date(2024, 2, 17))
    assert "留党察看" in refused(applicant, 9, adm_world)
    record(applicant, 9, adm_world, done_on=date(2024, 2, 18))
    assert set(applicant.steps.get(number=9).introducers.all()) == set(adm_world["introducers"])


def test_contacts_one_or_two_full_members(adm_world):
    tree = adm_world["tree"]
    applicant = advance(new_applicant(tree), adm_world, 4)
    assert "1至2名" in refused(applicant, 5, adm_world, contacts=[])
    extra = make_member(tree.branch_a, "孙八")
    assert "1至2名" in refused(applicant, 5, adm_world, contacts=[tree.member_a, extra, adm_world["introducers"][1]])
    record(applicant, 5, adm_world, contacts=[tree.member_a, extra])


@pytest.mark.parametrize(("days", "hours", "ok"), [(2, 23, False), (3, None, True), (None, 24, True)])
def test_training(adm_world, days, hours, ok):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 10)
    if ok:
        record(applicant, 11, adm_world, training_days=days, training_hours=hours)
    else:
        assert "不少于3天或24个学时" in refused(applicant, 11, adm_world, training_days=days, training_hours=hours)


def test_branch_meeting_quorum_and_majority(adm_world):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 14)
    assert "会议不能举行" in refused(applicant, 15, adm_world, present=5, votes_for=5)
    assert "未能通过" in refused(applicant, 15, adm_world, votes_for=5, votes_against=1)
    assert "票数有误" in refused(applicant, 15, adm_world, votes_for=11)
    assert "请填写" in refused(applicant, 15, adm_world, votes_for=None)
    record(applicant, 15, adm_world)
    step = applicant.steps.get(number=15)
    assert (step.entitled, step.present, step.votes_for) == (10, 6, 6)


def test_half_yearly_reviews_repeat(adm_world):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 6)
    record(applicant, 6, adm_world, done_on=date(2024, 1, 20))
    applicant.refresh_from_db()
    assert applicant.last_review_on == date(2024, 1, 20) and applicant.next_step == 7
    assert applicant.steps.filter(number=6).count() == 2


# ---- the stage machine ----

def test_state_machine_table():
    a = Applicant(status=AdmissionStage.APPLICANT)
    assert states.allows("activist", a) and not states.allows("target", a)
    with pytest.raises(ValidationError, match="只有入党积极分子"):
        states.check(a, "target")
    for status in (AdmissionStage.ARCHIVED,):
        assert not states.allows("record", Applicant(status=status))
    assert states.allows("archive", Applicant(status=AdmissionStage.CANCELLED))
    assert not states.allows("archive", Applicant(status=AdmissionStage.PROBATIONARY))


def test_stages_move_with_the_steps(adm_world):
    applicant = new_applicant(adm_world["tree"])
    seen = {}
    for number in range(2, 26):
        record(applicant, number, adm_world)
        applicant.refresh_from_db()
        seen[number] = applicant.status
    assert seen[2] == AdmissionStage.APPLICANT and seen[3] == AdmissionStage.ACTIVIST
    assert seen[7] == AdmissionStage.TARGET and seen[16] == AdmissionStage.TARGET
    assert seen[17] == AdmissionStage.PROBATIONARY and seen[24] == AdmissionStage.FULL
    assert seen[25] == AdmissionStage.ARCHIVED
    assert "已结束" in refused(applicant, 25, adm_world)
    assert applicant.volunteer_book_no == "JZ000001"


# ---- step 19 and 转正 ----

def test_step_19_registers_exactly_one_probationary_member(adm_world):
    before = Member.objects.count()
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 19)
    assert Member.objects.count() == before + 1
    member = applicant.member
    assert member.category == "probationary" and member.joined_on == date(2024, 4, 1)
    assert member.full_member_on is None and member.organization_id == adm_world["tree"].branch_a.pk
    assert member.id_number == applicant.id_number
    assert AuditEvent.objects.filter(object_type="members.member", object_id=str(member.pk)).exists()


def test_step_19_no_double_entry(adm_world):
    tree = adm_world["tree"]
    applicant = advance(new_applicant(tree), adm_world, 18)
    # The same person entered in the registry meanwhile: the member services refuse a second ID number.
    make_member(tree.branch_a, "赵六", id_number=applicant.id_number)
    count = Member.objects.count()
    with pytest.raises(ValidationError):
        record(applicant, 19, adm_world)
    applicant.refresh_from_db()
    assert Member.objects.count() == count and applicant.member_id is None and applicant.next_step == 19


def test_conversion_on_time(adm_world):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 24)
    member = Member.objects.get(pk=applicant.member_id)
    assert applicant.status == AdmissionStage.FULL and applicant.full_on == date(2025, 4, 1)
    assert member.category == "full" and member.full_member_on == date(2025, 4, 1)


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False), (None, False)])
def test_conversion_extended(adm_world, months, ok):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 23)
    if not ok:
        assert "延长预备期" in refused(applicant, 24, adm_world, outcome="extend", extension_months=months)
        return
    record(applicant, 24, adm_world, outcome="extend", extension_months=months)
    applicant.refresh_from_db()
    assert applicant.status == AdmissionStage.PROBATIONARY and applicant.next_step == 22
    assert applicant.probation_ends_on == rules.probation_end(date(2024, 4, 1), months)
    assert Member.objects.get(pk=applicant.member_id).category == "probationary"


def test_conversion_cancelled(adm_world):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 23)
    record(applicant, 24, adm_world, outcome="cancel")
    applicant.refresh_from_db()
    member = Member.objects.get(pk=applicant.member_id)
    assert applicant.status == AdmissionStage.CANCELLED and applicant.next_step == 25
    assert member.status == "left" and member.category == "probationary"
    record(applicant, 25, adm_world)


def test_outcome_required(adm_world):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 23)
    assert "审批结果" in refused(applicant, 24, adm_world, outcome="")


# ---- documents, volunteer books ----

def test_documents_and_nothing_half_saved(adm_world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    tree = adm_world["tree"]
    applicant = new_applicant(tree)
    pdf = SimpleUploadedFile("谈话记录.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    bad = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="扩展名不符"):
        services.step_record(actor=tree.users["secretary_a"], applicant=applicant, number=2,
                             data={"done_on": date(2023, 1, 20), "talk_partner": tree.member_a}, uploads=[bad])
    late = SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.step_record(actor=tree.users["secretary_a"], applicant=applicant, number=2,
                             data={"done_on": date(2023, 3, 20), "talk_partner": tree.member_a}, uploads=[late])
    assert not AdmissionDocument.objects.exists() and not list(tmp_path.rglob("*.pdf"))
    services.step_record(actor=tree.users["secretary_a"], applicant=applicant, number=2,
                         data={"done_on": date(2023, 1, 20), "talk_partner": tree.member_a}, uploads=[pdf])
    assert AdmissionDocument.objects.get().name == "谈话记录.pdf"
    assert AdmissionStep.objects.filter(applicant=applicant).count() == 2


def test_volunteer_book_numbers_from_nearest_range(adm_world):
    tree = adm_world["tree"]
    from apps.membership.admission_models import VolunteerBookRange

    VolunteerBookRange.objects.create(organization=tree.branch_a, prefix="B", first=5, last=5, next_number=5)
    first = services.volunteer_book_allocate(actor=tree.users["town_a_admin"], applicant=new_applicant(tree))
    second = services.volunteer_book_allocate(actor=tree.users["town_a_admin"],
                                              applicant=new_applicant(tree, seq=124, name="甲"))
    assert (first, second) == ("B000005", "JZ000001")


def test_volunteer_book_refused_without_range(adm_world):
    adm_world["book"].delete()
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 13)
    assert "编号段" in refused(applicant, 14, adm_world)
    applicant.refresh_from_db()
    assert applicant.next_step == 14


def test_range_overlap_refused(adm_world):
    tree = adm_world["tree"]
    with pytest.raises(ValidationError, match="重叠"):
        services.volunteer_book_range_create(actor=tree.users["district_admin"], organization=tree.town_a,
                                             data={"prefix": "JZ", "first": 500, "last": 1500})


# ---- 民族 and 学历 from the application to the registry; one extension; contacts under 留党察看 ----

def test_ethnicity_and_education_registered_at_step_19(adm_world):
    from apps.audit.display import personal_fields

    tree = adm_world["tree"]
    applicant = services.applicant_create(actor=tree.users["secretary_a"], organization=tree.branch_a, data={
        "name": "马九", "id_number": id_for(seq=321), "applied_on": date(2023, 1, 2), "ethnicity": "03",
        "education": "21"})
    assert (applicant.ethnicity, applicant.education) == ("03", "21")
    created = AuditEvent.objects.filter(object_type__endswith="applicant", action="create").latest("id")
    assert created.after["ethnicity"] == "03" and created.after["education"] == "21"
    assert {"ethnicity", "education"} <= personal_fields(Applicant)
    advance(applicant, adm_world, 18)
    assert applicant.member_id is None
    advance(applicant, adm_world, 19)
    member = Member.objects.get(pk=applicant.member_id)
    assert (member.ethnicity, member.education) == ("03", "21")


def test_ethnicity_defaults_to_han_and_education_blank(adm_world):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 19)
    assert (applicant.ethnicity, applicant.education) == ("01", "")
    member = Member.objects.get(pk=applicant.member_id)
    assert (member.ethnicity, member.education) == ("01", "")


@pytest.mark.parametrize(("field", "value"), [("ethnicity", "99"), ("education", "12")])
def test_unknown_codes_refused(tree, field, value):
    with pytest.raises(ValidationError) as exc:
        services.applicant_create(actor=tree.users["secretary_a"], organization=tree.branch_a, data={
            "name": "马九", "id_number": id_for(seq=322), "applied_on": date(2023, 1, 2), field: value})
    assert field in exc.value.message_dict
    assert not Applicant.objects.exists()


def _extended_once(adm_world, months=6):
    applicant = advance(new_applicant(adm_world["tree"]), adm_world, 23)
    record(applicant, 24, adm_world, outcome="extend", extension_months=months)
    applicant.refresh_from_db()
    return applicant


def test_probation_extended_only_once(adm_world):
    applicant = _extended_once(adm_world)
    # admitted 2024-04-01: one year and 6 months.
    assert applicant.probation_ends_on == date(2025, 10, 1) == rules.probation_end(date(2024, 4, 1), 6)
    record(applicant, 22, adm_world, done_on=date(2025, 10, 1))
    record(applicant, 23, adm_world, done_on=date(2025, 10, 15), publicity_from=date(2025, 10, 2))
    applicant.refresh_from_db()
    second = {"done_on": date(2025, 11, 3), "outcome": "extend", "extension_months": 6}
    message = refused(applicant, 24, adm_world, **second)
    assert message == rules.refusal("extension_once") and "不能再次延长" in message
    applicant.refresh_from_db()
    assert applicant.probation_ends_on == date(2025, 10, 1) and applicant.next_step == 24
    assert applicant.steps.filter(number=24).count() == 1
    record(applicant, 24, adm_world, done_on=date(2025, 11, 3), outcome="on_time")
    applicant.refresh_from_db()
    assert applicant.status == AdmissionStage.FULL and applicant.full_on == date(2025, 10, 1)


def test_after_one_extension_cancel_still_possible(adm_world):
    applicant = _extended_once(adm_world, months=12)
    assert applicant.probation_ends_on == date(2026, 4, 1)
    record(applicant, 22, adm_world, done_on=date(2026, 4, 1))
    record(applicant, 23, adm_world, done_on=date(2026, 4, 15), publicity_from=date(2026, 4, 2))
    record(applicant, 24, adm_world, done_on=date(2026, 5, 4), outcome="cancel")
    applicant.refresh_from_db()
    assert applicant.status == AdmissionStage.CANCELLED


def test_contact_under_probation_refused_with_the_contacts_wording(adm_world):
    tree = adm_world["tree"]
    applicant = advance(new_applicant(tree), adm_world, 4)
    # 留党察看 until 2023-02-17 (the step's day): in force that day, ended the next.
    services.discipline_record_create(actor=tree.users["secretary_a"], member=tree.member_a, kind="probation",
                                      starts_on=date(2023, 1, 1), ends_on=date(2023, 2, 17))
    message = refused(applicant, 5, adm_world)
    assert message == rules.refusal("contact_discipline", name=tree.member_a.name)
    assert "不能作培养联系人" in message and "入党介绍人" not in message
    record(applicant, 5, adm_world, done_on=date(2023, 2, 18))
    assert list(applicant.steps.get(number=5).contacts.all()) == [tree.member_a]
