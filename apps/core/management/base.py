"""The base of our management commands whose help is translated."""

from django.core.management.base import BaseCommand


class TranslatedCommand(BaseCommand):
    """`help` may be a lazy string (gettext_lazy, so makemessages finds it); argparse takes only str and fails on a lazy
    one with a TypeError at `--help`, so it is translated when the parser is built, in the language then active.
    The arguments' own help texts are translated in `add_arguments` with gettext (call time), never gettext_lazy.
    apps/core/tests/test_commands_help.py runs `--help` of every command of ours."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
