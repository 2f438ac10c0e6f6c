"""The per-member attendance dates (MemberAttendanceMark) behind the follow-up list, kept by the record services.

Like the Fulfilment counters, they are written inside the transaction that changes what they summarize: a
record submitted or returned, a submitted record's date or attendance changed. Drafts do not count, so creating,
deleting a draft and checking in by QR code (drafts only) change nothing here. Each write recomputes the
affected members' two dates from their attendance rows (an index range per member on (member, counts, held_on)),
under a row lock on their marks, so two records submitted at once for the same member cannot overwrite each
other's date with a stale one. `manage.py last_attended --check / --rebuild` compares with / rebuilds from the
attendance rows.
"""

from django.db import connection
from django.db.models import Max, Min, Q

from .models import Attendance, AttendanceStatus, MemberAttendanceMark

CHUNK = 900  # members per statement (SQLite's bound-parameter limit)


def _computed(member_ids=None):
    """{member_id: (first_counted_on, last_attended_on)} from the attendance rows of submitted records."""
    rows = Attendance.objects.filter(counts=True)
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    rows = (rows.order_by().values("member_id")
            .annotate(first=Min("held_on"), last=Max("held_on", filter=Q(status=AttendanceStatus.PRESENT))))
    return {r["member_id"]: (r["first"], r["last"]) for r in rows}


def refresh(member_ids):
    """Recompute the marks of these members; call inside the write's transaction, after its attendance writes."""
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        # A row for each first, so that there is one to lock (an insert racing ours waits for it to commit).
        MemberAttendanceMark.objects.bulk_create([MemberAttendanceMark(member_id=i) for i in chunk],
                                                 ignore_conflicts=True)
        # Locked in key order: two records with overlapping rosters queue here instead of deadlocking, and the
        # second recomputes after the first committed, seeing its rows.
        list(MemberAttendanceMark.objects.select_for_update().filter(member_id__in=chunk)
             .order_by("member_id").values_list("pk", flat=True))
        found = _computed(chunk)
        MemberAttendanceMark.objects.bulk_create(
            [MemberAttendanceMark(member_id=i, first_counted_on=found.get(i, (None, None))[0],
                                  last_attended_on=found.get(i, (None, None))[1]) for i in chunk],
            update_conflicts=True, unique_fields=["member"], update_fields=["first_counted_on", "last_attended_on"])


def record_members(record):
    return list(Attendance.objects.filter(record_id=record.pk).values_list("member_id", flat=True))


FILL_SQL = """
INSERT INTO {mark} (member_id, first_counted_on, last_attended_on)
SELECT member_id, MIN(held_on), MAX(CASE WHEN status = %s THEN held_on END)
FROM {attendance} WHERE counts = %s GROUP BY member_id
"""


def rebuild() -> int:
    """Every mark anew from the attendance rows: one INSERT … SELECT … GROUP BY (the data migration's too)."""
    MemberAttendanceMark.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(FILL_SQL.format(mark=MemberAttendanceMark._meta.db_table, attendance=Attendance._meta.db_table),
                       [AttendanceStatus.PRESENT.value, True])
        return cursor.rowcount


def _computed_range(low, high):
    rows = (Attendance.objects.filter(counts=True, member_id__gte=low, member_id__lt=high).order_by().values("member_id")
            .annotate(first=Min("held_on"), last=Max("held_on", filter=Q(status=AttendanceStatus.PRESENT))))
    return {r["member_id"]: (r["first"], r["last"]) for r in rows}


def mismatches(limit=None, step=50000):
    """{member_id: (stored, computed)} where the stored dates differ from the attendance rows (an empty row equals
    no row); compared over ranges of member ids, so a province's two million members never sit in memory at once."""
    empty = (None, None)
    top = max(MemberAttendanceMark.objects.aggregate(n=Max("member_id"))["n"] or 0,
              Attendance.objects.aggregate(n=Max("member_id"))["n"] or 0)
    wrong = {}
    for low in range(0, top + 1, step):
        stored = {m: (f, last) for m, f, last in MemberAttendanceMark.objects.filter(
            member_id__gte=low, member_id__lt=low + step).values_list("member_id", "first_counted_on", "last_attended_on")}
        computed = _computed_range(low, low + step)
        for key in sorted(stored.keys() | computed.keys()):
            if stored.get(key, empty) != computed.get(key, empty):
                wrong[key] = (stored.get(key, empty), computed.get(key, empty))
                if limit and len(wrong) >= limit:
                    return wrong
    return wrong
