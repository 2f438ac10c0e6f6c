"""Residents' pages, no account needed: report a problem (phone-first), follow it with the case number and query
code, rate the outcome; and what the district publishes: the public case list and the monthly rankings.

A browser that has entered a case's query code (or submitted the case) may open that case's status page and photos
for the rest of its session; nothing else about a case is shown without the code."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.core import ratelimit
from apps.core.dbrouter import reading_from_replica
from apps.core.forms import apply_refusal
from apps.core.lookups import parse_pk
from apps.core.net import rate_key
from apps.core.paging import KeysFirstPaginator
from apps.core.periods import period_containing
from apps.core.templatetags.ui import bootstrap

from .. import areas, challenge, deadlines, metrics, photos, publish, scopes, search, selectors, services, states
from ..forms import LookupForm, PublicCaseForm, RankingForm, RatingForm
from ..intake import Intake, SubmissionBlocked, case_submit, check_submission
from ..models import EventKind, PhotoStage, RatedVia, Service, Urgency

SESSION_RECEIPT = "case_receipt"


def _fresh_challenge(form):
    """A refused form comes back with a new challenge: the old one may be spent."""
    form.data = form.data.copy()
    form.data["challenge_token"] = challenge.new_challenge()
    form.data["challenge_answer"] = ""


@never_cache
def report(request):
    if request.method != "POST":
        form = PublicCaseForm(initial={"challenge_token": challenge.new_challenge()})
        return render(request, "cases/public/report.html", {"form": form, "public_section": "report"})
    form = PublicCaseForm(request.POST, request.FILES)
    status = 400
    fields_valid = form.is_valid()
    # Everything is judged in one round: the challenge whatever else is wrong (its token is spent by any guess, and
    # the page comes back with a new one), and the submission itself whatever the challenge's answer.
    challenge_passed = _check_challenge(form)
    entry = _intake(form)
    if not (fields_valid and challenge_passed):
        try:
            check_submission(entry)
        except ValidationError as exc:
            form.add_intake_errors(exc, skip_fields_with_errors=True)
    else:
        try:
            case, code = case_submit(intake=entry, ip=rate_key(request), request=request)
        except SubmissionBlocked as exc:
            form.add_error(None, exc.messages)
            status = 429
        except ValidationError as exc:
            form.add_intake_errors(exc)
        else:
            request.session[SESSION_RECEIPT] = {"number": case.number, "code": code}
            scopes.resident_grant(request, case)
            return redirect("report:done")
    _fresh_challenge(form)
    return render(request, "cases/public/report.html", {"form": form, "public_section": "report"}, status=status)


def _check_challenge(form) -> bool:
    """The honeypot and the challenge, judged even when other fields are wrong; a refusal goes on the answer."""
    data = form.cleaned_data
    try:
        if data.get("website") or form.data.get("website"):
            raise ValidationError(_("提交未通过校验，请刷新页面后重试"))
        if "challenge_answer" in form.errors:  # no answer, or not one the field takes: nothing to judge
            return False
        challenge.verify(form.data.get("challenge_token", ""), form.cleaned_data["challenge_answer"])
    except ValidationError as exc:
        form.add_error("challenge_answer", exc.messages)
        return False
    return True


def _intake(form) -> Intake:
    """The submission as far as the form could read it (a field it refused is left empty)."""
    data = form.cleaned_data
    return Intake(service=data.get("service"), description=data.get("description") or "", area=form.area(),
                  address=data.get("address") or "", lat=data.get("lat"), lng=data.get("lng"),
                  share_location=bool(data.get("share_location")), contact_name=data.get("contact_name") or "",
                  phone=data.get("phone") or "", hide_name=bool(data.get("hide_name")),
                  urgency=Urgency.EMERGENCY if data.get("emergency") else "",
                  attributes=form.attribute_values(), photos=data.get("photos") or [])


@never_cache
def done(request):
    receipt = request.session.pop(SESSION_RECEIPT, None)
    if not receipt:
        return redirect("report:track")
    case = scopes.resident_case(request, receipt["number"], related=("service", "lead_unit"))
    if case is None:
        return redirect("report:track")
    return render(request, "cases/public/done.html", {"case": case, "code": receipt["code"], "public_section": "report",
                                                      "notice": deadlines.service_notice(case.urgency)})


def villages(request):
    """The village select for the chosen township (htmx)."""
    value = request.GET.get("township", "")
    township = areas.townships().filter(pk=parse_pk(value)).first() if parse_pk(value) is not None else None
    return render(request, "cases/public/_villages.html", {"villages": areas.with_places(areas.villages(township))})


def attributes(request):
    """The extra questions of the chosen category (htmx)."""
    value = request.GET.get("service", "")
    service = Service.objects.filter(pk=parse_pk(value), is_active=True).first() if parse_pk(value) is not None else None
    form = bootstrap(PublicCaseForm(initial={"service": service}))
    return render(request, "cases/public/_attributes.html", {"fields": form.attribute_bound_fields()})


@never_cache
def challenge_refresh(request):
    return render(request, "cases/public/_challenge.html", {"token": challenge.new_challenge()})


@never_cache
def challenge_text(request):
    """The challenge's question in words, asked for by "改用文字题" (screen readers, no picture)."""
    question = challenge.question_in_words(request.GET.get("t", ""))
    if question is None:
        raise Http404(_("验证题已过期"))
    return render(request, "cases/public/_challenge_text.html", {"question": question})


@never_cache
def challenge_image(request):
    png = challenge.render_png(request.GET.get("t", ""))
    if png is None:
        raise Http404(_("验证题已过期"))
    return HttpResponse(png, content_type="image/png")


