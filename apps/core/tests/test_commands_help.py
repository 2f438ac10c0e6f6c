"""`manage.py <command> --help` works for every management command of ours: argparse takes only str, and a lazy
translated help string (gettext_lazy) made it fail with a TypeError (apps.core.management.base.TranslatedCommand)."""

import pytest
from django.core.management import get_commands, load_command_class
from django.utils import translation

OURS = sorted((name, app) for name, app in get_commands().items() if app.startswith("apps."))


def test_our_commands_are_found():
    names = {name for name, _app in OURS}
    assert {"worker", "purge_expired_files", "backup", "restore", "grant_role", "recount_members"} <= names


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("name", "app"), OURS, ids=[name for name, _app in OURS])
def test_help_of_every_command(name, app, language, capsys):
    command = load_command_class(app, name)
    with translation.override(language), pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", name, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: manage.py {name}" in out
    assert "--help" in out and "--settings" in out  # the whole parser, Django's own options included
    description = "".join(str(command.help).split())
    assert description, f"{name} has no help text"
    assert description in "".join(out.split())  # argparse re-wraps the description: compared without whitespace
