"""Closed months: a month closed at an organization is read-only for it and its whole subtree (payments, voids,
remittances and fund entries of that month). Every money write asks `require_open` in its transaction; the close
itself is `book_services.month_close`."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.orgs.models import Organization

from .models import MonthClose
from .rules import month_start


def ancestor_paths(path: str) -> list[str]:
    step = Organization.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def closed_at(organization: Organization, month: date) -> MonthClose | None:
    """The close covering `month` for `organization` (its own or an ancestor's), if any."""
    return (MonthClose.objects.filter(month=month_start(month), organization__path__in=ancestor_paths(organization.path))
            .select_related("organization").order_by("organization__depth").first())


def covering(organization: Organization):
    """The closes made above the organization: they close its months too, so its books list them (the
    organizations above are otherwise out of its staff's scope)."""
    return MonthClose.objects.filter(organization__path__in=ancestor_paths(organization.path)[:-1])


def require_open(organization: Organization, month: date) -> None:
    close = closed_at(organization, month)
    if close is not None:
        raise ValidationError(_("{month} 已由{org}结账，不能再修改").format(
            month=f"{month_start(month):%Y年%m月}", org=close.organization.name))
