"""Every write of honours (示范创建): campaigns with their kinds and quotas, nominations (with optional evidence files),
and the district's decisions — approve (award, within the quota), reject, revoke.

Each write is atomic, asks honour_states.py and is audited in its transaction. The quota: an approval locks the
kind's row (FOR UPDATE) before counting its awards, so two district administrators approving the last place at once
are counted one after the other — the second is refused with 名额已满. A revocation and a change of the quota take
the same lock. `actor=None` is the system (the demo seed); a person must hold the capability checked here as well as
in the views (NOMINATE on the nominating organization, ASSESSMENT_MANAGE on the campaign).
"""

import unicodedata
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.core import evidence
from apps.orgs.models import BRANCH_KINDS, Organization, OrgKind

from . import honour_states
from .honour_models import HonourCampaign, HonourKind, Nomination, NominationFile, NomineeType
from .honour_scopes import NOMINATE
from .round_services import check_evidence

# The seeds' 1213 action: 10 model branches, 20 task-force party groups (in project headquarters), 100 model posts
# (a member), 300 model households (a member's household). Data: a campaign's quotas are edited on its page.
DEFAULT_KINDS = (
    ("五好示范党支部", NomineeType.ORGANIZATION, sorted(BRANCH_KINDS), 10),
    ("攻坚示范党小组", NomineeType.ORGANIZATION, [OrgKind.GROUP.value], 20),
    ("优秀党员示范岗", NomineeType.MEMBER, [], 100),
    ("党员示范户", NomineeType.MEMBER, [], 300),
)
QUOTA_MAX = 10000
REASONS_MAX = 2000
FILES_MAX = 5


def _clean_text(value, limit, field, label, *, required=False, multiline=False):
    value = (value or "").strip()
    allowed = "\n\r\t" if multiline else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValidationError({field: _("{label}含有不允许的字符").format(label=label)})
    if len(value) > limit:
        raise ValidationError({field: _("{label}不能超过{n}个字符").format(label=label, n=limit)})
    if required and not value:
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    return value


def _require(actor, capability, obj, message):
    if actor is not None and not policy.can(actor, capability, obj):
        raise PermissionDenied(message)


def _stamp_actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# ---- campaigns and kinds ----

@transaction.atomic
def campaign_create(*, actor, organization, data, kinds=DEFAULT_KINDS, request=None) -> HonourCampaign:
    """A campaign of the organization (the district) for a year, with its kinds (the 1213 action's by default)."""
    _require(actor, policy.ASSESSMENT_MANAGE, organization, _("您没有在该组织开展示范创建的权限"))
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度应在2000至2100之间")})
    name = _clean_text(data.get("name"), 100, "name", _("活动名称")) or _("{year}年1213党建引领示范行动").format(year=year)
    note = _clean_text(data.get("note"), 500, "note", _("说明"))
    if HonourCampaign.objects.filter(organization=organization, name=name).exists():
        raise ValidationError({"name": _("已有同名的示范创建活动")})
    campaign = HonourCampaign.objects.create(organization=organization, year=year, name=name, note=note,
                                             created_by=_stamp_actor(actor))
    HonourKind.objects.bulk_create(HonourKind(campaign=campaign, name=n, nominee_type=t, org_kinds=list(k), quota=q,
                                              sort_order=i * 10) for i, (n, t, k, q) in enumerate(kinds, start=1))
    audit_record(actor=actor, action=Action.CREATE, obj=campaign, request=request,
                 after={**snapshot(campaign), "kinds": [(n, str(t), q) for n, t, _k, q in kinds]})
    return campaign


def _lock_kind(kind) -> HonourKind:
    """The kind's row, locked: every count against its quota happens under it."""
    return HonourKind.objects.select_for_update(of=("self",)).select_related("campaign__organization").get(pk=kind.pk)


def awarded_count(kind) -> int:
    return Nomination.objects.filter(kind=kind, status__in=honour_states.AWARDED).count()


