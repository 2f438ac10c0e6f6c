"""The lives of flowing members' records, written once (like transfer_states.py):

    流出 / 流入:  ──登记──▶ 流动中 ──结束（返回 / 离开）──▶ 已结束
    失联:         ──登记──▶ 失联中 ──恢复联系──▶ 已取得联系

Report-backs are taken only while a member is away; search efforts only while out of contact. Who takes a step is the
policy's (flow_scopes: MEMBER_MANAGE over the member's organization, or over the branch of an inflow)."""

from django.utils.translation import gettext_lazy as _

from apps.core.statemachine import Machine, State, Step

from .flow_models import FlowStatus, LostStatus

FLOW_STATES = {
    FlowStatus.OPEN: State(FlowStatus.OPEN, "text-bg-primary"),
    FlowStatus.ENDED: State(FlowStatus.ENDED, "text-bg-secondary"),
}

OUT_STEPS = {
    "end": Step(_("返回"), (FlowStatus.OPEN,), FlowStatus.ENDED, _("该流出记录已结束")),
    "report": Step(_("登记汇报"), (FlowStatus.OPEN,), None, _("已结束的流出记录不能再登记汇报")),
}

IN_STEPS = {
    "end": Step(_("离开"), (FlowStatus.OPEN,), FlowStatus.ENDED, _("该流入记录已结束")),
}

LOST_STATES = {
    LostStatus.OPEN: State(LostStatus.OPEN, "text-bg-danger"),
    LostStatus.FOUND: State(LostStatus.FOUND, "text-bg-success"),
}

LOST_STEPS = {
    "search": Step(_("登记查找"), (LostStatus.OPEN,), None, _("已取得联系，不能再登记查找")),
    "close": Step(_("恢复联系"), (LostStatus.OPEN,), LostStatus.FOUND, _("该党员已取得联系")),
}

out_state, out_allows, out_check, out_enter, out_available = Machine(FLOW_STATES, OUT_STEPS).functions()
in_state, in_allows, in_check, in_enter, in_available = Machine(FLOW_STATES, IN_STEPS).functions()
lost_state, lost_allows, lost_check, lost_enter, lost_available = Machine(LOST_STATES, LOST_STEPS).functions()
