"""Polls for the tests: a 三述一评 / two-way poll of township A over its branch's secretary, with members and invited
voters, opened; a survey of the district over both villages."""

from datetime import timedelta

from django.utils import timezone

from apps.ballots import services
from apps.ballots.models import Channel, ItemKind, PollKind, VoterKind
from tests.factories import make_member


def poll(tree, kind=PollKind.TWO_WAY, *, actor="district_admin", org=None, title="2026年度民主测评", **data):
    return services.poll_create(actor=tree.users[actor] if actor else None, organization=org or tree.town_a, kind=kind,
                                data={"year": 2026, "title": title, **data})


def open_two_way(tree, *, members=3, invited=1, slots=1, online=True):
    """An open two-way poll of township A on branch A's committee: `members` members online, invited paper voters."""
    p = poll(tree, PollKind.TWO_WAY, anonymous_slots=slots)
    services.subject_add(actor=None, poll=p, name="甲村党支部委员会", organization=tree.branch_a)
    people = [tree.member_a] + [make_member(tree.branch_a, f"党员{i}") for i in range(members - 1)]
    services.voters_add_members(actor=None, poll=p, members=people, channel=Channel.ONLINE if online else Channel.PAPER)
    for i in range(invited):
        services.voter_add(actor=None, poll=p, kind=VoterKind.INVITED, name=f"代表{i}")
    return services.poll_open(actor=None, poll=p)


def full_ratings(p, option=0, subject=None):
    """Every rating item of every subject (or one) answered with `option`."""
    subjects = [subject] if subject else list(p.subjects.all())
    return {f"{s.pk}:{i.pk}": option for s in subjects for i in p.items.filter(kind=ItemKind.RATING)}


def text_key(p, subject=None):
    s = subject or p.subjects.first()
    return f"{s.pk}:{p.items.filter(kind=ItemKind.TEXT).first().pk}"


def all_codes(p):
    """Every code of an open poll in plain text: the online members' (sealed on their rows) and the slips."""
    from apps.core.crypto import decrypt

    online = [decrypt(v.sealed_code) for v in p.voters.exclude(sealed_code="")]
    return online + services.slip_codes(p)


def past_close(p):
    p.closes_at = timezone.now() - timedelta(minutes=1)
    p.save(update_fields=["closes_at"])
