"""Every write of polls: set-up (subjects, items, the eligible list), the steps of states.py, codes, ballots, the
close (tally), 公示 and objections.

Each write is atomic and audited in its transaction, except what would link a voter to a ballot: casting a ballot
writes no audit row (an audit row has an actor and a time), and the close audits totals only. `actor=None` is the
system (the demo seed, the archive job); a person must hold the capability checked here as well as in the views.

The anonymity rules (models.py) are kept here:
- a ballot is written as a QueuedBallot in the transaction that marks its code used, under the code's row lock and
  the poll's (so a code counts once, and the close sees every ballot or waits);
- the close shuffles the queue before it sums it and writes the comments, then deletes it, and wipes every sealed
  code; `used == ballots` is checked there, and the close refused if it does not hold.
"""

import hashlib
import json
import secrets
import unicodedata
from collections import Counter

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.access import policy
from apps.audit.services import Action, audit_record, snapshot
from apps.core.crypto import decrypt, encrypt, keyed_hash
from apps.core.text import normalize_phone

from . import codes as code_lib
from . import states
from .models import (
    DEFAULT_SCALES,
    Channel,
    Code,
    CodeBatch,
    CodeState,
    Comment,
    Item,
    ItemKind,
    PhoneEntry,
    Poll,
    PollKind,
    PollStatus,
    QueuedBallot,
    Subject,
    TallyCell,
    Voter,
    VoterKind,
)
from .scopes import BALLOT_MANAGE, SURVEY_RUN

TITLE_MAX, NOTE_MAX, TEXT_MAX, COMMENT_MAX = 100, 2000, 200, 1000
VOTERS_MAX = 5000
BATCH_MAX = 2000

DEFAULT_ITEMS = {
    PollKind.SANSHU: [("德（政治品质、道德品行）", ItemKind.RATING), ("能（履职能力）", ItemKind.RATING),
                      ("勤（工作态度）", ItemKind.RATING), ("绩（工作实绩）", ItemKind.RATING),
                      ("廉（廉洁自律）", ItemKind.RATING), ("意见建议", ItemKind.TEXT)],
    PollKind.TWO_WAY: [("贯彻上级决策部署", ItemKind.RATING), ("服务党员群众", ItemKind.RATING),
                       ("组织生活质量", ItemKind.RATING), ("作风建设", ItemKind.RATING), ("意见建议", ItemKind.TEXT)],
    PollKind.SURVEY: [("对村（社区）党组织的总体评价", ItemKind.RATING), ("为民办实事成效", ItemKind.RATING),
                      ("村（社区）务公开", ItemKind.RATING), ("干部作风", ItemKind.RATING), ("意见建议", ItemKind.TEXT)],
}


def clean_text(value, limit, field, label, *, required=False, multiline=False):
    value = (value or "").strip()
    allowed = "\n\r\t" if multiline else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value):
        raise ValidationError({field: _("{label}含有不允许的字符").format(label=label)})
    if len(value) > limit:
        raise ValidationError({field: _("{label}不能超过{n}个字符").format(label=label, n=limit)})
    if required and not value:
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    return value


def _require(actor, capability, obj, message):
    if actor is not None and not policy.can(actor, capability, obj):
        raise PermissionDenied(message)


def manage_capability(poll) -> str:
    return SURVEY_RUN if poll.kind == PollKind.SURVEY else BALLOT_MANAGE


def is_rated(user, poll) -> bool:
    """Whether the user is one of those the poll rates (a leader's member record, or the account writing their
    reports): they may not run their own evaluation — comment on it, print its slips, open, close or publish it."""
    if not getattr(user, "is_authenticated", False):
        return False
    rated = Q(reporter_id=user.pk)
    if getattr(user, "member_id", None):
        rated |= Q(member_id=user.member_id)
    return poll.subjects.filter(rated).exists()


def may_manage(user, poll) -> bool:
    """The pages' question: the manage capability on the poll, and not being rated by it."""
    return policy.can(user, manage_capability(poll), poll) and not is_rated(user, poll)


def require_manage(actor, poll):
    _require(actor, manage_capability(poll), poll, _("您没有管理该测评的权限"))
    if actor is not None and is_rated(actor, poll):
        raise PermissionDenied(_("您是本次测评的对象，不能管理这次测评"))


