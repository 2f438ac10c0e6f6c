"""The compliance watch (全过程监督): for a subtree and a period, what was required, what was held, what
is missing, and what is about to be due.

Everything here is a few aggregate queries, whatever the size of the subtree. The table by child organization or
by domain reads stored roll-ups only: the applicable organizations from the domain roll-ups (orgs.OrgDomainCount:
党小组, 党支部, those with a 支部委员会), the held periods from the Fulfilment roll-ups (FulfilmentRollup, by domain and
class, apps/records/fulfilment_rollups.py) — the rows of the children, or of the root, never the subtree's organizations. By
cluster (片区, not in those keys) and for the list of organizations missing a type, from the organization table (an
index range on the materialized path; the committee test reads the stored member counts) and the Fulfilment rows the
record services keep. No loop runs per organization.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.periods import Period
from apps.core.query import prefix_q
from apps.orgs.models import BRANCH_KINDS, Organization, OrgClass, OrgDomain, OrgDomainCount, OrgKind, OrgMemberCount, org_class
from apps.records.periods import deadline, required_periods

from .fulfilment_rollups import ALL_DOMAINS
from .models import ActivityRecord, ActivityType, AppliesTo, Fulfilment, FulfilmentRollup, RecordStatus

STEP = Organization.steplen


def applicable_q(activity_type_or_applies_to, prefix="") -> Q:
    """Organizations a rule applies to, from their kind and structure (rules.md §3)."""
    applies_to = getattr(activity_type_or_applies_to, "applies_to", activity_type_or_applies_to)
    q = Q(**{f"{prefix}is_active": True})
    if applies_to == AppliesTo.GROUPS:
        return q & Q(**{f"{prefix}kind": OrgKind.GROUP})
    q &= Q(**{f"{prefix}kind__in": list(BRANCH_KINDS)})
    if applies_to == AppliesTo.BRANCHES_WITH_COMMITTEE:
        # A branch committee exists where there are enough full members (BRANCH_COMMITTEE_THRESHOLD).
        q &= Q(**{f"{prefix}member_count__current_full__gte": settings.BRANCH_COMMITTEE_THRESHOLD})
    return q


@dataclass
class Rule:
    """One required activity type looked at over a period."""

    activity_type: ActivityType
    periods: list  # the type's own periods overlapping the chosen one, begun by today
    today: date

    @property
    def current(self) -> Period | None:
        last = self.periods[-1] if self.periods else None
        return last if last and last.contains(self.today) else None

    @property
    def current_deadline(self) -> date | None:
        return deadline(self.activity_type, self.current) if self.current else None

    @property
    def current_state(self) -> str:
        """For the period in progress: 'overdue' after the deadline, 'warning' within warn_days of it."""
        due = self.current_deadline
        if due is None:
            return ""
        if self.today > due:
            return "overdue"
        if self.today >= due - timedelta(days=self.activity_type.warn_days):
            return "warning"
        return "pending"

    @property
    def starts(self):
        return [p.start for p in self.periods]


def rules_for(period: Period, today: date | None = None, types=None) -> list[Rule]:
    today = today or timezone.localdate()
    types = types if types is not None else ActivityType.objects.filter(is_active=True).exclude(frequency="none")
    return [Rule(t, required_periods(t.frequency, period, today), today) for t in types]


@dataclass
class Cell:
    required: int = 0
    held: int = 0
    overdue: int = 0
    warning: int = 0

    @property
    def missing(self):
        return max(0, self.required - self.held)

    @property
    def rate(self):
        return self.held / self.required if self.required else None

    def add(self, other):
        self.required += other.required
        self.held += other.held
        self.overdue += other.overdue
        self.warning += other.warning


@dataclass
class Row:
    key: str
    label: str
    org: Organization | None = None
    cells: dict = field(default_factory=dict)  # activity type id → Cell
    total: Cell = field(default_factory=Cell)
    cell_list: list = field(default_factory=list)


def _bucket(group_by, root, prefix=""):
    if group_by == "domain":
        return F(f"{prefix}domain")
    if group_by == "cluster":
        return F(f"{prefix}cluster_id")
    return Substr(f"{prefix}path", 1, len(root.path) + STEP)


# Per applies-to class: the organizations' classes it covers (orgs.counting.org_class) and the domain roll-up column
# counting them (OrgDomainCount).
APPLICABLE_CLASSES = {
    AppliesTo.GROUPS: (OrgClass.GROUP,),
    AppliesTo.BRANCHES: (OrgClass.BRANCH, OrgClass.COMMITTEE_BRANCH),
    AppliesTo.BRANCHES_WITH_COMMITTEE: (OrgClass.COMMITTEE_BRANCH,),
}
COUNT_COLUMNS = {AppliesTo.GROUPS: "groups", AppliesTo.BRANCHES: "branches",
                 AppliesTo.BRANCHES_WITH_COMMITTEE: "committee_branches"}


def compliance_table(root: Organization, period: Period, group_by="children", today=None, domain=None, types=None):
    """Rows (one per child organization, domain or cluster under `root`) × required activity types, and
    the total row. By children or domain, from the stored roll-ups (the children's or the root's rows: a few queries
    whatever the subtree); by cluster, which the roll-ups do not key, from the organizations and Fulfilment rows."""
    rules = [r for r in rules_for(period, today, types) if r.periods]
    if group_by in ("children", "domain"):
        org_counts, held_by = _from_rollups(root, rules, group_by, domain)
    else:
        org_counts, held_by = _from_rows(root, rules, group_by, domain)
    rows = {}
    total = Row("total", _("合计"))
    for key, counts in org_counts.items():
        row = rows.setdefault(key, Row(str(key), ""))
        for r in rules:
            t = r.activity_type
            n_orgs = counts[t.applies_to]
            h = held_by.get((key, t.pk), {"held": 0, "held_current": 0})
            cell = Cell(required=n_orgs * len(r.periods), held=h["held"])
            missing_current = max(0, n_orgs - h["held_current"]) if r.current else 0
            past_missing = cell.missing - missing_current
            state = r.current_state
            cell.overdue = past_missing + (missing_current if state == "overdue" else 0)
            cell.warning = missing_current if state == "warning" else 0
            row.cells[t.pk] = cell
            row.total.add(cell)
            total.cells.setdefault(t.pk, Cell()).add(cell)
        total.total.add(row.total)
    _label_rows(rows, group_by, root)
    for row in [*rows.values(), total]:  # cells in the order of the columns, for the templates
        row.cell_list = [row.cells.get(r.activity_type.pk) or Cell() for r in rules]
    return {
        "rules": rules,
        "rows": [row for row in rows.values() if row.total.required],
        "total": total,
    }


def _rule_filters(rules):
    """(Q of the rules' held periods, Q of their periods in progress) over Fulfilment roll-up rows."""
    rule_q, current_q = Q(pk__in=[]), Q(pk__in=[])
    for r in rules:
        t = r.activity_type
        classes = Q(org_class__in=APPLICABLE_CLASSES[t.applies_to])
        rule_q |= Q(activity_type=t, period_start__in=r.starts) & classes
        if r.current:
            current_q |= Q(activity_type=t, period_start=r.current.start) & classes
    return rule_q, current_q


def _from_rollups(root, rules, group_by, domain):
    """({bucket: {applies_to: organizations}}, {(bucket, type id): {held, held_current}}) from the domain roll-ups
    (OrgDomainCount) and the Fulfilment roll-ups (FulfilmentRollup): by children, the rows of the organizations one
    level below `root`, plus `root` itself (its own bucket, from its own row); by domain, `root`'s rows."""
    counts = {a: Coalesce(Sum(column), 0) for a, column in COUNT_COLUMNS.items()}
    children = Organization.objects.filter(prefix_q("path", root.path), depth=root.depth + 1).values("pk")
    if group_by == "domain":
        by_org, by_held = Q(organization=root), "domain"
    else:
        by_org, by_held = Q(organization__in=children), "organization__path"
    domain_q = Q(domain=domain) if domain else Q()
    org_rows = (OrgDomainCount.objects.filter(by_org, domain_q).order_by().values(by_held).annotate(**counts))
    org_counts = {r[by_held]: r for r in org_rows}
    held_by = {}
    if rules:
        rule_q, current_q = _rule_filters(rules)
        # By children without a domain: the rows summed over the domains (ALL_DOMAINS); by domain: the others.
        held_domain_q = (Q(domain=domain) if domain else ~Q(domain=ALL_DOMAINS) if group_by == "domain"
                         else Q(domain=ALL_DOMAINS))
        # The types and the span of periods asked, besides each rule's own: index conditions on the key's second and
        # third columns, so a child's rows of other years and types are not read.
        starts = [start for r in rules for start in r.starts]
        span_q = Q(activity_type__in=[r.activity_type for r in rules], period_start__range=(min(starts), max(starts)))
        rows = (FulfilmentRollup.objects.filter(by_org, held_domain_q, span_q, rule_q).order_by()
                .values(by_held, "activity_type_id")
                .annotate(n=Coalesce(Sum("held"), 0), n_current=Coalesce(Sum("held", filter=current_q), 0)))
        held_by = {(h[by_held], h["activity_type_id"]): {"held": h["n"], "held_current": h["n_current"]} for h in rows}
    if group_by == "children" and (not domain or root.domain == domain):
        _add_root_itself(root, rules, org_counts, held_by)
    return org_counts, held_by


def held_by_organization(orgs, rules) -> tuple[dict, dict]:
    """({org pk: {applies_to: organizations}}, {(org pk, type id): held}) of each organization's whole subtree (itself
    included), from its own rows of the two stored roll-ups: two grouped queries for any number of organizations. The
    same figures as compliance_table(org)'s total row, which sums its children's rows and the organization itself."""
    ids = [org.pk for org in orgs]
    counts = {a: Coalesce(Sum(column), 0) for a, column in COUNT_COLUMNS.items()}
    org_counts = {r["organization_id"]: r for r in OrgDomainCount.objects.filter(organization_id__in=ids).order_by()
                  .values("organization_id").annotate(**counts)}
    held = {}
    if rules and ids:
        rule_q, _current_q = _rule_filters(rules)
        starts = [start for r in rules for start in r.starts]
        span_q = Q(activity_type__in=[r.activity_type for r in rules], period_start__range=(min(starts), max(starts)))
        rows = (FulfilmentRollup.objects.filter(span_q, rule_q, organization_id__in=ids, domain=ALL_DOMAINS).order_by()
                .values("organization_id", "activity_type_id").annotate(n=Coalesce(Sum("held"), 0)))
        held = {(r["organization_id"], r["activity_type_id"]): r["n"] for r in rows}
    return org_counts, held


def _add_root_itself(root, rules, org_counts, held_by):
    """The root's own bucket (by children): itself alone, from its class and its own Fulfilment rows."""
    full = OrgMemberCount.objects.filter(organization_id=root.pk).values_list("current_full", flat=True).first()
    klass = org_class(root.kind, root.is_active, full or 0)
    org_counts[root.path] = {a: int(klass in classes) for a, classes in APPLICABLE_CLASSES.items()}
    applicable = [r for r in rules if klass in APPLICABLE_CLASSES[r.activity_type.applies_to]]
    if not applicable:
        return
    current = {r.activity_type.pk: r.current.start for r in applicable if r.current}
    starts = {r.activity_type.pk: set(r.starts) for r in applicable}
    for type_id, start in Fulfilment.objects.filter(organization=root, activity_type_id__in=list(starts)).values_list(
            "activity_type_id", "period_start"):
        if start in starts[type_id]:
            h = held_by.setdefault((root.path, type_id), {"held": 0, "held_current": 0})
            h["held"] += 1
            h["held_current"] += int(current.get(type_id) == start)


def _from_rows(root, rules, group_by, domain):
    """The same from the organizations and their Fulfilment rows (by cluster): three queries over the subtree."""
    orgs = Organization.objects.filter(path__startswith=root.path, is_active=True)
    if domain:
        orgs = orgs.filter(domain=domain)
    bucket = _bucket(group_by, root)
    applicable = {
        a: Count("pk", filter=applicable_q(a)) for a in AppliesTo.values
    }
    # order_by(): the tree manager sorts by path, which would split every group.
    org_counts = {r["bucket"]: r for r in orgs.order_by().annotate(bucket=bucket).values("bucket").annotate(**applicable)}

    held_rows = []
    if rules:
        rule_q = Q(pk__in=[])
        current_q = Q(pk__in=[])
        for r in rules:
            rule_q |= Q(activity_type=r.activity_type, period_start__in=r.starts) & applicable_q(r.activity_type, "organization__")
            if r.current:
                current_q |= Q(activity_type=r.activity_type, period_start=r.current.start)
        held = Fulfilment.objects.filter(rule_q, organization__path__startswith=root.path)
        if domain:
            held = held.filter(organization__domain=domain)
        held_rows = (held.order_by().annotate(bucket=_bucket(group_by, root, "organization__"))
                     .values("bucket", "activity_type_id")
                     .annotate(held=Count("pk"), held_current=Count("pk", filter=current_q)))
    return org_counts, {(h["bucket"], h["activity_type_id"]): h for h in held_rows}


def _label_rows(rows, group_by, root):
    if group_by == "domain":
        labels = dict(OrgDomain.choices)
        for key, row in rows.items():
            row.label = str(labels.get(key, key))
        return
    if group_by == "cluster":
        from apps.orgs.models import Cluster

        names = dict(Cluster.objects.filter(pk__in=[k for k in rows if k]).values_list("pk", "name"))
        for key, row in rows.items():
            row.label = names.get(key, _("未划入片区"))
        return
    orgs = {o.path: o for o in Organization.objects.filter(path__in=list(rows))}
    for key, row in rows.items():
        row.org = orgs.get(key)
        row.label = row.org.name if row.org else key
        if key == root.path:
            row.label = _("{name}（本级）").format(name=root.name)


SORTS = {
    "rate": lambda row: (row.total.rate if row.total.rate is not None else 2, row.label),
    "-rate": lambda row: (-(row.total.rate or 0), row.label),
    "overdue": lambda row: (-row.total.overdue, row.label),
    "name": lambda row: row.label,
}


def sort_rows(rows, sort):
    return sorted(rows, key=SORTS.get(sort, SORTS["rate"]))


def missing_orgs(root: Organization, period: Period, activity_type: ActivityType, today=None, domain=None,
                 include_done=False):
    """Organizations under `root` the rule applies to, each with the periods held; those short of the
    requirement unless include_done. One query: a correlated count over the Fulfilment index."""
    (rule,) = rules_for(period, today, [activity_type])
    held = (Fulfilment.objects.filter(organization=OuterRef("pk"), activity_type=activity_type, period_start__in=rule.starts)
            .order_by().values("organization").annotate(n=Count("pk")).values("n"))
    last = (ActivityRecord.objects.filter(organization=OuterRef("pk"), activity_type=activity_type, status=RecordStatus.SUBMITTED)
            .order_by().values("organization").annotate(last=Max("held_on")).values("last"))
    qs = (subtree(root).filter(applicable_q(activity_type))
          .annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)), last_held_on=Subquery(last),
                    required=Value(len(rule.periods), output_field=IntegerField()))
          .order_by("path"))
    if rule.current:
        qs = qs.annotate(held_current=Exists(Fulfilment.objects.filter(
            organization=OuterRef("pk"), activity_type=activity_type, period_start=rule.current.start)))
    if domain:
        qs = qs.filter(domain=domain)
    if not include_done:
        qs = qs.filter(held__lt=len(rule.periods))
    return rule, qs


