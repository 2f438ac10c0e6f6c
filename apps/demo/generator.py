"""A deterministic demo district shaped like the seeds' districts (the province bench data set copies it: apps.demo.province).

Structure of one district: 区委 → township 党委/街道党工委 (villages, communities), the
organs' working committee (departments), education, health, state enterprises, the
non-public sector (including joint, industry, project and flowing-member branches),
social organizations and retired cadres; 党小组 under larger branches. Members get valid
身份证 numbers and realistic age, sex, education and 党龄 distributions.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from apps.core.dates import add_years
from apps.core.idcard import make_id_number

from . import names

SCALES = {
    # townships, departments, schools, hospitals, state enterprises, private enterprises, social orgs, retired branches, members
    "small": dict(townships=2, villages=(3, 5), departments=4, schools=3, hospitals=2, soes=2, private=6, joint=2, social=2, retired=2, members=420),
    "district": dict(townships=27, villages=(12, 19), departments=50, schools=140, hospitals=7, soes=28, private=420, joint=60, social=10, retired=30, members=63000),
}
SCALES["province"] = SCALES["district"]  # generated once, then copied into 38 districts (apps.demo.province)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
AREA_CODES = ["500102", "500101", "500103", "500104", "500105", "500106", "500110", "500112", "500153", "500230"]


@dataclass
class Node:
    name: str
    kind: str
    domain: str
    parent: int | None
    weight: float = 0.0  # relative number of direct members
    flags: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    path: str = ""
    depth: int = 0
    code: str = ""


class DistrictBuilder:
    def __init__(self, rng: random.Random, scale: dict, prefix=""):
        self.rng, self.s, self.prefix = rng, scale, prefix
        self.nodes: list[Node] = []

    def add(self, name, kind, domain, parent, weight=0.0, **flags):
        node = Node(name=name, kind=kind, domain=domain, parent=parent, weight=weight, flags=flags)
        self.nodes.append(node)
        index = len(self.nodes) - 1
        if parent is not None:
            self.nodes[parent].children.append(index)
        return index

    def branch_weight(self, low=8, high=45):
        r = self.rng.random()
        if r < 0.04:
            return self.rng.randint(1, 2)  # too small: a structure warning
        if r < 0.07:
            return self.rng.randint(51, 68)  # too large: a structure warning
        return self.rng.randint(low, high)

    def branch(self, name, domain, parent, low=8, high=45, groups=True, **flags):
        kind = flags.pop("kind", "branch")
        index = self.add(name, kind, domain, parent, self.branch_weight(low, high), **flags)
        if groups and self.nodes[index].weight >= 25 and self.rng.random() < 0.45:
            for g in range(self.rng.randint(2, 4)):
                self.add(f"{name}第{'一二三四'[g]}党小组", "group", domain, index)
        return index

    def build(self, root_name, parent=None):
        rng, s = self.rng, self.s
        root = self.add(root_name, "committee", "organ", parent)
        places = list(names.PLACES)
        rng.shuffle(places)
        for t in range(s["townships"]):
            place = places[t % len(places)] + ("" if t < len(places) else str(t))
            street = t % 3 == 2
            town = self.add(f"{self.prefix}{place}{'街道党工委' if street else '镇党委'}", "working_committee" if street else "committee",
                            "organ", root)
            self.branch(f"{place}{'街道' if street else '镇'}机关党支部", "organ", town, 10, 30)
            words = list(names.VILLAGE_WORDS)
            rng.shuffle(words)
            for v in range(rng.randint(*s["villages"])):
                word = words[v % len(words)]
                if street:
                    if rng.random() < 0.4:
                        community = self.add(f"{place}街道{word}社区党委", "committee", "community", town, rng.randint(5, 15))
                        for k in range(rng.randint(3, 5)):
                            self.branch(f"{word}社区第{k + 1}网格党支部", "community", community, 10, 35)
                    else:
                        self.branch(f"{place}街道{word}社区党支部", "community", town, 12, 45, kind="branch")
                else:
                    if rng.random() < 0.25:
                        village = self.add(f"{place}镇{word}村党总支", "general_branch", "village", town, rng.randint(3, 8))
                        for k in range(rng.randint(2, 4)):
                            self.branch(f"{word}村第{k + 1}党支部", "village", village, 15, 35)
                    else:
                        self.branch(f"{place}镇{word}村党支部", "village", town, 12, 48)
        organs = self.add(f"{self.prefix}区直机关工委", "working_committee", "organ", root)
        for d, dept in enumerate(names.DEPARTMENTS[: s["departments"]]):
            if d % 6 == 0:
                committee = self.add(f"{dept}机关党委", "committee", "organ", organs, 0)
                for k in range(rng.randint(3, 5)):
                    self.branch(f"{dept}第{k + 1}党支部", "organ", committee, 10, 30)
            elif d % 3 == 0:
                general = self.add(f"{dept}机关党总支", "general_branch", "organ", organs, 0)
                for k in range(rng.randint(2, 4)):
                    self.branch(f"{dept}第{k + 1}党支部", "organ", general, 10, 25)
            else:
                self.branch(f"{dept}机关党支部", "organ", organs, 8, 35)
            if d % 4 == 1:
                self.branch(f"{dept}离退休党支部", "retired", organs, 5, 25)
        education = self.add(f"{self.prefix}区教育工委", "working_committee", "school", root)
        for k in range(s["schools"]):
            word = names.VILLAGE_WORDS[k % len(names.VILLAGE_WORDS)] + names.PLACES[k % len(names.PLACES)]
            school = f"{word}{names.SCHOOL_KINDS[k % len(names.SCHOOL_KINDS)]}"
            if k % 7 == 0:
                general = self.add(f"{school}党总支", "general_branch", "school", education, 0)
                for j in range(rng.randint(2, 4)):
                    self.branch(f"{school}第{j + 1}党支部", "school", general, 12, 30)
            else:
                self.branch(f"{school}党支部", "school", education, 6, 30)
        health = self.add(f"{self.prefix}区卫生健康党委", "committee", "health", root)
        for hospital in names.HOSPITALS[: s["hospitals"]]:
            committee = self.add(f"{hospital}党委", "committee", "health", health, 0)
            for j in range(rng.randint(4, 9)):
                self.branch(f"{hospital}第{j + 1}党支部", "health", committee, 12, 35)
        soe = self.add(f"{self.prefix}区国资委党委", "committee", "state_enterprise", root)
        for k in range(s["soes"]):
            firm = f"{names.ENTERPRISE_WORDS[k % len(names.ENTERPRISE_WORDS)]}{names.ENTERPRISE_KINDS[k % len(names.ENTERPRISE_KINDS)]}"
            firm = f"区属{firm}"
            if k % 4 == 0:
                committee = self.add(f"{firm}党委", "committee", "state_enterprise", soe, 0)
                for j in range(rng.randint(3, 6)):
                    self.branch(f"{firm}第{j + 1}党支部", "state_enterprise", committee, 10, 40)
            else:
                self.branch(f"{firm}党支部", "state_enterprise", soe, 8, 40)
        private = self.add(f"{self.prefix}区非公有制经济组织党委", "committee", "private_enterprise", root)
        for k in range(s["private"]):
            firm = f"{names.ENTERPRISE_WORDS[k % len(names.ENTERPRISE_WORDS)]}{names.PLACES[k % len(names.PLACES)]}{names.ENTERPRISE_KINDS[(k // 3) % len(names.ENTERPRISE_KINDS)]}"
            if k == 0:
                group = self.add(f"{firm}党委", "committee", "private_enterprise", private, 0)
                self.branch(f"{firm}流动党员党支部", "private_enterprise", group, 20, 40, is_flowing=True)
                for j in range(3):
                    self.branch(f"{firm}第{j + 1}项目党支部", "private_enterprise", group, 5, 20, is_project=True)
            else:
                self.branch(f"{firm}党支部", "private_enterprise", private, 3, 18, groups=False)
        for k, industry in enumerate(names.INDUSTRIES):
            kind = "general_branch" if k % 5 == 0 else "branch"
            if kind == "general_branch":
                general = self.add(f"{industry}党总支", kind, "private_enterprise", private, 0, is_industry=True)
                for j in range(3):
                    self.branch(f"{industry}第{j + 1}党支部", "private_enterprise", general, 12, 25, is_industry=True)
            else:
                self.branch(f"{industry}党支部", "private_enterprise", private, 8, 30, is_industry=True)
        for k in range(s["joint"]):
            units = [f"{names.ENTERPRISE_WORDS[(k + j) % len(names.ENTERPRISE_WORDS)]}{names.ENTERPRISE_KINDS[(k * 3 + j) % len(names.ENTERPRISE_KINDS)]}"
                     for j in range(rng.randint(2, 6))]
            self.branch(f"{names.PLACES[k % len(names.PLACES)]}片区非公企业联合党支部{k + 1}", "private_enterprise", private, 3, 15,
                        groups=False, kind="joint_branch", covered_units="\n".join(units))
        social = self.add(f"{self.prefix}区社会组织综合党委", "committee", "social_org", root)
        for org_name in (names.SOCIAL_ORGS * 3)[: s["social"]]:
            self.branch(f"{org_name}党支部", "social_org", social, 3, 15, groups=False)
        retired = self.add(f"{self.prefix}区离退休干部党委", "committee", "retired", root)
        for k in range(s["retired"]):
            self.branch(f"离退休干部第{k + 1}党支部", "retired", retired, 15, 45)
        self.add(f"{self.prefix}区委组织部临时党支部", "temporary_branch", "organ", root, 4)
        return self.nodes


def assign_paths(nodes, root_path="0001"):
    """Materialized paths in treebeard's format (4 base-36 characters a level)."""
    counters = {}
    for node in nodes:
        if node.parent is None:
            node.path, node.depth = root_path, len(root_path) // 4
            continue
        parent = nodes[node.parent]
        n = counters.get(node.parent, 0) + 1
        counters[node.parent] = n
        node.path = parent.path + _base36(n)
        node.depth = parent.depth + 1


