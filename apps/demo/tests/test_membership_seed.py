"""The demo's admission and transfers: every applicant's steps, written in bulk, pass the services' own checks when
replayed in order (the date of each step not before the last, none in the future, the talk within the month, a year as
activist, the 公示 run out, the introducers full members not under 留党察看, the votes, the approvals within three
months, probation served); the stages and dates on the row are those the steps lead to; the registry's member of each
admitted applicant matches; the township's dashboard has steps due soon and overdue; the transfers and letters are in
every state the pages show."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.members.models import MemberCategory, MemberStatus
from apps.membership import admission_rules as rules
from apps.membership import admission_selectors, admission_services, transfer_selectors
from apps.membership.admission_models import (
    AdmissionQuota,
    AdmissionStage,
    Applicant,
    StepOutcome,
    VolunteerBookRange,
)
from apps.membership.transfer_models import (
    DocumentStatus,
    IncomingLetter,
    IntroductionLetter,
    IssuedDocument,
    Series,
    Transfer,
    TransferStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 11, 20)
FIELDS = ("note", "talk_partner", "publicity_from", "training_days", "training_hours", "entitled", "present",
          "votes_for", "votes_against", "votes_abstain", "extended", "outcome", "extension_months")


def _replay(applicant, monkeypatch):
    """Each step through admission_services.check_step on a copy of the applicant as it stood before the step."""
    shadow = Applicant(organization=applicant.organization, applied_on=applicant.applied_on, next_step=2,
                       status=AdmissionStage.APPLICANT, birth_date=applicant.birth_date)
    assert rules.age_ok(applicant.birth_date, applicant.applied_on)
    steps = list(applicant.steps.order_by("done_on", "id").prefetch_related("contacts", "introducers"))
    assert steps[0].number == 1 and steps[0].done_on == applicant.applied_on
    previous = applicant.applied_on
    for step in steps[1:]:
        monkeypatch.setattr(admission_services, "_last_date", lambda _a, p=previous: p)
        data = {k: getattr(step, k) for k in FIELDS if getattr(step, k) not in (None, "")}
        data.update(done_on=step.done_on, contacts=list(step.contacts.all()), introducers=list(step.introducers.all()))
        admission_services.check_step(shadow, step.number, data)  # raises the refusal if a rule does not hold
        n, on = step.number, step.done_on
        shadow.next_step = max(shadow.next_step, n + 1)
        if n == 3:
            shadow.status, shadow.activist_on = AdmissionStage.ACTIVIST, on
        elif n == 7:
            shadow.status, shadow.target_on = AdmissionStage.TARGET, on
        elif n == 15:
            shadow.admitted_on = on
        elif n == 17:
            shadow.status = AdmissionStage.PROBATIONARY
            shadow.probation_ends_on = rules.probation_end(shadow.admitted_on)
        elif n == 23:
            shadow.conversion_meeting_on = on
        elif n == 24:
            cancelled = step.outcome == StepOutcome.CANCEL
            shadow.status = AdmissionStage.CANCELLED if cancelled else AdmissionStage.FULL
            shadow.next_step = rules.LAST_STEP if cancelled else shadow.next_step
        elif n == 25:
            shadow.status, shadow.next_step = AdmissionStage.ARCHIVED, rules.LAST_STEP + 1
        previous = on
    assert previous <= TODAY
    for field in ("status", "next_step", "activist_on", "target_on", "admitted_on", "probation_ends_on",
                  "conversion_meeting_on"):
        assert getattr(applicant, field) == getattr(shadow, field), (applicant, field)
    return steps


def test_the_demo_admission_satisfies_every_rule_and_fills_the_dashboard(monkeypatch):
    from apps.demo.seed import seed_demo

    seed_demo(scale="small", today=TODAY, log=lambda line: None)
    applicants = list(Applicant.objects.select_related("organization", "member"))
    stages = {a.status for a in applicants}
    assert stages >= {AdmissionStage.APPLICANT, AdmissionStage.ACTIVIST, AdmissionStage.TARGET,
                      AdmissionStage.PROBATIONARY, AdmissionStage.FULL, AdmissionStage.CANCELLED}, stages
    assert len({a.organization_id for a in applicants}) >= 5
    for applicant in applicants:
        _replay(applicant, monkeypatch)
        member = applicant.member
        if applicant.next_step > 19:  # registered at step 19: the registry's member is the applicant
            assert member.id_number == applicant.id_number and member.joined_on == applicant.admitted_on
            assert member.organization_id == applicant.organization_id
            if applicant.status == AdmissionStage.PROBATIONARY:
                assert member.category == MemberCategory.PROBATIONARY and member.status == MemberStatus.NORMAL
            elif applicant.status == AdmissionStage.CANCELLED:
                assert member.status == MemberStatus.LEFT
            else:
                assert member.category == MemberCategory.FULL
                assert member.full_member_on == applicant.probation_ends_on
        else:
            assert member is None
        if applicant.next_step > 14:
            assert applicant.volunteer_book_no.startswith("SF")
    numbers = [a.volunteer_book_no for a in applicants if a.volunteer_book_no]
    assert len(numbers) == len(set(numbers))
    for book_range in VolunteerBookRange.objects.all():
        used = [n for n in numbers if n.startswith("SF") and book_range.first <= int(n[2:]) <= book_range.last]
        assert book_range.next_number == book_range.first + len(used)
    assert AdmissionQuota.objects.filter(year=TODAY.year).count() >= 2

    # The township's dashboard, as of the seed's day: reminders due soon and overdue of every kind.
    due = admission_selectors.due_items(User.objects.get(username="town_admin"), today=TODAY)
    late = {str(item.what) for item in due if item.due < TODAY}
    soon = {str(item.what) for item in due if TODAY <= item.due <= TODAY + timedelta(days=14)}
    assert {"入党谈话（1个月内）", "上级党委审批（3个月内）", "入党积极分子半年考察"} <= late, late
    assert {"入党谈话（1个月内）", "上级党委审批（3个月内）"} <= soon, soon
    overdue_probation = [a for a in applicants if a.status == AdmissionStage.PROBATIONARY
                         and a.probation_ends_on < TODAY and a.next_step == 22]
    assert overdue_probation and overdue_probation[0].member.category == MemberCategory.PROBATIONARY

    # Transfers in each state; the accepted members are in the receiving branch.
    statuses = set(Transfer.objects.values_list("status", flat=True))
    assert statuses == {TransferStatus.SENT, TransferStatus.REJECTED, TransferStatus.ACCEPTED}
    assert Transfer.objects.filter(status=TransferStatus.REJECTED).exclude(rejection_reason="").exists()
    assert Transfer.objects.filter(transfer_selectors.overdue_transfers_q(TODAY)).count() == 1
    for t in Transfer.objects.filter(status=TransferStatus.ACCEPTED).select_related("member"):
        assert t.member.organization_id == t.to_organization_id and t.decided_on <= TODAY
    for t in Transfer.objects.exclude(status=TransferStatus.ACCEPTED).select_related("member"):
        assert t.member.organization_id == t.from_organization_id
    for t in Transfer.objects.exclude(dues_paid_to=None):
        assert t.dues_paid_to <= t.sent_on
    # Letters: one past its month without the 回执, one returned; a letter in; 证明信 and 活动证.
    assert IntroductionLetter.objects.filter(transfer_selectors.receipt_overdue_q(TODAY)).count() == 1
    assert IntroductionLetter.objects.filter(receipt_on__isnull=False).count() == 1
    for letter in IntroductionLetter.objects.all():
        assert letter.issued_on <= TODAY and (letter.receipt_on is None or letter.issued_on <= letter.receipt_on)
        assert letter.dues_paid_to is None or letter.dues_paid_to <= letter.issued_on  # as it stood that day
    assert IncomingLetter.objects.count() == 1
    kinds = set(IssuedDocument.objects.values_list("kind", "status"))
    assert {(Series.CERTIFICATE, DocumentStatus.ISSUED), (Series.CERTIFICATE, DocumentStatus.CLOSED),
            (Series.FLOW_CARD, DocumentStatus.ISSUED)} <= kinds
    call_command("dues_standings", "--check")  # the members changed kept their dues standings