@transaction.atomic
def kind_set_quota(*, actor, kind, quota, request=None) -> HonourKind:
    kind = _lock_kind(kind)
    _require(actor, policy.ASSESSMENT_MANAGE, kind.campaign, _("只有活动的组织单位可以调整名额"))
    if not isinstance(quota, int) or not 0 <= quota <= QUOTA_MAX:
        raise ValidationError({"quota": _("名额应在0至{n}之间").format(n=QUOTA_MAX)})
    awarded = awarded_count(kind)
    if quota < awarded:
        raise ValidationError({"quota": _("已有{n}个审核通过，名额不能少于{n}").format(n=awarded)})
    before = snapshot(kind)
    kind.quota = quota
    kind.save(update_fields=["quota"])
    audit_record(actor=actor, action=Action.UPDATE, obj=kind, before=before, after=snapshot(kind), request=request)
    return kind


# ---- nominations ----

def credited_organization(nominee_org=None, nominee_member=None) -> Organization:
    """Whose honour it is: an organization itself (a 党小组: its branch), a member their organization."""
    if nominee_member is not None:
        return nominee_member.organization
    if nominee_org.kind == OrgKind.GROUP and nominee_org.depth > 1:
        return Organization.objects.get(path=nominee_org.path[:-Organization.steplen])
    return nominee_org


def _check_nominee(kind, by_org, nominee_org, nominee_member):
    campaign = kind.campaign
    if not by_org.path.startswith(campaign.organization.path):
        raise ValidationError({"nominated_by_org": _("推荐单位不在该活动的范围内")})
    if kind.nominee_type == NomineeType.ORGANIZATION:
        if nominee_org is None or nominee_member is not None:
            raise ValidationError({"nominee_org": _("请选择被推荐的组织")})
        if not nominee_org.path.startswith(by_org.path):
            raise ValidationError({"nominee_org": _("被推荐的组织须在推荐单位的范围内")})
        if not nominee_org.is_active:
            raise ValidationError({"nominee_org": _("该组织已撤销，不能推荐")})
        if kind.org_kinds and nominee_org.kind not in kind.org_kinds:
            allowed = "、".join(str(OrgKind(k).label) for k in kind.org_kinds if k in OrgKind.values)
            raise ValidationError({"nominee_org": _("「{kind}」只能推荐：{allowed}").format(kind=kind.name, allowed=allowed)})
        return
    if nominee_member is None or nominee_org is not None:
        raise ValidationError({"nominee_member": _("请填写被推荐的党员")})
    if not nominee_member.organization.path.startswith(by_org.path):
        raise ValidationError({"nominee_member": _("被推荐的党员须在推荐单位的范围内")})
    if not nominee_member.is_current:
        raise ValidationError({"nominee_member": _("该党员不在册，不能推荐")})


def nomination_create(*, actor, kind, nominated_by_org, reasons, nominee_org=None, nominee_member=None, files=(),
                      request=None) -> Nomination:
    """A nomination by an organization (NOMINATE on it) of a nominee within its subtree; files saved before a refusal
    or a later failure are deleted: nothing half-saved stays on disk."""
    with evidence.atomic_with_files() as store:
        return _nomination_create(actor=actor, kind=kind, by_org=nominated_by_org, reasons=reasons,
                                  nominee_org=nominee_org, nominee_member=nominee_member, files=files,
                                  request=request, store=store)


