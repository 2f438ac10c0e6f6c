"""Reads of cases for staff: the list with its filters and search, the work queues, a case's page, likely
duplicates, and the home page's figures. Every read starts from the access layer's scoped querysets."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core.crypto import keyed_hash
from apps.core.paging import KeysetPage, capped_count, capped_total
from apps.core.query import prefix_q
from apps.orgs.models import Organization

from . import areas, lapses, metrics, search
from .cleaning import clean_phone
from .models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseExtension,
    Channel,
    ExtensionStatus,
    HandlingUnit,
    Service,
    Status,
    Triage,
)
from .scopes import case_units

NUMBER = re.compile(r"^QG\d{13}$", re.I)

# Work queues: what each kind of staff has to do next, defined here once. The chips of the case list, the status
# filter, the home page's figures and the list a chip opens all count `queue_filter` over the user's visible cases,
# so they cannot disagree. A queue named after a status (待签收, 办理中…) means "what I must do" for a unit's staff:
# 待签收 is the cases dispatched to one of the user's units as lead and not yet signed, 办理中 the cases those units
# lead or (having signed) assist. A township's staff see cases in their area that a district department handles,
# but cannot sign them, so those are not theirs to do. Dispatchers, who oversee every case of their scope, and staff
# without a unit of their own, see the whole scope by status instead. The status filter for that status goes
# through the same definition, so it *is* the queue.
@dataclass(frozen=True)
class Queue:
    label: str
    status: str | None = None  # the queue's cases are in this status (a unit's staff: only their own)
    dispatch: bool = False  # a dispatcher's queue (shown to CASE_DISPATCH holders only)
    units: bool = False  # about the units the user acts for (shown to their staff only)
    home: bool = False  # shown on the home page


QUEUES = {
    "to_accept": Queue(_("待受理"), status=Status.SUBMITTED, dispatch=True, home=True),
    "to_dispatch": Queue(_("待派单"), status=Status.ACCEPTED, dispatch=True),
    "to_sign": Queue(_("待签收"), status=Status.DISPATCHED, home=True),
    "handling": Queue(_("办理中"), status=Status.SIGNED, home=True),
    # An assisting unit signs too, often after the lead (the case is then 办理中): its own reminder.
    "assist_to_sign": Queue(_("协办待签收"), units=True),
    "due_soon": Queue(_("即将超时")),
    "overdue": Queue(_("已超时"), home=True),
    "to_call_back": Queue(_("待回访"), status=Status.RESOLVED, dispatch=True),
    "extensions": Queue(_("延期待批"), dispatch=True),
}
STATUS_QUEUES = {q.status: key for key, q in QUEUES.items() if q.status}


def _local_day_start(d):
    return timezone.make_aware(datetime.combine(d, time.min), timezone.get_current_timezone())


def acts_by_units(user) -> bool:
    """Whether the user's status queues are about their own units (a unit's staff) rather than the whole scope
    (dispatchers, and staff acting for no unit)."""
    return bool(case_units(user)) and not policy.has_capability(user, policy.CASE_DISPATCH)


def queue_filter(user, queue, now=None):
    """The Q of a work queue (applied to the user's visible cases, as every caller does)."""
    now = now or timezone.now()
    status = QUEUES[queue].status
    if status in (Status.DISPATCHED, Status.SIGNED) and acts_by_units(user):
        mine = [u.pk for u in case_units(user)]
        if status == Status.DISPATCHED:  # the lead's signature awaited from my unit (assisting: 协办待签收)
            waiting = CaseAssignment.objects.filter(unit__in=mine, role=AssignmentRole.LEAD, status=AssignmentStatus.DISPATCHED)
            return Q(status=status, pk__in=waiting.values("case_id"))
        assisting = CaseAssignment.objects.filter(unit__in=mine, role=AssignmentRole.ASSIST, status=AssignmentStatus.SIGNED)
        return Q(status=status) & (Q(lead_unit__in=mine) | Q(pk__in=assisting.values("case_id")))
    if status:
        return Q(status=status)
    if queue == "assist_to_sign":
        mine = [u.pk for u in case_units(user)]
        return Q(pk__in=CaseAssignment.objects.filter(unit__in=mine, role=AssignmentRole.ASSIST,
                                                      status=AssignmentStatus.DISPATCHED).values("case_id"))
    if queue == "due_soon":
        return Q(status__in=HANDLING_STATUSES, deadline__gte=now,
                 deadline__lt=now + timedelta(hours=settings.CASE_DUE_SOON_HOURS))
    if queue == "overdue":
        return lapses.handling_overdue(now) | Q(status=Status.SUBMITTED, accept_due__lt=now)
    if queue == "extensions":
        return Q(pk__in=CaseExtension.objects.filter(status=ExtensionStatus.PENDING).values("case_id"))
    raise ValueError(queue)


def status_filter(user, status, now=None):
    """The status filter of the list: a status that is a queue goes through the queue's definition."""
    key = STATUS_QUEUES.get(status)
    return queue_filter(user, key, now) if key else Q(status=status)


def user_queues(user) -> list[str]:
    """The queues this user has chips for (and home figures, for those marked `home`)."""
    dispatcher = policy.has_capability(user, policy.CASE_DISPATCH)
    has_units = bool(case_units(user))
    return [key for key, q in QUEUES.items() if (dispatcher or not q.dispatch) and (has_units or not q.units)]


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    queue = django_filters.ChoiceFilter(label=_("待办"), choices=[(k, q.label) for k, q in QUEUES.items()],
                                       method="filter_queue")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices, method="filter_status")
    lead_unit = django_filters.ModelChoiceFilter(label=_("承办单位"), queryset=HandlingUnit.objects.all())
    area = django_filters.ModelChoiceFilter(label=_("乡镇（街道）"), queryset=areas.townships(), method="filter_area")
    # The cases located in one village or community (its subtree), as metrics.figures_by_area counts them for it: the
    # links behind a village's assessment scores. Not a select on the page (a district has hundreds): shown as a chip.
    village = django_filters.ModelChoiceFilter(label=_("村（社区）"), queryset=areas.village_areas(), method="filter_area")
    # The cases one count of the figures counts (metrics.counted): 已受理, 已回访评价, 超期 …
    counted = django_filters.ChoiceFilter(label=_("统计口径"), choices=list(metrics.COUNTED_LABELS.items()),
                                          method="filter_counted")
    service = django_filters.ModelChoiceFilter(label=_("诉求类别"), queryset=Service.objects.all())
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices)
    triage = django_filters.ChoiceFilter(label=_("办理方式"), choices=Triage.choices)
    submitted_from = django_filters.DateFilter(label=_("提交日期从"), method="filter_from",
                                               widget=forms.DateInput(attrs={"type": "date"}))
    submitted_to = django_filters.DateFilter(label=_("至"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"}))
    overdue = django_filters.BooleanFilter(label=_("超时"), method="filter_overdue",
                                           widget=forms.Select(choices=[("", "---------"), ("true", _("是")), ("false", _("否"))]))
    # The cases as they stood at a moment (an assessment score's reading time): submitted by then, the 统计口径 and
    # 超时 judged at it (a case's later steps still show: its rating, its close).
    as_of = django_filters.IsoDateTimeFilter(label=_("截至"), method="filter_as_of", widget=forms.HiddenInput)

    class Meta:
        model = Case
        fields = []

    def __init__(self, *args, user=None, now=None, **kwargs):
        self.user, self.now = user, now or timezone.now()
        super().__init__(*args, **kwargs)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if NUMBER.match(value):
            return queryset.filter(number=value.upper())
        digits = re.sub(r"[\s\-]", "", value)
        if re.fullmatch(r"(\+86)?\d{7,12}", digits):
            try:
                return queryset.filter(phone_hash=keyed_hash(clean_phone(digits)))
            except forms.ValidationError:
                pass
        return search.search(queryset, value)

    def filter_queue(self, queryset, name, value):
        return queryset.filter(queue_filter(self.user, value, self.now))

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_filter(self.user, value, self.now))

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__in=Organization.objects.filter(prefix_q("path", value.path)).values("pk"))

    def _at(self):
        return self.form.cleaned_data.get("as_of") or self.now

    def filter_counted(self, queryset, name, value):
        return queryset.filter(metrics.counted(self._at())[value])

    def filter_as_of(self, queryset, name, value):
        return queryset.filter(submitted_at__lte=value)

    def filter_from(self, queryset, name, value):
        if value.year < 2000:
            return queryset
        return queryset.filter(submitted_at__gte=_local_day_start(value))

    def filter_to(self, queryset, name, value):
        if value.year > 2100:
            return queryset
        return queryset.filter(submitted_at__lt=_local_day_start(value + timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        late = Q(resolved_on_time=False) | Q(ever_late=True) | Q(status__in=HANDLING_STATUSES, deadline__lt=self._at())
        return queryset.filter(late if value else ~late)


# The case list's order, newest first, as keyset keys (ending with the primary key).
CASE_LIST_ORDER = ("-submitted_at", "-id")


def case_list(user, params, now=None):
    qs = (policy.restrict(Case, user).select_related("service", "area", "lead_unit", "owner_unit")
          .order_by(*CASE_LIST_ORDER))
    f = CaseFilter(params, queryset=qs, user=user, now=now)
    return f, f.qs


def area_list_query(area, start, end, counted=None) -> dict:
    """The case list's query (GET parameters) for the cases metrics.figures_by_area counts in `area` — its subtree —
    submitted from `start` to `end` (dates), optionally only those one count counts (metrics.COUNTED_LABELS): by
    village for a village or community (or an organization below one), by township for a township. Any other
    organization: its township's cases (the list filters no finer), or the whole list's when it lies in none."""
    query = {"submitted_from": start.isoformat(), "submitted_to": end.isoformat()}
    if areas.village_areas().filter(pk=area.pk).exists():
        query["village"] = area.pk
    else:
        township = areas.township_of(area)
        if township is not None:
            query["area"] = township.pk
    if counted:
        query["counted"] = counted
    return query


def case_page(user, qs, params, *, per_page):
    """One page of the case list by keys (core.paging.KeysetPage) with the matches (a search's hits too) counted
    up to CASE_LIST_COUNT_CAP: no page view counts or skips past a province's year of cases. A cursor's keys are
    read within the user's whole view, so a case that has left a queue since still marks the place."""
    count, capped = capped_count(qs, settings.CASE_LIST_COUNT_CAP)
    return KeysetPage(qs, keys=CASE_LIST_ORDER, params=params, per_page=per_page, count=count, capped=capped,
                      key_source=policy.restrict(Case, user), numbered=settings.LIST_NUMBERED_PAGES)


def queue_counts(user, now=None, keys=None):
    """How many cases wait in each of the user's queues: {key: Total}, in the order of QUEUES; one query per queue,
    counting up to CASE_LIST_COUNT_CAP (a Total is `capped` beyond: the chip says "1000+")."""
    now = now or timezone.now()
    scoped = policy.restrict(Case, user).order_by()
    return {key: capped_total(scoped.filter(queue_filter(user, key, now)), settings.CASE_LIST_COUNT_CAP)
            for key in user_queues(user) if keys is None or key in keys}


def timeline(case, *, public_only=False):
    events = case.events.select_related("unit", "actor").order_by("at", "id")
    return events.filter(is_public=True) if public_only else events


def with_timeline(case):
    """The case with its timeline (and each step's unit) loaded, for the API's detail."""
    prefetch_related_objects([case], Prefetch("events", queryset=CaseEvent.objects.select_related("unit")))
    return case


def similar_open_cases(user, case, limit=8):
    """Likely duplicates the user may merge into: other unfinished cases of the same category in the same township
    within 30 days."""
    if case.area_id is None:
        return Case.objects.none()
    town = areas.township_of(case.area) or case.area
    return (policy.restrict(Case, user, policy.CASE_DISPATCH).filter(service=case.service, status__in=OPEN_STATUSES,
                                submitted_at__gte=case.submitted_at - timedelta(days=30),
                                area__in=Organization.objects.filter(prefix_q("path", town.path)).values("pk"))
            .exclude(pk=case.pk).select_related("area").order_by("-submitted_at")[:limit])


def pending_extension(case):
    return case.extensions.filter(status=ExtensionStatus.PENDING).select_related("unit").first()


def home_figures(user, now=None):
    """The home page card: the user's queues marked `home` (and 协办待签收 when there is any), counted exactly as
    the case list's chips. [(key, label, count)], or None for users without cases."""
    if not policy.has_capability(user, policy.CASE_VIEW):
        return None
    counts = queue_counts(user, now, keys={k for k, q in QUEUES.items() if q.home or q.units})
    return [(key, QUEUES[key].label, n) for key, n in counts.items() if QUEUES[key].home or n]


def public_cases():
    """What anyone may read (the public case list, Open311): cases the district publishes, never rejected ones.
    Public readers get the published fields only (apps.cases.publish), never contact details."""
    # A merged submission shows its master's handling: it is as public as the master.
    return (Case.objects.filter(is_public=True).exclude(status=Status.REJECTED)
            .exclude(status=Status.MERGED, master__is_public=False))


def no_cases():
    """An empty queryset of cases (the API schema generator's)."""
    return Case.objects.none()
