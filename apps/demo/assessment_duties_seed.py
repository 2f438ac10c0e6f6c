"""The demo district's duty lists (责任清单 / 任务清单 / 负面清单) and last quarter's inspections.

The seeds' district issued its lists per post to every branch: the templates here are the district's for 书记, 委员
and 党员 (and for the branch as a whole); a few branches add items of their own; their townships inspected a couple
of dozen branches last quarter, some items not done — what the deduction indicator's source
"负面清单检查：违反" pulls into a round. Written through the services, so every rule and the audit trail apply."""

from datetime import date, timedelta

from apps.assessment import duty_selectors, duty_services
from apps.assessment.duty_models import DutyKind, Outcome
from apps.orgs.models import BRANCH_KINDS, Organization

D, T, N = DutyKind.DUTY, DutyKind.TASK, DutyKind.PROHIBITED

# (post, name, [(kind, text, deadline month offset within the year or None)])
TEMPLATES = (
    ("organization", "党支部责任清单", [
        (D, "落实“三会一课”、主题党日、组织生活会等制度", None),
        (D, "做好党员发展、教育、管理、监督和服务工作", None),
        (T, "完成年度党员民主评议", 12),
        (N, "不得搞形式主义，组织生活纪实弄虚作假", None),
    ]),
    ("secretary", "党支部书记责任清单", [
        (D, "履行抓基层党建第一责任人职责", None),
        (T, "每季度为党员讲一次党课", 3),
        (T, "年底前向上级党委述职", 12),
        (N, "不得违规发展党员", None),
        (N, "不得违反中央八项规定精神", None),
    ]),
    ("committee", "支部委员责任清单", [
        (D, "按分工抓好组织、宣传、纪检等工作", None),
        (T, "每半年联系走访党员群众不少于10户", 6),
        (N, "不得泄露党内秘密", None),
    ]),
    ("member", "党员责任清单", [
        (D, "按时足额交纳党费", None),
        (D, "按时参加组织生活", None),
        (T, "每年参加志愿服务不少于4次", 12),
        (N, "不得信教或参加迷信活动", None),
        (N, "不得参与赌博等违法活动", None),
    ]),
)
OWN_ITEMS = [(D, "包联本村（社区）困难群众，定期走访"), (T, "完成本年度软弱涣散整顿任务")]
OWN_LISTS = 4
INSPECTED = 24


def _deadline(year, month):
    return date(year + (month == 12), 1 if month == 12 else month + 1, 1) - timedelta(days=1)


def write_duties(district, today, log):
    """The templates, a few branches' own lists and last quarter's inspections; returns the number of inspections."""
    year = today.year
    for post, name, items in TEMPLATES:
        lst = duty_services.duty_list_create(actor=None, organization=district, data={
            "is_template": True, "post": post, "kinds": sorted(BRANCH_KINDS), "name": f"{year}年{name}",
            "note": "区委组织部下发，各党支部对照执行"})
        for kind, text, month in items:
            duty_services.duty_item_add(actor=None, duty_list=lst, data={
                "kind": kind, "text": text, "deadline": _deadline(year, month) if month else None})
    branches = list(Organization.objects.filter(path__startswith=district.path, kind__in=BRANCH_KINDS, is_active=True)
                    .order_by("path")[:INSPECTED])
    for org in branches[:OWN_LISTS]:
        lst = duty_services.duty_list_create(actor=None, organization=org, data={
            "post": "organization", "name": f"{org.name}补充清单"})
        for kind, text in OWN_ITEMS:
            duty_services.duty_item_add(actor=None, duty_list=lst, data={
                "kind": kind, "text": text, "deadline": date(year, 12, 31) if kind == T else None})
    key = duty_selectors.previous_quarter(today)
    qy, qn = duty_selectors.parse_quarter(key)
    quarter_end = _deadline(qy, qn * 3)
    inspected_on = min(today, quarter_end + timedelta(days=10))
    failures = 0
    for n, org in enumerate(branches):
        items = duty_selectors.applicable_items(org)
        # Every third branch has an item or two not done (a deterministic pattern: the demo is the same every time).
        failing = {items[(n + k * 5) % len(items)].pk for k in range(1 + n % 2)} if n % 3 == 0 else set()
        failures += len(failing)
        duty_services.inspection_create(actor=None, organization=org, data={
            "period_key": key, "inspected_on": inspected_on, "note": "季度对照检查"},
            results={i.pk: (Outcome.NOT_DONE, "对照检查发现问题，已要求整改") if i.pk in failing else (Outcome.DONE, "")
                     for i in items})
    log(f"  职责清单：{len(TEMPLATES)} 套区级模板，{min(OWN_LISTS, len(branches))} 个支部补充清单；"
        f"{key} 检查 {len(branches)} 个支部，未完成（违反）{failures} 项")
    return len(branches)
