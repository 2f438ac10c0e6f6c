"""The demo's 三述一评: the demo township (the town_admin's) evaluates its branch secretaries — last year's evaluation
archived after its 公示, this year's in 公示. Each leader writes 述职, 述学 and 述廉 (the demo secretary's account
writes its own leader's, with an attachment), the township comments on each (领导点评), about thirty members of the
township and a few invited representatives vote with one-time codes (a realistic spread of 好/较好/一般/差 and a few
comments), then the vote is closed and counted, published and — last year's — archived.

Everything goes through the ballot services (actor None: the system), so the state table, the check that every
report and comment is in before the vote, the codes and the anonymous tally are the real ones; only last year's
dates are moved back afterwards. Deterministic (a seeded random), a second or two."""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.access.models import Role, RoleAssignment
from apps.ballots import ballot_services, publicity_services, report_services, services
from apps.ballots.models import Channel, ItemKind, Poll, PollKind, VoterKind
from apps.ballots.report_models import LeaderComment, Report
from apps.core.crypto import decrypt
from apps.members.models import Member
from apps.orgs.models import BRANCH_KINDS, CommitteePost, Organization

SUBJECTS_MAX = 6
VOTERS = 30  # members on the eligible list (online and paper), besides the invited representatives
INVITED = ("王建国（镇人大代表）", "刘桂芳（老党员代表）", "陈志强（群众代表）", "赵丽华（驻村工作队）")
ANONYMOUS_SLOTS = 2
TURNOUT = 0.9

DUTY = (
    "一年来，本人认真履行党支部书记抓党建第一责任人职责，坚持“三会一课”、主题党日等制度，全年召开支部党员大会{n}次、"
    "支委会{m}次。围绕{org}发展，{deed}。\n\n"
    "存在的不足：{weak}。\n\n下一步，将{next}。",
)
DEEDS = ("领办土地股份合作社，带动村集体经济收入稳步增长", "推进人居环境整治，完成村内道路硬化和路灯安装",
         "建立党员联系户制度，走访困难群众，解决群众反映的实际问题", "落实网格化管理，及时调处邻里矛盾纠纷",
         "发展特色种植，组织技术培训，带动农户增收")
WEAK = ("抓党员日常教育管理的办法不多", "带领群众发展产业的思路还不够宽", "对年轻党员的培养力度有待加强",
        "村务公开的及时性还有不足")
NEXT = ("进一步规范组织生活，加强后备力量培养，推动集体经济再上台阶", "聚焦群众急难愁盼，继续办好民生实事",
        "加强班子自身建设，提高服务群众的能力")
STUDY = ("本人坚持把政治理论学习放在首位，认真学习习近平新时代中国特色社会主义思想和党的二十大精神，参加镇党委组织的集中轮训"
         "{n}次，撰写学习心得{m}篇。结合工作实际学习乡村振兴、基层治理等方面的政策法规，{learn}。\n\n"
         "学习上的不足：{weak}。今后将坚持每月自学与集中学习相结合，学以致用。")
LEARN = ("带领支部党员开展“学理论、办实事”活动", "组织党员观看警示教育片并开展讨论", "利用“学习强国”平台坚持每日学习")
STUDY_WEAK = ("学习的系统性还不够", "理论联系实际、解决问题的能力还需提高", "有时以干代学")
INTEGRITY = ("本人严格遵守中央八项规定及其实施细则精神，认真落实“四议两公开”工作法，村级重大事项均经集体研究决定并公开。"
             "本年度未收受礼品礼金，未违规操办婚丧喜庆事宜，本人及亲属没有承揽村内工程项目。{extra}\n\n"
             "今后将继续自觉接受党员群众监督，做到清正廉洁、干净干事。")
INTEGRITY_EXTRA = ("村级财务实行“村财镇管”，每季度公开收支明细。", "带头签订廉洁承诺书，在党员大会上作廉洁表态。",
                   "主动向镇党委报告个人有关事项。")
COMMENTS = ("该同志政治坚定，履职尽责，在发展集体经济和服务群众方面成效明显，希望在培养后备力量上下更大功夫。",
            "该同志工作扎实肯干，党建工作基础较好，群众认可度高；要进一步加强理论学习，提升谋划发展的能力。",
            "该同志廉洁自律，村务公开规范；要针对产业发展思路不宽的问题，多学习先进村经验。",
            "该同志责任心强，能够认真落实镇党委各项部署，建议进一步规范组织生活记录，加强对年轻党员的教育管理。")
