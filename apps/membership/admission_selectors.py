"""Reads of admission (发展党员): the applicants in scope by stage, an applicant's 25 steps as a timeline, the
dashboards (counts by stage, steps due soon and overdue, the year's plan against the admissions). Each page is a fixed
number of queries whatever the rows (no query per applicant or per organization)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core.dates import add_months
from apps.orgs.models import Organization

from . import admission_rules as rules
from .admission_models import AdmissionDocument, AdmissionQuota, AdmissionStage, AdmissionStep, Applicant
from .admission_scopes import ADMISSION_VIEW, organizations_strictly_below

OPEN_STAGES = (AdmissionStage.APPLICANT, AdmissionStage.ACTIVIST, AdmissionStage.TARGET, AdmissionStage.PROBATIONARY)


def applicants(user, *, stage=""):
    qs = policy.restrict(Applicant, user).select_related("organization").order_by("-applied_on", "-id")
    if stage:
        qs = qs.filter(status=stage)
    return qs


def stage_counts(user) -> list[tuple]:
    counts = dict(policy.restrict(Applicant, user).order_by().values_list("status").annotate(n=Count("id")))
    return [(choice, counts.get(choice.value, 0)) for choice in AdmissionStage]


# ---- an applicant's timeline ----

@dataclass
class TimelineRow:
    rule: rules.Rule
    records: list = field(default_factory=list)  # AdmissionStep rows of this number, latest last
    is_next: bool = False
    due: date | None = None
    earliest: date | None = None

    @property
    def done(self):
        return bool(self.records)

    @property
    def latest(self):
        return self.records[-1] if self.records else None


def timeline(applicant) -> list[TimelineRow]:
    steps = (AdmissionStep.objects.filter(applicant=applicant).select_related("talk_partner", "recorded_by")
             .prefetch_related("contacts", "introducers",
                               Prefetch("documents", queryset=AdmissionDocument.objects.order_by("id")))
             .order_by("number", "done_on", "id"))
    rows = {rule.number: TimelineRow(rule) for rule in rules.RULES}
    for step in steps:
        rows[step.number].records.append(step)
    if applicant.status in OPEN_STAGES and applicant.next_step in rows:
        row = rows[applicant.next_step]
        row.is_next = True
        row.due, row.earliest = next_dates(applicant)
    return list(rows.values())


def next_dates(applicant) -> tuple[date | None, date | None]:
    """(due, earliest) of the applicant's next step, where a time rule sets them."""
    n = applicant.next_step
    if n == 2:
        return rules.talk_due(applicant.applied_on), None
    if n == 7 and applicant.activist_on:
        return None, rules.target_earliest(applicant.activist_on)
    if n == 17 and applicant.admitted_on:
        return rules.approval_due(applicant.admitted_on), None
    if n == 23 and applicant.probation_ends_on:
        return None, applicant.probation_ends_on
    if n == 24 and applicant.conversion_meeting_on:
        return rules.approval_due(applicant.conversion_meeting_on), None
    return None, None


# ---- the dashboards ----

@dataclass
class DueItem:
    applicant: Applicant
    what: str
    due: date

    @property
    def overdue(self):
        return self.due < date.today()


DUE_LIST_LIMIT = 100


def due_items(user, today: date | None = None) -> list[DueItem]:
    """Steps due within ADMISSION_DUE_SOON_DAYS, or overdue: the talk (1 month), the higher committee's approval
    (3 months, steps 17 and 24), probation ending (steps 22–23), the activists' half-yearly review. Four queries."""
    today = today or date.today()
    horizon = today + timedelta(days=settings.ADMISSION_DUE_SOON_DAYS)
    base = policy.restrict(Applicant, user).select_related("organization")
    items = []
    for a in base.filter(next_step=2, applied_on__lte=add_months(horizon, -rules.TALK_MONTHS))[:DUE_LIST_LIMIT]:
        items.append(DueItem(a, _("入党谈话（1个月内）"), rules.talk_due(a.applied_on)))
    cutoff = add_months(horizon, -rules.APPROVAL_MONTHS)
    approvals = base.filter(Q(next_step__in=(16, 17), admitted_on__lte=cutoff)
                            | Q(next_step=24, conversion_meeting_on__lte=cutoff))
    for a in approvals[:DUE_LIST_LIMIT]:
        meeting = a.conversion_meeting_on if a.next_step == 24 else a.admitted_on
        items.append(DueItem(a, _("上级党委审批（3个月内）"), rules.approval_due(meeting)))
    ending = base.filter(status=AdmissionStage.PROBATIONARY, next_step__in=(19, 20, 21, 22, 23),
                         probation_ends_on__lte=horizon)
    for a in ending[:DUE_LIST_LIMIT]:
        items.append(DueItem(a, _("预备期满，讨论转正"), a.probation_ends_on))
    reviews = (base.filter(status=AdmissionStage.ACTIVIST)
               .annotate(reviewed=Coalesce(F("last_review_on"), F("activist_on")))
               .filter(reviewed__lte=add_months(horizon, -settings.ADMISSION_REVIEW_MONTHS)))
    for a in reviews[:DUE_LIST_LIMIT]:
        items.append(DueItem(a, _("入党积极分子半年考察"), rules.review_due(a.reviewed)))
    return sorted(items, key=lambda item: item.due)


@dataclass
class PlanRow:
    organization: object
    quota: int
    actual: int


def plan(user, year: int) -> list[PlanRow]:
    """This year's plan per organization against the applicants admitted (step 17 approved) in its subtree: two
    queries, the admissions counted per branch and summed by path prefix."""
    quotas = list(policy.restrict(AdmissionQuota, user).filter(year=year).select_related("organization")
                  .order_by("organization__path"))
    if not quotas:
        return []
    admitted = (policy.restrict(Applicant, user, ADMISSION_VIEW)
                .filter(admitted_on__year=year, probation_ends_on__isnull=False)
                .order_by().values_list("organization__path").annotate(n=Count("id")))
    by_path = list(admitted)
    return [PlanRow(q.organization, q.quota, sum(n for path, n in by_path if path.startswith(q.organization.path)))
            for q in quotas]


def organizations_set_from_above(user):
    """The organizations whose plan and 入党志愿书 numbers the user's committee sets: active, strictly below their own."""
    return organizations_strictly_below(user, Organization.objects.filter(is_active=True)).order_by("path")
