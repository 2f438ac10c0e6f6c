"""The life of a poll, written once (like assessment's round_states.py):

    准备中 (draft: subjects, items, eligible list) ──开始述职──▶ 述职述学述廉 (三述一评 only: the three reports and the
    leader's comment) ──开始测评──▶ 测评中 (codes valid; nothing counted or shown) ──计票──▶ 已计票 (the queue tallied,
    turnout reconciled) ──公示──▶ 公示中 (public page, objections) ──归档──▶ 已归档

A two-way questionnaire or a survey opens from 准备中 directly. The services refuse a step through this table; the
pages ask `poll.may`.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .models import PollKind, PollStatus

S = PollStatus


class OpenStep(Step):
    """A 三述一评 opens its vote only after the reports (述职 → 领导点评 → 民主测评); the others from the draft."""

    def permits(self, poll) -> bool:
        if poll.kind == PollKind.SANSHU:
            return poll.status == S.REPORTING
        return poll.status == S.DRAFT


class ReportStep(Step):
    def permits(self, poll) -> bool:
        return poll.kind == PollKind.SANSHU and poll.status == S.DRAFT


STATES = {
    S.DRAFT: State(S.DRAFT, "text-bg-secondary"),
    S.REPORTING: State(S.REPORTING, "text-bg-info"),
    S.OPEN: State(S.OPEN, "text-bg-primary"),
    S.CLOSED: State(S.CLOSED, "text-bg-warning"),
    S.PUBLISHED: State(S.PUBLISHED, "text-bg-success"),
    S.ARCHIVED: State(S.ARCHIVED, "text-bg-dark"),
}

STEPS = {
    "edit": Step(_("修改"), (S.DRAFT,), None, _("测评开始后不能再修改对象、项目和名单")),
    "start_reports": ReportStep(_("开始述职"), (S.DRAFT,), S.REPORTING, _("只有准备中的三述一评可以开始述职")),
    "report": Step(_("提交述职报告"), (S.REPORTING,), None, _("只有述职阶段可以提交或修改述职述学述廉报告")),
    "open": OpenStep(_("开始测评"), (S.DRAFT, S.REPORTING), S.OPEN,
                     _("三述一评须先完成述职和领导点评；其他测评须在准备中")),
    "cast": Step(_("投票"), (S.OPEN,), None, _("测评未开始或已经结束")),
    "issue": Step(_("生成测评码"), (S.OPEN,), None, _("只有测评中的问卷可以生成测评码")),
    "close": Step(_("结束并计票"), (S.OPEN,), S.CLOSED, _("只有测评中的可以结束计票")),
    "publish": Step(_("公示"), (S.CLOSED,), S.PUBLISHED, _("只有已计票的结果可以公示")),
    "object": Step(_("提出异议"), (S.PUBLISHED,), None, _("只有公示期内可以提出异议")),
    "archive": Step(_("归档"), (S.CLOSED, S.PUBLISHED), S.ARCHIVED, _("只有已计票或公示中的结果可以归档")),
}

# The results (counts, scores, comments, turnout) exist and may be shown from these statuses on; never before.
COUNTED = (S.CLOSED, S.PUBLISHED, S.ARCHIVED)
# Listed on the public page (an archived result leaves it).
PUBLIC = (S.PUBLISHED,)

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
