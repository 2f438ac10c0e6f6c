"""Last year's 民主评议党员 for the demo district: every branch with members held it and finalized it,
so the member records show a result. The rules hold as the services enforce them: the roster is the
members of the branch at the time, 预备党员 take part ungraded, 优秀 stays within excellent_limit; most
members are 合格, a few 基本合格, rarely 不合格 (mostly members out of contact). Written with bulk inserts."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apps.evaluations.models import Evaluation, EvaluationStatus, Grade, Participant, PeerRating
from apps.evaluations.rules import excellent_limit
from apps.orgs.models import BRANCH_KINDS

CURRENT = ("normal", "flowing", "lost_contact")

OPENINGS = ["本年度，我认真学习习近平新时代中国特色社会主义思想和党的二十大精神，",
            "一年来，我坚持把学习放在首位，参加支部集中学习和“三会一课”，",
            "对照党员标准，本人本年度能够坚定理想信念，",
            "本年度我按时参加组织生活，按时足额交纳党费，"]
DEEDS = {
    "village": ["带头参与人居环境整治和产业发展，帮助困难群众解决实际问题。", "积极参加村里的志愿服务，协助做好防汛和安全巡查。"],
    "community": ["参加社区网格服务和志愿活动，主动帮助邻里解决困难。", "在社区文明创建中发挥党员先锋作用。"],
    "retired": ["退休不褪色，参加社区宣讲和关心下一代工作。", "积极参加支部活动，发挥老党员的传帮带作用。"],
}
DEEDS_DEFAULT = ["立足岗位履职尽责，较好完成了本职工作任务。", "在急难险重任务面前主动担当，发挥了党员先锋模范作用。",
                 "严守政治纪律和政治规矩，廉洁自律。"]
SHORTCOMINGS = ["不足之处：理论学习还不够系统深入，联系群众还不够紧密。", "不足之处：学用结合不够，创新意识有待加强。",
                "不足之处：工作中有时满足于完成任务，标准还不够高。", "不足之处：参加集中学习偶有因事缺席。"]
PLANS = ["今后我将加强学习，改进不足，更好地发挥党员作用。", "下一步将对照问题认真整改，立足岗位作出新贡献。"]
COMMENTS = ["工作积极，带头服务群众", "学习认真，作风扎实", "热心公益，群众评价好", "参加组织生活不够经常", "希望更好发挥作用"]
# A member's suggestion for a fellow member's grade: mostly the grade the branch decides, sometimes one step off.
NEIGHBOURS = {Grade.EXCELLENT: Grade.QUALIFIED, Grade.QUALIFIED: Grade.EXCELLENT,
              Grade.BASICALLY_QUALIFIED: Grade.QUALIFIED, Grade.UNQUALIFIED: Grade.BASICALLY_QUALIFIED}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


def _self_evaluation(rng, domain):
    return "".join([rng.choice(OPENINGS), rng.choice(DEEDS.get(domain, DEEDS_DEFAULT)), "\n",
                    rng.choice(SHORTCOMINGS), rng.choice(PLANS)])


def _grades(rng, graded):
    """The branch's decision, by member id: 优秀 within the limit, a few 基本合格, rarely 不合格."""
    # Branches differ: some name as many 优秀 as allowed, most fewer (about a fifth of the graded members).
    excellent_count = min(excellent_limit(len(graded)), round(len(graded) * rng.uniform(0.1, 0.34)))
    grades = {}
    for m in graded:
        r = rng.random()
        if m.status == "lost_contact":
            grades[m.id] = Grade.UNQUALIFIED if r < 0.3 else Grade.BASICALLY_QUALIFIED if r < 0.8 else Grade.QUALIFIED
        else:
            grades[m.id] = Grade.UNQUALIFIED if r < 0.002 else Grade.BASICALLY_QUALIFIED if r < 0.025 else Grade.QUALIFIED
    candidates = [m.id for m in graded if grades[m.id] == Grade.QUALIFIED and m.status == "normal"]
    for member_id in rng.sample(candidates, min(excellent_count, len(candidates))):
        grades[member_id] = Grade.EXCELLENT
    return grades


def write_evaluations(orgs, members_by_org, rng, today, log, *, peer_share=0.12):
    """Last year's evaluation, finalized, for every active branch with members on its roster at the time.

    Tens of thousands of rows at the district scale: plain ids (`m.id`, not `m.pk` or instances) and
    ready-made aware datetimes keep it to a few seconds.
    """
    year = today.year - 1
    year_end = date(year, 12, 31)
    tz = timezone.get_current_timezone()
    evaluations, rosters = [], []
    for org in orgs:
        if org.kind not in BRANCH_KINDS or not org.is_active:
            continue
        roster = [m for m in members_by_org.get(org.id, ()) if m.status in CURRENT and m.joined_on <= year_end]
        if not roster:
            continue
        # Held at the turn of the year: in January when that has passed, else in December.
        opened = date(today.year, 1, rng.randint(8, 20))
        if opened >= today:
            opened = date(year, 12, rng.randint(10, 20))
        finalized = min(opened + timedelta(days=rng.randint(7, 25)), today)
        evaluations.append(Evaluation(organization=org, year=year, status=EvaluationStatus.FINALIZED,
                                      opened_at=_at(opened, 9), finalized_at=_at(finalized, 16, 30)))
        rosters.append((org.domain, roster, opened, finalized))
    Evaluation.objects.bulk_create(evaluations, batch_size=2000)

    participants, ratings = [], []
    for evaluation, (domain, roster, opened, finalized) in zip(evaluations, rosters):
        evaluation_id = evaluation.id
        # 预备党员 at the opening take part ungraded.
        graded = [m for m in roster if m.full_member_on is not None and m.full_member_on <= opened]
        grades = _grades(rng, graded)
        graded_ids = list(grades)
        span = max(1, (finalized - opened).days)
        graded_at = _at(finalized, 15)
        first = datetime.combine(opened, time(8), tzinfo=tz)
        for m in roster:
            grade = grades.get(m.id)
            p = Participant(evaluation_id=evaluation_id, member_id=m.id, is_graded=grade is not None, grade=grade or "",
                            graded_at=graded_at if grade else None)
            if m.status != "lost_contact" and rng.random() < 0.93:
                p.self_evaluation = _self_evaluation(rng, domain)
                p.self_submitted_at = first + timedelta(days=rng.randrange(span), minutes=rng.randrange(13 * 60))
            participants.append(p)
            # 党员互评: some members rated one or two fellow members (graded ones only, never themselves).
            if m.status == "lost_contact" or rng.random() >= peer_share:
                continue
            for ratee_id in rng.sample(graded_ids, min(len(graded_ids), 3)):
                if ratee_id == m.id:
                    continue
                suggested = grades[ratee_id] if rng.random() < 0.85 else NEIGHBOURS[grades[ratee_id]]
                ratings.append(PeerRating(evaluation_id=evaluation_id, rater_id=m.id, ratee_id=ratee_id, grade=suggested,
                                          comment=rng.choice(COMMENTS) if rng.random() < 0.3 else ""))
                if rng.random() < 0.5:
                    break
    Participant.objects.bulk_create(participants, batch_size=2000)
    PeerRating.objects.bulk_create(ratings, batch_size=2000)
    log(f"  {year}年度民主评议 {len(evaluations)} 个党支部，参评党员 {len(participants)} 人，互评 {len(ratings)} 条")
