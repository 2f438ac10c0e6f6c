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
from apps.orgs import picker

from .models import Code, CodeBatch, Comment, Item, Objection, PhoneEntry, Poll, PollKind, Subject, TallyCell, Voter

BALLOT_VIEW = "ballot.view"
BALLOT_MANAGE = "ballot.manage"
SURVEY_RUN = "survey.run"

policy.register_capability(BALLOT_VIEW, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN, Role.SECRETARY))
policy.register_capability(BALLOT_MANAGE, (Role.DISTRICT_ADMIN, Role.ORG_ADMIN))
policy.register_capability(SURVEY_RUN, (Role.DISTRICT_ADMIN, Role.SURVEY_EVALUATOR))
# The survey's organization is chosen with the picker under SURVEY_RUN (the evaluator holds no other capability).
picker.allow_capability(SURVEY_RUN)
picker.allow_capability(BALLOT_MANAGE)
# The evaluator's whole platform (apps.access.middleware refuses every other page): the survey pages, the generic step
# view (open, close, publish), voting and 公示, the organization picker (it checks SURVEY_RUN itself), their own
# account, the home page (it sends them to the surveys), the language switch, and the public pages anyone opens. The
# user and role pages are left to their own view, which refuses them and records the attempt (三员分立: a refused
# grant is audited).
policy.confine_role(Role.SURVEY_EVALUATOR,
                    names=("ballots:survey_*", "ballots:poll_step", "orgs:pick", "dashboards:home", "accounts:profile",
                           "accounts:login", "accounts:logout", "accounts:users", "accounts:user_detail",
                           "set_language", "favicon", "healthz", "readyz"),
                    namespaces=("vote", "publicity", "report", "stars", "open311", "honours", "results"))



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
