"""How dues and the care fund are scoped (imported from AppConfig.ready()).

- DUES_VIEW reads standards, payments, sheets, arrears, remittances and statements in its subtree (district and
  organization administrators, secretaries); DUES_COLLECT records payments, imports sheets and statements, remits and
  closes months (the same roles: the branch collects). DUES_APPROVE approves hardship decisions and is used strictly
  above the member's branch (the higher committee; services check "strictly").
- A member reads their own standard and payments (self-service, `selectors.own_dues`), through their own page.
- FUND_VIEW reads a fund's totals and entries without names; FUND_MANAGE enters and approves entries (a second
  person approves) and is who reads the beneficiaries' names (FUND_BENEFICIARIES, held by the same roles).
- A remittance is seen by the organization that sent it and the one that received it.
"""

from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping
from apps.access.models import Role
from apps.orgs import picker

from .fund_models import CareFund, FundEntry
from .ledger_models import LedgerAccount, LedgerLeg, LedgerTransaction
from .models import (
    DuesPayment,
    DuesStandard,
    DuesStanding,
    HardshipDecision,
    MonthClose,
    Remittance,
    StatementImport,
    StatementLine,
)

DUES_VIEW = "dues.view"
DUES_COLLECT = "dues.collect"
DUES_APPROVE = "dues.approve"
FUND_VIEW = "fund.view"
FUND_MANAGE = "fund.manage"
FUND_BENEFICIARIES = "fund.beneficiaries"

policy.register_capability(DUES_VIEW, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY))
policy.register_capability(DUES_COLLECT, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY))
policy.register_capability(DUES_APPROVE, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN))
policy.register_capability(FUND_VIEW, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY))
policy.register_capability(FUND_MANAGE, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN))
policy.register_capability(FUND_BENEFICIARIES, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN))
picker.allow_capability(DUES_VIEW)
picker.allow_capability(DUES_COLLECT)
picker.allow_capability(FUND_MANAGE)

_MEMBER_PATH = "member__organization__path"

scoping.register(DuesStandard, org_path=_MEMBER_PATH, view=DUES_VIEW, label=_("党费标准"),
                 related=("member__organization",))
scoping.register(HardshipDecision, org_path=_MEMBER_PATH, view=DUES_VIEW, label=_("党费减免"),
                 related=("member__organization",))
scoping.register(DuesStanding, org_path=_MEMBER_PATH, view=DUES_VIEW, label=_("党费缴纳状况"),
                 related=("member__organization",))
scoping.register(DuesPayment, org_path="organization__path", view=DUES_VIEW, label=_("党费缴纳记录"),
                 related=("organization", "member"))
scoping.register(MonthClose, org_path="organization__path", view=DUES_VIEW, label=_("已结账月份"),
                 related=("organization",))
scoping.register(StatementImport, org_path="organization__path", view=DUES_VIEW, label=_("对账单"),
                 related=("organization",))
scoping.register_child(StatementLine, parent=StatementImport, via="statement", label=_("对账单明细"))
scoping.register(LedgerAccount, org_path="organization__path", view=DUES_VIEW, label=_("账户"),
                 related=("organization",))
scoping.register(LedgerTransaction, org_path="organization__path", view=DUES_VIEW, label=_("记账凭证"),
                 related=("organization",))
scoping.register_child(LedgerLeg, parent=LedgerTransaction, via="transaction", label=_("分录"))


def _remittance_received(user, capability):
    # The receiving organization reads what was remitted to it.
    if capability != DUES_VIEW:
        return None
    return policy.subtree_q(policy.scope_paths(user, DUES_VIEW), "to_organization__path")


def _is_received(user, capability, remittance):
    return (capability == DUES_VIEW and remittance.to_organization_id is not None
            and any(remittance.to_organization.path.startswith(p) for p in policy.scope_paths(user, DUES_VIEW)))


scoping.register(Remittance, org_path="organization__path", view=DUES_VIEW, label=_("党费上缴记录"),
                 related=("organization", "to_organization"), extra_q=_remittance_received, extra_can=_is_received)
scoping.register(CareFund, org_path="organization__path", view=FUND_VIEW, label=_("党内关怀基金"),
                 related=("organization",))
scoping.register(FundEntry, org_path="fund__organization__path", view=FUND_VIEW, label=_("基金收支"),
                 related=("fund__organization",))
