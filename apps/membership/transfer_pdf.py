"""The 组织关系介绍信 as a PDF (WeasyPrint): the same three parts as the print page (存根, the letter, 回执) on one A4
page each letter, or, for 套打, only the values placed at the district's offsets on an otherwise blank page (the
pre-printed form carries the rest). Fonts are the installed Noto Serif/Sans CJK, named by family (make pdf-deps).

Where the time goes (a batch of 50, one HTML document: profiled): WeasyPrint's own layout and drawing, ~20 ms a page
on a quiet 2-core machine, ~1.1-1.5 s for 50; subsetting the large .ttc fonts is HarfBuzz's (~0.1-0.2 s, not
fontTools); a FontConfiguration reused across renders saves nothing measurable; a first render in a fresh process adds
the import (~0.4-0.7 s) and, where the fontconfig cache is missing, ~1.8 s of font scanning. Figures: make bench
BENCH_ARGS="--only letters"."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.access import policy
from apps.core import jobs
from apps.core.dates import whole_years_between
from apps.members.models import MemberCategory

from . import transfer_selectors as selectors
from .transfer_models import LETTER_FIELDS, IntroductionLetter


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
        # The language's own formats: 2026年9月 / September 2026.
        "dues_paid_to": date_format(letter.dues_paid_to, "YEAR_MONTH_FORMAT") if letter.dues_paid_to else "—",
        "validity_days": str(letter.validity_days),
        "issued_on": date_format(letter.issued_on, "DATE_FORMAT"),
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


# A long batch is laid out this many letters at a time (each a WeasyPrint document), to report progress between
# parts; the parts' pages are then written as one PDF (fonts subset once). One part: as fast as one document.
PART = 25


def render_pdf(letters, *, template=None, overlay=False, target=None, progress=None) -> bytes | None:
    """The letters as one PDF (bytes, or written to `target`). With `progress` (a job's: done, total, phase) the
    letters are laid out PART at a time and each part reported; the writing counts as a quarter of the work."""
    from weasyprint import HTML  # loads Pango on first use: only the PDF views and jobs pay for it
    from weasyprint.text.fonts import FontConfiguration

    letters = list(letters)
    if progress is None:
        return HTML(string=letters_html(letters, template=template, overlay=overlay)).write_pdf(target)
    font_config = FontConfiguration()  # shared by the parts: one set of fonts in the file
    total = len(letters) * 4 // 3 + 1
    documents = []
    for start in range(0, len(letters), PART):
        progress(start, total, _("排版"), force=not start)
        part = letters[start:start + PART]
        documents.append(HTML(string=letters_html(part, template=template, overlay=overlay))
                         .render(font_config=font_config))
    progress(len(letters), total, _("生成PDF文件"), force=True)
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf(target)


def letter_batch_job(job, progress):
    """The batch job's work, in a worker: the letters the starter chose, within their scope as it is now (any letter
    gone or out of scope: refused, nothing printed), in the order chosen, written to the job's output file."""
    actor, ids = job.created_by, job.params.get("ids", [])
    found = (policy.restrict(IntroductionLetter, actor).select_related("organization", "member").in_bulk(ids)
             if ids else {})
    if not ids or len(found) != len(set(ids)):
        raise jobs.JobRejected({"message": _("所选介绍信不存在或不在您的权限范围内"), "errors": []})
    letters = [found[i] for i in ids]
    overlay = bool(job.params.get("overlay"))
    template = selectors.letter_template_for(letters[0].organization) if overlay else None
    if overlay and template is None:
        raise jobs.JobRejected({"message": _("尚未设置介绍信套打模板"), "errors": []})
    render_pdf(letters, template=template, overlay=overlay, target=job.output_file, progress=progress)
    return {"message": _("已生成{n}封组织关系介绍信（PDF）").format(n=len(letters)), "letters": len(letters)}
