"""Tables of admitting new members (发展党员): the applicant through the 25 steps (rules.md §2; admission_rules.py),
each step recorded once with its people, votes and documents; 党纪处分 of members (who may not introduce); the year's
admission plan per organization; the ranges of 入党志愿书 serial numbers an organization hands out."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core import codes
from apps.core.crypto import EncryptedTextField
from apps.core.evidence import PrivateFile, file_field
from apps.core.idcard import mask_id_number
from apps.core.statemachine import Stateful
from apps.members.models import Member, Sex
from apps.orgs.models import Organization


class AdmissionStage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    TARGET = "target", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("已转正")
    CANCELLED = "cancelled", _("取消预备党员资格")
    ARCHIVED = "archived", _("已归档")


class Applicant(Stateful, models.Model):
    STATE_TABLE = "apps.membership.admission_states"

    organization = models.ForeignKey(Organization, verbose_name=_("所在党支部"), on_delete=models.PROTECT,
                                     related_name="applicants")
    name = models.CharField(_("姓名"), max_length=60)
    id_number = EncryptedTextField(_("身份证号"))
    id_hash = models.CharField(max_length=64, unique=True)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=codes.ETHNICITIES, default="01")
    education = models.CharField(_("学历"), max_length=2, choices=codes.EDUCATIONS, blank=True)
    unit = models.CharField(_("工作单位及职务"), max_length=120, blank=True)
    status = models.CharField(_("发展阶段"), max_length=16, choices=AdmissionStage.choices,
                              default=AdmissionStage.APPLICANT)
    next_step = models.PositiveSmallIntegerField(_("下一步"), default=2)
    # Dates the rules count from, set by the steps (kept on the row so the dashboards need no join per step).
    applied_on = models.DateField(_("递交申请日期"))
    activist_on = models.DateField(_("确定入党积极分子日期"), null=True, blank=True)
    last_review_on = models.DateField(_("最近一次考察日期"), null=True, blank=True)
    target_on = models.DateField(_("确定发展对象日期"), null=True, blank=True)
    admitted_on = models.DateField(_("支部大会通过日期"), null=True, blank=True)
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
    conversion_meeting_on = models.DateField(_("转正支部大会日期"), null=True, blank=True)
    full_on = models.DateField(_("转正日期"), null=True, blank=True)
    volunteer_book_no = models.CharField(_("入党志愿书编号"), max_length=40, blank=True)
    member = models.OneToOneField(Member, verbose_name=_("党员档案"), null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="admission")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_EXCLUDE = ("id_hash", "id_masked", "created_at", "updated_at")
    AUDIT_PERSONAL = ("id_number", "birth_date", "sex", "ethnicity", "education", "unit")
    AUDIT_MASKED = {"id_number": lambda a: mask_id_number(a.id_number)}

    class Meta:
        verbose_name = _("入党申请人")
        verbose_name_plural = _("入党申请人")
        ordering = ["-applied_on", "-id"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization


class StepOutcome(models.TextChoices):
    ON_TIME = "on_time", _("按期转正")
    EXTEND = "extend", _("延长预备期")
    CANCEL = "cancel", _("取消预备党员资格")


class AdmissionStep(models.Model):
    """One step done. Steps 22–24 recur after an extended probation: the latest row of a number is the one in force."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("步骤"))
    done_on = models.DateField(_("日期"))
    note = models.TextField(_("情况说明"), blank=True)
    talk_partner = models.ForeignKey(Member, verbose_name=_("谈话人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    contacts = models.ManyToManyField(Member, verbose_name=_("培养联系人"), blank=True, related_name="+")
    introducers = models.ManyToManyField(Member, verbose_name=_("入党介绍人"), blank=True, related_name="+")
    publicity_from = models.DateField(_("公示开始日期"), null=True, blank=True)
    training_days = models.PositiveSmallIntegerField(_("培训天数"), null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField(_("培训学时"), null=True, blank=True)
    entitled = models.PositiveIntegerField(_("应到会有表决权的正式党员"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到会有表决权的正式党员"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("赞成"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("反对"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("弃权"), null=True, blank=True)
    extended = models.BooleanField(_("经批准延长审批期限"), default=False)
    outcome = models.CharField(_("审批结果"), max_length=10, choices=StepOutcome.choices, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("recorded_at",)

    class Meta:
        verbose_name = _("发展党员步骤")
        verbose_name_plural = _("发展党员步骤")
        ordering = ["applicant", "number", "id"]
        indexes = [models.Index(fields=["applicant", "number"])]

    def __str__(self):
        return f"{self.applicant} 第{self.number}步"

    @property
    def audit_organization(self):
        return self.applicant.organization


class AdmissionDocument(PrivateFile):
    step = models.ForeignKey(AdmissionStep, on_delete=models.CASCADE, related_name="documents")
    file = file_field("membership/admission/%Y/%m/")

    class Meta:
        verbose_name = _("发展党员材料")
        verbose_name_plural = _("发展党员材料")
        ordering = ["id"]

    @property
    def audit_organization(self):
        return self.step.applicant.organization


class DisciplineKind(models.TextChoices):
    WARNING = "warning", _("警告")
    SERIOUS_WARNING = "serious_warning", _("严重警告")
    REMOVAL = "removal", _("撤销党内职务")
    PROBATION = "probation", _("留党察看")


class DisciplineRecord(models.Model):
    """A 党纪处分 in force from `starts_on` to `ends_on` (open: still in force). A member under 留党察看 may not be an
    introducer (细则第十五条)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="discipline_records")
    kind = models.CharField(_("处分类别"), max_length=20, choices=DisciplineKind.choices)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    # Recorded from the 党纪处分 page (discipline_services.py); rows seeded or recorded before it may leave them empty.
    reason = models.CharField(_("处分事由"), max_length=500, blank=True)
    approved_by_name = models.CharField(_("批准机关"), max_length=120, blank=True)
    document_number = models.CharField(_("处分文号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("党纪处分")
        verbose_name_plural = _("党纪处分")
        indexes = [models.Index(fields=["member", "kind"])]

    @property
    def audit_organization(self):
        return self.member.organization


class AdmissionQuota(models.Model):
    """This year's admission plan (发展党员计划) of an organization: how many new probationary members."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="admission_quotas")
    year = models.PositiveSmallIntegerField(_("年度"))
    quota = models.PositiveIntegerField(_("计划发展数"))

    class Meta:
        verbose_name = _("发展党员计划")
        verbose_name_plural = _("发展党员计划")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="admission_quota_org_year")]

    @property
    def audit_organization(self):
        return self.organization


class VolunteerBookRange(models.Model):
    """A range of 入党志愿书 serial numbers issued to an organization (its subtree draws from it): numbers are handed
    out in order under a row lock, never twice."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="volunteer_book_ranges")
    prefix = models.CharField(_("编号前缀"), max_length=20, blank=True)
    first = models.PositiveIntegerField(_("起始号"))
    last = models.PositiveIntegerField(_("终止号"))
    next_number = models.PositiveIntegerField(_("下一个号"))
    width = models.PositiveSmallIntegerField(_("位数"), default=6)

    class Meta:
        verbose_name = _("入党志愿书编号段")
        verbose_name_plural = _("入党志愿书编号段")
        ordering = ["organization", "first"]

    @property
    def audit_organization(self):
        return self.organization

    @property
    def exhausted(self):
        return self.next_number > self.last

    def format(self, number):
        return f"{self.prefix}{number:0{self.width}d}"
