"""A member's profile page shows the sections other apps register (apps.members.hooks), in their order; the
Excel import writes through one service, atomic, its audit rows built by build_event in the same transaction."""

from datetime import date

import pytest
from django.db import IntegrityError

from apps.audit.models import AuditEvent
from apps.core.crypto import keyed_hash
from apps.core.idcard import make_id_number
from apps.members import hooks, services
from apps.members.excel import ImportRow
from apps.members.models import Member
from apps.orgs.models import OrgMemberCount

pytestmark = pytest.mark.django_db


def test_records_evaluations_dues_and_history_register_their_sections_in_order():
    assert [s.key for s in hooks.profile_sections()] == ["attendance", "evaluation_results", "dues", "history"]
    with pytest.raises(RuntimeError):
        hooks.register_profile_section("attendance", order=1, template="x.html", context=lambda member, user: {})


def test_the_page_shows_each_section(tree, login):
    page = login(tree.users["district_admin"]).get(f"/members/{tree.member_a.pk}/").content.decode()
    attendance, results = page.index('data-testid="member-attendance"'), page.index('data-testid="evaluation-results"')
    history = page.index('data-testid="member-history"')
    assert attendance < results < history
    assert "近12个月出勤率" in page and "暂无民主评议结果" in page and "党员历程" in page


def _cleaned(name, seq, org, **extra):
    number = make_id_number("500102", date(1985, 5, 6), seq)
    data = {"name": name, "id_number": number, "id_hash": keyed_hash(number), "organization": org, "party_group": None,
            "birth_date": date(1985, 5, 6), "sex": "M", "ethnicity": "01", "education": "", "occupation": "",
            "joined_on": date(2010, 1, 1), "full_member_on": date(2011, 1, 1), "category": "full", "status": "normal",
            "phone": "", "is_hardship": False, "flow_place": "", "flow_contact": ""}
    data.update(extra)
    return data


def test_import_service_writes_members_counts_and_audit_rows_together(tree):
    actor = tree.users["district_admin"]
    current = Member.objects.select_related("organization").get(pk=tree.member_a.pk)
    rows = [ImportRow(2, _cleaned("新人", 501, tree.branch_a), None),
            ImportRow(3, {**_cleaned("张三", 11, tree.branch_b), "id_number": current.id_number, "id_hash": current.id_hash},
                      current)]
    assert services.member_import_apply(actor=actor, rows=rows) == (1, 1)
    created = AuditEvent.objects.get(action="create", object_type="members.member", object_repr="新人")
    assert created.note == "Excel导入" and created.org_path == tree.branch_a.path and created.actor == actor
    updated = AuditEvent.objects.get(action="update", object_id=str(current.pk))
    assert updated.note == "Excel导入 第3行" and updated.org_path == tree.branch_b.path
    assert AuditEvent.objects.filter(action="import", note="新增1人，更新1人").count() == 1
    assert OrgMemberCount.objects.get(organization=tree.branch_b).current == 2  # 李四 and the moved 张三


def test_import_service_writes_nothing_when_a_row_fails(tree):
    actor = tree.users["district_admin"]
    twice = _cleaned("重复", 502, tree.branch_a)
    before = (Member.objects.count(), AuditEvent.objects.count())
    with pytest.raises(IntegrityError):
        services.member_import_apply(actor=actor, rows=[ImportRow(2, twice, None), ImportRow(3, dict(twice), None)])
    assert (Member.objects.count(), AuditEvent.objects.count()) == before


def test_import_still_brings_in_members_who_left_or_died(tree):
    """The edit form and the API leave 停止党籍/出党/去世 to the 党籍变动 (apps.membership); the import brings in the
    registry as it stands, legacy members who left or died included (off the roster's counts)."""
    actor = tree.users["district_admin"]
    before = OrgMemberCount.objects.get(organization=tree.branch_a).current
    rows = [ImportRow(2, _cleaned("已故", 503, tree.branch_a, status="deceased"), None),
            ImportRow(3, _cleaned("出党", 504, tree.branch_a, status="left"), None),
            ImportRow(4, _cleaned("停籍", 505, tree.branch_a, status="suspended"), None)]
    assert services.member_import_apply(actor=actor, rows=rows) == (3, 0)
    assert set(Member.objects.filter(name__in=["已故", "出党", "停籍"]).values_list("status", flat=True)) == \
        {"deceased", "left", "suspended"}
    assert OrgMemberCount.objects.get(organization=tree.branch_a).current == before