_require_manage = require_manage


def _stamp(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def lock_poll(poll) -> Poll:
    return Poll.objects.select_for_update(of=("self",)).select_related("organization").get(pk=poll.pk)


# ---- set-up ----

def _editable(actor, poll) -> Poll:
    """The poll locked for a change of its set-up: the manager's, before the vote opens."""
    poll = lock_poll(poll)
    _require_manage(actor, poll)
    states.check(poll, "edit")
    return poll


def _remove_part(actor, part, request):
    """A subject, item or voter taken off the set-up, audited."""
    _editable(actor, part.poll)
    audit_record(actor=actor, action=Action.DELETE, obj=part, before=snapshot(part), request=request)
    part.delete()


@transaction.atomic
def poll_create(*, actor, organization, kind, data, request=None) -> Poll:
    """A poll of `organization` with the kind's default scale and items (editable until it opens)."""
    if kind not in PollKind.values:
        raise ValidationError({"kind": _("测评类别不正确")})
    capability = SURVEY_RUN if kind == PollKind.SURVEY else BALLOT_MANAGE
    _require(actor, capability, organization, _("您没有在该组织开展测评的权限"))
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度应在2000至2100之间")})
    title = clean_text(data.get("title"), TITLE_MAX, "title", _("名称"), required=True)
    note = clean_text(data.get("note"), NOTE_MAX, "note", _("说明"), multiline=True)
    opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError({"closes_at": _("截止时间应晚于开始时间")})
    slots = data.get("anonymous_slots") or 0
    if not isinstance(slots, int) or not 0 <= slots <= VOTERS_MAX:
        raise ValidationError({"anonymous_slots": _("不记名代表名额应在0至{n}之间").format(n=VOTERS_MAX)})
    poll = Poll.objects.create(kind=kind, organization=organization, title=title, year=year, note=note,
                               scale=DEFAULT_SCALES[PollKind(kind)], opens_at=opens_at, closes_at=closes_at,
                               anonymous_slots=slots if kind != PollKind.SURVEY else 0, created_by=_stamp(actor))
    Item.objects.bulk_create(Item(poll=poll, text=t, kind=k, sort_order=i * 10)
                             for i, (t, k) in enumerate(DEFAULT_ITEMS[PollKind(kind)], start=1))
    audit_record(actor=actor, action=Action.CREATE, obj=poll, after=snapshot(poll), request=request)
    return poll


@transaction.atomic
def poll_update(*, actor, poll, data, request=None) -> Poll:
    poll = _editable(actor, poll)
    before = snapshot(poll)
    poll.title = clean_text(data.get("title", poll.title), TITLE_MAX, "title", _("名称"), required=True)
    poll.note = clean_text(data.get("note", poll.note), NOTE_MAX, "note", _("说明"), multiline=True)
    poll.opens_at = data.get("opens_at", poll.opens_at)
    poll.closes_at = data.get("closes_at", poll.closes_at)
    if poll.opens_at and poll.closes_at and poll.closes_at <= poll.opens_at:
        raise ValidationError({"closes_at": _("截止时间应晚于开始时间")})
    if "anonymous_slots" in data and poll.kind != PollKind.SURVEY:
        slots = data["anonymous_slots"]
        if not isinstance(slots, int) or not 0 <= slots <= VOTERS_MAX:
            raise ValidationError({"anonymous_slots": _("不记名代表名额应在0至{n}之间").format(n=VOTERS_MAX)})
        poll.anonymous_slots = slots
    poll.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, before=before, after=snapshot(poll), request=request)
    return poll


