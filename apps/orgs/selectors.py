"""Reads over the tree: subtree counts and structure warnings from indexed aggregate queries."""

import os
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat, Length, Replace, Substr
from django.utils.translation import gettext as _

from apps.access import policy
from apps.core.dates import add_months
from apps.core.query import prefix_q

from .models import BRANCH_KINDS, CommitteePost, Organization, OrgDomain, OrgDomainCount, OrgKind, OrgMemberCount


def subtree_counts(org) -> dict:
    """Organization and member counts of a subtree: its root's stored roll-up (OrgMemberCount.subtree_orgs /
    subtree_current), one row whatever the size of the subtree."""
    row = OrgMemberCount.objects.filter(organization_id=org.pk).values_list("subtree_orgs", "subtree_current").first()
    return {"orgs": row[0], "members": row[1]} if row else {"orgs": 0, "members": 0}


def _with_rollups(orgs):
    """Set `subtree_org_count` / `subtree_member_count` on organizations fetched with select_related("member_count")."""
    for org in orgs:
        counts = getattr(org, "member_count", None)  # a missing row raises an AttributeError subclass
        org.subtree_org_count = counts.subtree_orgs if counts else 0
        org.subtree_member_count = counts.subtree_current if counts else 0
    return orgs


def with_subtree_counts(qs):
    """Organizations of a queryset, each with its subtree's counts from the stored roll-ups: one query."""
    return _with_rollups(list(qs.select_related("member_count")))


def children_with_counts(parent, *, include_dissolved=False):
    """Children of `parent`, each with its subtree's organization and member counts.

    One query whatever the size of the subtree: the children joined to their stored roll-ups (kept by the
    counters and the tree's writes), never the organizations below them.
    """
    children = Organization.objects.get_children(parent).select_related("cluster", "member_count")
    if not include_dissolved:
        children = children.filter(is_active=True)
    return _with_rollups(list(children))


@dataclass
class OrgStats:
    direct_total: int = 0
    direct_full: int = 0
    subtree_total: int = 0
    committee_size: int = 0
    has_secretary: bool = False
    warnings: list = field(default_factory=list)


def stats_for_subtree(root, *, orgs=None) -> dict[int, OrgStats]:
    """Direct and subtree member counts and committee sizes for every organization in a subtree.

    Three grouped queries; subtree totals are summed up the paths in memory.
    """
    orgs = orgs if orgs is not None else list(Organization.objects.filter(prefix_q("path", root.path), is_active=True))
    stats = {o.pk: OrgStats() for o in orgs}
    direct = (
        OrgMemberCount.objects.filter(prefix_q("organization__path", root.path), current__gt=0)
        .values("organization_id", total=F("current"), full=F("current_full"))
    )
    by_path = {o.path: o.pk for o in orgs}
    path_of = {o.pk: o.path for o in orgs}
    for row in direct:
        s = stats.get(row["organization_id"])
        if s is None:
            continue
        s.direct_total, s.direct_full = row["total"], row["full"]
        path = path_of[row["organization_id"]]
        for end in range(Organization.steplen, len(path) + 1, Organization.steplen):
            ancestor = by_path.get(path[:end])
            if ancestor is not None:
                stats[ancestor].subtree_total += row["total"]
    posts = (
        CommitteePost.objects.filter(prefix_q("organization__path", root.path), is_current=True)
        .order_by().values("organization_id")
        .annotate(size=Count("member", distinct=True), secretaries=Count("id", filter=Q(post=CommitteePost.Post.SECRETARY)))
    )
    for row in posts:
        s = stats.get(row["organization_id"])
        if s is not None:
            s.committee_size, s.has_secretary = row["size"], row["secretaries"] > 0
    for org in orgs:
        stats[org.pk].warnings = structure_warnings(org, stats[org.pk])
    return stats


