"""特色活动之星: picking the month's stars (district or committee) and the public page that shows them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.dates import add_months, parse_month
from apps.core.lookups import parse_pk
from apps.core.paging import KeysFirstPaginator

from . import selectors, services
from .forms import StarForm
from .models import ActivityRecord, MonthlyStar
from .views import refused


def _month(value):
    try:
        return parse_month(value) if value else add_months(timezone.localdate().replace(day=1), -1)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


@login_required
def stars_manage(request):
    """Submitted records of a month in the reviewer's scope, to pick from, and the month's picks."""
    if not policy.has_capability(request.user, policy.RECORD_REVIEW):
        raise PermissionDenied(_("只有上级党组织可以评选特色活动之星"))
    month = _month(request.GET.get("month"))
    end = add_months(month, 1)
    candidates = selectors.star_candidates(request.user, month, end, photos_only=request.GET.get("photos") == "1")
    page = KeysFirstPaginator(candidates, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    picked = selectors.stars_picked(request.user, month)
    return render(request, "records/stars_manage.html", {
        "month": month, "previous": add_months(month, -1), "next": add_months(month, 1), "page": page,
        "picked": picked, "picked_ids": {s.record_id for s in picked}, "limit": settings.MONTHLY_STARS_MAX,
        "section": "stars", "photos_only": request.GET.get("photos") == "1",
    })


@login_required
@require_POST
def star_pick(request, pk):
    record = policy.get(ActivityRecord, request.user, pk, policy.RECORD_REVIEW)
    form = StarForm(request.POST, orgs=selectors.star_orgs(request.user, record))
    if not form.is_valid():
        return refused(request, record, ValidationError(_("请选择评选组织")))
    try:
        services.star_pick(actor=request.user, record=record, chosen_by_org=form.cleaned_data["chosen_by_org"],
                           citation=form.cleaned_data["citation"], request=request)
    except ValidationError as exc:
        return refused(request, record, exc)
    messages.success(request, _("已评为{month}特色活动之星").format(month=f"{record.held_on:%Y-%m}"))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = f"{reverse('records:stars_manage')}?month={record.held_on:%Y-%m}"
    return redirect(target)


@login_required
@require_POST
def star_remove(request, pk):
    star = policy.get(MonthlyStar, request.user, pk, policy.RECORD_REVIEW)
    services.star_remove(actor=request.user, star=star, request=request)
    messages.success(request, _("已取消评选"))
    return redirect(f"{reverse('records:stars_manage')}?month={star.month:%Y-%m}")


# ---- public ----

def stars_public(request, month=None):
    """The public page: the month's stars with photos and summary; nothing personal beyond names."""
    months = selectors.public_star_months()
    if month:
        try:  # a month in the path that does not exist is a page that does not exist
            chosen = parse_month(month)
        except ValueError as exc:
            raise Http404(str(exc)) from None
    elif months:
        chosen = months[0]
    else:
        chosen = None
    stars = selectors.public_stars(chosen) if chosen else []
    return render(request, "records/stars_public.html", {"stars": stars, "month": chosen, "months": months})


def star_photo(request, pk):
    """A photo of a starred record, public; any other file stays behind the access layer."""
    item = selectors.public_star_photo(pk) if parse_pk(pk) is not None else None
    if item is None:
        raise Http404(_("未找到该照片"))
    try:
        return FileResponse(item.file.open("rb"), content_type=item.content_type)
    except FileNotFoundError:
        raise Http404(_("未找到该照片")) from None

