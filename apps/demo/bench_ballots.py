
"""`make bench`, ballots (民主测评): a two-way questionnaire at a large meeting's size — BENCH_SUBJECTS committees × the four
rating items, BENCH_VOTERS codes — timed at the two writes that matter: casting one ballot (the code's row and the
poll's locked, the code marked used, the ballot queued) beside the bare two statements; and the close (the queue read,
shuffled and summed into the cells, the comments written, the queue deleted) beside reading the queue alone. Then the
results page and the public 公示 page of the counted poll beside their bare SQL.

Everything is written inside one transaction rolled back at the end (each timed cast and close in a savepoint rolled
back too), so the district stays as seeded."""

import random
import uuid

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from .bench import Figure, measure, median_ms

BENCH_SUBJECTS = 10
BENCH_VOTERS = 2000


def _poll(bench):
    """An open two-way questionnaire over BENCH_SUBJECTS branch committees (the same machinery as a 三述一评 once its
    reports are in), BENCH_VOTERS paper codes."""
    from apps.ballots import services
    from apps.ballots.models import PollKind
    from apps.orgs.models import Organization

    poll = services.poll_create(actor=bench.admin, organization=bench.root, kind=PollKind.TWO_WAY,
                                data={"year": 2026, "title": "基准：双向测评", "anonymous_slots": BENCH_VOTERS})
    branches = Organization.objects.filter(path__startswith=bench.root.path, kind="branch").order_by("path")
    for org in branches[:BENCH_SUBJECTS]:
        services.subject_add(actor=bench.admin, poll=poll, name=f"{org.name}委员会", organization=org)
    return services.poll_open(actor=bench.admin, poll=poll)


def run_ballots(bench):
    from apps.ballots import ballot_services, publicity_services, services
    from apps.ballots.models import Code, ItemKind, QueuedBallot

    bench.log(f"Ballots (民主测评), {bench.scope}:")
    rng = random.Random(13)
    with transaction.atomic():
        poll = _poll(bench)
        codes = services.slip_codes(poll)
        keys = [f"{s}:{i}" for s in poll.subjects.values_list("pk", flat=True)
                for i in poll.items.filter(kind=ItemKind.RATING).values_list("pk", flat=True)]
        text_item = poll.items.filter(kind=ItemKind.TEXT).first()

        def ballot():
            return {k: rng.choice((0, 0, 0, 1, 1, 2, 3)) for k in keys}

        spare = iter(codes[BENCH_VOTERS // 2:])

        def cast():
            point = transaction.savepoint()
            try:
                ballot_services.ballot_cast(poll=poll, code=next(spare), ratings=ballot())
            finally:
                transaction.savepoint_rollback(point)

        code_table, queue_table = Code._meta.db_table, QueuedBallot._meta.db_table

        def bare_cast():
            point = transaction.savepoint()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f'UPDATE "{code_table}" SET state = %s WHERE id = (SELECT id FROM "{code_table}" '
                                   f"WHERE poll_id = %s AND state = %s LIMIT 1)", ["used", poll.pk, "unused"])
                    cursor.execute(f'INSERT INTO "{queue_table}" (id, poll_id, answers) VALUES (%s, %s, %s)',
                                   [uuid.uuid4().hex if connection.vendor == "sqlite" else uuid.uuid4(), poll.pk,
                                    '{"r": {}, "t": {}}'])
            finally:
                transaction.savepoint_rollback(point)

        with CaptureQueriesContext(connection) as ctx:
            cast()
        queries = len(ctx.captured_queries)
        times, base = measure(cast, bare_cast, reps=bench.reps, budget=4.0, min_reps=10, max_reps=200)
        label = f"cast a ballot ({BENCH_SUBJECTS} subjects × {len(keys) // BENCH_SUBJECTS} items)"
        bench.figures.append(Figure(label, times, base, "UPDATE + INSERT", str(queries)))
        bench.log(f"  {label}: {median_ms(times):.1f} ms (bare {median_ms(base):.1f} ms), {queries} queries")

        # Half the codes vote (with a comment on one ballot in five), then the close is timed.
        for n, code in enumerate(codes[:BENCH_VOTERS // 2]):
            texts = {f"{poll.subjects.first().pk}:{text_item.pk}": f"建议{n}"} if n % 5 == 0 else {}
            ballot_services.ballot_cast(poll=poll, code=code, ratings=ballot(), texts=texts)

        def close():
            point = transaction.savepoint()
            try:
                services.poll_close(actor=bench.admin, poll=poll)
            finally:
                transaction.savepoint_rollback(point)

        def bare_close():
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT answers FROM "{queue_table}" WHERE poll_id = %s', [poll.pk])
                cursor.fetchall()

        with CaptureQueriesContext(connection) as ctx:
            close()
        queries = len(ctx.captured_queries)
        times, base = measure(close, bare_close, reps=bench.reps, budget=10.0, min_reps=3, max_reps=10)
        label = f"close and count {BENCH_VOTERS // 2:,} ballots × {len(keys)} cells"
        bench.figures.append(Figure(label, times, base, "read the queue", str(queries)))
        bench.log(f"  {label}: {median_ms(times):.1f} ms (bare read {median_ms(base):.1f} ms), {queries} queries")

        poll = services.poll_close(actor=bench.admin, poll=poll)
        poll = publicity_services.poll_publish(actor=bench.admin, poll=poll)
        bench.page("page poll results (10 subjects)", f"/ballots/{poll.pk}/results/")
        bench.page("page public 公示 (10 subjects)", f"/publicity/{poll.pk}/")
        transaction.set_rollback(True)  # leave the district as seeded
