"""组织生活纪实: activity types and their required frequencies, plans, records, attendance, versions,
files, the fulfilment counters the compliance watch reads, and the monthly stars."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.evidence import PrivateFile, file_field
from apps.core.statemachine import Stateful
from apps.orgs.models import Organization


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    NONE = "none", _("不作要求")


class AppliesTo(models.TextChoices):
    BRANCHES = "branches", _("全部党支部")
    BRANCHES_WITH_COMMITTEE = "branches_with_committee", _("设支部委员会的党支部")
    GROUPS = "groups", _("党小组")


class Roster(models.TextChoices):
    """Who is expected to attend (应到)."""

    MEMBERS = "members", _("全体党员")
    COMMITTEE = "committee", _("支部委员")


class ActivityType(models.Model):
    """A kind of organizational life and the rule for it; the district edits this table (rules.md §3)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    frequency = models.CharField(_("要求频次"), max_length=12, choices=Frequency.choices, default=Frequency.NONE)
    applies_to = models.CharField(_("适用组织"), max_length=32, choices=AppliesTo.choices, default=AppliesTo.BRANCHES)
    roster = models.CharField(_("应到人员"), max_length=12, choices=Roster.choices, default=Roster.MEMBERS)
    due_day = models.PositiveSmallIntegerField(
        _("固定日"), null=True, blank=True, help_text=_("每月固定日期（如主题党日为每月10日）；不填则以周期末为截止"))
    warn_days = models.PositiveSmallIntegerField(_("提前预警天数"), default=7)
    needs_lecturer = models.BooleanField(_("需填写授课人"), default=False)
    has_content_items = models.BooleanField(_("需填写活动内容项"), default=False)
    may_vote = models.BooleanField(_("可进行表决"), default=False, help_text=_("表决须有半数以上有表决权的党员到会"))
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("活动类型")
        verbose_name_plural = _("活动类型")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_day__isnull=True) | models.Q(due_day__gte=1, due_day__lte=28),
                                   name="records_type_due_day_1_28"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_required(self):
        return self.is_active and self.frequency != Frequency.NONE


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    HELD = "held", _("已开展")
    CANCELLED = "cancelled", _("已取消")


