"""Twelve months of organizational life for the demo district, with realistic gaps: most branches keep
their meetings, some miss months, some records are entered late, a few are returned, a few members
stop coming. Written with bulk inserts (attendance as plain rows), then the fulfilment counters are
rebuilt from the records."""

from datetime import datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from apps.core.dates import add_months
from apps.records import plan_counts, rollups
from apps.records.defaults import ensure_default_types
from apps.records.models import (
    ActivityPlan,
    ActivityRecord,
    ActivityType,
    Attendance,
    MonthlyStar,
    PlanStatus,
    RecordStatus,
)
from apps.records.services import rebuild_fulfilment, rebuild_last_attended

CURRENT = ("normal", "flowing", "lost_contact")
PLACES = ["党员活动室", "村委会会议室", "社区党群服务中心", "单位会议室", "新时代文明实践站", "红色教育基地"]
TOPICS = {
    "theme_day": ["学习贯彻党的二十届四中全会精神", "重温入党誓词，牢记初心使命", "“我为群众办实事”志愿服务",
                  "廉洁文化进支部", "走访慰问困难党员和群众", "乡村振兴政策宣讲", "安全生产大排查",
                  "环境卫生整治行动", "学习新修订的纪律处分条例", "红色教育基地参观学习"],
    "party_congress": ["讨论发展党员和预备党员转正", "审议支部年度工作计划", "通报上半年工作，部署下半年任务",
                       "民主推荐“两优一先”", "讨论村级重大事项（四议两公开）"],
    "committee_meeting": ["研究本月组织生活安排", "研究发展党员工作", "研究困难党员帮扶", "研究党费收缴情况",
                          "研究群众反映问题的办理"],
    "group_meeting": ["学习上级文件精神", "交流学习心得", "讨论网格内群众诉求", "开展批评与自我批评"],
    "party_lecture": ["践行全过程人民民主", "新时代基层党建的使命担当", "党史中的作风建设", "党员的权利和义务",
                      "以高质量党建引领基层治理"],
    "life_meeting": ["年度组织生活会：对照检查，开展批评和自我批评"],
    "member_evaluation": ["年度民主评议党员"],
}
ITEMS = ["重温入党誓词", "集中学习", "交纳党费", "志愿服务", "开展谈心谈话", "观看教育片", "为党员过“政治生日”", "走访群众"]
LEAVE_REASONS = ["外出务工", "因病请假", "公务出差", "家中有事", "值班"]


def write_records(orgs, members_by_org, posts_by_org, rng, today, log, *, months=12, skip_theme_day_of=None):
    ensure_default_types()  # a flushed test database has lost the data migration's rows
    types = {t.code: t for t in ActivityType.objects.all()}
    groups_members = {}
    for members in members_by_org.values():
        for m in members:
            if m.party_group_id:
                groups_members.setdefault(m.party_group_id, []).append(m)
    full_counts = {pk: sum(1 for m in ms if m.category == "full" and m.status in CURRENT) for pk, ms in members_by_org.items()}
    # A member's habit: most come nearly always, a few have stopped coming (the follow-up list).
    habit = {}
    first_month = add_months(today.replace(day=1), -(months - 1))
    records, attendance_plan, plans = [], [], []
    creator = None
    for org in orgs:
        if org.kind == "group":
            roster_all = groups_members.get(org.pk, [])
        elif org.kind in ("branch", "joint_branch", "temporary_branch"):
            roster_all = members_by_org.get(org.pk, [])
        else:
            continue
        roster_all = [m for m in roster_all if m.status in CURRENT]
        if not roster_all:
            continue
        diligence = rng.choice([0.97, 0.95, 0.92, 0.9, 0.85, 0.75]) if rng.random() > 0.07 else rng.uniform(0.3, 0.55)
        late_habit = 0.04 if rng.random() > 0.15 else 0.35
        secretary = posts_by_org.get(org.pk, {}).get("secretary")
        host = secretary.name if secretary else roster_all[0].name
        committee = [m for m in posts_by_org.get(org.pk, {}).get("committee", []) if m.status in CURRENT]
        schedule = []
        for k in range(months):
            month = add_months(first_month, k)
            if org.kind == "group":
                schedule.append(("group_meeting", month.replace(day=rng.randint(12, 25))))
                continue
            schedule.append(("theme_day", month.replace(day=rng.choice([10, 10, 10, 9, 11]))))
            if full_counts.get(org.pk, 0) >= 7 and committee:
                schedule.append(("committee_meeting", month.replace(day=rng.randint(3, 8))))
            if month.month in (1, 4, 7, 10):
                schedule.append(("party_congress", add_months(month, rng.randint(0, 2)).replace(day=rng.randint(12, 26))))
                schedule.append(("party_lecture", add_months(month, rng.randint(0, 2)).replace(day=rng.randint(15, 27))))
            if month.month == 1:
                schedule.append(("life_meeting", month.replace(day=rng.randint(15, 28))))
                schedule.append(("member_evaluation", month.replace(day=rng.randint(15, 28))))
        for code, held_on in schedule:
            t = types[code]
            upcoming = held_on > today - timedelta(days=1)
            skip_own = code == "theme_day" and org.pk == skip_theme_day_of and held_on.month == today.month and held_on.year == today.year
            if upcoming or skip_own:
                if held_on <= add_months(today, 1):
                    plans.append(ActivityPlan(organization=org, activity_type=t, planned_on=max(held_on, today),
                                              starts_at=time(9, 0), place=rng.choice(PLACES),
                                              topic=rng.choice(TOPICS[code]), status=PlanStatus.PLANNED))
                continue
            if rng.random() > diligence:
                continue  # not held: a gap the compliance watch shows
            roster = committee if code == "committee_meeting" else roster_all
            roster = [m for m in roster if m.joined_on <= held_on]
            if not roster:
                continue
            delay = rng.randint(8, 40) if rng.random() < late_habit else rng.randint(0, 5)
            entered = held_on + timedelta(days=delay)
            status = RecordStatus.SUBMITTED
            if entered > today:
                status, entered = RecordStatus.DRAFT, None
            elif rng.random() < 0.01:
                status = RecordStatus.RETURNED
            start = time(rng.choice([8, 9, 14, 15]), rng.choice([0, 30]))
            topic = rng.choice(TOPICS[code])
            items = "\n".join(rng.sample(ITEMS, 3)) if t.has_content_items else ""
            record = ActivityRecord(
                organization=org, activity_type=t, held_on=held_on, starts_at=start,
                ends_at=time(start.hour + 2, start.minute), place=rng.choice(PLACES), topic=topic, host=host,
                recorder=roster[-1].name, lecturer=host if t.needs_lecturer else "", content_items=items,
                minutes=f"{host}主持会议。{topic}。与会党员结合实际交流发言，会议明确了下一步工作。",
                decisions="按计划推进相关工作。" if code in ("party_congress", "committee_meeting") else "",
                summary=f"{org.name}开展{t.name}：{topic}。" if code == "theme_day" else "",
                is_vote=code == "party_congress" and rng.random() < 0.5, status=status, created_by=creator,
            )
            if entered:
                at = timezone.make_aware(datetime.combine(entered, time(17, 0)))
                record.first_submitted_at = record.submitted_at = at
                overdue = delay - 7
                record.is_late, record.late_days = overdue > 0, max(0, overdue)
                if status == RecordStatus.RETURNED:
                    record.returned_reason = "会议记录过于简单，请补充讨论情况和决定事项"
                    record.returned_at = at + timedelta(days=2)
            attendance_plan.append(_attend(record, roster, habit, rng))
            records.append(record)
    log(f"  组织生活纪实 {len(records)} 份，计划 {len(plans)} 项")
    ActivityPlan.objects.bulk_create(plans, batch_size=2000)
    for start in range(0, len(records), 5000):
        ActivityRecord.objects.bulk_create(records[start:start + 5000], batch_size=1000)
        log(f"  写入纪实 {min(start + 5000, len(records))}/{len(records)}")
    _write_attendance(records, attendance_plan, habit, rng, log)
    rebuild_fulfilment()
    rebuild_last_attended()
    rollups.rebuild()  # the monthly subtree roll-ups (written in bulk past the services)
    plan_counts.rebuild()  # the calendar's per-day plan counts (likewise)
    log("  完成情况已统计")
    _write_stars(records, today, rng)