@transaction.atomic
def subject_add(*, actor, poll, name, organization, member=None, post="", reporter=None, request=None) -> Subject:
    """Who or what is rated. A 三述一评's subject is a leader (a member, whose account writes the reports); a survey's a
    village or community within the poll's organization."""
    poll = _editable(actor, poll)
    name = clean_text(name, 100, "name", _("测评对象"), required=True)
    post = clean_text(post, 60, "post", _("职务"))
    if not organization.path.startswith(poll.organization.path):
        raise ValidationError({"organization": _("测评对象应在本组织范围内")})
    if poll.kind == PollKind.SANSHU and member is None:
        raise ValidationError({"member": _("三述一评的对象应为党员（领导干部）")})
    if member is not None and reporter is None:  # the leader writes their own reports, from their own account
        reporter = get_user_model().objects.filter(member=member, is_active=True).first()
    if Subject.objects.filter(poll=poll, name=name, organization=organization).exists():
        raise ValidationError({"name": _("该测评对象已在名单中")})
    subject = Subject.objects.create(poll=poll, name=name, organization=organization, member=member, post=post,
                                     reporter=reporter, sort_order=poll.subjects.count() + 1)
    audit_record(actor=actor, action=Action.CREATE, obj=subject, after=snapshot(subject), request=request)
    return subject


@transaction.atomic
def subject_remove(*, actor, subject, request=None):
    _remove_part(actor, subject, request)


@transaction.atomic
def item_add(*, actor, poll, text, kind=ItemKind.RATING, request=None) -> Item:
    poll = _editable(actor, poll)
    if kind not in ItemKind.values:
        raise ValidationError({"kind": _("题型不正确")})
    text = clean_text(text, TEXT_MAX, "text", _("测评内容"), required=True)
    item = Item.objects.create(poll=poll, text=text, kind=kind, sort_order=(poll.items.count() + 1) * 10)
    audit_record(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item), request=request)
    return item


@transaction.atomic
def item_remove(*, actor, item, request=None):
    _remove_part(actor, item, request)


def _check_room(poll, adding):
    if poll.voters.count() + adding > VOTERS_MAX:
        raise ValidationError(_("参评人员不能超过{n}人").format(n=VOTERS_MAX))


@transaction.atomic
def voters_add_members(*, actor, poll, members, channel=Channel.ONLINE, request=None) -> int:
    """Members on the eligible list (those already on it are skipped): how many were added."""
    poll = _editable(actor, poll)
    if poll.kind == PollKind.SURVEY:
        raise ValidationError(_("群众满意度测评没有党员名单，按村（社区）发放测评码"))
    if channel not in Channel.values:
        raise ValidationError({"channel": _("参评方式不正确")})
    have = set(poll.voters.filter(member__isnull=False).values_list("member_id", flat=True))
    new = [m for m in members if m.pk not in have and m.organization.path.startswith(poll.organization.path)]
    _check_room(poll, len(new))
    Voter.objects.bulk_create(Voter(poll=poll, kind=VoterKind.MEMBER, member=m, name=m.name, channel=channel) for m in new)
    if new:
        audit_record(actor=actor, action=Action.UPDATE, obj=poll, request=request,
                     after={"voters_added": len(new), "channel": channel})
    return len(new)


@transaction.atomic
def voter_add(*, actor, poll, kind, name="", organization=None, request=None) -> Voter:
    """A named invited representative (paper), or a subordinate organization (双向考核 of a superior; paper)."""
    poll = _editable(actor, poll)
    if poll.kind == PollKind.SURVEY:
        raise ValidationError(_("群众满意度测评没有参评名单，按村（社区）发放测评码"))
    if kind == VoterKind.INVITED:
        name = clean_text(name, 100, "name", _("姓名"), required=True)
    elif kind == VoterKind.ORGANIZATION and organization is not None:
        if not organization.path.startswith(poll.organization.path) or organization.pk == poll.organization_id:
            raise ValidationError({"organization": _("应为本组织的下级组织")})
        if poll.voters.filter(kind=VoterKind.ORGANIZATION, organization=organization).exists():
            raise ValidationError({"organization": _("该组织已在名单中")})
        name = organization.name
    else:
        raise ValidationError({"kind": _("参评人员类别不正确")})
    _check_room(poll, 1)
    voter = Voter.objects.create(poll=poll, kind=kind, name=name, organization=organization, channel=Channel.PAPER)
    audit_record(actor=actor, action=Action.CREATE, obj=voter, after=snapshot(voter), request=request)
    return voter


@transaction.atomic
def voter_remove(*, actor, voter, request=None):
    _remove_part(actor, voter, request)


# ---- steps ----

