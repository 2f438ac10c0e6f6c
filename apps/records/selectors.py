"""Reads of organizational-life records: lists, the calendar, members' attendance and follow-up lists.
Every read starts from the access layer's scoped querysets."""

import calendar
from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.access import policy
from apps.core.dates import add_months
from apps.core.paging import KeysetPage, capped_count
from apps.core.query import prefix_q
from apps.members.models import Member
from apps.orgs.models import Organization
from apps.orgs.picker import OrgFilter
from apps.orgs.selectors import subtree_counts

from . import plan_counts, rollups
from .models import (
    ActivityPlan,
    ActivityRecord,
    ActivityType,
    Attendance,
    AttendanceStatus,
    MonthlyStar,
    PlanStatus,
    RecordFile,
    RecordStatus,
    RecordVersion,
)
from .states import RECORD_STEPS


class RecordFilter(django_filters.FilterSet):
    # The organization picker, scoped to the records the user may read (set in __init__).
    org = OrgFilter(label=_("组织（含下级）"), field_name="organization__path", capability=policy.RECORD_VIEW,
                    active_only=False, required=False)
    activity_type = django_filters.ModelChoiceFilter(label=_("活动类型"), queryset=ActivityType.objects.all())
    status = django_filters.ChoiceFilter(label=_("状态"), choices=RecordStatus.choices)
    held_from = django_filters.DateFilter(label=_("活动日期从"), field_name="held_on", lookup_expr="gte",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    held_to = django_filters.DateFilter(label=_("至"), field_name="held_on", lookup_expr="lte",
                                        widget=forms.DateInput(attrs={"type": "date"}))
    late = django_filters.BooleanFilter(label=_("逾期录入"), field_name="is_late",
                                        widget=forms.Select(choices=[("", "---------"), ("true", _("是")), ("false", _("否"))]))
    # The records as they stood at a moment (an assessment score's reading time): first submitted at or before it.
    as_of = django_filters.IsoDateTimeFilter(label=_("截至"), field_name="first_submitted_at", lookup_expr="lte",
                                             widget=forms.HiddenInput)

    class Meta:
        model = ActivityRecord
        fields = []

    selected_org = None

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.filters["org"].extra["queryset"] = policy.restrict(Organization, user, policy.RECORD_VIEW)


# The records list's order, newest first, as keyset keys (ending with the primary key).
RECORD_LIST_ORDER = ("-held_on", "-id")


def record_list(user, params):
    qs = (policy.restrict(ActivityRecord, user).select_related("organization", "activity_type")
          .order_by(*RECORD_LIST_ORDER))
    f = RecordFilter(params, queryset=qs, user=user)
    return f, f.qs


def record_page(user, qs, params, *, per_page):
    """One page of the records list by keys (core.paging.KeysetPage) with the matches counted up to
    RECORD_LIST_COUNT_CAP: a province's subtree holds millions of records, none of them counted or skipped past
    for a page. A cursor's keys are read within the user's whole view, so a record filtered out since (submitted,
    returned) still marks the place."""
    count, capped = capped_count(qs, settings.RECORD_LIST_COUNT_CAP)
    return KeysetPage(qs, keys=RECORD_LIST_ORDER, params=params, per_page=per_page, count=count, capped=capped,
                      key_source=policy.restrict(ActivityRecord, user), numbered=settings.LIST_NUMBERED_PAGES)


def record_detail_context(user, record):
    """A record's attendance, files and kept versions as `user` may see them (the record's own rule), and the stars
    it won (public)."""
    attendance = (policy.restrict(record.attendance.all(), user).select_related("member")
                  .order_by("member__name_pinyin", "member_id"))
    files = list(policy.restrict(record.files.all(), user))
    return {
        "attendance": attendance,
        "photos": [f for f in files if f.kind == "photo"],
        "attachments": [f for f in files if f.kind == "attachment"],
        "versions": policy.restrict(record.versions.all(), user).select_related("created_by"),
        "stars": record.stars.select_related("chosen_by_org"),
    }


def record_version(user, record, number):
    """One kept version of a record, by its number (None when there is none the user may see)."""
    return policy.restrict(RecordVersion, user).filter(record=record, version=number).first()


def attendance_of(user, record, capability=policy.RECORD_VIEW):
    """The attendance rows of a record `user` holds `capability` on (its QR page lists who has checked in)."""
    return policy.restrict(record.attendance.all(), user, capability)


def star_orgs(user, record):
    """Organizations (the district or a committee) from which the user may pick this record as a star."""
    paths = policy.scope_paths(user, policy.RECORD_REVIEW)
    candidates = [p for p in paths if record.organization.path.startswith(p) and len(p) < len(record.organization.path)]
    return Organization.objects.filter(path__in=candidates)


def plans_upcoming(user, today=None, days=None, capability=policy.RECORD_MANAGE):
    today = today or timezone.localdate()
    days = settings.DUE_SOON_DAYS if days is None else days
    return (policy.restrict(ActivityPlan, user, capability)
            .filter(status=PlanStatus.PLANNED, planned_on__gte=today - timedelta(days=settings.RECORD_ENTRY_DAYS),
                    planned_on__lte=today + timedelta(days=days))
            .select_related("organization", "activity_type").order_by("planned_on", "id"))


def records_needing_work(user):
    """Records still to be submitted (drafts and returned ones) in the user's scope: the secretary's unfinished
    business."""
    return (policy.restrict(ActivityRecord, user, policy.RECORD_MANAGE)
            .filter(status__in=RECORD_STEPS["submit"].allowed_from)
            .select_related("organization", "activity_type").order_by("held_on", "id"))


# ---- calendar ----

def month_grid(month_start: date):
    """Weeks (Monday first) of the month, each a list of dates or None."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month_start.year, month_start.month)
    return [[d if d.month == month_start.month else None for d in week] for week in weeks]


# An organization with at most this many organizations below it shows each activity; larger subtrees
# show counts per day (a district holds thousands of activities a month).
CALENDAR_ITEMS_MAX_ORGS = 30


def calendar_month(user, org, month_start: date):
    end = add_months(month_start, 1) - timedelta(days=1)
    within = prefix_q("organization__path", org.path)
    records = policy.restrict(ActivityRecord, user).filter(within, held_on__range=(month_start, end))
    plans = policy.restrict(ActivityPlan, user).filter(within, planned_on__range=(month_start, end), status=PlanStatus.PLANNED)
    below = Organization.objects.filter(prefix_q("path", org.path)).values("pk")[: CALENDAR_ITEMS_MAX_ORGS + 2]
    detailed = below.count() <= CALENDAR_ITEMS_MAX_ORGS + 1
    days = {}
    if detailed:
        for r in records.select_related("activity_type", "organization").order_by("held_on", "starts_at"):
            days.setdefault(r.held_on, {"records": [], "plans": []})["records"].append(r)
        for p in plans.select_related("activity_type", "organization").order_by("planned_on", "starts_at"):
            days.setdefault(p.planned_on, {"records": [], "plans": []})["plans"].append(p)
    elif policy.in_paths(org.path, policy.scope_paths(user, policy.RECORD_VIEW)):
        # The user sees every plan and every record of the subtree (a role's scope covers it: the records' own-branch
        # rule is only for members without one): the stored counts.
        for day, (planned, held) in plan_counts.day_counts(org, month_start, end).items():
            days[day] = {"records": held, "plans": planned}
    else:
        for row in records.order_by().values("held_on").annotate(n=Count("pk")):
            days.setdefault(row["held_on"], {"records": 0, "plans": 0})["records"] = row["n"]
        for day, n in plans.order_by().values_list("planned_on").annotate(n=Count("pk")):
            days.setdefault(day, {"records": 0, "plans": 0})["plans"] = n
    return {"detailed": detailed, "days": days, "weeks": month_grid(month_start), "month_end": end}


# ---- members' attendance ----

def _attendance_counts(start, end):
    base = Attendance.objects.filter(member=OuterRef("pk"), counts=True, held_on__range=(start, end)).order_by()
    present = base.filter(status=AttendanceStatus.PRESENT).values("member").annotate(n=Count("pk")).values("n")
    expected = base.values("member").annotate(n=Count("pk")).values("n")
    return {
        "expected_n": Coalesce(Subquery(expected, output_field=IntegerField()), Value(0)),
        "present_n": Coalesce(Subquery(present, output_field=IntegerField()), Value(0)),
    }


def member_attendance(member, start, end):
    """A member's attendance over a period, from submitted records."""
    rows = Attendance.objects.filter(member=member, counts=True, held_on__range=(start, end))
    figures = rows.aggregate(expected=Count("pk"), present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)),
                             leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)))
    figures["rate"] = figures["present"] / figures["expected"] if figures["expected"] else None
    return figures


