"""The public form's challenge with its one-time nonces in Redis (REDIS_URL set, several servers): a token is good
for one answer, whichever server the second post reaches, and of parallel posts of one token one is accepted."""

import pytest
from django.core.exceptions import ValidationError

from apps.cases import challenge
from apps.core import ratelimit_redis
from apps.core.models import RateCounter
from tests.parallel import run_parallel
from tests.redis_store import own_keys, use_redis


@pytest.fixture
def redis_store(settings, worker_id):
    yield from use_redis(settings, worker_id)


@pytest.mark.django_db
def test_a_challenge_token_is_good_for_one_answer_only(redis_store, settings):
    settings.CASE_CHALLENGE_MINUTES = 30
    token = challenge.new_challenge()
    answer = challenge.peek_answer(token)
    challenge.verify(token, answer)
    ratelimit_redis._stores.clear()  # the second post reaches another server: its own client and pool
    with pytest.raises(ValidationError, match="已使用"):
        challenge.verify(token, answer)
    spent = [k for k in own_keys(redis_store) if ":once:case-challenge:" in k]
    assert len(spent) == 1 and 30 * 60 < redis_store.ttl(spent[0]) <= 31 * 60
    assert not RateCounter.objects.exists()  # nothing in the database


@pytest.mark.django_db
def test_a_wrong_answer_spends_the_token_too(redis_store):
    token = challenge.new_challenge()
    with pytest.raises(ValidationError, match="不正确"):
        challenge.verify(token, challenge.peek_answer(token) + 1)
    with pytest.raises(ValidationError, match="已使用"):
        challenge.verify(token, challenge.peek_answer(token))


@pytest.mark.django_db
def test_twenty_parallel_answers_with_one_token_one_is_accepted(redis_store):
    token = challenge.new_challenge()
    answer = challenge.peek_answer(token)

    def post(i):
        try:
            challenge.verify(token, answer)
            return True
        except ValidationError:
            return False

    assert sum(run_parallel(20, post)) == 1
