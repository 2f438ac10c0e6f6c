"""Write a generated demo district into the database, fast (bulk inserts), with progress."""

import random
from datetime import date, timedelta

from django.db import transaction

from apps.access.models import Role, RoleAssignment
from apps.accounts.models import User
from apps.audit.services import Action, audit_record
from apps.core.crypto import keyed_hash
from apps.core.idcard import mask_id_number
from apps.core.text import mask_phone, pinyin_keys
from apps.members.counters import recount
from apps.members.models import Member
from apps.orgs.models import CommitteePost, Organization

from .generator import SCALES, DistrictBuilder, MemberFactory, assign_paths

DEMO_PASSWORD = "Yangguang2026"
DEMO_ACCOUNTS = [
    ("district_admin", "区委组织部管理员", Role.DISTRICT_ADMIN),
    ("town_admin", "乡镇党委管理员", Role.ORG_ADMIN),
    ("secretary", "支部书记", Role.SECRETARY),
    ("member", "党员", Role.MEMBER),
    ("auditor", "审计员", Role.AUDITOR),
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN),
    ("dispatcher", "群工调度员", Role.CASE_DISPATCHER),
    ("dept_handler", "区住建委群工办理员", Role.CASE_HANDLER),
    ("evaluator", "第三方测评员", Role.SURVEY_EVALUATOR),
]


