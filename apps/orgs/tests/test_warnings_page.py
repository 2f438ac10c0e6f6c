"""The structure-warnings page asks the database: the predicate (selectors.structure_warning_q) selects exactly the
organizations with warnings (after Python's last word on the rows shown), the page lists them in tree order by
keys, counts them capped, and its statements do not grow with the subtree."""

import re
import sys
from datetime import date, timedelta

import pytest

from apps.orgs import selectors
from apps.orgs.models import CommitteePost, Organization
from tests.factories import make_member, make_org, refresh
from tests.keyset_pages import walk_back, walk_next

FAR = date.today() + timedelta(days=3 * 365)  # a term that needs no reminder
RUN_OF_BLANK_LINES = "\n" * (2 ** selectors.COLLAPSE_PASSES + 8)  # longer than the predicate folds: a superset


@pytest.fixture
def rules(settings):
    """Small thresholds, so that a few members trip each rule."""
    settings.BRANCH_MIN_FULL_MEMBERS = 2
    settings.BRANCH_MAX_MEMBERS = 5
    settings.BRANCH_COMMITTEE_THRESHOLD = 4
    settings.COMMITTEE_MIN_SIZE = 2
    settings.COMMITTEE_MAX_SIZE = 3
    settings.JOINT_BRANCH_MAX_UNITS = 3
    settings.GENERAL_BRANCH_MIN_MEMBERS = 4
    settings.TERM_REMINDER_MONTHS = 6
    return settings


def _org(name, kind, parent, *, full=0, probationary=0, posts=("secretary",), term=FAR, units="", ended=()):
    """An organization with `full` + `probationary` members; `posts` held by its first members (one post each, in
    order; a repeated index in `posts` as (post, i) puts a second post on member i); `ended`: posts no longer held."""
    org = make_org(name, kind, refresh(parent), term_ends_on=term, covered_units=units)
    members = [make_member(org, f"{name}{i}", category="full") for i in range(full)]
    members += [make_member(org, f"{name}预{i}", category="probationary") for i in range(probationary)]
    for i, post in enumerate(posts):
        post, holder = post if isinstance(post, tuple) else (post, i)
        CommitteePost.objects.create(organization=org, member=members[holder], post=post, term_start=date(2024, 1, 1))
    for post in ended:
        CommitteePost.objects.create(organization=org, member=members[0], post=post, term_start=date(2020, 1, 1),
                                     term_end=date(2023, 1, 1), is_current=False)
    return refresh(org)


