"""考核评价, slice 3: a round's results published on the public page (/results/), with the note that goes with them
(月点评, 季考评, 半年考评, 年述评). Imported by models.py, so Django finds the model in the app.

A publication names one closed round, the note, and which of its organizations are shown: all of them, those ranked
within the first N (ties included), or organizations chosen one by one. A round has at most one publication in
force; withdrawing it (result_states.py) takes the page down and keeps the row for the record. Closed rounds are
frozen, so the public page reads the round's own totals: what was published is what was closed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Stateful


class NoteKind(models.TextChoices):
    MONTH = "month", _("月点评")
    QUARTER = "quarter", _("季考评")
    HALF = "half", _("半年考评")
    YEAR = "year", _("年述评")


class Selection(models.TextChoices):
    ALL = "all", _("全部被考核组织")
    TOP = "top", _("排名前N位")
    CHOSEN = "chosen", _("指定的组织")


class PublicationStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class ResultPublication(Stateful, models.Model):
    STATE_TABLE = "apps.assessment.result_states"

    round = models.ForeignKey("assessment.Round", verbose_name=_("考核轮次"), on_delete=models.PROTECT,
                              related_name="publications")
    title = models.CharField(_("标题"), max_length=100)
    kind = models.CharField(_("点评类型"), max_length=10, choices=NoteKind.choices)
    note = models.TextField(_("点评内容"), max_length=5000)
    selection = models.CharField(_("公布范围"), max_length=10, choices=Selection.choices, default=Selection.ALL)
    top_n = models.PositiveIntegerField(_("前N位"), null=True, blank=True)
    entries = models.ManyToManyField("assessment.RoundEntry", verbose_name=_("指定的组织"), blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=PublicationStatus.choices,
                              default=PublicationStatus.PUBLISHED)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(_("发布时间"))
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核结果发布")
        verbose_name_plural = _("考核结果发布")
        ordering = ["-published_at", "-id"]
        constraints = [
            # One publication in force per round: a new one after withdrawing the old (result_services).
            models.UniqueConstraint(fields=["round"], condition=Q(status="published"), name="assessment_pub_one_in_force"),
            models.CheckConstraint(condition=~Q(selection="top") | Q(top_n__gte=1), name="assessment_pub_top_n"),
        ]
        indexes = [models.Index(fields=["status", "-published_at"], name="assessment_pub_public")]

    def __str__(self):
        return self.title

    @property
    def audit_organization(self):
        return self.round.organization
