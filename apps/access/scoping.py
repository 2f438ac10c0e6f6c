"""How each app's models map to an organization: declared by the app, applied by the access layer.

The access layer knows roles, organizations and subtrees; it knows no domain model. Each domain app
declares its scoped models in its own ``scopes.py`` (imported by its AppConfig.ready()):

    scoping.register(Member, org_path="organization__path", view=MEMBER_VIEW, label=_("党员"),
                     related=("organization",), extra_q=own_record, extra_can=is_own_record)

Then every read goes through ``policy.restrict`` / ``policy.get`` / ``policy.can`` with the model, and
a new app plugs in by registering, never by editing this package. The default rule: an object is in
scope for a capability when its organization lies in a subtree where the user holds that capability.
An app with a richer rule (a member's self-service, a case seen through the units assigned to it)
adds to it (``extra_q``/``extra_can``) or replaces it (``visible``/``check``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, Q


@dataclass(frozen=True)
class Scope:
    model: type[Model]
    # The lookup from the model to its organization's tree path ("path" for the organization itself).
    org_path: str
    # The capability that lets a user see the object: acting on a visible object without the right to act
    # is "forbidden" (403); an invisible one is "not found" (404), so its existence does not leak.
    view: str
    # The noun in "未找到该{label}".
    label: str
    related: tuple[str, ...] = ()
    # Capabilities this model understands besides the role table's (an evaluation's TAKE_PART); when one
    # maps to a role capability, the organization rule uses that one instead.
    aliases: dict[str, str | None] = field(default_factory=dict)
    # Added to the organization rule: (user, capability) -> Q | None, (user, capability, obj) -> bool.
    extra_q: Callable | None = None
    extra_can: Callable | None = None
    # Replacing the organization rule entirely: (user, capability) -> Q, (user, capability, obj) -> bool.
    visible: Callable | None = None
    check: Callable | None = None


_scopes: dict[type[Model], Scope] = {}


def register(model, **options) -> Scope:
    """Declare how `model` maps to an organization. Registering a model twice is a programming error."""
    model = model._meta.concrete_model
    if model in _scopes:
        raise RuntimeError(f"{model._meta.label} is already scoped")
    scope = Scope(model=model, **options)
    _scopes[model] = scope
    return scope


def scope_of(model_or_obj) -> Scope:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    try:
        return _scopes[model._meta.concrete_model]
    except KeyError:
        raise LookupError(f"{model._meta.label} has no access scope: register it in its app's scopes.py") from None


def scoped_models() -> list[type[Model]]:
    """Every model the access layer scopes (the checks that views never query them directly use this)."""
    return list(_scopes)


def path_of(obj, lookup: str) -> str | None:
    """Follow `lookup` ("organization__path") on an instance; None when a link on the way is empty."""
    value = obj
    for part in lookup.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def nothing() -> Q:
    return Q(pk__in=[])


def register_child(model, *, parent, via: str, label, related: tuple[str, ...] = ()) -> Scope:
    """Declare a model that is in scope exactly when its parent is (a case's photos, a record's files): the same
    lists, the same 404/403, through the parent's rule, whatever that rule is."""
    from . import policy  # the policy applies the registry; it is only needed once a request asks

    parent_scope = scope_of(parent)

    def visible(user, capability):
        return policy.child_q(parent_scope.model, via, user, capability)

    def check(user, capability, obj):
        return policy.can(user, capability, getattr(obj, via))

    related = (*(f"{via}__{r}" for r in parent_scope.related), via, *related)
    return register(model, org_path=f"{via}__{parent_scope.org_path}", view=parent_scope.view, label=label,
                    related=tuple(dict.fromkeys(related)), aliases=parent_scope.aliases, visible=visible, check=check)
