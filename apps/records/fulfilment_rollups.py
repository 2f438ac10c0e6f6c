"""Subtree roll-ups of the Fulfilment rows (FulfilmentRollup): how many organizations of each domain and class held
each required activity type in each period, under every organization — the compliance watch's numerators, read from
a subtree's children instead of counting its Fulfilment rows (a province's year: two million).

A Fulfilment row (organization, type, period) counts once in the row (ancestor, type, period, domain, class) of the
organization and of each ancestor, under the organization's domain and class as they are now. So the rows change
when
- a Fulfilment row comes or goes (`fulfilment_changed`, from the record services' `_fulfil`, which run after
  rollups.track has held the organization's chain FOR KEY SHARE: its ancestors cannot change meanwhile);
- an organization changes domain or class (`class_changed`, an orgs.hooks class watcher: called by the organization
  counters under their row locks, in the write's transaction): its Fulfilment rows move from the old key to the new
  one in its chain;
- a subtree moves (`org_moving`, a move watcher): the moved organization's rows leave the old ancestors and join the
  new ones.
Upserts in key order (organization, type, period, domain, class), like the other roll-ups: two writers sharing
ancestors queue on the first row they share.

The class a record's organization has is read from its member count row, held FOR SHARE on PostgreSQL until the
transaction ends: a member write that would move the branch across the committee threshold (and so its rows to
another class) waits for us, or we for it and then read the class it left.

`manage.py rebuild_fulfilment --check` compares the rows with the Fulfilment rows; rebuilding those rebuilds these
(`rebuild`, set-based, level by level from the deepest organizations). Rows fallen to zero stay until a rebuild.
"""

from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Sum

from apps.core.bulk import add_increments
from apps.core.query import prefix_q
from apps.orgs.models import BRANCH_KINDS, Organization, OrgClass, OrgKind, OrgMemberCount, org_class, path_and_ancestors

from .models import Fulfilment, FulfilmentRollup

KEY = ("organization_id", "activity_type_id", "period_start", "domain", "org_class")
# Each row is kept twice: under the holders' domain and under ALL_DOMAINS, the sum over domains — the table by child
# organization without a domain filter reads a child's rows of one domain value instead of summing several (a
# province's year: 3,400 rows instead of 21,000).
ALL_DOMAINS = ""


# ---- writing ----

def _upsert(deltas):
    """Add {(organization_id, type_id, period_start, domain, class): n} (zeros left out), in key order; each domain's
    change goes to the ALL_DOMAINS row too (the keys given never name it)."""
    summed = defaultdict(int)
    for (org_id, type_id, start, domain, klass), n in deltas.items():
        summed[org_id, type_id, start, domain, klass] += n
        summed[org_id, type_id, start, ALL_DOMAINS, klass] += n
    add_increments(FulfilmentRollup, keys=KEY, figures=("held",),
                   rows=sorted((*key, n) for key, n in summed.items() if n))


def _chain_ids(path) -> list:
    return list(Organization.objects.filter(path__in=path_and_ancestors(path)).values_list("pk", flat=True))


def _place(org_id):
    """(path, domain, class) of the organization. On PostgreSQL its member count row is held FOR SHARE first, until the
    transaction ends, and the organization read after it: a write changing its domain or class (org_update,
    org_dissolve, a member write across the committee threshold) holds that row FOR UPDATE before it moves the
    organization's Fulfilment rows to the new key (class_changed), so either it has committed and we read what it
    wrote, or it waits for us and then moves our new row too. The cost: member writes below the organization wait
    for the record write to commit."""
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        lock = (f"SELECT {qn('current_full')} FROM {qn(OrgMemberCount._meta.db_table)} "
                f"WHERE {qn('organization_id')} = %s FOR SHARE")
        with connection.cursor() as cursor:
            cursor.execute(lock, [org_id])
            row = cursor.fetchone()
            if row is None:  # every organization has one (Organization.save, the seeds' rebuild); made if not
                OrgMemberCount.objects.bulk_create([OrgMemberCount(organization_id=org_id)], ignore_conflicts=True)
                cursor.execute(lock, [org_id])
                row = cursor.fetchone()
        full = row[0] if row else 0
    else:
        full = OrgMemberCount.objects.filter(organization_id=org_id).values_list("current_full", flat=True).first() or 0
    path, domain, kind, active = Organization.objects.filter(pk=org_id).values_list(
        "path", "domain", "kind", "is_active").get()
    return path, domain, org_class(kind, active, full)


