"""Care-fund test helpers: a fund of township A (two managers: the district and township A administrators)."""

from datetime import date

from apps.dues import fund_services

OPENED = date(2026, 1, 1)


def open_fund(tree, org=None):
    return fund_services.fund_open(actor=tree.users["district_admin"], organization=org or tree.town_a, name="甲镇关怀基金",
                                   opened_on=OPENED)


def enter(tree, fund, amount, *, spending=False, member=None, kind=None, on=date(2026, 2, 10), by="town_a_admin"):
    return fund_services.fund_entry_create(
        actor=tree.users[by], fund=fund, direction="spending" if spending else "income",
        kind=kind or ("hardship_support" if spending else "donation"), amount=amount, occurred_on=on,
        beneficiary=(member or tree.member_a) if spending else None, reason="困难帮扶" if spending else "捐赠")


def approve(tree, entry, by="district_admin"):
    return fund_services.fund_entry_approve(actor=tree.users[by], entry=entry)


def posted(tree, fund, amount, **kwargs):
    return approve(tree, enter(tree, fund, amount, **kwargs))
