"""The organization-structure metrics (orgs.structure_warnings, orgs.term_overdue): read through the one grouped
selector orgs.selectors.structure_figures on the scoring day, a deduction per item down to 0, linked to the warnings
and terms pages filtered to the organization, frozen with the round at close."""

from datetime import date, timedelta
from decimal import Decimal as D
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError

from apps.assessment import catalogue, round_selectors, round_services, services
from apps.assessment.models import Method
from apps.assessment.round_models import Score
from apps.orgs import selectors as org_selectors
from apps.orgs.models import Organization
from tests.factories import make_org, refresh

from .conftest import add_tree
from .round_helpers import make_round, score_of

pytestmark = pytest.mark.django_db

STRUCTURE_TREE = [
    ("组织建设", D(20), {}, [
        ("组织设置预警", D(10), {"method": "automatic", "metric": "orgs.structure_warnings", "points_per": D(2)}, []),
        ("届满未换届", D(10), {"method": "automatic", "metric": "orgs.term_overdue", "points_per": D(5)}, []),
    ]),
    ("其他", D(80), {}, [("民主测评", D(80), {"method": "manual"}, [])]),
]


def _overdue(org):
    Organization.objects.filter(pk=org.pk).update(term_ends_on=date.today() - timedelta(days=400))


@pytest.fixture
def system(make_system, admin, types):
    system = make_system(group="village", tree=False)
    add_tree(system, admin, types, STRUCTURE_TREE)
    return services.system_publish(actor=admin, system=system)


def test_catalogue_entries_say_they_are_current_state():
    for key in ("orgs.structure_warnings", "orgs.term_overdue"):
        m = catalogue.get(key)
        assert m.source == catalogue.ORGS_SOURCE and m.needs_points_per and m.current_state
        assert "计分当日" in str(m.numerator) and "不按考核期间" in str(m.description)
        assert str(m.area) == "组织建设"
    assert not catalogue.get("records.completion").current_state


def test_counts_become_points_down_to_zero():
    warnings = catalogue.get("orgs.structure_warnings")
    assert catalogue.to_points(warnings, 0, D(10), D(2)) == D("10.00")  # no warning: full points
    assert catalogue.to_points(warnings, 1, D(10), D(2)) == D("8.00")
    assert catalogue.to_points(warnings, 5, D(10), D(2)) == D("0.00")  # exactly used up
    assert catalogue.to_points(warnings, 6, D(10), D(2)) == D("0.00")  # capped at the indicator's points
    overdue = catalogue.get("orgs.term_overdue")
    assert catalogue.to_points(overdue, 1, D(10), D(5)) == D("5.00")
    assert catalogue.to_points(overdue, 40, D(10), D(5)) == D("0.00")
    assert catalogue.to_points(overdue, None, D(10), D(5)) is None


def test_scoring_job_end_to_end_links_and_frozen_after_close(tree, admin, system, login):
    _overdue(tree.branch_a)
    rnd = make_round(admin, system)
    job = round_services.scoring_start(actor=admin, round=rnd)
    job.refresh_from_db()
    assert job.status == "succeeded", job.result
    figures = org_selectors.structure_figures([refresh(tree.branch_a), refresh(tree.branch_b)])
    a, b = figures[tree.branch_a.pk], figures[tree.branch_b.pk]
    assert a.term_overdue == 1 and b.term_overdue == 0 and a.warnings >= 2
    warnings_a = score_of(rnd, tree.branch_a, "组织设置预警")
    assert warnings_a.inputs["numerator"] == a.warnings and warnings_a.inputs["as_of"] == date.today().isoformat()
    assert warnings_a.points == max(D(0), D(10) - 2 * a.warnings)
    assert date.today().isoformat() in warnings_a.inputs["numerator_label"]
    assert score_of(rnd, tree.branch_a, "届满未换届").points == D(5)
    assert score_of(rnd, tree.branch_b, "届满未换届").points == D(10)
    assert score_of(rnd, tree.branch_b, "组织设置预警").inputs["numerator"] == b.warnings

    # The click-through: the organization's warnings page; the terms page filtered to it and to ended terms.
    entry = rnd.entries.select_related("organization", "round__system").get(organization=tree.branch_a)
    links = {line.node.indicator.name: line.links for line in round_selectors.sheet(entry)
             if line.node.is_leaf and line.node.indicator.method == Method.AUTOMATIC}
    [(_label, warnings_url)] = links["组织设置预警"]
    [(_label, terms_url)] = links["届满未换届"]
    assert warnings_url == f"/orgs/{tree.branch_a.pk}/warnings/"
    assert parse_qs(urlsplit(terms_url).query) == {"org": [str(tree.branch_a.pk)], "overdue": ["1"]}
    client = login(tree.users["secretary_a"])  # the assessed read their own sheet and its links
    listed = client.get(warnings_url)
    assert listed.status_code == 200
    shown = [w for _org, s in listed.context["page"].rows for w in s.warnings if "请做好换届准备" not in w]
    assert len(shown) == warnings_a.inputs["numerator"]
    terms = client.get(terms_url)
    assert terms.status_code == 200 and [o.pk for o in terms.context["page"]] == [tree.branch_a.pk]
    sheet = client.get(f"/assessment/rounds/entries/{entry.pk}/")
    assert sheet.status_code == 200 and warnings_url in sheet.content.decode()
    assert terms_url.replace("&", "&amp;") in sheet.content.decode()

    # Closed: a later change of the structure changes nothing of the round.
    round_services.round_close(actor=admin, round=rnd)
    snapshot = {s.pk: (s.points, s.inputs) for s in Score.objects.filter(entry__round=rnd)}
    totals = dict(rnd.entries.values_list("organization_id", "total"))
    _overdue(tree.branch_b)
    make_org("新党小组", "group", refresh(tree.branch_b), term_ends_on=date.today() - timedelta(days=1))
    with pytest.raises(ValidationError):
        round_services.scoring_start(actor=admin, round=rnd)
    assert {s.pk: (s.points, s.inputs) for s in Score.objects.filter(entry__round=rnd)} == snapshot
    assert dict(rnd.entries.values_list("organization_id", "total")) == totals


def test_compute_reads_one_grouped_query_whatever_the_number_of_organizations(
        tree, admin, system, django_assert_max_num_queries):
    rnd = make_round(admin, system)
    leaves = [leaf for leaf in round_services.leaf_indicators(system) if leaf.method == Method.AUTOMATIC]

    def compute():
        entries = list(rnd.entries.select_related("organization"))
        with django_assert_max_num_queries(1):
            out = round_services.compute_automatic(rnd, entries, leaves, today=date(2026, 11, 20))
        return entries, out

    entries, out = compute()
    assert len(out) == 2 * len(leaves)
    # Thirty more assessed organizations: still the one query.
    from apps.assessment.round_models import RoundEntry

    for i in range(30):
        org = make_org(f"新村党支部{i}", "branch", refresh(tree.town_b), domain="village")
        RoundEntry.objects.create(round=rnd, organization=org)
    entries, out = compute()
    assert len(entries) == 32 and len(out) == 32 * len(leaves)
