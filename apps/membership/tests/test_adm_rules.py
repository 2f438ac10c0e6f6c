"""The rule table and its time rules, each at the day before, of and after its boundary."""

from datetime import date

import pytest

from apps.membership import admission_rules as rules

pytestmark = pytest.mark.usefixtures("adm_calendar")


def test_table_has_25_steps_in_5_stages_with_articles():
    assert [r.number for r in rules.RULES] == list(range(1, 26))
    assert {r.stage for r in rules.RULES} == {1, 2, 3, 4, 5}
    assert all(r.article.startswith("第") for r in rules.RULES)
    assert rules.HIGHER_STEPS == {13, 16, 17, 18, 24}
    assert rules.PUBLICITY_STEPS == {3, 7, 12, 23}
    assert rules.BY_NUMBER[2].article == "第八条" and rules.BY_NUMBER[11].article == "第十九条"


@pytest.mark.parametrize(("applied", "ok"), [
    (date(2008, 5, 5), False), (date(2008, 5, 6), True), (date(2008, 5, 7), True)])
def test_age_18_on_application(applied, ok):
    assert rules.age_ok(date(1990, 5, 6), applied) is ok


def test_talk_due_one_month():
    assert rules.talk_due(date(2024, 1, 31)) == date(2024, 2, 29)
    assert rules.talk_due(date(2024, 3, 15)) == date(2024, 4, 15)


def test_target_after_a_full_year():
    assert rules.target_earliest(date(2023, 2, 15)) == date(2024, 2, 15)
    assert rules.target_earliest(date(2024, 2, 29)) == date(2025, 2, 28)


def test_approval_three_months_extended_six():
    assert rules.approval_due(date(2024, 4, 1)) == date(2024, 7, 1)
    assert rules.approval_due(date(2024, 4, 1), extended=True) == date(2024, 10, 1)


def test_probation_one_year_plus_extension():
    assert rules.probation_end(date(2024, 4, 1)) == date(2025, 4, 1)
    assert rules.probation_end(date(2024, 4, 1), 6) == date(2025, 10, 1)


@pytest.mark.parametrize(("days", "hours", "ok"), [
    (2, 23, False), (3, 0, True), (4, 0, True), (0, 24, True), (0, 25, True), (None, None, False)])
def test_training_three_days_or_24_hours(days, hours, ok):
    assert rules.training_ok(days, hours) is ok


def test_publicity_five_working_days():
    # Published Friday 2024-03-08: the 5th working day after is Friday 2024-03-15.
    assert rules.publicity_end(date(2024, 3, 8)) == date(2024, 3, 15)


def test_publicity_days_is_a_setting(settings):
    settings.ADMISSION_PUBLICITY_WORKING_DAYS = 7
    assert rules.publicity_end(date(2024, 3, 8)) == date(2024, 3, 19)


def _meeting(entitled, present, yes, no=0, abstain=0):
    return rules.meeting_errors(entitled=entitled, present=present, votes_for=yes, votes_against=no,
                                votes_abstain=abstain)


def test_meeting_quorum_more_than_half_present():
    assert _meeting(10, 5, 5) == [rules.refusal("quorum")]  # exactly half: no quorum
    assert _meeting(10, 6, 6) == []
    assert _meeting(9, 5, 5) == []  # 5 of 9 is more than half


def test_meeting_approval_more_than_half_of_all_entitled_not_of_present():
    assert _meeting(10, 6, 5, 1) == [rules.refusal("majority")]  # 5 of 6 present, but not over half of 10
    assert _meeting(10, 6, 6) == []
    assert _meeting(10, 6, 6, 0, 0) == []
    # Written opinions of absent members count: more votes than those present is allowed, up to the entitled.
    assert _meeting(10, 6, 7, 1, 0) == []


def test_meeting_impossible_numbers():
    assert _meeting(10, 11, 6) == [rules.refusal("votes")]
    assert _meeting(10, 6, 8, 2, 1) == [rules.refusal("votes")]