@transaction.atomic
def poll_start_reports(*, actor, poll, request=None) -> Poll:
    """三述一评: the leaders write their three reports; the vote opens after them and the leader's comment."""
    poll = lock_poll(poll)
    _require_manage(actor, poll)
    before = snapshot(poll)
    if not poll.subjects.exists():
        raise ValidationError(_("请先添加测评对象"))
    states.enter(poll, "start_reports")
    poll.save(update_fields=["status"])
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, before=before, after=snapshot(poll), request=request,
                 note="start_reports")
    return poll


def eligible_lines(poll) -> list[str]:
    lines = sorted(v.fingerprint_line() for v in poll.voters.all())
    lines.append(f"anonymous\t{poll.anonymous_slots}")
    return lines


def fingerprint(lines) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# A check the reports' module registers (report_services): the reasons a 三述一评 may not open yet.
OPEN_CHECKS = []


def _shuffled(seq):
    seq = list(seq)
    secrets.SystemRandom().shuffle(seq)
    return seq


def _fresh_codes(n) -> list[str]:
    """n new codes whose hashes no poll holds yet (codes are unique across polls; with 31^8 codes a clash is rare but
    not impossible among a province's millions): a clashing one is drawn again."""
    plain = set()
    while len(plain) < n:
        batch = [c for c in code_lib.new_codes(n - len(plain)) if c not in plain]
        hashes = {code_lib.code_hash(c): c for c in batch}
        keys = list(hashes)
        taken = set()
        for start in range(0, len(keys), 500):
            taken.update(Code.objects.filter(code_hash__in=keys[start:start + 500]).values_list("code_hash", flat=True))
        plain.update(c for h, c in hashes.items() if h not in taken)
    return list(plain)


def _create_codes(poll, plain, subject=None):
    Code.objects.bulk_create(Code(poll=poll, code_hash=code_lib.code_hash(c), subject=subject)
                             for c in _shuffled(plain))


@transaction.atomic
def poll_open(*, actor, poll, request=None) -> Poll:
    """The vote opens: the eligible list's fingerprint is fixed; one code per voter is made — an online member's sealed
    on their row (shown once), the others' (paper voters, anonymous slots) sealed on the poll for the slips; the
    tally's cells are created. A survey's codes come in batches later (batch_create)."""
    poll = lock_poll(poll)
    _require_manage(actor, poll)
    before = snapshot(poll)
    states.check(poll, "open")
    subjects, rating = list(poll.subjects.all()), list(poll.items.filter(kind=ItemKind.RATING))
    if not subjects:
        raise ValidationError(_("请先添加测评对象"))
    if not rating:
        raise ValidationError(_("请至少设置一个评价等次的测评项目"))
    for check in OPEN_CHECKS:
        if problem := check(poll):
            raise ValidationError(problem)
    now = timezone.now()
    if poll.closes_at and poll.closes_at <= now:
        raise ValidationError(_("截止时间已过，请先修改截止时间"))
    if poll.kind != PollKind.SURVEY:
        voters = list(poll.voters.all())
        if not voters and not poll.anonymous_slots:
            raise ValidationError(_("参评名单为空"))
        lines = eligible_lines(poll)
        poll.eligible_fingerprint, poll.eligible_count = fingerprint(lines), len(voters) + poll.anonymous_slots
        plain = _fresh_codes(poll.eligible_count)
        online = [v for v in voters if v.channel == Channel.ONLINE]
        for voter, code in zip(online, plain, strict=False):
            voter.sealed_code = encrypt(code)
        Voter.objects.bulk_update(online, ["sealed_code"])
        poll.sealed_slips = encrypt(json.dumps(plain[len(online):]))
        _create_codes(poll, plain)
    else:
        poll.eligible_fingerprint = fingerprint(sorted(f"{s.pk}\t{s.name}" for s in subjects))
    TallyCell.objects.bulk_create(TallyCell(poll=poll, subject=s, item=i, option=o)
                                  for s in subjects for i in rating for o in range(len(poll.scale)))
    states.enter(poll, "open")
    poll.opened_at = now
    if poll.opens_at is None or poll.opens_at > now:
        poll.opens_at = now
    poll.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, before=before, after=snapshot(poll), request=request,
                 note="open")
    return poll


def slip_codes(poll) -> list[str]:
    """The paper slips' codes (printing), while the vote is open."""
    if poll.status != PollStatus.OPEN or not poll.sealed_slips:
        return []
    return json.loads(decrypt(poll.sealed_slips))


