"""The kept versions of a record: what a version holds, and what changed between it and the record now."""

from django.utils.translation import gettext as _

from apps.audit.services import snapshot

from .models import ActivityRecord, AttendanceStatus

# The fields compared between a kept version and the current record, in the order the page shows them.
COMPARED_FIELDS = ("held_on", "starts_at", "ends_at", "place", "topic", "host", "recorder", "lecturer", "content_items",
                   "minutes", "decisions", "summary", "is_vote", "expected_count", "present_count", "leave_count",
                   "absent_count")
LONG_FIELDS = {"content_items", "minutes", "decisions", "summary"}


def version_data(record) -> dict:
    """The state of a record kept as a version: its fields, its type's name and its attendance."""
    data = snapshot(record)
    data["activity_type_name"] = record.activity_type.name
    data["attendance"] = [
        {"member_id": member_id, "member": name, "status": status, "reason": reason}
        for member_id, name, status, reason in record.attendance.order_by("member__name_pinyin", "member_id")
        .values_list("member_id", "member__name", "status", "reason")
    ]
    return data


def display(name, value) -> str:
    """A stored value as the reader sees it: times to the minute, yes/no, nothing as "—"."""
    if value in (None, ""):
        return "—"
    if name in ("starts_at", "ends_at"):
        return str(value)[:5]
    if name == "is_vote":
        return _("是") if value else _("否")
    return str(value)


def _status_label(status) -> str:
    return dict(AttendanceStatus.choices).get(status, status or "—")


def _attendance_key(row):
    # Versions kept before member ids were stored name the member only.
    return ("id", row["member_id"]) if row.get("member_id") else ("name", row["member"])


def compare(kept: dict, current: dict) -> dict:
    """Field by field and member by member, what differs between a kept version and the current record."""
    fields = []
    for name in COMPARED_FIELDS:
        old, new = kept.get(name), current.get(name)
        if display(name, old) != display(name, new):
            fields.append({"name": name, "label": str(ActivityRecord._meta.get_field(name).verbose_name),
                           "old": display(name, old), "new": display(name, new), "long": name in LONG_FIELDS})
    by_id = {row["member_id"]: row for row in current.get("attendance", [])}
    by_name = {row["member"]: row for row in current.get("attendance", [])}
    seen, attendance = set(), []
    for row in kept.get("attendance", []):
        kind, key = _attendance_key(row)
        now = by_id.get(key) if kind == "id" else by_name.get(key)
        if now is None:
            attendance.append({"member": row["member"], "old": _status_label(row["status"]), "new": _("不在应到名单"),
                               "old_reason": row.get("reason", ""), "new_reason": ""})
            continue
        seen.add(now["member_id"])
        if (row["status"], row.get("reason", "")) != (now["status"], now.get("reason", "")):
            attendance.append({"member": now["member"], "old": _status_label(row["status"]), "new": _status_label(now["status"]),
                               "old_reason": row.get("reason", ""), "new_reason": now.get("reason", "")})
    for row in current.get("attendance", []):
        if row["member_id"] not in seen:
            attendance.append({"member": row["member"], "old": _("不在应到名单"), "new": _status_label(row["status"]),
                               "old_reason": "", "new_reason": row.get("reason", "")})
    for change in attendance:
        change["line"] = _("{member}：{old} → {new}").format(
            member=change["member"], old=_with_reason(change["old"], change["old_reason"]),
            new=_with_reason(change["new"], change["new_reason"]))
    return {"fields": fields, "attendance": attendance, "same": not fields and not attendance}


def _with_reason(status, reason):
    return _("{status}（{reason}）").format(status=status, reason=reason) if reason else status


def attendance_lines(data):
    """The kept version's attendance, one translatable line per member ("name: status (reason)")."""
    return [_("{member}：{status}").format(member=row["member"], status=_with_reason(_status_label(row["status"]),
                                                                                   row.get("reason", "")))
            for row in data.get("attendance", [])]
