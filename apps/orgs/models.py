from collections import defaultdict

from django.conf import settings
from django.db import connection, models, transaction
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

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._stored_active = obj.__dict__.get("is_active")  # what the subtree roll-ups counted (see save)
        obj._stored_domain = obj.__dict__.get("domain")
        return obj

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        adding = self._state.adding
        if not adding and (getattr(self, "_stored_active", None) is None or getattr(self, "_stored_domain", None) is None):
            # Loaded with only()/defer() (or built by hand): what the roll-ups counted is the row as stored.
            row = type(self).objects.filter(pk=self.pk).values("is_active", "domain").first()
            if row:
                self._stored_active, self._stored_domain = row["is_active"], row["domain"]
        super().save(*args, **kwargs)
        # Every way an organization comes into being (services, treebeard's add_child, test factories) passes
        # here, so the stored subtree roll-ups (OrgMemberCount.subtree_orgs) cannot miss one. Bulk writes (the
        # seed) rebuild them afterwards; a move goes through OrgMemberCount.objects.move_subtree.
        was_active = False if adding else getattr(self, "_stored_active", self.is_active)
        was_domain = getattr(self, "_stored_domain", None) or self.domain
        # A field left out of update_fields was not written: the row keeps what was counted.
        fields = kwargs.get("update_fields")
        now_active = self.is_active if adding or fields is None or "is_active" in fields else was_active
        now_domain = self.domain if adding or fields is None or "domain" in fields else was_domain
        if bool(now_active) != bool(was_active) or was_domain != now_domain:
            OrgMemberCount.objects.org_changed(self, was=(was_domain, bool(was_active)),
                                               now=(now_domain, bool(now_active)))
        self._stored_active, self._stored_domain = now_active, now_domain

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