def _base36(n, width=4):
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    return out.rjust(width, "0")


# Age bands of members (share), roughly the national bulletin's shape.
AGE_BANDS = [((18, 30), 0.13), ((31, 35), 0.11), ((36, 40), 0.10), ((41, 45), 0.09), ((46, 50), 0.09), ((51, 55), 0.10),
             ((56, 60), 0.10), ((61, 70), 0.14), ((71, 80), 0.09), ((81, 95), 0.05)]
EDUCATION_BY_DOMAIN = {
    "organ": [("14", 12), ("21", 60), ("31", 22), ("61", 6)],
    "school": [("14", 15), ("21", 65), ("31", 18), ("61", 2)],
    "health": [("11", 3), ("14", 20), ("21", 50), ("31", 22), ("41", 5)],
    "state_enterprise": [("14", 6), ("21", 40), ("31", 30), ("41", 10), ("61", 14)],
    "private_enterprise": [("21", 20), ("31", 30), ("41", 10), ("61", 20), ("71", 20)],
    "village": [("31", 8), ("41", 7), ("61", 25), ("71", 45), ("81", 15)],
    "community": [("21", 15), ("31", 25), ("61", 30), ("71", 25), ("81", 5)],
    "retired": [("21", 25), ("31", 25), ("41", 10), ("61", 20), ("71", 15), ("81", 5)],
    "social_org": [("21", 35), ("31", 35), ("61", 20), ("71", 10)],
}
OCCUPATION_BY_DOMAIN = {
    "organ": "official", "school": "professional", "health": "professional", "state_enterprise": "manager",
    "private_enterprise": "worker", "village": "farmer", "community": "other", "retired": "retired", "social_org": "other",
}


