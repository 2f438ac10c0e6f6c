"""Payments for the books' tests, written exactly as the rules say a payment writes (the payment service is another
helper's): a DuesPayment row and the transaction (org, DUES_CASH, +a), (org, DUES_COLLECTED, −a); a void sets the
row's void fields and posts the reverse (PAYMENT_VOID)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.dues import ledger
from apps.dues.ledger_models import AccountKind, TransactionKind
from apps.dues.models import DuesPayment, DuesStandard, HardshipDecision, HardshipStatus, PaymentKind, PaymentMethod

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


@transaction.atomic
def pay(actor, member, amount, month=JAN, *, org=None, kind=PaymentKind.REGULAR, method=PaymentMethod.CASH,
        paid_on=None, reference="", remit_in_full=False) -> DuesPayment:
    org = org or member.organization
    amount = Decimal(amount)
    payment = DuesPayment.objects.create(member=member, organization=org, month=month, kind=kind, amount=amount,
                                         method=method, paid_on=paid_on or month.replace(day=10), reference=reference,
                                         remit_in_full=remit_in_full, recorded_by=actor)
    ledger.post(actor=actor, organization_id=org.pk, kind=TransactionKind.PAYMENT, occurred_on=payment.paid_on,
                month=month, legs=[(org.pk, AccountKind.DUES_CASH, amount), (org.pk, AccountKind.DUES_COLLECTED, -amount)],
                payment=payment)
    return payment


@transaction.atomic
def void(actor, payment: DuesPayment, reason="录入错误") -> DuesPayment:
    payment = DuesPayment.objects.select_for_update().get(pk=payment.pk)
    org_id, amount = payment.organization_id, payment.amount
    ledger.post(actor=actor, organization_id=org_id, kind=TransactionKind.PAYMENT_VOID, occurred_on=timezone.localdate(),
                month=payment.month, legs=[(org_id, AccountKind.DUES_CASH, -amount), (org_id, AccountKind.DUES_COLLECTED, amount)],
                payment=payment)
    payment.voided_at, payment.voided_by, payment.void_reason = timezone.now(), actor, reason
    payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return payment


def standard(actor, member, amount, effective_from, category="in_service"):
    return DuesStandard.objects.create(member=member, category=category, monthly_amount=Decimal(amount),
                                       effective_from=effective_from, recorded_by=actor)


def hardship(actor, member, amount, first, last=None, status=HardshipStatus.APPROVED, decided_at=None):
    return HardshipDecision.objects.create(member=member, first_month=first, last_month=last, status=status,
                                           monthly_amount=Decimal(amount), reason="生活困难", applied_by=actor,
                                           decided_at=decided_at or timezone.now())
