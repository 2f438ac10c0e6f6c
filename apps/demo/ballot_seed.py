"""The demo district's democratic evaluations and surveys (民主测评与问卷), this year's, closed and counted:

- 双向考核 in the demo township (town_admin's): in every village branch the members rate their branch committee (one
  poll per branch, held by the branch, paper slips, about nine in ten vote), and the township's organizations rate the
  township committee (organizations as voters, one slip each);
- 群众满意度测评 by the district over the township's villages: a batch of paper codes per village handed out by the
  external evaluator, a phone sample per village of which some answer, a few hundred answers in all, and the last
  two villages under `settings.SURVEY_MIN_CELL` answers (so the results page and the assessment show the suppression).

Everything goes through `apps.ballots.services` (actor None: the system), so the codes, the queue, the close's tally
and `used == ballots` are the real ones; the answers come from a fixed random seed (the codes themselves are random,
which changes nothing counted). Fast: a few hundred ballots at the small scale, under two thousand at the district's.
The assessment's ballots indicators (ballots.two_way, ballots.survey) read these polls by their year."""

import random

from django.conf import settings
from django.utils import timezone

from apps.access.models import Role, RoleAssignment
from apps.ballots import ballot_services, services
from apps.ballots.models import Channel, ItemKind, PollKind, VoterKind
from apps.members.models import Member
from apps.orgs.models import BRANCH_KINDS, Organization

VILLAGE_DOMAINS = ("village", "community")
TURNOUT = 0.9  # share of a branch's members who vote
SURVEY_ANSWERS = 300  # about this many answers over the villages with enough of them
SMALL_CELLS = 2  # villages with fewer answers than SURVEY_MIN_CELL
PHONES_PER_VILLAGE = 8
# The grades' weights (a scale's options in order): most answers good, a few poor.
TWO_WAY_WEIGHTS = (55, 30, 12, 3)  # 好 较好 一般 差
SURVEY_WEIGHTS = (62, 28, 10)  # 满意 基本满意 不满意
COMMENTS = {
    PollKind.TWO_WAY: ["希望支部多组织党员到村里重点项目现场学习", "主题党日内容可以更贴近群众需要", "支委分工明确，带头作用好",
                       "建议加强对流动党员的联系", "镇党委指导及时，希望多开展业务培训"],
    PollKind.SURVEY: ["希望尽快修好村里的道路路灯", "村务公开栏更新及时，很满意", "希望增加老年人活动场所",
                      "环境整治效果明显", "办事效率有提高，希望继续保持"],
}


def seed_ballots(district=None, today=None, *, log=print, seed=13):
    """This year's closed 双向考核 polls of the demo township and the district's survey of its villages; returns
    {"two_way": [polls], "survey": poll}."""
    rng = random.Random(seed)
    district = district or Organization.objects.get(depth=1)
    year = (today or timezone.localdate()).year
    town = _demo_township(district)
    villages = list(Organization.objects.filter(path__startswith=town.path, depth=town.depth + 1, is_active=True,
                                                domain__in=VILLAGE_DOMAINS).order_by("path"))
    branches = list(Organization.objects.filter(path__startswith=town.path, kind__in=BRANCH_KINDS, is_active=True,
                                                domain__in=VILLAGE_DOMAINS).order_by("path"))
    members = {}
    for m in (Member.objects.current().filter(organization__in=branches).select_related("organization")
              .order_by("organization_id", "id")):
        members.setdefault(m.organization_id, []).append(m)
    polls = [_branch_two_way(b, members.get(b.pk, []), year, rng) for b in branches if len(members.get(b.pk, [])) >= 3]
    polls.append(_township_two_way(town, year, rng))
    ballots = sum(p.ballots_counted for p in polls)
    log(f"  民主测评：{town.name}{year}年度双向考核 {len(polls)} 次（党员评支部委员会，下级组织评镇党委），"
        f"已计票 {ballots} 张")
    survey = _survey(district, town, villages, year, rng)
    small = sum(1 for n in _answers_per_village(survey).values() if n < settings.SURVEY_MIN_CELL)
    log(f"  群众满意度测评：{town.name}所辖 {len(villages)} 个村（社区），答卷 {survey.ballots_counted} 份"
        f"（{small} 个村答卷少于{settings.SURVEY_MIN_CELL}份，不出结果）")
    return {"two_way": polls, "survey": survey}


def _demo_township(district):
    """The demo town_admin's township (the one its pages show), or the district's first township."""
    assignment = (RoleAssignment.objects.filter(role=Role.ORG_ADMIN, user__username="town_admin",
                                                organization__path__startswith=district.path)
                  .select_related("organization").first())
    if assignment is not None:
        return assignment.organization
    return Organization.objects.filter(path__startswith=district.path, depth=district.depth + 1,
                                       name__endswith="镇党委").order_by("path").first()


def _pick(rng, weights):
    return rng.choices(range(len(weights)), weights=weights)[0]


