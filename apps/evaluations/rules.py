"""The counting rules of 民主评议党员, shared by the services (which enforce them) and the pages (which show them)."""

import math
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A branch may open the evaluation of a past year (kept late, or entered afterwards), never of a future one.
FIRST_YEAR = 2000


def excellent_ratio() -> Fraction:
    """The largest share of graded members that may be 优秀 (EVALUATION_EXCELLENT_MAX_RATIO, e.g. "1/3")."""
    try:
        ratio = Fraction(str(settings.EVALUATION_EXCELLENT_MAX_RATIO).strip())
    except (ValueError, ZeroDivisionError):
        raise ImproperlyConfigured("EVALUATION_EXCELLENT_MAX_RATIO must be a fraction such as 1/3")
    if not 0 <= ratio <= 1:
        raise ImproperlyConfigured("EVALUATION_EXCELLENT_MAX_RATIO must lie between 0 and 1")
    return ratio


def excellent_limit(graded_count: int) -> int:
    """At most this many 优秀 among `graded_count` graded members: rounded down (7 × 1/3 → 2)."""
    return math.floor(graded_count * excellent_ratio())
