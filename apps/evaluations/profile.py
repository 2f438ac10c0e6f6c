"""This app's section of a member's profile page (apps.members.hooks), registered from AppConfig.ready()."""

from apps.members import hooks

from .selectors import member_results


def _context(member, user):
    return {"evaluation_results": member_results(member)}


hooks.register_profile_section("evaluation_results", order=20, template="evaluations/_member_profile.html", context=_context)