def member_attendance_history(member, limit=24):
    return (Attendance.objects.filter(member=member, counts=True)
            .select_related("record__activity_type", "record__organization").order_by("-held_on")[:limit])


# The 党员参与 page lists members when the organization looked at has at most this many organizations below
# it (a branch, a village, a small township); above that it shows figures per child organization, from the
# attendance sums kept on the records, and one drills down. A district never lists its 60,000 members.
ATTENDANCE_MEMBERS_MAX_ORGS = 30


def _attended(start, end):
    """Whether a member (OuterRef) was expected at a submitted activity in [start, end]: an index range."""
    return Exists(Attendance.objects.filter(member=OuterRef("pk"), counts=True, held_on__range=(start, end)))


def lists_members(org) -> bool:
    below = Organization.objects.filter(prefix_q("path", org.path)).values("pk")[: ATTENDANCE_MEMBERS_MAX_ORGS + 2]
    return below.count() <= ATTENDANCE_MEMBERS_MAX_ORGS + 1


def members_attendance(user, org, start, end):
    """Current members under `org` who were expected at a submitted activity in [start, end], with how
    many they attended; members with no required activity in the period are left out (not "0/0"): their
    number comes from `members_without_activity`. Correlated counts on the (member, counts, held_on) index,
    evaluated for one page at a time (or for a small subtree when sorted by rate)."""
    members = policy.restrict(Member, user).current().filter(prefix_q("organization__path", org.path))
    return (members.filter(_attended(start, end)).select_related("organization")
            .annotate(**_attendance_counts(start, end)))


