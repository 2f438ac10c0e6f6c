"""Every write of 民主评议党员: atomic, validated, audited.

Each write first locks the evaluation row: grading checks a limit over the whole roster and
finalizing must not race a late rating or grade, and a branch's evaluation is small enough
for its writes to go one at a time.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.audit.services import Action, audit_record, snapshot
from apps.members.models import MemberCategory
from apps.orgs.models import BRANCH_KINDS

from .models import Evaluation, EvaluationStatus, Grade, Participant, PeerRating
from .rules import FIRST_YEAR, excellent_limit, excellent_ratio

SELF_EVALUATION_MAX_CHARS = 3000
NOT_GRADED_MESSAGE = gettext_noop("预备党员参加评议，不评定等次")


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _locked(evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().select_related("organization").get(pk=evaluation.pk)


def _require_open(evaluation):
    if not evaluation.is_open:
        raise ValidationError(_("本次评议已结束，结果已锁定，不能再修改"))


def _participant(evaluation, member_id, *, missing):
    participant = (Participant.objects.select_for_update().select_related("member")
                   .filter(evaluation=evaluation, member_id=member_id).first())
    if participant is None:
        raise ValidationError(missing)
    participant.evaluation = evaluation  # the locked row, with its organization, for the audit
    return participant


@transaction.atomic
def evaluation_open(*, actor, organization, year, request=None) -> Evaluation:
    """Open a branch's evaluation for `year`; its current members make the roster."""
    from apps.members.models import Member
    from apps.orgs.models import Organization

    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.kind not in BRANCH_KINDS:
        raise ValidationError({"organization": _("民主评议党员以党支部为单位开展，请选择党支部")})
    if not organization.is_active:
        raise ValidationError({"organization": _("该党支部已撤销，不能开展评议")})
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year:
        raise ValidationError({"year": _("评议年度应在{first}年至{last}年之间").format(first=FIRST_YEAR, last=this_year)})
    if Evaluation.objects.filter(organization=organization, year=year).exists():
        raise ValidationError({"year": _("{org}已开展{year}年度民主评议，每年只开展一次").format(org=organization.name, year=year)})
    roster = list(Member.objects.current().filter(organization=organization).only("pk", "category"))
    if not roster:
        raise ValidationError({"organization": _("该党支部没有现有党员，无法开展评议")})
    evaluation = Evaluation.objects.create(organization=organization, year=year, opened_by=_user(actor))
    Participant.objects.bulk_create([
        Participant(evaluation=evaluation, member=m, is_graded=m.category != MemberCategory.PROBATIONARY) for m in roster
    ])
    graded = sum(1 for m in roster if m.category != MemberCategory.PROBATIONARY)
    audit_record(actor=actor, action=Action.CREATE, obj=evaluation, after=snapshot(evaluation), request=request,
                 note=f"评议名单{len(roster)}人，其中评定等次{graded}人")
    return evaluation


