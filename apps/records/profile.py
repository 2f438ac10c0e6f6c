"""This app's section of a member's profile page (apps.members.hooks), registered from AppConfig.ready()."""

from apps.members import hooks

from .selectors import member_attendance_summary


def _context(member, user):
    """Organizational life over the last twelve and six months (submitted records only): the same figures
    and names as 我的组织生活."""
    return {"attendance": member_attendance_summary(member)}


hooks.register_profile_section("attendance", order=10, template="records/_member_profile.html", context=_context)