def _attend(record, roster, habit, rng):
    """Who came, on leave or absent (by each member's habit); the figures go on the record."""
    rows = []
    present = leave = voting = voting_present = 0
    for m in roster:
        h = habit.get(m.pk)
        if h is None:
            h = habit[m.pk] = (0.0 if m.status == "lost_contact" or rng.random() < 0.03
                               else 0.35 if m.status == "flowing" else rng.choice([0.97, 0.93, 0.9, 0.85]))
        r = rng.random()
        status = "present" if r < h else "leave" if r < h + (1 - h) * 0.6 else "absent"
        is_voting = m.category == "full"
        present += status == "present"
        leave += status == "leave"
        voting += is_voting
        voting_present += is_voting and status == "present"
        rows.append((m.pk, status, rng.choice(LEAVE_REASONS) if status == "leave" else "", is_voting))
    record.expected_count, record.present_count, record.leave_count = len(roster), present, leave
    record.absent_count = len(roster) - present - leave
    record.voting_entitled, record.voting_present = voting, voting_present
    record.quorum_met = voting_present * 2 > voting if record.is_vote else None
    return rows


def _write_attendance(records, rosters, habit, rng, log):
    """Plain INSERTs, one row per expected attendee: a district's year is over a million rows."""
    table = Attendance._meta.db_table
    sql = (f"INSERT INTO {table} (record_id, member_id, status, reason, is_voting, checked_in_at, held_on, counts) "
           "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
    rows, written, total = [], 0, sum(len(r) for r in rosters)
    with connection.cursor() as cursor:
        for record, roster in zip(records, rosters):
            submitted = record.status == RecordStatus.SUBMITTED
            for member_id, status, reason, is_voting in roster:
                rows.append((record.pk, member_id, status, reason, is_voting, None, record.held_on, submitted))
            if len(rows) >= 50000:
                cursor.executemany(sql, rows)
                written += len(rows)
                rows.clear()
                log(f"  写入出勤 {written}/{total}（{written * 100 // max(total, 1)}%）")
        if rows:
            cursor.executemany(sql, rows)
            written += len(rows)
    log(f"  写入出勤 {written}/{total}（100%）")


def _write_stars(records, today, rng):
    """Ten stars a month, picked by the district from the well-attended 主题党日 of earlier months."""
    from apps.orgs.models import Organization

    root = Organization.objects.filter(depth=1).order_by("path").first()
    by_month = {}
    for r in records:
        if r.activity_type.code == "theme_day" and r.status == RecordStatus.SUBMITTED and r.expected_count >= 8 \
                and r.present_count * 10 >= r.expected_count * 9 and r.held_on < today.replace(day=1):
            by_month.setdefault(r.held_on.replace(day=1), []).append(r)
    stars = []
    for month, candidates in sorted(by_month.items())[-6:]:
        for r in rng.sample(candidates, min(10, len(candidates))):
            stars.append(MonthlyStar(month=month, record=r, chosen_by_org=root, citation="形式新颖，党员参与度高，群众反响好"))
    MonthlyStar.objects.bulk_create(stars)

