"""The rules of admitting new members (发展党员) as data: 《中国共产党发展党员工作细则》(2014), five stages and 25 steps,
each with its source article and what it requires (rules.md §2). The services judge a step by the checks below and
refuse it with the table's Chinese reason; the rules page and an applicant's timeline show the same table.

Every time rule is a pure function of dates (boundary-tested: the day before, of and after). Local practice (the 公示's
working days, the review interval) is in settings."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.core.dates import add_months, add_years, whole_years_between
from apps.core.workdays import add_working_days

MIN_AGE = 18  # 第六条 (年满十八岁)
TALK_MONTHS = 1  # 第八条: 党组织应当在一个月内派人同入党申请人谈话
ACTIVIST_YEARS = 1  # 第十三条: 经过一年以上培养教育和考察
INTRODUCERS = 2  # 第十五条
TRAINING_DAYS, TRAINING_HOURS = 3, 24  # 第十九条: 一般不少于三天（或不少于二十四个学时）
APPROVAL_MONTHS, APPROVAL_MAX_MONTHS = 3, 6  # 第二十五条 (三个月内审批；特殊情况可延长，最长不超过六个月)
PROBATION_YEARS = 1  # 第二十六条
EXTENSION_MIN_MONTHS, EXTENSION_MAX_MONTHS = 6, 12  # 第三十一条 (延长预备期，不能少于半年，最长不超过一年)
CONTACTS_MIN, CONTACTS_MAX = 1, 2  # 第十一条 (一至两名正式党员作培养联系人)

STAGES = {
    1: _("申请入党"),
    2: _("入党积极分子的确定和培养教育"),
    3: _("发展对象的确定和考察"),
    4: _("预备党员的接收"),
    5: _("预备党员的教育考察和转正"),
}


@dataclass(frozen=True)
class Rule:
    number: int
    stage: int
    name: str
    article: str  # 《中国共产党发展党员工作细则》第N条
    requires: str  # what the step requires, as the page shows it ("" : no condition of its own)
    higher: bool = False  # taken by the higher committee (township or above), not the branch
    publicity: str = ""  # a 公示 must have run before the step (one of the four points)

    @property
    def stage_name(self):
        return STAGES[self.stage]


def _r(number, stage, name, article, requires="", **kw):
    return Rule(number, stage, name, article, requires, **kw)


RULES = [
    _r(1, 1, _("递交入党申请书"), "第六条、第七条", _("年满18周岁；向工作、学习所在单位党组织提出")),
    _r(2, 1, _("党组织派人谈话"), "第八条", _("收到入党申请书后1个月内派人谈话")),
    _r(3, 2, _("推荐和确定入党积极分子"), "第九条、第十条", _("党员推荐、群团组织推优；支部委员会研究决定；公示期满"),
       publicity=_("入党积极分子")),
    _r(4, 2, _("报上级党委备案"), "第十条", _("确定入党积极分子后报上级党委备案")),
    _r(5, 2, _("指定培养联系人"), "第十一条", _("指定1至2名正式党员作培养联系人（受留党察看处分者除外）")),
    _r(6, 2, _("培养教育考察"), "第十一条、第十二条", _("每半年考察一次")),
    _r(7, 3, _("确定发展对象"), "第十三条", _("经过1年以上培养教育和考察；公示期满"), publicity=_("发展对象")),
    _r(8, 3, _("报上级党委备案"), "第十三条", _("确定发展对象后报上级党委备案")),
    _r(9, 3, _("确定入党介绍人"), "第十四条、第十五条", _("2名正式党员作入党介绍人；受留党察看处分者不能作入党介绍人")),
    _r(10, 3, _("进行政治审查"), "第十六条、第十七条", _("政治审查形成结论性材料")),
    _r(11, 3, _("开展集中培训"), "第十九条", _("集中培训一般不少于3天或24个学时")),
    _r(12, 4, _("支部委员会审查"), "第二十条", _("支部委员会审查；公示期满"), publicity=_("拟接收预备党员")),
    _r(13, 4, _("上级党委预审"), "第二十一条", _("上级党委预审"), higher=True),
    _r(14, 4, _("填写入党志愿书"), "第二十二条", _("预审合格后填写入党志愿书（编号由上级党委统一分配）")),
    _r(15, 4, _("支部大会讨论"), "第二十三条",
       _("到会有表决权的正式党员超过应到会人数的半数；赞成票超过应到会有表决权正式党员的半数")),
    _r(16, 4, _("上级党委派人谈话"), "第二十四条", _("上级党委审批前派人谈话"), higher=True),
    _r(17, 4, _("上级党委审批"), "第二十四条、第二十五条", _("支部大会通过后3个月内审批；特殊情况可延长，最长不超过6个月"),
       higher=True),
    _r(18, 4, _("再上一级党委组织部门备案"), "第二十五条", _("审批后报再上一级党委组织部门备案"), higher=True),
    _r(19, 5, _("编入党支部和党小组"), "第二十六条", _("预备期从支部大会通过之日起计算，为1年；登记为预备党员")),
    _r(20, 5, _("入党宣誓"), "第二十七条", ""),
    _r(21, 5, _("继续教育考察"), "第二十八条", ""),
    _r(22, 5, _("提出转正申请"), "第二十九条", _("预备期满时提出书面转正申请")),
    _r(23, 5, _("支部大会讨论"), "第二十九条、第三十条",
       _("预备期满；到会超过半数；赞成票超过应到会有表决权正式党员的半数；公示期满"), publicity=_("预备党员转正")),
    _r(24, 5, _("上级党委审批"), "第三十条、第三十一条",
       _("支部大会通过后3个月内审批（最长不超过6个月）：按期转正、延长预备期（6至12个月）或取消预备党员资格"), higher=True),
    _r(25, 5, _("材料归档"), "第三十二条", _("转正后将入党志愿书、入党申请书等材料归档")),
]
BY_NUMBER = {rule.number: rule for rule in RULES}
LAST_STEP = 25
HIGHER_STEPS = frozenset(r.number for r in RULES if r.higher)
PUBLICITY_STEPS = frozenset(r.number for r in RULES if r.publicity)

# The refusals, one wording each (the services raise them; the pages show them).
REFUSALS = {
    "age": _("递交入党申请书时须年满18周岁（细则第六条）"),
    "talk": _("应在收到入党申请书后1个月内谈话（截止{due}，细则第八条）"),
    "activist_year": _("确定为入党积极分子满1年后方可确定为发展对象（最早{due}，细则第十三条）"),
    "introducers": _("须有2名入党介绍人（细则第十五条）"),
    "introducer_full": _("{name}不是正式党员，不能作入党介绍人（细则第十五条）"),
    "introducer_discipline": _("{name}正受留党察看处分，不能作入党介绍人（细则第十五条）"),
    "contacts": _("须指定1至2名培养联系人（细则第十一条）"),
    "contact_full": _("{name}不是正式党员，不能作培养联系人（细则第十一条）"),
    "contact_discipline": _("{name}正受留党察看处分，不能作培养联系人（细则第十一条）"),
    "training": _("集中培训一般不少于3天或24个学时（细则第十九条）"),
    "quorum": _("到会有表决权的正式党员未超过应到会人数的半数，会议不能举行（细则第二十三条）"),
    "majority": _("赞成票未超过应到会有表决权正式党员的半数，未能通过（细则第二十三条）"),
    "votes": _("票数有误：赞成、反对、弃权之和不能超过应到会有表决权的正式党员人数，到会人数不能超过应到会人数"),
    "approval": _("上级党委应在支部大会通过后3个月内审批（截止{due}，细则第二十五条）"),
    "approval_max": _("审批期限最长不超过6个月（截止{due}，细则第二十五条）"),
    "probation": _("预备期满后方可讨论转正（预备期满{due}，细则第二十九条）"),
    "extension": _("延长预备期不能少于6个月、最长不超过1年（细则第三十一条）"),
    "extension_once": _("预备期已延长过一次，不能再次延长，只能按期转正或取消预备党员资格（细则第三十一条）"),
    "publicity": _("公示期满后方可办理（公示{days}个工作日，至{end}止）"),
    "order": _("请按顺序办理：下一步是第{n}步"),
    "before_previous": _("日期不能早于上一步的日期（{date}）"),
    "future": _("日期不能晚于今天"),
    "finished": _("该发展程序已结束"),
}


def refusal(key, **values) -> str:
    return str(REFUSALS[key]).format(**values)


# ---- the time rules: pure functions of dates ----

def age_ok(birth_date: date, applied_on: date) -> bool:
    return whole_years_between(birth_date, applied_on) >= MIN_AGE


def talk_due(applied_on: date) -> date:
    """The last day of the talk (第八条): one month after the application was received."""
    return add_months(applied_on, TALK_MONTHS)


def target_earliest(activist_on: date) -> date:
    """The first day an activist may become a development target (第十三条: a full year)."""
    return add_years(activist_on, ACTIVIST_YEARS)


def approval_due(meeting_on: date, *, extended: bool = False) -> date:
    """The last day of the higher committee's approval (第二十五条): 3 months, extended never past 6."""
    return add_months(meeting_on, APPROVAL_MAX_MONTHS if extended else APPROVAL_MONTHS)


def probation_end(admitted_on: date, extension_months: int = 0) -> date:
    """预备期满之日 (第二十六条): one year from the branch meeting, plus any extension."""
    return add_months(add_years(admitted_on, PROBATION_YEARS), extension_months)


def review_due(last_review_on: date) -> date:
    return add_months(last_review_on, settings.ADMISSION_REVIEW_MONTHS)


def publicity_end(start: date) -> date:
    """The last working day of a 公示 that starts on `start` (published that day: day one is the next working day)."""
    return add_working_days(start, settings.ADMISSION_PUBLICITY_WORKING_DAYS)


def training_ok(days, hours) -> bool:
    return (days or 0) >= TRAINING_DAYS or (hours or 0) >= TRAINING_HOURS


def meeting_errors(*, entitled, present, votes_for, votes_against, votes_abstain) -> list[str]:
    """第二十三条: quorum over half of the full members entitled to vote; approval by over half of ALL of them (not of
    those present); written opinions of absent members count, so the votes may exceed those present."""
    if present > entitled or votes_for + votes_against + votes_abstain > entitled:
        return [refusal("votes")]
    if present * 2 <= entitled:
        return [refusal("quorum")]
    if votes_for * 2 <= entitled:
        return [refusal("majority")]
    return []