@pytest.fixture
def varied(tree, rules):
    """Organizations under 乙镇 that trip each rule, and some that trip none: {name: (org, flagged?)}."""
    today = date.today()
    town = tree.town_b
    two_full = {"full": 2}
    made = {
        # none of the rules
        "合规支部": (_org("合规支部", "branch", town, **two_full), False),
        "合规联合支部": (_org("合规联合支部", "joint_branch", town, **two_full,
                            units="甲厂\r\n乙厂\r\n\r\n\u3000丙厂 \n"), False),
        "有班子支部": (_org("有班子支部", "branch", town, full=4, posts=("secretary", "organization")), False),
        "合规党委": (_org("合规党委", "committee", town, full=1), False),
        "兼职班子党委": (_org("兼职班子党委", "committee", town, full=3,
                            posts=("secretary", "organization", "propaganda", ("discipline", 0))), False),
        "无任期党小组": (_org("无任期党小组", "group", town, posts=(), term=None), False),
        "长空行联合支部": (_org("长空行联合支部", "joint_branch", town, **two_full,
                             units="甲厂" + RUN_OF_BLANK_LINES + "乙厂\n丙厂"), False),
        "少见空白联合支部": (_org("少见空白联合支部", "joint_branch", town, **two_full, units="甲厂\u2028乙厂\u2003"), False),
        # one rule each
        "人少支部": (_org("人少支部", "branch", town, full=1, probationary=3), True),
        "人多支部": (_org("人多支部", "branch", town, full=3, probationary=3), True),
        "缺班子支部": (_org("缺班子支部", "branch", town, full=4), True),
        "无单位联合支部": (_org("无单位联合支部", "joint_branch", town, **two_full, units=" \n\u3000\r\n\x0b"), True),
        "单位多联合支部": (_org("单位多联合支部", "joint_branch", town, **two_full, units="甲\n乙\r\n丙\n\n丁 "), True),
        "行分隔联合支部": (_org("行分隔联合支部", "joint_branch", town, **two_full, units="甲\u2028乙\u2029丙\x85丁\x0b"), True),
        "班子大党委": (_org("班子大党委", "committee", town, full=4,
                          posts=("secretary", "organization", "propaganda", "discipline")), True),
        "无书记党委": (_org("无书记党委", "committee", town, full=1, posts=("organization",)), True),
        "前书记党委": (_org("前书记党委", "committee", town, full=1, posts=("organization",), ended=("secretary",)), True),
        "已届满支部": (_org("已届满支部", "branch", town, **two_full, term=today - timedelta(days=1)), True),
        "将届满支部": (_org("将届满支部", "branch", town, **two_full, term=today + timedelta(days=30)), True),
        "未登记支部": (_org("未登记支部", "branch", town, **two_full, term=None), True),
        "已届满党小组": (_org("已届满党小组", "group", town, posts=(), term=today - timedelta(days=1)), True),
    }
    small = _org("人少党总支", "general_branch", town, full=1)
    made["人少党总支"] = (small, True)
    big = _org("人多党总支", "general_branch", town, full=1)
    made["人多党总支"] = (big, False)
    made["人多党总支下支部"] = (_org("人多党总支下支部", "branch", big, full=3), False)
    gone = _org("已撤销支部", "branch", town, posts=())  # flagged, but dissolved: not in the subtree's list
    Organization.objects.filter(pk=gone.pk).update(is_active=False)
    return {name: (refresh(org), flagged) for name, (org, flagged) in made.items()}


def _expected(root, today):
    """The old way: every organization of the subtree through stats_for_subtree, kept when it has a warning."""
    orgs = list(selectors.subtree(root).order_by("path"))
    stats = selectors.stats_for_subtree(root, orgs=orgs)
    return [o.pk for o in orgs if selectors.structure_warnings(o, stats[o.pk], today)]


@pytest.mark.django_db
def test_the_predicate_selects_exactly_the_organizations_with_warnings(varied, tree):
    today = date.today()
    expected = _expected(tree.district, today)
    for name, (org, flagged) in varied.items():
        assert (org.pk in expected) == flagged, name  # the tree is what it says
    selected = list(selectors.with_structure_warnings(selectors.subtree(tree.district), today).order_by("path"))
    shown = [o.pk for o in selected if selectors.annotated_stats(o, today).warnings]
    assert shown == expected
    # The predicate lets through only the joint branches whose blank lines run longer than it folds or whose text
    # holds rare whitespace; the others with warnings, exactly.
    assert {o.pk for o in selected} - set(expected) == {varied["长空行联合支部"][0].pk, varied["少见空白联合支部"][0].pk}
    # The annotated stats write the same warnings as the grouped queries do.
    stats = selectors.stats_for_subtree(tree.district)
    for org in selected:
        assert selectors.annotated_stats(org, today).warnings == selectors.structure_warnings(org, stats[org.pk], today)


@pytest.mark.django_db
def test_unit_counts_in_sql_follow_covered_unit_list(tree):
    org = make_org("单位数联合支部", "joint_branch", refresh(tree.town_a))
    # Without RARE_WHITESPACE (a joint branch with some is let through whole), exact.
    texts = ["", " ", "甲", "甲\n", "\n\n甲\n\n", "甲\r\n乙", "甲\r乙\r丙", "甲 \n \t\n乙", "\u3000\xa0 \n\t\r\n", RUN_OF_BLANK_LINES,
             "甲" + "\r\n" * 16 + "乙", "A B\nC\tD\n\u3000E\xa0", "\xa0甲\xa0\r\r\n\u3000乙\n丙\n丁\n"]
    for text in texts:
        Organization.objects.filter(pk=org.pk).update(covered_units=text)
        row = selectors.with_structure_stats(Organization.objects.filter(pk=org.pk)).get()
        units = len(row.covered_unit_list)
        assert (row.w_unit_chars == 0) == (units == 0), repr(text)
        assert row.w_units == units or text == RUN_OF_BLANK_LINES, repr(text)


