from datetime import date

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.audit.models import AuditEvent
from apps.core.idcard import make_id_number
from apps.members.models import Member
from apps.orgs.models import Organization


@pytest.fixture
def api(tree):
    def _client(username):
        token = Token.objects.create(user=tree.users[username])
        return Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    return _client


def _payload(tree, **kw):
    data = {"name": "孙悟", "id_number": make_id_number("500102", date(1991, 2, 3), 501), "organization": tree.branch_a.pk,
            "category": "full", "status": "normal", "joined_on": "2015-07-01", "full_member_on": "2016-07-01",
            "ethnicity": "01", "phone": "13912345678"}
    data.update(kw)
    return data


@pytest.mark.django_db
class TestMemberApi:
    def test_create_read_update_through_services(self, tree, api):
        client = api("town_a_admin")
        response = client.post("/api/members/", _payload(tree), content_type="application/json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["id_number_masked"] == "500" + "*" * 15 and "id_number" not in body
        assert body["birth_date"] == "1991-02-03" and body["sex"] == "M"  # sequence 501 is odd
        assert body["phone_masked"] == "139****5678" and "phone" not in body
        pk = body["id"]
        assert AuditEvent.objects.filter(action="create", object_id=str(pk), actor_name="town_a_admin").exists()
        response = client.patch(f"/api/members/{pk}/", {"status": "flowing", "flow_place": "广东省深圳市"}, content_type="application/json")
        assert response.status_code == 200 and response.json()["status"] == "flowing"
        assert client.get(f"/api/members/{pk}/").json()["organization_name"] == "甲村党支部"

    def test_validation_errors_are_400_with_field_messages(self, tree, api):
        client = api("town_a_admin")
        response = client.post("/api/members/", _payload(tree, id_number="500102199102035019", joined_on="2099-01-01"),
                               content_type="application/json")
        assert response.status_code == 400
        errors = response.json()
        assert "校验位" in errors["id_number"][0]
        assert "joined_on" in errors
        response = client.post("/api/members/", _payload(tree, joined_on="昨天"), content_type="application/json")
        assert response.status_code == 400 and "joined_on" in response.json()
        response = client.patch(f"/api/members/{tree.member_a.pk}/", {"status": "flowing"}, content_type="application/json")
        assert response.status_code == 400 and "流动去向" in response.json()["flow_place"][0]
        assert Member.objects.get(pk=tree.member_a.pk).status == "normal"
        response = client.post("/api/members/", "not json", content_type="application/json")
        assert response.status_code == 400

    def test_list_filters_like_the_page(self, tree, api):
        client = api("district_admin")
        names = {m["name"] for m in client.get("/api/members/", {"q": "zs"}).json()["results"]}
        assert names == {"张三"}
        names = {m["name"] for m in client.get("/api/members/", {"org": tree.branch_b.pk}).json()["results"]}
        assert names == {"李四"}
        assert client.get("/api/members/", {"age_min": "abc"}).status_code == 400

    def test_member_role_cannot_create(self, tree, api):
        response = api("member_a").post("/api/members/", _payload(tree), content_type="application/json")
        assert response.status_code in (400, 403)
        assert not Member.objects.filter(name="孙悟").exists()


@pytest.mark.django_db
class TestOrgApi:
    def test_create_child_and_update(self, tree, api):
        client = api("town_a_admin")
        response = client.post("/api/orgs/", {"name": "甲镇新村党支部", "kind": "branch", "domain": "village",
                                              "parent": tree.town_a.pk}, content_type="application/json")
        assert response.status_code == 201, response.json()
        pk = response.json()["id"]
        assert response.json()["parent_id"] == tree.town_a.pk
        response = client.patch(f"/api/orgs/{pk}/", {"kind": "group"}, content_type="application/json")
        assert response.status_code == 400 and "kind" in response.json()
        response = client.post("/api/orgs/", {"name": "越权", "kind": "branch", "parent": tree.town_b.pk},
                               content_type="application/json")
        assert response.status_code == 400 and "parent" in response.json()
        assert not Organization.objects.filter(name="越权").exists()

    def test_children_listing(self, tree, api):
        body = api("district_admin").get("/api/orgs/", {"parent": tree.district.pk}).json()
        assert {o["name"] for o in body["results"]} == {"甲镇党委", "乙镇党委"}


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/members/" in text and "/api/orgs/" in text and "TokenAuth" in text or "tokenAuth" in text
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_unfiltered_api_list_takes_its_count_from_the_stored_rollups(tree, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api("district_admin")
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/members/").json()
    assert body["count"] == 2 and len(body["results"]) == 2
    assert not any("COUNT(" in q["sql"] and "members_member" in q["sql"] for q in ctx.captured_queries)
    assert client.get("/api/members/", {"q": "zs"}).json()["count"] == 1  # a filtered list counts its matches
