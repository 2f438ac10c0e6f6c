"""Flowing members' events in a member's history (history.py): 流出 (where, since), each report-back, the return;
失联 (since when), each search effort, found again. Two sources, each two queries whatever the number of events;
places, contents and search results only where the viewer may read the record itself."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import history
from .flow_models import FlowOut, LostContact


@history.register_source
def flow_events(member, viewer):
    for flow in FlowOut.objects.filter(member_id=member.pk).select_related("member__organization").prefetch_related(
            "reports").order_by("since", "id"):
        may = viewer.may(flow)
        link = reverse("membership:flow_out", args=(flow.pk,)) if may else ""
        detail = _("去向：{place}").format(place=flow.place) if may else ""
        if may and (flow.host_name or flow.host_organization_id):
            host = flow.host_name or _("本平台党组织")
            detail = _("{d}；在{host}参加组织生活").format(d=detail, host=host)
        yield history.Event(flow.since, _("外出流动（流出）"), detail, link, kind="flow_out", seq=400)
        for report in flow.reports.all():
            yield history.Event(report.reported_on, _("流动党员向党组织汇报"),
                                report.get_way_display() if may else "", link, kind="flow_report", seq=401)
        if flow.ended_on:
            yield history.Event(flow.ended_on, _("结束流动，返回"), flow.end_note if may else "", link,
                                kind="flow_end", seq=402)


@history.register_source
def lost_contact_events(member, viewer):
    for case in LostContact.objects.filter(member_id=member.pk).select_related("member__organization").prefetch_related(
            "searches").order_by("lost_on", "id"):
        may = viewer.may(case)
        link = reverse("membership:flow_lost", args=(case.pk,)) if may else ""
        yield history.Event(case.lost_on, _("与党组织失去联系"), case.note if may else "", link, kind="lost", seq=500)
        for search in case.searches.all():
            detail = _("{method}：{result}").format(method=search.method, result=search.result) if may else ""
            yield history.Event(search.searched_on, _("查找失联党员"), detail, link, kind="lost_search", seq=501)
        if case.found_on:
            yield history.Event(case.found_on, _("恢复联系"), case.found_note if may else "", link, kind="lost_found",
                                seq=502)
