"""The demo district's dues and care fund: twelve months of dues (the twelve ending this month), most paid, a realistic
tail in arrears, remittances up the tree, the older months closed, and a township's care fund with a year of entries.

Dues are written in bulk (63,000 members × 12 months at district scale), row for row what the services write: each
payment is a balanced ledger transaction (党费留存 +, 党费收缴 −), each remittance four legs (the sender's cash out
and 上缴上级, the receiver's cash in and 下级上缴), standings from the payments. `tests/test_dues_seed.py` checks the
result with the same reconciliation the pages show. The care fund goes through its services (a second person approves
every entry), so its audit trail reads like a real year.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.core.bulk import insert_returning_pks
from apps.dues import rules
from apps.dues.ledger_models import AccountKind, LedgerAccount, LedgerLeg, LedgerTransaction, TransactionKind
from apps.dues.models import (
    DuesPayment,
    DuesStandard,
    DuesStanding,
    HardshipDecision,
    HardshipStatus,
    MonthClose,
    PaymentKind,
    PaymentMethod,
    Remittance,
)
from apps.dues.rules import DuesCategory, add_months, month_start
from apps.dues.standing import covered_through, start_month
from apps.members.models import CURRENT_STATUSES
from apps.orgs.models import Organization, OrgDomain

METHODS = [(PaymentMethod.WECHAT, 50), (PaymentMethod.BANK, 25), (PaymentMethod.CASH, 20), (PaymentMethod.ALIPAY, 5)]
CHUNK = 20_000


def _category(rng, org, member, today):
    """A plausible category and monthly base (yuan, after tax) for a member of `org`."""
    age = today.year - member.birth_date.year
    if org.domain == OrgDomain.RETIRED or age >= 62:
        return DuesCategory.RETIRED, Decimal(rng.randrange(2600, 9000, 50))
    if org.domain in (OrgDomain.VILLAGE,) and rng.random() < 0.75:
        return DuesCategory.FARMER, None
    if age <= 24 and rng.random() < 0.5:
        return DuesCategory.STUDENT, None
    roll = rng.random()
    if roll < 0.02:
        return DuesCategory.UNEMPLOYED, None
    if roll < 0.03:
        return DuesCategory.RELIEF, None
    base = {OrgDomain.PRIVATE_ENTERPRISE: (2800, 12000), OrgDomain.ORGAN: (4200, 11000)}.get(org.domain, (3200, 13000))
    return DuesCategory.IN_SERVICE, Decimal(rng.randrange(base[0], base[1], 10))


def _at(day):
    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def _pick_method(rng):
    roll, acc = rng.randrange(100), 0
    for method, weight in METHODS:
        acc += weight
        if roll < acc:
            return method
    return PaymentMethod.CASH


def write_dues(orgs, members_by_org, rng, today, log, *, focus_branch, fund_town):
    """Twelve months of dues for every current member; returns the figures a test or the log wants."""
    this_month = month_start(today)
    months = [m for m in (add_months(this_month, -i) for i in range(11, -1, -1)) if m >= start_month()]
    org_by_pk = {o.pk: o for o in orgs}
    users = {u.username: u for u in User.objects.filter(username__in=("district_admin", "town_admin", "secretary"))}
    clerk = users["district_admin"]

    # Standards: one per member from the first month (or their admission), a raise for some from mid-year.
    standards, plan = [], {}
    for org_pk, members in members_by_org.items():
        org = org_by_pk[org_pk]
        for m in members:
            if m.status not in CURRENT_STATUSES:
                continue
            category, base = _category(rng, org, m, today)
            start = max(months[0], m.joined_on)
            standards.append(DuesStandard(member_id=m.pk, category=category, base=base, effective_from=start,
                                          monthly_amount=rules.monthly_amount(category, base), recorded_by=clerk,
                                          note="演示数据：年初核定"))
            amounts = {mo: rules.monthly_amount(category, base) for mo in months if mo >= month_start(start)}
            if base is not None and rng.random() < 0.04 and len(months) > 6:
                raised_from = months[rng.randrange(4, len(months))]
                new_base = base + Decimal(rng.randrange(200, 1500, 10))
                standards.append(DuesStandard(member_id=m.pk, category=category, base=new_base,
                                              effective_from=raised_from, monthly_amount=rules.monthly_amount(category, new_base),
                                              recorded_by=clerk, note="演示数据：工资调整"))
                for mo in amounts:
                    if mo >= raised_from:
                        amounts[mo] = rules.monthly_amount(category, new_base)
            plan[m.pk] = (org_pk, amounts, month_start(m.joined_on))
    DuesStandard.objects.bulk_create(standards, batch_size=CHUNK)
    log(f"  党费标准 {len(standards)} 条")

    # Who falls behind: a tail stops paying 1–8 months before this month; the demo secretary's branch has its own
    # (two warned, one listed for the branch to act on); a few waived by an approved hardship decision.
    stops, waived = {}, set()
    for member_id in plan:
        if rng.random() < 0.06:
            stops[member_id] = add_months(this_month, -rng.randint(1, 8))
    focus = [m.pk for m in members_by_org.get(focus_branch.pk, []) if m.pk in plan]
    # The demo member's account goes first (it pays; 我的党费 shows a member in good standing), whoever joined first.
    demo_member = User.objects.filter(username="member").values_list("member_id", flat=True).first()
    focus.sort(key=lambda pk: pk != demo_member)
    # The three behind joined before the months they miss (a member who joined this month is behind on nothing).
    behind_ones = [pk for pk in focus[1:] if plan[pk][2] <= add_months(this_month, -8)][:3]
    for member_id, behind in zip(behind_ones, (3, 4, 7), strict=False):  # focus[0]: the demo member pays
        stops[member_id] = add_months(this_month, -behind)
    if focus:
        stops.pop(focus[0], None)
    decisions = []
    for member_id in list(plan)[7::900]:
        if member_id in focus[:1] + behind_ones:
            continue
        waived.add(member_id)
        stops.pop(member_id, None)
        decisions.append(HardshipDecision(
            member_id=member_id, first_month=months[0], last_month=None, monthly_amount=Decimal("0.00"),
            reason="演示数据：家庭困难，长期患病", status=HardshipStatus.APPROVED, applied_by=users["secretary"],
            agreed_by=users["secretary"], agreed_at=_at(today - timedelta(days=330)), decided_by=users["town_admin"],
            decided_at=_at(today - timedelta(days=320)), decision_note="同意免交"))
    HardshipDecision.objects.bulk_create(decisions)

    # Payments, month by month; this month's only partly in (members pay in the first weeks).
    payments = []
    share_this_month = min(0.9, 0.25 + today.day / 40)
    for member_id, (org_pk, amounts, _joined) in plan.items():
        if member_id in waived:
            continue
        stop = stops.get(member_id)
        for mo, amount in amounts.items():
            if stop is not None and mo >= stop:
                break
            if mo == this_month and ((focus and member_id == focus[0]) or rng.random() > share_this_month):
                continue
            if amount <= 0:
                continue
            last_day = min(today, add_months(mo, 1) - timedelta(days=1))
            paid_on = mo + timedelta(days=rng.randint(0, (last_day - mo).days))
            payments.append(DuesPayment(member_id=member_id, organization_id=org_pk, month=mo, amount=amount,
                                        method=_pick_method(rng), paid_on=paid_on, recorded_by=clerk))
    # A few voluntary large payments (≥ the threshold: remitted in full to the Centre).
    for member_id in list(plan)[13::9000]:
        org_pk = plan[member_id][0]
        mo = months[len(months) // 2]
        payments.append(DuesPayment(member_id=member_id, organization_id=org_pk, month=mo, kind=PaymentKind.VOLUNTARY,
                                    amount=Decimal(settings.DUES_VOLUNTARY_LARGE) * 2, method=PaymentMethod.BANK,
                                    paid_on=mo + timedelta(days=20), remit_in_full=True, recorded_by=clerk,
                                    note="演示数据：自愿交纳大额党费"))
    for start in range(0, len(payments), CHUNK):
        insert_returning_pks(DuesPayment, payments[start:start + CHUNK])
    log(f"  党费缴纳记录 {len(payments)} 条（{len(months)} 个月）")

    accounts = _accounts(orgs)
    legs_written = _post_payments(payments, accounts, clerk)

    # Remittances: every month before this one, each organization hands what it collected and received to its parent,
    # deepest first; the district committee holds. Last month's: four in five organizations have remitted so far.
    collected = defaultdict(Decimal)
    for p in payments:
        if p.kind == PaymentKind.REGULAR:
            collected[(p.organization_id, p.month)] += p.amount
    remittances = []
    by_depth = sorted((o for o in orgs if o.depth > 1), key=lambda o: -o.depth)
    parent_of = _parents(orgs)
    for mo in months[:-1]:
        received = defaultdict(Decimal)
        late = mo == months[-2]
        for org in by_depth:
            amount = collected.get((org.pk, mo), Decimal("0")) + received.get(org.pk, Decimal("0"))
            if amount <= 0 or (late and rng.random() < 0.2):
                continue
            parent = parent_of[org.pk]
            received[parent] += amount
            remittances.append(Remittance(organization_id=org.pk, to_organization_id=parent, month=mo, amount=amount,
                                          # never after today: last month's are remitted in this month's first days
                                          remitted_on=min(today, add_months(mo, 1) + timedelta(days=rng.randint(2, 12))),
                                          recorded_by=clerk, note="演示数据：按月上缴"))
    for start in range(0, len(remittances), CHUNK):
        insert_returning_pks(Remittance, remittances[start:start + CHUNK])
    legs_written += _post_remittances(remittances, accounts, clerk)
    log(f"  党费上缴 {len(remittances)} 笔；分录 {legs_written} 条")

    _write_standings(plan, payments, waived, months)
    fund = _write_fund(fund_town, members_by_org, org_by_pk, months, today, users, rng)
    # The months past the back-payment window are closed at the district committee: read-only from now on. The
    # window's months stay open, so a member a few months behind can still pay them back (a closed month refuses).
    root = next(o for o in orgs if o.depth == 1)
    open_from = add_months(this_month, -settings.DUES_BACKPAY_MONTHS)
    closed = [mo for mo in months if mo < open_from]
    MonthClose.objects.bulk_create(MonthClose(organization=root, month=mo, closed_by=clerk) for mo in closed)
    log(f"  已结账月份 {len(closed)} 个；关怀基金「{fund.name if fund else '—'}」")
    return {"payments": len(payments), "remittances": len(remittances), "months": months,
            "behind": {m: stops[m] for m in behind_ones if m in stops}, "fund": fund}


def _parents(orgs):
    by_path = {o.path: o.pk for o in orgs}
    return {o.pk: by_path.get(o.path[:-Organization.steplen]) for o in orgs}


def _accounts(orgs):
    """The dues accounts of every organization, created at once: (organization id, kind) → account id."""
    kinds = (AccountKind.DUES_CASH, AccountKind.DUES_COLLECTED, AccountKind.DUES_RECEIVED, AccountKind.DUES_REMITTED)
    existing = set(LedgerAccount.objects.values_list("organization_id", "kind"))
    LedgerAccount.objects.bulk_create([LedgerAccount(organization_id=o.pk, kind=k) for o in orgs for k in kinds
                                       if (o.pk, k) not in existing], batch_size=CHUNK)
    return {(a.organization_id, a.kind): a.pk for a in LedgerAccount.objects.filter(kind__in=kinds)}


def _post(txns, legs_of):
    """Insert transactions (keys returned), then their legs built by `legs_of(i, txn)`."""
    written = 0
    for start in range(0, len(txns), CHUNK):
        chunk = txns[start:start + CHUNK]
        insert_returning_pks(LedgerTransaction, chunk)
        legs = [leg for i, txn in enumerate(chunk, start) for leg in legs_of(i, txn)]
        insert_returning_pks(LedgerLeg, legs)
        written += len(legs)
    return written


def _post_payments(payments, accounts, clerk):
    txns = [LedgerTransaction(organization_id=p.organization_id, kind=TransactionKind.PAYMENT, occurred_on=p.paid_on,
                              month=p.month, payment_id=p.pk, created_by=clerk, memo="党费缴纳") for p in payments]

    def legs(i, txn):
        p = payments[i]
        return (LedgerLeg(transaction_id=txn.pk, account_id=accounts[(p.organization_id, AccountKind.DUES_CASH)],
                          amount=p.amount, month=p.month),
                LedgerLeg(transaction_id=txn.pk, account_id=accounts[(p.organization_id, AccountKind.DUES_COLLECTED)],
                          amount=-p.amount, month=p.month))
    return _post(txns, legs)


def _post_remittances(remittances, accounts, clerk):
    txns = [LedgerTransaction(organization_id=r.organization_id, kind=TransactionKind.REMITTANCE, occurred_on=r.remitted_on,
                              month=r.month, remittance_id=r.pk, created_by=clerk, memo="党费上缴") for r in remittances]

    def legs(i, txn):
        r = remittances[i]
        return tuple(LedgerLeg(transaction_id=txn.pk, account_id=accounts[(org, kind)], amount=amount, month=r.month)
                     for org, kind, amount in ((r.organization_id, AccountKind.DUES_REMITTED, r.amount),
                                               (r.organization_id, AccountKind.DUES_CASH, -r.amount),
                                               (r.to_organization_id, AccountKind.DUES_CASH, r.amount),
                                               (r.to_organization_id, AccountKind.DUES_RECEIVED, -r.amount)))
    return _post(txns, legs)


def _write_standings(plan, payments, waived, months):
    """Each member's standing by the services' own rule (`standing.covered_through`)."""
    paid = defaultdict(set)
    for p in payments:
        if p.kind == PaymentKind.REGULAR:
            paid[p.member_id].add(p.month)
    rows = []
    for member_id, (_org, _amounts, joined) in plan.items():
        first_owed = max(start_month(), joined)  # as standing.due_from
        waivers = [(months[0], None)] if member_id in waived else []
        rows.append(DuesStanding(member_id=member_id, due_from=first_owed,
                                 last_covered=covered_through(first_owed, paid.get(member_id, ()), waivers)))
    DuesStanding.objects.bulk_create(rows, batch_size=CHUNK)


FUND_INCOME = (  # month offset from the first month, kind, amount, source, reason
    (0, "budget", "30000.00", "区财政", "年度关怀帮扶经费拨付"),
    (0, "returned_dues", "8000.00", "区委组织部", "返还党费（上年度）"),
    (3, "donation", "5000.00", "辖区非公企业党组织", "七一前夕爱心捐赠"),
    (6, "returned_dues", "6000.00", "区委组织部", "返还党费（上半年）"),
    (9, "donation", "2000.00", "退休党员", "个人捐赠"),
)
FUND_SPENDING = (  # month offset, kind, beneficiaries, amount each, reason
    (0, "festival_visit", 12, "500.00", "春节走访慰问老党员、困难党员"),
    (2, "emergency_aid", 1, "3000.00", "住房失火应急救助"),
    (5, "festival_visit", 15, "300.00", "七一走访慰问生活困难党员"),
    (7, "hardship_support", 2, "1000.00", "患重病党员困难帮扶"),
    (8, "festival_visit", 10, "300.00", "中秋节慰问"),
    (9, "festival_visit", 8, "400.00", "重阳节慰问高龄党员"),
    (10, "emergency_aid", 1, "2000.00", "突发疾病住院救助"),
)


def _write_fund(town, members_by_org, org_by_pk, months, today, users, rng):
    """The township's care fund through its services: the township's administrator enters, the district's approves."""
    from apps.dues import fund_services
    from apps.dues.fund_models import FundDirection

    enterer, approver = users["town_admin"], users["district_admin"]
    fund = fund_services.fund_open(actor=enterer, organization=town, name=f"{town.name}党内关怀基金",
                                   opened_on=months[0])
    prefix = town.path
    people = [m for pk, ms in members_by_org.items() if org_by_pk[pk].path.startswith(prefix)
              for m in ms if m.status == "normal"]
    rng.shuffle(people)
    pending = []

    def entry(offset, direction, kind, amount, reason, beneficiary=None, source="", approve=True):
        day = min(today, months[min(offset, len(months) - 1)] + timedelta(days=rng.randint(3, 20)))
        e = fund_services.fund_entry_create(actor=enterer, fund=fund, direction=direction, kind=kind,
                                            amount=Decimal(amount), occurred_on=day, beneficiary=beneficiary,
                                            source=source, reason=reason)
        if approve:
            fund_services.fund_entry_approve(actor=approver, entry=e, note="同意")
        else:
            pending.append(e)
        return e

    for offset, kind, amount, source, reason in FUND_INCOME:
        if offset < len(months):
            entry(offset, FundDirection.INCOME, kind, amount, reason, source=source)
    used = 0
    for offset, kind, count, amount, reason in FUND_SPENDING:
        if offset >= len(months):
            continue
        for person in people[used:used + count]:
            entry(offset, FundDirection.SPENDING, kind, amount, reason, beneficiary=person)
        used += count
    # This month: a visit waiting for the second person's approval.
    if people:
        entry(len(months) - 1, FundDirection.SPENDING, "hardship_support", "800.00", "冬季困难党员帮扶（待审批）",
              beneficiary=people[-1], approve=False)
    return fund