def _nomination_create(*, actor, kind, by_org, reasons, nominee_org, nominee_member, files, request, store):
    kind = HonourKind.objects.select_related("campaign__organization").get(pk=kind.pk)
    _require(actor, NOMINATE, by_org, _("您没有以该组织名义推荐的权限"))
    _check_nominee(kind, by_org, nominee_org, nominee_member)
    reasons = _clean_text(reasons, REASONS_MAX, "reasons", _("推荐理由"), required=True, multiline=True)
    files = list(files or [])
    if len(files) > FILES_MAX:
        raise ValidationError({"files": _("最多上传{n}个推荐材料").format(n=FILES_MAX)})
    types = [check_evidence(f) for f in files]
    nominee = {"nominee_org": nominee_org} if nominee_org is not None else {"nominee_member": nominee_member}
    if Nomination.objects.filter(kind=kind, status__in=honour_states.LIVE, **nominee).exists():
        raise ValidationError({next(iter(nominee)): _("已推荐过该对象（待审核或已通过），不能重复推荐")})
    try:
        with transaction.atomic():  # a concurrent duplicate meets the unique constraint: the same refusal
            nomination = Nomination.objects.create(
                kind=kind, organization=credited_organization(nominee_org, nominee_member), nominated_by_org=by_org,
                reasons=reasons, nominated_by=_stamp_actor(actor), **nominee)
    except IntegrityError:
        raise ValidationError({next(iter(nominee)): _("已推荐过该对象（待审核或已通过），不能重复推荐")}) from None
    audit_record(actor=actor, action=Action.CREATE, obj=nomination, after=snapshot(nomination), request=request)
    for upload, content_type in zip(files, types):
        item = store(NominationFile.of(upload, content_type, uploaded_by=_stamp_actor(actor), nomination=nomination),
                     upload)
        item.save()
        audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request)
    return nomination


def _decide(actor, nomination, step, *, request, note_required, note, **values):
    """Lock the kind (the quota) then the nomination, check the step and the district's right, write, audit."""
    kind = _lock_kind(nomination.kind)
    nomination = Nomination.objects.select_for_update(of=("self",)).select_related("organization").get(pk=nomination.pk)
    _require(actor, policy.ASSESSMENT_MANAGE, kind.campaign, _("只有活动的组织单位可以审核"))
    honour_states.check(nomination, step)
    note = _clean_text(note, 500, "note", _("审核意见"), required=note_required)
    before = snapshot(nomination)
    honour_states.enter(nomination, step)
    for field, value in values.items():
        setattr(nomination, field, value)
    nomination.decision_note = note
    nomination.decided_by, nomination.decided_at = _stamp_actor(actor), timezone.now()
    return kind, nomination, before


def _save(actor, nomination, before, step, request):
    nomination.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=nomination, before=before, after=snapshot(nomination),
                 request=request, note=str(honour_states.STEPS[step].label))
    return nomination


@transaction.atomic
def nomination_approve(*, actor, nomination, awarded_on, certificate_no="", note="", request=None, today=None) -> Nomination:
    """Award it: within the kind's quota (counted under the kind's row lock), on a date of the campaign's year or the
    next, not in the future; the certificate (plaque) number, when given, once per campaign."""
    today = today or timezone.localdate()
    certificate_no = _clean_text(certificate_no, 40, "certificate_no", _("证书（牌匾）编号"))
    kind, nomination, before = _decide(actor, nomination, "approve", request=request, note_required=False, note=note)
    year = kind.campaign.year
    if not isinstance(awarded_on, date) or not year <= awarded_on.year <= year + 1 or awarded_on > today:
        raise ValidationError({"awarded_on": _("授予日期须在{a}年至{b}年之间，且不晚于今天").format(a=year, b=year + 1)})
    if awarded_count(kind) >= kind.quota:
        raise ValidationError(_("「{kind}」名额已满（{quota}个），不能再审核通过").format(kind=kind.name, quota=kind.quota))
    if certificate_no and Nomination.objects.filter(kind__campaign=kind.campaign, certificate_no=certificate_no,
                                                    status__in=honour_states.AWARDED).exists():
        raise ValidationError({"certificate_no": _("该编号已用于本活动的另一项示范")})
    nomination.awarded_on, nomination.certificate_no = awarded_on, certificate_no
    return _save(actor, nomination, before, "approve", request)


@transaction.atomic
def nomination_reject(*, actor, nomination, note, request=None) -> Nomination:
    _kind, nomination, before = _decide(actor, nomination, "reject", request=request, note_required=True, note=note)
    return _save(actor, nomination, before, "reject", request)


@transaction.atomic
def nomination_revoke(*, actor, nomination, note, request=None) -> Nomination:
    """Take an award back (its place in the quota is free again); the reason is kept, the award's date and number too."""
    _kind, nomination, before = _decide(actor, nomination, "revoke", request=request, note_required=True, note=note)
    return _save(actor, nomination, before, "revoke", request)
