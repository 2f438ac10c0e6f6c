"""The member form chooses its organizations with the organization picker (apps.orgs.picker): the picker's id
within the user's scope is accepted, one outside it (or a 党小组 as the branch) refused."""

from datetime import date

import pytest

from apps.core.idcard import make_id_number
from apps.members.models import Member
from tests.factories import refresh


@pytest.mark.django_db
class TestMemberFormUsesThePicker:
    def test_member_form(self, tree, login):
        client = login(tree.users["town_a_admin"])
        number = make_id_number("500102", date(1990, 2, 3), 55)
        data = {"name": "王五", "id_number": number, "category": "full", "status": "normal", "joined_on": "2012-01-01",
                "full_member_on": "2013-01-01", "ethnicity": "01", "organization": "x", "party_group": ""}
        page = client.get("/members/new/").content.decode()
        assert 'name="organization_pk"' in page and "cap=member.manage&amp;kinds=nongroup" in page
        response = client.post("/members/new/", {**data, "organization_pk": tree.branch_b.pk})
        assert response.status_code == 400 and not Member.objects.filter(name="王五").exists()
        response = client.post("/members/new/", {**data, "organization_pk": tree.group_a.pk})  # a 党小组 is not a branch
        assert response.status_code == 400
        response = client.post("/members/new/", {**data, "organization_pk": tree.branch_a.pk, "party_group_pk": tree.group_a.pk})
        member = Member.objects.get(name="王五")
        assert response.status_code == 302 and member.organization == tree.branch_a and member.party_group == tree.group_a
        # Editing shows the current organization with its path; moving the member out of scope is refused.
        page = client.get(f"/members/{member.pk}/edit/").content.decode()
        assert "甲镇党委 › 甲村党支部" in page
        edit = {**data, "id_number": "", "organization_pk": tree.branch_b.pk}
        assert client.post(f"/members/{member.pk}/edit/", edit).status_code == 400
        assert refresh(tree.branch_a) == Member.objects.get(pk=member.pk).organization
