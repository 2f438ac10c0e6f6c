"""流动党员 (rules.md §4): members of the platform working far from home (流出, with their yearly report-backs to the
home organization), members from elsewhere attached to a local branch for flowing members (流入), and members out of
contact (失联) with the search for them. A member's status (流动 / 失联) moves only through apps.members.services, in
the transaction that opens or ends the record here."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import EncryptedTextField
from apps.core.idcard import mask_id_number
from apps.core.statemachine import Stateful
from apps.core.text import mask_phone
from apps.members.models import Member
from apps.orgs.models import Organization


class FlowStatus(models.TextChoices):
    OPEN = "open", _("流动中")
    ENDED = "ended", _("已结束")


class FlowOut(Stateful, models.Model):
    """A member away from home (流出): where, since when, how to reach them, the organization they attend there (one
    of the platform's, or named in text). `last_report_on` is the latest report-back (kept by flow_report_record), so
    the overdue flag is one index range."""

    STATE_TABLE = "apps.membership.flow_states"
    STATE_FUNCTIONS = ("out_state", "out_available")

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("流动去向"), max_length=120)
    since = models.DateField(_("外出日期"))
    contact = models.CharField(_("流动期间联系方式"), max_length=120, blank=True)
    host_organization = models.ForeignKey(Organization, verbose_name=_("参加活动的党组织（本平台）"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")
    host_name = models.CharField(_("参加活动的党组织"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=FlowStatus.choices, default=FlowStatus.OPEN)
    last_report_on = models.DateField(_("最近汇报日期"), null=True, blank=True)
    ended_on = models.DateField(_("返回日期"), null=True, blank=True)
    end_note = models.CharField(_("返回说明"), max_length=200, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)
    AUDIT_PERSONAL = ("contact",)

    class Meta:
        verbose_name = _("流出党员")
        verbose_name_plural = _("流出党员")
        ordering = ["-since", "-id"]
        constraints = [models.UniqueConstraint(fields=["member"], condition=Q(status="open"),
                                               name="membership_one_open_flow_out")]
        indexes = [models.Index(fields=["status", "last_report_on"]), models.Index(fields=["status", "since"])]

    def __str__(self):
        return f"{self.member} → {self.place}"

    @property
    def audit_organization(self):
        return self.member.organization

    @property
    def host(self):
        return self.host_organization.name if self.host_organization_id else self.host_name


class ReportWay(models.TextChoices):
    PHONE = "phone", _("电话")
    WRITTEN = "written", _("书面")
    IN_PERSON = "in_person", _("当面")
    ONLINE = "online", _("网络")


class FlowReport(models.Model):
    """One report-back of a flowing member to the home organization (至少每年一次)."""

    flow = models.ForeignKey(FlowOut, on_delete=models.CASCADE, related_name="reports")
    reported_on = models.DateField(_("汇报日期"))
    way = models.CharField(_("汇报方式"), max_length=10, choices=ReportWay.choices)
    content = models.TextField(_("汇报内容"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("流动党员汇报")
        verbose_name_plural = _("流动党员汇报")
        ordering = ["-reported_on", "-id"]

    @property
    def audit_organization(self):
        return self.flow.member.organization


class FlowIn(Stateful, models.Model):
    """A member from elsewhere (流入) attached to a local branch for flowing members: the person (ID number encrypted,
    hashed and masked like an applicant's; phone encrypted and masked), the home organization, from when to when, the
    流动党员活动证 they carry."""

    STATE_TABLE = "apps.membership.flow_states"
    STATE_FUNCTIONS = ("in_state", "in_available")

    organization = models.ForeignKey(Organization, verbose_name=_("编入党支部"), on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("姓名"), max_length=60)
    id_number = EncryptedTextField(_("身份证号"))
    id_hash = models.CharField(max_length=64)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    home_organization = models.CharField(_("原党组织"), max_length=120)
    since = models.DateField(_("流入日期"))
    until = models.DateField(_("预计离开日期"), null=True, blank=True)
    card_number = models.CharField(_("流动党员活动证编号"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=FlowStatus.choices, default=FlowStatus.OPEN)
    ended_on = models.DateField(_("离开日期"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("id_hash", "id_masked", "phone_masked", "created_at")
    AUDIT_PERSONAL = ("id_number", "phone")
    AUDIT_MASKED = {"id_number": lambda f: mask_id_number(f.id_number), "phone": lambda f: mask_phone(f.phone)}

    class Meta:
        verbose_name = _("流入党员")
        verbose_name_plural = _("流入党员")
        ordering = ["-since", "-id"]
        constraints = [models.UniqueConstraint(fields=["id_hash"], condition=Q(status="open"),
                                               name="membership_one_open_flow_in")]
        indexes = [models.Index(fields=["organization", "status", "since"])]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization


class LostStatus(models.TextChoices):
    OPEN = "open", _("失联中")
    FOUND = "found", _("已取得联系")


class LostContact(Stateful, models.Model):
    """A member out of contact (失联) from a day, the search for them, and the day they were found again; the status
    they had before (正常 or 流动) is kept and given back when found."""

    STATE_TABLE = "apps.membership.flow_states"
    STATE_FUNCTIONS = ("lost_state", "lost_available")

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    lost_on = models.DateField(_("失去联系日期"))
    status_before = models.CharField(_("失联前状态"), max_length=20)
    note = models.CharField(_("情况说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=LostStatus.choices, default=LostStatus.OPEN)
    found_on = models.DateField(_("恢复联系日期"), null=True, blank=True)
    found_note = models.CharField(_("恢复联系说明"), max_length=200, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("失联党员")
        verbose_name_plural = _("失联党员")
        ordering = ["-lost_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["member"], condition=Q(status="open"),
                                               name="membership_one_open_lost_contact")]
        indexes = [models.Index(fields=["status", "lost_on"])]

    def __str__(self):
        return str(self.member)

    @property
    def audit_organization(self):
        return self.member.organization


class ContactSearch(models.Model):
    """One effort to find a member out of contact: when, how, by whom, with what result."""

    case = models.ForeignKey(LostContact, on_delete=models.CASCADE, related_name="searches")
    searched_on = models.DateField(_("查找日期"))
    method = models.CharField(_("查找方式"), max_length=60)
    searcher = models.CharField(_("查找人"), max_length=60)
    result = models.CharField(_("查找结果"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("失联党员查找记录")
        verbose_name_plural = _("失联党员查找记录")
        ordering = ["-searched_on", "-id"]

    @property
    def audit_organization(self):
        return self.case.member.organization
