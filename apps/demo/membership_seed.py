"""The demo district's admission (发展党员) and transfers (组织关系转接), written after the dues.

Applicants at every stage across the branches of the demo town_admin's township (and a few elsewhere), dated so the
dashboard has steps due soon and overdue: a talk not held within the month, an approval past its three months, a
probation ended without its 转正 meeting, an activist's half-yearly review missed. Rows are written directly (the
services stamp today's date and refuse the past order the story needs), each step dated by the rule table's own
functions so every rule holds; `tests/test_membership_seed.py` replays every applicant's steps through the services'
checks. Applicants past step 19 are the demo's own young members (their admission the history of a member the
registry already has, with their dues), so no member is written here but for the few status changes, which go
through the registry's services (counts kept).

Transfers go through their services and are then dated back; letters and 证明信/活动证 are written with numbers from
the services' sequence. About 0.15 s on the small demo (seed_demo: 5 s)."""

import random
from datetime import timedelta

from django.db.models import Count, Q

from apps.accounts.models import User
from apps.audit.services import Action, audit_record
from apps.core.crypto import keyed_hash
from apps.core.dates import add_months, add_years
from apps.core.idcard import make_id_number, mask_id_number
from apps.dues.models import DuesStanding
from apps.members import services as member_services
from apps.members.models import Member, MemberCategory, MemberStatus
from apps.membership import admission_rules as rules
from apps.membership import admission_services, transfer_services
from apps.membership.admission_models import (
    AdmissionStage,
    AdmissionStep,
    Applicant,
    DisciplineKind,
    StepOutcome,
    VolunteerBookRange,
)
from apps.membership.transfer_models import (
    DocumentStatus,
    IncomingLetter,
    IntroductionLetter,
    IssuedDocument,
    Reach,
    Series,
    Transfer,
    TransferStatus,
)

from . import names

BRANCH_KINDS = ("branch", "joint_branch", "temporary_branch", "general_branch")
AREA = "500199"  # not one of the generator's areas: the applicants' ID numbers never meet a member's
MEETING_EXTRA = ("entitled", "present", "votes_for", "votes_against", "votes_abstain")


def _after_publicity(start, earliest):
    """The first day on or after `earliest` that is past the 公示 starting `start`."""
    return max(earliest, rules.publicity_end(start) + timedelta(days=1))


def schedule(applied_on, *, admitted_on=None, outcome=StepOutcome.ON_TIME):
    """Every step's date and data from the application on, each placed by the rule it must satisfy (a talk within the
    month, a year as activist, the 公示 run out, approvals within three months, probation served). `admitted_on`
    fixes step 15 (the branch meeting: the registry's 入党日期 of a member linked to the applicant)."""
    s = {2: {"done_on": applied_on + timedelta(days=12)}}
    pub = applied_on + timedelta(days=30)
    s[3] = {"done_on": _after_publicity(pub, pub + timedelta(days=8)), "publicity_from": pub}
    activist = s[3]["done_on"]
    s[4] = {"done_on": activist + timedelta(days=3)}
    s[5] = {"done_on": activist + timedelta(days=5)}
    s[6] = {"done_on": add_months(activist, 6)}
    earliest = rules.target_earliest(activist)
    pub = earliest - timedelta(days=10)
    s[7] = {"done_on": _after_publicity(pub, earliest), "publicity_from": pub}
    t = s[7]["done_on"]
    s[8] = {"done_on": t + timedelta(days=2)}
    s[9] = {"done_on": t + timedelta(days=4)}
    s[10] = {"done_on": t + timedelta(days=20), "note": "政治审查合格，形成结论性材料"}
    s[11] = {"done_on": t + timedelta(days=27), "training_days": 3, "training_hours": 24}
    pub = t + timedelta(days=29)
    s[12] = {"done_on": _after_publicity(pub, pub + timedelta(days=9)), "publicity_from": pub}
    s[13] = {"done_on": s[12]["done_on"] + timedelta(days=4)}
    s[14] = {"done_on": s[13]["done_on"] + timedelta(days=3)}
    admitted = admitted_on or s[14]["done_on"] + timedelta(days=7)
    if admitted < s[14]["done_on"]:
        raise ValueError(f"branch meeting {admitted} before step 14 {s[14]['done_on']}")
    s[15] = {"done_on": admitted}
    s[16] = {"done_on": admitted + timedelta(days=14)}
    s[17] = {"done_on": add_months(admitted, 1)}
    s[18] = {"done_on": s[17]["done_on"] + timedelta(days=5)}
    s[19] = {"done_on": s[17]["done_on"] + timedelta(days=8)}
    s[20] = {"done_on": s[17]["done_on"] + timedelta(days=15)}
    s[21] = {"done_on": add_months(admitted, 6)}
    ends = rules.probation_end(admitted)
    s[22] = {"done_on": ends - timedelta(days=7)}
    pub = ends - timedelta(days=5)
    s[23] = {"done_on": _after_publicity(pub, ends), "publicity_from": pub}
    s[24] = {"done_on": add_months(s[23]["done_on"], 1), "outcome": outcome}
    s[25] = {"done_on": s[24]["done_on"] + timedelta(days=10)}
    return s


