"""ID numbers and phones searched for never travel in a URL (access logs, browser history, Referer headers)."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from apps.audit.models import AuditEvent
from apps.core.models import Job


def _hrefs(html):
    import re

    return re.findall(r'(?:href|hx-get|hx-post|action)="([^"]*)"', html)


@pytest.mark.django_db
class TestSearchForm:
    def test_an_id_search_posts_and_no_requested_url_holds_the_number(self, tree, login):
        number = tree.member_a.id_number
        client = login(tree.users["district_admin"])
        response = client.post("/members/", {"q": number, "status": "", "page": "3"})
        assert response.status_code == 303
        location = response["Location"]
        assert number not in location and "qk=" in location and "page=" not in location
        page = client.get(location)
        html = page.content.decode()
        assert page.status_code == 200 and "张三" in html and "李四" not in html
        urls = [location, *_hrefs(html)]
        assert all(number not in url and number[:10] not in url for url in urls), urls
        # The export follows the same search through the key; neither its job nor its audit row holds the number.
        export = [u for u in _hrefs(html) if u.startswith("/members/export/")][0].replace("&amp;", "&")
        assert "qk=" in export
        response = client.get(export)
        job = Job.objects.get(pk=response.url.split("/")[2])
        assert job.status == "succeeded"
        rows = list(load_workbook(io.BytesIO(b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)))
                    .active.iter_rows(values_only=True))
        assert [r[0] for r in rows[1:]] == ["张三"]  # the search, not the whole roster
        assert number not in str(job.params)
        assert all(number not in e.note for e in AuditEvent.objects.filter(action="export"))

    def test_htmx_searches_are_sent_to_the_clean_url(self, tree, login):
        import json

        client = login(tree.users["district_admin"])
        response = client.post("/members/", {"q": "13800138000"}, HTTP_HX_REQUEST="true")
        location = json.loads(response["HX-Location"])
        assert location["target"] == "#results" and "qk=" in location["path"] and "13800138000" not in location["path"]
        response = client.get(location["path"], HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200 and "张三" in html and "<html" not in html
        assert all("13800138000" not in url for url in _hrefs(html))

    def test_names_stay_plain_bookmarkable_gets(self, tree, login):
        client = login(tree.users["district_admin"])
        response = client.post("/members/", {"q": "zs", "sex": "M", "status": ""})
        assert response.status_code == 303 and response["Location"] == "/members/?q=zs&sex=M"
        page = client.get("/members/", {"q": "zs"})
        assert page.status_code == 200 and "张三" in page.content.decode()

    def test_any_query_with_digits_and_old_links_leave_the_url(self, tree, login):
        client = login(tree.users["district_admin"])
        partial = tree.member_a.id_number[:12]  # typed half-way: the keyup search fires too
        response = client.post("/members/", {"q": partial})
        assert response.status_code == 303 and partial not in response["Location"]
        # An old bookmark or a hand-made URL with a number: moved to the session and out of the address bar.
        response = client.get("/members/", {"q": tree.member_a.id_number})
        assert response.status_code == 303 and tree.member_a.id_number not in response["Location"]
        assert "张三" in client.get(response["Location"]).content.decode()

    def test_a_key_from_another_session_reads_as_expired(self, tree, login):
        client = login(tree.users["district_admin"])
        location = client.post("/members/", {"q": tree.member_a.id_number})["Location"]
        other = Client()
        other.force_login(tree.users["district_admin"])
        html = other.get(location).content.decode()
        assert 'data-testid="search-expired"' in html and tree.member_a.id_number not in html

    def test_the_page_says_numbers_match_exactly(self, tree, login):
        html = login(tree.users["secretary_a"]).get("/members/").content.decode()
        assert "身份证号和手机号需完整输入，精确匹配" in html and 'method="post"' in html


@pytest.mark.django_db
class TestApiSearch:
    def _client(self, tree, username="district_admin"):
        token = Token.objects.create(user=tree.users[username])
        return Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def test_numbers_are_searched_by_post(self, tree):
        api = self._client(tree)
        response = api.post("/api/members/search/", {"q": tree.member_a.id_number}, content_type="application/json")
        assert response.status_code == 200
        assert [m["name"] for m in response.json()["results"]] == ["张三"]
        response = api.post("/api/members/search/", {"q": "138 0013 8000", "status": "all"}, content_type="application/json")
        assert [m["name"] for m in response.json()["results"]] == ["张三"]
        response = api.post("/api/members/search/", {"q": "ls"}, content_type="application/json")
        assert [m["name"] for m in response.json()["results"]] == ["李四"]

    def test_numbers_in_an_api_url_are_refused(self, tree):
        api = self._client(tree)
        response = api.get("/api/members/", {"q": tree.member_a.id_number})
        assert response.status_code == 400 and "POST /api/members/search/" in response.content.decode()
        assert api.get("/api/members/", {"q": "zs"}).status_code == 200

    def test_bad_bodies_and_scope(self, tree):
        api = self._client(tree)
        response = api.post("/api/members/search/", ["q"], content_type="application/json")
        assert response.status_code == 400
        response = api.post("/api/members/search/", {"age_min": "abc"}, content_type="application/json")
        assert response.status_code == 400
        # Scope as for the list: a branch secretary does not find another branch's member by number.
        other = self._client(tree, "secretary_a")
        response = other.post("/api/members/search/", {"q": tree.member_b.id_number}, content_type="application/json")
        assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.django_db
def test_number_searches_are_limited_per_user_pages_and_api_together(tree, login, settings):
    """An exact search answers whether a number is someone's: bounded, so the numbers a mask leaves open cannot all
    be tried (apps/members/tests/test_mask_recovery.py counts them)."""
    settings.MEMBER_NUMBER_SEARCH_LIMIT = 3
    client = login(tree.users["district_admin"])
    for _ in range(2):
        location = client.post("/members/", {"q": tree.member_a.id_number})["Location"]
        assert "张三" in client.get(location).content.decode()
        assert client.get(location, {"page": "1"}).status_code == 200  # paging the same search counts nothing
    token = Token.objects.create(user=tree.users["district_admin"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.post("/api/members/search/", {"q": "13800138000"}, content_type="application/json").status_code == 200
    response = api.post("/api/members/search/", {"q": "13800138000"}, content_type="application/json")
    assert response.status_code == 429 and "上限" in response.json()["detail"]
    location = client.post("/members/", {"q": tree.member_b.id_number})["Location"]
    response = client.get(location)
    html = response.content.decode()
    assert response.status_code == 429 and 'data-testid="search-refused"' in html and "李四" not in html
    # Names are not counted.
    assert "张三" in client.get(client.post("/members/", {"q": "zs"})["Location"]).content.decode()
    # Another user has their own allowance.
    other = Client()
    other.force_login(tree.users["town_a_admin"])
    assert "张三" in other.get(other.post("/members/", {"q": tree.member_a.id_number})["Location"]).content.decode()


@pytest.mark.django_db
def test_every_number_search_counts_committee_posts_and_typed_export_urls_too(tree, login, settings):
    """Each place that looks members up by a typed number (apps.members.selectors.search_q) answers whether the
    number is someone's, so each counts against the same per-user limit: the committee-post form and an export
    URL made by hand, with the list and the API."""
    from apps.core.idcard import make_id_number
    from apps.orgs.models import CommitteePost

    settings.MEMBER_NUMBER_SEARCH_LIMIT = 2
    client = login(tree.users["secretary_a"])
    url = f"/orgs/{tree.branch_a.pk}/posts/new/"
    post = {"post": "secretary", "term_start": "2024-01-01"}
    unknown = make_id_number("500102", tree.member_a.birth_date, 999)
    response = client.post(url, {**post, "member_id_or_name": unknown})
    assert response.status_code == 400 and "未找到该党员" in response.content.decode()
    response = client.post(url, {**post, "member_id_or_name": "13955550000"})
    assert response.status_code == 400
    # Over the limit the answer is the same whether the number is a member's or not, and nothing is created.
    for number in (tree.member_a.id_number, unknown):
        response = client.post(url, {**post, "member_id_or_name": number})
        html = response.content.decode()
        assert response.status_code == 429 and "上限" in html and "未找到该党员" not in html
    assert not CommitteePost.objects.filter(organization=tree.branch_a).exists()
    # Names are not counted: the form still works by name.
    assert client.post(url, {**post, "member_id_or_name": "张三"}).status_code == 302
    # The list shares the allowance.
    assert client.get(client.post("/members/", {"q": tree.member_a.id_number})["Location"]).status_code == 429

    admin = login(tree.users["district_admin"])
    jobs_before = Job.objects.count()
    for _ in range(2):
        assert admin.get("/members/export/", {"q": tree.member_a.id_number}).status_code == 302
    assert Job.objects.count() == jobs_before + 2
    response = admin.get("/members/export/", {"q": tree.member_a.id_number})
    assert response.status_code == 302 and response["Location"] == "/members/" and Job.objects.count() == jobs_before + 2
