"""The stages of an applicant (发展党员), written once:

    入党申请人 ──第3步──▶ 入党积极分子 ──第7步──▶ 发展对象 ──第17步──▶ 预备党员 ──第24步 按期转正──▶ 已转正 ──第25步──▶ 已归档
                                                                     │  ▲ 第24步 延长预备期
                                                                     │  └─┘
                                                                     └──第24步 取消预备党员资格──▶ 取消资格 ──第25步──▶ 已归档

The other steps keep the stage. The services take the stage's step through this table (refused with its reason);
the pages ask `applicant.state` and `applicant.may`.
"""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .admission_models import AdmissionStage as S

STATES = {
    S.APPLICANT: State(S.APPLICANT, "text-bg-light"),
    S.ACTIVIST: State(S.ACTIVIST, "text-bg-info"),
    S.TARGET: State(S.TARGET, "text-bg-primary"),
    S.PROBATIONARY: State(S.PROBATIONARY, "text-bg-warning"),
    S.FULL: State(S.FULL, "text-bg-success"),
    S.CANCELLED: State(S.CANCELLED, "text-bg-danger"),
    S.ARCHIVED: State(S.ARCHIVED, "text-bg-secondary"),
}

_OPEN = (S.APPLICANT, S.ACTIVIST, S.TARGET, S.PROBATIONARY)

STEPS = {
    # Step 25 (归档) follows 转正 or 取消资格: every stage but the archived one has a next step.
    "record": Step(_("办理下一步"), (*_OPEN, S.FULL, S.CANCELLED), None, _("该发展程序已结束")),
    "activist": Step(_("确定为入党积极分子"), (S.APPLICANT,), S.ACTIVIST, _("只有入党申请人可以确定为入党积极分子")),
    "target": Step(_("确定为发展对象"), (S.ACTIVIST,), S.TARGET, _("只有入党积极分子可以确定为发展对象")),
    "admit": Step(_("接收为预备党员"), (S.TARGET,), S.PROBATIONARY, _("只有发展对象可以接收为预备党员")),
    "convert": Step(_("按期转正"), (S.PROBATIONARY,), S.FULL, _("只有预备党员可以转正")),
    "extend": Step(_("延长预备期"), (S.PROBATIONARY,), S.PROBATIONARY, _("只有预备党员可以延长预备期")),
    "cancel": Step(_("取消预备党员资格"), (S.PROBATIONARY,), S.CANCELLED, _("只有预备党员可以取消资格")),
    "archive": Step(_("材料归档"), (S.FULL, S.CANCELLED), S.ARCHIVED, _("转正或取消资格后方可归档")),
}

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
