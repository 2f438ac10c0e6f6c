"""考核评价: honours (示范创建, e.g. the "1213" action), imported by models.py so Django finds these models in the app.

An HonourCampaign (a district's action of a year) has HonourKinds (五好示范党支部, 攻坚示范党小组, 优秀党员示范岗,
党员示范户 …), each with its quota as data and whether its nominee is an organization or a member. A Nomination names
one nominee of a kind, made by an organization within whose subtree the nominee lies; the district approves (awards,
within the quota), rejects or later revokes it: the life is in honour_states.py, the rules in honour_services.py.
Awarded nominations are shown on the public pages (/honours/) and credited to an organization's bonus indicators
(honour_selectors.award_items).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.evidence import PrivateFile, file_field
from apps.core.statemachine import Stateful
from apps.orgs.models import Organization


class NomineeType(models.TextChoices):
    ORGANIZATION = "organization", _("组织")
    MEMBER = "member", _("党员")


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("已提名")
    APPROVED = "approved", _("审核通过")
    REJECTED = "rejected", _("未通过")
    REVOKED = "revoked", pgettext_lazy("honour", "已撤销")  # not the organizations' 已撤销 (dissolved)


class HonourCampaign(models.Model):
    # The organization whose administrators run it and approve (the district); nominees come from its subtree.
    organization = models.ForeignKey(Organization, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("活动名称"), max_length=100)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("示范创建活动")
        verbose_name_plural = _("示范创建活动")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="assessment_campaign_name_unique")]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization


class HonourKind(models.Model):
    """One honour of a campaign with its quota (10 / 20 / 100 / 300 in the 1213 action). `org_kinds`: the kinds of
    organization an organization nominee may be (党支部…, 党小组); empty is any. Its row is locked by every approval,
    so concurrent approvals never pass the quota."""

    campaign = models.ForeignKey(HonourCampaign, on_delete=models.CASCADE, related_name="kinds")
    name = models.CharField(_("示范类别"), max_length=60)
    nominee_type = models.CharField(_("推荐对象"), max_length=12, choices=NomineeType.choices)
    org_kinds = models.JSONField(_("组织类别"), default=list, blank=True)
    quota = models.PositiveIntegerField(_("名额"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("示范类别")
        verbose_name_plural = _("示范类别")
        ordering = ["campaign_id", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="assessment_honour_kind_unique")]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.campaign.organization


class Nomination(Stateful, models.Model):
    """A nominee of a kind. `organization` is the organization credited (and whose subtree sees it): an organization
    nominee itself, a 党小组 its branch, a member their organization when nominated."""

    STATE_TABLE = "apps.assessment.honour_states"

    kind = models.ForeignKey(HonourKind, verbose_name=_("示范类别"), on_delete=models.PROTECT, related_name="nominations")
    nominee_org = models.ForeignKey(Organization, verbose_name=_("推荐组织"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    nominee_member = models.ForeignKey("members.Member", verbose_name=_("推荐党员"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+")
    nominated_by_org = models.ForeignKey(Organization, verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("推荐理由"), max_length=2000)
    status = models.CharField(_("状态"), max_length=12, choices=NominationStatus.choices, default=NominationStatus.NOMINATED)
    awarded_on = models.DateField(_("授予日期"), null=True, blank=True)
    certificate_no = models.CharField(_("证书（牌匾）编号"), max_length=40, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    nominated_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    AUDIT_EXCLUDE = ("nominated_at",)

    class Meta:
        verbose_name = _("示范推荐")
        verbose_name_plural = _("示范推荐")
        ordering = ["kind_id", "-nominated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(nominee_org__isnull=True, nominee_member__isnull=False)
                                   | Q(nominee_org__isnull=False, nominee_member__isnull=True),
                                   name="assessment_nomination_one_nominee"),
            models.CheckConstraint(condition=~Q(status="approved") | Q(awarded_on__isnull=False),
                                   name="assessment_nomination_awarded_on"),
            # One live nomination (pending or awarded) of a nominee per kind.
            models.UniqueConstraint(fields=["kind", "nominee_org"], condition=Q(status__in=["nominated", "approved"]),
                                    name="assessment_nomination_org_once"),
            models.UniqueConstraint(fields=["kind", "nominee_member"], condition=Q(status__in=["nominated", "approved"]),
                                    name="assessment_nomination_member_once"),
        ]
        indexes = [models.Index(fields=["organization", "status", "awarded_on"], name="assessment_award_org"),
                   models.Index(fields=["kind", "status"], name="assessment_nomination_kind")]

    def __str__(self):
        return f"{self.kind}：{self.nominee_org or self.nominee_member}"

    @property
    def audit_organization(self):
        return self.organization


class NominationFile(PrivateFile):
    """Evidence behind a nomination (optional): private, served only through the access layer."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="files")
    file = file_field("honours/%Y/%m/")

    class Meta:
        verbose_name = _("推荐材料")
        verbose_name_plural = _("推荐材料")
        ordering = ["id"]

    @property
    def audit_organization(self):
        return self.nomination.organization
