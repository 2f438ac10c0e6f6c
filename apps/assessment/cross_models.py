"""考核评价, cross-assessment (交叉考核) and 1+N (imported by models.py, so Django finds these models in the app).

For a round, the district forms cross-assessment groups (CrossGroup) of member organizations (CrossMember): the staff
of a member organization score, for the round's cross-scored indicators (Indicator.cross_weight > 0), the entries
within the other members' subtrees, never an entry of their own subtree nor one of their superiors (ancestors). Each
member's points are one CrossScore, sealed until the round closes; at close the peers' mean goes into the entry's
Score (cross_services.cross_finalize). The rules are in cross_services.py, who sees what in cross_scopes.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.orgs.models import Organization

POINTS = {"max_digits": 6, "decimal_places": 2}


class CrossGroup(models.Model):
    round = models.ForeignKey("assessment.Round", on_delete=models.CASCADE, related_name="cross_groups")
    name = models.CharField(_("小组名称"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at",)

    class Meta:
        verbose_name = _("交叉考核小组")
        verbose_name_plural = _("交叉考核小组")
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="assessment_cross_group_name_unique")]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.round.organization


class CrossMember(models.Model):
    """A member organization of a group; an organization is in at most one group of a round (`round` repeats the
    group's, for that constraint)."""

    round = models.ForeignKey("assessment.Round", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(CrossGroup, on_delete=models.CASCADE, related_name="members")
    organization = models.ForeignKey(Organization, verbose_name=_("成员单位"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("交叉考核成员单位")
        verbose_name_plural = _("交叉考核成员单位")
        ordering = ["group_id", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["round", "organization"], name="assessment_cross_member_unique")]

    def __str__(self):
        return str(self.organization)

    @property
    def audit_organization(self):
        return self.organization


class CrossScore(models.Model):
    """One member organization's points for one entry's cross-scored indicator (one row per assessor, updated in
    place when they score again). Sealed until the round closes: seen only by the assessor's own staff."""

    entry = models.ForeignKey("assessment.RoundEntry", on_delete=models.CASCADE, related_name="cross_scores")
    indicator = models.ForeignKey("assessment.Indicator", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(Organization, verbose_name=_("评分单位"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), **POINTS)
    comment = models.TextField(_("评分说明"), max_length=1000, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField()

    AUDIT_EXCLUDE = ("scored_at",)
    # Sealed, from the trail too: the district's auditor reads the trail while the round is open, so it records who
    # scored which entry's leaf and when (the audit row's own time), never the points or the comment — not even
    # after the close, when the means are on the sheets (Score, audited by the close).
    AUDIT_PERSONAL = ("points", "comment")
    AUDIT_MASKED = {"points": lambda row: "***", "comment": lambda row: "***" if row.comment else ""}

    class Meta:
        verbose_name = _("交叉评分")
        verbose_name_plural = _("交叉评分")
        ordering = ["entry_id", "indicator_id", "assessor__path"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "indicator", "assessor"], name="assessment_cross_score_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="assessment_cross_score_not_negative"),
        ]

    def __str__(self):
        # No points: this is the audit row's object_repr too (sealed, see AUDIT_MASKED).
        return f"{self.indicator}（{self.entry_id}）"

    @property
    def audit_organization(self):
        return self.assessor
