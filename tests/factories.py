"""Builders shared by the test suites: a small tree, members, users with roles."""

import itertools
import re
from datetime import date

from django.apps import apps
from django.db import connection
from django.db.models import Max

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


TREE_SEQS = {11, 13}  # the ID numbers of the tree's two members (same birth date as make_member's default)


def _free_seq() -> int:
    while (seq := next(_seq) % 1000) in TREE_SEQS:
        pass
    return seq


def make_member(org, name="张三", *, birth=date(1985, 3, 12), seq=None, category="full", status="normal", phone="", **fields):
    seq = seq if seq is not None else _free_seq()
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
    """District → two townships (A, B) → a branch each (+ a group under branch A).

    `Tree()` builds it through the factories (61 statements, treebeard and the member rules in Python);
    `Tree.restored()` writes the same rows again from a copy taken the first time in this process (a bulk insert per
    table), which is what the `tree` fixture uses: the tests' own transactions roll the rows back after each test.
    """

    ATTRIBUTES = ("district", "town_a", "town_b", "branch_a", "branch_b", "group_a", "member_a", "member_b")

    @classmethod
    def restored(cls):
        global _tree_copy
        if _tree_copy is None:
            tree, _tree_copy = _copy_of_a_new_tree()
            return tree
        if _tree_copy is False:  # the build touched rows it did not create: no copy can stand for it
            return cls()
        for model, rows in _tree_copy["rows"]:
            model._base_manager.bulk_create([model(**row) for row in rows])
        tree = cls.__new__(cls)
        for model, names in _tree_copy["objects"].items():
            found = model._base_manager.in_bulk([pk for _, pk in names])
            for name, pk in names:
                if name.startswith("users."):
                    tree.users = getattr(tree, "users", {})
                    tree.users[name[6:]] = found[pk]
                else:
                    setattr(tree, name, found[pk])
        return tree

    def __init__(self):
        self.district = make_org("示范区委", "committee", code="D0000001")
        self.town_a = make_org("甲镇党委", "committee", refresh(self.district), code="A0000001")
        self.town_b = make_org("乙镇党委", "committee", refresh(self.district), code="B0000001")
        self.branch_a = make_org("甲村党支部", "branch", refresh(self.town_a), code="A0000002", domain="village")
        self.branch_b = make_org("乙村党支部", "branch", refresh(self.town_b), code="B0000002", domain="village")
        self.group_a = make_org("甲村第一党小组", "group", refresh(self.branch_a), code="A0000003")
        for name in ("district", "town_a", "town_b", "branch_a", "branch_b", "group_a"):
            setattr(self, name, refresh(getattr(self, name)))
        self.member_a = make_member(self.branch_a, "张三", seq=min(TREE_SEQS), phone="13800138000")
        self.member_b = make_member(self.branch_b, "李四", seq=max(TREE_SEQS))
        self.users = {
            "district_admin": make_user("district_admin", Role.DISTRICT_ADMIN, self.district, can_unmask=True),
            "town_a_admin": make_user("town_a_admin", Role.ORG_ADMIN, self.town_a),
            "secretary_a": make_user("secretary_a", Role.SECRETARY, self.branch_a),
            "secretary_b": make_user("secretary_b", Role.SECRETARY, self.branch_b),
            "member_a": make_user("member_a", Role.MEMBER, self.branch_a, member=self.member_a),
            "auditor": make_user("auditor", Role.AUDITOR, self.district),
            "sysadmin": make_user("sysadmin", Role.SYSTEM_ADMIN, None),
        }


# ---- the copy behind Tree.restored(): taken once per test process ----

_tree_copy = None
_WRITE = re.compile(r'^\s*(INSERT|UPDATE|DELETE)\b(?:\s+OR\s+\w+)?(?:\s+INTO|\s+FROM)?\s+"?(\w+)"?', re.IGNORECASE)


def _integer_key(model) -> bool:
    """Keys handed out in increasing order (its own or, for a one-to-one key, the related table's)."""
    pk = model._meta.pk
    return (pk.target_field if pk.is_relation else pk).get_internal_type() in ("AutoField", "BigAutoField")


def _copy_of_a_new_tree():
    """Build a Tree and copy the rows it wrote: every table's rows above the highest key it had before, in the order
    the build first wrote to each table. A build that updates or deletes rows it did not insert, or writes to a table
    without an integer key, cannot be copied (False: Tree.restored() builds anew each time)."""
    models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True) if _integer_key(m)}
    before = {table: m._base_manager.aggregate(top=Max("pk"))["top"] or 0 for table, m in models.items()}
    writes = []

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = _WRITE.match(sql)
        # An update or delete that found no row changed nothing (an insert's count is unknown before its RETURNING).
        if match and (match.group(1).upper() == "INSERT" or context["cursor"].rowcount != 0):
            writes.append((match.group(1).upper(), match.group(2)))
        return result

    with connection.execute_wrapper(record):
        tree = Tree()
    inserted = list(dict.fromkeys(table for verb, table in writes if verb == "INSERT"))
    if any(table not in inserted or table not in models for verb, table in writes):
        return tree, False
    rows = [(models[t], list(models[t]._base_manager.filter(pk__gt=before[t]).order_by("pk").values())) for t in inserted]
    objects = {}
    for name in Tree.ATTRIBUTES:
        value = getattr(tree, name)
        objects.setdefault(type(value), []).append((name, value.pk))
    for name, user in tree.users.items():
        objects.setdefault(type(user), []).append((f"users.{name}", user.pk))
    return tree, {"rows": rows, "objects": objects}
