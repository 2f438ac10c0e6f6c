"""The care fund's public summary (no login), /funds/: every fund's or one fund's posted totals by quarter and type
for a year, no names; spending cells of fewer than FUND_PUBLIC_MIN_BENEFICIARIES people are merged (the rule is
fund_selectors.public_summary's, stated on the page)."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.lookups import parse_pk

from . import fund_selectors


def public_summary(request):
    funds = list(fund_selectors.public_funds())
    this_year = timezone.localdate().year
    errors = []
    fund = None
    raw_fund = request.GET.get("fund") or ""
    if raw_fund:
        pk = parse_pk(raw_fund)
        fund = next((f for f in funds if f.pk == pk), None) if pk is not None else None
        if fund is None:
            errors.append(_("未找到该基金"))
    year = this_year
    raw_year = request.GET.get("year") or ""
    if raw_year:
        try:
            year = int(raw_year)
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            errors.append(_("年度须在2000至2100之间"))
            year = this_year
    summary = fund_selectors.public_summary(year, fund)
    return render(request, "dues/fund_public.html", {
        "funds": funds, "fund": fund, "year": year, "years": range(this_year, this_year - 6, -1), "summary": summary,
        "minimum": settings.FUND_PUBLIC_MIN_BENEFICIARIES, "errors": errors}, status=400 if errors else 200)
