"""The organization app is the base of the domain: it imports no member code (the member registry adds its rules
through apps.orgs.hooks), its pages reach organizations only through the access layer or its selectors, and a
committee post served by id is scoped as its organization."""

import ast
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from apps.orgs import hooks, selectors, services
from apps.orgs.models import CommitteePost
from tests.factories import refresh

APPS = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_orgs_imports_no_app_built_on_it():
    """Function-local imports count too: ast.walk sees every import in a module, tests included."""
    for path in (APPS / "orgs").rglob("*.py"):
        wrong = {m for m in _imports(path) if m.split(".")[:2] in (["apps", "members"], ["apps", "records"],
                                                                   ["apps", "evaluations"])}
        assert not wrong, f"{path.relative_to(APPS)} imports {wrong}"


def test_members_imports_neither_records_nor_evaluations():
    for path in (APPS / "members").rglob("*.py"):
        wrong = {m for m in _imports(path) if m.split(".")[:2] in (["apps", "records"], ["apps", "evaluations"])}
        assert not wrong, f"{path.relative_to(APPS)} imports {wrong}"


@pytest.mark.parametrize("module", ["orgs/views.py", "orgs/api.py", "orgs/picker.py",
                                    "members/views.py", "members/api.py"])
def test_views_never_query_scoped_models_directly(module):
    from apps.access.scoping import scoped_models

    names = {m.__name__ for m in scoped_models()}
    tree = ast.parse((APPS / module).read_text(encoding="utf-8"))
    direct = [f"{n.value.id}.{n.attr} (line {n.lineno})" for n in ast.walk(tree)
              if isinstance(n, ast.Attribute) and n.attr in ("objects", "_default_manager")
              and isinstance(n.value, ast.Name) and n.value.id in names]
    assert not direct, direct


@pytest.mark.django_db
class TestDissolveChecks:
    def test_the_member_registry_keeps_an_organization_with_members(self, tree):
        assert "members" in hooks._dissolve_checks
        with pytest.raises(ValidationError) as exc:
            services.org_dissolve(actor=tree.users["district_admin"], org=tree.branch_b, dissolved_on=date.today(), reason="合并")
        assert exc.value.messages == ["该组织还有党员，请先转移党员组织关系"]

    def test_a_check_is_registered_once(self):
        with pytest.raises(RuntimeError):
            hooks.register_dissolve_check("members", lambda org: None)


@pytest.mark.django_db
def test_restructuring_needs_the_parent_managed_too(tree):
    assert selectors.restructure_parent(tree.users["town_a_admin"], tree.branch_a) == refresh(tree.town_a)
    assert selectors.restructure_parent(tree.users["secretary_a"], tree.branch_a) is None  # manages the branch only
    assert selectors.restructure_parent(tree.users["district_admin"], tree.district) is None  # the top has no parent


@pytest.mark.django_db
def test_a_committee_post_is_reached_through_its_organization(tree, login):
    post = services.committee_post_create(actor=None, org=tree.branch_a, member=tree.member_a, post="secretary",
                                          term_start=date(2024, 1, 1))
    confirmed = {"confirmed": "1"}
    assert login(tree.users["secretary_b"]).post(f"/orgs/posts/{post.pk}/end/", confirmed).status_code == 404
    assert login(tree.users["member_a"]).post(f"/orgs/posts/{post.pk}/end/", confirmed).status_code == 403  # sees, can't act
    assert login(tree.users["district_admin"]).post(f"/orgs/posts/{post.pk + 999}/end/", confirmed).status_code == 404
    assert CommitteePost.objects.get(pk=post.pk).term_end is None
    assert login(tree.users["secretary_a"]).post(f"/orgs/posts/{post.pk}/end/", confirmed).status_code == 302
    assert CommitteePost.objects.get(pk=post.pk).term_end == date.today()
