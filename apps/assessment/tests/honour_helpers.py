"""Shared set-up of the honour tests: the district's 1213 campaign of 2026 and nominations through the services."""

from datetime import date

from apps.assessment import honour_services

TODAY = date(2026, 6, 30)


def campaign(tree, year=2026, **data):
    return honour_services.campaign_create(actor=tree.users["district_admin"], organization=tree.district,
                                           data={"year": year, **data})


def kind(campaign, name):
    return campaign.kinds.get(name=name)


def nominate(tree, campaign, kind_name, *, org=None, member=None, by=None, actor="district_admin", reasons="事迹突出"):
    return honour_services.nomination_create(
        actor=tree.users[actor] if actor else None, kind=kind(campaign, kind_name),
        nominated_by_org=by or tree.district, nominee_org=org, nominee_member=member, reasons=reasons)


def approve(tree, nomination, on=None, number="", actor="district_admin"):
    """Awarded on 1 June of the campaign's year (or `on`), as seen on 30 June of it."""
    year = nomination.kind.campaign.year
    return honour_services.nomination_approve(actor=tree.users[actor] if actor else None, nomination=nomination,
                                              awarded_on=on or date(year, 6, 1), certificate_no=number,
                                              today=date(year, 6, 30))