def _answers(poll, subjects, rng, weights, comment_rate=0.12):
    """One ballot's ratings (every rating item of every subject) and now and then a comment. A voter's grades lean
    the same way across the items (a base grade, sometimes one better or worse)."""
    items = list(poll.items.all())
    last = len(poll.scale) - 1
    ratings, texts = {}, {}
    for subject in subjects:
        base = _pick(rng, weights)
        for item in items:
            key = f"{subject.pk}:{item.pk}"
            if item.kind == ItemKind.RATING:
                ratings[key] = min(last, max(0, base + rng.choice((0, 0, 0, 0, 1, -1))))
            elif rng.random() < comment_rate:
                texts[key] = rng.choice(COMMENTS[PollKind(poll.kind)])
    return ratings, texts


def _branch_two_way(branch, people, year, rng):
    """The branch's members rate its committee: paper slips, about TURNOUT of them vote."""
    poll = services.poll_create(actor=None, organization=branch, kind=PollKind.TWO_WAY, data={
        "year": year, "title": f"{year}年度{branch.name}委员会双向考核",
        "note": "党员对支部委员会履职情况进行测评，测评码随纸质测评票发放"})
    committee = services.subject_add(actor=None, poll=poll, name=f"{branch.name}委员会", organization=branch)
    services.voters_add_members(actor=None, poll=poll, members=people, channel=Channel.PAPER)
    poll = services.poll_open(actor=None, poll=poll)
    codes = services.slip_codes(poll)
    for code in codes[:max(1, round(len(codes) * TURNOUT))]:
        ratings, texts = _answers(poll, [committee], rng, TWO_WAY_WEIGHTS)
        ballot_services.ballot_cast(poll=poll, code=code, ratings=ratings, texts=texts)
    return services.poll_close(actor=None, poll=poll)


def _township_two_way(town, year, rng):
    """The township's organizations (organizations as voters, one paper slip each) rate the township committee; all
    but one vote."""
    poll = services.poll_create(actor=None, organization=town, kind=PollKind.TWO_WAY, data={
        "year": year, "title": f"{year}年度{town.name}双向考核（下级党组织评议）",
        "note": "各村（社区）党组织和机关党支部对镇党委班子进行测评"})
    committee = services.subject_add(actor=None, poll=poll, name=f"{town.name}委员会", organization=town)
    for org in Organization.objects.filter(path__startswith=town.path, depth=town.depth + 1, is_active=True).order_by("path"):
        services.voter_add(actor=None, poll=poll, kind=VoterKind.ORGANIZATION, organization=org)
    poll = services.poll_open(actor=None, poll=poll)
    codes = services.slip_codes(poll)
    for code in codes[:max(1, len(codes) - 1)]:
        ratings, texts = _answers(poll, [committee], rng, TWO_WAY_WEIGHTS, comment_rate=0.3)
        ballot_services.ballot_cast(poll=poll, code=code, ratings=ratings, texts=texts)
    return services.poll_close(actor=None, poll=poll)


def _survey(district, town, villages, year, rng):
    """The district's survey of the township's villages: per village a batch of paper codes (some not returned) and a
    phone sample (some answer); the last SMALL_CELLS villages with 2–4 answers."""
    poll = services.poll_create(actor=None, organization=district, kind=PollKind.SURVEY, data={
        "year": year, "title": f"{year}年度{town.name}群众满意度测评",
        "note": "委托第三方机构入户发放测评码并电话抽样回访，按村（社区）统计满意和基本满意的比例"})
    subjects = [services.subject_add(actor=None, poll=poll, name=v.name.removesuffix("党支部").removesuffix("党总支")
                                     .removesuffix("党委"), organization=v) for v in villages]
    poll = services.poll_open(actor=None, poll=poll)
    small = min(SMALL_CELLS, max(0, len(subjects) - 1))
    enough = len(subjects) - small
    for n, subject in enumerate(subjects):
        if n < enough:
            target = max(settings.SURVEY_MIN_CELL, SURVEY_ANSWERS // enough + rng.randint(-5, 5))
            by_phone = rng.randint(2, min(PHONES_PER_VILLAGE, target // 3))
        else:
            target, by_phone = rng.randint(2, max(2, settings.SURVEY_MIN_CELL - 1)), 0
        # The village leans its own way: a better or a worse one now and then.
        lean = rng.choice((0, 0, 1, -1))
        weights = tuple(max(1, w + lean * d) for w, d in zip(SURVEY_WEIGHTS, (-15, 8, 7), strict=True))
        numbers = [f"139{year % 100:02d}{n:03d}{k:03d}" for k in range(PHONES_PER_VILLAGE)]
        services.phones_add(actor=None, poll=poll, subject=subject, numbers=numbers)
        for phone in numbers[:by_phone]:
            ratings, texts = _answers(poll, [subject], rng, weights)
            ballot_services.ballot_cast_by_phone(poll=poll, phone=phone, ratings=ratings, texts=texts)
        batch = services.batch_create(actor=None, poll=poll, subject=subject, size=target - by_phone + 5)
        for code in services.batch_codes(batch)[:target - by_phone]:  # five codes per village never returned
            ratings, texts = _answers(poll, [subject], rng, weights)
            ballot_services.ballot_cast(poll=poll, code=code, ratings=ratings, texts=texts)
    return services.poll_close(actor=None, poll=poll)


def _answers_per_village(poll) -> dict:
    """{subject id: answers} of a counted survey (its first rating item's answers)."""
    from apps.ballots.selectors import poll_results

    return {r.subject.pk: r.answered for r in poll_results(poll)}
