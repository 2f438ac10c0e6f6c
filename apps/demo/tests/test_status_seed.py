"""The demo's 党籍变动: one member 停止党籍 then 恢复党籍, one 出党 with its type, one 去世 — written through the services
(the members' statuses, counts and audit rows agree), off the dues sheets, and on the members' history."""

from datetime import date

import pytest

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.demo.seed import seed_demo
from apps.dues.models import DuesStandard
from apps.membership import history
from apps.membership.status_models import StatusChange

pytestmark = [pytest.mark.django_db, pytest.mark.slow(10)]

TODAY = date(2026, 12, 4)


def test_the_demo_status_changes():
    seed_demo(scale="small", today=TODAY, log=lambda line: None)
    changes = list(StatusChange.objects.select_related("member").order_by("id"))
    assert [c.kind for c in changes] == ["suspend", "restore", "leave", "death"]
    assert changes[0].member_id == changes[1].member_id and changes[0].member.status == "normal"
    assert changes[2].leave_type == "removed_lapsed" and changes[2].member.status == "left"
    assert changes[3].member.status == "deceased"
    assert all(c.effective_on < TODAY and c.approved_by_name and c.document_number for c in changes)
    assert AuditEvent.objects.filter(object_type="membership.statuschange").count() == 4
    gone = [changes[2].member_id, changes[3].member_id]
    assert not DuesStandard.objects.filter(member_id__in=gone).exists()
    admin = User.objects.get(username="district_admin")
    kinds = [e.kind for e in history.member_history(changes[0].member, admin)]
    assert kinds.index("status_suspend") < kinds.index("status_restore")
