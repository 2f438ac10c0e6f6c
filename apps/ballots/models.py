"""民主测评与问卷: 三述一评 democratic evaluations, two-way questionnaires (双向考核) and resident satisfaction surveys
(群众满意度测评), all on one mechanism — a Poll with its subjects (who or what is rated), items (questions), an
eligible list, one-time codes and anonymous ballots.

Anonymity that survives a dump (docs/architecture.md, *Ballots*):

- `Code` records only a code's keyed hash and whether it is unused, used or void: no voter, no time. Codes are
  bulk-created in shuffled order when the vote opens (paper slips) or a batch is made (surveys); a member's online
  code is sealed (encrypted) on their `Voter` row until it is shown to them once, then wiped; every sealed code is
  wiped at the close.
- A cast ballot is one `QueuedBallot` row (random key, the answers, nothing else) written in the same transaction
  that marks the code used, so `used == ballots` holds by construction. Nothing is counted while the vote is open.
- At the close the queue is read, shuffled, summed into `TallyCell` counters (rows created at the open, in a fixed
  order) and its comments written to `Comment` in random order with random keys; then the queue is deleted. After
  that no row exists per ballot: a dump holds counters and shuffled comments, and neither codes nor voters link to
  them. `tests/test_anonymity.py` checks the schema (no foreign key to a code, voter, member or user, no date or time,
  no sequential key) and a dump (the comments' stored order is not the order of submission).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.crypto import EncryptedTextField
from apps.core.statemachine import Stateful
from apps.core.text import mask_phone
from apps.orgs.models import Organization


class PollKind(models.TextChoices):
    SANSHU = "sanshu", _("三述一评")
    TWO_WAY = "two_way", _("双向考核")
    SURVEY = "survey", _("群众满意度测评")


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("准备中")
    REPORTING = "reporting", _("述职述学述廉")
    OPEN = "open", _("测评中")
    CLOSED = "closed", _("已计票")
    PUBLISHED = "published", _("公示中")
    ARCHIVED = "archived", _("已归档")


class ItemKind(models.TextChoices):
    RATING = "rating", _("评价等次")
    TEXT = "text", _("意见建议")


class CodeState(models.TextChoices):
    UNUSED = "unused", _("未使用")
    USED = "used", _("已使用")
    VOID = "void", _("已作废")


class VoterKind(models.TextChoices):
    MEMBER = "member", _("党员")
    INVITED = "invited", _("特邀代表")
    ORGANIZATION = "organization", _("下级组织")


class Channel(models.TextChoices):
    ONLINE = "online", _("登录后查看测评码")
    PAPER = "paper", _("纸质测评码")


# The grades of a democratic evaluation (rules: 好 / 较好 / 一般 / 差) and the points each is worth in a score; a
# survey's satisfaction scale. A poll keeps its own copy (`Poll.scale`), so a later change of these never alters it.
DEFAULT_SCALES = {
    PollKind.SANSHU: [["好", 100], ["较好", 80], ["一般", 60], ["差", 0]],
    PollKind.TWO_WAY: [["好", 100], ["较好", 80], ["一般", 60], ["差", 0]],
    PollKind.SURVEY: [["满意", 100], ["基本满意", 60], ["不满意", 0]],
}


class Poll(Stateful, models.Model):
    STATE_TABLE = "apps.ballots.states"

    kind = models.CharField(_("类别"), max_length=12, choices=PollKind.choices)
    # The organization that holds it: its subtree's staff see it (scopes.py); a 三述一评 of a township's secretaries
    # is held by the township, a survey by the district.
    organization = models.ForeignKey(Organization, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=PollStatus.choices, default=PollStatus.DRAFT)
    scale = models.JSONField(_("评价等次"), default=list)
    opens_at = models.DateTimeField(_("测评开始"), null=True, blank=True)
    closes_at = models.DateTimeField(_("测评截止"), null=True, blank=True)
    # Invited representatives without names: this many paper codes on top of the named voters.
    anonymous_slots = models.PositiveIntegerField(_("不记名代表名额"), default=0)
    # Fixed when the vote opens: SHA-256 of the eligible list (one line per voter, sorted) and its size.
    eligible_fingerprint = models.CharField(_("名单指纹"), max_length=64, blank=True)
    eligible_count = models.PositiveIntegerField(_("应参评人数"), default=0)
    # Written at the close: the ballots counted (== the codes used, checked there).
    ballots_counted = models.PositiveIntegerField(_("有效票数"), default=0)
    # The paper slips' codes, sealed (encrypted JSON list) from the open until the close, for printing.
    sealed_slips = EncryptedTextField(_("纸质测评码"), blank=True, default="")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_until = models.DateField(_("公示截止"), null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    result_note = models.TextField(_("公示说明"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("created_at", "sealed_slips")

    class Meta:
        verbose_name = _("测评")
        verbose_name_plural = _("测评")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["status", "publish_until"], name="ballots_poll_publish_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        """A survey's pages are the runner's (surveys/); the others' the poll pages."""
        from django.urls import reverse

        return reverse("ballots:survey_detail" if self.kind == PollKind.SURVEY else "ballots:poll_detail", args=[self.pk])

    @property
    def audit_organization(self):
        return self.organization

    def scale_labels(self):
        return [label for label, _points in self.scale]


