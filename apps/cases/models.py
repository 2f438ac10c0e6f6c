"""群工系统: residents' requests (cases) from intake to a rated, archived outcome.

A case's chain is 受理 → 派单 → 签收 → 办理 → 办结 (feedback) → 回访 → 归档 (rules.md §7). Handling units are
township governments, village committees, district departments and the district's own centre (兜底); each is tied
to the party organization whose staff handle its cases, so the one access layer scopes cases like everything else.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from apps.core.crypto import EncryptedTextField
from apps.orgs.models import Organization


class ConfigQuerySet(models.QuerySet):
    """The district's intake configuration (categories, questions, units, rules) is kept in memory by
    `cases.intake_config`: a change in bulk, past save(), invalidates it too."""

    def _changed(self, result):
        from .intake_config import invalidate

        invalidate()
        return result

    def update(self, **kwargs):
        return self._changed(super().update(**kwargs))

    def delete(self):
        return self._changed(super().delete())

    def bulk_create(self, *args, **kwargs):
        return self._changed(super().bulk_create(*args, **kwargs))

    def bulk_update(self, *args, **kwargs):
        return self._changed(super().bulk_update(*args, **kwargs))


ConfigManager = models.Manager.from_queryset(ConfigQuerySet)


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("区级（兜底）")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")
    DEPARTMENT = "department", _("区级部门")


class HandlingUnit(models.Model):
    """承办单位: who handles cases. Staff holding a case role on `organization` (or above it) act for the unit."""

    name = models.CharField(_("单位名称"), max_length=60, unique=True)
    kind = models.CharField(_("单位类别"), max_length=12, choices=UnitKind.choices, db_index=True)
    organization = models.ForeignKey(Organization, verbose_name=_("对应党组织"), on_delete=models.PROTECT,
                                     related_name="handling_units",
                                     help_text=_("在该党组织（或其上级）任职的工作人员代表本单位办理"))
    parent = models.ForeignKey("self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children", help_text=_("村（社区）所属的乡镇（街道）；排名时计入上级"))
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    objects = ConfigManager()

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization


class Urgency(models.TextChoices):
    """Time-limit classes (rules.md §7); the limits themselves are settings."""

    EMERGENCY = "emergency", _("紧急（危及生命财产安全）")
    UTILITY = "utility", _("水电气暖")
    GENERAL = "general", _("一般")
    COMPLEX = "complex", _("复杂")


class Service(models.Model):
    """A category of request (Open311 "service"): what residents choose on the form."""

    code = models.SlugField(_("代码"), max_length=40, unique=True, help_text=_("Open311 service_code"))
    name = models.CharField(_("名称"), max_length=40, unique=True)
    group = models.CharField(_("类别分组"), max_length=40, blank=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("以逗号分隔"))
    urgency = models.CharField(_("默认时限类别"), max_length=12, choices=Urgency.choices, default=Urgency.GENERAL)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    objects = ConfigManager()

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class AttributeType(models.TextChoices):
    """Open311 attribute datatypes."""

    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


class ServiceAttribute(models.Model):
    """An extra question of a category (Open311 service definition attribute)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(_("代码"), max_length=40)
    description = models.CharField(_("问题"), max_length=200)
    datatype = models.CharField(_("类型"), max_length=16, choices=AttributeType.choices, default=AttributeType.STRING)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(_("选项"), default=list, blank=True, help_text=_("[{\"key\": …, \"name\": …}]"))

    objects = ConfigManager()

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("类别附加问题")
        verbose_name_plural = _("类别附加问题")
        ordering = ["service", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="cases_attribute_code_once",
                                               violation_error_message=_("该类别已有代码相同的问题"))]

    def __str__(self):
        return f"{self.service} · {self.description}"

    @property
    def is_list(self):
        return self.datatype in (AttributeType.SINGLE, AttributeType.MULTI)

    def display(self, value):
        """An answer as people read it: a list question's choices by their names. The case keeps the keys (the
        Open311 attribute values its clients send and expect back); a key no longer among the options shows as is."""
        if not self.is_list:
            return value
        names = {str(v.get("key")): v.get("name") or v.get("key") for v in self.values if isinstance(v, dict)}
        keys = value if isinstance(value, list) else [value]
        return pgettext("list separator", "、").join(str(names.get(str(k), k)) for k in keys)


