"""How the audit trail is scoped: an event belongs to the organization it was written for (a path copied onto it,
so that a moved or deleted organization keeps its history). Events with no organization (logins, system
settings) are for auditors of a top-level organization."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .models import AuditEvent


def _visible(user, capability):
    paths = policy.scope_paths(user, capability)
    if not paths:
        return scoping.nothing()
    q = policy.subtree_q(paths, "org_path")
    if q.children and any(len(p) == policy.organization_model().steplen for p in paths):
        q |= Q(org_path="")
    return q


def _check(user, capability, event):
    paths = policy.scope_paths(user, capability)
    if not event.org_path:
        return any(len(p) == policy.organization_model().steplen for p in paths)
    return policy.in_paths(event.org_path, paths)


scoping.register(AuditEvent, org_path="org_path", view=policy.AUDIT_VIEW, label=_("审计记录"), visible=_visible, check=_check)
