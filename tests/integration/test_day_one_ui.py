"""Day-one defects of the shared UI: public links on the login page, a favicon, the print stylesheet and 打印
buttons, 已届满 markers on expired terms, and search boxes saying that ID/phone search is exact."""

from datetime import date, timedelta

import pytest
from django.conf import settings

from apps.orgs.models import CommitteePost, Organization


@pytest.mark.django_db
def test_login_page_links_to_the_public_pages(client):
    html = client.get("/accounts/login/").content.decode()
    for href, text in (('href="/report/"', "我要反映"), ('href="/report/track/"', "查询办理进度"),
                       ('href="/report/cases/"', "诉求公开"), ('href="/stars/"', "特色活动之星"),
                       ('href="/honours/"', "示范创建")):
        assert href in html and text in html
    for url in ("/report/", "/report/track/", "/report/cases/", "/stars/", "/honours/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == f"{settings.STATIC_URL}favicon.ico"
    icon = (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert (settings.BASE_DIR / "static" / "favicon.svg").read_text().startswith("<svg")
    html = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html and 'href="/static/favicon.ico"' in html


@pytest.mark.django_db
def test_print_stylesheet_and_buttons(tree, login):
    css = (settings.BASE_DIR / "static" / "css" / "print.css").read_text()
    assert "size: A4" in css and "break-inside: avoid" in css and ".app-navbar" in css and "display: table-header-group" in css
    client = login(tree.users["district_admin"])
    html = client.get(f"/members/{tree.member_a.pk}/").content.decode()
    assert 'href="/static/css/print.css" media="print"' in html
    assert 'data-testid="print-button"' in html and "window.print()" in html
    assert '<header class="print-header">' in html and "党员档案 · 张三" in html and "阳光党建 · 甲村党支部" in html
    html = client.get("/records/compliance/").content.decode()
    assert 'data-testid="print-button"' in html and "组织生活完成情况" in html


@pytest.mark.django_db
def test_expired_terms_are_marked(tree, login):
    from apps.orgs import services

    past = date.today() - timedelta(days=30)
    Organization.objects.filter(pk=tree.branch_a.pk).update(term_started_on=past - timedelta(days=3 * 365), term_ends_on=past)
    Organization.objects.filter(pk=tree.branch_b.pk).update(term_started_on=date.today() - timedelta(days=100),
                                                            term_ends_on=date.today() + timedelta(days=60))
    assert Organization.objects.get(pk=tree.branch_a.pk).term_expired
    assert not Organization.objects.get(pk=tree.branch_b.pk).term_expired
    post = services.committee_post_create(actor=None, org=tree.branch_a, member=tree.member_a,
                                          post=CommitteePost.Post.SECRETARY, term_start=date(2020, 1, 1),
                                          term_end=date.today() + timedelta(days=1))
    CommitteePost.objects.filter(pk=post.pk).update(term_end=past)  # time passes; the post is still held
    client = login(tree.users["district_admin"])
    detail = client.get(f"/orgs/{tree.branch_a.pk}/").content.decode()
    assert 'data-testid="term-expired">已届满' in detail and 'data-testid="post-expired">已届满' in detail
    assert "已届满" not in client.get(f"/orgs/{tree.branch_b.pk}/").content.decode()
    children = client.get(f"/orgs/{tree.town_a.pk}/children/").content.decode()
    assert "已届满" in children
    assert "已届满" not in client.get(f"/orgs/{tree.town_b.pk}/children/").content.decode()
    home = client.get("/").content.decode()
    assert 'data-testid="term-expired">已届满' in home
    terms = client.get("/orgs/terms/").content.decode()
    assert terms.count("已届满</span>") == 1 and "即将届满" in terms


@pytest.mark.django_db
def test_exact_search_is_announced(tree, login):
    client = login(tree.users["district_admin"])
    assert "手机号需完整输入" in client.get("/cases/").content.decode()
    assert "身份证号需完整输入" in client.get(f"/orgs/{tree.branch_a.pk}/posts/new/").content.decode()
