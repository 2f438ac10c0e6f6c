"""The demo's honours: this year's 1213 action with the quotas as data, awards that fill none of them, nominations
waiting for the district and one rejected — written through the services, so the public page and the feed show it."""

from datetime import date

import pytest

from apps.assessment import honour_selectors
from apps.assessment.honour_models import HonourCampaign, Nomination, NominationStatus
from apps.demo.assessment_honours_seed import PLAN, write_honours
from apps.orgs.models import Organization
from tests.factories import Tree, make_member

pytestmark = pytest.mark.django_db


def test_the_demo_campaign(client):
    tree = Tree.restored()
    for i in range(3):  # members for a household or two besides the posts
        make_member(tree.branch_a, f"党员{i}")
    lines = []
    campaign = write_honours(Organization.objects.get(pk=tree.district.pk), date(2026, 11, 20), lines.append)
    assert HonourCampaign.objects.get() == campaign and campaign.year == 2026
    quotas = {k.name: k.quota for k in campaign.kinds.all()}
    assert quotas == {"五好示范党支部": 10, "攻坚示范党小组": 20, "优秀党员示范岗": 100, "党员示范户": 300}
    for kind in honour_selectors.kinds_with_counts(campaign):
        assert kind.awarded < kind.quota
    assert {k for k, _a, _p in PLAN} == set(quotas)
    assert Nomination.objects.filter(status=NominationStatus.REJECTED).count() == 1
    assert Nomination.objects.filter(status=NominationStatus.APPROVED, awarded_on=date(2026, 7, 1)).exists()
    assert "示范创建" in lines[-1]
    assert client.get(f"/honours/{campaign.pk}/").status_code == 200