def structure_warnings(org, s: OrgStats, today: date | None = None) -> list[str]:
    """Where an organization breaks the rules of rules.md §3 (thresholds are settings)."""
    today = today or date.today()
    w = []
    if org.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH):
        if s.direct_full < settings.BRANCH_MIN_FULL_MEMBERS:
            if org.kind == OrgKind.JOINT_BRANCH:
                message = _("正式党员{n}名，不足{m}名")
            else:
                message = _("正式党员{n}名，不足{m}名，应与邻近单位成立联合党支部")
            w.append(message.format(n=s.direct_full, m=settings.BRANCH_MIN_FULL_MEMBERS))
        if s.direct_total > settings.BRANCH_MAX_MEMBERS:
            w.append(_("党员{n}名，超过{m}名，应考虑分设支部或成立党总支").format(n=s.direct_total, m=settings.BRANCH_MAX_MEMBERS))
        if s.direct_full >= settings.BRANCH_COMMITTEE_THRESHOLD and s.committee_size < settings.COMMITTEE_MIN_SIZE:
            w.append(_("正式党员{n}名，应设立支部委员会（{min}至5人），现有班子成员{size}名").format(
                n=s.direct_full, min=settings.COMMITTEE_MIN_SIZE, size=s.committee_size))
    if org.kind == OrgKind.JOINT_BRANCH:
        units = len(org.covered_unit_list)
        if units == 0:
            w.append(_("联合党支部未填写覆盖单位"))
        elif units > settings.JOINT_BRANCH_MAX_UNITS:
            w.append(_("联合党支部覆盖{n}个单位，一般不超过{m}个").format(n=units, m=settings.JOINT_BRANCH_MAX_UNITS))
    if org.kind != OrgKind.GROUP and s.committee_size > settings.COMMITTEE_MAX_SIZE:
        w.append(_("委员会成员{n}名，一般不超过{m}名").format(n=s.committee_size, m=settings.COMMITTEE_MAX_SIZE))
    if org.kind == OrgKind.GENERAL_BRANCH and s.subtree_total < settings.GENERAL_BRANCH_MIN_MEMBERS:
        w.append(_("党员{n}名，不足{m}名，一般不设党总支").format(n=s.subtree_total, m=settings.GENERAL_BRANCH_MIN_MEMBERS))
    if org.kind != OrgKind.GROUP and not s.has_secretary:
        w.append(_("未配备书记"))
    if org.term_ends_on:
        if org.term_ends_on < today:
            w.append(_("任期已于{date}届满，应按期换届").format(date=f"{org.term_ends_on:%Y-%m-%d}"))
        elif org.term_ends_on <= add_months(today, settings.TERM_REMINDER_MONTHS):
            w.append(_("任期将于{date}届满，请做好换届准备").format(date=f"{org.term_ends_on:%Y-%m-%d}"))
    elif org.kind != OrgKind.GROUP:
        w.append(_("未登记本届班子选举日期"))
    return w



# ---- structure warnings as one database predicate (the warnings page pages them in the database) ----

