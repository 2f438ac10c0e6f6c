"""居民身份证号码 (GB 11643-1999): validation, check character, derived birth date and sex."""

import operator
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class IdNumberError(ValueError):
    """Raised with a message (in the active language) that can be shown to the user as is."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    sex: str  # "M" or "F"

    @property
    def masked(self):
        return mask_id_number(self.value)


def check_char(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))  # as sum(int(d) * w for d, w in zip(…)), at C speed
    return CHECK_CHARS[total % 11]


def normalize_id_number(raw) -> str:
    text = "" if raw is None else str(raw)
    text = text.translate(_FULLWIDTH).replace(" ", "").replace("\u3000", "").strip().upper()
    return text


_FULLWIDTH = {0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF38: ord("X"), 0xFF58: ord("X")}


def parse_id_number(raw, today: date | None = None) -> IdNumber:
    value = normalize_id_number(raw)
    if not value:
        raise IdNumberError(_("身份证号不能为空"))
    if not _SHAPE.match(value):
        raise IdNumberError(_("身份证号应为18位：前17位为数字，最后一位为数字或X"))
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError(_("身份证号中的出生日期无效")) from None
    today = today or date.today()
    if birth > today or birth.year < 1900:
        raise IdNumberError(_("身份证号中的出生日期超出合理范围"))
    if check_char(value[:17]) != value[17]:
        raise IdNumberError(_("身份证号校验位不正确，请核对号码"))
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex)


# Characters of a 身份证号 a masked form keeps: only the first three (province and prefecture).
#
# Why so few: wherever a masked number is shown, the birth date and sex are shown too, and the organization
# suggests the county of registration (digits 4–6). The old form (first 6 + last 4) hid exactly the 8 birth-date
# digits, so the number could be rebuilt from the page. Keeping the last one or two characters is not safe either:
# with the county guessed from the organization and the birth date known, the sequence digits and the check
# character are all that is left, and showing the check character (1 in 11) and the sex digit leaves about 9
# candidates. Hiding everything after the prefecture leaves, even with the county guessed, the 500 sequences of the
# member's sex (each with its own check character), and tens of thousands when the county is not known
# (apps/members/tests/test_mask_recovery.py enumerates them). The length stays 18 so the form reads as a number.
ID_MASK_KEEP = 3


def mask_id_number(value: str) -> str:
    """The masked form shown to anyone without the unmasking right: 500***************.

    Idempotent, and it re-masks the older masked forms (500102********0117 → 500***************) still stored in
    audit rows, so display code can apply it to a value whatever its age.
    """
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:ID_MASK_KEEP] + "*" * (len(value) - ID_MASK_KEEP)


def make_id_number(area: str, birth: date, sequence: int) -> str:
    """Build a valid number (for demo data and tests): 6-digit area, birth date, 3-digit sequence."""
    first17 = f"{area}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
