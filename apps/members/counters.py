"""Per-organization member counts (orgs.OrgMemberCount, a figure of the organization), maintained by increments from
every write path of the member registry (inside its services' transactions)."""

from collections import defaultdict

from django.db.models import Count, Q

from apps.orgs.models import Organization, OrgMemberCount

from .models import CURRENT_STATUSES, Member, MemberCategory


def state(member: Member | None):
    """What a member contributes to the counts: (organization_id, is_current, is_full) or None."""
    if member is None or member.status not in CURRENT_STATUSES:
        return None
    return member.organization_id, True, member.category == MemberCategory.FULL


def apply_changes(changes, *, refers=()):
    """Apply (before_state, after_state) pairs as increments; call inside the write's transaction. `refers`: the
    other organizations the written members point to (their party groups, see OrgCountManager._hold)."""
    deltas = defaultdict(lambda: [0, 0])
    for before, after in changes:
        if before == after:
            continue
        for sign, st in ((-1, before), (1, after)):
            if st is not None:
                deltas[st[0]][0] += sign
                deltas[st[0]][1] += sign if st[2] else 0
    # The organizations' own rows and the roll-ups of every ancestor, locked in key order (orgs.models).
    OrgMemberCount.objects.apply(direct={org: tuple(d) for org, d in deltas.items() if d != [0, 0]},
                                 refers=sorted({pk for pk in refers if pk is not None}))


def recount(organization_ids=None):
    """Rebuild the counts from the member table (all organizations, or the given ones)."""
    orgs = Organization.objects.all() if organization_ids is None else Organization.objects.filter(pk__in=organization_ids)
    ids = list(orgs.values_list("pk", flat=True))
    classes = OrgMemberCount.objects.classes(ids)  # a corrected count may move a branch across the committee threshold
    rows = {r["organization_id"]: r for r in (
        Member.objects.filter(organization_id__in=ids, status__in=CURRENT_STATUSES).order_by()
        .values("organization_id").annotate(n=Count("id"), full=Count("id", filter=Q(category=MemberCategory.FULL))))}
    OrgMemberCount.objects.filter(organization_id__in=ids).delete()
    OrgMemberCount.objects.bulk_create(
        [OrgMemberCount(organization_id=i, current=rows.get(i, {}).get("n", 0), current_full=rows.get(i, {}).get("full", 0))
         for i in ids], batch_size=2000)
    OrgMemberCount.objects.rebuild_rollups()  # the subtree totals above the recounted organizations
    OrgMemberCount.objects.classes_recounted(classes)  # and what is keyed by their class (the Fulfilment roll-ups)
    return len(ids)


def mismatches():
    """Organizations whose stored count differs from the member table (for checks and tests)."""
    actual = {r["organization_id"]: (r["n"], r["full"]) for r in (
        Member.objects.filter(status__in=CURRENT_STATUSES).order_by().values("organization_id")
        .annotate(n=Count("id"), full=Count("id", filter=Q(category=MemberCategory.FULL))))}
    stored = {c.organization_id: (c.current, c.current_full) for c in OrgMemberCount.objects.all()}
    keys = set(actual) | {k for k, v in stored.items() if v != (0, 0)}
    wrong = {k: (stored.get(k, (0, 0)), actual.get(k, (0, 0))) for k in keys if stored.get(k, (0, 0)) != actual.get(k, (0, 0))}
    # Subtree roll-ups that are not the sum of the stored counts below them (their own check, same answer shape).
    for k, pair in OrgMemberCount.objects.rollup_mismatches().items():
        wrong.setdefault(k, pair)
    return wrong