def members_without_activity(user, org, start, end) -> int:
    members = policy.restrict(Member, user).current().filter(prefix_q("organization__path", org.path))
    return members.filter(~_attended(start, end)).count()


def members_attending_count(user, org, without):
    """How many members `members_attendance` lists: the subtree's stored current-member count (orgs.OrgMemberCount)
    minus those `without` activity, when the user sees every member of the subtree; None (the pager counts) else."""
    if not policy.in_paths(org.path, policy.scope_paths(user, policy.MEMBER_VIEW)):
        return None
    return max(0, subtree_counts(org)["members"] - without)


def children_attendance(org, start, end):
    """Each child organization of `org` with the attendance summed over its subtree's submitted records in
    [start, end]: the children's stored monthly roll-ups (apps/records/rollups.py), one query on the tree."""
    children = list(Organization.objects.filter(prefix_q("path", org.path), depth=org.depth + 1)
                    .order_by("path").only("pk", "name", "path", "kind", "is_active"))
    figures = rollups.children_figures(org, start, end)
    for child in children:
        row = figures.get(child.path, {})
        child.records, child.expected, child.present = row.get("records", 0), row.get("expected", 0), row.get("present", 0)
        child.rate = child.present / child.expected if child.expected else None
    return children


def member_attendance_summary(member, today=None):
    """The two attendance figures shown wherever a member's participation is (the member's file, 我的组织生活),
    each under one name: 近12个月出勤率 and 近6个月出勤率, both up to today."""
    today = today or timezone.localdate()
    return {"months12": member_attendance(member, add_months(today, -12), today),
            "months6": member_attendance(member, add_months(today, -6), today)}


def followup_since(today=None, months=None):
    """The start of the follow-up window: NONPARTICIPATION_MONTHS before today."""
    today = today or timezone.localdate()
    return add_months(today, -(settings.NONPARTICIPATION_MONTHS if months is None else months))


def child_organizations(org):
    """The organizations one level below `org`, to choose from where a list of its members would be too big."""
    return list(Organization.objects.filter(prefix_q("path", org.path), depth=org.depth + 1)
                .order_by("path").only("pk", "name", "path", "is_active"))


def non_participants(user, org, today=None, months=None):
    """Current members under `org` with no attendance at a submitted activity for `months` months
    (NONPARTICIPATION_MONTHS), who were members for all of that time: the follow-up list.

    "Member for all of that time" means joined the party before the window began and known to the platform
    since then: entered in the registry before it (created_at), or on the roster of an activity held before
    it (members registered by the first import, whose history was recorded). A member imported or
    transferred in days ago cannot have been absent for six months. Moving between organizations within
    the district does not reset the window: attendance is the member's, wherever it was recorded.

    Both dates come from the member's stored mark (MemberAttendanceMark, kept by the record services): the
    members of the subtree on the (organization, name_pinyin) index, each joined to its mark by key — no search
    of anyone's attendance rows. Ordered by FOLLOWUP_ORDER for keyset pages (`followup_page`)."""
    since = followup_since(today, months)
    window_start = timezone.make_aware(datetime.combine(since, time.min))
    return (policy.restrict(Member, user).current()
            .filter(prefix_q("organization__path", org.path), joined_on__lte=since)
            .filter(Q(created_at__lt=window_start) | Q(attendance_mark__first_counted_on__lt=since))
            .filter(Q(attendance_mark__last_attended_on__isnull=True) | Q(attendance_mark__last_attended_on__lt=since))
            .select_related("organization")
            .annotate(last_present=F("attendance_mark__last_attended_on"))
            .order_by(*FOLLOWUP_ORDER)), since


FOLLOWUP_ORDER = ("organization__path", "name_pinyin", "id")


