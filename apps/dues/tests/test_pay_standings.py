"""manage.py dues_standings: --check finds a standing that differs (and a missing one) and exits 1; --rebuild
writes them from grouped queries; afterwards --check passes."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.dues import payment_services
from apps.dues.models import DuesStanding, HardshipDecision
from tests.factories import make_member

from .pay_helpers import TODAY, frozen, standard

pytestmark = pytest.mark.django_db


@pytest.fixture(name="today")
def _today(settings):
    yield from frozen(settings)


def test_check_and_rebuild(tree, today, capsys, settings):
    settings.DUES_START_MONTH = "2026-05"  # owed from May
    standard(tree.member_a, by=tree.users["secretary_a"])
    payment_services.payment_record(actor=tree.users["secretary_a"], member=tree.member_a, month=date(2026, 5, 1),
                                    amount="12.50", method="cash", paid_on=TODAY)
    waived = make_member(tree.branch_a, "王五")
    HardshipDecision.objects.create(member=waived, first_month=date(2026, 1, 1), last_month=None,
                                    monthly_amount=D("0"), reason="低保", status="approved",
                                    applied_by=tree.users["secretary_a"])
    DuesStanding.objects.filter(member=tree.member_a).update(last_covered=date(2025, 1, 1))  # drifted
    with pytest.raises(CommandError) as exc:
        call_command("dues_standings", "--check")
    assert exc.value.returncode == 1
    out = capsys.readouterr().out
    assert f"member {tree.member_a.pk}:" in out and f"member {waived.pk}:" in out  # drifted, and missing
    call_command("dues_standings", "--rebuild")
    assert DuesStanding.objects.get(member=tree.member_a).last_covered == date(2026, 5, 1)
    assert DuesStanding.objects.get(member=waived).last_covered == date(9999, 12, 1)
    assert DuesStanding.objects.get(member=tree.member_b).last_covered is None
    call_command("dues_standings", "--check")
    assert "0 differ" in capsys.readouterr().out
