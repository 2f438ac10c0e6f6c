"""Every write to the member registry: atomic, validated, audited."""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin.constants import PHRASES_DICT

from apps.access import policy
from apps.audit.services import Action, audit_bulk, audit_read, audit_record, build_event, snapshot
from apps.core import ratelimit
from apps.core.bulk import insert_returning_pks, instance_factory, large_write_cache
from apps.core.crypto import keyed_hash
from apps.core.idcard import mask_id_number
from apps.core.text import mask_phone, pinyin_keys

from . import counters, selectors
from .models import Member
from .rules import validate_member_data

WRITABLE_FIELDS = (
    "organization", "party_group", "name", "id_number", "birth_date", "sex", "ethnicity", "education",
    "occupation", "joined_on", "full_member_on", "category", "status", "phone", "is_hardship",
    "flow_place", "flow_contact",
)


# pinyin_keys costs ~40 µs a name, the slowest step of an imported row. pypinyin reads a name phrase by phrase where
# a run of its characters is in its phrase dictionary, else character by character: for a name with no such run the
# keys are the characters' keys joined, each character's looked up once (test_import_queries compares the two).
_char_keys = lru_cache(maxsize=20_000)(pinyin_keys)


def _pinyin_keys(name: str) -> tuple[str, str]:
    n = len(name)
    if any(name[i:j] in PHRASES_DICT for i in range(n - 1) for j in range(i + 2, n + 1)):
        return pinyin_keys(name)
    parts = [_char_keys(ch) for ch in name]
    return "".join(p[0] for p in parts)[:120], "".join(p[1] for p in parts)[:40]


def apply_member_values(member: Member, cleaned: dict) -> Member:
    """Set fields and derived keys (hashes, masks, pinyin) from cleaned data."""
    for key in WRITABLE_FIELDS:
        if key in cleaned:
            setattr(member, key, cleaned[key])
    member.id_hash = keyed_hash(member.id_number)
    member.id_masked = mask_id_number(member.id_number)
    member.phone_hash = keyed_hash(member.phone)
    member.phone_masked = mask_phone(member.phone)
    member.name_pinyin, member.name_initials = _pinyin_keys(member.name)
    for key in ("education", "occupation", "full_member_on", "party_group"):
        if key in cleaned and cleaned[key] in ("", None):
            setattr(member, key, "" if key in ("education", "occupation") else None)
    return member


def _validated(data, *, exclude_pk=None):
    cleaned, errors = validate_member_data(data)
    if not errors and Member.objects.filter(id_hash=keyed_hash(cleaned["id_number"])).exclude(pk=exclude_pk).exists():
        errors["id_number"] = _("该身份证号已在系统中登记，不能重复录入")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def member_create(*, actor, data, request=None) -> Member:
    cleaned = _validated(data)
    member = apply_member_values(Member(), cleaned)
    member.save()
    counters.apply_changes([(None, counters.state(member))], refers=[member.party_group_id])
    audit_record(actor=actor, action=Action.CREATE, obj=member, after=snapshot(member), request=request)
    return member


@transaction.atomic
def member_update(*, actor, member, data, request=None) -> Member:
    # The member's row only (of=self): locking its organization's row too would make every write that checks a
    # foreign key to that organization (new members, the counts' rows) queue behind this one, and deadlock with them.
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    before, counted_before = snapshot(member), counters.state(member)
    merged = {key: getattr(member, key) for key in WRITABLE_FIELDS}
    merged.update(data)
    cleaned = _validated(merged, exclude_pk=member.pk)
    apply_member_values(member, cleaned)
    member.save()
    counters.apply_changes([(counted_before, counters.state(member))], refers=[member.party_group_id])
    audit_record(actor=actor, action=Action.UPDATE, obj=member, before=before, after=snapshot(member), request=request)
    return member


def member_reveal_id_number(*, actor, member, request=None) -> str:
    """Full 身份证 number for a user holding the unmask permission; each reveal is audited (a read: its own row)."""
    audit_read(actor=actor, action=Action.UNMASK, obj=member, request=request, note="查看完整身份证号")
    return member.id_number


IMPORT_BATCH = 1000
_IMPORT_UPDATE_FIELDS = [
    "organization", "party_group", "name", "name_pinyin", "name_initials", "id_number", "id_masked", "birth_date", "sex",
    "ethnicity", "education", "occupation", "joined_on", "full_member_on", "category", "status", "phone", "phone_hash",
    "phone_masked", "is_hardship", "flow_place", "flow_contact", "updated_at",
]