def test_the_whitespace_tables_are_pythons():
    chars = [chr(c) for c in range(sys.maxunicode + 1)]
    breaks = {c for c in chars if len(f"a{c}b".splitlines()) == 2}
    exact = {"\n", "\r", *selectors.BLANKS}
    assert breaks <= {"\n", "\r", *selectors.RARE_WHITESPACE}
    assert exact | set(selectors.RARE_WHITESPACE) == {c for c in chars if c.isspace()}
    assert not exact & set(selectors.RARE_WHITESPACE)


def _names(html):
    return re.findall(r'<a href="/orgs/\d+/">([^<]+)</a>', html.split("<tbody>")[1].split("</tbody>")[0])


@pytest.mark.django_db
def test_the_page_lists_exactly_them_in_tree_order_page_by_page(varied, tree, login, settings):
    settings.LIST_PAGE_SIZE = 3
    settings.LIST_NUMBERED_PAGES = 2  # numbered pages, then pages by key
    names = dict(Organization.objects.values_list("pk", "name"))
    expected = [names[pk] for pk in _expected(tree.district, date.today())]
    client = login(tree.users["district_admin"])
    html = client.get(f"/orgs/{tree.district.pk}/warnings/").content.decode()
    assert f"共 {len(expected) + 2} 个组织有提示" in html  # counted by the predicate (its two extra joint branches too)
    def shown_right(html, page):
        assert len(page) <= 3 and "长空行联合支部" not in page and "少见空白联合支部" not in page

    path = f"/orgs/{tree.district.pk}/warnings/"
    seen, queries, html = walk_next(client, path, _names, shown_right)
    assert seen == expected
    assert queries[1] == "page=2" and "after=" in queries[2]
    assert walk_back(client, path, _names, html) == expected  # from the end back to the first page
    # A township's page holds its own subtree only; a bad cursor is a 400 with the first page.
    town_a = _names(client.get(f"/orgs/{tree.town_a.pk}/warnings/").content.decode())
    assert town_a == ["甲镇党委", "甲村党支部"]
    response = client.get(f"/orgs/{tree.district.pk}/warnings/?after=x")
    assert response.status_code == 400 and _names(response.content.decode()) == expected[:3]


@pytest.mark.django_db
def test_the_count_is_capped(varied, tree, login, settings):
    settings.ORG_WARNINGS_COUNT_CAP = 5
    html = login(tree.users["district_admin"]).get(f"/orgs/{tree.district.pk}/warnings/").content.decode()
    assert "共 5+ 个组织有提示" in html


def _add_flagged_branches(tree, n):
    for i in range(n):
        org = make_org(f"加支部{i}", "branch", refresh(tree.town_b), term_ends_on=date.today() - timedelta(days=1))
        member = make_member(org, f"加人{i}")
        CommitteePost.objects.create(organization=org, member=member, post="secretary",
                                     term_start=date(2024, 1, 1))


@pytest.mark.django_db
def test_statements_do_not_grow_with_the_subtree(tree, login, django_assert_max_num_queries, settings):
    settings.LIST_PAGE_SIZE = 5
    client = login(tree.users["district_admin"])
    url = f"/orgs/{tree.district.pk}/warnings/"
    client.get(url)
    # The session and user, the root (policy.get), the capped count, the page's rows.
    with django_assert_max_num_queries(6) as small:
        client.get(url)
    _add_flagged_branches(tree, 30)  # several pages' worth
    for query in ("", "page=2", f"after={tree.town_b.pk}", "last=1"):
        with django_assert_max_num_queries(len(small.captured_queries) + (1 if query else 0)):
            response = client.get(url + "?" + query)
        assert response.status_code == 200 and len(_names(response.content.decode())) == 5, query
