"""Time limits of the chain (rules.md §7), all settings: acceptance of a web submission, signing for a dispatched
case, and feedback to the resident by time-limit class (emergency, utilities, general, complex)."""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from .models import Urgency


def accept_limit() -> timedelta:
    return timedelta(hours=settings.CASE_ACCEPT_HOURS)


def sign_limit() -> timedelta:
    return timedelta(hours=settings.CASE_SIGN_HOURS)


def handling_limit(urgency) -> timedelta:
    if urgency == Urgency.EMERGENCY:
        return timedelta(hours=settings.CASE_EMERGENCY_HOURS)
    if urgency == Urgency.UTILITY:
        return timedelta(hours=settings.CASE_UTILITY_HOURS)
    if urgency == Urgency.COMPLEX:
        return timedelta(days=settings.CASE_COMPLEX_DAYS)
    return timedelta(days=settings.CASE_GENERAL_DAYS)


def describe(limit: timedelta) -> str:
    hours = int(limit.total_seconds() // 3600)
    if hours % 24 == 0 and hours >= 48:
        return _("{n}天").format(n=hours // 24)
    return _("{n}小时").format(n=hours)


def service_notice(urgency) -> str:
    """What the resident is told on submission (Open311 service_notice)."""
    return _("受理后{limit}内答复").format(limit=describe(handling_limit(urgency)))
