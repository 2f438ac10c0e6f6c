"""The sentences of a case's timeline, composed when shown, in the reader's language, from each event's kind and
data (names of units and cases as they were at the time)."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import deadlines
from .models import AssignmentRole, Channel, EventKind, Rating


def _when(value):
    try:
        return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return ""


def describe(event) -> str:
    data, unit = event.data or {}, event.unit.name if event.unit_id and event.unit else ""
    kind = event.kind
    if kind == EventKind.SUBMITTED:
        channel = data.get("channel")
        return _("来源：{channel}").format(channel=Channel(channel).label) if channel in Channel.values else ""
    if kind == EventKind.ACCEPTED and data.get("limit_hours"):
        return _("办理时限：{limit}").format(limit=deadlines.describe(timedelta(hours=data["limit_hours"])))
    if kind == EventKind.DISPATCHED and data.get("lead"):
        if data.get("assisting"):
            return _("转交{lead}牵头办理，{assisting}协办").format(
                lead=data["lead"], assisting=pgettext("list separator", "、").join(data["assisting"]))
        return _("转交{lead}办理").format(lead=data["lead"])
    if kind == EventKind.SIGNED:
        if data.get("role") == AssignmentRole.ASSIST:
            return _("{unit}（协办）已签收").format(unit=unit)
        return _("{unit}已签收，正在办理").format(unit=unit)
    if kind == EventKind.EXTENSION_REQUESTED:
        return _("申请延至 {until}").format(until=_when(data.get("until")))
    if kind == EventKind.EXTENSION_APPROVED:
        return _("经批准，办理时限延长至 {until}").format(until=_when(data.get("until")))
    if kind == EventKind.RATED and data.get("rating") in Rating.values:
        solved = _("问题已解决") if data.get("solved") else _("问题未解决")
        return _("{rating}，{solved}").format(rating=Rating(data["rating"]).label, solved=solved)
    if kind == EventKind.MERGED:
        if data.get("master"):
            return _("与反映同一问题的诉求 {number} 合并办理，办理结果以该诉求为准").format(number=data["master"])
        if data.get("merged"):
            return _("合并了诉求 {number}").format(number=data["merged"])
    if kind == EventKind.ARCHIVED and data.get("unrated"):
        return _("回访未果，归档")
    return ""
