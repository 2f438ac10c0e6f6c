"""How transfers and letters are scoped (imported from AppConfig.ready()).

A transfer is seen by both sides: the staff who read members (MEMBER_VIEW) at or above the sending organization or the
receiving one. Who acts depends on the side, so the steps ask for a side's capability, not a role's:
- TRANSFER_SEND (send, resend, withdraw): MEMBER_MANAGE at or above the sending organization;
- TRANSFER_RECEIVE (accept, reject): MEMBER_MANAGE at or above the receiving organization.
A third branch sees nothing (404); a side that only reads gets 403 for the other side's step.

Letters, incoming letters and issued documents belong to the organization that issued or received them (MEMBER_VIEW
reads, MEMBER_MANAGE issues). A 套打 layout is the district's: read by MEMBER_VIEW at or above it and set by
RULES_MANAGE (district administrators)."""

from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .transfer_models import IncomingLetter, IntroductionLetter, IssuedDocument, LetterTemplate, Transfer

TRANSFER_SEND = "transfer.send"
TRANSFER_RECEIVE = "transfer.receive"

# capability → (the role capability it needs, the sides where it counts)
_SIDES = {
    policy.MEMBER_VIEW: (policy.MEMBER_VIEW, ("from_organization", "to_organization")),
    policy.MEMBER_MANAGE: (policy.MEMBER_MANAGE, ("from_organization", "to_organization")),
    TRANSFER_SEND: (policy.MEMBER_MANAGE, ("from_organization",)),
    TRANSFER_RECEIVE: (policy.MEMBER_MANAGE, ("to_organization",)),
}


def _transfer_q(user, capability):
    base, sides = _SIDES.get(capability, (None, ()))
    if base is None:
        return scoping.nothing()
    paths = policy.scope_paths(user, base)
    parts = [policy.subtree_q(paths, f"{side}__path") for side in sides]
    # A scope over the whole forest is Q(): OR-ing it onto nothing() would drop it (Q.__or__ keeps the non-empty side).
    if any(not part.children for part in parts):
        return Q()
    return reduce(or_, parts, scoping.nothing())


def _transfer_can(user, capability, transfer):
    base, sides = _SIDES.get(capability, (None, ()))
    if base is None:
        return False
    paths = policy.scope_paths(user, base)
    return any(policy.in_paths(getattr(transfer, side).path, paths) for side in sides)


scoping.register(Transfer, org_path="from_organization__path", view=policy.MEMBER_VIEW, label=_("组织关系转接"),
                 related=("member", "from_organization", "to_organization"), visible=_transfer_q, check=_transfer_can)
scoping.register(IntroductionLetter, org_path="organization__path", view=policy.MEMBER_VIEW,
                 label=_("组织关系介绍信"), related=("organization", "member"))
scoping.register(IncomingLetter, org_path="organization__path", view=policy.MEMBER_VIEW, label=_("转入介绍信"),
                 related=("organization", "member"))
scoping.register(IssuedDocument, org_path="organization__path", view=policy.MEMBER_VIEW,
                 label=_("党员证明信与活动证"), related=("organization", "member"))
scoping.register(LetterTemplate, org_path="organization__path", view=policy.MEMBER_VIEW, label=_("套打模板"),
                 related=("organization",))
