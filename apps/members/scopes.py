"""How members are scoped: by their branch's place in the tree; a member also reads their own record."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .models import Member


def _own_record(user, capability):
    # Self-service is for those who keep no registry: a role's scope is the whole answer (lists agree with the
    # stored counts of that scope).
    if capability == policy.MEMBER_VIEW and policy.is_member_self_service(user) and not policy.scope_paths(user, capability):
        return Q(pk=user.member_id)
    return None


def _is_own_record(user, capability, member):
    return capability == policy.MEMBER_VIEW and policy.is_member_self_service(user) and user.member_id == member.pk


scoping.register(Member, org_path="organization__path", view=policy.MEMBER_VIEW, label=_("党员"),
                 related=("organization", "party_group"), extra_q=_own_record, extra_can=_is_own_record)
