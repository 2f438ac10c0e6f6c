"""How honours are scoped (imported from AppConfig.ready()).

- A campaign belongs to the organization that runs it (the district): ASSESSMENT_VIEW at or above it sees it (the
  default rule), and so does every staff user below it (the campaign is open to its whole subtree to nominate).
  ASSESSMENT_MANAGE on it approves, rejects and revokes. Its kinds are in scope exactly when it is.
- A nomination belongs to the organization it credits (an organization nominee, a group's branch, a member's
  organization): ASSESSMENT_VIEW at or above it sees it (the nominating organization and the district are above).
  Its files are in scope exactly when it is.
- Nominating: NOMINATE (organization work: branch and township secretaries and administrators, the district) on the
  nominating organization, and the nominee within its subtree.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping
from apps.orgs.models import Organization

from .honour_models import HonourCampaign, HonourKind, Nomination, NominationFile

# Who nominates: those who keep an organization's work (secretaries, organization and district administrators).
NOMINATE = policy.ORG_MANAGE


def _ancestor_paths(paths) -> set[str]:
    step = Organization.steplen
    return {p[:i] for p in paths for i in range(step, len(p), step)}


def _campaigns_above(user, capability):
    if capability != policy.ASSESSMENT_VIEW:
        return None
    paths = policy.scope_paths(user, policy.ASSESSMENT_VIEW)
    return Q(organization__path__in=_ancestor_paths(paths)) if paths else None


def _campaign_above(user, capability, campaign):
    if capability != policy.ASSESSMENT_VIEW:
        return False
    return campaign.organization.path in _ancestor_paths(policy.scope_paths(user, policy.ASSESSMENT_VIEW))


scoping.register(HonourCampaign, org_path="organization__path", view=policy.ASSESSMENT_VIEW, label=_("示范创建活动"),
                 related=("organization",), extra_q=_campaigns_above, extra_can=_campaign_above)
scoping.register_child(HonourKind, parent=HonourCampaign, via="campaign", label=_("示范类别"))
scoping.register(Nomination, org_path="organization__path", view=policy.ASSESSMENT_VIEW, label=_("示范推荐"),
                 related=("organization", "kind__campaign__organization", "nominee_org", "nominee_member", "nominated_by_org"))
scoping.register_child(NominationFile, parent=Nomination, via="nomination", label=_("推荐材料"))