@dataclass
class MemberSpec:
    org_index: int
    name: str
    id_number: str
    sex: str
    birth: date
    ethnicity: str
    education: str
    occupation: str
    joined_on: date
    full_member_on: date | None
    category: str
    status: str
    phone: str
    is_hardship: bool
    flow_place: str = ""
    flow_contact: str = ""


class MemberFactory:
    def __init__(self, rng: random.Random, today: date):
        self.rng, self.today = rng, today
        self.used_seq = {}
        self.area = AREA_CODES[0]

    def _weighted(self, pairs):
        total = sum(w for _, w in pairs)
        r = self.rng.uniform(0, total)
        for value, w in pairs:
            r -= w
            if r <= 0:
                return value
        return pairs[-1][0]

    def make(self, org_index, domain) -> MemberSpec:
        rng = self.rng
        if domain == "retired":
            age = rng.randint(60, 92)
        elif domain == "school" and rng.random() < 0.3:
            age = rng.randint(23, 35)
        else:
            low, high = self._weighted(AGE_BANDS)
            age = rng.randint(low, high)
            if domain in ("organ", "school", "health", "state_enterprise") and age > 62:
                age = rng.randint(30, 60)
        birth = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
        female = rng.random() < (0.45 if domain in ("school", "health", "community") else 0.27)
        key = (self.area, birth)
        seq = self.used_seq.get(key, rng.randint(0, 40) * 2)
        if seq % 2 == (0 if female else 1):
            seq += 1
        self.used_seq[key] = seq + 1
        if seq > 999:
            self.area = AREA_CODES[(AREA_CODES.index(self.area) + 1) % len(AREA_CODES)]
            return self.make(org_index, domain)
        id_number = make_id_number(self.area, birth, seq)
        sex = "F" if seq % 2 == 0 else "M"
        surname = rng.choice(names.SURNAMES)
        stock = names.GIVEN_FEMALE if sex == "F" else names.GIVEN_MALE
        given = rng.choice(stock) + (rng.choice(stock) if rng.random() < 0.7 else "")
        earliest = add_years(birth, 18)
        span = max(1, (self.today - earliest).days)
        # Most join in their twenties and thirties.
        offset = min(span - 1, int(abs(rng.gauss(0, 1)) * 365 * 9))
        joined = earliest + timedelta(days=offset)
        category, full_on = "full", add_years(joined, 1)
        if full_on > self.today:
            category, full_on = "probationary", None
        r = rng.random()
        status = "normal"
        flow_place = flow_contact = ""
        if r < 0.045:
            status = "flowing"
            flow_place = rng.choice(names.FLOW_PLACES)
            flow_contact = f"微信同手机；{rng.choice(['务工', '经商', '求学'])}"
        elif r < 0.05:
            status = "lost_contact"
        edu = self._weighted(EDUCATION_BY_DOMAIN.get(domain, EDUCATION_BY_DOMAIN["community"]))
        if age < 23 and edu in ("11", "14"):
            edu = "21"
        occupation = OCCUPATION_BY_DOMAIN.get(domain, "other")
        if age >= 60 and domain in ("village", "community"):
            occupation = rng.choice(["retired", "farmer", "other"])
        ethnicity = "01" if rng.random() < 0.94 else rng.choice(["15", "15", "06", "03", "08"])
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"
        return MemberSpec(org_index, surname + given, id_number, sex, birth, ethnicity, edu, occupation, joined, full_on,
                          category, status, phone, rng.random() < (0.08 if domain in ("village", "retired") else 0.02),
                          flow_place, flow_contact)
