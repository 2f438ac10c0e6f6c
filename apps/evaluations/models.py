"""民主评议党员: once a year a branch evaluates its members — self-evaluation, evaluation by
fellow members, and the grades the branch decides (rules: 优秀 at most a share of the graded
members; 预备党员 take part but are not graded)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.orgs.models import Organization


class EvaluationStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    FINALIZED = "finalized", _("已结束")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASICALLY_QUALIFIED = "basically_qualified", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class Evaluation(models.Model):
    """One branch's democratic evaluation of one year; its roster is fixed when it is opened."""

    organization = models.ForeignKey(Organization, verbose_name=_("党支部"), on_delete=models.PROTECT,
                                     related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("评议年度"))
    status = models.CharField(_("状态"), max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结束人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    finalized_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        ordering = ["-year", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="unique_evaluation_per_branch_year")]

    def __str__(self):
        return f"{self.organization.name} {self.year}年度民主评议党员"

    @property
    def audit_organization(self):
        return self.organization

    @property
    def is_open(self):
        return self.status == EvaluationStatus.OPEN


class Participant(models.Model):
    """A member on an evaluation's roster: their self-evaluation and the grade the branch decides."""

    evaluation = models.ForeignKey(Evaluation, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey("members.Member", verbose_name=_("党员"), on_delete=models.PROTECT,
                               related_name="evaluation_participations")
    # Set at opening: 预备党员 take part but are not graded (they stay ungraded even if they become full members later).
    is_graded = models.BooleanField(_("评定等次"), default=True)
    self_evaluation = models.TextField(_("个人自评"), blank=True)
    self_submitted_at = models.DateTimeField(_("自评提交时间"), null=True, blank=True)
    grade = models.CharField(_("评定等次"), max_length=24, choices=Grade.choices, blank=True)
    graded_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    AUDIT_EXCLUDE = ()
    AUDIT_PERSONAL = ("self_evaluation",)  # shown to the auditor as changed only (apps.audit.display)

    class Meta:
        verbose_name = _("参评党员")
        verbose_name_plural = _("参评党员")
        ordering = ["member__name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "member"], name="unique_participant_per_evaluation"),
            models.CheckConstraint(condition=models.Q(is_graded=True) | models.Q(grade=""), name="ungraded_participant_has_no_grade"),
        ]

    def __str__(self):
        return f"{self.evaluation} {self.member.name}"

    @property
    def audit_organization(self):
        return self.evaluation.organization


class PeerRating(models.Model):
    """党员互评: the grade one member suggests for another (one per pair and evaluation)."""

    evaluation = models.ForeignKey(Evaluation, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="peer_ratings")
    rater = models.ForeignKey("members.Member", verbose_name=_("评议人"), on_delete=models.PROTECT, related_name="+")
    ratee = models.ForeignKey("members.Member", verbose_name=_("被评议人"), on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("建议等次"), max_length=24, choices=Grade.choices)
    comment = models.CharField(_("评议意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_EXCLUDE = ("created_at", "updated_at")
    # A peer's suggested grade and comment are confidential: the auditor sees that they were given, not what.
    AUDIT_PERSONAL = ("grade", "comment")

    class Meta:
        verbose_name = _("党员互评")
        verbose_name_plural = _("党员互评")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "rater", "ratee"], name="unique_peer_rating"),
            models.CheckConstraint(condition=~models.Q(rater=models.F("ratee")), name="peer_rating_not_self"),
        ]
        # Tallies per member read (evaluation, ratee); the unique index serves a rater's own ratings.
        indexes = [models.Index(fields=["evaluation", "ratee"])]

    def __str__(self):
        return f"{self.evaluation} {self.rater.name}→{self.ratee.name}"

    @property
    def audit_organization(self):
        return self.evaluation.organization