def _meeting(full_count):
    entitled = max(full_count, 3)
    present = entitled - 1 if entitled > 3 else entitled
    return {"entitled": entitled, "present": present, "votes_for": present, "votes_against": 0, "votes_abstain": 0}


class _Writer:
    """Collects the applicants and their steps in memory, then writes them in bulk."""

    def __init__(self, today, users, rng):
        self.today, self.users, self.rng = today, users, rng
        self.rows = []  # (applicant, [(step, contacts, introducers)])
        self.seq = 0
        self.books = {}

    def _person(self, applied_on):
        self.seq += 1
        age = self.rng.randint(19, 40)
        birth = add_years(applied_on, -age) - timedelta(days=self.rng.randint(1, 300))
        sex = "F" if self.seq % 2 == 0 else "M"
        stock = names.GIVEN_FEMALE if sex == "F" else names.GIVEN_MALE
        name = self.rng.choice(names.SURNAMES) + self.rng.choice(stock) + self.rng.choice(stock)
        return name, make_id_number(AREA, birth, self.seq * 2 + (0 if sex == "F" else 1)), birth, sex

    def add(self, branch, people, *, applied_on, upto, member=None, admitted_on=None, outcome=StepOutcome.ON_TIME,
            skip=(), unit=""):
        """One applicant in `branch` through step `upto` (`people`: the branch's full members who talk, train and
        introduce; `member`: the registry's member the applicant became at step 19)."""
        if member is not None:
            name, id_number, birth, sex = member.name, member.id_number, member.birth_date, member.sex
        else:
            name, id_number, birth, sex = self._person(applied_on)
        plan = schedule(applied_on, admitted_on=admitted_on, outcome=outcome)
        applicant = Applicant(
            organization=branch, name=name, id_number=id_number, id_hash=keyed_hash(id_number),
            id_masked=mask_id_number(id_number), birth_date=birth, sex=sex, unit=unit, applied_on=applied_on,
            status=AdmissionStage.APPLICANT, next_step=2)
        full = [p for p in people if p is not member]
        steps = [(AdmissionStep(number=1, done_on=applied_on, note="本人递交入党申请书"), (), ())]
        meeting = _meeting(len(full))
        for number in range(2, upto + 1):
            if number in skip:
                continue
            data = dict(plan[number])
            if data["done_on"] > self.today:
                raise ValueError(f"{name} step {number} on {data['done_on']} is after {self.today}")
            extra = {}
            if number == 2:
                extra["talk_partner"] = full[0]
            if number in (15, 23):
                data.update(meeting)
            contacts = full[:1] if number == 5 else ()
            introducers = full[1:3] if number == 9 else ()
            step = AdmissionStep(number=number, **data, **extra)
            steps.append((step, contacts, introducers))
            self._advance(applicant, step)
        self.rows.append((applicant, member, steps))
        return applicant

    def _advance(self, a, step):
        """What admission_services._advance sets (the member and the book number are set in `write`)."""
        n, on = step.number, step.done_on
        a.next_step = max(a.next_step, n + 1)
        if n == 3:
            a.status, a.activist_on = AdmissionStage.ACTIVIST, on
        elif n == 6:
            a.last_review_on = on
        elif n == 7:
            a.status, a.target_on = AdmissionStage.TARGET, on
        elif n == 14:
            a.volunteer_book_no = "pending"
        elif n == 15:
            a.admitted_on = on
        elif n == 17:
            a.status, a.probation_ends_on = AdmissionStage.PROBATIONARY, rules.probation_end(a.admitted_on)
        elif n == 23:
            a.conversion_meeting_on = on
        elif n == 24:
            if step.outcome == StepOutcome.ON_TIME:
                a.status, a.full_on = AdmissionStage.FULL, a.probation_ends_on
            else:
                a.status, a.next_step = AdmissionStage.CANCELLED, rules.LAST_STEP
        elif n == 25:
            a.status, a.next_step = AdmissionStage.ARCHIVED, rules.LAST_STEP + 1

    def write(self, book_ranges):
        """Book numbers in order of the branch meetings; then every row in bulk."""
        pending = sorted((a for a, _m, _s in self.rows if a.volunteer_book_no),
                         key=lambda a: next(s.done_on for s, _c, _i in self.rows_of(a) if s.number == 14))
        for a in pending:
            book_range = next(r for r in book_ranges if a.organization.path.startswith(r.organization.path))
            a.volunteer_book_no = book_range.format(book_range.next_number)
            book_range.next_number += 1
        for book_range in book_ranges:
            book_range.save(update_fields=["next_number"])
        for a, member, _steps in self.rows:
            a.member = member
        Applicant.objects.bulk_create([a for a, _m, _s in self.rows])
        steps, contacts, introducers = [], [], []
        for a, _member, rows in self.rows:
            branch_actor = self.users["secretary" if a.organization_id == self.users["secretary_branch"] else
                                      "town_admin"]
            for step, c, i in rows:
                step.applicant = a
                step.recorded_by = self.users["town_admin"] if step.number in rules.HIGHER_STEPS else branch_actor
                steps.append((step, c, i))
        AdmissionStep.objects.bulk_create([s for s, _c, _i in steps])
        for step, c, i in steps:
            contacts += [AdmissionStep.contacts.through(admissionstep_id=step.pk, member_id=m.pk) for m in c]
            introducers += [AdmissionStep.introducers.through(admissionstep_id=step.pk, member_id=m.pk) for m in i]
        AdmissionStep.contacts.through.objects.bulk_create(contacts)
        AdmissionStep.introducers.through.objects.bulk_create(introducers)
        return len(self.rows), len(steps)

    def rows_of(self, applicant):
        return next(steps for a, _m, steps in self.rows if a is applicant)


