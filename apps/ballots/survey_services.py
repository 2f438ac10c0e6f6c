"""Writes of the resident survey's pages that take more than one core service call: villages added one by one or every
village and community under an organization at once, and a paper answer sheet entered by its code (the sheet's village
is its code's). Each is one transaction, the core services audit their own rows; nothing here adds a link between an
answer and a code."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.access import policy
from apps.orgs.models import Organization, OrgDomain

from . import ballot_services, services
from .models import PollKind
from .scopes import SURVEY_RUN

VILLAGE_DOMAINS = (OrgDomain.VILLAGE, OrgDomain.COMMUNITY)


def villages_under(user, organization):
    """The existing villages and communities in `organization`'s subtree (itself included) the user runs surveys on."""
    return (policy.restrict(Organization, user, SURVEY_RUN) if user is not None else Organization.objects.all()).filter(
        path__startswith=organization.path, domain__in=VILLAGE_DOMAINS, is_active=True).order_by("path")


@transaction.atomic
def survey_subjects_add(*, actor, poll, organization, whole=False, request=None) -> int:
    """One village or community (`whole` False), or every village and community under `organization` (those already
    in the survey skipped): how many were added. Refused (nothing added) if none is a village or community."""
    if poll.kind != PollKind.SURVEY:
        raise ValidationError(_("只有群众满意度测评按村（社区）测评"))
    if whole:
        found = list(villages_under(actor, organization))
        if not found:
            raise ValidationError({"organization": _("该组织下没有村或社区")})
    else:
        if organization.domain not in VILLAGE_DOMAINS:
            raise ValidationError({"organization": _("请选择村或社区的党组织，或勾选“添加该组织下的全部村和社区”")})
        found = [organization]
    have = set(poll.subjects.values_list("organization_id", flat=True))
    added = 0
    for org in found:
        if org.pk in have:
            continue
        services.subject_add(actor=actor, poll=poll, name=org.name, organization=org, request=request)
        added += 1
    if not added and not whole:
        raise ValidationError({"organization": _("该测评对象已在名单中")})
    return added


@transaction.atomic
def survey_paper_enter(*, actor, poll, code, answers, request=None) -> None:
    """A paper sheet: its code names its village; `answers(subject_id)` gives (ratings, texts) for it. The code is
    refused (unknown, used, void) before any answer is read."""
    if actor is not None and not policy.can(actor, SURVEY_RUN, poll):
        raise PermissionDenied(_("您没有录入纸质答卷的权限"))
    row = ballot_services.check_code(poll, code)
    ratings, texts = answers(row.subject_id)
    ballot_services.paper_ballot_enter(actor=actor, poll=poll, code=code, ratings=ratings, texts=texts, request=request)
