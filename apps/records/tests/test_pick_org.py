"""Choosing the branch or 党小组 of a new plan or record: the organization picker (any number of organizations,
with their parent path), resolved within the user's scope only."""

import pytest

from apps.orgs.models import Organization
from tests.factories import make_org, refresh


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/records/new/", "/records/plans/new/"])
def test_the_picker_replaces_the_capped_list(tree, client, url):
    client.force_login(tree.users["district_admin"])
    # More organizations than the old list showed (it stopped at 200, silently).
    for n in range(205):
        make_org(f"新建第{n}党支部", "branch", refresh(tree.town_b), code=f"N{n:07d}")
    last = Organization.objects.get(code="N0000204")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="org_pk"' in html and "cap=record.manage" in html and "kinds=record" in html
    assert "新建第1党支部" not in html  # no list of every organization
    found = client.get("/orgs/pick/", {"cap": "record.manage", "kinds": "record", "q": "新建第204"}).content.decode()
    assert f'data-pk="{last.pk}"' in found and "乙镇党委 › 新建第204党支部" in found
    # The picker's answer (label and id) goes on to the form for that organization.
    response = client.get(url, {"org": "乙镇党委 › 新建第204党支部", "org_pk": last.pk})
    assert response.status_code == 302 and response["Location"] == f"{url}?org={last.pk}"
    assert client.get(response["Location"]).status_code == 200
    # A typed code (no JavaScript) works too.
    assert client.get(url, {"org": tree.branch_a.code})["Location"] == f"{url}?org={tree.branch_a.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/records/new/", "/records/plans/new/"])
def test_an_organization_outside_the_scope_or_of_the_wrong_kind_is_refused(tree, client, url):
    client.force_login(tree.users["secretary_a"])
    found = client.get("/orgs/pick/", {"cap": "record.manage", "kinds": "record", "q": "村党支部"}).content.decode()
    assert tree.branch_a.name in found and tree.branch_b.name not in found
    for value in ({"org": tree.branch_b.name, "org_pk": tree.branch_b.pk}, {"org": tree.branch_b.code},
                  {"org": "无此组织"}, {"org": tree.town_a.code, "org_pk": tree.town_a.pk}):
        response = client.get(url, value)
        assert response.status_code == 400, value
        html = response.content.decode()
        assert "您无权在该组织记录组织生活" in html and tree.branch_b.name not in html.replace(f'value="{tree.branch_b.name}"', "")
    # A 党小组 is an organization that keeps its own record.
    group = client.get(url, {"org": tree.group_a.code})
    assert group.status_code == 302 and group["Location"] == f"{url}?org={tree.group_a.pk}"
