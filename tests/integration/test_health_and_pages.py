import re
from unittest import mock

import pytest
from django.db.utils import OperationalError

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']\s*(?:https?:)?//""", re.I)


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_503_when_database_unreachable(client):
    with mock.patch("apps.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.django_db
def test_no_page_references_an_external_url(tree, client):
    pages = ["/accounts/login/", "/", "/orgs/", f"/orgs/{tree.district.pk}/", f"/orgs/{tree.district.pk}/warnings/", "/orgs/terms/",
             "/members/", f"/members/{tree.member_a.pk}/", "/members/import/", "/members/new/", "/accounts/profile/", "/api/docs/",
             f"/orgs/{tree.district.pk}/edit/"]
    checked = 0
    for url in pages:
        client.force_login(tree.users["district_admin"]) if url != "/accounts/login/" else client.logout()
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not EXTERNAL.search(html), f"{url} references an external URL"
        checked += 1
    client.force_login(tree.users["auditor"])
    assert not EXTERNAL.search(client.get("/audit/").content.decode())
    assert checked == len(pages)


@pytest.mark.django_db
def test_static_assets_and_css_are_local(client):
    from django.contrib.staticfiles import finders

    for asset in ["vendor/bootstrap/bootstrap.min.css", "vendor/htmx/htmx.min.js", "vendor/bootstrap/bootstrap.bundle.min.js",
                  "css/app.css", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"]:
        assert finders.find(asset), asset
    css = open(finders.find("css/app.css"), encoding="utf-8").read()
    assert "http" not in css


@pytest.mark.django_db
def test_ui_is_chinese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "用户名" in html and "密码" in html
    assert 'name="viewport"' in html


@pytest.mark.django_db
def test_unknown_urls_get_a_chinese_404(client, tree):
    client.force_login(tree.users["district_admin"])
    response = client.get("/orgs/999999/")
    assert response.status_code == 404
    assert "不存在" in response.content.decode()
    assert client.get("/members/abc/").status_code == 404