def subtree(root):
    """The organizations of `root`'s subtree (an index range on the path): where a cursor of the missing list is read."""
    return Organization.objects.filter(prefix_q("path", root.path))


def org_state(rule, org) -> str:
    """done; or, when only the period in progress is missing, its state (pending / warning / overdue);
    otherwise overdue (an earlier period was missed)."""
    if org.held >= org.required:
        return "done"
    if rule.current and not getattr(org, "held_current", True) and org.required - org.held == 1:
        return rule.current_state
    return "overdue"


def due_soon(orgs_qs, today=None, limit=50):
    """What is due or overdue in the periods in progress, for the organizations of `orgs_qs` (a secretary's
    branch and groups; an administrator's subtree): per type, the organizations still missing it whose
    deadline is within DUE_SOON_DAYS or past."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.DUE_SOON_DAYS)
    items = []
    for rule in rules_for(Period("day", today, today), today):
        if rule.current is None or rule.current_deadline > horizon:
            continue
        t = rule.activity_type
        done = Fulfilment.objects.filter(organization=OuterRef("pk"), activity_type=t, period_start=rule.current.start)
        missing = orgs_qs.filter(applicable_q(t)).filter(~Exists(done)).order_by("path")
        rows = list(missing[: limit + 1])
        if rows:
            items.append({"rule": rule, "orgs": rows[:limit], "more": len(rows) > limit,
                          "state": rule.current_state})
    return items