class OrgCountManager(models.Manager):
    """Increments of the stored counts, their roll-ups and their rebuild (the one place that writes them), the
    domain roll-ups (OrgDomainCount) included: they change in the same calls, under the same locks."""

    def apply(self, *, direct=None, subtree=None, domains=None, refers=()):
        """Apply increments (inside the caller's transaction).

        `direct`: {organization_id: (current, current_full)}, an organization's own members; they also roll up
        into `subtree_current` of the organization and of every ancestor, and into their domain roll-ups under the
        organization's domain. `subtree`: {path: (members, orgs)}, added to the roll-ups of the organization at
        `path` and of every ancestor (a tree change). `domains`: {path: {domain: (members, orgs)}}, added the same
        way to the domain roll-ups. `refers`: other organizations the caller's new rows point to (a member's party
        group), held with the `direct` ones (see _hold).
        """
        direct = {pk: d for pk, d in (direct or {}).items() if tuple(d) != (0, 0)}
        subtree = {path: d for path, d in (subtree or {}).items() if tuple(d) != (0, 0)}
        domains = {path: kept for path, by in (domains or {}).items()
                   if (kept := {d: v for d, v in by.items() if tuple(v) != (0, 0)})}
        if not direct and not subtree and not domains:
            return
        with transaction.atomic(savepoint=False):  # the caller's transaction; one of its own outside any
            if direct and connection.vendor != "sqlite":
                self._hold([*direct, *refers])
            self._apply(direct, subtree, domains)

    @staticmethod
    def _hold(org_ids):
        """Hold the organizations and their ancestors FOR KEY SHARE, from the top down (path order), until the
        transaction ends — before the count rows' locks. The caller's rows (a member's) point to these organizations:
        Django defers the foreign key check, and its key-share lock, to COMMIT, after the count rows' locks; a move
        holds its organization and then the subtree FOR UPDATE (their paths change) and waits for those count rows:
        a deadlock. Held here first, the move's organization is where one of the two waits for the other, holding
        nothing the other needs. Read again when a move committed between the read of the paths and the lock."""
        ids, qn = set(org_ids), connection.ops.quote_name
        while True:
            paths = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "path"))
            chain = sorted({p for path in paths.values() for p in path_and_ancestors(path)})
            if not chain:
                return
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {qn('id')}, {qn('path')} FROM {qn(Organization._meta.db_table)} "
                               f"WHERE {qn('path')} IN ({', '.join(['%s'] * len(chain))}) ORDER BY {qn('path')} "
                               f"FOR KEY SHARE", chain)
                held = set(cursor.fetchall())
            if all((pk, path) in held for pk, path in paths.items()):  # still there: their ancestors are held
                return

    def _apply(self, direct, subtree, domains):
        places = self._places(direct)
        deltas, by_domain, ids = self._deltas(direct, subtree, domains, places)
        self._ensure(ids, by_domain)
        if connection.vendor != "sqlite":
            # Row locks in key order: two writers touching the same roll-ups (every write touches the root's) queue
            # instead of deadlocking. A move or a domain change may have committed while we waited: read the
            # organizations again, so the increments go to the ancestors and the domain they have now.
            self._lock(ids.values())
            if direct:
                now = self._places(direct)
                if now != places:
                    deltas, by_domain, ids = self._deltas(direct, subtree, domains, now)
                    self._ensure(ids, by_domain)
        rows = sorted((ids[path], *d) for path, d in deltas.items() if path in ids and any(d))
        for start in range(0, len(rows), 150):
            self._add(rows[start:start + 150])
        # The same organizations' rows are locked above, so these upserts (in key order too) add no deadlock; their
        # rows exist (_ensure), so they update only and take no key-share lock on an organization while we hold locks.
        OrgDomainCount.objects.add(sorted((ids[path], domain, members, orgs) for (path, domain), (members, orgs)
                                          in by_domain.items() if path in ids and (members or orgs)))

    @staticmethod
    def _places(direct):
        """{organization_id: (path, domain)} of the organizations whose own members change."""
        if not direct:
            return {}
        return {pk: (path, domain) for pk, path, domain in
                Organization.objects.filter(pk__in=list(direct)).values_list("pk", "path", "domain")}

    def _ensure(self, ids, pairs=()):
        """Create the missing rows of the organizations {path: id} and domain rows [(path, domain)] before any lock.

        Inserting a row checks its foreign key with a key-share lock on the organization, which waits for a writer
        holding the organization FOR UPDATE (org_update, org_dissolve) — and that writer waits for the count rows'
        locks: taken while we held them, the insert would deadlock. Rows present are skipped (no check, no lock)."""
        self.bulk_create([OrgMemberCount(organization_id=pk) for pk in sorted(ids.values())], ignore_conflicts=True)
        rows = [OrgDomainCount(organization_id=ids[path], domain=domain) for path, domain in sorted(pairs) if path in ids]
        if rows:
            OrgDomainCount.objects.bulk_create(rows, ignore_conflicts=True)

    def _lock(self, ids):
        list(self.filter(pk__in=list(ids)).order_by("pk").select_for_update().values_list("pk"))

    def _add(self, rows):
        """One UPDATE … FROM for many rows' increments [(organization_id, current, full, subtree members, orgs)]
        (an import touches thousands of organizations and ancestors, each with its own sums)."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        one = "SELECT CAST(%s AS bigint) AS k, CAST(%s AS integer) AS c, CAST(%s AS integer) AS f, " \
              "CAST(%s AS integer) AS m, CAST(%s AS integer) AS o"
        values = " UNION ALL ".join([one] * len(rows))
        sql = (f"UPDATE {table} SET current = {table}.current + v.c, current_full = {table}.current_full + v.f, "
               f"subtree_current = {table}.subtree_current + v.m, subtree_orgs = {table}.subtree_orgs + v.o "
               f"FROM ({values}) AS v WHERE {table}.organization_id = v.k")
        with connection.cursor() as cursor:
            cursor.execute(sql, [x for row in rows for x in row])

    @staticmethod
    def _deltas(direct, subtree, domains, places):
        """{path: [current, current_full, subtree_current, subtree_orgs]}, {(path, domain): [members, orgs]} and
        {path: organization id}."""
        deltas, by_domain = {}, defaultdict(lambda: [0, 0])
        for pk, (d_current, d_full) in direct.items():
            if pk not in places:
                continue
            path, domain = places[pk]
            own = deltas.setdefault(path, [0, 0, 0, 0])
            own[0] += d_current
            own[1] += d_full
            for ancestor in path_and_ancestors(path):
                deltas.setdefault(ancestor, [0, 0, 0, 0])[2] += d_current
                by_domain[ancestor, domain][0] += d_current
        for start, (d_members, d_orgs) in subtree.items():
            for path in path_and_ancestors(start):
                row = deltas.setdefault(path, [0, 0, 0, 0])
                row[2] += d_members
                row[3] += d_orgs
        for start, by in domains.items():
            for path in path_and_ancestors(start):
                deltas.setdefault(path, [0, 0, 0, 0])  # its row is locked even when only the domains change
                for domain, (d_members, d_orgs) in by.items():
                    row = by_domain[path, domain]
                    row[0] += d_members
                    row[1] += d_orgs
        ids = dict(Organization.objects.filter(path__in=list(deltas)).values_list("path", "pk"))
        return deltas, by_domain, ids

    def org_changed(self, org, *, was, now):
        """`org` came into being, was dissolved or restored, or changed domain (`was` / `now`: (domain, is_active); a
        new organization was not active). Its count of existing organizations changes in its subtree and domain
        roll-ups and those of every ancestor; on a domain change its direct members also move from the old domain's
        roll-ups to the new one's. Called by Organization.save, inside its transaction."""
        (old_domain, old_active), (new_domain, new_active) = was, now
        with transaction.atomic(savepoint=False):
            members = 0
            if old_domain != new_domain:
                ids = dict(Organization.objects.filter(path__in=path_and_ancestors(org.path)).values_list("path", "pk"))
                self._ensure(ids, [(path, domain) for path in ids for domain in (old_domain, new_domain)])
                if connection.vendor != "sqlite":
                    # The rows a member write to `org` locks, in the same order: it has committed (its increment went
                    # to the old domain, and is in `current`) or waits and then reads the new domain.
                    self._lock(ids.values())
                members = self.filter(organization_id=org.pk).values_list("current", flat=True).first() or 0
            by = defaultdict(lambda: [0, 0])
            by[old_domain][0] -= members
            by[old_domain][1] -= int(old_active)
            by[new_domain][0] += members
            by[new_domain][1] += int(new_active)
            self.apply(subtree={org.path: (0, int(new_active) - int(old_active))},
                       domains={org.path: {domain: tuple(d) for domain, d in by.items()}})

    def move_subtree(self, org, old_path: str):
        """`org` (with its subtree) now lies at `org.path`, having been at `old_path`: its totals leave the old
        ancestors and join the new ones. Call inside the move's transaction, after treebeard's move."""
        step = Organization.steplen
        old_parent, new_parent = old_path[:-step], org.path[:-step]
        chain = {org.path, *(path_and_ancestors(old_parent) if old_parent else ()),
                 *(path_and_ancestors(new_parent) if new_parent else ())}
        ids = dict(Organization.objects.filter(path__in=chain).values_list("path", "pk"))
        joined = path_and_ancestors(new_parent) if new_parent else []
        moving = OrgDomainCount.objects.filter(organization_id=org.pk).values_list("domain", flat=True)
        self._ensure(ids, [(path, domain) for path in joined for domain in moving])  # before the locks (see _ensure)
        if connection.vendor != "sqlite":
            # Every member write under `org` locks its row (an ancestor's): holding it, in key order with the
            # ancestors', the totals read here cannot change before the move commits.
            self._lock(ids.values())
        members, orgs = self.filter(organization_id=org.pk).values_list("subtree_current", "subtree_orgs").first() or (0, 0)
        by_domain = {domain: (m, o) for domain, m, o in
                     OrgDomainCount.objects.filter(organization_id=org.pk).values_list("domain", "members", "orgs")}
        changes, domains = {}, {}
        if old_parent:
            changes[old_parent] = (-members, -orgs)
            domains[old_parent] = {domain: (-m, -o) for domain, (m, o) in by_domain.items()}
        if new_parent:
            changes[new_parent] = (members, orgs)
            domains[new_parent] = by_domain
        self._apply({}, changes, domains)  # common ancestors cancel out

    def _expected(self):
        """[(organization id, (subtree_current, subtree_orgs))] and {organization id: {domain: (members, orgs)}}
        (zero pairs left out), summed from the direct counts and the tree."""
        orgs = list(Organization.objects.order_by().values_list("pk", "path", "is_active", "domain"))
        direct = dict(self.order_by().values_list("organization_id", "current"))
        totals = {path: [0, 0] for _, path, _active, _domain in orgs}
        by_domain = defaultdict(lambda: [0, 0])
        for pk, path, active, domain in orgs:
            members, count = direct.get(pk, 0), 1 if active else 0
            for ancestor in path_and_ancestors(path):
                if ancestor in totals:
                    totals[ancestor][0] += members
                    totals[ancestor][1] += count
                    row = by_domain[ancestor, domain]
                    row[0] += members
                    row[1] += count
        pks = {path: pk for pk, path, _active, _domain in orgs}
        domains = defaultdict(dict)
        for (path, domain), (members, count) in by_domain.items():
            if members or count:
                domains[pks[path]][domain] = (members, count)
        return [(pk, tuple(totals[path])) for pk, path, _active, _domain in orgs], domains

    def rebuild_rollups(self):
        """Recompute every roll-up, the domain ones included, from the direct counts and the organizations' state
        (after a bulk write)."""
        expected, domains = self._expected()
        self.bulk_create([OrgMemberCount(organization_id=pk) for pk, _t in expected], ignore_conflicts=True, batch_size=2000)
        rows = [OrgMemberCount(organization_id=pk, subtree_current=members, subtree_orgs=orgs)
                for pk, (members, orgs) in expected]
        self.bulk_update(rows, ["subtree_current", "subtree_orgs"], batch_size=1000)
        OrgDomainCount.objects.all().delete()
        OrgDomainCount.objects.bulk_create(
            [OrgDomainCount(organization_id=pk, domain=domain, members=members, orgs=orgs)
             for pk, by in sorted(domains.items()) for domain, (members, orgs) in sorted(by.items())], batch_size=2000)
        return len(rows)

    def rollup_mismatches(self) -> dict:
        """{organization_id: ((stored members, orgs), (expected members, orgs))} where a roll-up is not the sum below;
        {organization_id: ({domain: (stored members, orgs)}, {domain: (expected …)})} where its domain roll-ups are not
        (zero rows left out)."""
        expected, domains = self._expected()
        stored = {pk: (m, o) for pk, m, o in self.order_by().values_list("organization_id", "subtree_current", "subtree_orgs")}
        wrong = {pk: (stored.get(pk, (0, 0)), want) for pk, want in expected if stored.get(pk, (0, 0)) != want}
        stored_domains = defaultdict(dict)
        for pk, domain, members, orgs in OrgDomainCount.objects.exclude(members=0, orgs=0).values_list(
                "organization_id", "domain", "members", "orgs"):
            stored_domains[pk][domain] = (members, orgs)
        for pk in set(stored_domains) | set(domains):
            if stored_domains.get(pk, {}) != domains.get(pk, {}):
                wrong.setdefault(pk, (stored_domains.get(pk, {}), domains.get(pk, {})))
        return wrong


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


