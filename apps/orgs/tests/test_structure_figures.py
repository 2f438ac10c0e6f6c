"""structure_figures: the structure warnings and overdue terms of each organization's subtree, for any number of
organizations in one query, equal to what the warnings and terms pages show."""

from datetime import date

import pytest

from apps.orgs import selectors
from apps.orgs.models import Organization
from tests.factories import make_org, refresh

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


def _set_term(org, ends_on):
    Organization.objects.filter(pk=org.pk).update(term_ends_on=ends_on)


def _own_warnings(org):
    """The warnings page's own reading of one organization (the advance reminder left out)."""
    [row] = selectors.with_structure_stats(Organization.objects.filter(pk=org.pk))
    return [w for w in selectors.annotated_stats(row, TODAY).warnings if "请做好换届准备" not in w]


def test_figures_sum_the_subtree(tree):
    _set_term(tree.branch_a, date(2026, 1, 1))  # ended: overdue, and a warning
    _set_term(tree.branch_b, date(2027, 2, 1))  # within the reminder window: a reminder, not counted
    _set_term(tree.town_a, date(2030, 1, 1))
    orgs = [tree.district, tree.town_a, tree.town_b, tree.branch_a, tree.branch_b, tree.group_a]
    figures = selectors.structure_figures(orgs, TODAY)
    own = {o.pk: len(_own_warnings(o)) for o in orgs}
    assert figures[tree.branch_a.pk].term_overdue == 1 and figures[tree.branch_b.pk].term_overdue == 0
    assert figures[tree.town_a.pk].term_overdue == 1 and figures[tree.town_b.pk].term_overdue == 0
    assert figures[tree.district.pk].term_overdue == 1
    assert any("任期已于2026-01-01届满" in w for w in _own_warnings(tree.branch_a))
    assert not any("届满" in w for w in _own_warnings(tree.branch_b))
    assert figures[tree.branch_a.pk].warnings == own[tree.branch_a.pk] + own[tree.group_a.pk]
    assert figures[tree.town_a.pk].warnings == own[tree.town_a.pk] + own[tree.branch_a.pk] + own[tree.group_a.pk]
    assert figures[tree.district.pk].warnings == sum(own.values())
    assert figures[tree.district.pk].organizations == 6 and figures[tree.branch_a.pk].organizations == 2
    assert figures[tree.branch_b.pk].flagged == (own[tree.branch_b.pk] > 0)


def test_a_dissolved_organization_has_no_figures(tree):
    empty = make_org("空支部", "branch", refresh(tree.town_b))
    Organization.objects.filter(pk=empty.pk).update(is_active=False)
    figures = selectors.structure_figures([refresh(empty), tree.branch_b], TODAY)
    assert empty.pk not in figures and tree.branch_b.pk in figures
    assert selectors.structure_figures([], TODAY) == {}


def test_one_query_whatever_the_number_of_organizations(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        few = selectors.structure_figures([tree.branch_a, tree.branch_b], TODAY)
    for i in range(30):
        make_org(f"新支部{i}", "branch", refresh(tree.town_b), term_ends_on=date(2025, 1, 1))
    many = list(Organization.objects.filter(kind="branch"))
    with django_assert_max_num_queries(1):
        figures = selectors.structure_figures(many, TODAY)
    assert len(figures) == 32 and few[tree.branch_a.pk] == figures[tree.branch_a.pk]
    assert selectors.structure_figures([tree.town_b], TODAY)[tree.town_b.pk].term_overdue == 30


def test_terms_page_filtered_to_a_subtree_and_overdue(tree, login):
    _set_term(tree.branch_a, date.today().replace(year=date.today().year - 1))
    _set_term(tree.branch_b, date.today().replace(year=date.today().year - 1))
    _set_term(tree.town_a, date.today())  # not yet ended
    client = login(tree.users["district_admin"])
    response = client.get("/orgs/terms/", {"org": tree.town_a.pk, "overdue": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="terms-filter"' in page
    assert [o.pk for o in response.context["page"]] == [tree.branch_a.pk]
    unfiltered = client.get("/orgs/terms/", {"org": tree.town_a.pk}).context["page"]
    assert {o.pk for o in unfiltered} == {tree.town_a.pk, tree.branch_a.pk}
    # Who may filter by which organization: in scope 200, out of scope or not a number 404.
    client = login(tree.users["town_a_admin"])
    assert client.get("/orgs/terms/", {"org": tree.town_a.pk, "overdue": "1"}).status_code == 200
    assert client.get("/orgs/terms/", {"org": tree.town_b.pk, "overdue": "1"}).status_code == 404
    assert client.get("/orgs/terms/", {"org": "x"}).status_code == 404
    client = login(tree.users["secretary_a"])
    assert client.get("/orgs/terms/", {"org": tree.branch_a.pk, "overdue": "1"}).status_code == 200
    assert client.get("/orgs/terms/", {"org": tree.branch_b.pk, "overdue": "1"}).status_code == 404
