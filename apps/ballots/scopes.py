"""How polls are scoped (imported from AppConfig.ready()).

- A poll belongs to the organization that holds it: BALLOT_VIEW in a subtree containing it reads it (the default
  rule); BALLOT_MANAGE sets it up, opens, closes, publishes. Its subjects, items, voters, batches, codes, cells,
  comments and objections are in scope exactly when it is.
- A subject's reporter (the leader being evaluated) writes their own reports, and a voter sees their own code once:
  those checks are on the row in hand (services), not scopes.
- SURVEY_RUN: running a resident survey (codes, paper answers, the aggregated results) — a district administrator, and
  the external evaluator's role, which holds nothing else.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping
from apps.access.models import Role

from .models import Code, CodeBatch, Comment, Item, Objection, PhoneEntry, Poll, PollKind, Subject, TallyCell, Voter

BALLOT_VIEW = "ballot.view"
BALLOT_MANAGE = "ballot.manage"
SURVEY_RUN = "survey.run"

policy.register_capability(BALLOT_VIEW, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY))
policy.register_capability(BALLOT_MANAGE, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN))
policy.register_capability(SURVEY_RUN, (Role.DISTRICT_ADMIN,))



def _surveys_run(user):
    """The surveys where the user holds SURVEY_RUN (the evaluator holds it on the district; on no other kind of poll)."""
    return policy.subtree_q(policy.scope_paths(user, SURVEY_RUN), "organization__path") & Q(kind=PollKind.SURVEY)


def _visible(user, capability):
    if capability == SURVEY_RUN:
        return _surveys_run(user)
    if capability == BALLOT_VIEW:
        q = policy.subtree_q(policy.scope_paths(user, BALLOT_VIEW), "organization__path")
        if not q.children and not q.negated:  # everything (the whole tree): `Q() | x` would be x alone
            return q
        return q | _surveys_run(user)
    return None


def _check(user, capability, poll):
    in_run = poll.kind == PollKind.SURVEY and policy.in_paths(poll.organization.path, policy.scope_paths(user, SURVEY_RUN))
    if capability == SURVEY_RUN:
        return in_run
    if capability == BALLOT_VIEW and in_run:
        return True
    return None


scoping.register(Poll, org_path="organization__path", view=BALLOT_VIEW, label=_("测评"), related=("organization",),
                 visible=_visible, check=_check)
for model, label in ((Subject, _("测评对象")), (Item, _("测评项目")), (Voter, _("参评人员")), (CodeBatch, _("测评码批次")),
                     (Code, _("测评码")), (PhoneEntry, _("抽样电话")), (TallyCell, _("计票")), (Comment, _("意见建议")),
                     (Objection, _("公示异议"))):
    scoping.register_child(model, parent=Poll, via="poll", label=label)
