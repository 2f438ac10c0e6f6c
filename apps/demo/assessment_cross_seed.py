"""The demo district's departments (区直部门) under "1+N" (考核评价, cross-assessment).

The seeds' district issued a "1+N" performance assessment method and scores its departments half-yearly: "1" is the
district's own assessment (the superior's score), "N" the ratings of the other departments (cross-assessment). Here:
the group 区直部门 (the departments under the district's 区直机关工委, named one by one), this year's system weighted
by the half-year only (100%), whose 履职成效 leaf is 1+N — 60% the district's score and 40% the mean of the other
departments' ratings — and whose 作风评议 is rated by the other departments alone; this half-year's round, open, with
the departments in 互评 groups of at most GROUP_SIZE. With `closed_round` the previous half-year's round is written
too and closed, with the district's and the peers' scores drawn at random (seeded), so its results show the opened
ratings.

Written through the assessment services with the demo district administrator as the actor (a round's organizations
are those within its creator's scope); the peers' ratings of the closed round are rows written directly (the demo
has no department accounts to score through the pages)."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.access.models import Role
from apps.accounts.models import User
from apps.assessment import cross_services, round_services, services
from apps.assessment.cross_models import CrossScore
from apps.assessment.models import Method
from apps.assessment.round_models import Score
from apps.orgs.models import Organization

GROUP_NAME = "区直部门"
GROUP_SIZE = 10
WEIGHTS = {"weight_month": Decimal(0), "weight_quarter": Decimal(0), "weight_half": Decimal(100), "weight_year": Decimal(0)}
CROSS_LEAVES = {"履职成效": 40, "作风评议": 100}


def _tree():
    def leaf(name, points, method, standard, **extra):
        return {"name": name, "max_points": Decimal(points), "method": method, "standard": standard, **extra}

    return [
        ({"name": "机关党建", "max_points": Decimal(40)}, [
            leaf("组织生活完成率", 20, Method.AUTOMATIC, "按规定开展“三会一课”并如实纪实", metric="records.completion"),
            leaf("党员参会率", 10, Method.AUTOMATIC, "党员参加组织生活的比例", metric="records.attendance"),
            leaf("负面清单", 10, Method.DEDUCTION, "违反党建工作规定的，每项扣2分", points_per=Decimal(2), cap=Decimal(10)),
        ]),
        ({"name": "履职与作风", "max_points": Decimal(60)}, [
            leaf("履职成效", 40, Method.MANUAL, "“1+N”：区委考核占60%，其他部门互评平均分占40%", cross_weight=40),
            leaf("作风评议", 20, Method.MANUAL, "由其他部门互评，取平均分", cross_weight=100),
        ]),
    ]


def _departments(district):
    organs = Organization.objects.filter(path__startswith=district.path, depth=district.depth + 1,
                                         name__endswith="区直机关工委").first()
    if organs is None:
        return []
    return list(Organization.objects.filter(path__startswith=organs.path, depth=organs.depth + 1, is_active=True)
                .order_by("path"))


def _window(day, days_before, days_after):
    start = timezone.make_aware(datetime.combine(day - timedelta(days=days_before), time(9)))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=days_after), time(18)))


def _round(actor, system, number, opens_at, closes_at, departments):
    rnd = round_services.round_create(actor=actor, system=system, data={
        "period_kind": "half", "number": number, "opens_at": opens_at, "closes_at": closes_at})
    rnd = round_services.round_open(actor=actor, round=rnd)
    for start in range(0, len(departments), GROUP_SIZE):
        group = cross_services.group_create(actor=actor, round=rnd, name=f"互评第{start // GROUP_SIZE + 1}组")
        for org in departments[start:start + GROUP_SIZE]:
            cross_services.member_add(actor=actor, group=group, organization=org)
    return rnd


def _score_closed(actor, rnd, rng, now):
    """The district's scores and the peers' ratings of a past round (its window is over, so written directly, as the
    demo's history), then its close through the service (the means go in)."""
    leaves = cross_services.cross_leaves(rnd.system)
    rows = []
    for score in Score.objects.filter(entry__round=rnd, indicator__in=[leaf for leaf in leaves if leaf.cross_weight < 100]):
        points = (score.indicator.max_points * Decimal(rng.randint(75, 98)) / 100).quantize(Decimal("0.01"))
        score.inputs = {"superior": str(points), "weight": score.indicator.cross_weight}
        score.comment = "区委考核"
        score.scored_by, score.scored_at = actor, now
        score.save(update_fields=["inputs", "comment", "scored_by", "scored_at"])
    for group in rnd.cross_groups.prefetch_related("members__organization"):
        for member in group.members.all():
            for entry in cross_services.eligible_entries(member):
                for leaf in leaves:
                    points = (leaf.max_points * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("0.01"))
                    rows.append(CrossScore(entry=entry, indicator=leaf, assessor=member.organization, points=points,
                                           scored_at=now))
    CrossScore.objects.bulk_create(rows, batch_size=2000)
    round_services.round_close(actor=actor, round=rnd)
    return len(rows)


def write_cross(district, today, log, closed_round=None):
    """The departments' group, this year's 1+N system (in use) and this half-year's round, open; with `closed_round`
    (true) the previous half-year's round too, scored and closed. Returns the open round, or None when the district
    has no departments or no administrator."""
    departments = _departments(district)
    actor = User.objects.filter(roles__role=Role.DISTRICT_ADMIN, roles__organization=district).order_by("pk").first()
    if len(departments) < 2 or actor is None:
        log("  考核评价（区直部门“1+N”）：没有区直部门或区委管理员，未写入")
        return None
    year = today.year
    group = services.group_create(actor=actor, organization=district, data={
        "name": GROUP_NAME, "organizations": departments, "sort_order": 60,
        "note": "“1+N”绩效考核：1为区委考核，N为其他部门互评，按指标所设比例合计"})
    system = services.system_create(actor=actor, group=group, data={
        "year": year, "name": f"{year}年度区直部门“1+N”绩效考核指标体系", **WEIGHTS,
        "note": "每半年考核一次；履职成效区委考核占60%、部门互评占40%，作风评议由部门互评"})
    for parent_values, leaves in _tree():
        parent = services.indicator_create(actor=actor, system=system, data=parent_values)
        for leaf in leaves:
            services.indicator_create(actor=actor, system=system, data=leaf, parent=parent)
    services.system_publish(actor=actor, system=system)
    half = 1 if today.month <= 6 else 2
    rnd = _round(actor, system, half, *_window(today, 3, 14), departments)
    written = 0
    if closed_round and half == 2:
        rng = random.Random(year)
        past = _round(actor, system, 1, *_window(today, 60, -30), departments)
        written = _score_closed(actor, past, rng, timezone.now())
    sealed = _rate_first_group(rnd, random.Random(year + 1), timezone.now())
    log(f"  考核评价（区直部门“1+N”）：{len(departments)} 个部门，{year}年度指标体系，{rnd.name} 评分中（{sealed} 条互评密封中）"
        + (f"；上半年已结束（{written} 条互评）" if written else ""))
    return rnd


def _rate_first_group(rnd, rng, now):
    """The open round's first group has rated its peers already: sealed until the round closes (the demo has no
    departments' accounts, so written directly)."""
    leaves = cross_services.cross_leaves(rnd.system)
    group = rnd.cross_groups.prefetch_related("members__organization").order_by("pk").first()
    rows = [CrossScore(entry=entry, indicator=leaf, assessor=member.organization, scored_at=now,
                       points=(leaf.max_points * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("0.01")))
            for member in (group.members.all() if group else []) for entry in cross_services.eligible_entries(member)
            for leaf in leaves]
    CrossScore.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