class RoutingRule(models.Model):
    """Category × area → responsible unit. The most specific rule wins (a category before an area, a deeper area
    before a shallower one); a case no rule matches goes to the district (兜底)."""

    service = models.ForeignKey(Service, verbose_name=_("诉求类别"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="rules", help_text=_("不填：任何类别"))
    area = models.ForeignKey(Organization, verbose_name=_("区域"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", help_text=_("乡镇（街道）或村（社区）；不填：任何区域"))
    to_area_unit = models.BooleanField(_("属地办理"), default=False,
                                       help_text=_("交由问题所在村（社区）或乡镇（街道）的承办单位"))
    unit = models.ForeignKey(HandlingUnit, verbose_name=_("牵头单位"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="rules")
    assisting = models.ManyToManyField(HandlingUnit, verbose_name=_("协办单位"), blank=True, related_name="assist_rules")
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = ConfigManager()

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        constraints = [
            models.UniqueConstraint(fields=["service", "area"], name="cases_rule_once",
                                    violation_error_message=_("已有同一类别和区域的派单规则")),
            models.CheckConstraint(condition=models.Q(to_area_unit=True) | models.Q(unit__isnull=False),
                                   name="cases_rule_has_target",
                                   violation_error_message=_("请选择牵头单位，或选择属地办理")),
        ]

    def __str__(self):
        return f"{self.service or _('任何类别')} × {self.area or _('任何区域')}"


class Channel(models.TextChoices):
    WEB = "web", _("网上提交")
    PHONE = "phone", _("电话")
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来信")
    DOOR = "door", _("上门走访")
    APP = "app", _("第三方应用（Open311）")


STAFF_CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.LETTER, Channel.DOOR)


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    SIGNED = "signed", _("办理中")
    RESOLVED = "resolved", _("已办结")
    VISITED = "visited", _("已回访")
    ARCHIVED = "archived", _("已归档")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


# Still to be handled (Open311 "open"); the deadline runs for these.
OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.SIGNED)
HANDLING_STATUSES = (Status.ACCEPTED, Status.DISPATCHED, Status.SIGNED)
RESOLVED_STATUSES = (Status.RESOLVED, Status.VISITED, Status.ARCHIVED)

# Case.lapse_at: the earlier of the times still able to lapse (PostgreSQL's LEAST and SQLite's MIN disagree on NULL,
# hence the cases spelled out).
_SIGN_PENDING = models.Q(accepted_at__isnull=False, signed_at__isnull=True, sign_lapsed=False, sign_due__isnull=False)
_HANDLING_PENDING = models.Q(status__in=HANDLING_STATUSES, handling_lapsed=False, deadline__isnull=False)
LAPSE_AT = models.Case(
    models.When(_SIGN_PENDING & _HANDLING_PENDING & models.Q(sign_due__lt=models.F("deadline")),
                then=models.F("sign_due")),
    models.When(_HANDLING_PENDING, then=models.F("deadline")),
    models.When(_SIGN_PENDING, then=models.F("sign_due")),
    default=None, output_field=models.DateTimeField(null=True))


class Triage(models.TextChoices):
    SINGLE = "single", _("单一单位办理")
    JOINT = "joint", _("多单位联合办理")
    DISTRICT = "district", _("区级统筹协调")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class RatedVia(models.TextChoices):
    RESIDENT = "resident", _("群众凭查询码评价")
    PHONE = "phone", _("电话回访")


class Open311Client(models.Model):
    """A client application allowed to POST requests through Open311; only a hash of its key is kept."""

    name = models.CharField(_("应用名称"), max_length=80, unique=True)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    AUDIT_EXCLUDE = ("key_hash", "created_at", "last_used_at")

    class Meta:
        verbose_name = _("Open311 接入应用")
        verbose_name_plural = _("Open311 接入应用")
        ordering = ["name"]

    def __str__(self):
        return self.name


def _token():
    return uuid.uuid4()


class Case(models.Model):
    """One resident's request. Figures the three rates need (on-time flags, handling minutes) are kept on the row
    by the services, so a month's ranking is one grouped scan of an index range, not a replay of timelines."""

    number = models.CharField(_("受理编号"), max_length=20, unique=True)
    query_code_hash = models.CharField(max_length=64, editable=False)
    token = models.UUIDField(default=_token, unique=True, editable=False)  # Open311 token
    service = models.ForeignKey(Service, verbose_name=_("诉求类别"), on_delete=models.PROTECT, related_name="cases")
    urgency = models.CharField(_("时限类别"), max_length=12, choices=Urgency.choices, default=Urgency.GENERAL)
    channel = models.CharField(_("来源渠道"), max_length=8, choices=Channel.choices, default=Channel.WEB, db_index=True)
    description = models.TextField(_("问题描述"), max_length=4000)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    area = models.ForeignKey(Organization, verbose_name=_("所在区域"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="cases")
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    hide_name = models.BooleanField(_("不公开姓名"), default=False)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    email = EncryptedTextField(_("电子邮箱"), blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    open311_client = models.ForeignKey(Open311Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    account_id = models.CharField(max_length=64, blank=True)
    device_id = models.CharField(max_length=64, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    is_public = models.BooleanField(_("公开"), default=True, help_text=_("在办件公开页和 Open311 中公开（不含联系方式）"))

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    triage = models.CharField(_("办理方式"), max_length=10, choices=Triage.choices, blank=True)
    # 首接负责制: the unit that first received the case, then each unit that signs for it.
    owner_unit = models.ForeignKey(HandlingUnit, verbose_name=_("首接负责单位"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="owned_cases")
    lead_unit = models.ForeignKey(HandlingUnit, verbose_name=_("牵头单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="led_cases")
    master = models.ForeignKey("self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="merged_cases")

    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    accept_due = models.DateTimeField(_("受理时限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accept_on_time = models.BooleanField(_("按时受理"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    sign_due = models.DateTimeField(_("签收时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    sign_on_time = models.BooleanField(_("按时签收"), null=True, blank=True)
    deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    extended = models.BooleanField(_("已延期"), default=False)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    # Once resolved late, the case stays counted as overdue, even if it is reopened and then resolved in time.
    ever_late = models.BooleanField(_("曾超时办结"), default=False)
    # Set by the lapse sweep (apps.cases.lapses) once the time to sign / the deadline has passed: the roll-ups then
    # store the figure; a step that moves the time later clears it (services._save).
    sign_lapsed = models.BooleanField(default=False, editable=False)
    handling_lapsed = models.BooleanField(default=False, editable=False)
    # The earliest time at which a clock-driven figure of this case would next lapse (its time to sign while it waits
    # to be signed for, its deadline while it is being handled, neither flagged yet), NULL when nothing can: computed
    # by the database, so no write path can leave it stale. The rankings' live part and the lapse sweep read the
    # cases with lapse_at < now through one partial index (cases_lapse_at_idx): the lapses since the last sweep.
    lapse_at = models.GeneratedField(expression=LAPSE_AT, output_field=models.DateTimeField(null=True),
                                     db_persist=True)
    handling_minutes = models.PositiveIntegerField(_("办理用时（分钟）"), null=True, blank=True)
    answer = models.TextField(_("答复"), max_length=4000, blank=True)
    rating = models.CharField(_("满意度"), max_length=12, choices=Rating.choices, blank=True)
    rating_solved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    rated_via = models.CharField(_("评价方式"), max_length=10, choices=RatedVia.choices, blank=True)
    # The handling round the rating is of (reopen_count then): a reopened case keeps its last rating, which counts
    # until the resident rates the new outcome.
    rating_round = models.PositiveSmallIntegerField(_("评价轮次"), default=0)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    # Word n-grams of the text, searched through SQLite FTS5 or a PostgreSQL GIN index (apps.cases.search).
    search_tokens = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    AUDIT_MASKED = {"contact_phone": lambda c: c.phone_masked, "email": lambda c: "***" if c.email else ""}
    AUDIT_EXCLUDE = ("query_code_hash", "token", "phone_hash", "ip_hash", "search_tokens", "updated_at", "sign_lapsed",
                     "handling_lapsed", "lapse_at")
    # Shown to the auditor as changed only (apps.audit.display): the resident's identity and whereabouts.
    AUDIT_PERSONAL = ("contact_name", "contact_phone", "email", "address", "lat", "lng")

    class Meta:
        verbose_name = _("群众诉求")
        verbose_name_plural = _("群众诉求")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["submitted_at"], name="cases_submitted_idx"),
            models.Index(fields=["lead_unit", "submitted_at"], name="cases_lead_submitted_idx"),
            models.Index(fields=["area", "submitted_at"], name="cases_area_submitted_idx"),
            models.Index(fields=["service", "submitted_at"], name="cases_service_submitted_idx"),
            models.Index(fields=["status", "deadline"], name="cases_status_deadline_idx"),
            models.Index(fields=["status", "accept_due"], name="cases_status_acceptdue_idx"),
            models.Index(fields=["owner_unit", "status"], name="cases_owner_status_idx"),
            models.Index(fields=["lead_unit", "status"], name="cases_lead_status_idx"),
            models.Index(fields=["phone_hash", "submitted_at"], name="cases_phone_submitted_idx"),
            models.Index(fields=["ip_hash", "submitted_at"], name="cases_ip_submitted_idx"),
            models.Index(fields=["updated_at"], name="cases_updated_idx"),
            models.Index(fields=["open311_client", "submitted_at"], name="cases_client_submitted_idx"),
            # The lapses not yet swept (rollups.live_by, lapses.sweep): few at any time, read from the index alone on
            # PostgreSQL (INCLUDE: the columns of rollups.live_aggregates and the ranking keys), whatever the size of
            # the year. Keyed by one stored time, not by two (sign_due, deadline) under an OR: a BitmapOr of two
            # partial indexes cannot be index-only, and its estimates sent a province's ranking to parallel workers.
            models.Index(fields=["lapse_at"], name="cases_lapse_at_idx",
                         include=["submitted_at", "id", "status", "accepted_at", "signed_at", "sign_due", "master",
                                  "resolved_on_time", "ever_late", "deadline", "lead_unit", "service", "area",
                                  "sign_lapsed", "handling_lapsed"],
                         condition=models.Q(lapse_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status="merged") | models.Q(master__isnull=False),
                                   name="cases_merged_has_master", violation_error_message=_("合并的诉求须指明合并至哪件诉求")),
        ]

    def __str__(self):
        return self.number

    @property
    def audit_organization(self):
        if self.lead_unit_id:
            return self.lead_unit.organization
        return self.area

    def answers(self):
        """[(question, answer as shown)] for the category's extra questions answered, in the category's order: every
        page that shows them (staff, print, the resident's status page) goes through here, never the raw keys."""
        if not self.attributes:
            return []
        return [(attr.description, attr.display(self.attributes[attr.code])) for attr in self.service.attributes.all()
                if self.attributes.get(attr.code) not in (None, "", [])]

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None):
        now = now or timezone.now()
        if self.resolved_on_time is False or self.ever_late:
            return True
        return self.status in HANDLING_STATUSES and self.deadline is not None and self.deadline < now


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    ASSIST = "assist", _("协办")


class AssignmentStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("待签收")
    SIGNED = "signed", _("已签收")
    RETURNED = "returned", _("已退单")
    WITHDRAWN = "withdrawn", _("已改派")


class CaseAssignment(models.Model):
    """A unit's part in a case (lead or assisting), from dispatch to signing, returning or being replaced."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(HandlingUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("角色"), max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(_("状态"), max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.DISPATCHED)
    dispatched_at = models.DateTimeField(_("派单时间"), default=timezone.now)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退单时间"), null=True, blank=True)
    return_reason = models.CharField(_("退单理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("派单记录")
        verbose_name_plural = _("派单记录")
        ordering = ["dispatched_at", "id"]
        indexes = [models.Index(fields=["unit", "status"], name="cases_assign_unit_status_idx")]

    def __str__(self):
        return f"{self.case_id} {self.unit} {self.role}"

    @property
    def is_current(self):
        return self.status in (AssignmentStatus.DISPATCHED, AssignmentStatus.SIGNED)


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交诉求")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("派单")
    SIGNED = "signed", _("签收")
    RETURNED = "returned", _("退单")
    NOTE = "note", _("办理进展")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_REFUSED = "extension_refused", _("不批准延期")
    RESOLVED = "resolved", _("办结")
    RATED = "rated", _("评价")
    REOPENED = "reopened", _("重办")
    MERGED = "merged", _("合并")
    ARCHIVED = "archived", _("归档")


class CaseEvent(models.Model):
    """One step on a case's timeline: who (user, and the unit they acted for), when, what. Public events are what
    the resident's status page shows, with the unit's name and never a staff member's."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("环节"), max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey(HandlingUnit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    is_public = models.BooleanField(_("公开"), default=True)
    text = models.TextField(_("内容"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("办理过程")
        verbose_name_plural = _("办理过程")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at_idx")]

    def __str__(self):
        return f"{self.case_id} {self.kind}"

    @property
    def by_resident(self) -> bool:
        """A step residents take themselves (submitting, rating), shown as theirs when no staff member recorded it."""
        return self.kind in (EventKind.SUBMITTED, EventKind.RATED)


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不批准")
    WITHDRAWN = "withdrawn", _("已作废")  # the case was reassigned, returned or reopened before the decision


class CaseExtension(models.Model):
    """A request to move a case's deadline, with its reason; only an approved one moves it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(HandlingUnit, verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    until = models.DateTimeField(_("申请延至"))
    reason = models.CharField(_("延期理由"), max_length=300)
    status = models.CharField(_("状态"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="cases_ext_status_idx")]
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(status="pending"),
                                               name="cases_one_pending_extension",
                                               violation_error_message=_("已有一项延期申请待审批"))]

    def __str__(self):
        return f"{self.case} → {self.until:%Y-%m-%d %H:%M}"

    @property
    def audit_organization(self):
        return self.unit.organization


class PhotoStage(models.TextChoices):
    INTAKE = "intake", _("群众提交")
    RESOLUTION = "resolution", _("办结现场")


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("来源"), max_length=12, choices=PhotoStage.choices, default=PhotoStage.INTAKE)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("诉求照片")
        verbose_name_plural = _("诉求照片")
        ordering = ["id"]


class CaseNumberCounter(models.Model):
    """The day's last case number: numbers run QG + date + a five-digit sequence of that day."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)


class CaseMonthRollup(models.Model):
    """Delta rows of the case figures' clock-free parts per month of submission, at one of four grains
    (apps.cases.rollups.GRAINS): lead unit × area × category ("full"), lead unit × tree root ("unit"), area
    ("area"), category × tree root ("service"); a column a grain does not keep is NULL. Written by the services with
    each step and folded by the schedule. The area is the case's area at township level (its ancestor at depth
    CASE_ROLLUP_AREA_DEPTH when it lies deeper), or its tree's root in the "unit" and "service" grains."""

    grain = models.CharField(max_length=8, default="full")
    month = models.DateField()
    lead_unit = models.ForeignKey(HandlingUnit, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                  related_name="+")
    area = models.ForeignKey(Organization, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+")
    service = models.ForeignKey(Service, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    cases = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    signed = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    handling_minutes = models.BigIntegerField(default=0)
    sign_overdue_swept = models.IntegerField(default=0)
    handling_overdue_swept = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["grain", "month"], name="cases_rollup_grain_month_idx"),
                   models.Index(fields=["grain", "area", "month"], name="cases_rollup_grain_area_idx")]
