"""This app's section of a member's profile page (apps.members.hooks): a link to the member's dues page, for those
who may read it (DUES_VIEW on the member's organization, or the member themself). Registered from AppConfig.ready()."""

from apps.access import policy
from apps.members import hooks

from .scopes import DUES_VIEW


def _context(member, user):
    own = policy.is_member_self_service(user) and getattr(user, "member_id", None) == member.pk
    return {"dues_visible": own or policy.can(user, DUES_VIEW, member)}


hooks.register_profile_section("dues", order=30, template="dues/standard_profile_section.html", context=_context)