@transaction.atomic
def member_import_apply(*, actor, rows, on_progress=None) -> tuple[int, int]:
    """Write the rows of a validated Excel import (apps.members.excel.validate_import): new members created, existing
    ones (by ID number) updated, in bulk; all in one transaction with the member counts, an audit row per member and
    one for the import. `on_progress(done)` is called every 500 rows. Returns (created, updated)."""
    created = updated = 0
    to_create, to_update, events, count_changes, groups = [], [], [], [], set()
    new_member = instance_factory(Member)  # Member(), without Model.__init__'s field-by-field defaults

    def flush_create():
        nonlocal created
        if not to_create:
            return
        # bulk_create's work (primary keys returned on SQLite and PostgreSQL) without its per-value compiler cost.
        insert_returning_pks(Member, to_create)
        events.extend(build_event(actor=actor, action=Action.CREATE, obj=m, after=snapshot(m), note="Excel导入")
                      for m in to_create)
        created += len(to_create)
        to_create.clear()

    def flush_update():
        nonlocal updated
        if not to_update:
            return
        now = timezone.now()
        for m in to_update:
            m.updated_at = now
        Member.objects.bulk_update(to_update, _IMPORT_UPDATE_FIELDS, batch_size=500)
        updated += len(to_update)
        to_update.clear()

    def _add_row(row):
        current = row.current
        if current is None:
            member = apply_member_values(new_member(), row.cleaned)
            to_create.append(member)
            count_changes.append((None, counters.state(member)))
            groups.add(member.party_group_id)
        else:
            before, counted_before = snapshot(current), counters.state(current)
            apply_member_values(current, row.cleaned)
            to_update.append(current)
            count_changes.append((counted_before, counters.state(current)))
            groups.add(current.party_group_id)
            events.append(build_event(actor=actor, action=Action.UPDATE, obj=current, before=before,
                                      after=snapshot(current), note=f"Excel导入 第{row.row_number}行"))

    with large_write_cache():
        for i, row in enumerate(rows, start=1):
            _add_row(row)
            if len(to_create) >= IMPORT_BATCH:
                flush_create()
            if len(to_update) >= IMPORT_BATCH:
                flush_update()
            if on_progress is not None and i % 500 == 0:
                on_progress(i)
        flush_create()
        flush_update()
        counters.apply_changes(count_changes, refers=groups)
        audit_bulk(events)
    audit_record(actor=actor, action=Action.IMPORT, object_type="members.member", object_repr="党员信息Excel导入",
                 note=f"新增{created}人，更新{updated}人")
    return created, updated


DAY = 24 * 60 * 60


def member_number_search(*, actor, raw, where, request=None) -> str | None:
    """Count and record a member search by a full ID number or phone; the message to refuse it with (429), else None.
    Anything else searched for (a name, pinyin): None, nothing counted.

    An exact search tells whether a number belongs to someone the searcher can see, and the mask leaves some hundreds
    of numbers open (apps/members/tests/test_mask_recovery.py): so each one counts against a limit per hour and one
    per day (MEMBER_NUMBER_SEARCH_LIMIT, MEMBER_NUMBER_SEARCH_DAILY_LIMIT, the day's well below what trying them all
    takes), and each one, allowed or refused, leaves an audit row — who searched, where, how many members it found
    (within the searcher's view), the number only in its masked form. Called by every place a typed number is looked
    up (`where` names it): the member list, the export, the API, the committee-post form.

    Not atomic as a whole and to be called outside transactions: the count (apps.core.ratelimit) stands whatever
    becomes of the request; the audit row is written in a transaction of its own."""
    kind, value = selectors.classify_search(raw or "")
    if kind not in ("id", "phone"):
        return None
    hourly, daily = ratelimit.hit_each("member-number-search", str(actor.pk), limits=[
        (settings.MEMBER_NUMBER_SEARCH_LIMIT, settings.MEMBER_NUMBER_SEARCH_WINDOW_MINUTES * 60),
        (settings.MEMBER_NUMBER_SEARCH_DAILY_LIMIT, DAY)])
    # The audit trail's own words (Chinese, like its notes), whatever the searcher's language.
    shown = f"身份证号 {mask_id_number(value)}" if kind == "id" else f"手机号 {mask_phone(value)}"
    if not daily.allowed:
        message = _("今日按身份证号或手机号查询的次数已达上限，请{hours}小时后再试，或按姓名查询").format(
            hours=max(1, -(-daily.retry_after // 3600)))
    elif not hourly.allowed:
        message = _("按身份证号或手机号查询的次数已达上限，请{minutes}分钟后再试，或按姓名查询").format(
            minutes=hourly.retry_minutes)
    else:
        message = None
    if message:
        with transaction.atomic():
            audit_record(actor=actor, action=Action.NUMBER_SEARCH_REFUSED, object_type="members.member",
                         object_repr=shown, request=request, note=f"{where}：{message}")
        return message
    matches = policy.restrict(Member, actor).filter(selectors.search_q(value))
    hits = matches.count()
    single = matches.select_related("organization").first() if hits == 1 else None
    with transaction.atomic():
        audit_record(actor=actor, action=Action.NUMBER_SEARCH, object_type="members.member",
                     object_id=single.pk if single else "", object_repr=shown,
                     organization=single.organization if single else None, request=request,
                     note=f"{where}：命中{hits}条")
    return None
