"""The demo district's assessment (考核评价): the district's assessment groups (村, 社区, 机关和事业单位, 非公企业和社会组织,
学校) and, for each, last year's indicator system in use — the seeds' district scores a year by a quarterly and a
yearly round (weights 40 / 60) over a tree of about a dozen indicators, most of them computed from the record.
The first thing to try on the pages is therefore 复制为下一年度: this year's systems are not seeded.

Written through the assessment services (a few hundred rows), so every rule of a published system is checked as it
would be for the district's own, and the audit trail shows the seeding."""

from decimal import Decimal

from apps.assessment import services
from apps.assessment.models import Method
from apps.records.models import ActivityType

# (name, domains): the groups the seeds' district assesses separately.
GROUPS = (
    ("村", ["village"]),
    ("社区", ["community"]),
    ("机关和事业单位", ["organ", "institution"]),
    ("非公企业和社会组织", ["private_enterprise", "social_org"]),
    ("学校", ["school"]),
)
# The groups whose organizations serve residents directly: their 服务群众 is scored from the citizen requests.
SERVING = {"村", "社区"}
WEIGHTS = {"weight_month": Decimal(0), "weight_quarter": Decimal(40), "weight_half": Decimal(0),
           "weight_year": Decimal(60)}


def _auto(name, points, metric, standard, **extra):
    return {"name": name, "max_points": Decimal(points), "method": Method.AUTOMATIC, "metric": metric,
            "standard": standard, **extra}


def _manual(name, points, standard):
    return {"name": name, "max_points": Decimal(points), "method": Method.MANUAL, "standard": standard}


def _tree(group_name, theme_day):
    """[(first-level indicator, [its leaves])]: 100 points in four parts."""
    life = ({"name": "组织生活", "max_points": Decimal(35), "standard": "按规定开展“三会一课”、主题党日等组织生活并如实纪实"}, [
        _auto("组织生活完成率", 15, "records.completion", "应开展的组织生活全部按期开展得满分，按完成率计分"),
        _auto("主题党日按期开展", 10, "records.type_completion", "每月10日前后开展主题党日，按完成率计分",
              activity_type=theme_day),
        _auto("党员参会率", 5, "records.attendance", "已提交纪实的实到人次占应到人次的比例"),
        _auto("纪实按时录入", 5, "records.late_records", "活动结束后超过规定期限录入的纪实每件扣0.5分，扣完为止",
              points_per=Decimal("0.5")),
    ])
    if group_name in SERVING:
        serving = ({"name": "服务群众", "max_points": Decimal(30), "standard": "群众诉求按时响应、解决到位、群众满意"}, [
            _auto("群工三率综合得分", 20, "cases.score", "响应率、解决率、满意率加权得分折算"),
            _auto("超期诉求", 10, "cases.overdue", "超过办理时限的诉求每件扣1分，扣完为止", points_per=Decimal(1)),
        ])
    else:
        serving = ({"name": "服务中心工作和群众", "max_points": Decimal(30), "standard": "围绕中心工作发挥作用，联系服务群众"}, [
            _manual("服务中心工作", 15, "党组织围绕本单位中心工作开展活动、发挥作用的情况，由考核组评分"),
            _manual("联系服务群众", 15, "党员联系服务群众、参加志愿服务的情况，由考核组评分"),
        ])
    team = ({"name": "班子建设与党员管理", "max_points": Decimal(25), "standard": "班子健全、按期换届，党员教育管理规范"}, [
        _manual("班子建设", 10, "支部委员会健全、按期换届、书记履职情况，查阅资料并访谈评分"),
        _manual("党员教育管理", 10, "党员学习教育、党费收缴、流动党员管理情况"),
        _manual("发展党员工作", 5, "发展党员程序规范、材料齐全"),
    ])
    lists = ({"name": "负面清单与示范创建", "max_points": Decimal(10), "standard": "违反负面清单扣分，示范创建加分"}, [
        {"name": "负面清单", "max_points": Decimal(5), "method": Method.DEDUCTION, "points_per": Decimal(2),
         "cap": Decimal(5), "standard": "每查实一项负面清单行为扣2分，最多扣5分", "item_feed": "duties.violations"},
        {"name": "示范创建加分", "max_points": Decimal(5), "method": Method.BONUS, "points_per": Decimal(1),
         "cap": Decimal(5), "standard": "获评示范党支部、党员先锋岗等每项加1分，最多加5分"},
    ])
    return [life, serving, team, lists]


def write_assessment(district, today, log):
    """The groups and last year's systems in use; returns how many systems were written."""
    theme_day = ActivityType.objects.get(code="theme_day")
    year = today.year - 1
    systems = 0
    for order, (name, domains) in enumerate(GROUPS, start=1):
        group = services.group_create(actor=None, organization=district, data={
            "name": name, "domains": domains, "kinds": [], "sort_order": order * 10,
            "note": "按所属领域确定考核对象"})
        system = services.system_create(actor=None, group=group, data={
            "year": year, "name": f"{year}年度{name}党组织考核指标体系", **WEIGHTS,
            "note": "季度考核占40%，年度考核占60%；组织生活与服务群众的得分由平台纪实和群工数据自动计算"})
        for parent_values, leaves in _tree(name, theme_day):
            parent = services.indicator_create(actor=None, system=system, data=parent_values)
            for leaf in leaves:
                services.indicator_create(actor=None, system=system, data=leaf, parent=parent)
        services.system_publish(actor=None, system=system)
        systems += 1
    log(f"  考核评价：{len(GROUPS)} 个考核类别，{systems} 套{year}年度指标体系（使用中，可复制为下一年度）")
    return systems
