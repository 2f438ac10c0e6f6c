"""The demo's 党籍变动, written through the services (a handful: each sets the member's status and counts and leaves
its audit row): in a branch other than the demo secretary's, one member 停止党籍 then 恢复党籍, one 出党 (自行脱党除名)
and one 去世. Run before the dues, which then leave the two who are gone out of the sheets. `tests/test_status_seed.py`
checks them."""

from datetime import timedelta

from apps.accounts.models import User
from apps.members.models import MemberCategory, MemberStatus
from apps.membership import status_services
from apps.membership.status_models import ChangeKind, LeaveType


def write_status_changes(orgs, members_by_org, today, log, *, focus_branch):
    """Returns the changes written (empty when no branch has four normal full members joined a year ago)."""
    clerk = User.objects.get(username="district_admin")
    cutoff = today - timedelta(days=400)
    branch, people = None, []
    for org in orgs:
        if org.kind != "branch" or org.pk == focus_branch.pk:
            continue
        people = [m for m in members_by_org.get(org.pk, []) if m.status == MemberStatus.NORMAL
                  and m.category == MemberCategory.FULL and m.joined_on <= cutoff]
        if len(people) >= 4:
            branch = org
            break
    if branch is None:
        return []
    town = next((o for o in orgs if branch.path.startswith(o.path) and o.depth == branch.depth - 1), branch)
    body, year = f"中共{town.name}" if not town.name.startswith("中共") else town.name, today.year
    plan = [
        (people[0], ChangeKind.SUSPEND, "", 200, "失去联系满6个月，经多方查找仍无法联系"),
        (people[0], ChangeKind.RESTORE, "", 40, "本人主动与党组织联系，说明情况并补交党费"),
        (people[1], ChangeKind.LEAVE, LeaveType.REMOVED_LAPSED, 90, "连续6个月不参加组织生活、不交纳党费，经教育仍无转变"),
        (people[2], ChangeKind.DEATH, "", 20, "因病去世"),
    ]
    changes = []
    for n, (member, kind, leave_type, days_ago, reason) in enumerate(plan, start=1):
        change = status_services.status_change_record(
            actor=clerk, member=member, kind=kind, leave_type=leave_type, effective_on=today - timedelta(days=days_ago),
            reason=reason, approved_by_name=body, document_number=f"{town.name[:2]}组〔{year}〕{n}号")
        member.status = change.to_status  # the seed's own copy follows (the dues read it)
        changes.append(change)
    log(f"  党籍变动 {len(changes)} 条（{branch.name}）")
    return changes
