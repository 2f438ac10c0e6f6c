"""入党志愿书 numbers drawn at once by several branches (PostgreSQL, real parallel connections): the range's row is
locked while its counter moves, so every draw gets a different number and the counter ends where the draws do."""

import time

import pytest
from django.db import connection

from apps.membership import admission_services as services
from apps.membership.admission_models import VolunteerBookRange
from tests.factories import Tree
from tests.parallel import run_parallel

from .adm_helpers import new_applicant

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def test_parallel_draws_get_distinct_numbers(monkeypatch):
    tree = Tree()
    book = VolunteerBookRange.objects.create(organization=tree.town_a, prefix="Z", first=1, last=100, next_number=1)
    applicants = [new_applicant(tree, seq=600 + i, name=f"并发{i}") for i in range(6)]
    real_format = VolunteerBookRange.format

    def slow_format(self, number):  # between reading the counter and writing it back
        time.sleep(0.05)
        return real_format(self, number)

    monkeypatch.setattr(VolunteerBookRange, "format", slow_format)
    numbers = run_parallel(6, lambda i: services.volunteer_book_allocate(actor=tree.users["town_a_admin"],
                                                                          applicant=applicants[i]))
    assert sorted(numbers) == [f"Z{n:06d}" for n in range(1, 7)]
    book.refresh_from_db()
    assert book.next_number == 7
