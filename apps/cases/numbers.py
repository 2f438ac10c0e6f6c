"""Case numbers (QG + date + the day's sequence) and query codes (what a resident needs to follow and rate a case)."""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F

from apps.core.crypto import keyed_hash

from .models import CaseNumberCounter

# No 0/O, 1/I/L: a code read out over the phone or copied by hand survives.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def next_number(day) -> str:
    """The next number of `day`, e.g. QG2026120100042; numbers of one day are consecutive."""
    with transaction.atomic():
        if not CaseNumberCounter.objects.filter(day=day).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    CaseNumberCounter.objects.create(day=day, last=1)
            except IntegrityError:  # another submission created the day's counter first
                CaseNumberCounter.objects.filter(day=day).update(last=F("last") + 1)
        last = CaseNumberCounter.objects.get(day=day).last
    return f"QG{day:%Y%m%d}{last:05d}"


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code) -> str:
    return "".join((code or "").split()).upper()


def hash_code(code) -> str:
    return keyed_hash("case-query:" + normalize_code(code))
