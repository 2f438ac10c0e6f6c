from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager

from apps.core.dates import add_years
from apps.core.text import pinyin_keys


class OrgKind(models.TextChoices):
    PARTY_COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working_committee", _("党工委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    GROUP = "group", _("党小组")


BRANCH_KINDS = {OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH}
COMMITTEE_KINDS = {OrgKind.PARTY_COMMITTEE, OrgKind.WORKING_COMMITTEE}


class OrgDomain(models.TextChoices):
    ORGAN = "organ", _("机关")
    INSTITUTION = "institution", _("事业单位")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    PRIVATE_ENTERPRISE = "private_enterprise", _("非公有制企业")
    SOCIAL_ORGANIZATION = "social_org", _("社会组织")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    SCHOOL = "school", _("学校")
    HEALTH = "health", _("医疗卫生")
    RETIRED = "retired", _("离退休")
    OTHER = "other", _("其他")


class Cluster(models.Model):
    """片区 / 组团: an optional grouping of organizations across the tree."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("片区/组团")
        verbose_name_plural = _("片区/组团")
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganizationManager(MP_NodeManager):
    def bulk_create(self, objs, *args, **kwargs):
        # The demo seed and imports write organizations in bulk, past save(): keep the pinyin keys filled.
        objs = list(objs)
        for obj in objs:
            obj.fill_search_keys()
        return super().bulk_create(objs, *args, **kwargs)


class Organization(MP_Node):
    """A party organization; the materialized path (treebeard) makes every subtree one indexed prefix."""

    steplen = 4

    name = models.CharField(_("组织名称"), max_length=120, db_index=True)
    # Pinyin keys of the name for the organization picker (xmc → 新民村…), kept by save() and bulk_create.
    name_pinyin = models.CharField(_("名称全拼"), max_length=120, blank=True, db_index=True, editable=False)
    name_initials = models.CharField(_("名称首字母"), max_length=40, blank=True, db_index=True, editable=False)
    code = models.CharField(_("组织编码"), max_length=32, unique=True)
    kind = models.CharField(_("组织类别"), max_length=24, choices=OrgKind.choices, db_index=True)
    domain = models.CharField(_("所属领域"), max_length=24, choices=OrgDomain.choices, default=OrgDomain.OTHER, db_index=True)
    cluster = models.ForeignKey(Cluster, verbose_name=_("片区/组团"), null=True, blank=True, on_delete=models.SET_NULL, related_name="organizations")
    is_industry = models.BooleanField(_("产业党组织"), default=False)
    is_project = models.BooleanField(_("项目党组织"), default=False)
    is_flowing = models.BooleanField(_("流动党员党组织"), default=False)
    covered_units = models.TextField(_("联合支部覆盖单位"), blank=True, help_text=_("联合党支部覆盖的单位，每行一个"))
    unit_name = models.CharField(_("所在单位"), max_length=120, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_started_on = models.DateField(_("本届班子选举日期"), null=True, blank=True)
    term_ends_on = models.DateField(_("本届任期届满日期"), null=True, blank=True, db_index=True)
    # 换届 may be put off or brought forward with approval, by at most a year (rules.md §3).
    term_adjusted_to = models.DateField(_("经批准调整的届满日期"), null=True, blank=True)
    term_adjust_reason = models.CharField(_("调整换届的原因和批准情况"), max_length=200, blank=True)
    is_active = models.BooleanField(_("现存"), default=True, db_index=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    dissolve_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    AUDIT_EXCLUDE = ("created_at", "updated_at", "numchild", "name_pinyin", "name_initials")

    objects = OrganizationManager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        indexes = [models.Index(fields=["depth"], name="orgs_org_depth_idx")]

    def __str__(self):
        return self.name

    def fill_search_keys(self):
        self.name_pinyin, self.name_initials = pinyin_keys(self.name or "")

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    @property
    def audit_organization(self):
        return self

    @property
    def is_branch(self):
        return self.kind in BRANCH_KINDS

    @property
    def covered_unit_list(self):
        return [u.strip() for u in self.covered_units.splitlines() if u.strip()]

    @property
    def term_expired(self) -> bool:
        """The term has run out (已届满): the effective end date is in the past and no new term is registered."""
        return bool(self.is_active and self.term_ends_on and self.term_ends_on < timezone.localdate())

    def term_years(self) -> int | None:
        if self.domain in (OrgDomain.VILLAGE, OrgDomain.COMMUNITY):
            return settings.TERM_YEARS_VILLAGE_COMMUNITY
        if self.kind in COMMITTEE_KINDS:
            return settings.TERM_YEARS_PARTY_COMMITTEE
        if self.kind == OrgKind.GENERAL_BRANCH:
            return settings.TERM_YEARS_GENERAL_BRANCH
        if self.kind in BRANCH_KINDS:
            return settings.TERM_YEARS_BRANCH
        return None  # 党小组 have no elected term

    def compute_term_end(self):
        years = self.term_years()
        if self.term_started_on and years:
            return add_years(self.term_started_on, years)
        return None


class OrgMemberCount(models.Model):
    """Current members of one organization (direct, not its subtree): a figure of the organization, kept by
    every write to the member registry (its counters module, inside the member services' transactions).

    Subtree counts are sums of these rows over a path prefix: an index range over organizations
    instead of a scan over members (2 million at province scale). Services change the rows by
    increments (safe under concurrent writes); `manage.py recount_members` rebuilds them.
    The table keeps the name it was created under in the member app (no data moved).
    """

    organization = models.OneToOneField(Organization, primary_key=True, on_delete=models.CASCADE, related_name="member_count")
    current = models.IntegerField(_("现有党员"), default=0)
    current_full = models.IntegerField(_("其中正式党员"), default=0)

    class Meta:
        db_table = "members_orgmembercount"
        verbose_name = _("组织党员数")
        verbose_name_plural = _("组织党员数")


class CommitteePost(models.Model):
    """A post in an organization's committee (班子), held by a member for a term."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        ORGANIZATION = "organization", _("组织委员")
        PROPAGANDA = "propaganda", _("宣传委员")
        DISCIPLINE = "discipline", _("纪检委员")
        YOUTH = "youth", _("青年委员")
        WOMEN = "women", _("妇女委员")
        MEMBER = "member", _("委员")
        GROUP_LEADER = "group_leader", _("党小组组长")

    organization = models.ForeignKey(Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="posts")
    member = models.ForeignKey("members.Member", verbose_name=_("任职党员"), on_delete=models.PROTECT, related_name="posts")
    post = models.CharField(_("职务"), max_length=24, choices=Post.choices)
    term_start = models.DateField(_("任职开始"))
    term_end = models.DateField(_("任职结束"), null=True, blank=True)
    is_current = models.BooleanField(_("现任"), default=True, db_index=True)

    AUDIT_EXCLUDE = ()

    class Meta:
        verbose_name = _("班子职务")
        verbose_name_plural = _("班子职务")
        ordering = ["organization", "post", "term_start"]
        indexes = [models.Index(fields=["organization", "is_current"])]

    def __str__(self):
        return f"{self.organization} {self.get_post_display()} {self.member.name}"

    @property
    def audit_organization(self):
        return self.organization
