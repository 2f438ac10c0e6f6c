"""The case list pages by keys (newest first): next and previous links walk every case once, ?last=1, bad cursors,
totals, search hits and queue chips counted up to CASE_LIST_COUNT_CAP, and a page's statements flat in the number
of cases."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cases.models import Case
from tests.keyset_pages import pager_link, walk_back, walk_next

pytestmark = pytest.mark.django_db


def _submit_many(submit, n, start=0, **fields):
    """n cases, three to a second of submission (ties broken by id, newest first)."""
    now = timezone.now()
    for i in range(start, start + n):
        case, _code = submit(description=fields.get("description", f"第{i}号小区门口垃圾堆积"))
        Case.objects.filter(pk=case.pk).update(submitted_at=now - timedelta(seconds=i // 3))


@pytest.fixture
def listed(cases, submit, settings):
    settings.LIST_PAGE_SIZE = 2
    settings.LIST_NUMBERED_PAGES = 2
    _submit_many(submit, 7)
    return list(Case.objects.order_by("-submitted_at", "-id").values_list("number", flat=True))


def _numbers(html):
    return re.findall(r'<a href="/cases/\d+/">(QG\d+)</a>', html)


def test_next_links_walk_every_case_once_in_order_then_back(listed, cases, login):
    client = login(cases.users["dispatcher"])
    html = client.get("/cases/").content.decode()
    assert _numbers(html) == listed[:2] and "第 1 / 4 页，共 7 条" in html and "共 7 件" in html
    seen, queries, html = walk_next(client, "/cases/", _numbers)
    assert seen == listed
    assert queries[1] == "page=2" and "after=" in queries[2]
    assert walk_back(client, "/cases/", _numbers, html) == listed


def test_last_page_and_before(listed, cases, login):
    client = login(cases.users["dispatcher"])
    html = client.get("/cases/", {"last": "1"}).content.decode()
    assert _numbers(html) == listed[-2:] and pager_link(html, "下一页") is None
    before = pager_link(html, "上一页")
    assert "before=" in before
    assert _numbers(client.get("/cases/?" + before).content.decode()) == listed[-4:-2]


def test_queue_and_search_travel_with_the_cursor(listed, cases, login):
    client = login(cases.users["dispatcher"])
    html = client.get("/cases/", {"queue": "to_sign", "q": "垃圾", "page": "2"}).content.decode()
    nxt = pager_link(html, "下一页")
    assert "queue=to_sign" in nxt and "q=" in nxt and "after=" in nxt and "page=" not in nxt
    assert _numbers(client.get("/cases/?" + nxt).content.decode()) == listed[4:6]


@pytest.mark.parametrize("params", [{"after": "abc"}, {"before": "-3"}, {"after": "9" * 40}])
def test_bad_cursor_is_a_400_with_the_first_page(listed, cases, login, params):
    response = login(cases.users["dispatcher"]).get("/cases/", params)
    html = response.content.decode()
    assert response.status_code == 400 and "翻页参数有误" in html and _numbers(html) == listed[:2]


def test_totals_search_hits_and_queue_chips_are_capped(listed, cases, login, settings):
    settings.CASE_LIST_COUNT_CAP = 5
    client = login(cases.users["dispatcher"])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/cases/").content.decode()
    assert 'data-testid="case-total">共 5+ 件' in html and "共 5+ 条" in html
    assert 'data-testid="queue-count-to_sign">5+<' in html  # 7 dispatched
    assert 'data-testid="queue-count-to_dispatch">0<' in html
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "cases_case" in q["sql"]]
    # The list's total and one per chip, each stopping at the cap.
    assert counts and all("LIMIT 6" in sql for sql in counts)
    assert 'data-testid="case-total">共 5+ 件' in client.get("/cases/", {"q": "垃圾"}).content.decode()
    home = login(cases.users["district_admin"]).get("/").content.decode()  # the home page's card: the same chips
    assert 'data-testid="home-queue-to_sign"><div class="stat">5+<' in home
    settings.CASE_LIST_COUNT_CAP = 50
    html = client.get("/cases/", {"q": "垃圾"}).content.decode()
    assert 'data-testid="case-total">共 7 件' in html and 'data-testid="queue-count-to_sign">7<' in html


def _page_statements(client):
    html = client.get("/cases/").content.decode()
    after = pager_link(html, "下一页")
    assert "after=" in after
    counts = []
    for params in ("", after, "last=1", "queue=to_sign", "q=垃圾", after.replace("after=", "before=")):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cases/?" + params).status_code == 200, params
        counts.append(len(ctx.captured_queries))
    return counts


def test_page_statements_do_not_grow_with_cases(cases, submit, login, settings, django_assert_max_num_queries):
    settings.LIST_PAGE_SIZE = 3
    settings.LIST_NUMBERED_PAGES = 1  # 下一页 goes by key from the first page
    client = login(cases.users["dispatcher"])
    _submit_many(submit, 5)
    client.get("/cases/")
    small = _page_statements(client)
    _submit_many(submit, 45, start=5)
    assert _page_statements(client) == small
    with django_assert_max_num_queries(max(small)):
        client.get("/cases/", {"last": "1"})
