"""The stored counts of the organization tree (OrgMemberCount, OrgDomainCount): the one place that writes them.

An organization's own members, the totals of its subtree, and its subtree by domain: members, existing
organizations, and of those the ones the rules of organizational life count (`org_class`: 党小组, 党支部, 党支部 with a
支部委员会 — the compliance watch's denominators, rules.md §3). Writes change them by increments under row locks taken
in key order, in the transaction of the write (member services, Organization.save, org_move); `rebuild_rollups`
recomputes them after bulk writes.

The models module imports this one (the managers), so its names are read from it at call time.
"""

from collections import defaultdict

from django.conf import settings
from django.db import connection, models, transaction

from apps.core.bulk import add_increments

from . import hooks
from . import models as org

# The figures of an OrgDomainCount row, in this order everywhere below.
DOMAIN_FIGURES = ("members", "orgs", "groups", "branches", "committee_branches")
_ZERO = (0,) * len(DOMAIN_FIGURES)


class OrgClass:
    """What the rules of organizational life see of an organization (records.AppliesTo picks among them)."""

    DISSOLVED = "dissolved"
    GROUP = "group"
    BRANCH = "branch"  # a 党支部 without enough full members for a 支部委员会
    COMMITTEE_BRANCH = "committee_branch"
    OTHER = "other"  # 党委, 党工委, 党总支
    CHOICES = (DISSOLVED, GROUP, BRANCH, COMMITTEE_BRANCH, OTHER)


def org_class(kind, is_active, current_full) -> str:
    if not is_active:
        return OrgClass.DISSOLVED
    if kind == org.OrgKind.GROUP:
        return OrgClass.GROUP
    if kind in org.BRANCH_KINDS:
        # A branch committee exists where there are enough full members (rules.md §3).
        if (current_full or 0) >= settings.BRANCH_COMMITTEE_THRESHOLD:
            return OrgClass.COMMITTEE_BRANCH
        return OrgClass.BRANCH
    return OrgClass.OTHER


def class_figures(klass) -> tuple:
    """(orgs, groups, branches, committee_branches) one organization of that class adds to its domain roll-ups."""
    if klass == OrgClass.DISSOLVED:
        return (0, 0, 0, 0)
    return (1, int(klass == OrgClass.GROUP), int(klass in (OrgClass.BRANCH, OrgClass.COMMITTEE_BRANCH)),
            int(klass == OrgClass.COMMITTEE_BRANCH))


def _figures(values) -> tuple:
    """A domain roll-up delta given as (members, orgs[, …]) padded to every figure."""
    values = tuple(values)
    return values + (0,) * (len(DOMAIN_FIGURES) - len(values))


