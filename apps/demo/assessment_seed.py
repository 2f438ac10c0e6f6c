"""The demo district's assessment (考核评价): the district's assessment groups (村, 社区, 机关和事业单位, 非公企业和社会组织,
学校), for each last year's indicator system and this year's, copied from it (复制为下一年度), both in use — the seeds'
district scores a year by a quarterly and a yearly round (weights 40 / 60) over a tree of about a dozen indicators,
most of them computed from the record (and from the year's 民主测评 and 群众满意度测评: `apps.demo.ballot_seed`).

For the groups that serve residents (村, 社区): last quarter's round, closed — its automatic scores computed by the
scoring job (run here, synchronously), its manual scores given by the demo township's assessor (town_admin) through
the services with a generated evidence file and a few deductions and bonuses, the other townships' written at once
(the seed runs on every fresh `make run`: hundreds of organizations score in one statement) — and the current
quarter's round, open (nothing scored yet: 自动计分 is the first thing to try on it).

Written through the assessment services, so every rule is checked as it would be for the district's own, and the
audit trail shows the seeding. `write_assessment` returns the rounds for the other demo modules."""

import zlib
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from apps.access import policy
from apps.accounts.models import User
from apps.assessment import round_services, selectors, services
from apps.assessment.models import Method, RoundEntry, Score
from apps.audit.services import Action, audit_record
from apps.core.bulk import update_rows
from apps.records.models import ActivityType

# (name, domains): the groups the seeds' district assesses separately.
GROUPS = (
    ("村", ["village"]),
    ("社区", ["community"]),
    ("机关和事业单位", ["organ", "institution"]),
    ("非公企业和社会组织", ["private_enterprise", "social_org"]),
    ("学校", ["school"]),
)
# The groups whose organizations serve residents directly: their 服务群众 is scored from the citizen requests.
SERVING = {"村", "社区"}
WEIGHTS = {"weight_month": Decimal(0), "weight_quarter": Decimal(40), "weight_half": Decimal(0),
           "weight_year": Decimal(60)}


def _auto(name, points, metric, standard, **extra):
    return {"name": name, "max_points": Decimal(points), "method": Method.AUTOMATIC, "metric": metric,
            "standard": standard, **extra}


def _manual(name, points, standard):
    return {"name": name, "max_points": Decimal(points), "method": Method.MANUAL, "standard": standard}


def _tree(group_name, theme_day):
    """[(first-level indicator, [its leaves])]: 100 points in four parts."""
    life = ({"name": "组织生活", "max_points": Decimal(35), "standard": "按规定开展“三会一课”、主题党日等组织生活并如实纪实"}, [
        _auto("组织生活完成率", 10, "records.completion", "应开展的组织生活全部按期开展得满分，按完成率计分"),
        _auto("主题党日按期开展", 10, "records.type_completion", "每月10日前后开展主题党日，按完成率计分",
              activity_type=theme_day),
        _auto("党员参会率", 5, "records.attendance", "已提交纪实的实到人次占应到人次的比例"),
        _auto("纪实按时录入", 5, "records.late_records", "活动结束后超过规定期限录入的纪实每件扣0.5分，扣完为止",
              points_per=Decimal("0.5")),
        _auto("双向考核", 5, "ballots.two_way", "党员对党组织委员会的双向考核测评得分（含组织生活质量等项目）折算，按本年度测评计分"),
    ])
    if group_name in SERVING:
        serving = ({"name": "服务群众", "max_points": Decimal(30), "standard": "群众诉求按时响应、解决到位、群众满意"}, [
            _auto("群工三率综合得分", 15, "cases.score", "响应率、解决率、满意率加权得分折算"),
            _auto("群众满意度测评", 5, "ballots.survey",
                  "群众满意度测评中满意和基本满意的比例折算，按本年度测评计分；答卷少于5份的按无数据处理"),
            _auto("超期诉求", 10, "cases.overdue", "超过办理时限的诉求每件扣1分，扣完为止", points_per=Decimal(1)),
        ])
    else:
        serving = ({"name": "服务中心工作和群众", "max_points": Decimal(30), "standard": "围绕中心工作发挥作用，联系服务群众"}, [
            _manual("服务中心工作", 15, "党组织围绕本单位中心工作开展活动、发挥作用的情况，由考核组评分"),
            _manual("联系服务群众", 15, "党员联系服务群众、参加志愿服务的情况，由考核组评分"),
        ])
    team = ({"name": "班子建设与党员管理", "max_points": Decimal(25), "standard": "班子健全、按期换届，党员教育管理规范"}, [
        _manual("班子建设", 10, "支部委员会健全、按期换届、书记履职情况，查阅资料并访谈评分"),
        _manual("党员教育管理", 5, "党员学习教育、党费收缴、流动党员管理情况"),
        _auto("书记三述一评", 5, "ballots.sanshu", "书记（班子成员）三述一评民主测评得分折算，按本年度测评计分"),
        _manual("发展党员工作", 5, "发展党员程序规范、材料齐全"),
    ])
    lists = ({"name": "负面清单与示范创建", "max_points": Decimal(10), "standard": "违反负面清单扣分，示范创建加分"}, [
        {"name": "负面清单", "max_points": Decimal(5), "method": Method.DEDUCTION, "points_per": Decimal(2),
         "cap": Decimal(5), "standard": "每查实一项负面清单行为扣2分，最多扣5分", "item_feed": "duties.violations"},
        {"name": "示范创建加分", "max_points": Decimal(5), "method": Method.BONUS, "points_per": Decimal(1),
         "cap": Decimal(5), "standard": "获评示范党支部、党员先锋岗等每项加1分，最多加5分"},
    ])
    return [life, serving, team, lists]