@transaction.atomic
def slips_printed(*, actor, poll, request=None) -> list[str]:
    """The slips' codes for the printed sheet; every print is audited (how many, not which)."""
    _require_manage(actor, poll)
    plain = slip_codes(poll)
    audit_record(actor=actor, action=Action.EXPORT, obj=poll, request=request, after={"slips_printed": len(plain)})
    return plain


@transaction.atomic
def code_reveal(*, user, poll, request=None) -> str | None:
    """A member's own online code, shown once: returned and wiped from their row. None when they have none left."""
    if not getattr(user, "member_id", None):
        return None
    voter = (Voter.objects.select_for_update().filter(poll=poll, member_id=user.member_id, channel=Channel.ONLINE)
             .select_related("poll").first())
    if voter is None or voter.code_shown or not voter.sealed_code or voter.poll.status != PollStatus.OPEN:
        return None
    code = decrypt(voter.sealed_code)
    voter.sealed_code, voter.code_shown = "", True
    voter.save(update_fields=["sealed_code", "code_shown"])
    audit_record(actor=user, action=Action.UPDATE, obj=voter, request=request, after={"code_shown": True}, note="code_shown")
    return code


@transaction.atomic
def code_void(*, actor, poll, code, request=None):
    """A lost or spoiled slip: its code can no longer vote."""
    poll = lock_poll(poll)
    _require_manage(actor, poll)
    states.check(poll, "issue")
    row = Code.objects.select_for_update().filter(poll=poll, code_hash=code_lib.code_hash(code_lib.normalize(code))).first()
    if row is None:
        raise ValidationError({"code": _("测评码不存在")})
    if row.state != CodeState.UNUSED:
        raise ValidationError({"code": _("该测评码已使用或已作废，不能作废")})
    row.state = CodeState.VOID
    row.save(update_fields=["state"])
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, request=request, after={"code_voided": 1})


@transaction.atomic
def batch_create(*, actor, poll, subject, size, request=None) -> CodeBatch:
    """A survey's numbered batch of paper codes for one village or community."""
    poll = lock_poll(poll)
    _require_manage(actor, poll)
    states.check(poll, "issue")
    if poll.kind != PollKind.SURVEY:
        raise ValidationError(_("只有群众满意度测评按批次生成测评码"))
    if subject.poll_id != poll.pk:
        raise ValidationError({"subject": _("测评对象不属于该测评")})
    if not isinstance(size, int) or not 1 <= size <= BATCH_MAX:
        raise ValidationError({"size": _("每批数量应在1至{n}之间").format(n=BATCH_MAX)})
    number = (poll.batches.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    plain = _fresh_codes(size)
    batch = CodeBatch.objects.create(poll=poll, subject=subject, number=number, size=size,
                                     sealed_codes=encrypt(json.dumps(plain)), created_by=_stamp(actor))
    _create_codes(poll, plain, subject=subject)
    audit_record(actor=actor, action=Action.CREATE, obj=batch, after=snapshot(batch), request=request)
    return batch


def batch_codes(batch) -> list[str]:
    if batch.poll.status != PollStatus.OPEN or not batch.sealed_codes:
        return []
    return json.loads(decrypt(batch.sealed_codes))


@transaction.atomic
def phones_add(*, actor, poll, subject, numbers, request=None) -> int:
    """A survey's sample of residents' phone numbers for one village, kept as keyed hashes: each answers once."""
    poll = lock_poll(poll)
    _require_manage(actor, poll)
    states.check(poll, "issue")
    if poll.kind != PollKind.SURVEY or subject.poll_id != poll.pk:
        raise ValidationError(_("只有群众满意度测评可以导入抽样电话"))
    hashes = set()
    for raw in numbers:
        phone = normalize_phone(raw)
        if not phone:
            raise ValidationError({"numbers": _("电话号码格式不正确：{n}").format(n=str(raw)[:20])})
        hashes.add(keyed_hash(phone))
    have = set(PhoneEntry.objects.filter(poll=poll, phone_hash__in=hashes).values_list("phone_hash", flat=True))
    new = [PhoneEntry(poll=poll, subject=subject, phone_hash=h) for h in _shuffled(hashes - have)]
    PhoneEntry.objects.bulk_create(new)
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, request=request, after={"phones_added": len(new)})
    return len(new)


