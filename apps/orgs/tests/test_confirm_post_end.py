"""免职 dates a committee post's term today: one click does not do it (apps.core.confirm)."""

import re
from datetime import date

import pytest

from apps.orgs import services
from apps.orgs.models import CommitteePost

pytestmark = pytest.mark.django_db


def test_post_end_asks_before_acting(tree, client):
    post = services.committee_post_create(actor=None, org=tree.branch_a, member=tree.member_a, post="secretary",
                                          term_start=date(2024, 1, 1))
    client.force_login(tree.users["district_admin"])
    page = client.get(f"/orgs/{tree.branch_a.pk}/").content.decode()
    form = re.search(r'<form[^>]*action="/orgs/posts/%d/end/"[^>]*>' % post.pk, page)
    assert form and 'data-confirm="确定免去该职务？"' in form.group(0) and "onsubmit=" not in page
    asked = client.post(f"/orgs/posts/{post.pk}/end/")
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.content.decode()
    assert CommitteePost.objects.get(pk=post.pk).term_end is None
    assert client.post(f"/orgs/posts/{post.pk}/end/", {"confirmed": "1"}).status_code == 302
    assert CommitteePost.objects.get(pk=post.pk).term_end == date.today()