class Subject(models.Model):
    """Who or what is rated: a leader (三述一评: a member), an organization's committee or a superior organization
    (双向考核), a village or community (survey)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(_("测评对象"), max_length=100)
    member = models.ForeignKey("members.Member", verbose_name=_("党员"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    # The organization the result is credited to (an assessment indicator reads it): the leader's organization,
    # the rated committee's, the village.
    organization = models.ForeignKey(Organization, verbose_name=_("所在组织"), on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("职务"), max_length=60, blank=True)
    # The account that writes this leader's three reports (三述): their own.
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("测评对象")
        verbose_name_plural = _("测评对象")
        ordering = ["poll_id", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["poll", "name", "organization"], name="ballots_subject_unique")]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.poll.organization


class Item(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("测评内容"), max_length=200)
    kind = models.CharField(_("题型"), max_length=8, choices=ItemKind.choices, default=ItemKind.RATING)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("测评项目")
        verbose_name_plural = _("测评项目")
        ordering = ["poll_id", "sort_order", "id"]

    def __str__(self):
        return self.text

    @property
    def audit_organization(self):
        return self.poll.organization


class Voter(models.Model):
    """One line of the eligible list: a member, a named invited representative, or a subordinate organization (双向
    考核 of a superior). An online voter's code is sealed here until shown once; the row never learns whether or how
    they voted."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    kind = models.CharField(_("类别"), max_length=12, choices=VoterKind.choices)
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=100)
    channel = models.CharField(_("参评方式"), max_length=8, choices=Channel.choices, default=Channel.PAPER)
    sealed_code = EncryptedTextField(blank=True, default="")
    code_shown = models.BooleanField(_("已查看测评码"), default=False)

    AUDIT_EXCLUDE = ("sealed_code",)

    class Meta:
        verbose_name = _("参评人员")
        verbose_name_plural = _("参评人员")
        ordering = ["poll_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], condition=Q(member__isnull=False), name="ballots_voter_member_unique"),
            models.UniqueConstraint(fields=["poll", "organization"], condition=Q(kind="organization"),
                                    name="ballots_voter_org_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_organization(self):
        return self.poll.organization

    def fingerprint_line(self) -> str:
        ref = self.member_id if self.kind == VoterKind.MEMBER else self.organization_id if self.kind == VoterKind.ORGANIZATION else ""
        return f"{self.kind}\t{ref}\t{self.name}\t{self.channel}"


class CodeBatch(models.Model):
    """A numbered batch of paper codes for one subject (a survey's village); its codes are sealed here for printing
    until the close."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="batches")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveIntegerField(_("批次号"))
    size = models.PositiveIntegerField(_("数量"))
    sealed_codes = EncryptedTextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    AUDIT_EXCLUDE = ("sealed_codes", "created_at")

    class Meta:
        verbose_name = _("测评码批次")
        verbose_name_plural = _("测评码批次")
        ordering = ["poll_id", "number"]
        constraints = [models.UniqueConstraint(fields=["poll", "number"], name="ballots_batch_number_unique")]

    def __str__(self):
        return f"{self.poll} #{self.number}"

    @property
    def audit_organization(self):
        return self.poll.organization


def random_key():
    return uuid.uuid4()


class Code(models.Model):
    """A one-time code: its keyed hash and state only. `subject`: a survey code answers for one village; None answers
    for every subject."""

    id = models.UUIDField(primary_key=True, default=random_key, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)  # unique across polls: the code finds its poll
    state = models.CharField(max_length=8, choices=CodeState.choices, default=CodeState.UNUSED)
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("测评码")
        verbose_name_plural = _("测评码")
        indexes = [models.Index(fields=["poll", "state"], name="ballots_code_state_idx")]

    @property
    def audit_organization(self):
        return self.poll.organization


class PhoneEntry(models.Model):
    """A resident's phone number on a survey's sample list, by its keyed hash: it answers once for its village. The
    answer does not name it."""

    id = models.UUIDField(primary_key=True, default=random_key, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="phones")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    phone_hash = models.CharField(max_length=64)
    used = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("抽样电话")
        verbose_name_plural = _("抽样电话")
        constraints = [models.UniqueConstraint(fields=["poll", "phone_hash"], name="ballots_phone_unique")]

    @property
    def audit_organization(self):
        return self.poll.organization


class QueuedBallot(models.Model):
    """A cast ballot waiting for the close: a random key and the answers ({"r": {"subject:item": option}, "t":
    {"subject:item": text}} as JSON), encrypted — the rows lie in arrival order while the vote is open, so a dump or
    a backup taken then (the keys are not in either) holds ciphertext only. No code, voter or time."""

    id = models.UUIDField(primary_key=True, default=random_key, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="+")
    answers = EncryptedTextField()

    class Meta:
        verbose_name = _("待计选票")
        verbose_name_plural = _("待计选票")


class TallyCell(models.Model):
    """How many ballots gave `option` (an index into the poll's scale) to `item` of `subject`. Created at the open
    for every cell, filled once at the close."""

    id = models.UUIDField(primary_key=True, default=random_key, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="cells")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    option = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("计票")
        verbose_name_plural = _("计票")
        constraints = [models.UniqueConstraint(fields=["poll", "subject", "item", "option"], name="ballots_cell_unique")]


class Comment(models.Model):
    """A free-text answer, written at the close in random order under a random key."""

    id = models.UUIDField(primary_key=True, default=random_key, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="comments")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=1000)

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")


class Objection(models.Model):
    """An objection raised during the 公示, recorded with the answer given."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="objections")
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("异议内容"), max_length=2000)
    contact = EncryptedTextField(_("联系方式"), blank=True, default="")
    submitted_at = models.DateTimeField(_("提出时间"))
    answer = models.TextField(_("处理意见"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    AUDIT_PERSONAL = ("contact",)
    AUDIT_MASKED = {"contact": lambda o: mask_phone(o.contact) if o.contact else ""}

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["poll_id", "submitted_at"]

    @property
    def audit_organization(self):
        return self.poll.organization


from .report_models import LeaderComment, Report, ReportFile, ReportKind  # noqa: E402,F401  (三述: reports, 领导点评)
