"""Two secretaries recording the same member's dues for the same month at once (PostgreSQL, two connections): exactly
one payment and one ledger transaction; the other is refused with the reason."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from apps.dues import payment_services
from apps.dues.ledger_models import LedgerTransaction
from apps.dues.models import DuesPayment
from apps.dues.rules import month_start
from tests.parallel import run_parallel

from .pay_helpers import standard

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


def test_two_writers_one_payment(tree):
    standard(tree.member_a, by=tree.users["secretary_a"])
    actors = [tree.users["secretary_a"], tree.users["town_a_admin"]]
    today = timezone.localdate()

    def work(i):
        try:
            payment_services.payment_record(actor=actors[i], member=tree.member_a, month=month_start(today),
                                            amount="12.50", method="cash", paid_on=today)
        except ValidationError as exc:
            return exc.messages[0]
        return "ok"

    assert sorted(run_parallel(2, work)) == ["ok", "该党员该月党费已登记"]
    assert DuesPayment.objects.filter(member=tree.member_a).count() == 1
    assert LedgerTransaction.objects.count() == 1