def _branches_with_people(town, exclude=()):
    """Active branches under `town` with at least four current full members: {branch: [full members]}."""
    branches = (type(town).objects.filter(path__startswith=town.path, kind__in=BRANCH_KINDS, is_active=True)
                .exclude(pk__in=exclude).annotate(n=Count("members", filter=Q(
                    members__category=MemberCategory.FULL, members__status=MemberStatus.NORMAL)))
                .filter(n__gte=4).order_by("path"))
    return list(branches)


def _full_people(branch, avoid):
    return list(Member.objects.filter(organization=branch, category=MemberCategory.FULL, status=MemberStatus.NORMAL)
                .exclude(pk__in=avoid).order_by("joined_on", "pk")[:4])


def write_membership(orgs, today, log, *, focus_branch, focus_town, seed=2026):
    """Admission and transfers of the demo; returns what was written (for the log and the test)."""
    rng = random.Random(seed + 15)
    users = {u.username: u for u in User.objects.filter(username__in=("district_admin", "town_admin", "secretary"))}
    users["secretary_branch"] = focus_branch.pk
    admin, town_admin = users["district_admin"], users["town_admin"]
    root = next(o for o in orgs if o.depth == 1)
    towns = [o for o in orgs if o.depth == 2 and o.kind in ("committee", "working_committee")]

    # The year's plan and the 入党志愿书 ranges of each township (the district hands them out).
    book_ranges = []
    for i, town in enumerate(towns, start=1):
        admission_services.quota_set(actor=admin, organization=town, year=today.year, quota=3 + i % 4)
        book_ranges.append(admission_services.volunteer_book_range_create(
            actor=admin, organization=town, data={"prefix": "SF", "first": i * 1000 + 1,
                                                   "last": i * 1000 + 300}))
    # The district committee's own range comes from the city's 组织部 (outside this system, so no service writes it).
    district_range = VolunteerBookRange.objects.create(organization=root, prefix="SF", first=900001, last=900500,
                                                       next_number=900001)
    audit_record(actor=None, action=Action.IMPORT, obj=district_range, note="演示数据：市委组织部分配的入党志愿书编号段")
    book_ranges.append(district_range)
    book_ranges.sort(key=lambda r: -r.organization.depth)  # the nearest range first

    # A member of the secretary's branch under 留党察看 (two years, since 20 months ago): they may not introduce.
    demo_member = User.objects.filter(username="member").values_list("member_id", flat=True).first()
    disciplined = (Member.objects.filter(organization=focus_branch, category=MemberCategory.FULL,
                                         status=MemberStatus.NORMAL).exclude(pk=demo_member).order_by("-pk").first())
    admission_services.discipline_record_create(actor=town_admin, member=disciplined, kind=DisciplineKind.PROBATION,
                                                starts_on=add_months(today, -20), ends_on=add_months(today, 4))
    avoid = {disciplined.pk}

    w = _Writer(today, users, rng)
    branches = [focus_branch, *(b for b in _branches_with_people(focus_town, exclude=[focus_branch.pk]))][:5]
    people = {b.pk: _full_people(b, avoid) for b in branches}
    fb = focus_branch
    T = today
    # The secretary's branch: one of each early stage, the dashboard's reminders among them.
    w.add(fb, people[fb.pk], applied_on=T - timedelta(days=20), upto=1, unit="村股份经济合作社会计")  # talk due soon
    w.add(fb, people[fb.pk], applied_on=T - timedelta(days=45), upto=1, unit="返乡创业青年")  # talk overdue
    w.add(fb, people[fb.pk], applied_on=T - timedelta(days=70), upto=2, unit="村卫生室医生")
    w.add(fb, people[fb.pk], applied_on=add_months(T, -8), upto=5, unit="村专职网格员")  # review overdue
    w.add(fb, people[fb.pk], applied_on=add_months(T, -16), upto=11, unit="村团支部书记")
    # The township's other branches.
    others = branches[1:] or [fb]
    for i, b in enumerate(others):
        p = people[b.pk]
        if i == 0:
            w.add(b, p, applied_on=add_months(T, -4), upto=5)
            w.add(b, p, applied_on=add_months(T, -11), upto=6)  # reviewed; a year as activist not yet served
            w.add(b, p, applied_on=add_months(T, -19), upto=16, admitted_on=add_months(T, -4))  # approval overdue
        elif i == 1:
            w.add(b, p, applied_on=T - timedelta(days=35), upto=2)
            w.add(b, p, applied_on=add_months(T, -18), upto=15,
                  admitted_on=add_months(T, -3) + timedelta(days=8))  # approval due soon
        else:
            w.add(b, p, applied_on=add_months(T, -6 - i), upto=5 if i % 2 else 6)
            w.add(b, p, applied_on=add_months(T, -17), upto=12)

    # Past step 19: the registry's own recent members, their admission told from their 入党日期 (joined_on).
    linked = _link_members(w, towns, focus_town, focus_branch, T, avoid)
    written, steps = w.write(book_ranges)
    counts = {"applicants": written, "steps": steps, **linked}
    counts.update(_write_transfers(orgs, today, users, focus_branch, focus_town, demo_member, avoid))
    audit_record(actor=None, action=Action.IMPORT, object_type="demo", object_repr="演示数据：发展党员与组织关系转接",
                 note=f"入党申请人 {written} 名，步骤 {steps} 条")
    log(f"  发展党员 {written} 人（{steps} 个步骤），组织关系转接 {counts['transfers']} 件，介绍信 {counts['letters']} 封")
    return counts