class OrgCountManager(models.Manager):
    """Increments of the stored counts, their roll-ups and their rebuild, the domain roll-ups (OrgDomainCount)
    included: they change in the same calls, under the same locks."""

    def apply(self, *, direct=None, subtree=None, domains=None, refers=()):
        """Apply increments (inside the caller's transaction).

        `direct`: {organization_id: (current, current_full)}, an organization's own members; they also roll up
        into `subtree_current` of the organization and of every ancestor, and into their domain roll-ups under the
        organization's domain (a branch whose full members cross BRANCH_COMMITTEE_THRESHOLD also changes class).
        `subtree`: {path: (members, orgs)}, added to the roll-ups of the organization at `path` and of every ancestor
        (a tree change). `domains`: {path: {domain: (members, orgs, groups, branches, committee_branches)}}, added the
        same way to the domain roll-ups. `refers`: other organizations the caller's new rows point to (a member's party
        group), held with the `direct` ones (see _hold).
        """
        direct = {pk: d for pk, d in (direct or {}).items() if tuple(d) != (0, 0)}
        subtree = {path: d for path, d in (subtree or {}).items() if tuple(d) != (0, 0)}
        domains = {path: kept for path, by in (domains or {}).items()
                   if (kept := {d: _figures(v) for d, v in by.items() if any(v)})}
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
            paths = dict(org.Organization.objects.filter(pk__in=ids).values_list("pk", "path"))
            chain = sorted({p for path in paths.values() for p in org.path_and_ancestors(path)})
            if not chain:
                return
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {qn('id')}, {qn('path')} FROM {qn(org.Organization._meta.db_table)} "
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
                    places = now
                    deltas, by_domain, ids = self._deltas(direct, subtree, domains, places)
                    self._ensure(ids, by_domain)
        # Read under the locks (the organizations' own rows are among them): whose class the change of full
        # members moves, and so the class figures of every ancestor.
        crossings = self._crossings(direct, places)
        for pk, (was, now) in crossings.items():
            path, domain = places[pk][:2]
            change = [n - w for w, n in zip(class_figures(was), class_figures(now))]
            for ancestor in org.path_and_ancestors(path):
                row = by_domain[ancestor, domain]  # present: the member change put it there
                for i, value in enumerate(change, start=1):
                    row[i] += value
        rows = sorted((ids[path], *d) for path, d in deltas.items() if path in ids and any(d))
        for start in range(0, len(rows), 150):
            self._add(rows[start:start + 150])
        # The same organizations' rows are locked above, so these upserts (in key order too) add no deadlock; their
        # rows exist (_ensure), so they update only and take no key-share lock on an organization while we hold locks.
        org.OrgDomainCount.objects.add(sorted((ids[path], domain, *figures) for (path, domain), figures
                                              in by_domain.items() if path in ids and any(figures)))
        hooks.class_changed([(pk, (places[pk][1], was), (places[pk][1], now)) for pk, (was, now) in crossings.items()])

    @staticmethod
    def _places(direct):
        """{organization_id: (path, domain, kind, is_active)} of the organizations whose own members change."""
        if not direct:
            return {}
        return {pk: (path, domain, kind, active) for pk, path, domain, kind, active in
                org.Organization.objects.filter(pk__in=list(direct)).values_list(
                    "pk", "path", "domain", "kind", "is_active")}

    def _crossings(self, direct, places) -> dict:
        """{organization_id: (class before, class after)} of the branches whose full members cross the threshold."""
        changing = [pk for pk, (_current, full) in direct.items() if full and pk in places]
        if not changing:
            return {}
        fulls = dict(self.filter(pk__in=changing).values_list("pk", "current_full"))
        crossings = {}
        for pk in changing:
            _path, _domain, kind, active = places[pk]
            was = org_class(kind, active, fulls.get(pk, 0))
            now = org_class(kind, active, fulls.get(pk, 0) + direct[pk][1])
            if was != now:
                crossings[pk] = (was, now)
        return crossings

    def _ensure(self, ids, pairs=()):
        """Create the missing rows of the organizations {path: id} and domain rows [(path, domain)] before any lock.

        Inserting a row checks its foreign key with a key-share lock on the organization, which waits for a writer
        holding the organization FOR UPDATE (org_update, org_dissolve) — and that writer waits for the count rows'
        locks: taken while we held them, the insert would deadlock. Rows present are skipped (no check, no lock)."""
        self.bulk_create([org.OrgMemberCount(organization_id=pk) for pk in sorted(ids.values())], ignore_conflicts=True)
        rows = [org.OrgDomainCount(organization_id=ids[path], domain=domain) for path, domain in sorted(pairs)
                if path in ids]
        if rows:
            org.OrgDomainCount.objects.bulk_create(rows, ignore_conflicts=True)

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
        """{path: [current, current_full, subtree_current, subtree_orgs]}, {(path, domain): [DOMAIN_FIGURES]} and
        {path: organization id}."""
        deltas, by_domain = {}, defaultdict(lambda: [0] * len(DOMAIN_FIGURES))
        for pk, (d_current, d_full) in direct.items():
            if pk not in places:
                continue
            path, domain = places[pk][:2]
            own = deltas.setdefault(path, [0, 0, 0, 0])
            own[0] += d_current
            own[1] += d_full
            for ancestor in org.path_and_ancestors(path):
                deltas.setdefault(ancestor, [0, 0, 0, 0])[2] += d_current
                by_domain[ancestor, domain][0] += d_current
        for start, (d_members, d_orgs) in subtree.items():
            for path in org.path_and_ancestors(start):
                row = deltas.setdefault(path, [0, 0, 0, 0])
                row[2] += d_members
                row[3] += d_orgs
        for start, by in domains.items():
            for path in org.path_and_ancestors(start):
                deltas.setdefault(path, [0, 0, 0, 0])  # its row is locked even when only the domains change
                for domain, figures in by.items():
                    row = by_domain[path, domain]
                    for i, value in enumerate(figures):
                        row[i] += value
        ids = dict(org.Organization.objects.filter(path__in=list(deltas)).values_list("path", "pk"))
        return deltas, by_domain, ids

    def org_changed(self, organization, *, was, now):
        """`organization` came into being, was dissolved or restored, or changed domain or kind (`was` / `now`:
        (domain, is_active, kind); a new organization was not active). Its count of existing organizations and its
        class figures change in its subtree and domain roll-ups and those of every ancestor; on a domain change its
        direct members also move from the old domain's roll-ups to the new one's. Called by Organization.save, inside
        its transaction."""
        (old_domain, old_active, old_kind), (new_domain, new_active, new_kind) = was, now
        with transaction.atomic(savepoint=False):
            ids = dict(org.Organization.objects.filter(path__in=org.path_and_ancestors(organization.path))
                       .values_list("path", "pk"))
            self._ensure(ids, [(path, domain) for path in ids for domain in {old_domain, new_domain}])
            if connection.vendor != "sqlite":
                # The rows a member write to the organization locks, in the same order: it has committed (its
                # increment went to the old domain and class, and is in `current`) or waits and then reads ours.
                self._lock(ids.values())
            members, full = self.filter(organization_id=organization.pk).values_list(
                "current", "current_full").first() or (0, 0)
            old_class = org_class(old_kind, old_active, full)
            new_class = org_class(new_kind, new_active, full)
            moved = members if old_domain != new_domain else 0
            by = defaultdict(lambda: [0] * len(DOMAIN_FIGURES))
            for sign, domain, klass, m in ((-1, old_domain, old_class, moved), (1, new_domain, new_class, moved)):
                for i, value in enumerate((m, *class_figures(klass))):
                    by[domain][i] += sign * value
            self.apply(subtree={organization.path: (0, int(new_active) - int(old_active))},
                       domains={organization.path: {domain: tuple(d) for domain, d in by.items()}})
            if (old_domain, old_class) != (new_domain, new_class):
                hooks.class_changed([(organization.pk, (old_domain, old_class), (new_domain, new_class))])

    def move_subtree(self, organization, old_path: str):
        """`organization` (with its subtree) now lies at its path, having been at `old_path`: its totals leave the old
        ancestors and join the new ones. Call inside the move's transaction, after treebeard's move."""
        step = org.Organization.steplen
        old_parent, new_parent = old_path[:-step], organization.path[:-step]
        chain = {organization.path, *(org.path_and_ancestors(old_parent) if old_parent else ()),
                 *(org.path_and_ancestors(new_parent) if new_parent else ())}
        ids = dict(org.Organization.objects.filter(path__in=chain).values_list("path", "pk"))
        joined = org.path_and_ancestors(new_parent) if new_parent else []
        own_rows = org.OrgDomainCount.objects.filter(organization_id=organization.pk)
        moving = own_rows.values_list("domain", flat=True)
        self._ensure(ids, [(path, domain) for path in joined for domain in moving])  # before the locks (see _ensure)
        if connection.vendor != "sqlite":
            # Every member write under the organization locks its row (an ancestor's): holding it, in key order with
            # the ancestors', the totals read here cannot change before the move commits.
            self._lock(ids.values())
        members, orgs = self.filter(organization_id=organization.pk).values_list(
            "subtree_current", "subtree_orgs").first() or (0, 0)
        by_domain = {domain: tuple(figures) for domain, *figures in own_rows.values_list("domain", *DOMAIN_FIGURES)}
        changes, domains = {}, {}
        if old_parent:
            changes[old_parent] = (-members, -orgs)
            domains[old_parent] = {domain: tuple(-v for v in figures) for domain, figures in by_domain.items()}
        if new_parent:
            changes[new_parent] = (members, orgs)
            domains[new_parent] = by_domain
        self._apply({}, changes, domains)  # common ancestors cancel out

    def classes(self, org_ids) -> dict:
        """{organization_id: (domain, class)} as the stored counts have them now."""
        full = dict(self.filter(organization_id__in=list(org_ids)).values_list("organization_id", "current_full"))
        return {pk: (domain, org_class(kind, active, full.get(pk, 0))) for pk, domain, kind, active in
                org.Organization.objects.filter(pk__in=list(org_ids)).values_list("pk", "domain", "kind", "is_active")}

    def classes_recounted(self, before: dict):
        """After the direct counts were rewritten (a recount): tell the class watchers of every organization whose class
        the new counts changed (`before`: `classes()` taken before the rewrite)."""
        after = self.classes(before)
        hooks.class_changed([(pk, was, after[pk]) for pk, was in before.items() if pk in after and after[pk] != was])

    def _expected(self):
        """[(organization id, (subtree_current, subtree_orgs))] and {organization id: {domain: (DOMAIN_FIGURES)}}
        (zero rows left out), summed from the direct counts and the tree."""
        orgs = list(org.Organization.objects.order_by().values_list("pk", "path", "is_active", "domain", "kind"))
        direct = {pk: (current, full) for pk, current, full in
                  self.order_by().values_list("organization_id", "current", "current_full")}
        totals = {path: [0, 0] for _, path, *_rest in orgs}
        by_domain = defaultdict(lambda: [0] * len(DOMAIN_FIGURES))
        for pk, path, active, domain, kind in orgs:
            members, full = direct.get(pk, (0, 0))
            figures = (members, *class_figures(org_class(kind, active, full)))
            for ancestor in org.path_and_ancestors(path):
                if ancestor in totals:
                    totals[ancestor][0] += members
                    totals[ancestor][1] += figures[1]
                    row = by_domain[ancestor, domain]
                    for i, value in enumerate(figures):
                        row[i] += value
        pks = {path: pk for pk, path, *_rest in orgs}
        domains = defaultdict(dict)
        for (path, domain), figures in by_domain.items():
            if any(figures):
                domains[pks[path]][domain] = tuple(figures)
        return [(pk, tuple(totals[path])) for pk, path, *_rest in orgs], domains

    def rebuild_rollups(self):
        """Recompute every roll-up, the domain ones included, from the direct counts and the organizations' state
        (after a bulk write, or a change of BRANCH_COMMITTEE_THRESHOLD)."""
        expected, domains = self._expected()
        self.bulk_create([org.OrgMemberCount(organization_id=pk) for pk, _t in expected], ignore_conflicts=True,
                         batch_size=2000)
        rows = [org.OrgMemberCount(organization_id=pk, subtree_current=members, subtree_orgs=orgs)
                for pk, (members, orgs) in expected]
        self.bulk_update(rows, ["subtree_current", "subtree_orgs"], batch_size=1000)
        org.OrgDomainCount.objects.all().delete()
        org.OrgDomainCount.objects.bulk_create(
            [org.OrgDomainCount(organization_id=pk, domain=domain, **dict(zip(DOMAIN_FIGURES, figures)))
             for pk, by in sorted(domains.items()) for domain, figures in sorted(by.items())], batch_size=2000)
        return len(rows)

    def rollup_mismatches(self) -> dict:
        """{organization_id: ((stored members, orgs), (expected members, orgs))} where a roll-up is not the sum below;
        {organization_id: ({domain: (stored figures)}, {domain: (expected …)})} where its domain roll-ups are not
        (zero rows left out)."""
        expected, domains = self._expected()
        stored = {pk: (m, o) for pk, m, o in self.order_by().values_list("organization_id", "subtree_current", "subtree_orgs")}
        wrong = {pk: (stored.get(pk, (0, 0)), want) for pk, want in expected if stored.get(pk, (0, 0)) != want}
        stored_domains = defaultdict(dict)
        for pk, domain, *figures in org.OrgDomainCount.objects.values_list("organization_id", "domain", *DOMAIN_FIGURES):
            if any(figures):
                stored_domains[pk][domain] = tuple(figures)
        for pk in set(stored_domains) | set(domains):
            if stored_domains.get(pk, {}) != domains.get(pk, {}):
                wrong.setdefault(pk, (stored_domains.get(pk, {}), domains.get(pk, {})))
        return wrong


class OrgDomainCountManager(models.Manager):
    def add(self, rows):
        """Upsert increments [(organization_id, domain, *DOMAIN_FIGURES)], in the order given (key order: the callers
        hold the organizations' OrgMemberCount locks)."""
        add_increments(self.model, keys=("organization_id", "domain"), figures=DOMAIN_FIGURES, rows=rows, chunk=200)
