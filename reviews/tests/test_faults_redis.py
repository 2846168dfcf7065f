"""Faults: Redis stops on evaluation day. The form pages still serve and forms still
save (held in PostgreSQL for their batch, which needs no Redis); the guessing limit
pauses and resumes with Redis.

The test starts a Redis of its own on a free port (the machine's shared Redis is left
alone), points the cache at it, stops it in the middle of casting and starts it again."""

import pytest
from django.core.cache import caches

from campaign.tests.fault_services import PrivateRedis, cast_over_http
from orgs.scoping import unscoped
from reviews.models import Ballot, EvaluationCode, EvaluationSubject, RoundState
from reviews.tests.factories import forms_out, make_round

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_redis(settings):
    redis = PrivateRedis()
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "campaign.infra.cache.ReusingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield redis
    redis.close()
    caches["default"].close()


def test_forms_are_cast_while_redis_is_down_and_the_guessing_limit_resumes_with_it(
    live_server, private_redis, campaign, county
):
    with unscoped("test"):
        evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
        codes = list(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
        subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True))

    assert cast_over_http(live_server.url, codes[0], subjects) == (200, 302)

    private_redis.stop()
    assert cast_over_http(live_server.url, codes[1], subjects) == (200, 302)
    assert cast_over_http(live_server.url, codes[2], subjects) == (200, 302)
    # A wrong code is still refused, just not counted.
    assert cast_over_http(live_server.url, "ZZZZZZZZZZ", subjects)[0] == 404

    private_redis.start()
    assert cast_over_http(live_server.url, codes[3], subjects) == (200, 302)
    with unscoped("test"):
        forms_out(evaluation_round)
        assert Ballot.objects.filter(round=evaluation_round).count() == 4
        assert EvaluationCode.objects.filter(round=evaluation_round, used=True).count() == 4
    # Counting wrong codes works again once Redis is back.
    from reviews.public_ballot import FAILURE_LIMIT

    for _ in range(FAILURE_LIMIT):
        cast_over_http(live_server.url, "ZZZZZZZZZZ", subjects)
    assert cast_over_http(live_server.url, codes[4], subjects)[0] == 429
