import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.demo.generator import SCALES
from apps.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "生成演示区（组织、党员、班子、演示账号），同一随机种子结果相同"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="district")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="先清空数据库")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时什么也不做")

    def handle(self, *args, scale, seed, reset, if_empty, **options):
        from apps.orgs.models import Organization

        if if_empty and Organization.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据生成。")
            return
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        started = time.monotonic()
        try:
            result = seed_demo(scale=scale, seed=seed, log=lambda line: self.stdout.write(line))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"演示数据已生成：{result['orgs']} 个党组织，{result['members']} 名党员，用时 {time.monotonic() - started:.1f} 秒"))
        self.stdout.write("演示账号（密码均为 %s）：%s" % (DEMO_PASSWORD, "，".join(f"{u}（{d}）" for u, d, _ in DEMO_ACCOUNTS)))
