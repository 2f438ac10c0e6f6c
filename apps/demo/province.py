"""The province bench data set: the demo district's whole year (organizations, members, committees, records,
attendance, evaluations, citizen requests and every stored counter and roll-up) copied set-based into 38
districts under one province committee — about 100,000 organizations, 2.4 million members, 1.9 million
records, 44 million attendance rows and 38 times the district's cases, in district proportions by construction.

Why a copy rather than 38 generated districts: generating a district row by row in Python (with encryption,
hashes and pinyin for every member) takes minutes; 38 of them would take hours. INSERT … SELECT copies a
district inside the database in well under a minute, and every stored figure (member counts and subtree
roll-ups, fulfilment counters, last-attended marks, case month roll-ups) is copied with the rows it summarises,
so the copy is consistent without a rebuild (the case roll-ups' grains keyed by the tree's root are derived again
from the copied full rows: `cases.rollups.regrain`).

How: the seeded district's root moves one level down (its paths get the province prefix 0001), then for each
further district every table's rows are re-inserted with their keys shifted by a stride (the table's largest
key before copying) and their foreign keys to copied tables shifted by that table's stride. Configuration
(activity types, clusters, handling units, services, routing, users) is shared, not copied. Unique columns
get a district mark (organization code, member id hash, check-in token, case number and token): the copies'
id hashes no longer match their (copied) encrypted id numbers, so an ID search finds the first district's
members only — the copies exist to be counted, listed and summed.

Copied districts are named 第N区…; the province's administrator is `province_admin` (demo password), a
district administrator at the province root. A province keeps townships at depth 3: CASE_ROLLUP_AREA_DEPTH=3.
"""

import time

from django.apps import apps
from django.db import connection, transaction
from django.test import override_settings

PROVINCE_DISTRICTS = 38
PROVINCE_NAME = "中共示范省委员会"
PROVINCE_ADMIN = "province_admin"
PROVINCE_AREA_DEPTH = 3  # townships: province → district → township

# Copied, in foreign-key order (a table's references point to tables earlier in the list or to shared ones).
COPIED_MODELS = (
    "orgs.Organization", "orgs.OrgMemberCount", "orgs.OrgDomainCount", "members.Member", "orgs.CommitteePost",
    "records.ActivityPlan", "records.ActivityRecord", "records.Attendance", "records.RecordVersion",
    "records.Fulfilment", "records.MemberAttendanceMark", "records.MonthlyStar", "records.RecordMonthRollup",
    "records.FulfilmentRollup",
    "evaluations.Evaluation", "evaluations.Participant", "evaluations.PeerRating",
    "cases.Case", "cases.CaseAssignment", "cases.CaseEvent", "cases.CaseExtension", "cases.CaseMonthRollup",
)
# Rows holding files on disk are not copied (the demo seeds none).
NOT_COPIED = ("records.RecordFile", "cases.CasePhoto")


def _b36(n, width=4):
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = alphabet[r] + out
    return out.rjust(width, "0")


def is_province() -> bool:
    from apps.orgs.models import Organization

    return Organization.objects.filter(depth=1, name=PROVINCE_NAME).exists()


def _mark(d: int) -> str:
    return f"{d:02d}"


def _unique_overrides(d: int, qn) -> dict:
    """{(db_table, column): SQL expression} for the columns that must differ between copies."""
    mark = _mark(d)
    if connection.vendor == "postgresql":
        uuid = f"md5({qn('token')}::text || '{mark}')::uuid"
    else:  # SQLite keeps a UUID as 32 hex characters: its first byte shifted by d − 1 (never back to itself)
        hexdigits, token = "'0123456789abcdef'", qn("token")
        byte = (f"(instr({hexdigits}, substr({token}, 1, 1)) - 1) * 16 "
                f"+ instr({hexdigits}, substr({token}, 2, 1)) - 1")
        uuid = f"printf('%02x', ({byte} + {d - 1}) % 256) || substr({token}, 3)"
    return {
        ("orgs_organization", "path"): f"'0001{_b36(d)}' || substr({qn('path')}, 9)",
        ("orgs_organization", "code"): f"'P{mark}' || {qn('code')}",
        ("orgs_organization", "name"): f"'第{d}区' || substr({qn('name')}, 4)",  # after 第1区
        # A hex digest: 'p' and the district replace its first three characters (no hex digest starts with 'p').
        ("members_member", "id_hash"): f"'p{mark}' || substr({qn('id_hash')}, 4)",
        ("records_activityrecord", "checkin_token"): f"substr({qn('checkin_token')}, 1, 30) || '{mark}'",
        ("cases_case", "number"): f"'P{mark}' || substr({qn('number')}, 3)",
        ("cases_case", "token"): uuid,
    }


def _copy_sql(model, d, strides, overrides, qn):
    table = model._meta.db_table
    columns, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.generated:  # computed by the database from the copied columns
            continue
        column = qn(field.column)
        columns.append(column)
        target = field.related_model._meta.label if field.is_relation and field.related_model else None
        if (table, field.column) in overrides:
            exprs.append(overrides[(table, field.column)])
        elif field.primary_key and target is None:
            exprs.append(f"{column} + {(d - 1) * strides[model._meta.label]}")
        elif target in strides:
            exprs.append(f"{column} + {(d - 1) * strides[target]}")
        else:
            exprs.append(column)
    pk = qn(model._meta.pk.column)
    return (f"INSERT INTO {qn(table)} ({', '.join(columns)}) SELECT {', '.join(exprs)} FROM {qn(table)} "
            f"WHERE {pk} <= {strides[model._meta.label]}")


