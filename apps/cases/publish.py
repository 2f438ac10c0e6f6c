"""What a case shows in public (the status page, the public case list, Open311): the text with any phone or ID
number a resident typed into it masked, the handling unit's name and never a staff member's, the status as a
resident reads it."""

from django.utils.translation import gettext as _

from apps.core.text import mask_numbers

from .areas import place_name
from .states import is_merged, outcome


def public_text(text) -> str:
    # One masking for every way a number is typed (spaced, dashed, full-width, +86…): apps.core.text.mask_numbers.
    return mask_numbers(text or "")


def public_name(case) -> str:
    """The submitter as shown in public: anonymous on request, otherwise the surname and the rest masked."""
    if case.hide_name or not case.contact_name:
        return _("匿名")
    return case.contact_name[0] + "*" * max(1, len(case.contact_name) - 1)


def handling_unit(case):
    handled = outcome(case)
    return handled.lead_unit or handled.owner_unit


def status_note(case) -> str:
    """The extended status in words, e.g. “办理中 · 承办单位：甲镇” (Open311 status_notes)."""
    handled = outcome(case)
    unit = handling_unit(case)
    note = handled.get_status_display()
    if is_merged(case):
        note = _("已合并至 {number}（{status}）").format(number=handled.number, status=note)
    if unit is not None:
        note += " · " + _("承办单位：{unit}").format(unit=unit.name)
    return note


def where(case) -> str:
    return public_text(case.address) or place_name(case.area)


def rounded(coordinate):
    """A published coordinate, to about 100 m: where the problem is, not whose door it is."""
    return round(float(coordinate), 3) if coordinate is not None else None