# covered_unit_list's rules (str.splitlines, str.strip) spelt out for SQL. The usual whitespace is handled exactly:
# line breaks "\n" and "\r" (also as "\r\n"), blanks as below. A joint branch whose text holds any other
# whitespace character (RARE_WHITESPACE: "\u2028", "\x0b", …) is let through whole — a superset, Python has the
# last word on the rows shown; SQLite's parser takes no more nested REPLACEs than this. test_warnings_page.py checks
# the tables against Python's own definitions.
BLANKS = "\t \xa0\u3000"
RARE_WHITESPACE = ("\x0b\x0c\x1c\x1d\x1e\x1f\x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                   "\u200a\u2028\u2029\u202f\u205f")
# Runs of up to 2**COLLAPSE_PASSES line breaks fold into one; a longer run of blank lines only overcounts (again a
# superset).
COLLAPSE_PASSES = 5


def _text(value):
    return Value(value, output_field=TextField())


def _unit_text(field="covered_units"):
    """The text with "\\r" as "\\n" and BLANKS removed: without RARE_WHITESPACE, its non-empty "\\n"-separated
    pieces are the units (none when it holds nothing but "\\n")."""
    expr = Replace(F(field), _text("\r"), _text("\n"))
    for ch in BLANKS:
        expr = Replace(expr, _text(ch), _text(""))
    return expr


def _unit_count_at_least(text):
    """The units of _unit_text (exact unless a run of blank lines is longer than 2**COLLAPSE_PASSES, then more):
    "\\n" + text + "\\n" with runs of "\\n" folded has one more "\\n" than units."""
    expr = Concat(_text("\n"), text, _text("\n"))
    for _pass in range(COLLAPSE_PASSES):
        expr = Replace(expr, _text("\n\n"), _text("\n"))
    return Length(expr) - Length(Replace(expr, _text("\n"), _text(""))) - 1


def with_structure_stats(qs):
    """Annotate each organization with what structure_warnings reads (one query, no row per member or post):
    w_total / w_full (its stored direct counts), w_subtree (its stored subtree roll-up), w_committee (distinct
    members holding a current post), w_secretary (a current 书记), w_unit_chars (the covered units' characters
    that are not whitespace, see _unit_text) and w_units (how many units, see _unit_count_at_least)."""
    current = CommitteePost.objects.filter(organization=OuterRef("pk"), is_current=True).order_by()
    committee = current.values("organization").annotate(n=Count("member", distinct=True)).values("n")[:1]
    return qs.annotate(
        w_total=Coalesce(F("member_count__current"), 0),
        w_full=Coalesce(F("member_count__current_full"), 0),
        w_subtree=Coalesce(F("member_count__subtree_current"), 0),
        w_committee=Coalesce(Subquery(committee), 0),
        w_secretary=Exists(current.filter(post=CommitteePost.Post.SECRETARY)),
        w_units_text=_unit_text(),
    ).annotate(w_unit_chars=Length(Replace(F("w_units_text"), _text("\n"), _text(""))),
               w_units=_unit_count_at_least(F("w_units_text")))


def structure_warning_q(today: date) -> Q:
    """structure_warnings(org, stats, today) is not empty, over with_structure_stats' annotations: rule for rule
    the same tests (a superset only for a joint branch whose covered units hold RARE_WHITESPACE or very long runs
    of blank lines)."""
    branchish = Q(kind__in=[OrgKind.BRANCH, OrgKind.JOINT_BRANCH])
    small_or_large = (Q(w_full__lt=settings.BRANCH_MIN_FULL_MEMBERS) | Q(w_total__gt=settings.BRANCH_MAX_MEMBERS)
                      | Q(w_full__gte=settings.BRANCH_COMMITTEE_THRESHOLD, w_committee__lt=settings.COMMITTEE_MIN_SIZE))
    joint_units = Q(w_unit_chars=0) | Q(w_units__gt=settings.JOINT_BRANCH_MAX_UNITS)
    for ch in RARE_WHITESPACE:
        joint_units |= Q(covered_units__contains=ch)
    not_group = ~Q(kind=OrgKind.GROUP)
    horizon = add_months(today, settings.TERM_REMINDER_MONTHS)
    return (
        (branchish & small_or_large)
        | (Q(kind=OrgKind.JOINT_BRANCH) & joint_units)
        | (not_group & (Q(w_committee__gt=settings.COMMITTEE_MAX_SIZE) | Q(w_secretary=False) | Q(term_ends_on__isnull=True)))
        | Q(kind=OrgKind.GENERAL_BRANCH, w_subtree__lt=settings.GENERAL_BRANCH_MIN_MEMBERS)
        | Q(term_ends_on__lt=today) | Q(term_ends_on__lte=horizon)
    )


def with_structure_warnings(qs, today: date | None = None):
    """The organizations of `qs` with at least one structure warning (a superset only as structure_warning_q
    says), annotated as with_structure_stats: one query, filtered and paged by the database."""
    return with_structure_stats(qs).filter(structure_warning_q(today or date.today()))


def annotated_stats(org, today: date | None = None) -> OrgStats:
    """OrgStats (with its warnings) of an organization fetched through with_structure_stats: no query."""
    s = OrgStats(direct_total=org.w_total, direct_full=org.w_full, subtree_total=org.w_subtree,
                 committee_size=org.w_committee, has_secretary=org.w_secretary)
    s.warnings = structure_warnings(org, s, today)
    return s


def warnings_page(root, params, *, per_page, today: date | None = None):
    """One page of the organizations of `root`'s subtree that have structure warnings, in tree order
    (core.paging.KeysetPage by path), with `rows`: [(organization, OrgStats)] for the page's rows only.

    The database filters (structure_warning_q), counts up to ORG_WARNINGS_COUNT_CAP and pages: the statements
    and the Python work stay the same whatever the size of the subtree. A row the predicate let through that
    has no warning after all (see structure_warning_q) is left out of `rows`; it still marks the cursor.
    """
    from apps.core.paging import KeysetPage, capped_count

    today = today or date.today()
    qs = with_structure_warnings(subtree(root), today)
    count, capped = capped_count(qs, settings.ORG_WARNINGS_COUNT_CAP)
    # A cursor's path is read within the whole subtree: an organization put right since still marks the place.
    page = KeysetPage(qs, keys=("path",), params=params, per_page=per_page, count=count, capped=capped,
                      key_source=subtree(root), numbered=settings.LIST_NUMBERED_PAGES)
    page.rows = [(org, s) for org in page.object_list if (s := annotated_stats(org, today)).warnings]
    return page


@dataclass(frozen=True)
class StructureFigures:
    """The structure of an organization's subtree (itself and the existing organizations under it) on one day, as the
    assessment scores it: what the warnings page (/orgs/<pk>/warnings/) and the terms page (/orgs/terms/) show."""

    organizations: int = 0  # existing organizations in the subtree
    warnings: int = 0  # their structure warnings (structure_warnings), the advance 换届 reminder not counted
    flagged: int = 0  # organizations with at least one such warning
    term_overdue: int = 0  # organizations whose term ended before the day (term_ends_on < today): 届满未换届


def is_term_overdue(org, today: date) -> bool:
    return org.term_ends_on is not None and org.term_ends_on < today


def _is_term_reminder(org, today: date) -> bool:
    """structure_warnings' advance reminder (任期将于…届满): the term still runs, so it is no breach."""
    return (org.term_ends_on is not None
            and today <= org.term_ends_on <= add_months(today, settings.TERM_REMINDER_MONTHS))


def structure_figures(orgs, today: date | None = None) -> dict[int, StructureFigures]:
    """{org id: StructureFigures} of each of `orgs` over its subtree, on `today`: ONE query whatever their number (the
    existing organizations under the deepest common ancestor, annotated as with_structure_stats), the warnings
    written by structure_warnings in Python and summed up the paths. An organization no longer existing (dissolved)
    is left out: it has no current structure."""
    orgs = list(orgs)
    if not orgs:
        return {}
    today = today or date.today()
    step = Organization.steplen
    wanted = {o.path: o.pk for o in orgs}
    common = os.path.commonprefix(list(wanted))
    common = common[: len(common) // step * step]
    qs = Organization.objects.filter(is_active=True)
    if common:
        qs = qs.filter(prefix_q("path", common))
    totals, existing = {}, set()
    for org in with_structure_stats(qs.order_by()).iterator(chunk_size=2000):
        s = annotated_stats(org, today)
        warnings = len(s.warnings) - _is_term_reminder(org, today)
        overdue = is_term_overdue(org, today)
        if org.path in wanted:
            existing.add(org.pk)
        for end in range(step, len(org.path) + 1, step):
            pk = wanted.get(org.path[:end])
            if pk is not None:
                t = totals.setdefault(pk, [0, 0, 0, 0])
                t[0] += 1
                t[1] += warnings
                t[2] += warnings > 0
                t[3] += overdue
    return {pk: StructureFigures(*t) for pk, t in totals.items() if pk in existing}


def org_stats(org, *, subtree_total=None) -> OrgStats:
    """Stats and warnings for one organization (its direct members and its subtree).

    Pass `subtree_total` when the caller already counted the subtree's members.
    """
    direct = OrgMemberCount.objects.filter(organization=org).values_list("current", "current_full").first() or (0, 0)
    s = OrgStats(direct_total=direct[0], direct_full=direct[1])
    if subtree_total is None:
        subtree_total = subtree_counts(org)["members"]
    s.subtree_total = subtree_total
    posts = CommitteePost.objects.filter(organization=org, is_current=True).aggregate(
        size=Count("member", distinct=True), secretaries=Count("id", filter=Q(post=CommitteePost.Post.SECRETARY)))
    s.committee_size, s.has_secretary = posts["size"], posts["secretaries"] > 0
    s.warnings = structure_warnings(org, s)
    return s


def term_reminders(orgs_qs, today: date | None = None, *, overdue_only=False):
    """Organizations whose term ends within the reminder window or is overdue (换届提醒); `overdue_only`: those
    whose term has ended before today only (届满未换届, as StructureFigures.term_overdue counts them)."""
    today = today or date.today()
    horizon = add_months(today, settings.TERM_REMINDER_MONTHS)
    qs = orgs_qs.filter(is_active=True, term_ends_on__isnull=False, term_ends_on__lte=horizon)
    if overdue_only:
        qs = qs.filter(term_ends_on__lt=today)
    return qs.order_by("term_ends_on", "path")


def is_branch_kind(kind) -> bool:
    return kind in BRANCH_KINDS


# Queries shorter than this match by prefix only: a trigram index cannot answer a 1–2 character `contains`,
# which would scan every organization on each keystroke of the picker.
CONTAINS_MIN_LENGTH = 3


def search_orgs(qs, raw: str):
    """Organizations matching the text: whose code starts with it, whose name's pinyin or initials start
    with it (xmc → 新民村…), and whose name contains it — or, for a text shorter than CONTAINS_MIN_LENGTH,
    starts with it.

    On PostgreSQL `contains` on the name is covered by a trigram GIN index (migration 0002), which needs
    three characters; every prefix match (name, code, pinyin, initials) is a LIKE 'x%' on the b-tree
    pattern-ops index of its column (db_index / unique), so the search stays on indexes at province scale.
    """
    import re

    from apps.core.text import normalize_text

    text = normalize_text(raw).replace(" ", "")
    if not text:
        return qs.none()
    q = Q(code=text.upper()) | prefix_q("code", text.upper())
    q |= Q(name__contains=text) if len(text) >= CONTAINS_MIN_LENGTH else prefix_q("name", text)
    if re.fullmatch(r"[A-Za-z]+", text):
        letters = text.lower()
        q |= prefix_q("name_initials", letters) | prefix_q("name_pinyin", letters)
    return qs.filter(q).order_by("path")


def with_path_labels(orgs, *, ancestors_from=None):
    """Give each organization `ancestor_names` and `path_label` ("甲镇党委 › 新民村党委 › 新民村第1党支部"),
    so that namesakes in different villages can be told apart.

    One query for the ancestors of the whole list: with a materialized path, an ancestor's path is a
    prefix of `path` (4 characters per level). Ancestors are read from `ancestors_from` (the user's
    scoped queryset), so those above the user's scope are left out, as on the organization page.
    """
    orgs = list(orgs)
    step = Organization.steplen
    prefixes = {o.path[:end] for o in orgs for end in range(step, len(o.path), step)}
    source = ancestors_from if ancestors_from is not None else Organization.objects.all()
    names = dict(source.filter(path__in=prefixes).order_by().values_list("path", "name")) if prefixes else {}
    for o in orgs:
        o.ancestor_names = [names[o.path[:end]] for end in range(step, len(o.path), step) if o.path[:end] in names]
        o.path_label = " › ".join([*o.ancestor_names, o.name])
    return orgs


def domain_breakdown(root) -> list[dict]:
    """Organizations and current members of a subtree by domain (机关, 村, 社区, …), most members first: the stored
    domain roll-ups of its root (OrgDomainCount), one query whatever the size of the subtree."""
    labels = dict(OrgDomain.choices)
    rows = (OrgDomainCount.objects.filter(organization_id=root.pk).exclude(orgs=0, members=0).order_by("domain")
            .values_list("domain", "orgs", "members"))
    result = [{"domain": domain, "label": str(labels.get(domain, domain)), "orgs": orgs, "members": members}
              for domain, orgs, members in rows]
    return sorted(result, key=lambda r: -r["members"])


# ---- the tree's structure, for the pages and the API (views never query the models themselves) ----

def parent_of(org):
    return Organization.objects.get_parent(org)


def ancestors(org):
    """From the top down."""
    return Organization.objects.get_ancestors(org)


def subtree(root, *, active_only=True):
    """`root` and every organization under it (existing ones unless `active_only=False`)."""
    qs = Organization.objects.filter(prefix_q("path", root.path))
    return qs.filter(is_active=True) if active_only else qs


def no_organizations():
    return Organization.objects.none()


def with_parent_pk(qs):
    """Annotate each organization with `parent_pk`, its parent's id (one correlated subquery, no join)."""
    parent = Organization.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)).values("pk")[:1]
    return qs.annotate(parent_pk=Subquery(parent))


