"""A year of residents' requests (群工系统) for the demo district, as if every case had gone through apps.cases.

First what the district would set up: its centre, a unit for each township and street and for the departments that
handle residents' problems, the categories and the routing rules (cases_config_seed). Then about 43,000 cases (300 at the small scale)
over the twelve months before the demo's moment, 08:00 of `today` (CLOCK). Each case is played forward from its
submission, one step at a time, each step writing the fields, assignments and timeline events the service of that
step writes (intake._create, services.case_accept, case_dispatch, case_sign, …); a step falling after the demo's
moment has not happened yet, so the older cases are archived and the recent ones open at every stage.

Written in chunks of submission order, cases, assignments and events as plain multi-row INSERTs (cases_insert: a model
instance and bulk_create's generic path for each of some 400,000 rows would take minutes); the same rng gives the
same district.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from apps.cases import deadlines, numbers, search
from apps.cases.areas import VILLAGE_DOMAINS, place_name
from apps.cases.models import (
    STAFF_CHANNELS,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseExtension,
    CaseNumberCounter,
    Channel,
    RatedVia,
    Rating,
    Status,
    UnitKind,
    Urgency,
)
from apps.core.bulk import large_write_cache
from apps.core.crypto import keyed_hash
from apps.core.text import mask_phone

from . import names
from .cases_config_seed import CaseSettings, department_organizations, handler_department
from .cases_data import (
    ANSWERS,
    CATEGORIES,
    CHANNELS,
    COMMENTS,
    DEPARTMENTS,
    DESCRIPTIONS,
    DURATIONS,
    ESTATES,
    EXTENSION_REASONS,
    INTERNAL_NOTES,
    IP_PREFIXES,
    NOTES,
    OFFICE_HOURS,
    ONLINE_HOURS,
    PHONE_HOURS,
    PRIVATE_CATEGORIES,
    REJECT_REASONS,
    REOPEN_REASONS,
    STREETS,
    VILLAGE_SPOTS,
    WEEKDAY,
    WHEN,
    Category,
)
from .cases_insert import insert_rows
from .cases_story import Cut, Record, Story, texts

DEMO_QUERY_CODE = "DEMO2026"  # every demo case's query code, so that the residents' status pages can be tried
CLOCK = time(8, 0)  # the demo's moment on `today` (the day before, when seeded earlier): nothing after it has happened
CASE_COUNTS = {"small": 300, "district": 43_000}
CHUNK = 4000
GROWTH = 0.3  # the last month has about 30% more requests than the first



@dataclass
class Plan:
    """One case before it is played: when, what, where, by which channel, and what the rules route it to."""

    at: datetime  # submission (UTC)
    category: Category
    channel: str
    area: object  # an Organization (a village/community, a township) or None
    town: object
    urgency: str = Urgency.GENERAL
    number: str = ""
    lead: object = None
    assisting: list = field(default_factory=list)
    ruled: bool = True
    master: "Plan | None" = None  # a duplicate: the case it is merged into, at merge_at
    merge_at: datetime | None = None
    merges: list = field(default_factory=list)  # when duplicates merged into it
    # "unsigned" | "assist_unsigned" | "overdue": the demo town_admin's and dept_handler's queues are never empty
    force: str = ""
    case: Record | None = None
    syncs: list = field(default_factory=list)  # its dispatches and returns (merged cases follow them)


class CaseSeeder:
    """The district's 群工 settings, then its cases: planned (when, what, where, routed to whom), then played."""

    def __init__(self, orgs, rng, today, log, *, total, focus_town=None):
        self.rng, self.log, self.total = rng, log, total
        self.texts = texts()
        self.answer_tokens = {}
        clock = timezone.make_aware(datetime.combine(today, CLOCK))
        if clock > timezone.now():  # seeded before 08:00: the demo's moment is the morning before, never ahead of now
            clock -= timedelta(days=1)
        self.clock = clock.astimezone(UTC)
        self.auto = settings.CASE_AUTO_DISPATCH
        self.code_hash = numbers.hash_code(DEMO_QUERY_CODE)
        self.orgs = orgs
        root = next(o for o in orgs if o.depth == 1)
        children = {}
        for org in orgs:
            children.setdefault(org.path[:-org.steplen], []).append(org)
        self.villages = {}
        for org in children.get(root.path, []):
            places = [c for c in children.get(org.path, []) if c.domain in VILLAGE_DOMAINS and c.is_active]
            if org.name.endswith(("镇党委", "街道党工委")) and places:
                self.villages[org.pk] = places
        self.towns = [o for o in children[root.path] if o.pk in self.villages]
        self.focus = focus_town if focus_town is not None and focus_town.pk in self.villages else self.towns[0]
        self.root = root
        self.departments = {name: org for name, org in department_organizations(orgs).items() if name in DEPARTMENTS}

    # ------------------------------------------------------------ the district's settings (cases_config_seed)

    def write_settings(self):
        self.config = CaseSettings(root=self.root, towns=self.towns, departments=self.departments, rng=self.rng,
                                   texts=self.texts)
        self.config.write()
        self.district, self.town_units, self.dept_units = self.config.district, self.config.town_units, self.config.dept_units
        self.services, self.client = self.config.services, self.config.client

    def route(self, code, town):
        return self.config.route(code, town)

    # ------------------------------------------------------------ planning

    def plan(self):
        rng = self.rng
        first = timezone.localdate(self.clock) - timedelta(days=365)
        days = [first + timedelta(days=d) for d in range(366)]
        weights = [(1 + GROWTH * d / 365) * WEEKDAY[day.weekday()] for d, day in enumerate(days)]
        scale = self.total / sum(weights)
        town_weights = [rng.uniform(0.6, 1.5) * (1.3 if t.name.endswith("街道党工委") else 1.0) for t in self.towns]
        place_weights = {pk: [rng.uniform(0.4, 1.6) for _n in places] for pk, places in self.villages.items()}
        by_domain = {"village": [c.weight * c.village for c in CATEGORIES],
                     "community": [c.weight * c.community for c in CATEGORIES], "": [c.weight for c in CATEGORIES]}
        channels, channel_weights = zip(*CHANNELS, strict=True)
        hours = {Channel.WEB: ONLINE_HOURS, Channel.APP: ONLINE_HOURS, Channel.PHONE: PHONE_HOURS}
        plans = []
        for day, weight in zip(days, weights, strict=True):
            start = timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
            weekend = day.weekday() >= 5
            for _n in range(int(weight * scale + rng.random())):
                channel = rng.choices(channels, channel_weights)[0]
                if weekend and channel in (Channel.VISIT, Channel.LETTER, Channel.DOOR) and rng.random() < 0.8:
                    channel = Channel.WEB  # offices are closed at weekends
                hour = rng.choices(range(24), hours.get(channel, OFFICE_HOURS))[0]
                at = start + timedelta(hours=hour, seconds=rng.randrange(3600))
                if at >= self.clock:
                    continue
                r = rng.random()
                town = None if r < 0.02 else rng.choices(self.towns, town_weights)[0]
                if town is None:
                    area = None
                elif r < 0.15:
                    area = town
                else:
                    area = rng.choices(self.villages[town.pk], place_weights[town.pk])[0]
                category = rng.choices(CATEGORIES, by_domain[area.domain if area is not None and area is not town else ""])[0]
                urgency = Urgency.EMERGENCY if rng.random() < category.emergency else category.urgency
                plans.append(Plan(at, category, channel, area, town, urgency))
        plans.sort(key=lambda p: p.at)
        self.mark_duplicates(plans)
        self.counters = {}
        for p in plans:
            day = timezone.localdate(p.at)
            seq = self.counters[day] = self.counters.get(day, 0) + 1
            p.number = f"QG{day:%Y%m%d}{seq:05d}"
            p.lead, p.assisting, p.ruled = self.route(p.category.code, p.town)
        self.mark_focus(plans)
        return plans

    def mark_duplicates(self, plans, share=0.02):
        """About 2% are the same problem again (same category and township, within three days): merged into the
        first. The chance is set from how many have such a predecessor, which depends on the scale."""

        def candidates():
            recent = {}
            for p in plans:
                key = (p.category.code, p.town.pk) if p.town is not None else None
                earlier = recent.get(key)
                if key is not None and earlier is not None and p.at - earlier.at < timedelta(hours=72):
                    yield p, earlier
                if key is not None and p.master is None:
                    recent[key] = p

        chance = share * len(plans) / max(1, sum(1 for _pair in candidates()))
        for p, earlier in candidates():
            if self.rng.random() < chance:
                merge_at = p.at + timedelta(minutes=self.rng.randint(10, 100))
                if merge_at <= self.clock:
                    p.master, p.merge_at, p.area, p.urgency = earlier, merge_at, earlier.area, earlier.urgency
                    earlier.merges.append(merge_at)

    def mark_focus(self, plans):
        """The demo town_admin's township: a few cases still to be signed for, and a few past their deadline; the
        demo dept_handler's department: a couple still to be signed for, as the lead or assisting."""
        department = self.dept_units.get(handler_department(self.orgs)[0])
        free = [p for p in plans if p.master is None and not p.merges]
        theirs = [p for p in free if department is not None and (p.lead is department or department in p.assisting)]
        for p in theirs[-2:]:
            p.force = "unsigned" if p.lead is department else "assist_unsigned"
        unit = self.town_units[self.focus.pk]
        mine = [p for p in free if p.lead is unit and not p.assisting and not p.force]
        for p in mine[-3:]:
            p.force = "unsigned"
        late = [p for p in mine if p.urgency == Urgency.GENERAL and p.channel != Channel.DOOR
                and self.clock - timedelta(days=13) <= p.at < self.clock - timedelta(days=8)]
        for p in late[-3:]:
            p.force = "overdue"
        # Whatever the day, a few cases are in hand at the clock: signed, one with a progress note (办理中), none
        # resolved yet (without them, the in-flight statuses depended on the day the demo was seeded).
        recent = [p for p in mine if not p.force and p.at < self.clock - timedelta(days=1)][-2:]  # the township's
        recent += [p for p in free if not p.force and p not in recent
                   and self.clock - timedelta(days=4) <= p.at < self.clock - timedelta(days=1)]
        for i, p in enumerate(recent[:2] + recent[-2:]):
            p.force = "in_hand_noted" if i % 2 else "in_hand"

    # ------------------------------------------------------------ playing

    def new_case(self, p):
        rng = self.rng
        c = p.category
        if p.master is not None:
            description, address = p.master.case.description, p.master.case.address
        else:
            loc, address = self.where(p)
            template = rng.choice(DESCRIPTIONS[c.code])
            description = template.format(loc=loc, dur=rng.choice(DURATIONS), when=rng.choice(WHEN))
        staff = p.channel in STAFF_CHANNELS
        phone = "" if staff and rng.random() < 0.08 or p.channel == Channel.APP and rng.random() < 0.3 else (
            f"1{rng.choice('35789')}{rng.randrange(10 ** 9):09d}")
        female = rng.random() < 0.45
        stock = names.GIVEN_FEMALE if female else names.GIVEN_MALE
        name = rng.choice(names.SURNAMES) + rng.choice(stock) + (rng.choice(stock) if rng.random() < 0.6 else "")
        ip = f"{rng.choice(IP_PREFIXES)}.{rng.randrange(256)}.{rng.randrange(1, 255)}" if p.channel == Channel.WEB else ""
        lat = lng = None
        if p.channel == Channel.APP or p.channel == Channel.WEB and rng.random() < 0.15:
            lat = Decimal(f"{29.70 + rng.uniform(-0.25, 0.25):.6f}")
            lng = Decimal(f"{107.39 + rng.uniform(-0.35, 0.35):.6f}")
        attributes = {}
        if c.code == "housing":
            kinds = ("self_built",) * 8 + ("commercial",) * 2 if p.area is not None and p.area.domain == "village" else (
                "self_built", "commercial", "commercial", "commercial", "public_rental")
            attributes["house_type"] = rng.choice(kinds)
        elif c.code == "noise" and rng.random() < 0.7:
            attributes["period"] = rng.choice(("day", "night", "night", "all_day"))
        self.next_id += 1
        return Record(
            id=self.next_id, number=p.number, query_code_hash=self.code_hash, token=uuid.UUID(int=rng.getrandbits(128), version=4),
            service=self.services[c.code], urgency=p.urgency, channel=p.channel, description=description,
            attributes=attributes, area=p.area, address=address, lat=lat, lng=lng, contact_name=name,
            hide_name=rng.random() < 0.3, contact_phone=phone, phone_hash=keyed_hash(phone) if phone else "",
            phone_masked=mask_phone(phone), ip_hash=keyed_hash(ip) if ip else "",
            open311_client=self.client if p.channel == Channel.APP else None,
            account_id=f"ykb{rng.randrange(10 ** 8):08d}" if p.channel == Channel.APP else "",
            is_public=rng.random() >= (0.3 if c.code in PRIVATE_CATEGORIES else 0.05),
            submitted_at=p.at, updated_at=p.at, accept_due=p.at + deadlines.accept_limit(),
            search_tokens=search.index_text(description, address),
        )

    def resolved_tokens(self, case, answer):
        """search.index_text(description, address, answer): the intake's tokens and the answer's (answers repeat)."""
        if answer not in self.answer_tokens:
            self.answer_tokens[answer] = search.index_text(answer)
        intake = search.index_text(case.description, case.address) if case.reopen_count else case.search_tokens
        return " ".join(t for t in (intake, self.answer_tokens[answer]) if t)

    def where(self, p):
        """(how the resident names the place, the address): a village's 组, a community's building, a street."""
        rng = self.rng
        n, m = rng.randint(1, 12), rng.randint(1, 60)
        has_address = rng.random() < 0.88
        if p.area is None:
            street = rng.choice(STREETS)
            return f"城区{street}", f"城区{street}{m}号" if has_address else ""
        town = place_name(p.town)
        if p.area is p.town:
            street = rng.choice(STREETS)
            return rng.choice((f"{town}场镇{street}", f"{town}{street}{m}号附近", f"{town}车站旁边")), (
                f"{town}{street}{m}号" if has_address else "")
        place = place_name(p.area)
        short = place[len(town):] or place
        if p.area.domain == "village":
            loc = rng.choice((f"{short}{n}组", f"{short}{n}组{m}号附近", f"{short}{rng.choice(VILLAGE_SPOTS)}"))
            return loc, f"{place}{n}组{m}号" if has_address else ""
        estate = rng.choice(ESTATES)
        loc = rng.choice((f"{short}{estate}{n}栋", f"{estate}小区门口", f"{short}{rng.choice(STREETS)}路口"))
        return loc, f"{place}{estate}{n}栋{rng.randint(1, 4)}单元" if has_address else ""

    def play(self, p):
        rng = self.rng
        case = p.case = self.new_case(p)
        story = Story(case, p.merge_at or self.clock, self)
        story.submit(p.channel)
        try:
            self.intake(story, p)
            if p.master is None:
                self.handle(story, p)
        except Cut:
            pass
        if p.master is not None:
            story.limit = self.clock
            story.merge(p.merge_at, p.master.case)
            master = p.master.case
            if master.resolved_at is not None and rng.random() < 0.6:
                at = master.resolved_at + timedelta(minutes=rng.randint(360, 3600))
                if at > p.merge_at and at <= self.clock and (master.archived_at is None or at < master.archived_at):
                    rating, solved = self.opinion(late=not master.resolved_on_time)
                    story.rate(at, rating, solved, "", RatedVia.RESIDENT, round_=master.reopen_count)
            # Merged cases follow their master's dispatches and returns (services._sync_merged).
            story.updated = max([story.updated, *(t for t in p.master.syncs if t > p.merge_at)])
        if p.merges:
            story.updated = max(story.updated, *p.merges)
        case.updated_at = story.updated
        return story

    def intake(self, s, p):
        """Submission to the first dispatch, by the channel's path (intake.case_submit or case_staff_intake)."""
        rng, case = self.rng, s.case
        if p.channel in STAFF_CHANNELS:
            receiving = self.town_units[p.town.pk] if p.town is not None else self.district
            s.staff_accept(receiving, p.channel)
            if p.channel == Channel.DOOR and receiving.kind == UnitKind.TOWNSHIP and not p.force and rng.random() < 0.7:
                self.dispatch(s, p, p.at, receiving, [], self.texts["self"])
                s.sign(p.at, receiving)
            else:
                self.dispatch(s, p, p.at, p.lead, p.assisting, self.texts["by_rule"])
        elif self.auto:
            s.accept(p.at, self.district)
            self.dispatch(s, p, p.at, p.lead, p.assisting, self.texts["auto" if p.ruled else "no_rule"])
        else:
            late = rng.random() < 0.06
            delay = rng.randint(125, 600) if late else rng.randint(3, 110)
            s.accept(p.at + timedelta(minutes=delay), self.district)
            self.dispatch(s, p, case.accepted_at + timedelta(minutes=rng.randint(2, 40)), p.lead, p.assisting)

    def dispatch(self, s, p, at, lead, assisting, note=""):
        s.dispatch(at, lead, assisting, note)
        p.syncs.append(at)

    def handle(self, s, p):
        """After the first dispatch: perhaps rejected or returned and redispatched; signed, handled, resolved, rated,
        perhaps reopened once, archived."""
        rng, case = self.rng, s.case
        simple = not p.force and not p.merges
        if simple and p.channel in (Channel.WEB, Channel.APP) and rng.random() < 0.017:
            s.reject(case.dispatched_at + timedelta(minutes=rng.randint(20, 360)), rng.choice(REJECT_REASONS))
            return
        if simple and case.status == Status.DISPATCHED and not p.assisting and case.lead_unit is not self.district \
                and rng.random() < 0.057:
            wrong = case.lead_unit
            returned = case.dispatched_at + timedelta(minutes=rng.randint(15, 180))
            right = self.right_unit(p, wrong)
            s.give_back(returned, self.return_reason(wrong, right))
            p.syncs.append(returned)
            self.dispatch(s, p, self.office_hours(returned + timedelta(minutes=rng.randint(20, 240))), right, [])
        if case.status == Status.DISPATCHED:
            steps = [(self.sign_time(case.dispatched_at, p), s.sign, case.lead_unit)]
            steps += [(self.clock + timedelta(hours=1) if p.force == "assist_unsigned" else
                       case.dispatched_at + timedelta(minutes=rng.randint(10, 480)), s.sign, u) for u in p.assisting]
            for at, step, unit in sorted(steps, key=lambda x: x[0]):
                step(at, unit)
        self.work(s, p, s.last)  # after the last signature: the assisting units are on board
        while True:
            if rng.random() >= 0.85:
                s.archive(self.archive_time(p, case.resolved_at + timedelta(days=settings.CASE_CALLBACK_DAYS,
                                                                            minutes=rng.randint(60, 4320))))
                return
            late = not case.resolved_on_time
            rating, solved = self.opinion(late=late, again=case.reopen_count > 0)
            via = RatedVia.RESIDENT if rng.random() < 0.6 else RatedVia.PHONE
            comment = rng.choice(COMMENTS[rating]) if rng.random() < 0.2 else ""
            s.rate(case.resolved_at + timedelta(minutes=rng.randint(360, 3600)), rating, solved, comment, via)
            if rating == Rating.UNSATISFIED and simple and case.reopen_count == 0 and rng.random() < 0.3:
                reopened = case.rated_at + timedelta(minutes=rng.randint(60, 1440))
                s.reopen(reopened, rng.choice(REOPEN_REASONS))
                self.work(s, p, reopened)
                continue
            if rng.random() < 0.01:
                return  # rated, never archived
            s.archive(self.archive_time(p, case.rated_at + timedelta(minutes=rng.randint(1440, 7200))))
            return

    @staticmethod
    def archive_time(p, at):
        """Not before its duplicates have merged: an archived case takes no more."""
        return max(at, max(p.merges) + timedelta(days=1)) if p.merges else at

    def office_hours(self, at):
        """The dispatcher's time: at or after `at`, between 08:30 and 18:00 (local)."""
        local = timezone.localtime(at)
        start = local.replace(hour=8, minute=30, second=0)
        if local.hour >= 18:
            start += timedelta(days=1)
        elif local >= start:
            return at
        return start.astimezone(UTC) + timedelta(minutes=self.rng.randint(0, 90))

    def sign_time(self, dispatched, p):
        rng = self.rng
        if p.force == "unsigned":
            return self.clock + timedelta(hours=1)
        if rng.random() < 0.85:
            return dispatched + timedelta(minutes=3 + min(110, int(rng.expovariate(1 / 30))))
        return dispatched + timedelta(minutes=rng.randint(125, 1200))

    def work(self, s, p, start):
        """From signing (or reopening) to 办结: progress notes, perhaps an extension, the answer."""
        rng, case = self.rng, s.case
        late = p.force == "overdue" or rng.random() < 0.05  # with the late signatures, about 6% resolved late
        steps = []
        extension = None
        if case.urgency in (Urgency.GENERAL, Urgency.COMPLEX) and not p.force and rng.random() < 0.025:
            requested = max(start + timedelta(hours=1), case.deadline - timedelta(minutes=rng.randint(300, 4320)))
            until = case.deadline + timedelta(days=rng.randint(3, 15))
            approved = requested + timedelta(minutes=rng.randint(60, 480))
            steps += [(requested, "request", until), (approved, "approve", None)]
            resolved = approved + (until - approved) * rng.uniform(0.2, 0.9) if rng.random() > 0.1 else (
                until + timedelta(hours=rng.randint(6, 72)))
        elif late:
            overshoot = {Urgency.EMERGENCY: (15, 240), Urgency.UTILITY: (30, 720)}.get(case.urgency, (60, 2880))
            resolved = case.deadline + timedelta(minutes=rng.randint(*overshoot))
            if p.force == "overdue":
                resolved = max(resolved, self.clock + timedelta(days=1))
        else:
            share = {Urgency.EMERGENCY: (0.25, 0.9), Urgency.UTILITY: (0.05, 0.75)}.get(case.urgency, (0.08, 0.7))
            resolved = start + (case.deadline - start) * min(0.97, rng.uniform(*share) * rng.uniform(0.5, 1.4))
        minimum = timedelta(minutes={Urgency.EMERGENCY: 15, Urgency.UTILITY: 40}.get(case.urgency, 180))
        resolved = max(resolved, start + minimum)
        if p.force in ("in_hand", "in_hand_noted"):
            resolved = max(resolved, self.clock + timedelta(days=1))
            if p.force == "in_hand_noted":
                steps.append((_whole(min(start + timedelta(minutes=20), self.clock - timedelta(minutes=5))), "note",
                              (NOTES[0], True)))
        if case.urgency in (Urgency.GENERAL, Urgency.COMPLEX) and rng.random() < 0.3:
            steps.append((_whole(start + (resolved - start) * rng.uniform(0.2, 0.8)), "note", (rng.choice(NOTES), True)))
        if rng.random() < 0.08:
            steps.append((_whole(start + (resolved - start) * rng.uniform(0.05, 0.5)), "note",
                          (rng.choice(INTERNAL_NOTES), False)))
        for at, kind, arg in sorted(steps, key=lambda x: x[0]):
            if kind == "request":
                extension = s.request_extension(at, arg, rng.choice(EXTENSION_REASONS))
            elif kind == "approve":
                s.approve_extension(at, extension)
            else:
                s.note(at, *arg)
        answer = rng.choice(ANSWERS[p.category.code])
        if case.reopen_count:
            answer = "经重新核实办理：" + answer
        s.resolve(_whole(resolved), answer)

    def opinion(self, *, late, again=False):
        rng = self.rng
        # A reopening takes about half of the 不满意 out of the figures: the second rating replaces it.
        shares = (0.5, 0.28) if late else (0.6, 0.32) if again else (0.7, 0.18)
        r = rng.random()
        rating = Rating.SATISFIED if r < shares[0] else Rating.BASIC if r < shares[0] + shares[1] else Rating.UNSATISFIED
        solved = rng.random() < {Rating.SATISFIED: 0.98, Rating.BASIC: 0.85, Rating.UNSATISFIED: 0.3}[rating]
        return rating, solved

    def right_unit(self, p, wrong):
        """Where a wrongly routed case belongs: a township's case to its department, a department's to the township."""
        if wrong.kind == UnitKind.TOWNSHIP:
            return self.dept_units.get(p.category.wrong_for) or self.district
        return self.town_units[p.town.pk] if p.town is not None else self.district

    @staticmethod
    def return_reason(wrong, right):
        if right.kind == UnitKind.DEPARTMENT:
            return f"经核实，该问题属于{right.name}职责范围，本单位无执法权限，申请退回改派。"
        if right.kind == UnitKind.TOWNSHIP:
            return f"经核实，该问题属于属地管理事项，建议由{right.name}办理。"
        return "经核实，该问题不属于本单位职责，请区级统筹协调。"

    # ------------------------------------------------------------ writing

    def write(self, plans):
        # Ids are given here, so that a chunk's events and assignments can name their cases before the cases are in.
        self.next_id = Case.objects.aggregate(m=Max("id"))["m"] or 0
        written = 0
        for start in range(0, len(plans), CHUNK):
            chunk = plans[start:start + CHUNK]
            stories = [self.play(p) for p in chunk]
            insert_rows(Case, [s.case.row() for s in stories])
            insert_rows(CaseAssignment, [(a.case.id, a.unit.pk, a.role, a.status, a.dispatched_at, a.signed_at, a.returned_at,
                                      a.return_reason) for s in stories for a in s.assignments])
            insert_rows(CaseEvent, [(case.id, kind, at, None, unit.pk if unit else None, public, text, data)
                                for s in stories for case, kind, at, unit, public, text, data in s.events])
            CaseExtension.objects.bulk_create([e for s in stories for e in s.extensions])
            for p in chunk:
                if not p.merges:
                    p.case = None  # only the masters of later duplicates are needed again
            written += len(chunk)
            self.log(f"  群众诉求 {written}/{len(plans)}（{written * 100 // len(plans)}%）")
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case]):  # PostgreSQL: new cases go on from here
                cursor.execute(sql)
        CaseNumberCounter.objects.bulk_create([CaseNumberCounter(day=d, last=n) for d, n in sorted(self.counters.items())])


def _whole(moment):
    return moment.replace(microsecond=0)


def write_cases(orgs, rng, today, log, *, total, focus_town=None):
    """The district's 群工 settings and `total` cases over the twelve months before 08:00 of `today`."""
    seeder = CaseSeeder(orgs, rng, today, log, total=total, focus_town=focus_town)
    seeder.write_settings()
    plans = seeder.plan()
    with large_write_cache(kib=64 * 1024):  # SQLite: the cases' twenty indexes outgrow the default 2 MB
        seeder.write(plans)
    from apps.cases.lapses import sweep
    from apps.cases.rollups import rebuild

    sweep()  # the lapses up to now recorded, as the schedule would have (the rankings' live part small)
    rebuild()  # the rows went in past the services, which keep the monthly roll-ups
    log(f"  群众诉求 {len(plans)} 件，承办单位 {1 + len(seeder.town_units) + len(seeder.dept_units)} 个；"
        f"查询码均为 {DEMO_QUERY_CODE}")
    return len(plans)
