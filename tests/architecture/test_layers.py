"""The layer rules hold, and breaking them fails the build.

`make test` runs `lint-imports` (the contracts in pyproject.toml). These tests show that a wrong import really
fails it, and check what a layers contract cannot say: a domain app reaches another only through its public
modules (models, selectors, services; the organization picker), and views never query a scoped model directly.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = {"orgs", "accounts", "members", "records", "evaluations", "cases"}
# What one domain app may import from another (hooks: the extension points other apps register into). Anything else
# (views, forms, api, intake, excel ...) is that app's own.
PUBLIC_MODULES = {"models", "selectors", "services", "scopes", "hooks"}
PUBLIC_EXTRA = {"apps.orgs.picker"}  # the organization picker: a form field every app's forms use
# Assessment sits above the domain apps (pyproject.toml) and scores from what they document for it: their models,
# selectors, services and metrics modules (apps.records.metrics, apps.cases.metrics), and the organization picker.
ASSESSMENT_MAY_USE = {"models", "selectors", "services", "metrics"}
VIEW_MODULES = ("views", "api", "open311", "picker")


def _lint_imports(cwd):
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("apps", "config", cache_dir=None)


def _app(module):
    parts = module.split(".")
    return parts[1] if parts[0] == "apps" and len(parts) > 1 else None


def _is_test(module):
    return ".tests" in module or module.endswith(".conftest")


def test_a_wrong_import_fails_the_build(tmp_path):
    """A copy of the project with one import against the layers (core reaching up into 群工系统) fails
    lint-imports, and the same copy without it passes: the rules are live, not decoration."""
    for name in ("apps", "config"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "tests", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    clean = _lint_imports(tmp_path)
    assert clean.returncode == 0, clean.stdout[-3000:]

    (tmp_path / "apps" / "core" / "layer_probe.py").write_text("from apps.cases import models  # noqa: F401\n")
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "apps.core is not allowed to import apps.cases" in broken.stdout


def test_domain_apps_use_each_other_only_through_public_modules(graph):
    wrong = []
    for importer in graph.modules:
        source = _app(importer)
        if source not in DOMAIN_APPS or _is_test(importer):
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _app(imported)
            if target in DOMAIN_APPS and target != source and imported != f"apps.{target}":
                tail = imported.split(".")[2]
                if tail not in PUBLIC_MODULES and imported not in PUBLIC_EXTRA:
                    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                    wrong.append(f"{importer} -> {imported} (l.{lines})")
    assert not wrong, "a domain app reaches into another's internals:\n" + "\n".join(sorted(wrong))


def test_assessment_uses_domain_apps_only_through_public_modules_and_metrics(graph):
    wrong = []
    for importer in graph.find_descendants("apps.assessment") | {"apps.assessment"}:
        if _is_test(importer):
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _app(imported)
            if target in DOMAIN_APPS and imported != f"apps.{target}":
                if imported.split(".")[2] not in ASSESSMENT_MAY_USE and imported not in PUBLIC_EXTRA:
                    wrong.append(f"{importer} -> {imported}")
    assert not wrong, "assessment reaches into a domain app's internals:\n" + "\n".join(sorted(wrong))


def _view_modules():
    for path in sorted((ROOT / "apps").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        stem = path.stem
        if stem in VIEW_MODULES or stem.endswith("_views") or "views" in rel.parts[2:-1]:
            yield path


def test_views_never_query_a_scoped_model_directly():
    """Every read of a scoped model in a view goes through the access layer (policy.restrict/get/can) or a
    selector; `Model.objects` in a view module is a read that skipped it."""
    from apps.access import scoping

    scoped = {model.__name__ for model in scoping.scoped_models()}
    assert {"Organization", "Member", "ActivityRecord", "Case", "AuditEvent"} <= scoped
    found = []
    for path in _view_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "_base_manager"):
                base = node.value
                name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
                if name in scoped:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.attr}")
    assert not found, "views query scoped models directly:\n" + "\n".join(found)


def test_the_access_layer_knows_no_domain_app(graph):
    for module in graph.find_descendants("apps.access") | {"apps.access"}:
        if _is_test(module):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            assert _app(imported) in (None, "access", "core"), f"{module} imports {imported}"


def test_every_domain_app_declares_its_scopes():
    """An app with models mapped to organizations registers them itself (apps/<app>/scopes.py)."""
    from apps.access import scoping

    labels = {model._meta.app_label for model in scoping.scoped_models()}
    assert {"orgs", "members", "records", "evaluations", "cases", "audit", "assessment"} <= labels
