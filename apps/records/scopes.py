"""How organizational life is scoped: records and plans by their organization's place in the tree. A member
reads the submitted records of their own branch and party group. Returning a record and picking stars
(RECORD_REVIEW) is for a superior organization only: the role must be held on a strict ancestor.

A record's files, attendance and kept versions are the record's: whoever may see (or keep) the record may see
(or keep) them, by the record's own rule. A monthly star belongs to the organization that picked it: removing
one is for reviewers of that organization's subtree. The fulfilment counters are an organization's."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping
from apps.members.models import Member

from .models import (
    ActivityPlan,
    ActivityRecord,
    Attendance,
    Fulfilment,
    MemberAttendanceMark,
    MonthlyStar,
    RecordFile,
    RecordStatus,
    RecordVersion,
)


def member_org_ids(user):
    member = user.member
    return [pk for pk in (member.organization_id, member.party_group_id) if pk]


def can_review_org(user, org) -> bool:
    return any(org.path.startswith(p) and len(p) < len(org.path) for p in policy.scope_paths(user, policy.RECORD_REVIEW))


def _submitted_of_own_branch(user, capability):
    # As for members: a role's scope is the whole list; a member without one reads their branch's submitted records.
    if capability == policy.RECORD_VIEW and policy.is_member_self_service(user) and not policy.scope_paths(user, capability):
        return Q(organization_id__in=member_org_ids(user), status=RecordStatus.SUBMITTED)
    return None


def _is_submitted_of_own_branch(user, capability, record):
    return (capability == policy.RECORD_VIEW and policy.is_member_self_service(user)
            and record.status == RecordStatus.SUBMITTED and record.organization_id in member_org_ids(user))


def _review(user, capability, record):
    return can_review_org(user, record.organization) if capability == policy.RECORD_REVIEW else None


scoping.register(ActivityRecord, org_path="organization__path", view=policy.RECORD_VIEW, label=_("活动纪实"),
                 related=("organization", "activity_type"), extra_q=_submitted_of_own_branch,
                 extra_can=_is_submitted_of_own_branch, check=_review)
scoping.register(ActivityPlan, org_path="organization__path", view=policy.RECORD_VIEW, label=_("活动计划"),
                 related=("organization", "activity_type"))
scoping.register_child(RecordFile, parent=ActivityRecord, via="record", label=_("文件"))
scoping.register_child(Attendance, parent=ActivityRecord, via="record", label=_("出勤记录"))
scoping.register_child(RecordVersion, parent=ActivityRecord, via="record", label=_("版本"))
scoping.register(MonthlyStar, org_path="chosen_by_org__path", view=policy.RECORD_REVIEW, label=_("评选结果"),
                 related=("chosen_by_org", "record__organization", "record__activity_type"))
scoping.register(Fulfilment, org_path="organization__path", view=policy.RECORD_VIEW, label=_("组织生活完成情况"),
                 related=("organization", "activity_type"))
# A member's last attendance date is read with the member: in scope exactly when the member is.
scoping.register_child(MemberAttendanceMark, parent=Member, via="member", label=_("党员最近出席日期"))
