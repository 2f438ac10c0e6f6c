"""The demo district's flowing members (流动党员): a 流出 record for every member the generator made 流动 (with the
place and contact it gave), most with a report-back within the year and a tail overdue (never reported, or the last
report more than a year ago); members from elsewhere attached to the flowing-member branches (流入, ID numbers and
phones encrypted and masked as the services write them); a 失联 case for every member the generator made 失联, with
one to three search efforts. Written in bulk, row for row what apps.membership.flow_services writes."""

from datetime import timedelta

from apps.accounts.models import User
from apps.core.crypto import keyed_hash
from apps.core.dates import add_months
from apps.core.idcard import make_id_number, mask_id_number
from apps.core.text import mask_phone
from apps.members.models import MemberStatus
from apps.membership.flow_models import ContactSearch, FlowIn, FlowOut, FlowReport, LostContact, ReportWay

HOMES = ["湖南省邵阳市某村党支部", "四川省南充市某社区党支部", "河南省周口市某村党支部", "贵州省毕节市某村党支部",
         "安徽省阜阳市某村党支部", "江西省赣州市某社区党支部"]
CONTENTS = ["在外务工情况良好，按时参加所在园区党组织活动", "已在流入地党组织参加主题党日", "工作稳定，线上学习并交纳党费"]
SEARCHES = [("电话联系", "电话停机"), ("走访家属", "家属称在外地，未留新联系方式"), ("函询原工作单位", "单位称已离职"),
            ("委托流入地党组织查找", "暂无结果")]


def write_flows(orgs, members_by_org, rng, today, log):
    clerk = User.objects.filter(username="district_admin").first()
    members = [m for ms in members_by_org.values() for m in ms]
    flowing = [m for m in members if m.status == MemberStatus.FLOWING]
    lost = [m for m in members if m.status == MemberStatus.LOST_CONTACT]

    flows, reports = [], []
    for i, m in enumerate(flowing):
        since = max(m.joined_on, today - timedelta(days=rng.randrange(60, 1200)))
        flow = FlowOut(member_id=m.pk, place=m.flow_place or "外地", contact=m.flow_contact, since=since,
                       host_name=f"{m.flow_place or '外地'}某园区党组织" if i % 3 else "", opened_by=clerk)
        roll = rng.random()
        if roll < 0.7 and since < today - timedelta(days=30):  # reported within the year
            flow.last_report_on = today - timedelta(days=rng.randrange(1, min(330, (today - since).days)))
        elif roll < 0.85 and since < add_months(today, -14):  # reported, but more than a year ago: overdue
            flow.last_report_on = since + timedelta(days=rng.randrange(10, 40))
        flows.append(flow)
    FlowOut.objects.bulk_create(flows, batch_size=2000)
    for flow in flows:
        if flow.last_report_on:
            reports.append(FlowReport(flow_id=flow.pk, reported_on=flow.last_report_on, way=rng.choice(ReportWay.values),
                                      content=rng.choice(CONTENTS), recorded_by=clerk))
    FlowReport.objects.bulk_create(reports, batch_size=2000)

    cases, searches = [], []
    for m in lost:
        cases.append(LostContact(member_id=m.pk, lost_on=max(m.joined_on, today - timedelta(days=rng.randrange(90, 800))),
                                 status_before=MemberStatus.NORMAL, note="多次联系未果", opened_by=clerk))
    LostContact.objects.bulk_create(cases, batch_size=2000)
    for case in cases:
        for k in range(rng.randrange(1, 4)):
            method, result = SEARCHES[(case.pk + k) % len(SEARCHES)]
            searches.append(ContactSearch(case_id=case.pk, searched_on=min(today, case.lost_on + timedelta(days=20 * (k + 1))),
                                          method=method, searcher="支部委员", result=result, recorded_by=clerk))
    ContactSearch.objects.bulk_create(searches, batch_size=2000)

    inflows, seq = [], 0
    for org in (o for o in orgs if o.is_flowing and o.kind == "branch"):
        for _ in range(rng.randrange(3, 6)):
            seq += 1
            birth = today.replace(year=today.year - rng.randrange(25, 55), day=1) - timedelta(days=rng.randrange(0, 300))
            id_number = make_id_number("522401", birth, seq % 1000)
            phone = f"139{rng.randrange(10_000_000, 99_999_999)}"
            since = today - timedelta(days=rng.randrange(30, 700))
            inflows.append(FlowIn(organization=org, name=f"流入党员{seq}", id_number=id_number, id_hash=keyed_hash(id_number),
                                  id_masked=mask_id_number(id_number), phone=phone, phone_masked=mask_phone(phone),
                                  home_organization=rng.choice(HOMES), since=since, until=since + timedelta(days=730),
                                  card_number=f"流{since.year}-{seq:04d}" if seq % 2 else "", registered_by=clerk))
    FlowIn.objects.bulk_create(inflows, batch_size=2000)
    log(f"  流动党员：流出 {len(flows)}（汇报 {len(reports)}），流入 {len(inflows)}，失联 {len(cases)}（查找 {len(searches)}）")
    return {"out": len(flows), "reports": len(reports), "in": len(inflows), "lost": len(cases)}
