"""The life of a published result, written once (like round_states.py):

    已发布 (published) ──撤回──▶ 已撤回 (withdrawn)

Only a closed round is published (round_states STEPS["publish"]); a withdrawn publication is off the public page for
good and stays as the record of what was shown; the round may be published again (a new row).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from apps.core import statemachine
from apps.core.statemachine import Machine, Step

from .result_models import PublicationStatus


@dataclass(frozen=True)
class State(statemachine.State):
    public: bool = False  # shown on /results/


STATES = {
    PublicationStatus.PUBLISHED: State(PublicationStatus.PUBLISHED, "text-bg-success", True),
    PublicationStatus.WITHDRAWN: State(PublicationStatus.WITHDRAWN, "text-bg-secondary", False),
}
PUBLIC_STATUSES = tuple(key for key, s in STATES.items() if s.public)

STEPS = {
    "withdraw": Step(_("撤回"), (PublicationStatus.PUBLISHED,), PublicationStatus.WITHDRAWN, _("该结果已撤回")),
}

state, allows, check, enter, available = Machine(STATES, STEPS).functions()
