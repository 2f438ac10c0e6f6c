"""Builders shared by the test suites: a small tree, members, users with roles."""

import itertools
from datetime import date

from apps.access.models import Role, RoleAssignment
from apps.accounts.models import User
from apps.core.idcard import make_id_number
from apps.members import counters
from apps.members.models import Member
from apps.members.services import apply_member_values
from apps.orgs.models import Organization

_seq = itertools.count(1)
PASSWORD = "Testpass2026"


def make_org(name, kind="committee", parent=None, **fields):
    code = fields.pop("code", f"T{next(_seq):07d}")
    org = Organization(name=name, kind=kind, code=code, domain=fields.pop("domain", "other"), **fields)
    return Organization.objects.add_child(parent, instance=org) if parent else Organization.objects.add_root(instance=org)


def refresh(org):
    return Organization.objects.get(pk=org.pk)


def make_member(org, name="张三", *, birth=date(1985, 3, 12), seq=None, category="full", status="normal", phone="", **fields):
    seq = seq if seq is not None else next(_seq) % 1000
    id_number = fields.pop("id_number", None) or make_id_number("500102", birth, seq)
    data = {
        "organization": org, "name": name, "id_number": id_number, "birth_date": birth,
        "sex": "M" if int(id_number[16]) % 2 else "F", "joined_on": fields.pop("joined_on", date(2008, 7, 1)),
        "full_member_on": fields.pop("full_member_on", date(2009, 7, 1) if category == "full" else None),
        "category": category, "status": status, "phone": phone, "ethnicity": "01", **fields,
    }
    member = apply_member_values(Member(), data)
    member.save()
    counters.apply_changes([(None, counters.state(member))])
    return member


def make_user(username, role=None, org=None, *, can_unmask=False, member=None):
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=username, member=member)
    if role:
        RoleAssignment.objects.create(user=user, role=role, organization=org, can_unmask=can_unmask)
    return user


class Tree:
    """District → two townships (A, B) → a branch each (+ a group under branch A)."""

    def __init__(self):
        self.district = make_org("示范区委", "committee", code="D0000001")
        self.town_a = make_org("甲镇党委", "committee", refresh(self.district), code="A0000001")
        self.town_b = make_org("乙镇党委", "committee", refresh(self.district), code="B0000001")
        self.branch_a = make_org("甲村党支部", "branch", refresh(self.town_a), code="A0000002", domain="village")
        self.branch_b = make_org("乙村党支部", "branch", refresh(self.town_b), code="B0000002", domain="village")
        self.group_a = make_org("甲村第一党小组", "group", refresh(self.branch_a), code="A0000003")
        for name in ("district", "town_a", "town_b", "branch_a", "branch_b", "group_a"):
            setattr(self, name, refresh(getattr(self, name)))
        self.member_a = make_member(self.branch_a, "张三", seq=11, phone="13800138000")
        self.member_b = make_member(self.branch_b, "李四", seq=13)
        self.users = {
            "district_admin": make_user("district_admin", Role.DISTRICT_ADMIN, self.district, can_unmask=True),
            "town_a_admin": make_user("town_a_admin", Role.ORG_ADMIN, self.town_a),
            "secretary_a": make_user("secretary_a", Role.SECRETARY, self.branch_a),
            "secretary_b": make_user("secretary_b", Role.SECRETARY, self.branch_b),
            "member_a": make_user("member_a", Role.MEMBER, self.branch_a, member=self.member_a),
            "auditor": make_user("auditor", Role.AUDITOR, self.district),
            "sysadmin": make_user("sysadmin", Role.SYSTEM_ADMIN, None),
        }
