"""`make bench BENCH_ARGS="--only letters"`, 组织关系介绍信 as PDF (WeasyPrint, Noto Serif/Sans CJK SC): a batch of 50
letters as one PDF — what the batch print makes in the request (LETTER_BATCH_SYNC_MAX) — beside its bare baseline,
WeasyPrint alone writing 50 A4 pages of static Chinese text in the same fonts (no template, no database, the same
amount of CJK text to shape, lay out and subset); then one letter beside one minimal CJK page. A line after: a batch
of 200 in parts (PART letters at a time), as the background job makes it.

The letters are built in memory for 50 current members of the district's largest branch (nothing is written: the PDF
needs the letter's values, not its row). Times are wall-clock and single-threaded: a loaded machine inflates them
(the figures of a busy 2-core machine ran 2-4 times the quiet ones)."""

import time

from .bench import Figure, measure, median_ms

STATIC_PAGE = ("<section style='page-break-after: always'><h2>中国共产党党员组织关系介绍信</h2>"
               + "<p>兹介绍某某同志（男，四十六岁，汉族，中共正式党员）前往某某市某某区某某街道党工委，请转接组织关系。"
                 "该同志党费已交到二〇二六年九月。（有效期十天）</p>" * 6 + "</section>")
STYLE = ("<style>@page { size: A4; margin: 14mm 16mm; } body { font-family: 'Noto Serif CJK SC', serif; "
         "font-size: 11.5pt; line-height: 1.55; } h2 { font-size: 15pt; text-align: center; }</style>")


def _static_html(pages: int) -> str:
    return f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>{STYLE}</head><body>" \
           f"{STATIC_PAGE * pages}</body></html>"


def _letters(bench, n):
    from django.utils import timezone

    from apps.members.models import CURRENT_STATUSES, Member
    from apps.membership.transfer_models import IntroductionLetter
    from apps.orgs.models import Organization

    root = bench.root
    branch = (Organization.objects.filter(path__startswith=root.path, kind="branch")
              .order_by("-member_count__current").first())
    members = list(Member.objects.filter(organization=branch, status__in=CURRENT_STATUSES)
                   .select_related("organization").order_by("pk")[:n])
    today = timezone.localdate()
    return [IntroductionLetter(member=m, organization=m.organization, number=f"介{today.year}-{branch.code}-{i:04d}",
                               destination=f"某某市某某区第{i}党支部", validity_days=10, issued_on=today,
                               dues_paid_to=today.replace(day=1)) for i, m in enumerate(members, 1)]


def run_letters(bench):
    from weasyprint import HTML

    from apps.membership import transfer_pdf

    bench.log(f"Letters (组织关系介绍信 PDF), {bench.scope}:")
    letters = _letters(bench, 50)
    if not letters:
        bench.log("  no members to print letters for")
        return
    n = len(letters)
    static_n, static_1 = _static_html(n), _static_html(1)

    def batch():
        transfer_pdf.render_pdf(letters)

    def bare():
        HTML(string=static_n).write_pdf()

    times, base = measure(batch, bare, warmup=1, budget=12.0, min_reps=3, max_reps=7)
    cpu = time.process_time()
    batch()
    cpu = time.process_time() - cpu
    label = f"letters batch PDF ({n} letters, one document)"
    bench.figures.append(Figure(label, times, base, f"WeasyPrint {n} static CJK pages", "0"))
    bench.log(f"  {label}: {median_ms(times):.0f} ms (bare {n} static pages {median_ms(base):.0f} ms); "
              f"{median_ms(times) / n:.1f} ms a letter; ~{cpu:.2f} s CPU a run")

    one = letters[:1]
    times, base = measure(lambda: transfer_pdf.render_pdf(one), lambda: HTML(string=static_1).write_pdf(),
                          budget=3.0, min_reps=5, max_reps=15)
    label = "one letter PDF"
    bench.figures.append(Figure(label, times, base, "WeasyPrint 1 static CJK page", "0"))
    bench.log(f"  {label}: {median_ms(times):.0f} ms (bare 1 static page {median_ms(base):.0f} ms)")

    big = (letters * (200 // n + 1))[:200]
    started = time.perf_counter()
    transfer_pdf.render_pdf(big, progress=lambda done, total=None, phase=None, force=False: None)
    bench.log(f"  letters batch PDF (200 letters in parts of {transfer_pdf.PART}, as the background job): "
              f"{time.perf_counter() - started:.1f} s")
