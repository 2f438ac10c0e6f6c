"""What apps built on the organization tree add to its rules, registered from their AppConfig.ready().

The organization app is the base of the domain: it imports none of the apps that hang their data on an
organization. An app whose rows keep an organization from being dissolved (撤销) — the member registry: an
organization with members must first transfer them — says so here, and `services.org_dissolve` asks every check.
"""

from collections.abc import Callable

_dissolve_checks: dict[str, Callable] = {}


def register_dissolve_check(key: str, check: Callable) -> None:
    """`check(org) -> str | None`: why `org` may not be dissolved (the message shown), or None. Checks run in the
    order they were registered, after the organization app's own (existing sub-organizations)."""
    if key in _dissolve_checks:
        raise RuntimeError(f"dissolve check {key!r} is already registered")
    _dissolve_checks[key] = check


_move_watchers: dict[str, Callable] = {}


def register_move_watcher(key: str, watcher: Callable) -> None:
    """`watcher(org) -> Callable | None`: called in `services.org_move`'s transaction before `org`'s subtree
    moves; what it returns is called after the move, in the same transaction — for rows that store an ancestor of
    the subtree's organizations (the case roll-ups store a village's township)."""
    if key in _move_watchers:
        raise RuntimeError(f"move watcher {key!r} is already registered")
    _move_watchers[key] = watcher


def before_move(org) -> list:
    """The watchers' calls to make once `org`'s subtree has moved."""
    return [after for watcher in _move_watchers.values() if (after := watcher(org)) is not None]


def dissolve_refusal(org) -> str | None:
    """The first reason an organization may not be dissolved, or None."""
    for check in _dissolve_checks.values():
        message = check(org)
        if message:
            return message
    return None


_class_watchers: dict[str, Callable] = {}


def register_class_watcher(key: str, watcher: Callable) -> None:
    """`watcher(changes)`, changes a list of (organization_id, (domain, class) before, (domain, class) after): called
    in the transaction of the write that changed what the rules of organizational life see of those organizations —
    their class (counting.org_class: dissolved, 党小组, 党支部 with or without a 支部委员会, other) or their domain —
    after the organizations' own counts changed, for rows kept by (domain, class) under every ancestor (the records
    app's fulfilment roll-ups)."""
    if key in _class_watchers:
        raise RuntimeError(f"class watcher {key!r} is already registered")
    _class_watchers[key] = watcher


def class_changed(changes: list) -> None:
    if changes:
        for watcher in _class_watchers.values():
            watcher(changes)
