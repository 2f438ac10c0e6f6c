"""Django's `{# … #}` comment is single-line: opened on one line and closed on a later one, it is not a comment at
all and its text is shown to every user of the page (a developer's note appeared on every case page). Longer notes
use `{% comment %}…{% endcomment %}`. This scans every template of the project, wherever Django looks for them."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

OPEN = re.compile(r"\{#")


def _template_files():
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    dirs += [Path(app.path) / "templates" for app in apps.get_app_configs() if app.name.startswith("apps.")]
    for root in dirs:
        if root.is_dir():
            yield from (p for p in sorted(root.rglob("*")) if p.is_file())


def unclosed_comments(text):
    """(line number, line) of each `{#` whose `#}` is not on the same line."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in OPEN.finditer(line):
            if "#}" not in line[match.end():]:
                found.append((number, line.strip()))
    return found


def test_the_check_finds_a_comment_spread_over_lines():
    assert unclosed_comments("{% load i18n %}{# a note\nthat goes on #}\n<p>{# fine #}</p>") == [(1, "{% load i18n %}{# a note")]
    assert unclosed_comments("{# one #} and {# two #}") == []
    assert unclosed_comments("{# one #} and {# two") == [(1, "{# one #} and {# two")]


def test_no_template_has_a_comment_spread_over_lines():
    files = list(_template_files())
    assert any(p.name == "_action.html" for p in files)  # the scan reaches the apps' templates
    assert any(p.is_relative_to(settings.BASE_DIR / "templates") for p in files)  # and the project's
    bad = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # not a text template
            continue
        bad += [f"{path.relative_to(settings.BASE_DIR)}:{n}: {line}" for n, line in unclosed_comments(text)]
    assert not bad, "{# … #} is single-line in Django; use {% comment %} for longer notes:\n" + "\n".join(bad)