def parent_pk(org) -> int | None:
    if org.depth <= 1:
        return None
    return Organization.objects.filter(path=org.path[: -Organization.steplen]).values_list("pk", flat=True).first()


def restructure_parent(user, org):
    """The parent of `org` if `user` may restructure it — move it under another organization or dissolve it —, else
    None. Either takes the subtree out of its parent, so the user must manage the parent too; a top-level
    organization is never restructured from the pages."""
    parent = parent_of(org)
    if parent is None or not policy.can(user, policy.ORG_MANAGE, parent):
        return None
    return parent


@dataclass(frozen=True)
class PostHeld:
    """A committee post held at some time within a span of dates (for the assessment's pay of cadres): names only."""

    pk: int
    organization_id: int
    member_id: int
    name: str
    post: str
    term_start: date
    term_end: date | None


def posts_held_between(org_ids, start: date, end: date, posts=None) -> list[PostHeld]:
    """The committee posts of the organizations `org_ids` (their own committees, not their subtrees') held on some day
    of start..end, ended ones included, optionally only of the post codes `posts`: one query, by the post's index."""
    qs = CommitteePost.objects.filter(organization_id__in=list(org_ids), term_start__lte=end).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=start))
    if posts is not None:
        qs = qs.filter(post__in=list(posts))
    rows = qs.order_by("organization_id", "term_start", "pk").values_list(
        "pk", "organization_id", "member_id", "member__name", "post", "term_start", "term_end")
    return [PostHeld(*row) for row in rows]
