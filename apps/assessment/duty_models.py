"""考核评价: duty lists (责任清单 / 任务清单 / 负面清单) and their quarterly inspections (imported by models.py).

A DutyList is either a district template for a post (书记, 委员, 党员, or the organization as a whole), applying to
the organizations of its owner's subtree whose kind is one of `kinds` (empty: any), or one organization's own list
for a post (its own duties beside the templates). Items are of three kinds: a duty (责任), a task with a deadline
(任务) and a prohibited act (负面). An Inspection records, for one organization and one quarter, the superior's
check of every item that applies to it (InspectionResult: done / not done, for a prohibited act not violated /
violated), with a note and private evidence files. Not-done results feed deduction indicators (feeds.py,
duty_selectors.violations) and are shown to the assessor of manual indicators.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.evidence import PrivateFile, file_field
from apps.orgs.models import Organization


class DutyPost(models.TextChoices):
    ORGANIZATION = "organization", _("党组织")
    SECRETARY = "secretary", _("书记")
    COMMITTEE = "committee", _("委员")
    MEMBER = "member", _("党员")


class DutyKind(models.TextChoices):
    DUTY = "duty", _("责任清单")
    TASK = "task", _("任务清单")
    PROHIBITED = "prohibited", _("负面清单")


class DutyList(models.Model):
    organization = models.ForeignKey(Organization, verbose_name=_("所属组织"), on_delete=models.PROTECT, related_name="+")
    # A template is the district's (its ASSESSMENT_MANAGE): it applies to the organizations below its owner.
    is_template = models.BooleanField(_("下发模板"), default=False)
    post = models.CharField(_("适用对象"), max_length=20, choices=DutyPost.choices)
    kinds = models.JSONField(_("适用组织类别"), default=list, blank=True)
    name = models.CharField(_("清单名称"), max_length=100)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("职责清单")
        verbose_name_plural = _("职责清单")
        ordering = ["-is_template", "organization__path", "post", "id"]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.organization

    @property
    def kind_labels(self):
        from apps.orgs.models import OrgKind

        return [OrgKind(k).label for k in self.kinds if k in OrgKind.values]


class DutyItem(models.Model):
    duty_list = models.ForeignKey(DutyList, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("类别"), max_length=20, choices=DutyKind.choices)
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    text = models.CharField(_("内容"), max_length=300)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)  # a task's; blank for the others

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["duty_list_id", "kind", "position", "id"]

    def __str__(self):
        return self.text

    @property
    def audit_organization(self):
        return self.duty_list.organization


class Outcome(models.TextChoices):
    DONE = "done", _("已完成")
    NOT_DONE = "not_done", _("未完成")


class Inspection(models.Model):
    """One quarter's inspection of one organization by its superior."""

    organization = models.ForeignKey(Organization, verbose_name=_("被检查组织"), on_delete=models.PROTECT, related_name="+")
    period_key = models.CharField(_("检查季度"), max_length=10)  # 2026Q3
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    inspected_on = models.DateField(_("检查日期"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("检查人"), null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    note = models.CharField(_("检查说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("清单检查")
        verbose_name_plural = _("清单检查")
        ordering = ["-period_start", "organization__path", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "period_key"], name="assessment_inspection_unique")]

    def __str__(self):
        return f"{self.organization} {self.period_key}"

    @property
    def audit_organization(self):
        return self.organization


class InspectionResult(models.Model):
    """One item's result. The item's kind and text are copied: the result stays readable when the list changes."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(DutyItem, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("类别"), max_length=20, choices=DutyKind.choices)
    text = models.CharField(_("内容"), max_length=300)
    outcome = models.CharField(_("检查结果"), max_length=10, choices=Outcome.choices)
    note = models.CharField(_("情况说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["inspection_id", "id"]  # the order of the organization's list when inspected
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], condition=Q(item__isnull=False),
                                               name="assessment_inspection_result_unique")]

    def __str__(self):
        return f"{self.text}: {self.outcome_label}"

    @property
    def outcome_label(self):
        """done / not done; for a prohibited act: not violated / violated."""
        if self.kind == DutyKind.PROHIBITED:
            return _("未违反") if self.outcome == Outcome.DONE else _("违反")
        return Outcome(self.outcome).label

    @property
    def failed(self):
        return self.outcome == Outcome.NOT_DONE

    @property
    def audit_organization(self):
        return self.inspection.organization


class InspectionEvidence(PrivateFile):
    """A private file behind an inspection result: served only through the access layer."""

    result = models.ForeignKey(InspectionResult, on_delete=models.CASCADE, related_name="evidence")
    file = file_field("assessment/inspections/%Y/%m/")

    class Meta:
        verbose_name = _("检查佐证材料")
        verbose_name_plural = _("检查佐证材料")
        ordering = ["id"]

    @property
    def audit_organization(self):
        return self.result.inspection.organization
