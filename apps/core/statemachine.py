"""A status table, written once per entity (assessment's states.py, round_states.py, records' states.py, …): how each
status shows (`State`: its badge) and, for every step, the statuses it is allowed from, the status it leads to and why
it is refused from any other (`Step`). `Machine(states, steps)` answers from that table: the services refuse a step
(`check`) or take it (`enter`), the pages ask `state` and `available` (a model's `state` / `may`), so no page or
service spells out the statuses a step needs.

An entity's module declares its two tables and hands out the machine's answers under its own names:

    STATES = {Status.DRAFT: State(Status.DRAFT, "text-bg-secondary"), ...}
    STEPS = {"publish": Step(_("发布"), (Status.DRAFT,), Status.PUBLISHED, _("只有草稿可以发布")), ...}
    state, allows, check, enter, available = Machine(STATES, STEPS).functions()

A model mixes in `Stateful` naming its module (`STATE_TABLE`) for `obj.state` and `obj.may`.

A table needing more subclasses State (a flag of its own) or Step (`permits`: judged on more than the status).
"""

from dataclasses import dataclass
from importlib import import_module

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class State:
    key: str  # the choices' member (its label is the status's name)
    badge: str  # how the status shows as a badge

    @property
    def label(self):
        return getattr(self.key, "label", self.key)


@dataclass(frozen=True)
class Step:
    label: str
    allowed_from: tuple[str, ...]
    leads_to: str | None  # None: the status stays (or the object goes)
    refusal: str  # why the step is refused from any other status ("": a step no status refuses)

    def permits(self, obj) -> bool:
        """Whether the object's status allows the step (a subclass may judge more)."""
        return obj.status in self.allowed_from


class Machine:
    def __init__(self, states: dict, steps: dict):
        self.states, self.steps = states, steps

    def state(self, obj) -> State:
        return self.states[obj.status]

    def allows(self, name, obj) -> bool:
        return self.steps[name].permits(obj)

    def check(self, obj, name):
        """Refuse the step (ValidationError with the step's reason) unless the table allows it."""
        if not self.allows(name, obj):
            raise ValidationError(str(self.steps[name].refusal))

    def enter(self, obj, name):
        """The object takes the step: refused unless the table allows it; then the status it leads to."""
        self.check(obj, name)
        if self.steps[name].leads_to is not None:
            obj.status = self.steps[name].leads_to

    def available(self, obj) -> dict:
        """{step: allowed} for the pages (`obj.may.publish`); who may take a step is the views' and the policy's."""
        return {name: self.allows(name, obj) for name in self.steps}

    def functions(self):
        """(state, allows, check, enter, available): an entity module's public functions."""
        return self.state, self.allows, self.check, self.enter, self.available


class Stateful:
    """A model's status as the pages ask about it (`obj.state.badge`, `obj.may.publish`), from its table: the module
    named by STATE_TABLE, its functions named by STATE_FUNCTIONS (imported when asked: the table imports the model)."""

    STATE_TABLE = ""
    STATE_FUNCTIONS = ("state", "available")

    @property
    def state(self):
        return getattr(import_module(self.STATE_TABLE), self.STATE_FUNCTIONS[0])(self)

    @property
    def may(self):
        return getattr(import_module(self.STATE_TABLE), self.STATE_FUNCTIONS[1])(self)
