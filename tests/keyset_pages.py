"""Walking a keyset-paged list the way a user does, by its 下一页 / 上一页 links (templates/includes/keyset_pager.html):
the one reading of those links for every list's paging tests."""

import re


def pager_link(html, label):
    """The query string of the pager link labelled `label` (下一页, 上一页, 末页 …), or None when the page has none."""
    found = re.search(r'<a class="page-link" href="\?([^"]*)"[^>]*>' + label + "</a>", html)
    return found.group(1).replace("&amp;", "&") if found else None


def walk_next(client, path, rows, check=None):
    """From the first page, 下一页 until the last: (the rows seen in order, the query strings asked, the last page's
    html). `rows(html)` reads a page's rows; `check(html, page_rows)`, if given, asserts about each page."""
    seen, queries, query = [], [], ""
    while True:
        response = client.get(path + "?" + query)
        assert response.status_code == 200, (query, response.status_code)
        html = response.content.decode()
        page = rows(html)
        if check is not None:
            check(html, page)
        seen += page
        queries.append(query)
        query = pager_link(html, "下一页")
        if query is None:
            return seen, queries, html


def walk_back(client, path, rows, html):
    """From the page in `html`, 上一页 until the first: every row on the way, in list order."""
    back = []
    while True:
        back = rows(html) + back
        query = pager_link(html, "上一页")
        if query is None:
            return back
        html = client.get(path + "?" + query).content.decode()