def seed_demo(*, scale="district", seed=2026, today=None, log=print):
    """The demo district; `province`: the district copied into the province bench data set (apps.demo.province)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale}")
    if Organization.objects.exists():
        raise RuntimeError("数据库中已有组织数据；如需重建请先清空数据库（--reset）")
    if scale == "province":
        from .province import build_province

        seed_demo(scale="district", seed=seed, today=today, log=log)
        log("省级基准数据：复制演示区为 38 个区 …")
        return build_province(log=log)
    today = today or date.today()
    rng = random.Random(seed)
    params = SCALES[scale]
    builder = DistrictBuilder(rng, params)
    builder.build("中共示范区委员会")
    nodes = builder.nodes
    assign_paths(nodes)
    log(f"组织结构：{len(nodes)} 个党组织")

    from .assessment_cross_seed import write_cross
    from .assessment_duties_seed import write_duties
    from .assessment_honours_seed import write_honours
    from .assessment_pay_seed import write_pay
    from .assessment_results_seed import write_publication
    from .assessment_seed import write_assessment
    from .ballot_seed import seed_ballots
    from .cases_seed import CASE_COUNTS, DEMO_QUERY_CODE, write_cases
    from .dues_seed import write_dues
    from .evaluations_seed import write_evaluations
    from .flows_seed import write_flows
    from .membership_seed import write_membership
    from .records_seed import write_records
    from .sanshu_seed import seed_sanshu
    from .status_seed import write_status_changes

    with transaction.atomic():
        orgs = _write_orgs(nodes, rng, today, log)
        members_by_org = _write_members(nodes, orgs, rng, today, params["members"], log)
        recount()
        log("  组织党员数已统计")
        posts = _write_posts(nodes, orgs, members_by_org, rng, today, log)
        secretary_branch, admin_town = _write_accounts(nodes, orgs, members_by_org, 0, log)
        # The demo secretary's branch has not yet recorded this month's 主题党日: try it.
        write_records(orgs, members_by_org, _posts_by_org(posts), rng, today, log, skip_theme_day_of=secretary_branch.pk)
        write_evaluations(orgs, members_by_org, rng, today, log)  # last year's, finalized; none yet this year
        # The demo town_admin's township has cases waiting to be signed for and cases past their deadline.
        write_cases(orgs, rng, today, log, total=CASE_COUNTS[scale], focus_town=admin_town)
        # 民主测评: the township's 三述一评 (last year's archived, this year's in 公示), its 双向考核 and the district's
        # resident survey, before the assessment, whose rounds read them.
        seed_sanshu(today=today, seed=seed, log=log)
        seed_ballots(next(o for o in orgs if o.depth == 1), today, log=log)
        assessment = write_assessment(next(o for o in orgs if o.depth == 1), today, log)
        write_honours(next(o for o in orgs if o.depth == 1), today, log)  # this year's 1213 action
        write_duties(next(o for o in orgs if o.depth == 1), today, log)  # duty lists, last quarter's inspections
        # The departments' 1+N (区直部门: this half-year's round open, the last one closed when it has ended).
        write_cross(next(o for o in orgs if o.depth == 1), today, log, closed_round=True)
        if assessment["closed_rounds"]:  # last quarter's results published with the monthly review; the cadres' pay
            write_publication(next(o for o in orgs if o.depth == 1), today, log, assessment["closed_rounds"][0])
            write_pay(next(o for o in orgs if o.depth == 1), today, log, assessment["closed_rounds"][0])
        # 党籍变动 before the dues: the members who left or died are off the dues sheets.
        write_status_changes(orgs, members_by_org, today, log, focus_branch=secretary_branch)
        write_dues(orgs, members_by_org, rng, today, log, focus_branch=secretary_branch, fund_town=admin_town)
        # Applicants at every stage (the township's reminders due and overdue), transfers and letters: after the dues,
        # whose standings the transfers read.
        write_membership(orgs, today, log, focus_branch=secretary_branch, focus_town=admin_town, seed=seed)
        write_flows(orgs, members_by_org, rng, today, log)  # 流出 with report-backs (some overdue), 流入, 失联
        audit_record(actor=None, action=Action.IMPORT, object_type="demo", object_repr="演示数据初始化",
                     note=f"规模 {scale}，随机种子 {seed}")
    log(f"演示数据已写入；群众诉求的查询码均为 {DEMO_QUERY_CODE}（凭受理编号和查询码可在 /report/track/ 查看办理进度）")
    return {"orgs": len(orgs), "members": sum(len(v) for v in members_by_org.values()),
            "closed_rounds": [r.pk for r in assessment["closed_rounds"]], "open_rounds": [r.pk for r in assessment["open_rounds"]]}


CLUSTER_NAMES = [f"第{n}组团" for n in "一二三四五六七八九"]  # the seeds' district grouped townships into 9 组团


def _write_orgs(nodes, rng, today, log):
    from apps.orgs.models import Cluster

    clusters = Cluster.objects.bulk_create([Cluster(name=n, description="片区组团") for n in CLUSTER_NAMES])
    objs = []
    for i, node in enumerate(nodes):
        org = Organization(
            name=node.name, code=f"O{i + 1:07d}", kind=node.kind, domain=node.domain, path=node.path, depth=node.depth,
            numchild=len(node.children), is_industry=node.flags.get("is_industry", False),
            is_project=node.flags.get("is_project", False), is_flowing=node.flags.get("is_flowing", False),
            covered_units=node.flags.get("covered_units", ""),
            # Townships (and everything under them) belong to one of the clusters, in turn.
            cluster=clusters[_township_number(nodes, i) % len(clusters)] if _township_number(nodes, i) is not None else None,
            founded_on=today - timedelta(days=rng.randint(3 * 365, 40 * 365)),
        )
        if node.kind != "group":
            # Most terms run their course; about one in twenty is overdue for election.
            term_days = org.term_years() * 365
            if rng.random() < 0.05:
                org.term_started_on = today - timedelta(days=term_days + rng.randint(10, 300))
            else:
                org.term_started_on = today - timedelta(days=rng.randint(30, term_days - 5))
            org.term_ends_on = org.compute_term_end()
        objs.append(org)
    for start in range(0, len(objs), 2000):
        Organization.objects.bulk_create(objs[start:start + 2000])
        log(f"  写入党组织 {min(start + 2000, len(objs))}/{len(objs)}")
    return objs


def _township_number(nodes, index):
    """Index of the township an organization lies under (the district root's committee children), or None."""
    node = nodes[index]
    chain = [index]
    while node.parent is not None:
        chain.append(node.parent)
        node = nodes[node.parent]
    # chain: self … township, district root (… province root)
    for i in chain:
        if nodes[i].name.endswith(("镇党委", "街道党工委")):
            return i
    return None


def _write_members(nodes, orgs, rng, today, target, log):
    weights = [n.weight if n.kind != "group" else 0 for n in nodes]
    total_weight = sum(weights) or 1
    factory = MemberFactory(rng, today)
    pinyin_cache = {}
    members_by_org = {}
    batch, written = [], 0
    counts = [round(w * target / total_weight) for w in weights]
    planned = sum(counts)
    groups_of = {i: [c for c in n.children if nodes[c].kind == "group"] for i, n in enumerate(nodes)}
    for index, count in enumerate(counts):
        if not count:
            continue
        org = orgs[index]
        groups = groups_of[index]
        for k in range(count):
            spec = factory.make(index, nodes[index].domain)
            keys = pinyin_cache.get(spec.name)
            if keys is None:
                keys = pinyin_cache[spec.name] = pinyin_keys(spec.name)
            m = Member(
                organization=org, party_group=orgs[groups[k % len(groups)]] if groups else None, name=spec.name,
                name_pinyin=keys[0], name_initials=keys[1], id_number=spec.id_number, id_hash=keyed_hash(spec.id_number),
                id_masked=mask_id_number(spec.id_number), birth_date=spec.birth, sex=spec.sex, ethnicity=spec.ethnicity,
                education=spec.education, occupation=spec.occupation, joined_on=spec.joined_on,
                full_member_on=spec.full_member_on, category=spec.category, status=spec.status, phone=spec.phone,
                phone_hash=keyed_hash(spec.phone), phone_masked=mask_phone(spec.phone), is_hardship=spec.is_hardship,
                flow_place=spec.flow_place, flow_contact=spec.flow_contact,
            )
            batch.append(m)
            if len(batch) >= 5000:
                written += _flush_members(batch, members_by_org)
                log(f"  写入党员 {written}/{planned}（{written * 100 // planned}%）")
    written += _flush_members(batch, members_by_org)
    log(f"  写入党员 {written}/{planned}（100%）")
    return members_by_org


def _flush_members(batch, members_by_org):
    Member.objects.bulk_create(batch, batch_size=1000)
    for m in batch:
        members_by_org.setdefault(m.organization_id, []).append(m)
    n = len(batch)
    batch.clear()
    return n


def _write_posts(nodes, orgs, members_by_org, rng, today, log):
    posts = []
    org_index = {o.pk: i for i, o in enumerate(orgs)}

    def pool_for(index):
        """Members of the organization, or of its first descendants that have some."""
        direct = members_by_org.get(orgs[index].pk, [])
        if direct:
            return direct
        for child in nodes[index].children:
            found = pool_for(child)
            if found:
                return found
        return []

    for index, node in enumerate(nodes):
        if node.kind == "group":
            pool = [m for m in members_by_org.get(orgs[node.parent].pk, []) if m.party_group_id == orgs[index].pk]
            if pool:
                posts.append(CommitteePost(organization=orgs[index], member=pool[0], post="group_leader",
                                           term_start=orgs[node.parent].term_started_on or today, is_current=True))
            continue
        pool = [m for m in pool_for(index) if m.category == "full" and m.status == "normal"]
        if not pool or rng.random() < 0.06:
            continue  # no secretary: a structure warning
        start = orgs[index].term_started_on or today
        chosen = rng.sample(pool, min(len(pool), 7))
        roles = ["secretary"]
        full_count = len(pool)
        if node.kind in ("committee", "working_committee", "general_branch") or full_count >= 7:
            if rng.random() < 0.88:
                roles += ["deputy_secretary", "organization", "propaganda", "discipline"][: rng.randint(2, 4)]
                if node.kind in ("committee", "working_committee"):
                    roles += ["member", "member"]
        for post, member in zip(roles, chosen):
            posts.append(CommitteePost(organization=orgs[index], member=member, post=post, term_start=start, is_current=True))
    CommitteePost.objects.bulk_create(posts, batch_size=2000)
    log(f"  班子成员 {len(posts)} 人次")
    del org_index
    return posts


def _posts_by_org(posts):
    found = {}
    for p in posts:
        entry = found.setdefault(p.organization_id, {"secretary": None, "committee": []})
        if p.post == "secretary":
            entry["secretary"] = p.member
        if p.post != "group_leader":
            entry["committee"].append(p.member)
    return found


def _write_accounts(nodes, orgs, members_by_org, root_index, log):
    """The demo accounts; returns the demo secretary's branch and the demo town_admin's township."""
    from .cases_config_seed import handler_department
    from .cases_data import HOUSING

    root = orgs[root_index]
    town_index = next(i for i, n in enumerate(nodes) if n.name.endswith("镇党委"))
    branch_index = next(c for c in nodes[town_index].children
                        if nodes[c].kind == "branch" and nodes[c].domain == "village"
                        and len(members_by_org.get(orgs[c].pk, [])) >= 8)
    branch = orgs[branch_index]
    member = next(m for m in members_by_org[branch.pk] if m.status == "normal" and m.category == "full")
    # The housing department's organ organization (the small scale has none: then its first department's).
    department_name, department = handler_department(orgs)
    where = {
        Role.DISTRICT_ADMIN: root, Role.ORG_ADMIN: orgs[town_index], Role.SECRETARY: branch, Role.MEMBER: branch,
        Role.AUDITOR: root, Role.SYSTEM_ADMIN: None, Role.CASE_DISPATCHER: root, Role.CASE_HANDLER: department,
        Role.SURVEY_EVALUATOR: root,
    }
    for username, display, role in DEMO_ACCOUNTS:
        user = User(username=username, display_name=display)
        user.set_password(DEMO_PASSWORD)
        if role == Role.MEMBER:
            user.member = member
            user.display_name = member.name
        if role == Role.CASE_HANDLER and department_name != HOUSING:
            user.display_name = f"{department_name}群工办理员"
        user.save()
        RoleAssignment.objects.create(user=user, role=role, organization=where[role],
                                      can_unmask=role == Role.DISTRICT_ADMIN)
    log(f"  演示账号 {len(DEMO_ACCOUNTS)} 个（密码 {DEMO_PASSWORD}）")
    return branch, orgs[town_index]
