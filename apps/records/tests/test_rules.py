"""The rules of organizational life: frequencies and who they apply to, deadlines, quorum, lateness,
versions, returns, check-in and the fulfilment counters behind the compliance watch."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.periods import parse_period, period_containing
from apps.records import compliance, services
from apps.records.models import Fulfilment, RecordStatus, RecordVersion
from apps.records.periods import deadline, required_periods
from tests.factories import make_member

pytestmark = pytest.mark.django_db


# ---- periods and frequencies ----

def test_periods_parse_and_refuse_bad_input():
    assert parse_period("2026-11").start == date(2026, 11, 1) and parse_period("2026-11").end == date(2026, 11, 30)
    assert parse_period("2026Q2").start == date(2026, 4, 1) and parse_period("2026q2").end == date(2026, 6, 30)
    assert parse_period("2026").end == date(2026, 12, 31)
    span = parse_period("2026-03-05~2026-08-31")
    assert (span.start, span.end, span.key) == (date(2026, 3, 5), date(2026, 8, 31), "2026-03-05~2026-08-31")
    assert span.previous().end == date(2026, 3, 4)
    assert len(required_periods("monthly", span, date(2026, 12, 1))) == 6  # March to August
    for bad in ("2026-13", "abc", "1999", "2026Q5", "", "2026-08-31~2026-03-01", "2026-02-30~2026-03-01",
                "2000-01-01~2026-01-01"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_required_periods_follow_the_frequency(types):
    today = date(2026, 11, 22)
    year = parse_period("2026")
    assert len(required_periods("monthly", year, today)) == 11  # December has not begun
    assert len(required_periods("quarterly", year, today)) == 4
    assert len(required_periods("yearly", year, today)) == 1
    # A quarterly rule looked at for one month is that month's quarter.
    (quarter,) = required_periods("quarterly", parse_period("2026-11"), today)
    assert quarter.start == date(2026, 10, 1)
    assert required_periods("none", year, today) == []


def test_theme_day_deadline_is_its_fixed_day_and_warns_before(types):
    theme = types["theme_day"]
    month = period_containing("month", date(2026, 11, 1))
    assert deadline(theme, month) == date(2026, 11, 10)
    assert deadline(types["party_lecture"], period_containing("quarter", date(2026, 11, 1))) == date(2026, 12, 31)
    states = {}
    for day in (5, 8, 10, 11):
        (rule,) = compliance.rules_for(month, date(2026, 11, day), [theme])
        states[day] = rule.current_state
    assert states == {5: "pending", 8: "warning", 10: "warning", 11: "overdue"}


def test_rules_apply_by_kind_and_structure(tree, types):
    from apps.orgs.models import Organization

    def applies(code, org):
        return Organization.objects.filter(compliance.applicable_q(types[code]), pk=org.pk).exists()

    assert applies("theme_day", tree.branch_a)
    assert not applies("theme_day", tree.town_a)
    assert applies("group_meeting", tree.group_a)
    assert not applies("group_meeting", tree.branch_a)
    # A branch committee (and its monthly meeting) exists only with 7 or more full members.
    assert not applies("committee_meeting", tree.branch_a)
    for i in range(6):
        make_member(tree.branch_a, f"党员{i}", seq=200 + i)
    assert applies("committee_meeting", tree.branch_a)


def test_group_meetings_belong_to_groups(tree, types):
    with pytest.raises(ValidationError):
        services.record_create(actor=tree.users["secretary_a"], organization=tree.branch_a,
                               activity_type=types["group_meeting"], data={})
    with pytest.raises(ValidationError):
        services.record_create(actor=tree.users["secretary_a"], organization=tree.group_a,
                               activity_type=types["theme_day"], data={})


# ---- the compliance table ----

def test_compliance_moves_from_missing_to_done(tree, types, make_record):
    period = period_containing("month", timezone.localdate())
    table = compliance.compliance_table(tree.district, period)
    theme = table["total"].cells[types["theme_day"].pk]
    assert (theme.required, theme.held) == (2, 0)  # two branches, one month
    group = table["total"].cells[types["group_meeting"].pk]
    assert group.required == 1
    assert types["committee_meeting"].pk not in table["total"].cells or table["total"].cells[types["committee_meeting"].pk].required == 0
    _, missing = compliance.missing_orgs(tree.district, period, types["theme_day"])
    assert {o.name for o in missing} == {"甲村党支部", "乙村党支部"}

    make_record("theme_day")
    table = compliance.compliance_table(tree.district, period)
    assert table["total"].cells[types["theme_day"].pk].held == 1
    rows = {row.label: row for row in table["rows"]}
    assert rows["甲镇党委"].cells[types["theme_day"].pk].held == 1
    assert rows["乙镇党委"].cells[types["theme_day"].pk].held == 0
    _, missing = compliance.missing_orgs(tree.district, period, types["theme_day"])
    assert [o.name for o in missing] == ["乙村党支部"]
    by_domain = compliance.compliance_table(tree.district, period, group_by="domain")
    assert sorted(r.label for r in by_domain["rows"]) == ["其他", "村"]  # the group is of "other"


def test_year_view_counts_each_month_once(tree, types, make_record):
    make_record("theme_day")
    make_record("theme_day")  # a second one in the same month adds nothing to compliance
    today = timezone.localdate()
    table = compliance.compliance_table(tree.branch_a, parse_period(str(today.year)), today=today)
    cell = table["total"].cells[types["theme_day"].pk]
    assert cell.required == today.month and cell.held == 1


def test_drafts_do_not_count(tree, types, make_record):
    make_record("theme_day", submit=False)
    period = period_containing("month", timezone.localdate())
    assert compliance.compliance_table(tree.district, period)["total"].cells[types["theme_day"].pk].held == 0


# ---- quorum ----

def test_quorum_needs_more_than_half_of_full_members(tree, types, make_record):
    extra = [make_member(tree.branch_a, n, seq=300 + i) for i, n in enumerate(["王五", "赵六"])]
    probationary = make_member(tree.branch_a, "钱七", seq=310, category="probationary")
    # Full members: 张三 + 王五 + 赵六 = 3; two present is a quorum, one is not; a probationary member has no vote.
    record = make_record("party_congress", present=[tree.member_a.pk, extra[0].pk], is_vote=True, submit=False)
    assert (record.voting_entitled, record.voting_present, record.quorum_met) == (3, 2, True)
    record = make_record("party_congress", present=[tree.member_a.pk, probationary.pk], is_vote=True, submit=False)
    assert (record.voting_present, record.quorum_met) == (1, False)
    assert record.present_count == 2 and record.expected_count == 4
    record = make_record("party_congress", present=[tree.member_a.pk], is_vote=False, submit=False)
    assert record.quorum_met is None


def test_only_meetings_that_vote_may_record_a_vote(tree, types):
    with pytest.raises(ValidationError):
        services.record_create(actor=tree.users["secretary_a"], organization=tree.branch_a,
                               activity_type=types["party_lecture"], data={"is_vote": True, "held_on": date(2026, 1, 5),
                                                                           "starts_at": time(9), "ends_at": time(10)})


# ---- lateness ----

@pytest.mark.parametrize("days_ago, late, late_days", [(0, False, 0), (7, False, 0), (8, True, 1), (20, True, 13)])
def test_records_entered_after_the_limit_are_late(tree, make_record, days_ago, late, late_days):
    record = make_record("theme_day", days_ago=days_ago)
    assert (record.is_late, record.late_days) == (late, late_days)


def test_submission_needs_the_essentials(tree, types, make_record):
    record = make_record("party_lecture", submit=False, lecturer="", minutes="")
    with pytest.raises(ValidationError) as exc:
        services.record_submit(actor=tree.users["secretary_a"], record=record)
    assert set(exc.value.message_dict) == {"lecturer", "minutes"}
    future = make_record("theme_day", submit=False, days_ago=-3)
    with pytest.raises(ValidationError):
        services.record_submit(actor=tree.users["secretary_a"], record=future)


# ---- versions and returns ----

def test_changes_after_submission_keep_the_old_version(tree, types, make_record):
    secretary = tree.users["secretary_a"]
    record = make_record("theme_day", minutes="初稿记录")
    services.record_update(actor=secretary, record=record, data={"minutes": "补充后的记录"}, note="补充")
    record.refresh_from_db()
    assert record.version == 2 and record.minutes == "补充后的记录"
    kept = RecordVersion.objects.get(record=record, version=1)
    assert kept.data["minutes"] == "初稿记录" and kept.data["attendance"][0]["status"] == "present"
    # Changing attendance after submission is a change too.
    services.record_update(actor=secretary, record=record, data={},
                           attendance=[(tree.member_a.pk, "leave", "外出学习")])
    record.refresh_from_db()
    assert record.version == 3 and record.present_count == 0 and record.leave_count == 1
    # Saving without a change makes no version.
    services.record_update(actor=secretary, record=record, data={"minutes": "补充后的记录"})
    assert RecordVersion.objects.filter(record=record).count() == 2


def test_draft_edits_make_no_versions(tree, make_record):
    record = make_record("theme_day", submit=False)
    services.record_update(actor=tree.users["secretary_a"], record=record, data={"minutes": "改"})
    record.refresh_from_db()
    assert record.version == 1 and not record.versions.exists()


def test_return_takes_the_record_out_of_compliance_until_resubmitted(tree, types, make_record):
    record = make_record("theme_day")
    key = {"organization": tree.branch_a, "activity_type": types["theme_day"]}
    assert Fulfilment.objects.get(**key).records == 1
    with pytest.raises(ValidationError):
        services.record_return(actor=tree.users["town_a_admin"], record=record, reason="  ")
    services.record_return(actor=tree.users["town_a_admin"], record=record, reason="会议记录过简")
    record.refresh_from_db()
    assert record.status == RecordStatus.RETURNED and record.returned_reason == "会议记录过简"
    assert not Fulfilment.objects.filter(**key).exists()
    assert not record.attendance.filter(counts=True).exists()
    services.record_update(actor=tree.users["secretary_a"], record=record, data={"minutes": "详细记录……"})
    services.record_submit(actor=tree.users["secretary_a"], record=record)
    record.refresh_from_db()
    assert record.status == RecordStatus.SUBMITTED and record.version == 2 and record.returned_reason == ""
    assert Fulfilment.objects.get(**key).records == 1
    actions = list(AuditEvent.objects.filter(object_type="records.activityrecord", object_id=str(record.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["create", "update", "submit", "return", "update", "submit"]


def test_moving_a_submitted_record_to_another_month_moves_its_fulfilment(tree, types, make_record):
    record = make_record("theme_day", days_ago=0)
    earlier = record.held_on.replace(day=1) - timedelta(days=3)
    services.record_update(actor=tree.users["secretary_a"], record=record, data={"held_on": earlier})
    starts = set(Fulfilment.objects.filter(organization=tree.branch_a).values_list("period_start", flat=True))
    assert starts == {earlier.replace(day=1)}
    assert set(record.attendance.values_list("held_on", flat=True)) == {earlier}


def test_rebuild_matches_the_counters(tree, types, make_record):
    make_record("theme_day")
    make_record("party_lecture", lecturer="张书记")
    make_record("theme_day", org=tree.branch_b, actor=tree.users["secretary_b"])
    before = set(Fulfilment.objects.values_list("organization_id", "activity_type_id", "period_start", "records"))
    services.rebuild_fulfilment()
    after = set(Fulfilment.objects.values_list("organization_id", "activity_type_id", "period_start", "records"))
    assert before == after and len(after) == 3


def test_changing_a_frequency_rebuilds_its_periods(tree, types, make_record):
    make_record("party_lecture", lecturer="张书记")
    lecture = types["party_lecture"]
    data = {f: getattr(lecture, f) for f in services.TYPE_FIELDS}
    data["frequency"] = "monthly"
    services.activity_type_save(actor=tree.users["district_admin"], activity_type=lecture, data=data)
    row = Fulfilment.objects.get(activity_type=lecture)
    assert row.period_start == timezone.localdate().replace(day=1)


# ---- phone check-in ----

def test_check_in_only_during_the_meeting_and_only_on_the_roster(tree, types, make_record):
    record = make_record("theme_day", present=[], submit=False, starts_at=time(9, 0), ends_at=time(11, 0))
    tz = timezone.get_current_timezone()
    at = lambda h, m: timezone.make_aware(datetime.combine(record.held_on, time(h, m)), tz)  # noqa: E731
    user = tree.users["member_a"]
    with pytest.raises(ValidationError, match="不在签到时间内"):
        services.record_check_in(user=user, token=record.checkin_token, now=at(8, 0))
    with pytest.raises(ValidationError, match="签到码无效"):
        services.record_check_in(user=user, token="nope", now=at(9, 30))
    with pytest.raises(ValidationError, match="不在本次活动"):
        services.record_check_in(user=tree.users["secretary_a"], token=record.checkin_token, now=at(9, 30))
    _, row = services.record_check_in(user=user, token=record.checkin_token, now=at(8, 40))  # opens 30 min before
    assert row.status == "present" and row.checked_in_at == at(8, 40)
    record.refresh_from_db()
    assert record.present_count == 1
    assert AuditEvent.objects.filter(action="check_in", object_id=str(record.pk)).count() == 1
    services.record_submit(actor=tree.users["secretary_a"], record=record)
    with pytest.raises(ValidationError, match="已提交"):
        services.record_check_in(user=user, token=record.checkin_token, now=at(10, 0))


# ---- follow-up and metrics ----

def test_members_absent_six_months_are_listed(tree, make_record):
    from apps.records import selectors

    other = make_member(tree.branch_a, "王五", seq=320, joined_on=date(2010, 1, 1))
    from apps.members.models import Member

    Member.objects.update(created_at=timezone.now() - timedelta(days=400))  # registered long before the window
    make_record("theme_day", present=[tree.member_a.pk])
    qs, _ = selectors.non_participants(tree.users["district_admin"], tree.district)
    names = {m.name for m in qs}
    assert "王五" in names and "张三" not in names and "李四" in names
    figures = selectors.member_attendance(other, date(2000, 1, 1), timezone.localdate())
    assert figures["expected"] == 1 and figures["present"] == 0 and figures["rate"] == 0


def test_metrics_selector(tree, types, make_record):
    from apps.records.metrics import organization_metrics

    make_record("theme_day", days_ago=0)
    make_record("party_lecture", lecturer="张书记", days_ago=0)
    period = period_containing("month", timezone.localdate())
    m = organization_metrics(tree.branch_a, period)
    by_code = {t.activity_type.code: t for t in m.types}
    assert by_code["theme_day"].rate == 1.0 and by_code["party_lecture"].rate == 1.0
    assert by_code["group_meeting"].held == 0 and by_code["group_meeting"].required == 1
    assert m.records == 2 and m.late_records == 0 and m.attendance_rate == 1.0
    assert 0 < m.completion_rate < 1


def test_rebuild_command_checks_and_repairs(tree, make_record):
    from django.core.management import CommandError, call_command

    make_record("theme_day")
    call_command("rebuild_fulfilment", "--check")
    Fulfilment.objects.all().delete()
    with pytest.raises(CommandError):
        call_command("rebuild_fulfilment", "--check")
    call_command("rebuild_fulfilment")
    call_command("rebuild_fulfilment", "--check")