# ---- the close ----

def turnout(poll) -> dict:
    """Eligible, codes issued, voided, used, ballots counted; `reconciled`: used == ballots (after the close)."""
    by_state = Counter(dict(poll.codes.values("state").annotate(n=Count("pk")).values_list("state", "n")))
    phones = poll.phones.aggregate(total=Count("pk"), used=Count("pk", filter=Q(used=True)))
    issued = sum(by_state.values()) + phones["total"]
    used = by_state[CodeState.USED] + phones["used"]
    eligible = poll.eligible_count if poll.kind != PollKind.SURVEY else issued
    return {"eligible": eligible, "issued": issued, "voided": by_state[CodeState.VOID], "used": used,
            "phones": phones["total"], "ballots": poll.ballots_counted,
            "reconciled": poll.status in states.COUNTED and used == poll.ballots_counted,
            "rate": round(100 * used / eligible, 1) if eligible else None}


@transaction.atomic
def poll_close(*, actor, poll, request=None) -> Poll:
    """Close and count: the queue, shuffled, summed into the cells and its comments written in random order; the queue
    deleted; every sealed code wiped. Refused (nothing changed) unless the codes used equal the ballots."""
    poll = lock_poll(poll)
    if actor is not None:
        _require_manage(actor, poll)
    before = snapshot(poll)
    states.enter(poll, "close")
    queued = _shuffled(json.loads(a) for a in QueuedBallot.objects.filter(poll=poll).values_list("answers", flat=True))
    used = poll.codes.filter(state=CodeState.USED).count() + poll.phones.filter(used=True).count()
    if used != len(queued):
        raise ValidationError(_("核对不一致：已使用测评码{used}个，选票{ballots}张，不能计票").format(used=used, ballots=len(queued)))
    totals, comments = Counter(), []
    for answers in queued:
        for key, option in answers["r"].items():
            totals[f"{key}:{option}"] += 1
        comments.extend((key, text) for key, text in answers.get("t", {}).items())
    cells = list(poll.cells.all())
    for cell in cells:
        cell.count = totals[f"{cell.subject_id}:{cell.item_id}:{cell.option}"]
    TallyCell.objects.bulk_update(cells, ["count"], batch_size=1000)
    rows = []
    for key, text in _shuffled(comments):
        subject_id, item_id = key.split(":")
        rows.append(Comment(poll=poll, subject_id=int(subject_id), item_id=int(item_id), text=text))
    Comment.objects.bulk_create(rows, batch_size=1000)
    QueuedBallot.objects.filter(poll=poll).delete()
    # A code's row moved when it was marked used (PostgreSQL writes a new row version), so the table's storage lists
    # used codes in the order they voted: written again in random order, under new random keys.
    codes = list(poll.codes.values_list("code_hash", "state", "subject_id"))
    poll.codes.all().delete()
    Code.objects.bulk_create((Code(poll=poll, code_hash=h, state=state, subject_id=subject_id)
                              for h, state, subject_id in _shuffled(codes)), batch_size=1000)
    phones = list(poll.phones.values_list("subject_id", "phone_hash", "used"))
    poll.phones.all().delete()
    PhoneEntry.objects.bulk_create((PhoneEntry(poll=poll, subject_id=subject_id, phone_hash=h, used=used)
                                    for subject_id, h, used in _shuffled(phones)), batch_size=1000)
    poll.voters.exclude(sealed_code="").update(sealed_code="")
    poll.batches.exclude(sealed_codes="").update(sealed_codes="")
    poll.sealed_slips, poll.ballots_counted, poll.closed_at = "", len(queued), timezone.now()
    poll.save()
    audit_record(actor=actor, action=Action.UPDATE, obj=poll, before=before, after=snapshot(poll), request=request,
                 note="close")
    return poll


def close_due(now=None) -> int:
    """Close every open poll whose closing time has passed (the worker's periodic job): how many."""
    now = now or timezone.now()
    closed = 0
    for poll in Poll.objects.filter(status=PollStatus.OPEN, closes_at__lte=now):
        try:
            poll_close(actor=None, poll=poll)
            closed += 1
        except ValidationError:
            continue
    return closed
