"""What the home dashboard shows, read from the domain apps' selectors within the user's scope."""

from django.utils import timezone

from apps.access import policy
from apps.cases.selectors import home_figures
from apps.core.periods import period_containing
from apps.orgs import selectors as org_selectors
from apps.orgs.models import Organization
from apps.records import compliance


def home_roots(user):
    """The top organizations of the user's scope (one card each)."""
    return list(policy.restrict(Organization, user, policy.ORG_VIEW)
                .filter(path__in=policy.scope_paths(user, policy.ORG_VIEW)))


def org_summaries(roots):
    """(organization, subtree counts, members and organizations by domain) for each root."""
    return [(org, org_selectors.subtree_counts(org), org_selectors.domain_breakdown(org)) for org in roots]


def term_reminders(user):
    return org_selectors.term_reminders(policy.restrict(Organization, user, policy.ORG_VIEW))


def org_life(user, roots):
    """This month's compliance for each root of the user's scope, and (for record keepers) what is due."""
    if not policy.has_capability(user, policy.RECORD_VIEW):
        return None
    period = period_containing("month", timezone.localdate())
    tables = [(org, compliance.compliance_table(org, period)["total"].total) for org in roots]
    due = None
    if policy.has_capability(user, policy.RECORD_MANAGE):
        due = sum(len(item["orgs"]) for item in
                  compliance.due_soon(policy.restrict(Organization, user, policy.RECORD_MANAGE)))
    return {"period": period, "tables": tables, "due": due}


def case_figures(user):
    """The case queues of the home card, or None for users without cases."""
    return home_figures(user)