def write_assessment(district, today, log):
    """The groups, last year's and this year's systems, and for 村 and 社区 a closed round of last quarter and an open
    one of this quarter: {"systems": {(group name, year): system}, "closed_rounds": [...], "open_rounds": [...]}."""
    theme_day = ActivityType.objects.get(code="theme_day")
    year = today.year - 1
    systems = {}
    for order, (name, domains) in enumerate(GROUPS, start=1):
        group = services.group_create(actor=None, organization=district, data={
            "name": name, "domains": domains, "kinds": [], "sort_order": order * 10,
            "note": "按所属领域确定考核对象"})
        system = services.system_create(actor=None, group=group, data={
            "year": year, "name": f"{year}年度{name}党组织考核指标体系", **WEIGHTS,
            "note": "季度考核占40%，年度考核占60%；组织生活与服务群众的得分由平台纪实和群工数据自动计算"})
        for parent_values, leaves in _tree(name, theme_day):
            parent = services.indicator_create(actor=None, system=system, data=parent_values)
            for leaf in leaves:
                services.indicator_create(actor=None, system=system, data=leaf, parent=parent)
        systems[(name, year)] = services.system_publish(actor=None, system=system)
        # This year's: last year's copied (复制为下一年度) and published; last year's stays in use for its own year.
        copy = services.system_copy(actor=None, system=system, year=today.year)
        copy = services.system_update(actor=None, system=copy, data={"name": f"{today.year}年度{name}党组织考核指标体系"})
        systems[(name, today.year)] = services.system_publish(actor=None, system=copy)
    log(f"  考核评价：{len(GROUPS)} 个考核类别，{year}年度和{today.year}年度指标体系各 {len(GROUPS)} 套（使用中）")
    closed, opened = write_rounds(systems, today)
    log(f"  考核轮次：上季度已结束 {len(closed)} 轮（已计分），本季度评分中 {len(opened)} 轮")
    return {"systems": systems, "closed_rounds": closed, "open_rounds": opened}


def _quarter(day):
    """(year, quarter number) of a date."""
    return day.year, (day.month - 1) // 3 + 1


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def write_rounds(systems, today):
    """([closed rounds of last quarter], [open rounds of this quarter]) of the groups serving residents."""
    district_admin = User.objects.get(username="district_admin")
    town_admin = User.objects.get(username="town_admin")
    year, number = _quarter(today)
    last_year, last_number = (year, number - 1) if number > 1 else (year - 1, 4)
    closed, opened = [], []
    for name in sorted(SERVING):
        system = systems[(name, last_year)]
        if not selectors.members(system.group).exists():
            continue  # the small scale has no community
        key, start, end = round_services.period_bounds("quarter", last_year, last_number)
        # Scored in the fortnight after the quarter (the seeds' district's rule), then closed.
        rnd = round_services.round_create(actor=district_admin, system=system, data={
            "period_kind": "quarter", "number": last_number, "name": f"{key} {name}党组织季度考核",
            "opens_at": _at(end + timedelta(days=1), 8), "closes_at": _at(end + timedelta(days=15), 18)})
        rnd = round_services.round_open(actor=district_admin, round=rnd)
        scoring_now = _at(end + timedelta(days=3), 10)
        job = round_services.scoring_run(actor=district_admin, round=rnd, now=scoring_now)
        if job.status != job.Status.SUCCEEDED:
            raise RuntimeError(f"demo scoring job {job.status}: {job.result}")
        _score_by_hand(rnd, town_admin, district_admin, scoring_now + timedelta(days=2))
        closed.append(round_services.round_close(actor=district_admin, round=rnd))

        system = systems[(name, year)]
        key, start, end = round_services.period_bounds("quarter", year, number)
        rnd = round_services.round_create(actor=district_admin, system=system, data={
            "period_kind": "quarter", "number": number, "name": f"{key} {name}党组织季度考核",
            "opens_at": _at(start, 8), "closes_at": _at(end + timedelta(days=15), 18)})
        opened.append(round_services.round_open(actor=district_admin, round=rnd))
    return closed, opened


