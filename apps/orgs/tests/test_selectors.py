import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orgs import selectors
from tests.factories import make_member, make_org, refresh


@pytest.mark.django_db
def test_children_counts_cover_whole_subtrees_in_one_query(tree):
    make_member(tree.branch_a, "王五", seq=31)
    extra = make_org("甲镇二村党支部", "branch", refresh(tree.town_a))
    make_member(extra, "赵六", seq=33)
    make_member(tree.branch_b, "已去世", seq=35, status="deceased")
    district = refresh(tree.district)
    with CaptureQueriesContext(connection) as ctx:
        children = selectors.children_with_counts(district)
    assert len(ctx.captured_queries) == 1  # the children joined to their stored roll-ups
    assert "members_orgmembercount" in ctx.captured_queries[0]["sql"]
    by_name = {c.name: c for c in children}
    assert by_name["甲镇党委"].subtree_member_count == 3
    assert by_name["甲镇党委"].subtree_org_count == 4  # itself, two branches, a group
    assert by_name["乙镇党委"].subtree_member_count == 1  # the deceased member is not counted


@pytest.mark.django_db
def test_subtree_counts_are_one_query(tree):
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.subtree_counts(tree.district)
    assert counts == {"orgs": 6, "members": 2}
    assert len(ctx.captured_queries) == 1


@pytest.mark.django_db
def test_short_picker_queries_match_by_prefix_on_an_index(tree):
    """1–2 characters match the start of the name (a trigram index cannot answer `contains` for them, so each
    keystroke would scan every organization); three or more keep matching anywhere in the name."""
    from apps.orgs.models import Organization

    everything = Organization.objects.all()
    with CaptureQueriesContext(connection) as ctx:
        names = set(selectors.search_orgs(everything, "甲镇").values_list("name", flat=True))
    assert "甲镇党委" in names
    sql = ctx.captured_queries[-1]["sql"]
    assert "%甲镇%" not in sql  # no contains for a two-character query…
    assert "LIKE '甲镇%'" in sql or ">= '甲镇'" in sql, sql  # …a prefix (PostgreSQL LIKE 'x%', SQLite a range)
    # The middle of a name is not matched by two characters, but is by three.
    assert "甲镇党委" not in set(selectors.search_orgs(everything, "镇党").values_list("name", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        names = set(selectors.search_orgs(everything, "镇党委").values_list("name", flat=True))
    assert {"甲镇党委", "乙镇党委"} <= names
    assert "%镇党委%" in ctx.captured_queries[-1]["sql"]
    # Codes, pinyin and initials match by prefix at any length.
    code = Organization.objects.get(name="甲镇党委").code
    assert "甲镇党委" in set(selectors.search_orgs(everything, code[:2].lower()).values_list("name", flat=True)) | set(
        selectors.search_orgs(everything, code[:2]).values_list("name", flat=True))
    assert "甲镇党委" in set(selectors.search_orgs(everything, "jz").values_list("name", flat=True))
