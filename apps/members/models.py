from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core import codes
from apps.core.crypto import EncryptedTextField
from apps.core.dates import whole_years_between
from apps.core.idcard import mask_id_number
from apps.core.text import mask_phone
from apps.orgs.models import Organization


class MemberCategory(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MemberStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    FLOWING = "flowing", _("流动")
    LOST_CONTACT = "lost_contact", _("失联")
    SUSPENDED = "suspended", _("停止党籍")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    LEFT = "left", _("出党")
    DECEASED = "deceased", _("去世")


# Members counted in an organization's current roster.
CURRENT_STATUSES = (MemberStatus.NORMAL, MemberStatus.FLOWING, MemberStatus.LOST_CONTACT)


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MemberQuerySet(models.QuerySet):
    def current(self):
        return self.filter(status__in=CURRENT_STATUSES)


class Member(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="members")
    party_group = models.ForeignKey(Organization, verbose_name=_("所在党小组"), null=True, blank=True, on_delete=models.SET_NULL, related_name="group_members")
    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    name_pinyin = models.CharField(_("姓名全拼"), max_length=120, db_index=True)
    name_initials = models.CharField(_("姓名首字母"), max_length=40, db_index=True)
    # 身份证号: ciphertext only; exact lookup by keyed hash; masked form for lists.
    id_number = EncryptedTextField(_("身份证号"))
    id_hash = models.CharField(max_length=64, unique=True)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    birth_date = models.DateField(_("出生日期"), db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=codes.ETHNICITIES, default="01")
    education = models.CharField(_("学历"), max_length=2, choices=codes.EDUCATIONS, blank=True)
    occupation = models.CharField(_("职业类别"), max_length=16, choices=codes.OCCUPATIONS, blank=True)
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    category = models.CharField(_("人员类别"), max_length=16, choices=MemberCategory.choices, default=MemberCategory.FULL)
    status = models.CharField(_("党员状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.NORMAL)
    phone = EncryptedTextField(_("手机号"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("手机号"), max_length=20, blank=True)
    is_hardship = models.BooleanField(_("困难党员"), default=False)
    flow_place = models.CharField(_("流动去向"), max_length=120, blank=True)
    flow_contact = models.CharField(_("流动期间联系方式"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    # Audit rows never hold the plaintext of personal data.
    AUDIT_EXCLUDE = ("id_hash", "phone_hash", "id_masked", "phone_masked", "name_pinyin", "name_initials", "created_at", "updated_at")
    # Personal fields: the auditor reads who changed them when (“出生日期：已修改”), never their values
    # (apps.audit.display). The name stays readable: it is how the record is known; the party data
    # (organization, category, status, dates of joining) is what the audit is about.
    AUDIT_PERSONAL = ("id_number", "birth_date", "sex", "ethnicity", "education", "occupation", "phone", "is_hardship",
                      "flow_place", "flow_contact")
    AUDIT_MASKED = {
        "id_number": lambda m: mask_id_number(m.id_number),
        "phone": lambda m: mask_phone(m.phone),
    }

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name_pinyin", "id"]
        # Low-cardinality columns (status, category, sex, …) get no index of their own: a planner that
        # starts from one reads most of the table. Counts per organization use (organization, status);
        # searches start from name / pinyin / initials / hashes (PostgreSQL adds LIKE-able twins).
        indexes = [
            models.Index(fields=["organization", "name_pinyin"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization

    def age(self, today: date | None = None) -> int:
        return whole_years_between(self.birth_date, today or date.today())

    def party_standing_years(self, today: date | None = None) -> int:
        """党龄: whole years since becoming a full member (probation does not count)."""
        if not self.full_member_on:
            return 0
        return max(0, whole_years_between(self.full_member_on, today or date.today()))

    @property
    def is_current(self):
        return self.status in CURRENT_STATUSES

    @property
    def is_flowing(self):
        """流动党员: the profile shows where they went (templates do not repeat the status codes)."""
        return self.status == MemberStatus.FLOWING