@transaction.atomic
def self_evaluation_submit(*, actor, evaluation, member, text, request=None) -> Participant:
    """个人自评: a participant writes (or rewrites, while the evaluation is open) their self-evaluation."""
    evaluation = _locked(evaluation)
    _require_open(evaluation)
    participant = _participant(evaluation, member.pk, missing=_("您不在本次评议名单中"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写个人自评")})
    if len(text) > SELF_EVALUATION_MAX_CHARS:
        raise ValidationError({"text": _("个人自评不超过{n}字").format(n=SELF_EVALUATION_MAX_CHARS)})
    before = snapshot(participant)
    participant.self_evaluation = text
    participant.self_submitted_at = timezone.now()
    participant.save(update_fields=["self_evaluation", "self_submitted_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=participant, before=before, after=snapshot(participant),
                 request=request, note="个人自评")
    return participant


@transaction.atomic
def peer_rating_save(*, actor, evaluation, rater, ratee_id, grade, comment="", request=None) -> PeerRating:
    """党员互评: `rater` suggests a grade for a fellow participant; a second rating of the same member replaces the first."""
    evaluation = _locked(evaluation)
    _require_open(evaluation)
    if rater.pk == ratee_id:
        raise ValidationError({"ratee": _("不能评议自己，请在个人自评中评价自己")})
    rater_part = _participant(evaluation, rater.pk, missing=_("您不在本次评议名单中"))
    ratee_part = _participant(evaluation, ratee_id, missing={"ratee": _("被评议人不在本次评议名单中")})
    if not ratee_part.is_graded:
        raise ValidationError({"ratee": _(NOT_GRADED_MESSAGE)})
    if grade not in Grade.values:
        raise ValidationError({"grade": _("请选择建议等次")})
    comment = (comment or "").strip()
    if len(comment) > PeerRating._meta.get_field("comment").max_length:
        raise ValidationError({"comment": _("评议意见不超过300字")})
    rating = PeerRating.objects.select_for_update().filter(evaluation=evaluation, rater=rater_part.member,
                                                           ratee=ratee_part.member).first()
    before = snapshot(rating)
    if rating is None:
        rating = PeerRating(evaluation=evaluation, rater=rater_part.member, ratee=ratee_part.member)
    rating.evaluation = evaluation
    rating.grade, rating.comment = grade, comment
    rating.save()
    audit_record(actor=actor, action=Action.UPDATE if before else Action.CREATE, obj=rating, before=before,
                 after=snapshot(rating), request=request)
    return rating


def _check_excellent_limit(participants):
    graded = [p for p in participants if p.is_graded]
    limit = excellent_limit(len(graded))
    excellent = sum(1 for p in graded if p.grade == Grade.EXCELLENT)
    if excellent > limit:
        raise ValidationError(_("评为优秀的党员不能超过参加评定党员的{ratio}：本次{graded}名党员参加评定，至多评定{limit}名优秀，"
                                "现评定{excellent}名").format(ratio=str(excellent_ratio()), graded=len(graded), limit=limit,
                                                          excellent=excellent))


@transaction.atomic
def participant_grades_set(*, actor, evaluation, grades, request=None) -> list[Participant]:
    """The branch decides grades: `grades` maps participant ids to a grade ("" leaves one undecided).

    All or nothing: the limit on 优秀 is checked over the roster as it would stand afterwards,
    so one grade can be moved from one member to another in a single submission.
    """
    evaluation = _locked(evaluation)
    _require_open(evaluation)
    participants = {p.pk: p for p in Participant.objects.select_for_update().select_related("member").filter(evaluation=evaluation)}
    changed = []
    for participant_id, grade in grades.items():
        participant = participants.get(participant_id)
        if participant is None:
            raise ValidationError(_("所选党员不在本次评议名单中"))
        grade = grade or ""
        if grade and grade not in Grade.values:
            raise ValidationError(_("等次无效，应为优秀、合格、基本合格或不合格"))
        if grade == participant.grade:
            continue
        if not participant.is_graded:
            raise ValidationError(_("{name}：{message}").format(name=participant.member.name, message=_(NOT_GRADED_MESSAGE)))
        changed.append((participant, snapshot(participant)))
        participant.grade = grade
        participant.graded_at = timezone.now() if grade else None
    _check_excellent_limit(participants.values())
    for participant, before in changed:
        participant.evaluation = evaluation
        participant.save(update_fields=["grade", "graded_at"])
        audit_record(actor=actor, action=Action.UPDATE, obj=participant, before=before, after=snapshot(participant),
                     request=request, note="评定等次")
    return [p for p, _before in changed]


def check_finalize(evaluation):
    """Why `evaluation` cannot be finalized now (a ValidationError), or nothing: the view asks for confirmation
    only when it can be, so a refusal is said at once rather than after a question."""
    _require_open(evaluation)
    participants = list(Participant.objects.select_related("member").filter(evaluation=evaluation))
    missing = [p.member.name for p in participants if p.is_graded and not p.grade]
    if missing:
        shown = "、".join(missing[:10]) + ("等" if len(missing) > 10 else "")
        raise ValidationError(_("还有{count}名党员未评定等次（{names}），全部评定后才能结束评议").format(count=len(missing), names=shown))
    _check_excellent_limit(participants)


@transaction.atomic
def evaluation_finalize(*, actor, evaluation, request=None) -> Evaluation:
    """结束评议、公布结果: every graded member must have a grade; the results are then locked."""
    evaluation = _locked(evaluation)
    check_finalize(evaluation)
    before = snapshot(evaluation)
    evaluation.status = EvaluationStatus.FINALIZED
    evaluation.finalized_by = _user(actor)
    evaluation.finalized_at = timezone.now()
    evaluation.save(update_fields=["status", "finalized_by", "finalized_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=evaluation, before=before, after=snapshot(evaluation),
                 request=request, note="结束评议，公布结果")
    return evaluation