def build_province(*, log=print, districts=PROVINCE_DISTRICTS):
    """Turn a database holding the seeded demo district into the province bench data set (see the module).

    One transaction per district, so the progress is real and a copy's work is kept; an interrupted build leaves a
    database that is refused here (no single district root any more): empty it and seed again."""
    from apps.access.models import Role, RoleAssignment
    from apps.accounts.models import User
    from apps.cases import rollups as case_rollups
    from apps.orgs.models import DOMAIN_FIGURES, Organization, OrgDomainCount, OrgMemberCount, class_figures, org_class
    from apps.records import fulfilment_rollups, plan_counts
    from apps.records import rollups as record_rollups

    from .seed import DEMO_PASSWORD

    roots = list(Organization.objects.filter(depth=1))
    if len(roots) != 1 or roots[0].name == PROVINCE_NAME:
        raise RuntimeError("省级基准数据只能由一个刚生成的演示区构建（数据库中应只有一个根组织）")
    started = time.perf_counter()
    qn = connection.ops.quote_name
    models = [apps.get_model(label) for label in COPIED_MODELS]
    for label in NOT_COPIED:
        if apps.get_model(label).objects.exists():
            raise RuntimeError(f"{label} 有上传文件记录，省级基准数据不复制文件")
    # The case roll-ups are copied as they are, so they must be keyed at the township depth the district will have
    # below the province (one level up from the province's): a district seeded under the province's setting (the
    # bench sets it first) would key them by village, and the copies would hold ~8× the rows, keyed one level deep.
    with override_settings(CASE_ROLLUP_AREA_DEPTH=PROVINCE_AREA_DEPTH - 1):
        case_rollups.rebuild()
    strides = {}
    for model in models:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({qn(model._meta.pk.column)}) FROM {qn(model._meta.db_table)}")
            strides[model._meta.label] = cursor.fetchone()[0] or 0
    org_table = qn(Organization._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Two steps: the unique path is checked row by row, and 0001… → 00010001… would meet 0001 itself.
            cursor.execute(f"UPDATE {org_table} SET {qn('path')} = 'X' || {qn('path')}, {qn('depth')} = {qn('depth')} + 1")
            cursor.execute(f"UPDATE {org_table} SET {qn('path')} = '0001' || substr({qn('path')}, 2)")
            cursor.execute(f"UPDATE {org_table} SET {qn('name')} = '第1区' || {qn('name')}")
    log(f"  第1区：演示区移至省委之下（{time.perf_counter() - started:.1f} 秒）")
    for d in range(2, districts + 1):
        t0 = time.perf_counter()
        overrides = _unique_overrides(d, qn)
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL synchronous_commit = off")
            for model in models:
                cursor.execute(_copy_sql(model, d, strides, overrides, qn))
        log(f"  第{d}区：已复制（{time.perf_counter() - t0:.1f} 秒，累计 {time.perf_counter() - started:.0f} 秒，"
            f"{d * 100 // districts}%）")
    with transaction.atomic():
        _reset_sequences(models)
        district_roots = OrgMemberCount.objects.filter(organization__depth=2)
        totals = {"members": 0, "orgs": 0}
        for row in district_roots:
            totals["members"] += row.subtree_current
            totals["orgs"] += row.subtree_orgs
        province = Organization(name=PROVINCE_NAME, code="P0000000", kind="committee", domain="organ", path="0001",
                                depth=1, numchild=districts)
        Organization.objects.bulk_create([province])  # no save(): its counters are written just below
        OrgMemberCount.objects.create(organization=province, subtree_current=totals["members"],
                                      subtree_orgs=totals["orgs"] + 1)
        # Its breakdown by domain: the districts' summed, and itself (an organ committee).
        by_domain = {}
        for domain, *figures in OrgDomainCount.objects.filter(organization__depth=2).values_list(
                "domain", *DOMAIN_FIGURES):
            row = by_domain.setdefault(domain, [0] * len(DOMAIN_FIGURES))
            for i, value in enumerate(figures):
                row[i] += value
        own = (0, *class_figures(org_class(province.kind, True, 0)))
        row = by_domain.setdefault(province.domain, [0] * len(DOMAIN_FIGURES))
        for i, value in enumerate(own):
            row[i] += value
        OrgDomainCount.objects.bulk_create([OrgDomainCount(organization=province, domain=domain,
                                                           **dict(zip(DOMAIN_FIGURES, figures)))
                                            for domain, figures in sorted(by_domain.items())])
        record_rollups.refill(province)  # its monthly record figures: the districts' rows summed
        fulfilment_rollups.refill(province)  # and its Fulfilment roll-ups
        # The case roll-ups' full rows are copied as they are (keyed by township); the unit and category grains are
        # keyed by the tree's root, now the province: derived again from the full rows.
        case_rollups.regrain()
        user = User(username=PROVINCE_ADMIN, display_name="省委组织部管理员")
        user.set_password(DEMO_PASSWORD)
        user.save()
        RoleAssignment.objects.create(user=user, role=Role.DISTRICT_ADMIN, organization=province, can_unmask=True)
    plan_counts.rebuild()  # the calendar's per-day plan counts, from the copied plans (not copied themselves)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load (see bench.ensure_data)
    log(f"  省级基准数据：{districts} 个区，{totals['orgs'] + 1:,} 个党组织，{totals['members']:,} 名现有党员，"
        f"用时 {time.perf_counter() - started:.0f} 秒")
    return {"orgs": totals["orgs"] + 1, "members": totals["members"]}


def _reset_sequences(models):
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
