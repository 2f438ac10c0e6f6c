"""How 党籍变动 is scoped (imported from AppConfig.ready()).

- A change is read (MEMBER_VIEW) at or above the organization the member was in when it was recorded, or the one
  they are in now (a restored member may have moved since: the new organization keeps their whole record).
- STATUS_RECORD records a change: district and organization administrators (the committees that approve 停止党籍,
  出党 and keep the records), at or above the member's organization. A branch secretary reads the list and the
  member's page but does not record: the branch proposes, the committee above approves and records.
- STATUS_CORRECT marks a change recorded by mistake as corrected (the member's status goes back): the district's
  administrators only."""

from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping
from apps.access.models import Role

from .status_models import StatusChange

STATUS_RECORD = "membership.status.record"
STATUS_CORRECT = "membership.status.correct"

policy.register_capability(STATUS_RECORD, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN))
policy.register_capability(STATUS_CORRECT, (Role.DISTRICT_ADMIN,))

_SIDES = {
    policy.MEMBER_VIEW: ("organization__path", "member__organization__path"),
    STATUS_RECORD: ("member__organization__path",),
    STATUS_CORRECT: ("member__organization__path",),
}


def _q(user, capability):
    sides = _SIDES.get(capability)
    if not sides:
        return scoping.nothing()
    paths = policy.scope_paths(user, capability)
    parts = [policy.subtree_q(paths, side) for side in sides]
    if any(not part.children for part in parts):  # a scope over the whole forest: Q() (OR-ing it would drop it)
        return Q()
    return reduce(or_, parts)


def _can(user, capability, change):
    sides = _SIDES.get(capability)
    if not sides:
        return False
    paths = policy.scope_paths(user, capability)
    return any(policy.in_paths(scoping.path_of(change, side) or "", paths) for side in sides)


scoping.register(StatusChange, org_path="organization__path", view=policy.MEMBER_VIEW, label=_("党籍变动"),
                 related=("member__organization", "organization"), visible=_q, check=_can)
