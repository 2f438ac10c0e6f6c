from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.cases.configuration.services import open311_client_issue
from apps.core.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("新增 Open311 接入应用并打印其密钥（只显示这一次）")

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("应用名称"))
        parser.add_argument("--note", default="", help=_("说明"))

    def handle(self, *args, name, note, **options):
        try:
            client, key = open311_client_issue(actor=None, name=name, note=note)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        self.stdout.write(key)
        self.stdout.write(_("以上是“{name}”的密钥，只显示这一次，请妥善保存").format(name=client.name))