BALLOT_COMMENTS = ("希望多组织党员开展志愿服务", "村里道路修好了，为群众办了实事", "建议村务公开再及时一些",
                   "书记工作认真，经常入户走访", "希望加大对年轻人的培养", "产业发展还要再想办法", "处事公道，群众信服")
# A leader's standing: the chance of each grade (好, 较好, 一般, 差).
STANDINGS = ((0.72, 0.22, 0.05, 0.01), (0.6, 0.3, 0.08, 0.02), (0.5, 0.35, 0.12, 0.03), (0.38, 0.4, 0.18, 0.04))
# A small, valid one-page PDF for the demo secretary's attachment.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _demo_accounts():
    """(the demo township, the demo secretary's account and branch) from the demo accounts."""
    User = get_user_model()
    town = RoleAssignment.objects.filter(user__username="town_admin", role=Role.ORG_ADMIN).select_related("organization")
    town = town.first().organization if town.exists() else Organization.objects.filter(depth=2).order_by("path").first()
    secretary = User.objects.filter(username="secretary").first()
    branch = RoleAssignment.objects.filter(user=secretary, role=Role.SECRETARY).values_list("organization", flat=True) \
        .first() if secretary else None
    return town, secretary, branch


def _leaders(town, secretary_branch):
    """(branch, leader member) for up to SUBJECTS_MAX branches of the township, the demo secretary's first."""
    branches = list(Organization.objects.filter(path__startswith=town.path, depth=town.depth + 1, kind__in=BRANCH_KINDS,
                                                is_active=True).order_by("path"))
    branches.sort(key=lambda b: b.pk != secretary_branch)
    posts = {p.organization_id: p.member for p in CommitteePost.objects.filter(
        organization__in=branches, post="secretary", is_current=True).select_related("member")}
    found = []
    for branch in branches:
        leader = posts.get(branch.pk)
        if leader is None and branch.pk == secretary_branch:
            leader = Member.objects.current().filter(organization=branch, category="full").order_by("id").first()
        if leader is not None:
            found.append((branch, leader))
        if len(found) == SUBJECTS_MAX:
            break
    return found


def _reports(rng, org_name):
    return {
        "duty": DUTY[0].format(n=rng.randint(4, 6), m=rng.randint(12, 16), org=org_name, deed="；".join(rng.sample(DEEDS, 2)),
                               weak=rng.choice(WEAK), next=rng.choice(NEXT)),
        "study": STUDY.format(n=rng.randint(2, 4), m=rng.randint(3, 8), learn=rng.choice(LEARN), weak=rng.choice(STUDY_WEAK)),
        "integrity": INTEGRITY.format(extra=rng.choice(INTEGRITY_EXTRA)),
    }


def _one_poll(rng, *, town, leaders, secretary, secretary_branch, year, members):
    now = timezone.now()
    poll = services.poll_create(actor=None, organization=town, kind=PollKind.SANSHU, data={
        "year": year, "title": f"{year}年度村（社区）党组织书记三述一评",
        "note": "述职、述学、述廉，镇党委领导点评，党员和群众代表民主测评；测评结果作为年度考核的重要依据。",
        "closes_at": now + timedelta(days=7), "anonymous_slots": ANONYMOUS_SLOTS})
    subjects = []
    for branch, leader in leaders:
        reporter = secretary if branch.pk == secretary_branch else None
        subjects.append(services.subject_add(actor=None, poll=poll, name=leader.name, organization=branch, member=leader,
                                             post="党组织书记", reporter=reporter))
    voters = rng.sample(members, min(VOTERS, len(members)))
    paper = len(voters) // 5
    services.voters_add_members(actor=None, poll=poll, members=voters[paper:], channel=Channel.ONLINE)
    services.voters_add_members(actor=None, poll=poll, members=voters[:paper], channel=Channel.PAPER)
    for name in INVITED:
        services.voter_add(actor=None, poll=poll, kind=VoterKind.INVITED, name=name)
    poll = services.poll_start_reports(actor=None, poll=poll)
    for subject in subjects:
        texts = _reports(rng, subject.organization.name)
        for kind, text in texts.items():
            files = [SimpleUploadedFile("述职报告（签字版）.pdf", PDF, content_type="application/pdf")] \
                if kind == "duty" and subject.reporter_id else []
            report_services.report_save(actor=subject.reporter, subject=subject, kind=kind, text=text, files=files)
        report_services.leader_comment_save(actor=None, subject=subject, text=rng.choice(COMMENTS))
    poll = services.poll_open(actor=None, poll=poll)
    _cast(rng, poll, subjects)
    poll = services.poll_close(actor=None, poll=poll)
    return publicity_services.poll_publish(actor=None, poll=poll, note="测评结果予以公示，对结果有异议的，可在公示期内提出。")


