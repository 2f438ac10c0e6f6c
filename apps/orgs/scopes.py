"""How the organization tree is scoped: an organization is in the subtrees where the role is held; a member
also sees their own branch (self-service). A committee post (served by id: ending it) is its organization's."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .models import CommitteePost, Organization


def _own_branch(user, capability):
    if capability == policy.ORG_VIEW and policy.is_member_self_service(user):
        return Q(pk=user.member.organization_id)
    return None


def _is_own_branch(user, capability, org):
    return capability == policy.ORG_VIEW and policy.is_member_self_service(user) and user.member.organization_id == org.pk


scoping.register(Organization, org_path="path", view=policy.ORG_VIEW, label=_("党组织"), related=("cluster",),
                 extra_q=_own_branch, extra_can=_is_own_branch)


scoping.register_child(CommitteePost, parent=Organization, via="organization", label=_("班子职务"))
