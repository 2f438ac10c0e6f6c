from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import ratelimit
from apps.core.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy("删除已过期的限流计数（登录失败、查询码错误、一次性验证题）")

    def handle(self, *args, **options):
        self.stdout.write(_("已删除{n}条过期的限流计数").format(n=ratelimit.purge()))
