"""Every write to the member registry: atomic, validated, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot
from apps.core.crypto import keyed_hash
from apps.core.idcard import mask_id_number
from apps.core.text import mask_phone, pinyin_keys

from . import counters
from .models import Member
from .rules import validate_member_data

WRITABLE_FIELDS = (
    "organization", "party_group", "name", "id_number", "birth_date", "sex", "ethnicity", "education",
    "occupation", "joined_on", "full_member_on", "category", "status", "phone", "is_hardship",
    "flow_place", "flow_contact",
)


def apply_member_values(member: Member, cleaned: dict) -> Member:
    """Set fields and derived keys (hashes, masks, pinyin) from cleaned data."""
    for key in WRITABLE_FIELDS:
        if key in cleaned:
            setattr(member, key, cleaned[key])
    member.id_hash = keyed_hash(member.id_number)
    member.id_masked = mask_id_number(member.id_number)
    member.phone_hash = keyed_hash(member.phone)
    member.phone_masked = mask_phone(member.phone)
    member.name_pinyin, member.name_initials = pinyin_keys(member.name)
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
    counters.apply_changes([(None, counters.state(member))])
    audit_record(actor=actor, action=Action.CREATE, obj=member, after=snapshot(member), request=request)
    return member


@transaction.atomic
def member_update(*, actor, member, data, request=None) -> Member:
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    before, counted_before = snapshot(member), counters.state(member)
    merged = {key: getattr(member, key) for key in WRITABLE_FIELDS}
    merged.update(data)
    cleaned = _validated(merged, exclude_pk=member.pk)
    apply_member_values(member, cleaned)
    member.save()
    counters.apply_changes([(counted_before, counters.state(member))])
    audit_record(actor=actor, action=Action.UPDATE, obj=member, before=before, after=snapshot(member), request=request)
    return member


def member_reveal_id_number(*, actor, member, request=None) -> str:
    """Full 身份证 number for a user holding the unmask permission; each reveal is audited."""
    audit_record(actor=actor, action=Action.UNMASK, obj=member, request=request, note="查看完整身份证号")
    return member.id_number
