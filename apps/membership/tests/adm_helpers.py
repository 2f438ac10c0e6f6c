"""Building applicants through the 25 steps for the admission tests: valid data for each step on fixed dates
(in the past), the branch's secretary for the branch's steps and the township administrator for the higher ones."""

from datetime import date

import pytest

from apps.membership import admission_rules as rules
from apps.membership import admission_services as services
from apps.membership.admission_models import VolunteerBookRange
from tests.factories import make_member

BIRTH = date(1990, 5, 6)
APPLIED = date(2023, 1, 2)


@pytest.fixture
def adm_calendar(settings):
    # Working days are Monday to Friday in these tests (no 调休 list of a particular year).
    settings.PUBLIC_HOLIDAYS = ""
    settings.WORKING_WEEKENDS = ""
    settings.ADMISSION_PUBLICITY_WORKING_DAYS = 5


def id_for(birth=BIRTH, seq=123):
    from apps.core.idcard import make_id_number

    return make_id_number("500102", birth, seq)


@pytest.fixture
def adm_world(tree, adm_calendar):
    second = make_member(tree.branch_a, "王五")
    book = VolunteerBookRange.objects.create(organization=tree.town_a, prefix="JZ", first=1, last=999, next_number=1)
    return {"tree": tree, "introducers": [tree.member_a, second], "book": book}


def new_applicant(tree, *, birth=BIRTH, applied=APPLIED, seq=123, name="赵六"):
    return services.applicant_create(actor=tree.users["secretary_a"], organization=tree.branch_a, data={
        "name": name, "id_number": id_for(birth, seq), "applied_on": applied})


def step_data(number, world):
    """Valid data for each step (dates in order; every rule holds)."""
    tree = world["tree"]
    meeting = {"entitled": 10, "present": 6, "votes_for": 6, "votes_against": 0, "votes_abstain": 0}
    table = {
        2: {"done_on": date(2023, 1, 20), "talk_partner": tree.member_a},
        3: {"done_on": date(2023, 2, 15), "publicity_from": date(2023, 2, 1)},
        4: {"done_on": date(2023, 2, 16)},
        5: {"done_on": date(2023, 2, 17), "contacts": [tree.member_a]},
        6: {"done_on": date(2023, 8, 1)},
        7: {"done_on": date(2024, 2, 15), "publicity_from": date(2024, 2, 1)},
        8: {"done_on": date(2024, 2, 16)},
        9: {"done_on": date(2024, 2, 17), "introducers": world["introducers"]},
        10: {"done_on": date(2024, 3, 1), "note": "政审合格"},
        11: {"done_on": date(2024, 3, 5), "training_days": 3},
        12: {"done_on": date(2024, 3, 20), "publicity_from": date(2024, 3, 8)},
        13: {"done_on": date(2024, 3, 25)},
        14: {"done_on": date(2024, 3, 26)},
        15: {"done_on": date(2024, 4, 1), **meeting},
        16: {"done_on": date(2024, 4, 10)},
        17: {"done_on": date(2024, 5, 1)},
        18: {"done_on": date(2024, 5, 5)},
        19: {"done_on": date(2024, 5, 10)},
        20: {"done_on": date(2024, 6, 1)},
        21: {"done_on": date(2024, 9, 1)},
        22: {"done_on": date(2025, 3, 20)},
        23: {"done_on": date(2025, 4, 1), "publicity_from": date(2025, 3, 21), **meeting},
        24: {"done_on": date(2025, 5, 1), "outcome": "on_time"},
        25: {"done_on": date(2025, 5, 10)},
    }
    return dict(table[number])


def actor_for(number, tree):
    return tree.users["town_a_admin" if number in rules.HIGHER_STEPS else "secretary_a"]


def record(applicant, number, world, **changes):
    data = {**step_data(number, world), **changes}
    return services.step_record(actor=actor_for(number, world["tree"]), applicant=applicant, number=number, data=data)


def advance(applicant, world, upto):
    """Record the applicant's steps from the next one through `upto` with valid data."""
    for number in range(applicant.next_step, upto + 1):
        record(applicant, number, world)
        applicant.refresh_from_db()
    return applicant
