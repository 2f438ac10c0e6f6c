"""Every write of published results: publishing a closed round's results with its note, and withdrawing them.

Both lock the round's row first, so two administrators publishing at once get one publication in force and the
other a refusal (the unique constraint stands behind it), and a publication never meets a round in any other state
than closed (round_states STEPS["publish"]). Audited in the same transaction. Who may: ASSESSMENT_MANAGE on the
round (the views ask the policy; the demo seeds without an actor).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_record, snapshot

from . import result_states, round_states
from .result_models import NoteKind, PublicationStatus, ResultPublication, Selection
from .round_models import Round, RoundEntry

NOTE_MAX = 5000
TITLE_MAX = 100
CHOSEN_MAX = 200
# The note kind a round's period suggests (the form's default).
KIND_OF_PERIOD = {"month": NoteKind.MONTH, "quarter": NoteKind.QUARTER, "half": NoteKind.HALF, "year": NoteKind.YEAR}


def _text(value, limit, field, label, *, required=False):
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("{label}含有不允许的字符").format(label=label)})
    if len(value) > limit:
        raise ValidationError({field: _("{label}不能超过{n}个字符").format(label=label, n=limit)})
    if required and not value:
        raise ValidationError({field: _("请填写{label}").format(label=label)})
    return value


def chosen_entries(rnd, items) -> list[RoundEntry]:
    """The round's entries named by organization code or name (one a line); every name must match exactly one."""
    items = list(dict.fromkeys(i.strip() for i in items if i and i.strip()))
    if not items:
        raise ValidationError({"chosen": _("请填写要公布的组织（每行一个组织名称或编码）")})
    if len(items) > CHOSEN_MAX:
        raise ValidationError({"chosen": _("指定的组织不能超过{n}个，更多请选择“排名前N位”或“全部”").format(n=CHOSEN_MAX)})
    found = list(RoundEntry.objects.filter(round=rnd).filter(Q(organization__code__in=items) | Q(organization__name__in=items))
                 .select_related("organization"))
    by_code = {e.organization.code: e for e in found}
    by_name = {}
    for e in found:
        by_name.setdefault(e.organization.name, []).append(e)
    out, unknown, ambiguous = {}, [], []
    for item in items:
        if item in by_code:
            out[by_code[item].pk] = by_code[item]
        elif len(by_name.get(item, [])) == 1:
            out[by_name[item][0].pk] = by_name[item][0]
        elif by_name.get(item):
            ambiguous.append(item)
        else:
            unknown.append(item)
    if unknown:
        raise ValidationError({"chosen": _("以下组织不在本轮次的被考核组织中：{names}").format(names="、".join(unknown[:10]))})
    if ambiguous:
        raise ValidationError({"chosen": _("以下名称对应多个组织，请改填组织编码：{names}").format(names="、".join(ambiguous[:10]))})
    return list(out.values())


def _lock_round(rnd) -> Round:
    return Round.objects.select_for_update(of=("self",)).select_related("organization").get(pk=rnd.pk)


@transaction.atomic
def publication_create(*, actor, round, data, request=None, now=None) -> ResultPublication:
    """Publish a closed round's results with a note. `data`: kind, title, note, selection (all | top | chosen),
    top_n, chosen (organization names or codes)."""
    rnd = _lock_round(round)
    round_states.check(rnd, "publish")
    if ResultPublication.objects.filter(round=rnd, status=PublicationStatus.PUBLISHED).exists():
        raise ValidationError(_("该轮次的结果已发布；如需修改，请先撤回再重新发布"))
    kind = data.get("kind") or KIND_OF_PERIOD.get(rnd.period_kind)
    if kind not in NoteKind.values:
        raise ValidationError({"kind": _("请选择点评类型")})
    title = _text(data.get("title"), TITLE_MAX, "title", _("标题")) or _("{name} 考核结果").format(name=rnd.name)[:TITLE_MAX]
    note = _text(data.get("note"), NOTE_MAX, "note", _("点评内容"), required=True)
    selection = data.get("selection") or Selection.ALL
    if selection not in Selection.values:
        raise ValidationError({"selection": _("请选择公布范围")})
    top_n, entries = None, []
    if selection == Selection.TOP:
        top_n = data.get("top_n")
        count = RoundEntry.objects.filter(round=rnd).count()
        if not isinstance(top_n, int) or not 1 <= top_n <= max(count, 1):
            raise ValidationError({"top_n": _("前N位须在1至{n}之间").format(n=count)})
    elif selection == Selection.CHOSEN:
        entries = chosen_entries(rnd, data.get("chosen") or [])
    publication = ResultPublication.objects.create(
        round=rnd, title=title, kind=kind, note=note, selection=selection, top_n=top_n,
        published_by=actor if getattr(actor, "is_authenticated", False) else None, published_at=now or timezone.now())
    if entries:
        publication.entries.set(entries)
    audit_record(actor=actor, action=Action.CREATE, obj=publication, request=request,
                 after={**snapshot(publication), "entries": [e.organization_id for e in entries]})
    return publication


@transaction.atomic
def publication_withdraw(*, actor, publication, request=None, now=None) -> ResultPublication:
    _lock_round(publication.round)
    publication = ResultPublication.objects.select_for_update().get(pk=publication.pk)
    before = snapshot(publication)
    result_states.enter(publication, "withdraw")
    publication.withdrawn_by = actor if getattr(actor, "is_authenticated", False) else None
    publication.withdrawn_at = now or timezone.now()
    publication.save(update_fields=["status", "withdrawn_by", "withdrawn_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=publication, before=before, after=snapshot(publication),
                 request=request, note=str(result_states.STEPS["withdraw"].label))
    return publication
