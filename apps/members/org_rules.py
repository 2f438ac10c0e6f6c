"""What the member registry adds to the organization app's rules (apps.orgs.hooks), registered from
AppConfig.ready(): the organization app never imports this one."""

from django.utils.translation import gettext as _

from apps.orgs import hooks

from .models import Member


def _still_has_members(org) -> str | None:
    """撤销 needs an empty organization: its current members are transferred first."""
    if Member.objects.current().filter(organization=org).exists():
        return _("该组织还有党员，请先转移党员组织关系")
    return None


hooks.register_dissolve_check("members", _still_has_members)
