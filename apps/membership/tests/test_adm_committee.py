"""The year's plan and the 入党志愿书 ranges are set by the committee ABOVE an organization: the access matrix of both
pages (who may set which organization's), the organizations their forms offer, and the services' own refusal."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.access.models import Role
from apps.membership import admission_services as services
from apps.membership.admission_models import AdmissionQuota, VolunteerBookRange
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(tree):
    return {**tree.users, "branch_a_admin": make_user("branch_a_admin", Role.ORG_ADMIN, tree.branch_a)}


def _post(client, user, name, org):
    data = {"organization": org.pk, "year": 2026, "quota": 4} if name == "admission_quota" else {
        "organization": org.pk, "prefix": "T", "first": 1, "last": 50}
    client.force_login(user)
    response = client.post(reverse(f"membership:{name}"), data)
    client.logout()
    return response.status_code


MODEL = {"admission_quota": AdmissionQuota, "admission_book_range": VolunteerBookRange}
# (user, organization, status): 302 saved; 400 not offered by the form; 403 no such capability at all.
MATRIX = [
    ("district_admin", "town_a", 302),
    ("district_admin", "branch_b", 302),
    ("district_admin", "district", 400),  # its own committee
    ("town_a_admin", "branch_a", 302),
    ("town_a_admin", "town_a", 400),  # its own committee
    ("town_a_admin", "branch_b", 400),  # another township's branch
    ("town_a_admin", "district", 400),  # above it
    ("branch_a_admin", "branch_a", 400),  # an administrator of the branch itself
    ("secretary_a", "branch_a", 403),  # the branch's secretary
    ("secretary_b", "branch_b", 403),
    ("member_a", "branch_a", 403),
    ("auditor", "town_a", 403),
]


@pytest.mark.parametrize("name", ["admission_quota", "admission_book_range"])
@pytest.mark.parametrize(("role", "org", "expected"), MATRIX)
def test_set_by_the_committee_above(client, tree, users, name, role, org, expected):
    organization = getattr(tree, org)
    assert _post(client, users[role], name, organization) == expected
    saved = MODEL[name].objects.filter(organization=organization)
    assert saved.exists() == (expected == 302)


@pytest.mark.parametrize("name", ["admission_quota", "admission_book_range"])
def test_forms_offer_only_organizations_strictly_below(client, tree, users, name):
    offered = {}
    for role in ("district_admin", "town_a_admin", "branch_a_admin"):
        client.force_login(users[role])
        response = client.get(reverse(f"membership:{name}"))
        assert response.status_code == 200
        offered[role] = set(response.context["form"].fields["organization"].queryset)
    assert tree.district not in offered["district_admin"]
    assert {tree.town_a, tree.town_b, tree.branch_a, tree.branch_b} <= offered["district_admin"]
    assert offered["town_a_admin"] == {tree.branch_a, tree.group_a}
    assert tree.branch_a not in offered["branch_a_admin"]


@pytest.mark.parametrize(("role", "org"), [("branch_a_admin", "branch_a"), ("town_a_admin", "town_a"),
                                           ("town_a_admin", "branch_b"), ("secretary_a", "branch_a")])
def test_services_refuse_all_but_the_committee_above(tree, users, role, org):
    organization = getattr(tree, org)
    with pytest.raises(PermissionDenied, match="上级党委"):
        services.quota_set(actor=users[role], organization=organization, year=2026, quota=3)
    with pytest.raises(PermissionDenied, match="上级党委"):
        services.volunteer_book_range_create(actor=users[role], organization=organization,
                                             data={"prefix": "T", "first": 1, "last": 9})
    assert not AdmissionQuota.objects.exists() and not VolunteerBookRange.objects.exists()
    services.quota_set(actor=users["district_admin"], organization=organization, year=2026, quota=3)
    assert AdmissionQuota.objects.get(organization=organization).quota == 3
