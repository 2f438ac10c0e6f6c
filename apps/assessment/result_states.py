"""The life of a published result, written once (like round_states.py):

    已发布 (published) ──撤回──▶ 已撤回 (withdrawn)

Only a closed round is published (round_states STEPS["publish"]); a withdrawn publication is off the public page for
good and stays as the record of what was shown; the round may be published again (a new row).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .result_models import PublicationStatus


@dataclass(frozen=True)
class State:
    key: str
    badge: str
    public: bool  # shown on /results/

    @property
    def label(self):
        return PublicationStatus(self.key).label


@dataclass(frozen=True)
class Step:
    label: str
    allowed_from: tuple[str, ...]
    leads_to: str | None
    refusal: str


STATES = {
    PublicationStatus.PUBLISHED: State(PublicationStatus.PUBLISHED, "text-bg-success", True),
    PublicationStatus.WITHDRAWN: State(PublicationStatus.WITHDRAWN, "text-bg-secondary", False),
}
PUBLIC_STATUSES = tuple(key for key, s in STATES.items() if s.public)

STEPS = {
    "withdraw": Step(_("撤回"), (PublicationStatus.PUBLISHED,), PublicationStatus.WITHDRAWN, _("该结果已撤回")),
}


def state(publication) -> State:
    return STATES[publication.status]


def allows(name, publication) -> bool:
    return publication.status in STEPS[name].allowed_from


def check(publication, name):
    if not allows(name, publication):
        raise ValidationError(str(STEPS[name].refusal))


def enter(publication, name):
    check(publication, name)
    if STEPS[name].leads_to is not None:
        publication.status = STEPS[name].leads_to


def available(publication) -> dict:
    return {name: allows(name, publication) for name in STEPS}
