"""The member's whole history (history.py) as a section of their profile page (apps.members.hooks), after the dues
section; registered from AppConfig.ready(). It also offers 办理党籍变动 to those who record status changes, and
登记党纪处分 to the same people (STATUS_RECORD on the member)."""

from apps.access import policy
from apps.members import hooks

from . import history
from . import status_states as states
from .status_scopes import STATUS_RECORD


def _context(member, user):
    can_record = policy.can(user, STATUS_RECORD, member)
    return {"events": history.member_history(member, user), "state": states.state(member),
            "can_record": can_record and any(states.available(member).values()), "can_discipline": can_record}


hooks.register_profile_section("history", order=40, template="membership/history_section.html", context=_context)
