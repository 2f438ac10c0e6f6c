"""The case link behind an automatic score names the organization's township, at the townships' depth of the tree
(CASE_ROLLUP_AREA_DEPTH: 2 in a district, 3 in a province)."""

import pytest

from apps.assessment.round_selectors import _township_of
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def test_the_township_is_found_at_the_configured_depth(settings):
    district = make_org("区委")
    town = make_org("镇党委", parent=district)
    village = make_org("村党支部", kind="branch", parent=town)
    group = make_org("党小组", kind="group", parent=village)
    assert _township_of(village) == town and _township_of(group) == town and _township_of(town) == town
    settings.CASE_ROLLUP_AREA_DEPTH = 3  # a province: province → district → township
    assert _township_of(group) == village and _township_of(village) == village and _township_of(district) == district
