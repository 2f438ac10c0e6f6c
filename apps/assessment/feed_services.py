"""Pulling deduction and bonus items from their sources (feeds.py) into an open round.

For each leaf of the round's system naming a feed (Indicator.item_feed), the feed's items of the round's
organizations within the round's period become ScoreItems, exactly as score_item_add would add them: under the
same locks (the round's row FOR SHARE, then the entry's row, then the score's), counted against the same cap, and
audited in the same transaction. Each item carries its `source_ref`, unique per score, so pulling again adds only
what is new; an item beyond the cap is skipped and reported (never silently dropped), as is an item dated outside
the period (a feed's own mistake).
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Action, audit_bulk, audit_record, build_event, snapshot

from . import feeds, round_states
from .models import Method
from .round_models import RoundEntry, Score, ScoreItem
from .round_services import _lock_entry, _lock_round, _lock_score, _recount_total, item_points, leaf_indicators


@dataclass
class PullReport:
    added: int = 0
    already: int = 0
    over_cap: list = field(default_factory=list)  # (organization name, indicator name, what)
    out_of_period: int = 0

    def message(self) -> str:
        text = _("已提取{added}项，已有{already}项").format(added=self.added, already=self.already)
        if self.over_cap:
            text += _("；{n}项超出该指标的扣（加）分上限，未计入").format(n=len(self.over_cap))
        if self.out_of_period:
            text += _("；{n}项不在考核期间内，未计入").format(n=self.out_of_period)
        return text


def _clean(entry):
    return {"ref": str(entry.get("ref") or "")[:100], "what": str(entry.get("what") or "").replace("\x00", "")[:200],
            "happened_on": entry.get("happened_on"), "note": str(entry.get("note") or "").replace("\x00", "")[:500],
            "url": _local(str(entry.get("url") or ""))[:300]}


def _local(url):
    """Only a page of this site (a path): never another site's address nor a script."""
    return url if url.startswith("/") and not url.startswith("//") else ""


@transaction.atomic
def round_items_pull(*, actor, round, request=None, now=None) -> PullReport:
    rnd = _lock_round(round, share=True)
    round_states.check_scoring(rnd, now)
    now = now or timezone.now()
    leaves = [leaf for leaf in leaf_indicators(rnd.system)
              if leaf.item_feed and leaf.method in (Method.DEDUCTION, Method.BONUS)]
    report = PullReport()
    entries = {e.organization_id: e for e in RoundEntry.objects.filter(round=rnd).select_related("organization")}
    # {entry pk: {leaf pk: [items]}}: what each score may receive, read before any lock is taken.
    wanted = {}
    for key in dict.fromkeys(leaf.item_feed for leaf in leaves):
        found = feeds.items(key, list(entries), rnd.period_start, rnd.period_end)
        for org_id, rows in found.items():
            entry = entries.get(org_id)
            if entry is None:
                continue
            for leaf in (leaf for leaf in leaves if leaf.item_feed == key):
                wanted.setdefault(entry.pk, {}).setdefault(leaf.pk, []).extend(_clean(r) for r in rows)
    events = []
    by_pk = {e.pk: e for e in entries.values()}
    for entry_pk in sorted(wanted):
        entry = _lock_entry(entry_pk)
        org = by_pk[entry_pk].organization
        changed = False
        for leaf_pk, rows in wanted[entry_pk].items():
            score_pk = Score.objects.filter(entry_id=entry_pk, indicator_id=leaf_pk).values_list("pk", flat=True).first()
            if score_pk is None:
                continue
            score = _lock_score(score_pk)
            indicator = score.indicator
            cap = indicator.cap or indicator.max_points
            have = set(score.items.exclude(source_ref="").values_list("source_ref", flat=True))
            before = snapshot(score)
            added = 0
            for row in sorted(rows, key=lambda r: (str(r["happened_on"]), r["ref"])):
                if not row["ref"] or not row["what"]:
                    continue
                if row["ref"] in have:
                    report.already += 1
                    continue
                day = row["happened_on"]
                if not hasattr(day, "isoformat") or not rnd.period_start <= day <= rnd.period_end:
                    report.out_of_period += 1
                    continue
                if score.item_count * (indicator.points_per or 0) >= cap:
                    report.over_cap.append((org.name, indicator.name, row["what"]))
                    continue
                item = ScoreItem.objects.create(score=score, what=row["what"], happened_on=day, note=row["note"],
                                                source_ref=row["ref"], url=row["url"], created_by=actor)
                have.add(row["ref"])
                score.item_count += 1
                added += 1
                events.append(build_event(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item),
                                          request=request, organization=org))
            if added:
                score.points = item_points(indicator, score.item_count)
                score.scored_by, score.scored_at = actor, now
                score.save()
                events.append(build_event(actor=actor, action=Action.UPDATE, obj=score, before=before,
                                          after=snapshot(score), request=request, organization=org))
                report.added += added
                changed = True
        if changed:
            _recount_total(entry)
    audit_bulk(events)
    audit_record(actor=actor, action=Action.UPDATE, obj=rnd, request=request, note=_("提取扣（加）分事项：{m}").format(
        m=report.message()))
    return report