def followup_page(user, qs, params, *, per_page):
    """One page of the follow-up list (`non_participants`) by keys (core.paging.KeysetPage): no count and no
    OFFSET (no page numbers). A cursor names a member by id; its keys (a joined one, the organization's path) are
    read within the user's whole view of members, so a member who attended since still marks the place."""
    return KeysetPage(qs, keys=FOLLOWUP_ORDER, params=params, per_page=per_page,
                      key_source=policy.restrict(Member, user), numbered=1)


SUBMIT_QUESTION = _("确定提交这份纪实？")


def submit_question(record):
    """The question the submit button's dialog asks: the one question and the notes below, in one line."""
    return "".join([str(SUBMIT_QUESTION), *(f"{note}。" for note in submit_notes(record))])


def submit_notes(record):
    """What the confirmation before submitting a record says about it (the dialog and the confirmation page)."""
    notes = [_("实到 {p} 人 / 应到 {e} 人（请假 {l} 人，缺席 {a} 人）").format(
        p=record.present_count, e=record.expected_count, l=record.leave_count, a=record.absent_count)]
    if record.first_submitted_at is None:
        late = (timezone.localdate() - record.held_on).days - settings.RECORD_ENTRY_DAYS
        if late > 0:
            notes.append(_("活动后超过{days}天录入，提交后将标记为逾期录入").format(days=settings.RECORD_ENTRY_DAYS))
    notes.append(_("提交后计入组织生活完成情况；此后修改将保留历史版本"))
    return notes


def subtree_record_figures(org, start, end):
    """Submitted records under `org` in [start, end]: how many, how many late, attendance sums. From the stored
    monthly roll-ups (apps/records/rollups.py): two queries whatever the subtree (a province's year: 12 rows)."""
    return rollups.subtree_figures(org, start, end)


def member_for_self(user):
    return Member.objects.select_related("organization").get(pk=user.member_id)


# ---- the organization a watch page looks at ----

def scope_root(user, capability=policy.RECORD_VIEW):
    """The highest organization of the user's scope for `capability` (the first root when it spans several)."""
    return Organization.objects.filter(path__in=policy.scope_paths(user, capability)).order_by("depth", "path").first()


def breadcrumbs(user, org):
    """The ancestors of `org` within the user's RECORD_VIEW scope, then `org`."""
    paths = policy.scope_paths(user, policy.RECORD_VIEW)
    return [o for o in Organization.objects.get_ancestors(org) if policy.in_paths(o.path, paths)] + [org]


# ---- QR check-in ----

def record_for_checkin(token):
    """The record a check-in code opens (the code is the key: anyone holding it reaches the page), or None."""
    return ActivityRecord.objects.select_related("organization", "activity_type").filter(checkin_token=token).first()


def own_attendance(user, record):
    """The user's own row on the record's roster, or None."""
    member_id = getattr(user, "member_id", None)
    return record.attendance.filter(member_id=member_id).first() if member_id else None


# ---- monthly stars (特色活动之星) ----

def star_candidates(user, month, end, photos_only=False):
    """Submitted records of [month, end) below the user's review organizations, to pick stars from."""
    paths = policy.scope_paths(user, policy.RECORD_REVIEW)
    candidates = (policy.restrict(ActivityRecord, user, policy.RECORD_REVIEW)
                  .filter(status=RecordStatus.SUBMITTED, held_on__gte=month, held_on__lt=end)
                  .exclude(organization__path__in=paths)
                  .select_related("organization", "activity_type").order_by("-present_count", "-id"))
    if photos_only:
        candidates = candidates.filter(files__kind="photo").distinct()
    return candidates


def stars_picked(user, month):
    """The month's stars picked by the user's own review organizations."""
    paths = policy.scope_paths(user, policy.RECORD_REVIEW)
    return (policy.restrict(MonthlyStar, user).filter(month=month, chosen_by_org__path__in=paths)
            .select_related("record__organization", "record__activity_type", "chosen_by_org"))


def public_star_months(limit=24):
    """The months that have stars, newest first (the public page: stars are published)."""
    return list(MonthlyStar.objects.order_by("-month").values_list("month", flat=True).distinct()[:limit])


def public_stars(month, photos_per_star=6):
    """A month's stars with their records and up to `photos_per_star` photos each (public)."""
    stars = list(MonthlyStar.objects.filter(month=month)
                 .select_related("record__organization", "record__activity_type", "chosen_by_org")
                 .order_by("chosen_by_org__path", "id"))
    photos = {}
    for f in RecordFile.objects.filter(record_id__in=[s.record_id for s in stars], kind="photo").order_by("id"):
        photos.setdefault(f.record_id, []).append(f)
    for s in stars:
        s.photos = photos.get(s.record_id, [])[:photos_per_star]
    return stars


def public_star_photo(pk):
    """A photo of a starred record (public), or None: any other file stays behind the access layer."""
    return RecordFile.objects.filter(pk=pk, kind="photo", record__stars__isnull=False).first()