# Manual points as a share of the indicator's points, in turn (most organizations do well, a few less so).
SHARES = (Decimal("1"), Decimal("0.9"), Decimal("0.8"), Decimal("0.9"), Decimal("0.7"), Decimal("1"), Decimal("0.6"))
DEDUCTIONS = ("“三会一课”记录与实际不符", "党费未按时收缴")
BONUSES = ("获评区级示范党支部", "党员先锋岗获区级表彰")
BY_SERVICES = 8  # the demo township's first organizations, scored one by one through the services


def _score_by_hand(rnd, town_admin, district_admin, now):
    """The manual leaves of every entry. The demo township's first BY_SERVICES organizations through the scoring
    services, by its assessor (town_admin): the first two with an evidence file, a deduction for one organization in
    six, a bonus for one in five. The others (hundreds at district scale) written at once — the demo township's as
    given by town_admin, the other townships' by the district's administrator — with one audit row: the seed stays
    quick (a service call is a few locks, reads and audit rows: seconds for a district's thousands of scores)."""
    town_path = policy.scope_paths(town_admin, policy.ASSESSMENT_SCORE)[0]
    scores = (Score.objects.filter(entry__round=rnd, indicator__method__in=[Method.MANUAL, Method.DEDUCTION, Method.BONUS])
              .select_related("indicator", "entry__organization").order_by("entry__organization__path", "indicator_id"))
    mine = policy.restrict(rnd.entries.all(), town_admin, policy.ASSESSMENT_SCORE).order_by("organization__path")
    own = set(mine.values_list("pk", flat=True)[:BY_SERVICES])
    evidence_left = 2
    entry_number, bulk = {}, []
    for i, score in enumerate(scores):
        method = score.indicator.method
        k = entry_number.setdefault(score.entry_id, len(entry_number))
        points = (score.indicator.max_points * SHARES[i % len(SHARES)]).quantize(Decimal("0.01"))
        if score.entry_id not in own:
            if method == Method.MANUAL:
                score.points, score.scored_at, score.comment = points, now, "对照考核细则逐项核查"
                score.scored_by = town_admin if score.entry.organization.path.startswith(town_path) else district_admin
                bulk.append(score)
        elif method == Method.MANUAL:
            files = []
            if evidence_left:
                files, evidence_left = [_evidence_pdf(score)], evidence_left - 1
            round_services.score_manual(actor=town_admin, score=score, points=points, now=now, files=files,
                                        comment="查阅会议记录和台账，访谈支部书记" if files else "对照考核细则逐项核查")
        elif (method == Method.DEDUCTION and k % 6 == 1) or (method == Method.BONUS and k % 5 == 2):
            what = (DEDUCTIONS if method == Method.DEDUCTION else BONUSES)[k % 2]
            round_services.score_item_add(actor=town_admin, score=score, what=what, now=now, note="考核组核实",
                                          happened_on=rnd.period_start + timedelta(days=20))
    update_rows(Score, bulk, ["points", "comment", "scored_by", "scored_at"])
    totals = dict(Score.objects.filter(entry__round=rnd).order_by().values("entry_id").annotate(t=Sum("points"))
                  .values_list("entry_id", "t"))
    entries = list(RoundEntry.objects.filter(round=rnd).exclude(pk__in=own))
    for entry in entries:
        entry.total = totals.get(entry.pk) or Decimal(0)
    update_rows(RoundEntry, entries, ["total"])
    audit_record(actor=district_admin, action=Action.UPDATE, obj=rnd,
                 note=f"演示数据：{len(entries)} 个组织的人工评分（{len(bulk)} 项）")


def _evidence_pdf(score):
    """A one-page PDF naming the score (a scanned checklist, in the district's practice)."""
    text = f"Assessment evidence {score.entry.round.period_key} #{score.pk}"
    stream = zlib.compress(f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode())
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return SimpleUploadedFile(f"考核检查记录-{score.entry.organization.name[:40]}.pdf", out, content_type="application/pdf")
