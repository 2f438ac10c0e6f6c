"""System checks for running on several servers (docs/architecture.md, "Several servers")."""

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


@checks.register(checks.Tags.security)
def secrets_shared_by_every_server(app_configs=None, **kwargs):
    """REDIS_URL is what several servers share; then every key must come from the environment, the same on each:
    a key generated under one server's var/ differs from the next server's, so ID numbers and phones encrypted (and
    their search hashes made) on one could not be read or found on another, and sessions and challenges would fail."""
    generated = list(getattr(settings, "SECRETS_FROM_FILES", []))
    if not getattr(settings, "REDIS_URL", "") or not generated:
        return []
    return [checks.Error(
        _("已配置 REDIS_URL（多台服务器），但以下密钥是本机生成的：{names}").format(names="、".join(generated)),
        hint=_("在每台服务器的环境变量中设置相同的 SECRET_KEY、FIELD_ENCRYPTION_KEY 和 FIELD_HASH_KEY"
               "（单台服务器迁移时取 var/ 下已生成的值）"),
        id="core.E010",
    )]
