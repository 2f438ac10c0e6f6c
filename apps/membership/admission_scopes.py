"""How admission (发展党员) is scoped (imported from AppConfig.ready()).

- ADMISSION_VIEW reads applicants, their steps and documents in its subtree (district and organization administrators,
  secretaries); the rules page is open to anyone holding it.
- ADMISSION_RECORD records the branch's steps (the secretary of the branch; administrators above may too).
- ADMISSION_APPROVE takes the higher committee's steps (预审, 谈话, 审批, 备案: 13, 16, 17, 18, 24) and is held only
  strictly above the applicant's branch (the township or the district): an administrator of the branch itself does
  not approve its own candidates.
- The year's plan and the 入党志愿书 ranges of an organization are set by the committee ABOVE it: ADMISSION_APPROVE
  on a strict ancestor (`strictly_above`); the forms offer only `organizations_strictly_below`, so no administrator
  sets their own organization's plan or gives themselves numbers.
"""

from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping
from apps.access.models import Role

from .admission_models import (
    AdmissionDocument,
    AdmissionQuota,
    AdmissionStep,
    Applicant,
    DisciplineRecord,
    VolunteerBookRange,
)

ADMISSION_VIEW = "admission.view"
ADMISSION_RECORD = "admission.record"
ADMISSION_APPROVE = "admission.approve"

policy.register_capability(ADMISSION_VIEW, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY))
policy.register_capability(ADMISSION_RECORD, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY))
policy.register_capability(ADMISSION_APPROVE, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN))


def strictly_above(user, path) -> bool:
    """Whether the user holds ADMISSION_APPROVE on a strict ancestor of the organization at `path`."""
    return any(path.startswith(p) and p != path for p in policy.scope_paths(user, ADMISSION_APPROVE))


def organizations_strictly_below(user, queryset):
    """The organizations of `queryset` strictly below one where the user holds ADMISSION_APPROVE (the roots of their
    scope left out: `strictly_above` holds for every row)."""
    return policy.restrict(queryset, user, ADMISSION_APPROVE).exclude(
        path__in=policy.scope_paths(user, ADMISSION_APPROVE))


def _check(user, capability, applicant):
    if capability != ADMISSION_APPROVE:
        return None
    return strictly_above(user, applicant.organization.path)


scoping.register(Applicant, org_path="organization__path", view=ADMISSION_VIEW, label=_("入党申请人"),
                 related=("organization", "member"), check=_check)
scoping.register_child(AdmissionStep, parent=Applicant, via="applicant", label=_("发展党员步骤"))
scoping.register_child(AdmissionDocument, parent=AdmissionStep, via="step", label=_("发展党员材料"))
scoping.register(AdmissionQuota, org_path="organization__path", view=ADMISSION_VIEW, label=_("发展党员计划"),
                 related=("organization",))
scoping.register(VolunteerBookRange, org_path="organization__path", view=ADMISSION_VIEW, label=_("入党志愿书编号段"),
                 related=("organization",))
scoping.register(DisciplineRecord, org_path="member__organization__path", view=policy.MEMBER_VIEW, label=_("党纪处分"),
                 related=("member__organization",))
