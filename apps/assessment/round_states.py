"""The life of an assessment round, written once (like states.py for systems):

    草稿 (draft) ──开始评分──▶ 评分中 (open) ──结束──▶ 已结束 (closed) ──发布结果──▶ (result_states.py)

A draft's organizations are fixed but nobody scores yet; an open round is scored between opens_at and closes_at
(manual and item scores by the assessors, automatic scores by the scoring job, re-run at will); closing freezes it:
every score, the automatic ones' inputs included, stays as it was, whatever the records or cases do afterwards.
The services refuse a step through this table; the pages ask `round.may`.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .round_models import RoundStatus

STATES = {
    RoundStatus.DRAFT: State(RoundStatus.DRAFT, "text-bg-secondary"),
    RoundStatus.OPEN: State(RoundStatus.OPEN, "text-bg-primary"),
    RoundStatus.CLOSED: State(RoundStatus.CLOSED, "text-bg-light border"),
}

STEPS = {
    "open": Step(_("开始评分"), (RoundStatus.DRAFT,), RoundStatus.OPEN, _("只有草稿状态的轮次可以开始评分")),
    # Scoring by hand, adding items, running the automatic scoring: only while open (and within the window, `check_window`).
    "score": Step(_("评分"), (RoundStatus.OPEN,), None, _("该轮次不在评分中：草稿须先开始评分，已结束的轮次不能再评分")),
    "close": Step(_("结束评分"), (RoundStatus.OPEN,), RoundStatus.CLOSED, _("只有评分中的轮次可以结束")),
    "delete": Step(_("删除"), (RoundStatus.DRAFT,), None, _("只有草稿状态的轮次可以删除")),
    # Results go public only once frozen (result_services.publication_create).
    "publish": Step(_("发布结果"), (RoundStatus.CLOSED,), None, _("只有已结束的轮次可以发布结果：评分中的得分还会变化")),
    # The cadres' pay sheet (pay_services.sheet_generate): only from frozen scores.
    "pay": Step(_("生成绩效报酬表"), (RoundStatus.CLOSED,), None,
                _("只有已结束的轮次可以生成报酬表：评分中或草稿轮次的得分还会变化")),
}


state, allows, check, enter, available = Machine(STATES, STEPS).functions()


def check_window(rnd, now=None):
    """Scoring is refused before opens_at and after closes_at, with the reason."""
    now = now or timezone.now()
    fmt = "%Y-%m-%d %H:%M"
    if now < rnd.opens_at:
        raise ValidationError(_g("评分尚未开始：{at} 起方可评分").format(at=timezone.localtime(rnd.opens_at).strftime(fmt)))
    if now >= rnd.closes_at:
        raise ValidationError(_g("评分已截止（截止时间 {at}），不能再评分").format(at=timezone.localtime(rnd.closes_at).strftime(fmt)))


def check_scoring(rnd, now=None):
    check(rnd, "score")
    check_window(rnd, now)


def check_automatic(rnd, now=None):
    """The automatic scoring job: while open, from opens_at on, and after closes_at too — it reads the platform's
    data for the period, it is no late human score (those stay refused by check_window)."""
    check(rnd, "score")
    now = now or timezone.now()
    if now < rnd.opens_at:
        check_window(rnd, now)
