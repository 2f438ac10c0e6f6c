"""The full role matrices of three round routes: starting the scoring job (`rounds/<pk>/score/`), pulling the items
(`rounds/<pk>/pull/`), both ASSESSMENT_MANAGE on the round (403 for whoever sees the round, 404 for the others), and
an evidence file (`rounds/evidence/<pk>/`), seen by whoever sees its entry's sheet (404 for everyone else)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.assessment import round_services
from apps.audit.models import AuditEvent

from .round_helpers import score_of

# The matrix's roles and sets as test_round_views writes them; `users` and `rnd` are its fixtures.
from .test_round_views import MANAGES, ROLES, SEES_A, SEES_ROUND, rnd, users  # noqa: F401

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _want(role, sees, allowed):
    return 302 if role in allowed else 403 if role in sees else 404


def test_score_and_pull_matrix(client, users, rnd):  # noqa: F811
    for role in ROLES:
        client.force_login(users[role])
        for route in ("score", "pull"):
            before = AuditEvent.objects.filter(object_type="assessment.round", object_id=str(rnd.pk)).count()
            response = client.post(f"/assessment/rounds/{rnd.pk}/{route}/")
            want = _want(role, SEES_ROUND, MANAGES)
            assert response.status_code == want, (role, route, response.status_code)
            after = AuditEvent.objects.filter(object_type="assessment.round", object_id=str(rnd.pk)).count()
            assert (after > before) == (want == 302), (role, route)  # refused: nothing written
            assert client.get(f"/assessment/rounds/{rnd.pk}/{route}/").status_code in (404, 405)  # POST only
    rnd.refresh_from_db()
    assert rnd.job is not None and rnd.job.created_by.username == "district_admin" and rnd.job.status == "succeeded"
    n = rnd.entries.count()
    client.force_login(users["district_admin"])
    progress = client.get(f"/assessment/rounds/{rnd.pk}/progress/").content.decode()
    assert f'data-done="{n}" data-total="{n}"' in progress and f"{n}/{n} 个组织已计分" in progress


def test_evidence_download_matrix(client, users, rnd, tree, admin):  # noqa: F811
    score = round_services.score_manual(actor=admin, score=score_of(rnd, tree.branch_a, "民主测评"), points="2",
                                        comment="查阅会议记录", files=[SimpleUploadedFile("会议记录.pdf", PDF,
                                                                                   content_type="application/pdf")])
    item = score.evidence.get()
    for role in ROLES:
        client.force_login(users[role])
        response = client.get(f"/assessment/rounds/evidence/{item.pk}/")
        want = 200 if role in SEES_A else 404
        assert response.status_code == want, (role, response.status_code)
        if want == 200:
            assert b"".join(response.streaming_content) == PDF
            assert "attachment" in response["Content-Disposition"]
    client.logout()
    response = client.get(f"/assessment/rounds/evidence/{item.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    client.force_login(users["district_admin"])
    assert client.get("/assessment/rounds/evidence/999999/").status_code == 404
