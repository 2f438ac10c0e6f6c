"""The records list pages by keys (newest first): next and previous links walk every record once, ?last=1, bad
cursors, totals counted up to RECORD_LIST_COUNT_CAP, and a page's statements flat in the number of records."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.records.models import ActivityRecord
from tests.keyset_pages import pager_link, walk_back, walk_next


@pytest.fixture
def listed(tree, make_record, settings):
    """Seven drafts of branch A, two on each day (ties broken by id, newest first); pages of 2 → 4 pages."""
    settings.LIST_PAGE_SIZE = 2
    settings.LIST_NUMBERED_PAGES = 2
    for i in range(7):
        make_record(topic=f"主题{i}", days_ago=i // 2, submit=False)
    return list(ActivityRecord.objects.order_by("-held_on", "-id").values_list("topic", flat=True))


def _topics(html):
    return re.findall(r'<a href="/records/\d+/">([^<]+)</a>', html)


@pytest.mark.django_db
def test_next_links_walk_every_record_once_in_order_then_back(listed, login, tree):
    client = login(tree.users["district_admin"])
    html = client.get("/records/").content.decode()
    assert _topics(html) == listed[:2] and "第 1 / 4 页，共 7 条" in html and pager_link(html, "上一页") is None
    seen, queries, html = walk_next(client, "/records/", _topics)
    assert seen == listed
    assert queries[1] == "page=2" and "after=" in queries[2]  # page numbers first, then keys
    assert walk_back(client, "/records/", _topics, html) == listed


@pytest.mark.django_db
def test_last_page_and_before(listed, login, tree):
    client = login(tree.users["district_admin"])
    html = client.get("/records/", {"last": "1"}).content.decode()
    assert _topics(html) == listed[-2:] and pager_link(html, "下一页") is None and "共 7 条" in html
    before = pager_link(html, "上一页")
    assert "before=" in before
    assert _topics(client.get("/records/?" + before).content.decode()) == listed[-4:-2]


@pytest.mark.django_db
def test_filters_travel_with_the_cursor(listed, login, tree, make_record):
    make_record(topic="乙支部的", org=tree.branch_b, actor=tree.users["district_admin"], submit=False)
    client = login(tree.users["district_admin"])
    html = client.get("/records/", {"status": "draft", "org": tree.branch_a.code, "page": "2"}).content.decode()
    nxt = pager_link(html, "下一页")
    assert "status=draft" in nxt and "after=" in nxt and "page=" not in nxt
    assert _topics(client.get("/records/?" + nxt).content.decode()) == listed[4:6]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"after": "abc"}, {"before": "-3"}, {"after": "1" * 40}])
def test_bad_cursor_is_a_400_with_the_first_page(listed, login, tree, params):
    response = login(tree.users["district_admin"]).get("/records/", params)
    html = response.content.decode()
    assert response.status_code == 400 and "翻页参数有误" in html and _topics(html) == listed[:2]


@pytest.mark.django_db
def test_total_is_capped_with_a_limit(listed, login, tree, settings):
    settings.RECORD_LIST_COUNT_CAP = 5
    client = login(tree.users["district_admin"])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/records/").content.decode()
    assert "共 5+ 条" in html and "/ 4 页" not in html
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "records_activityrecord" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]


def _page_statements(client):
    """Statements of the first, a keyed, the last and a filtered page."""
    html = client.get("/records/").content.decode()
    after = pager_link(html, "下一页")
    assert "after=" in after
    counts = []
    for params in ("", after, "last=1", "status=draft", after.replace("after=", "before=")):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/records/?" + params).status_code == 200, params
        counts.append(len(ctx.captured_queries))
    return counts


@pytest.mark.django_db
def test_page_statements_do_not_grow_with_records(tree, login, make_record, settings, django_assert_max_num_queries):
    settings.LIST_PAGE_SIZE = 3
    settings.LIST_NUMBERED_PAGES = 1  # 下一页 goes by key from the first page
    client = login(tree.users["district_admin"])
    for i in range(5):
        make_record(topic=f"少{i}", days_ago=i, submit=False)
    client.get("/records/")
    small = _page_statements(client)
    for i in range(45):
        make_record(topic=f"多{i}", org=tree.branch_b if i % 2 else tree.branch_a,
                    actor=tree.users["district_admin"], days_ago=i % 9, submit=False)
    assert _page_statements(client) == small
    with django_assert_max_num_queries(max(small)):
        client.get("/records/", {"last": "1"})
