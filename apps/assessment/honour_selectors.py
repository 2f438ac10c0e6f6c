"""Reads of honours: the kinds of a campaign with their counts (one grouped query), the nomination list, the public
pages (awarded only, members masked) and `award_items`, the feed of awards to the bonus indicators."""

from datetime import date

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from . import honour_states
from .honour_models import HonourCampaign, HonourKind, Nomination, NomineeType

HOUSEHOLD_WORD = "户"  # a kind whose name ends so honours a member's household (党员示范户)


def kinds_with_counts(campaign):
    """The campaign's kinds, each with .awarded, .pending and .left (quota − awarded): one query."""
    kinds = list(HonourKind.objects.filter(campaign=campaign).annotate(
        awarded=Count("nominations", filter=Q(nominations__status__in=honour_states.AWARDED)),
        pending=Count("nominations", filter=Q(nominations__status="nominated"))))
    for kind in kinds:
        kind.left = max(0, kind.quota - kind.awarded)
    return kinds


def nomination_list(queryset):
    return queryset.select_related("kind__campaign", "nominee_org", "nominee_member", "organization",
                                   "nominated_by_org").order_by("-nominated_at", "-id")


# ---- public (no login): approved awards only, nothing personal beyond a masked name ----

def public_member_name(member, household=False) -> str:
    """The project's public masking of a person (like a case's submitter): the surname, the rest as *; then 同志."""
    name = member.name or ""
    masked = name[:1] + "*" * max(1, len(name) - 1)
    return _("{name}同志家庭").format(name=masked) if household else _("{name}同志").format(name=masked)


def public_campaigns():
    return list(HonourCampaign.objects.select_related("organization").annotate(
        awarded=Count("kinds__nominations", filter=Q(kinds__nominations__status__in=honour_states.AWARDED))))


def public_campaign(pk):
    return HonourCampaign.objects.select_related("organization").filter(pk=pk).first()


def public_awards(campaign):
    """[(kind with counts, [{"name", "org", "awarded_on"}])] in the kinds' order; approved only."""
    kinds = kinds_with_counts(campaign)
    awards = {k.pk: [] for k in kinds}
    rows = (Nomination.objects.filter(kind__campaign=campaign, status__in=honour_states.AWARDED)
            .select_related("kind", "nominee_org", "nominee_member", "organization")
            .order_by("kind_id", "awarded_on", "organization__path", "id"))
    for n in rows:
        if n.kind.nominee_type == NomineeType.MEMBER:
            name = public_member_name(n.nominee_member, household=n.kind.name.endswith(HOUSEHOLD_WORD))
            org = n.organization.name
        else:
            name, org = n.nominee_org.name, (n.organization.name if n.organization_id != n.nominee_org_id else "")
        awards[n.kind_id].append({"name": name, "org": org, "awarded_on": n.awarded_on})
    return [(k, awards[k.pk]) for k in kinds]


# ---- the feed of the bonus indicators ----

AWARDS_FEED = "honours.awards"  # the key bonus indicators name (feeds.py)


def award_items(org_ids, start: date, end: date) -> dict:
    """{organization id: [{"ref", "what", "happened_on", "note", "url"}]}: the awards approved (and not revoked) with
    an award date within [start, end], credited to each organization (an organization nominee itself, a 党小组 its
    branch, a member their organization when nominated). One query, whatever the number of organizations."""
    out = {}
    rows = (Nomination.objects.filter(organization_id__in=list(org_ids), status__in=honour_states.AWARDED,
                                      awarded_on__gte=start, awarded_on__lte=end)
            .select_related("kind__campaign", "nominee_org", "nominee_member").order_by("awarded_on", "id"))
    for n in rows:
        nominee = n.nominee_org.name if n.nominee_org_id else n.nominee_member.name
        out.setdefault(n.organization_id, []).append({
            "ref": f"honour:{n.pk}",
            "what": _("{nominee}获评{kind}（{campaign}）").format(nominee=nominee, kind=n.kind.name, campaign=n.kind.campaign.name),
            "happened_on": n.awarded_on,
            "note": _("证书（牌匾）编号：{no}").format(no=n.certificate_no) if n.certificate_no else "",
            "url": reverse("assessment:nomination_detail", args=[n.pk]),
        })
    return out