def _link_members(w, towns, focus_town, focus_branch, T, avoid):
    """Probationary members (within their year, one past it without its 转正 meeting), members made full on time, and
    one whose probationary membership was cancelled — the registry's members who joined in the last two years."""
    order = {t.path: (t.pk != focus_town.pk, t.path) for t in towns}
    candidates = (Member.objects.filter(status=MemberStatus.NORMAL, joined_on__gte=add_months(T, -48),
                                        organization__kind__in=BRANCH_KINDS)
                  .exclude(organization=focus_branch).exclude(pk__in=avoid).select_related("organization")
                  .order_by("-joined_on", "pk"))
    candidates = sorted(candidates, key=lambda m: (order.get(m.organization.path[:8], (True, "")), -m.joined_on.toordinal()))
    people_of, done = {}, {"probationary": 0, "overdue": 0, "full": 0, "archived": 0, "cancelled": 0}

    def people(m):
        if m.organization_id not in people_of:
            people_of[m.organization_id] = _full_people(m.organization, avoid | {m.pk})
        return people_of[m.organization_id]

    wanted = [("probationary", 3), ("overdue", 1), ("full", 2), ("archived", 1), ("cancelled", 1)]
    for m in candidates:
        p = people(m)
        if len(p) < 3:
            continue
        admitted = m.joined_on
        applied = add_months(admitted, -17)
        if not rules.age_ok(m.birth_date, applied):
            continue
        ends = rules.probation_end(admitted)
        plan = schedule(applied, admitted_on=admitted)
        if m.category == MemberCategory.PROBATIONARY:
            kind = "probationary" if plan[17]["done_on"] <= T else None
            upto = max((n for n in range(17, 22) if plan[n]["done_on"] <= T), default=0)
        elif add_months(T, -8) < ends < T:
            kind, upto = "overdue", 21  # probation ended, no 转正 meeting yet: still 预备党员
        elif plan[25]["done_on"] <= T:
            kind = next((k for k in ("cancelled", "archived", "full") if done[k] < dict(wanted)[k]), None)
            upto = 25 if kind == "archived" else 24  # the cancelled one waits for its 归档 too
        else:
            continue
        if kind is None or done[kind] >= dict(wanted)[kind]:
            continue
        outcome = StepOutcome.CANCEL if kind == "cancelled" else StepOutcome.ON_TIME
        w.add(m.organization, p, applied_on=applied, upto=upto, member=m, admitted_on=admitted, outcome=outcome)
        if kind == "overdue":
            member_services.member_update(actor=w.users["town_admin"], member=m, data={
                "category": MemberCategory.PROBATIONARY, "full_member_on": None})
        elif kind == "cancelled":
            member_services.member_update(actor=w.users["town_admin"], member=m, data={
                "category": MemberCategory.PROBATIONARY, "full_member_on": None, "status": MemberStatus.LEFT})
        avoid.add(m.pk)
        done[kind] += 1
        if all(done[k] >= n for k, n in wanted):
            break
    return {f"linked_{k}": n for k, n in done.items()}


