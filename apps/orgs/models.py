from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager

from apps.core.dates import add_years
from apps.core.text import pinyin_keys

from .counting import DOMAIN_FIGURES, OrgClass, OrgCountManager, OrgDomainCountManager, class_figures, org_class

__all__ = ["DOMAIN_FIGURES", "OrgClass", "class_figures", "org_class"]  # re-exported: the tree's counting rules


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

    # What the stored roll-ups count an organization by (OrgCountManager.org_changed), in its (domain, is_active,
    # kind) order.
    COUNTED_FIELDS = ("domain", "is_active", "kind")
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

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        for f in cls.COUNTED_FIELDS:  # what the subtree roll-ups counted (see save); None when deferred
            setattr(obj, f"_stored_{f}", obj.__dict__.get(f))
        return obj

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        adding = self._state.adding
        if not adding and any(getattr(self, f"_stored_{f}", None) is None for f in self.COUNTED_FIELDS):
            # Loaded with only()/defer() (or built by hand): what the roll-ups counted is the row as stored.
            row = type(self).objects.filter(pk=self.pk).values(*self.COUNTED_FIELDS).first()
            if row:
                for f in self.COUNTED_FIELDS:
                    setattr(self, f"_stored_{f}", row[f])
        super().save(*args, **kwargs)
        # Every way an organization comes into being (services, treebeard's add_child, test factories) passes
        # here, so the stored subtree roll-ups (OrgMemberCount.subtree_orgs, OrgDomainCount) cannot miss one. Bulk
        # writes (the seed) rebuild them afterwards; a move goes through OrgMemberCount.objects.move_subtree.
        fields = kwargs.get("update_fields")
        was, now = [], []
        for f in self.COUNTED_FIELDS:
            stored = False if adding and f == "is_active" else getattr(self, f"_stored_{f}", None)
            if stored is None:
                stored = getattr(self, f)
            was.append(stored)
            # A field left out of update_fields was not written: the row keeps what was counted.
            now.append(getattr(self, f) if adding or fields is None or f in fields else stored)
        was[1], now[1] = bool(was[1]), bool(now[1])
        if was != now:
            OrgMemberCount.objects.org_changed(self, was=tuple(was), now=tuple(now))
        for f, value in zip(self.COUNTED_FIELDS, now):
            setattr(self, f"_stored_{f}", value)

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


def path_and_ancestors(path: str) -> list[str]:
    """The paths of an organization and of every organization above it (materialized path, 4 characters a level)."""
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


class OrgMemberCount(models.Model):
    """Current members of one organization (direct) and the roll-up of its subtree: figures of the organization,
    kept by every write to the member registry (its counters module, inside the member services' transactions)
    and by every change to the tree (Organization.save, org_move).

    `subtree_current` / `subtree_orgs` are the current members and existing organizations of the whole subtree
    (the organization included), so a subtree's totals are one row (100,000 organizations at province scale
    would otherwise be summed on every tree page). Writes change the rows by increments under row locks taken
    in key order (OrgCountManager.apply): safe under concurrent writes, no deadlock between two writers.
    `manage.py recount_members` rebuilds them all. The table keeps the name it was created under in the
    member app (no data moved).
    """

    organization = models.OneToOneField(Organization, primary_key=True, on_delete=models.CASCADE, related_name="member_count")
    current = models.IntegerField(_("现有党员"), default=0)
    current_full = models.IntegerField(_("其中正式党员"), default=0)
    subtree_current = models.IntegerField(_("含下级现有党员"), default=0)
    subtree_orgs = models.IntegerField(_("含下级现存组织"), default=0)

    objects = OrgCountManager()

    class Meta:
        db_table = "members_orgmembercount"
        verbose_name = _("组织党员数")
        verbose_name_plural = _("组织党员数")


class OrgDomainCount(models.Model):
    """Existing organizations and current members of an organization's subtree (itself included) by domain (机关, 村,
    社区, …): the breakdown of a subtree is its root's rows (at most one per domain), never the organizations below.

    Members count under their organization's domain. Kept with the subtree roll-ups of OrgMemberCount, in the same
    calls and transactions (orgs.counting: member writes — a branch whose full members cross
    BRANCH_COMMITTEE_THRESHOLD changes class —, organizations created, dissolved or changing domain or kind, subtrees
    moved) and rebuilt with them (`recount_members`; after a change of the threshold too); rows that fell to zero stay
    until a rebuild.
    """

    # The unique constraint's index (organization first) serves the lookups by organization.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domain_counts", db_index=False)
    domain = models.CharField(_("所属领域"), max_length=24, choices=OrgDomain.choices)
    orgs = models.IntegerField(_("含下级现存组织"), default=0)
    members = models.IntegerField(_("含下级现有党员"), default=0)
    # Of the existing organizations, those the rules of organizational life apply to (counting.org_class): the
    # compliance watch's denominators for a subtree, read from its children's rows.
    groups = models.IntegerField(_("含下级现存党小组"), default=0)
    branches = models.IntegerField(_("含下级现存党支部"), default=0)
    committee_branches = models.IntegerField(_("其中设支部委员会的"), default=0)

    objects = OrgDomainCountManager()

    class Meta:
        verbose_name = _("组织分领域统计")
        verbose_name_plural = _("组织分领域统计")
        constraints = [models.UniqueConstraint(fields=["organization", "domain"], name="orgs_domaincount_org_domain")]


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