class ActivityPlan(Stateful, models.Model):
    STATE_TABLE = "apps.records.states"
    STATE_FUNCTIONS = ("plan_state", "plan_available")

    organization = models.ForeignKey(Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="activity_plans")
    activity_type = models.ForeignKey(ActivityType, verbose_name=_("活动类型"), on_delete=models.PROTECT)
    planned_on = models.DateField(_("计划日期"))
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    topic = models.CharField(_("主题"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("活动计划")
        verbose_name_plural = _("活动计划")
        ordering = ["planned_on", "id"]
        indexes = [models.Index(fields=["organization", "planned_on"]), models.Index(fields=["planned_on", "status"])]

    def __str__(self):
        return f"{self.planned_on} {self.activity_type} {self.topic}"

    @property
    def audit_organization(self):
        return self.organization


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")


def _checkin_token():
    return secrets.token_urlsafe(18)


class ActivityRecord(Stateful, models.Model):
    """What happened at one activity. Submitted records are versioned; only they count as held."""

    STATE_TABLE = "apps.records.states"

    organization = models.ForeignKey(Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="activity_records")
    activity_type = models.ForeignKey(ActivityType, verbose_name=_("活动类型"), on_delete=models.PROTECT)
    plan = models.OneToOneField(ActivityPlan, verbose_name=_("活动计划"), null=True, blank=True, on_delete=models.SET_NULL, related_name="record")
    held_on = models.DateField(_("活动日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=120)
    topic = models.CharField(_("主题"), max_length=200)
    host = models.CharField(_("主持人"), max_length=60)
    recorder = models.CharField(_("记录人"), max_length=60)
    lecturer = models.CharField(_("授课人"), max_length=60, blank=True)
    content_items = models.TextField(_("活动内容"), blank=True, help_text=_("主题党日的各项内容，每行一项"))
    minutes = models.TextField(_("会议记录"), blank=True)
    decisions = models.TextField(_("决定事项"), blank=True)
    summary = models.CharField(_("活动简介"), max_length=500, blank=True, help_text=_("可公开的简介，评为特色活动之星时展示"))
    is_vote = models.BooleanField(_("本次会议进行表决"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    is_late = models.BooleanField(_("逾期录入"), default=False)
    late_days = models.PositiveIntegerField(_("逾期天数"), default=0)
    returned_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    # Attendance figures kept on the record, so that rates over thousands of records are sums, not joins.
    expected_count = models.PositiveIntegerField(_("应到"), default=0)
    present_count = models.PositiveIntegerField(_("实到"), default=0)
    leave_count = models.PositiveIntegerField(_("请假"), default=0)
    absent_count = models.PositiveIntegerField(_("缺席"), default=0)
    voting_entitled = models.PositiveIntegerField(_("有表决权人数"), default=0)
    voting_present = models.PositiveIntegerField(_("有表决权到会人数"), default=0)
    quorum_met = models.BooleanField(_("达到法定人数"), null=True, blank=True)
    checkin_token = models.CharField(max_length=32, unique=True, default=_checkin_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_EXCLUDE = ("checkin_token", "created_at", "updated_at")

    class Meta:
        verbose_name = _("活动纪实")
        verbose_name_plural = _("活动纪实")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "held_on"]),
            # An organization's latest record of a type (the compliance drill-down), without reading the others.
            models.Index(fields=["organization", "activity_type", "held_on"]),
            models.Index(fields=["held_on", "status"]),
            models.Index(fields=["status", "returned_at"]),
            # The list's order (-held_on, -id) read backwards off one index: without the id, a province's 主题党日
            # (100,000 records on one day) would be sorted in full before the first page.
            models.Index(fields=["held_on", "id"], name="records_act_held_id_idx"),
        ]

    def __str__(self):
        return f"{self.held_on} {self.activity_type} {self.topic}"

    @property
    def audit_organization(self):
        return self.organization

    @property
    def content_item_list(self):
        return [line.strip() for line in self.content_items.splitlines() if line.strip()]

    @property
    def attendance_rate(self):
        return self.present_count / self.expected_count if self.expected_count else None

    @property
    def can_submit(self):
        from .states import allows

        return allows("submit", self)

    @property
    def is_returned(self):
        return self.status == RecordStatus.RETURNED

    @property
    def submit_label(self):
        return _("修改后重新提交") if self.is_returned else _("提交纪实")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


class Attendance(models.Model):
    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(_("出勤"), max_length=8, choices=AttendanceStatus.choices, default=AttendanceStatus.ABSENT)
    reason = models.CharField(_("原因"), max_length=120, blank=True)
    is_voting = models.BooleanField(_("有表决权"), default=True, help_text=_("正式党员有表决权，预备党员没有"))
    checked_in_at = models.DateTimeField(_("扫码签到时间"), null=True, blank=True)
    # Copied from the record (kept in step by the services) so a member's history is one index range.
    held_on = models.DateField(_("活动日期"))
    counts = models.BooleanField(default=False, help_text="the record is submitted")

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        constraints = [models.UniqueConstraint(fields=["record", "member"], name="records_attendance_once")]
        indexes = [models.Index(fields=["member", "counts", "held_on"])]

    def __str__(self):
        return f"{self.member_id} {self.status}"

    @property
    def is_present(self):
        return self.status == AttendanceStatus.PRESENT

    @property
    def text_class(self):
        """How the status reads in the roll call (apps/records/states.py)."""
        from .states import ATTENDANCE_TEXT

        return ATTENDANCE_TEXT.get(self.status, "")


class RecordVersion(models.Model):
    """A submitted state of a record, kept when it is changed after submission."""

    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("版本"))
    data = models.JSONField(_("内容"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("纪实历史版本")
        verbose_name_plural = _("纪实历史版本")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["record", "version"], name="records_version_once")]

    # The note kept when the editor gave none: stored as this source text (whatever language the editor used,
    # and rows stored before), translated when shown. Another note is the editor's own words, shown as typed.
    DEFAULT_NOTE = "提交后修改"
    NOTE_LABELS = {DEFAULT_NOTE: _("提交后修改"), "Edited after submission": _("提交后修改")}

    @property
    def note_display(self):
        return self.NOTE_LABELS.get(self.note, self.note)


class FileKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    ATTACHMENT = "attachment", _("附件")


class RecordFile(PrivateFile):
    record = models.ForeignKey(ActivityRecord, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("类别"), max_length=12, choices=FileKind.choices)
    file = file_field("records/%Y/%m/")

    class Meta:
        verbose_name = _("纪实文件")
        verbose_name_plural = _("纪实文件")
        ordering = ["kind", "id"]

    @property
    def audit_organization(self):
        return self.record.organization


class Fulfilment(models.Model):
    """One organization held one required activity type in one period (month, quarter or year).

    Kept by the record services (a submitted record adds one, a returned or moved one takes it back),
    so compliance over thousands of organizations is a count of these rows over an index range.
    `manage.py rebuild_fulfilment` rebuilds them from the records.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="fulfilments")
    activity_type = models.ForeignKey(ActivityType, on_delete=models.CASCADE, related_name="fulfilments")
    period_start = models.DateField()
    records = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("组织生活完成情况")
        verbose_name_plural = _("组织生活完成情况")
        constraints = [models.UniqueConstraint(fields=["organization", "activity_type", "period_start"], name="records_fulfilment_once")]
        indexes = [models.Index(fields=["activity_type", "period_start"])]


class FulfilmentRollup(models.Model):
    """The Fulfilment rows of a subtree summed: per organization (itself and everything below it), activity type and
    period, how many organizations of each domain and class (orgs.counting.org_class) held it. The compliance watch
    over a province reads its children's rows (a few thousand) instead of a year's two million Fulfilment rows;
    the class is in the key so that which classes a type applies to can change without a rebuild.

    Kept by apps/records/fulfilment_rollups.py in the transaction of the write: a Fulfilment row created or deleted (record
    services), an organization changing domain or class (orgs.hooks class watcher: a dissolution, a kind edit, a
    branch's full members crossing BRANCH_COMMITTEE_THRESHOLD), a moved subtree. `manage.py rebuild_fulfilment
    --check` compares them with the Fulfilment rows; rebuilding the Fulfilment rows rebuilds them.
    """

    # No foreign key constraints in the database (Django still cascades a deletion): a constraint's check takes a
    # key-share lock on the organization and the type at COMMIT, after this row's lock — a record submit holds its type
    # FOR UPDATE and then waits for this row, which a member write moving a branch across the committee threshold
    # holds: a deadlock (found by the parallel test). Derived rows, rebuilt from the Fulfilment rows.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False,
                                     db_constraint=False)
    activity_type = models.ForeignKey(ActivityType, on_delete=models.CASCADE, related_name="+", db_index=False,
                                      db_constraint=False)
    period_start = models.DateField()
    domain = models.CharField(max_length=24)
    org_class = models.CharField(max_length=20)
    held = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("组织生活完成情况汇总")
        verbose_name_plural = _("组织生活完成情况汇总")
        constraints = [models.UniqueConstraint(
            fields=["organization", "activity_type", "period_start", "domain", "org_class"],
            name="records_fulfilmentrollup_key")]


class MemberAttendanceMark(models.Model):
    """A member's attendance dates over submitted records, kept by the record services (apps/records/marks.py)
    in the transaction that changes them, so the follow-up list reads one row per member instead of searching
    each member's attendance. `manage.py last_attended --check` compares them with the attendance rows.

    Keyed by the member alone, not by their organization: attendance is the member's wherever it was recorded,
    so moving a member changes nothing here. A member never on a submitted roster has no row (or an empty one).
    """

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, primary_key=True,
                                  related_name="attendance_mark")
    # The first submitted activity the member was expected at (present or not): known to the platform since then.
    first_counted_on = models.DateField(null=True, blank=True)
    # The last submitted activity the member attended (出席).
    last_attended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("党员最近出席日期")
        verbose_name_plural = _("党员最近出席日期")

    def __str__(self):
        return f"{self.member_id} {self.last_attended_on}"


class RecordMonthRollup(models.Model):
    """The submitted records held in one month in an organization's subtree (itself included): how many, how many
    entered late, and their attendance sums (应到, 实到). Kept by the record services in the transaction of every
    change to a counted record, as increments to the organization and every ancestor (apps/records/rollups.py), so a
    province's year of figures is twelve rows instead of 1.9 million records. Rows that fell to zero stay.
    `manage.py record_rollups --check | --rebuild`."""

    # The unique constraint's index (organization first) serves the reads by organization and month.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="record_rollups", db_index=False)
    month = models.DateField()  # the first day of the month
    records = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    expected = models.IntegerField(default=0)
    present = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("组织生活月度汇总")
        verbose_name_plural = _("组织生活月度汇总")
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="records_monthrollup_once")]

    def __str__(self):
        return f"{self.organization_id} {self.month:%Y-%m}"


class PlanDayCount(models.Model):
    """The activities still planned, and the activity records (every status), of one day in an organization's subtree
    (itself included): what the calendar of a large subtree shows per day. Kept by the plan and record services in the
    transaction of every change to whether or when a plan or a record counts, as increments to the organization and
    every ancestor (apps/records/plan_counts.py). Rows that fell to zero stay. `manage.py plan_counts --check |
    --rebuild`."""

    # The unique constraint's index (organization, day) serves the calendar's read: one organization's month.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="plan_day_counts", db_index=False)
    day = models.DateField()
    plans = models.IntegerField(default=0)
    # A database default: the plans' fill (migration 0007's, `fill`) inserts rows without it.
    records = models.IntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("活动计划每日计数")
        verbose_name_plural = _("活动计划每日计数")
        constraints = [models.UniqueConstraint(fields=["organization", "day"], name="records_plandaycount_once")]

    def __str__(self):
        return f"{self.organization_id} {self.day}"


class MonthlyStar(models.Model):
    """特色活动之星: a record picked by the district or a committee for one month's public page."""

    month = models.DateField(_("月份"))
    record = models.ForeignKey(ActivityRecord, verbose_name=_("活动纪实"), on_delete=models.CASCADE, related_name="stars")
    chosen_by_org = models.ForeignKey(Organization, verbose_name=_("评选组织"), on_delete=models.PROTECT, related_name="+")
    citation = models.CharField(_("推荐理由"), max_length=300, blank=True)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    chosen_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("chosen_at",)

    class Meta:
        verbose_name = _("特色活动之星")
        verbose_name_plural = _("特色活动之星")
        ordering = ["-month", "id"]
        constraints = [models.UniqueConstraint(fields=["month", "record"], name="records_star_once")]
        indexes = [models.Index(fields=["month", "chosen_by_org"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.record}"

    @property
    def audit_organization(self):
        return self.chosen_by_org