def fulfilment_changed(org_id, activity_type_id, period_start, sign):
    """A Fulfilment row was created (+1) or deleted (-1), in the caller's transaction."""
    path, domain, klass = _place(org_id)
    with transaction.atomic(savepoint=False):
        _upsert({(pk, activity_type_id, period_start, domain, klass): sign for pk in _chain_ids(path)})


def class_changed(changes):
    """orgs.hooks class watcher: [(organization_id, (domain, class) before, (domain, class) after)] — three queries
    however many (an import may move thousands of branches across the committee threshold at once)."""
    moving = {org_id: (was, now) for org_id, was, now in changes if was != now}
    held_by = defaultdict(list)
    for org_id, type_id, start in Fulfilment.objects.filter(organization_id__in=list(moving)).values_list(
            "organization_id", "activity_type_id", "period_start"):
        held_by[org_id].append((type_id, start))
    if not held_by:
        return
    paths = dict(Organization.objects.filter(pk__in=list(held_by)).values_list("pk", "path"))
    ids = dict(Organization.objects.filter(path__in={p for path in paths.values() for p in path_and_ancestors(path)})
               .values_list("path", "pk"))
    deltas = defaultdict(int)
    for org_id, held in held_by.items():
        was, now = moving[org_id]
        for ancestor in path_and_ancestors(paths[org_id]):
            for type_id, start in held:
                deltas[ids[ancestor], type_id, start, *was] -= 1
                deltas[ids[ancestor], type_id, start, *now] += 1
    _upsert(deltas)


def org_moving(org):
    """orgs.hooks move watcher: once `org` has moved, its rows (its subtree's) leave the old ancestors and join the
    new ones (those both chains share cancel out). The move holds `org` FOR UPDATE, so no record write below it is
    under way (they hold the chain FOR KEY SHARE)."""
    old = path_and_ancestors(Organization.objects.filter(pk=org.pk).values_list("path", flat=True).get())[:-1]

    def moved():
        new_path = Organization.objects.filter(pk=org.pk).values_list("path", flat=True).get()
        new = path_and_ancestors(new_path)[:-1]
        ids = dict(Organization.objects.filter(path__in=[*old, *new]).values_list("path", "pk"))
        own = (FulfilmentRollup.objects.filter(organization_id=org.pk).exclude(domain=ALL_DOMAINS)
               .values_list(*KEY[1:], "held"))
        deltas = defaultdict(int)
        for *key, held in own:
            for sign, chain in ((-1, old), (1, new)):
                for path in chain:
                    deltas[(ids[path], *key)] += sign * held
        _upsert(deltas)

    return moved


# ---- checking and rebuilding ----

def _class_sql(org, count, threshold):
    """SQL for org_class() over the organization table `org` joined to its member count row `count` (LEFT JOIN)."""
    branch = ", ".join(f"'{k}'" for k in sorted(BRANCH_KINDS))
    return (f"CASE WHEN NOT {org}.is_active THEN '{OrgClass.DISSOLVED}' "
            f"WHEN {org}.kind = '{OrgKind.GROUP}' THEN '{OrgClass.GROUP}' "
            f"WHEN {org}.kind IN ({branch}) THEN CASE WHEN COALESCE({count}.current_full, 0) >= {int(threshold)} "
            f"THEN '{OrgClass.COMMITTEE_BRANCH}' ELSE '{OrgClass.BRANCH}' END ELSE '{OrgClass.OTHER}' END")


def fill(cursor, *, table, fulfil, orgs, counts, deepest, step, threshold, type_id=None):
    """The rows, set-based, into an empty `table` (the migration's fill too): the organizations' own Fulfilment rows
    counted by (type, period, domain, class), then level by level from the deepest, each organization's rows added to
    its parent's (INSERT … SELECT … ON CONFLICT DO UPDATE), then the sums over the domains (ALL_DOMAINS). Migration
    records/0008 keeps a frozen copy of this SQL."""
    klass = _class_sql("o", "c", threshold)
    only, params = ("", []) if type_id is None else ("AND f.activity_type_id = %s", [type_id])
    cursor.execute(
        f"INSERT INTO {table} (organization_id, activity_type_id, period_start, domain, org_class, held) "
        f"SELECT f.organization_id, f.activity_type_id, f.period_start, o.domain, {klass}, COUNT(*) "
        f"FROM {fulfil} f JOIN {orgs} o ON o.id = f.organization_id "
        f"LEFT JOIN {counts} c ON c.organization_id = o.id WHERE 1 = 1 {only} "
        f"GROUP BY f.organization_id, f.activity_type_id, f.period_start, o.domain, {klass}", params)
    only = only.replace("f.", "r.")
    for depth in range(deepest - 1, 0, -1):
        cursor.execute(
            f"INSERT INTO {table} (organization_id, activity_type_id, period_start, domain, org_class, held) "
            f"SELECT p.id, r.activity_type_id, r.period_start, r.domain, r.org_class, SUM(r.held) "
            f"FROM {table} r JOIN {orgs} ch ON ch.id = r.organization_id "
            f"JOIN {orgs} p ON p.path = substr(ch.path, 1, %s) WHERE ch.depth = %s {only} "
            f"GROUP BY p.id, r.activity_type_id, r.period_start, r.domain, r.org_class "
            f"ON CONFLICT (organization_id, activity_type_id, period_start, domain, org_class) "
            f"DO UPDATE SET held = {table}.held + excluded.held", [depth * step, depth + 1, *params])
    cursor.execute(
        f"INSERT INTO {table} (organization_id, activity_type_id, period_start, domain, org_class, held) "
        f"SELECT r.organization_id, r.activity_type_id, r.period_start, '{ALL_DOMAINS}', r.org_class, SUM(r.held) "
        f"FROM {table} r WHERE r.domain <> '{ALL_DOMAINS}' {only} "
        f"GROUP BY r.organization_id, r.activity_type_id, r.period_start, r.org_class", params)