@never_cache
def track(request):
    form = LookupForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # Counted before the code is checked, in one atomic statement, and refused on the counted value: parallel
            # guesses cannot all pass on an old count. A right code gives its attempt back (only wrong ones count).
            attempt = ratelimit.hit("case-lookup", rate_key(request), limit=settings.CASE_LOOKUP_FAILURES_MAX,
                                    window=settings.CASE_LOOKUP_WINDOW_MINUTES * 60)
            if not attempt.allowed:
                form.add_error(None, _("查询失败次数过多，请{minutes}分钟后再试").format(minutes=attempt.retry_minutes))
                status = 429
            else:
                case = scopes.resident_unlock(request, form.cleaned_data["number"], form.cleaned_data["code"])
                if case is not None:
                    ratelimit.refund(attempt)
                    return redirect("report:status", case.number)
                form.add_error(None, _("受理编号或查询码不正确"))
    return render(request, "cases/public/track.html", {"form": form, "public_section": "track"}, status=status)


def _case_for(request, number):
    """The case if this browser has its code; otherwise None (the caller sends the visitor to the lookup)."""
    return scopes.resident_case(request, number, related=("service", "area", "lead_unit", "owner_unit",
                                                          "master__lead_unit", "master__owner_unit"))


def _status_context(case, rating_form=None):
    handled = states.outcome(case)
    events = list(selectors.timeline(case, public_only=True))
    if handled is not case:  # the joined case's handling since the merge; its submitters' ratings are theirs
        merged_at = next((e.at for e in events if e.kind == EventKind.MERGED), case.submitted_at)
        events += [e for e in selectors.timeline(handled, public_only=True).exclude(kind=EventKind.RATED)
                   if e.at >= merged_at]
        events.sort(key=lambda e: (e.at, e.pk))
    pictures = list(case.photos.all()) + [p for p in handled.photos.all()
                                          if handled is not case and p.stage == PhotoStage.RESOLUTION]
    return {"case": case, "handled": handled, "merged": handled is not case, "events": events, "photos": pictures, "public_section": "track",
            "unit": publish.handling_unit(case), "can_rate": states.can_rate(case),
            "rating_form": rating_form or RatingForm(), "now": timezone.now()}


@never_cache
def status(request, number):
    case = _case_for(request, number)
    if case is None:
        return redirect(f"{reverse('report:track')}?{urlencode({'number': number})}")
    return render(request, "cases/public/status.html", _status_context(case))


@require_POST
def rate(request, number):
    case = _case_for(request, number)
    if case is None:
        return redirect(f"{reverse('report:track')}?{urlencode({'number': number})}")
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.case_rate(case=case, rating=form.cleaned_data["rating"], solved=form.cleaned_data["solved"],
                               comment=form.cleaned_data["comment"], via=RatedVia.RESIDENT, request=request)
        except ValidationError as exc:
            apply_refusal(request, form, exc)
        else:
            messages.success(request, _("感谢您的评价"))
            return redirect("report:status", case.number)
    case.refresh_from_db()
    return render(request, "cases/public/status.html", _status_context(case, form), status=400)


def photo(request, pk):
    item = scopes.resident_photo(request, parse_pk(pk))
    if item is None:
        raise Http404(_("未找到该照片"))
    return photos.serve(item)


# ---- what the district publishes ----

def public_cases(request):
    qs = selectors.public_cases().select_related("service", "area", "lead_unit", "owner_unit", "master__lead_unit",
                                              "master__owner_unit").order_by("-submitted_at", "-id")
    q = request.GET.get("q", "").strip()
    if q:
        qs = search.search(qs, q)
    area_pk, service_pk = parse_pk(request.GET.get("area")), parse_pk(request.GET.get("service"))
    township = areas.townships().filter(pk=area_pk).first() if area_pk is not None else None
    if township is not None:
        qs = areas.in_area(qs, township)
    service = Service.objects.filter(pk=service_pk).first() if service_pk is not None else None
    if service is not None:
        qs = qs.filter(service=service)
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(states.open_q())
    elif state == "closed":
        qs = qs.filter(states.closed_q())
    page = KeysFirstPaginator(qs, settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page:
        case.public_description = publish.public_text(case.description)
        case.public_unit = publish.handling_unit(case)
        case.public_open = states.is_open(case)
    return render(request, "cases/public/cases.html", {
        "page": page, "q": q, "townships": areas.townships(), "services": Service.objects.filter(is_active=True),
        "area": township, "service": service, "state": state, "public_section": "cases",
    })


def public_case(request, number):
    case = selectors.public_cases().select_related("service", "area", "lead_unit", "owner_unit", "master").filter(
        number=number).first()
    if case is None:
        raise Http404(_("未找到该诉求"))
    handled = states.outcome(case)
    return render(request, "cases/public/case.html", {
        "case": case, "handled": handled, "description": publish.public_text(case.description),
        "answer": publish.public_text(handled.answer), "unit": publish.handling_unit(case), "name": publish.public_name(case),
        "events": selectors.timeline(handled, public_only=True).exclude(kind=EventKind.RATED), "public_section": "cases",
    })


def public_rankings(request):
    form = RankingForm(request.GET or None)
    period = (form.cleaned_data["period"] if form.is_valid() else None) or period_containing("month", timezone.localdate())
    with reading_from_replica():  # the most read report of all, and published: may be a moment old
        groups = [(key, metrics.GROUPS[key], metrics.rankings(period, group=key)) for key in ("township", "department")]
    return render(request, "cases/public/rankings.html", {
        "form": form, "period": period, "groups": groups, "weights": metrics.weights(), "public_section": "rankings",
        "previous": period.previous(), "next": period.next(),
    }, status=200 if not form.errors else 400)
