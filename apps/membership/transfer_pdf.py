"""The 组织关系介绍信 as a PDF (WeasyPrint): the same three parts as the print page (存根, the letter, 回执) on one A4
page each letter, or, for 套打, only the values placed at the district's offsets on an otherwise blank page (the
pre-printed form carries the rest). Fonts are the installed Noto Serif/Sans CJK, named by family (make pdf-deps)."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.dates import whole_years_between
from apps.members.models import MemberCategory

from .transfer_models import LETTER_FIELDS


def _party_category(member) -> str:
    return _("中共预备党员") if member.category == MemberCategory.PROBATIONARY else _("中共正式党员")


def letter_values(letter) -> dict:
    """Each printed field's text (the page, the PDF and 套打 print the same values). The 身份证号 is the masked one
    (the letter goes to another organization; full numbers are shown only through the audited unmask)."""
    member = letter.member
    return {
        "number": letter.number,
        "name": member.name,
        "sex": member.get_sex_display(),
        "age": str(whole_years_between(member.birth_date, letter.issued_on)) if member.birth_date else "",
        "category": member.get_category_display(),
        "party_category": _party_category(member),
        "ethnicity": member.get_ethnicity_display(),
        "id_number": member.id_masked,
        "from_org": letter.organization.name,
        "destination": letter.destination,
        "dues_paid_to": f"{letter.dues_paid_to:%Y年%-m月}" if letter.dues_paid_to else "—",
        "validity_days": str(letter.validity_days),
        "issued_on": f"{letter.issued_on:%Y年%-m月%-d日}",
    }


def overlay_fields(letter, template) -> list[dict]:
    values = letter_values(letter)
    offsets = template.offsets if template else {}
    return [{"key": f, "text": values[f], **offsets[f]} for f in LETTER_FIELDS if f in offsets]


def letters_html(letters, *, template=None, overlay=False) -> str:
    items = [{"letter": letter, "v": letter_values(letter),
              "fields": overlay_fields(letter, template) if overlay else ()} for letter in letters]
    return render_to_string("membership/letter_pdf.html", {"items": items, "overlay": overlay,
                                                           "printed_at": timezone.localtime()})


def render_pdf(letters, *, template=None, overlay=False) -> bytes:
    from weasyprint import HTML  # loads Pango on first use: only the PDF views pay for it

    return HTML(string=letters_html(letters, template=template, overlay=overlay)).write_pdf()
