from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.access.models import Role
from apps.accounts.models import User
from apps.accounts.services import GrantRefused, role_assign
from apps.core.management.base import TranslatedCommand
from apps.orgs.models import Organization


class Command(TranslatedCommand):
    help = gettext_lazy("在服务器上为用户授予角色（安装时设立首批系统管理员、区级管理员和审计员）；仍不允许兼任三员职责")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("org_code", nargs="?", default="")
        parser.add_argument("--unmask", action="store_true", help=_("可查看完整身份证号"))

    def handle(self, *args, username, role, org_code, unmask, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("用户“{username}”不存在或已停用").format(username=username))
        org = None
        if org_code:
            org = Organization.objects.filter(code=org_code, is_active=True).first()
            if org is None:
                raise CommandError(_("未找到该组织编码对应的现存组织"))
        try:
            assignment = role_assign(actor=None, user=user, role=role, organization=org, can_unmask=unmask)
        except GrantRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(assignment))
