"""The demo district's honours (示范创建): this year's 1213 action — quotas of 10 五好示范党支部, 20 攻坚示范党小组,
100 优秀党员示范岗 and 300 党员示范户 — with a realistic set of awards on 七一 (or today, earlier in the year) that
fills none of the quotas, some nominations waiting for the district, and one rejected.

Written through the honour services (actor None: the system), so every rule of a nomination and the quota is checked
as for the district's own, and the audit trail shows the seeding. The public page is /honours/."""

import random
from datetime import date

from apps.assessment import honour_services
from apps.members.models import Member
from apps.orgs.models import BRANCH_KINDS, Organization, OrgKind

# (kind, awarded, pending): none of the quotas filled.
PLAN = (("五好示范党支部", 6, 3), ("攻坚示范党小组", 8, 2), ("优秀党员示范岗", 40, 8), ("党员示范户", 90, 12))
REASONS = {
    "五好示范党支部": ("班子强、党员队伍好、工作机制好、工作业绩好、群众反映好，“三会一课”规范，组织生活纪实完整。",
                 "党支部领办合作社，带动村集体经济增收，群众诉求办结率和满意率位居全镇前列。"),
    "攻坚示范党小组": ("在重点项目攻坚中设立党员先锋岗，提前完成节点任务。", "组织党员突击队参与征地拆迁和安全生产攻坚，成效明显。"),
    "优秀党员示范岗": ("立足岗位作表率，服务群众热情周到，多次受到群众好评。", "带头参与志愿服务和疫情防控、防汛救灾，发挥先锋模范作用。"),
    "党员示范户": ("家风正、邻里和，带头移风易俗，积极参与村（社区）公益事务。", "带头发展特色产业，带动周边农户共同致富。"),
}


def _township(org, towns):
    """The nominating organization: the nominee's township (党委 at depth 2), the district for those directly under it."""
    return towns.get(org.path[:2 * Organization.steplen], org)


def write_honours(district, today, log):
    """This year's campaign with awards, pending nominations and one rejection; returns the campaign."""
    rng = random.Random(1213)
    year = today.year
    awarded_on = min(today, date(year, 7, 1))
    campaign = honour_services.campaign_create(actor=None, organization=district, data={
        "year": year, "name": f"{year}年1213党建引领示范行动",
        "note": "10个五好示范党支部、20个攻坚示范党小组、100个优秀党员示范岗、300个党员示范户，由区委组织部审核命名"})
    kinds = {k.name: k for k in campaign.kinds.all()}
    orgs = Organization.objects.filter(path__startswith=district.path, is_active=True)
    towns = {o.path: o for o in orgs.filter(depth=district.depth + 1)}
    branches = list(orgs.filter(kind__in=BRANCH_KINDS).order_by("path"))
    groups = list(orgs.filter(kind=OrgKind.GROUP).order_by("path"))
    members = list(Member.objects.current().filter(organization__path__startswith=district.path)
                   .select_related("organization").order_by("id")[:5000])
    pools = {"五好示范党支部": branches, "攻坚示范党小组": groups, "优秀党员示范岗": members, "党员示范户": members}
    used_members = set()
    counts = {"awarded": 0, "pending": 0}
    rejected = None
    for index, (name, awarded, pending) in enumerate(PLAN, start=1):
        pool = [x for x in pools[name] if not (isinstance(x, Member) and x.pk in used_members)]
        reject = 1 if index == 1 else 0  # one 五好示范党支部 nomination turned down, first
        chosen = rng.sample(pool, min(len(pool), reject + awarded + pending))
        for n, nominee in enumerate(chosen):
            is_member = isinstance(nominee, Member)
            if is_member:
                used_members.add(nominee.pk)
            home = nominee.organization if is_member else nominee
            nomination = honour_services.nomination_create(
                actor=None, kind=kinds[name], nominated_by_org=_township(home, towns),
                nominee_org=None if is_member else nominee, nominee_member=nominee if is_member else None,
                reasons=rng.choice(REASONS[name]))
            if n < reject:
                rejected = honour_services.nomination_reject(actor=None, nomination=nomination,
                                                             note="“三会一课”纪实不完整，本年度不予命名，可于下年度再推荐")
            elif n < reject + awarded:
                honour_services.nomination_approve(actor=None, nomination=nomination, awarded_on=awarded_on,
                                                   certificate_no=f"{year}-1213-{index}{n + 1 - reject:03d}", today=today)
                counts["awarded"] += 1
            else:
                counts["pending"] += 1
    log(f"  示范创建：{campaign.name}，已命名 {counts['awarded']} 项，待审核 {counts['pending']} 项，"
        f"未通过 {1 if rejected else 0} 项（公开页面 /honours/）")
    return campaign