def _write_transfers(orgs, today, users, focus_branch, focus_town, demo_member, avoid):
    """Transfers in flight (one waiting past the flag), one rejected awaiting its resend, accepted ones; letters out
    (one a month without its 回执), a letter in, 证明信 and 活动证. Members of the secretary's branch stay put (its dues
    sheet is another test's), but one is sent away and waiting for the receiver."""
    town_admin = users["town_admin"]
    branches = _branches_with_people(focus_town, exclude=[focus_branch.pk])
    if len(branches) < 2:
        branches = _branches_with_people(next(o for o in orgs if o.depth == 1), exclude=[focus_branch.pk])
    used = set(avoid) | {demo_member}

    def pick(branch, n=1):
        found = list(Member.objects.filter(organization=branch, status=MemberStatus.NORMAL).exclude(pk__in=used)
                     .order_by("-pk")[:n])
        used.update(m.pk for m in found)
        return found

    def paid_by(member, day):
        """The dues month a paper of `day` states: the standing now, but no later than that day's month."""
        paid = transfer_services.selectors.dues_paid_to(member)
        return min(paid, day.replace(day=1)) if paid else None

    def backdate(transfer, sent, decided=None):
        Transfer.objects.filter(pk=transfer.pk).update(sent_on=sent, decided_on=decided,
                                                       dues_paid_to=paid_by(transfer.member, sent))
        if decided and transfer.status == TransferStatus.ACCEPTED:  # on the receiver's sheets from the month after
            DuesStanding.objects.filter(member=transfer.member).update(
                sheet_from=add_months(decided.replace(day=1), 1))

    a, b = branches[0], branches[1]
    c = branches[2] if len(branches) > 2 else focus_branch
    transfers = 0
    # Sent last week from the secretary's branch, waiting for the receiver (the member stays in the branch).
    [m] = pick(focus_branch)
    backdate(transfer_services.transfer_issue(actor=users["secretary"], member=m, to_organization=a,
                                              reason="工作调动至本镇另一村"), today - timedelta(days=6))
    # Waiting past the flag.
    [m] = pick(a)
    backdate(transfer_services.transfer_issue(actor=town_admin, member=m, to_organization=b, reason="迁居"),
             today - timedelta(days=45))
    # Rejected with its reason: back with the sender to send again.
    [m] = pick(b)
    t = transfer_services.transfer_issue(actor=town_admin, member=m, to_organization=c, reason="随子女迁居")
    transfer_services.transfer_reject(actor=town_admin, transfer=t, reason="介绍信党费交纳月份填写有误，请核实后重新发出")
    backdate(t, today - timedelta(days=20), today - timedelta(days=16))
    transfers += 3
    # Accepted: the members moved.
    for sender, receiver, days in ((a, b, 75), (c, a, 40)):
        for m in pick(sender):
            t = transfer_services.transfer_issue(actor=town_admin, member=m, to_organization=receiver, reason="工作调动")
            transfer_services.transfer_accept(actor=town_admin, transfer=t)
            backdate(t, today - timedelta(days=days), today - timedelta(days=days - 4))
            transfers += 1

    # Letters out of the platform: one waiting past its month for the 回执, one returned, one just issued.
    letters = 0
    for branch, days, receipt, reach in ((a, 45, None, Reach.OUTSIDE), (b, 50, 20, Reach.CITY),
                                         (c, 3, None, Reach.CITY)):
        for m in pick(branch):
            issued = today - timedelta(days=days)
            IntroductionLetter.objects.create(
                organization=branch, member=m, destination="中共重庆市渝北区龙溪街道工作委员会" if reach == Reach.CITY
                else "中共成都市武侯区委组织部", reach=reach, validity_days=transfer_services.default_validity(reach),
                dues_paid_to=paid_by(m, issued), issued_on=issued, issued_by=town_admin,
                number=transfer_services.next_number(branch, Series.LETTER, issued.year),
                receipt_on=today - timedelta(days=receipt) if receipt else None,
                receipt_note="回执已收到" if receipt else "")
            letters += 1
    # A member who arrived from outside three months ago with a letter (already in the registry, paying since).
    [m] = pick(b)
    IncomingLetter.objects.create(
        organization=b, member=m, letter_number="渝北组介字〔2026〕第0137号"[: 40], issued_by_name="中共重庆市渝北区委组织部",
        issued_on=today - timedelta(days=100), received_on=today - timedelta(days=95), recorded_by=town_admin,
        dues_paid_to=add_months(today.replace(day=1), -4))
    # 证明信 (away under six months) and 活动证 (a flowing member), one certificate already returned.
    documents = 0
    flowing = list(Member.objects.filter(organization__path__startswith=focus_town.path, status=MemberStatus.FLOWING)
                   .exclude(pk__in=used).order_by("pk")[:1]) or pick(a)
    used.update(m.pk for m in flowing)
    for kind, member, days, valid, closed in (
            (Series.CERTIFICATE, pick(a)[0], 30, 180, None), (Series.CERTIFICATE, pick(c)[0], 200, 150, 12),
            (Series.FLOW_CARD, flowing[0], 100, 365, None)):
        issued = today - timedelta(days=days)
        IssuedDocument.objects.create(
            organization=member.organization, member=member, kind=kind, place=member.flow_place or "广东省东莞市",
            issued_on=issued, valid_until=issued + timedelta(days=valid), issued_by=town_admin,
            number=transfer_services.next_number(member.organization, kind, issued.year),
            status=DocumentStatus.CLOSED if closed else DocumentStatus.ISSUED,
            closed_on=today - timedelta(days=closed) if closed else None)
        documents += 1
    return {"transfers": transfers, "letters": letters, "documents": documents, "incoming": 1,
            "open_transfers": Transfer.objects.filter(status=TransferStatus.SENT).count()}
