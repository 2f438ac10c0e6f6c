"""The member list pages by keys: first, next, previous and last pages, page numbers only while cheap, stale and bad
cursors, counts capped when a filter can match tens of thousands, queries flat in the number of members."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.members.models import Member
from tests.factories import make_member, make_org, refresh
from tests.keyset_pages import pager_link, walk_back, walk_next

NAMES = ["安一", "白二", "蔡三", "丁四", "范五", "郭六", "何七"]  # pinyin order: an, bai, cai, ding, fan, guo, he


@pytest.fixture
def roster(tree, settings):
    settings.LIST_PAGE_SIZE = 2
    settings.LIST_NUMBERED_PAGES = 2
    for i, name in enumerate(NAMES):
        make_member(tree.branch_a, name, seq=200 + i)
    # 李四, 张三 (tree) sort after them: 9 members, pages of 2 → 5 pages.
    return list(Member.objects.current().order_by("name_pinyin", "id").values_list("name", flat=True))


def _names(html):
    return re.findall(r'<a href="/members/\d+/">([^<]+)</a>', html)


@pytest.mark.django_db
def test_next_links_walk_the_whole_list_once_then_back(roster, login, tree):
    client = login(tree.users["district_admin"])
    html = client.get("/members/").content.decode()
    assert _names(html) == roster[:2] and "第 1 / 5 页，共 9 条" in html and pager_link(html, "上一页") is None
    seen, pages, html = walk_next(client, "/members/", _names)
    assert seen == roster  # every member once, in order
    assert pages[1] == "page=2" and "after=" in pages[2]  # numbers for the first pages, then keys
    assert walk_back(client, "/members/", _names, html) == roster  # from the end, 上一页 until the first page


@pytest.mark.django_db
def test_last_page_and_first_page_links(roster, login, tree):
    client = login(tree.users["district_admin"])
    html = client.get("/members/", {"last": "1"}).content.decode()
    assert _names(html) == roster[-2:] and pager_link(html, "下一页") is None and pager_link(html, "末页") is None
    assert pager_link(html, "首页") == "" and "共 9 条" in html
    html = client.get("/members/?" + pager_link(html, "上一页")).content.decode()
    assert _names(html) == roster[-4:-2]


@pytest.mark.django_db
def test_filters_travel_with_the_cursor(roster, login, tree):
    client = login(tree.users["district_admin"])
    html = client.get("/members/", {"org": tree.branch_a.code, "page": "2"}).content.decode()
    nxt = pager_link(html, "下一页")
    assert "org=" + tree.branch_a.code in nxt and "after=" in nxt and "page=" not in nxt
    assert "李四" not in client.get("/members/?" + nxt).content.decode()


@pytest.mark.django_db
def test_stale_cursor_starts_again_and_says_so(roster, login, tree):
    client = login(tree.users["district_admin"])
    response = client.get("/members/", {"after": "987654321"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="paging-notice"' in html and _names(html) == roster[:2]
    # A member who left the list (died) still marks the place: the next page follows where they stood.
    third = Member.objects.get(name=roster[2])
    Member.objects.filter(pk=third.pk).update(status="deceased")
    html = client.get("/members/", {"after": third.pk}).content.decode()
    assert _names(html) == roster[3:5] and "paging-notice" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"after": "abc"}, {"before": "-3"}, {"after": "1" * 40}, {"before": "1 OR 1=1"}])
def test_bad_cursor_is_a_400_with_a_message_and_the_first_page(roster, login, tree, params):
    response = login(tree.users["district_admin"]).get("/members/", params)
    html = response.content.decode()
    assert response.status_code == 400 and "翻页参数有误" in html and _names(html) == roster[:2]


@pytest.mark.django_db
def test_page_numbers_only_while_cheap(roster, login, tree):
    client = login(tree.users["district_admin"])
    html = client.get("/members/", {"page": "2"}).content.decode()
    assert _names(html) == roster[2:4] and "第 2 / 5 页" in html
    for raw in ("3", "99999", "abc", "-1"):  # beyond the numbered pages, or no number: the first page
        response = client.get("/members/", {"page": raw})
        assert response.status_code == 200 and _names(response.content.decode()) == roster[:2], raw
    assert "paging-notice" in client.get("/members/", {"page": "3"}).content.decode()


@pytest.mark.django_db
def test_filtered_counts_are_capped_with_a_limit(roster, login, tree, settings):
    settings.MEMBER_LIST_COUNT_CAP = 5
    client = login(tree.users["district_admin"])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/members/", {"category": "full"}).content.decode()
    assert "共 5+ 条" in html
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "members_member" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]
    settings.MEMBER_LIST_COUNT_CAP = 50
    assert "第 1 / 5 页，共 9 条" in client.get("/members/", {"category": "full"}).content.decode()


@pytest.mark.django_db
def test_search_is_one_page_query_and_one_capped_count(roster, login, tree):
    client = login(tree.users["district_admin"])
    client.get("/members/")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/members/", {"q": "d"}).content.decode()
    assert _names(html) == ["丁四"]
    member_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "members_member"' in q["sql"]]
    assert len(member_reads) == 2, member_reads  # the capped count, the page
    assert "LIMIT" in member_reads[0] and "COUNT(" in member_reads[0]


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_members_or_organizations(tree, login, settings):
    settings.LIST_PAGE_SIZE = 5
    settings.LIST_NUMBERED_PAGES = 1  # 下一页 goes by key from the first page
    client = login(tree.users["district_admin"])
    client.get("/members/")

    def run():
        html = client.get("/members/").content.decode()
        after = pager_link(html, "下一页")
        assert "after=" in after
        counts = []
        for params in ("", "last=1", "q=x", "category=full", after, "page=1"):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/members/?" + params).status_code == 200, params
            counts.append(len(ctx.captured_queries))
        return counts

    for i in range(6):
        make_member(tree.branch_a, f"许{i}", seq=300 + i)
    small = run()
    for i in range(12):
        org = make_org(f"新支部{i}", "branch", refresh(tree.town_b))
        for j in range(4):
            make_member(org, f"许新{i}{j}", seq=400 + i * 4 + j, birth=date(1990, 1, 1 + j))
    assert run() == small


@pytest.mark.django_db
def test_back_from_the_last_page_then_forward_misses_nobody(roster, login, tree):
    """Pages counted from the end need not line up with the first page: back at the start, the first page is shown
    whole, and 下一页 from there goes on without a gap."""
    client = login(tree.users["district_admin"])
    html = client.get("/members/", {"last": "1"}).content.decode()
    while (query := pager_link(html, "上一页")) is not None:
        html = client.get("/members/?" + query).content.decode()
    assert _names(html) == roster[:2] and "第 1 / 5 页" in html
    seen = _names(html)
    while (query := pager_link(html, "下一页")) is not None:
        html = client.get("/members/?" + query).content.decode()
        seen += _names(html)
    assert seen == roster
