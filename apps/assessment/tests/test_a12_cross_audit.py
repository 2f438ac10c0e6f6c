"""A sealed cross score in the audit trail: the auditor reads who scored which entry's leaf and when, never the points
or the comment (CrossScore.AUDIT_PERSONAL / AUDIT_MASKED): not on the trail's page, not in its export, not stored."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from apps.assessment.cross_models import CrossScore
from apps.audit.models import AuditEvent

from .cross_helpers import cross_round
from .test_cross import _score

pytestmark = pytest.mark.django_db

COMMENT = "班子团结协作九十七分"


def _export_text(client, params):
    response = client.get("/audit/export/", params)
    assert response.status_code == 302
    response = client.get(f"{response.url}download/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return "\n".join(" ".join("" if v is None else str(v) for v in row) for row in ws.iter_rows(values_only=True))


def test_the_trail_records_a_cross_score_without_its_values(tree, make_system, admin):
    rnd, group = cross_round(make_system, admin, tree)
    _score(tree.users["town_a_admin"], group, tree.town_a, rnd, tree.branch_b, "1.37", comment=COMMENT)
    row = _score(tree.users["town_a_admin"], group, tree.town_a, rnd, tree.branch_b, "2.13", comment=COMMENT + "改")
    events = list(AuditEvent.objects.filter(object_type="assessment.crossscore", object_id=str(row.pk)).order_by("id"))
    assert [e.action for e in events] == ["create", "update"]
    assert all(e.actor_name == "town_a_admin" for e in events)
    # Who and what: the entry, the leaf, the assessor are kept; the values are not, not even stored.
    assert events[0].after["entry"] == row.entry_id and events[0].after["assessor"] == tree.town_a.pk
    assert events[0].after["points"] == "***" and events[1].before["points"] == "***"
    stored = str([(e.before, e.after, e.object_repr) for e in events])
    for secret in ("1.37", "2.13", COMMENT):
        assert secret not in stored

    client = Client()
    client.force_login(tree.users["auditor"])
    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "town_a_admin" in html and "交叉评分" in html
    for secret in ("1.37", "2.13", "1.4", "2.1", COMMENT):
        assert secret not in html
    text = _export_text(client, {})
    assert "town_a_admin" in text
    for secret in ("1.37", "2.13", COMMENT):
        assert secret not in text
    assert CrossScore.objects.get(pk=row.pk).points == row.points  # the row itself keeps the true value