def _cast(rng, poll, subjects):
    """Ballots by TURNOUT of the codes (online members' and the slips), each rating every leader on every item."""
    codes = [decrypt(v.sealed_code) for v in poll.voters.exclude(sealed_code="").order_by("id")]
    codes += services.slip_codes(poll)
    rng.shuffle(codes)
    items = list(poll.items.all())
    rating = [i for i in items if i.kind == ItemKind.RATING]
    text_item = next((i for i in items if i.kind == ItemKind.TEXT), None)
    standing = {s.pk: STANDINGS[n % len(STANDINGS)] for n, s in enumerate(rng.sample(subjects, len(subjects)))}
    for code in codes[:round(len(codes) * TURNOUT)]:
        ratings = {f"{s.pk}:{i.pk}": rng.choices(range(4), weights=standing[s.pk])[0] for s in subjects for i in rating}
        texts = {}
        if text_item and rng.random() < 0.2:
            texts[f"{rng.choice(subjects).pk}:{text_item.pk}"] = rng.choice(BALLOT_COMMENTS)
        ballot_services.ballot_cast(poll=poll, code=code, ratings=ratings, texts=texts)


def _move_back(poll, day):
    """Last year's evaluation as it happened: in January, its 公示 over and archived a week later."""
    tz = timezone.get_current_timezone()

    def at(d, hour):
        return datetime.combine(d, time(hour), tzinfo=tz)

    Poll.objects.filter(pk=poll.pk).update(
        opens_at=at(day, 9), opened_at=at(day, 9), closes_at=at(day + timedelta(days=3), 17),
        closed_at=at(day + timedelta(days=3), 17), published_at=at(day + timedelta(days=4), 9),
        publish_until=day + timedelta(days=9), archived_at=at(day + timedelta(days=10), 9), created_by=None)
    Report.objects.filter(subject__poll=poll).update(submitted_at=at(day - timedelta(days=7), 10),
                                                     updated_at=at(day - timedelta(days=7), 10))
    LeaderComment.objects.filter(subject__poll=poll).update(at=at(day - timedelta(days=2), 15))


def seed_sanshu(*, today=None, seed=2026, log=print):
    """The demo township's 三述一评: last year's archived, this year's in 公示. Returns the two polls."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    town, secretary, secretary_branch = _demo_accounts()
    if town is None:
        raise RuntimeError("没有演示乡镇：请先写入演示数据")
    leaders = _leaders(town, secretary_branch)
    if not leaders:
        raise RuntimeError(f"{town.name}没有可测评的党组织书记")
    members = list(Member.objects.current().filter(organization__path__startswith=town.path).order_by("id"))
    with transaction.atomic():
        last = _one_poll(rng, town=town, leaders=leaders, secretary=secretary, secretary_branch=secretary_branch,
                         year=today.year - 1, members=members)
        last = publicity_services.poll_archive(actor=None, poll=last)
        _move_back(last, min(today.replace(month=1, day=10), today - timedelta(days=40)))
        last.refresh_from_db()
        this = _one_poll(rng, town=town, leaders=leaders, secretary=secretary, secretary_branch=secretary_branch,
                         year=today.year, members=members)
    log(f"  三述一评：{town.name} {len(leaders)} 名党组织书记，{last.year}年度已归档，{this.year}年度公示中"
        f"（有效票 {this.ballots_counted} 张）")
    return last, this
