"""A search by pinyin initials or pinyin: every match once, in pinyin order, across pages, with one capped count and one
page query; on PostgreSQL the sort key is bounded below only (search_key_range: a narrow range of the key would be
read into a bitmap beside the initials' index instead of walked in order)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.members.models import Member
from apps.members.selectors import search_key_range
from tests.factories import make_member
from tests.keyset_pages import pager_link

# Initials wxy (王小云 吴晓燕 魏星宇 万新颖 王晓雨), wx + more (王小), wxyz (王小雨中); others that share only the w.
NAMES = ["王小云", "吴晓燕", "魏星宇", "万新颖", "王晓雨", "王小", "王小雨中", "王五", "吴用", "李小燕"]


@pytest.fixture
def people(tree, settings):
    settings.LIST_PAGE_SIZE = 2
    settings.LIST_NUMBERED_PAGES = 1
    for i, name in enumerate(NAMES):
        make_member(tree.branch_a, name, seq=500 + i)


def _names(html):
    return re.findall(r'<a href="/members/\d+/">([^<]+)</a>', html)


def _expected(q):
    matches = [m for m in Member.objects.current() if m.name_initials.startswith(q) or m.name_pinyin.startswith(q)]
    return [m.name for m in sorted(matches, key=lambda m: (m.name_pinyin, m.pk))]


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["wxy", "wx", "w", "wang", "wxyz", "qqq"])
def test_a_pinyin_search_lists_every_match_once_in_pinyin_order(people, tree, login, q):
    want = _expected(q)
    if q == "wxy":
        assert sorted(want) == sorted(["王小云", "吴晓燕", "魏星宇", "万新颖", "王晓雨", "王小雨中"])
    client = login(tree.users["district_admin"])
    seen, query = [], f"q={q}"
    while query is not None:  # the first page, then 下一页 (its link carries the search) until the last
        html = client.get("/members/?" + query).content.decode()
        seen += _names(html)
        query = pager_link(html, "下一页")
        assert query is None or f"q={q}" in query
    assert seen == want


@pytest.mark.django_db
def test_an_initials_search_is_one_capped_count_and_one_page_query(people, tree, login):
    client = login(tree.users["district_admin"])
    client.get("/members/")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/members/", {"q": "wxy"}).content.decode()
    assert _names(html) == _expected("wxy")[:2] and "共 6 条" in html
    member_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "members_member"' in q["sql"]]
    assert len(member_reads) == 2, member_reads  # the capped count, the page
    assert "COUNT(" in member_reads[0] and "LIMIT" in member_reads[0]
    if connection.vendor == "postgresql":
        page = member_reads[1]
        assert 'COLLATE "C" >= \'w\'' in page and 'COLLATE "C" < ' not in page  # the lower bound only


def test_the_key_range_of_each_kind_of_search():
    if connection.vendor != "postgresql":
        assert search_key_range("wxy") == [] and search_key_range("王") == []
        return
    def bound(lookup):
        return lookup.lookup_name, getattr(lookup.rhs, "value", lookup.rhs)

    assert [bound(b) for b in search_key_range("wxy")] == [("gte", "w")]
    assert [bound(b) for b in search_key_range("王小")] == [("gte", "王小"), ("lt", "王小\U0010ffff")]
    assert search_key_range("110101199001011234") == []
