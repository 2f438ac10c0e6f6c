"""三述一评's reports: before the democratic evaluation opens, the leader being assessed writes three reports — 述职
(duties), 述学 (study), 述廉 (integrity) — from their own account (`Subject.reporter`), with attachments; then the
superior (a holder of BALLOT_MANAGE on the poll) writes the leader's comment (领导点评). The vote opens only when
every subject has all three and the comment (report_services registers that check in services.OPEN_CHECKS)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.evidence import PrivateFile, file_field

from .models import Subject

REPORT_MAX = 20000
COMMENT_MAX = 2000


class ReportKind(models.TextChoices):
    DUTY = "duty", _("述职")
    STUDY = "study", _("述学")
    INTEGRITY = "integrity", _("述廉")


class Report(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("类别"), max_length=10, choices=ReportKind.choices)
    text = models.TextField(_("报告内容"), max_length=REPORT_MAX)
    submitted_at = models.DateTimeField(_("提交时间"))
    updated_at = models.DateTimeField(_("修改时间"))

    AUDIT_EXCLUDE = ("submitted_at", "updated_at")

    class Meta:
        verbose_name = _("述职述学述廉报告")
        verbose_name_plural = _("述职述学述廉报告")
        ordering = ["subject_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["subject", "kind"], name="ballots_report_once")]

    def __str__(self):
        return f"{self.subject.name}：{self.get_kind_display()}"

    @property
    def audit_organization(self):
        return self.subject.poll.organization


class ReportFile(PrivateFile):
    """An attachment of a report: private, served only through the access layer."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    file = file_field("ballots/reports/%Y/%m/")

    class Meta:
        verbose_name = _("报告附件")
        verbose_name_plural = _("报告附件")
        ordering = ["id"]

    @property
    def audit_organization(self):
        return self.report.subject.poll.organization


class LeaderComment(models.Model):
    """The superior's comment on a leader (领导点评), once the three reports are in."""

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="leader_comment")
    text = models.TextField(_("点评内容"), max_length=COMMENT_MAX)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("点评时间"))

    AUDIT_EXCLUDE = ("at",)

    class Meta:
        verbose_name = _("领导点评")
        verbose_name_plural = _("领导点评")

    def __str__(self):
        return f"{self.subject.name}：{_('领导点评')}"

    @property
    def audit_organization(self):
        return self.subject.poll.organization
