from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.services import api_token_issue
from apps.core.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("为用户生成（或重新生成）API令牌并打印出来")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("用户“{username}”不存在或已停用").format(username=username))
        self.stdout.write(api_token_issue(actor=None, user=user))
