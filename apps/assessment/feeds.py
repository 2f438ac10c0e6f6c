"""Sources of deduction and bonus items (扣（加）分事项来源): a registry any part of the project fills from its
AppConfig.ready(), so a deduction or bonus indicator can name one (Indicator.item_feed) and a round pull its items
(feed_services.round_items_pull) instead of an assessor typing them one by one.

    feeds.register("duties.violations", _("负面清单检查：违反"), duty_selectors.violations)

A feed is `function(org_ids, start, end) -> {org_id: [dict(ref=str, what=str, happened_on=date, note=str, url=str)]}`:
the items of those organizations that happened between start and end (dates, both included). `ref` is stable and
unique within the feed (the pull adds an item once per score, whatever the number of pulls); `url` is the page
behind the item (shown beside it on the score sheet); `note` and `url` may be empty.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Feed:
    key: str
    label: str
    function: Callable


_feeds: dict[str, Feed] = {}


def register(key, label, function) -> Feed:
    """Declare a source. Registering a key twice is a programming error."""
    if key in _feeds:
        raise RuntimeError(f"feed {key} is already registered")
    if not key or len(key) > 60:
        raise ValueError("a feed's key has 1–60 characters")
    feed = Feed(key, label, function)
    _feeds[key] = feed
    return feed


def unregister(key):
    """For tests that register a feed of their own."""
    _feeds.pop(key, None)


def get(key) -> Feed | None:
    return _feeds.get(key)


def choices() -> list[tuple[str, str]]:
    return [(f.key, f.label) for f in _feeds.values()]


def items(key, org_ids, start, end) -> dict:
    """The feed's items by organization (an unknown key: none)."""
    feed = _feeds.get(key)
    if feed is None or not org_ids:
        return {}
    return feed.function(list(org_ids), start, end)
