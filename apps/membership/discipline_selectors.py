"""Reads of 党纪处分 for its pages: the list's filters."""

from django.db.models import Q

from .admission_models import DisciplineKind


def in_force_q(on) -> Q:
    """A 处分 is in force from its start day through its end day (open: until it is ended)."""
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def list_filter_q(*, kind, in_force, today) -> Q:
    q = Q(kind=kind) if kind in DisciplineKind.values else Q()
    if in_force == "yes":
        q &= in_force_q(today)
    elif in_force == "no":
        q &= ~in_force_q(today)
    return q
