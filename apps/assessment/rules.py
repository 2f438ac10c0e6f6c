"""The rules an indicator system keeps, as functions over plain values: the services refuse a change that breaks them
(ValidationError with these Chinese messages), publishing checks them all at once, and the draft's page lists what is
still wrong before anyone presses 发布.

- periods: weights are ≥ 0 and add up to 100 (per cent of the year's total);
- grade bands: min ≤ score < max, 0 ≤ min < max ≤ 100, together covering 0–100 without gap or overlap (the highest
  band includes 100);
- indicators: maximum points > 0; a deduction or bonus needs its points per item and its cap ≤ the maximum; an automatic
  one names a catalogue key (and what its entry needs); the children of a node add up to its points, the first level
  to TOTAL_POINTS; a published system's leaves all have a scoring method, and a node with children has none (its
  children's sum is its score); at most MAX_DEPTH levels.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from . import catalogue
from .models import TOTAL_POINTS, Method

MAX_DEPTH = 4
MAX_INDICATORS = 300  # a system of the seeds' kind has a few dozen; a bound keeps a page and a copy small


def fmt(value: Decimal) -> str:
    """100.00 → "100", 2.50 → "2.5": points as people write them."""
    text = format(Decimal(value).normalize(), "f")
    return text


def weight_problems(weights) -> list[str]:
    """`weights`: the weight of each period (Decimal per cent)."""
    if any(w is None or w < 0 for w in weights):
        return [_("权重不能为负数")]
    total = sum(weights, Decimal(0))
    if total != 100:
        return [_("各考核周期的权重合计须为100%，当前为{total}%").format(total=fmt(total))]
    return []


def band_problems(bands) -> list[str]:
    """`bands`: (name, min_score, max_score) in any order."""
    if not bands:
        return [_("请至少设置一个考核等次")]
    problems = []
    names = [name for name, _lo, _hi in bands]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(_("等次名称「{name}」重复").format(name=name))
    for name, lo, hi in bands:
        if not (0 <= lo < hi <= TOTAL_POINTS):
            problems.append(_("等次「{name}」的分数范围应在0至100分之间，且最低分小于最高分").format(name=name))
    if problems:
        return problems
    ordered = sorted(bands, key=lambda b: (b[1], b[2]))
    if ordered[0][1] != 0:
        problems.append(_("考核等次须从0分起（最低的等次「{name}」从{lo}分起）").format(name=ordered[0][0], lo=fmt(ordered[0][1])))
    for (name, _lo, hi), (next_name, next_lo, _next_hi) in zip(ordered, ordered[1:]):
        if hi > next_lo:
            problems.append(_("等次「{a}」与「{b}」的分数范围重叠").format(a=name, b=next_name))
        elif hi < next_lo:
            problems.append(_("等次「{a}」与「{b}」之间有空档：{lo}–{hi}分不属于任何等次").format(
                a=name, b=next_name, lo=fmt(hi), hi=fmt(next_lo)))
    if ordered[-1][2] != TOTAL_POINTS:
        problems.append(_("考核等次须覆盖到100分（最高的等次「{name}」到{hi}分止）").format(name=ordered[-1][0], hi=fmt(ordered[-1][2])))
    return problems


def indicator_problems(*, max_points, method, metric="", activity_type=None, points_per=None, cap=None) -> dict:
    """{field: message} of what is wrong with one indicator's own values (None: the field is blank)."""
    problems = {}
    if max_points is None or max_points <= 0:
        problems["max_points"] = _("分值须大于0")
    elif max_points > TOTAL_POINTS:
        problems["max_points"] = _("分值不能超过{total}分").format(total=fmt(TOTAL_POINTS))
    if method == Method.AUTOMATIC:
        entry = catalogue.get(metric)
        if not metric:
            problems["metric"] = _("自动计分的指标须选择一项计分指标")
        elif entry is None:
            problems["metric"] = _("未知的自动计分指标：{key}").format(key=metric)
        else:
            if entry.needs_activity_type and activity_type is None:
                problems["activity_type"] = _("「{metric}」须选择活动类型").format(metric=entry.label)
            if entry.needs_points_per and not points_per:
                problems["points_per"] = _("「{metric}」须填写每件扣分").format(metric=entry.label)
    if method in (Method.DEDUCTION, Method.BONUS):
        if not points_per:
            problems["points_per"] = (_("负面清单须填写每项扣分") if method == Method.DEDUCTION
                                      else _("加分项须填写每项加分"))
    if points_per is not None and not 0 < points_per <= TOTAL_POINTS:
        problems["points_per"] = _("每项分值须大于0且不超过{total}分").format(total=fmt(TOTAL_POINTS))
    if cap is not None:
        if cap <= 0:
            problems["cap"] = _("最多扣（加）分须大于0")
        elif max_points is not None and max_points > 0 and cap > max_points:
            problems["cap"] = _("最多扣（加）分不能超过该指标的分值（{max}分）").format(max=fmt(max_points))
    return problems


def tree_problems(indicators) -> list[str]:
    """What keeps a tree of indicators (one system's, any order) from being published."""
    if not indicators:
        return [_("尚未设置考核指标")]
    children = {}
    for node in indicators:
        children.setdefault(node.parent_id, []).append(node)
    problems = []
    roots_total = sum((n.max_points for n in children.get(None, [])), Decimal(0))
    if roots_total != TOTAL_POINTS:
        problems.append(_("一级指标分值合计须为100分，当前为{total}分").format(total=fmt(roots_total)))
    for node in indicators:
        kids = children.get(node.pk, [])
        if kids:
            total = sum((k.max_points for k in kids), Decimal(0))
            if total != node.max_points:
                problems.append(_("「{name}」的下级指标分值合计为{total}分，应等于其分值{max}分").format(
                    name=node.name, total=fmt(total), max=fmt(node.max_points)))
            if node.method:
                problems.append(_("「{name}」有下级指标，由下级指标计分，不能再设置评分方式").format(name=node.name))
        elif not node.method:
            problems.append(_("末级指标「{name}」尚未设置评分方式").format(name=node.name))
        else:
            for message in indicator_problems(max_points=node.max_points, method=node.method, metric=node.metric,
                                              activity_type=node.activity_type_id, points_per=node.points_per,
                                              cap=node.cap).values():
                problems.append(_("「{name}」：{problem}").format(name=node.name, problem=message))
    return problems


def depth_of(parent) -> int:
    """The level a child of `parent` would be at (1 for a first-level indicator)."""
    depth = 1
    while parent is not None:
        depth += 1
        parent = parent.parent
    return depth