def rebuild(activity_type=None) -> int:
    """Every row anew (or one type's), from the Fulfilment rows (`fill`)."""
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        stale = FulfilmentRollup.objects.all()
        (stale if activity_type is None else stale.filter(activity_type=activity_type)).delete()
        fill(cursor, table=qn(FulfilmentRollup._meta.db_table), fulfil=qn(Fulfilment._meta.db_table),
             orgs=qn(Organization._meta.db_table), counts=qn(OrgMemberCount._meta.db_table),
             deepest=Organization.objects.aggregate(n=Max("depth"))["n"] or 0, step=Organization.steplen,
             threshold=settings.BRANCH_COMMITTEE_THRESHOLD, type_id=activity_type.pk if activity_type else None)
    return FulfilmentRollup.objects.count()


def refill(org) -> int:
    """The rows of `org` anew from its own Fulfilment rows and its children's rows (which must be right): an
    organization placed above existing ones outside org_move (the province bench's root)."""
    FulfilmentRollup.objects.filter(organization_id=org.pk).delete()
    deltas = defaultdict(int)
    children = Organization.objects.filter(prefix_q("path", org.path), depth=org.depth + 1).values("pk")
    for *key, held in (FulfilmentRollup.objects.filter(organization__in=children).exclude(domain=ALL_DOMAINS).order_by()
                       .values_list(*KEY[1:]).annotate(n=Sum("held"))):
        deltas[(org.pk, *key)] += held
    _path, domain, klass = _place(org.pk)
    for type_id, start in Fulfilment.objects.filter(organization_id=org.pk).values_list("activity_type_id", "period_start"):
        deltas[org.pk, type_id, start, domain, klass] += 1
    _upsert(deltas)
    return len(deltas)


def mismatches(limit=None) -> dict:
    """{key: (stored, computed)} where a stored row differs from the Fulfilment rows (a zero row equals no row). Type
    by type, so a province's rows never sit in memory at once."""
    from .models import ActivityType

    orgs = {pk: (path, domain, klass) for pk, path, domain, klass in _org_places()}
    ids = {path: pk for pk, (path, _d, _c) in orgs.items()}
    wrong = {}
    for type_id in ActivityType.objects.order_by("pk").values_list("pk", flat=True):
        computed = defaultdict(int)
        for org_id, start in Fulfilment.objects.filter(activity_type_id=type_id).values_list("organization_id",
                                                                                              "period_start"):
            path, domain, klass = orgs[org_id]
            for ancestor in path_and_ancestors(path):
                computed[ids[ancestor], type_id, start, domain, klass] += 1
                computed[ids[ancestor], type_id, start, ALL_DOMAINS, klass] += 1
        stored = {tuple(key): held for *key, held in
                  FulfilmentRollup.objects.filter(activity_type_id=type_id).exclude(held=0).values_list(*KEY, "held")}
        for key in sorted(set(stored) | set(computed), key=str):
            if stored.get(key, 0) != computed.get(key, 0):
                wrong[key] = (stored.get(key, 0), computed.get(key, 0))
                if limit and len(wrong) >= limit:
                    return wrong
    return wrong


def _org_places():
    full = dict(OrgMemberCount.objects.values_list("organization_id", "current_full"))
    for pk, path, domain, kind, active in Organization.objects.order_by().values_list(
            "pk", "path", "domain", "kind", "is_active"):
        yield pk, path, domain, org_class(kind, active, full.get(pk, 0))