class OrgDomainCountManager(models.Manager):
    def add(self, rows):
        """Upsert increments [(organization_id, domain, members, orgs)], in the order given (key order: the callers
        hold the organizations' OrgMemberCount locks). INSERT … ON CONFLICT DO UPDATE: SQLite and PostgreSQL."""
        if not rows:
            return
        qn = connection.ops.quote_name
        table = qn(self.model._meta.db_table)
        org, domain, members, orgs = (qn(c) for c in ("organization_id", "domain", "members", "orgs"))
        for start in range(0, len(rows), 200):
            chunk = rows[start:start + 200]
            sql = (f"INSERT INTO {table} ({org}, {domain}, {members}, {orgs}) VALUES "
                   + ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
                   + f" ON CONFLICT ({org}, {domain}) DO UPDATE SET {members} = {table}.{members} + excluded.{members}, "
                     f"{orgs} = {table}.{orgs} + excluded.{orgs}")
            with connection.cursor() as cursor:
                cursor.execute(sql, [x for row in chunk for x in row])


class OrgDomainCount(models.Model):
    """Existing organizations and current members of an organization's subtree (itself included) by domain (机关, 村,
    社区, …): the breakdown of a subtree is its root's rows (at most one per domain), never the organizations below.

    Members count under their organization's domain. Kept with the subtree roll-ups of OrgMemberCount, in the same
    calls and transactions (OrgCountManager: member writes, organizations created, dissolved or changing domain,
    subtrees moved) and rebuilt with them; rows that fell to zero stay until a rebuild.
    """

    # The unique constraint's index (organization first) serves the lookups by organization.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domain_counts", db_index=False)
    domain = models.CharField(_("所属领域"), max_length=24, choices=OrgDomain.choices)
    orgs = models.IntegerField(_("含下级现存组织"), default=0)
    members = models.IntegerField(_("含下级现有党员"), default=0)

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
