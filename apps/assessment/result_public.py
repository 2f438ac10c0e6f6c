"""The public page of published results (/results/, no login): the list of publications in force and one of them —
its note (月点评, 年述评 …), its ranking (the organizations it shows, ranked within the whole round, by page) and a bar
chart of the first rows. Only publications in force are read (result_selectors.public_publications); a withdrawn or
unknown one is 404 alike. Organizations' names and figures only: nothing personal."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core.lookups import parse_pk

from . import result_selectors


def results_public(request):
    page = Paginator(result_selectors.public_publications(), settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/results/public_list.html", {"page": page})


def result_public(request, pk):
    publication = result_selectors.public_publication(pk) if parse_pk(pk) is not None else None
    if publication is None:
        raise Http404(_("未找到该考核结果"))
    rnd = publication.round
    entries = result_selectors.published_entries(publication)
    page, rows = result_selectors.ranking_page(rnd, entries, request.GET.get("page"), improve=False)
    return render(request, "assessment/results/public_detail.html", {
        "publication": publication, "round": rnd, "rows": rows, "page": page,
        **result_selectors.chart_context(entries, page.paginator.count)})
