"""Guessing codes is slowed down: too many failed codes from one address and it waits."""

import datetime
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from reviews.models import Ballot, EvaluationCode, EvaluationSubject, EvaluatorCategory, RoundState
from reviews.public_ballot import BLOCK_SECONDS, FAILURE_LIMIT
from reviews.tests.factories import make_round

GUESSER = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A fresh in-memory cache, whatever REDIS_URL says, so counts start at zero."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ballot-rate-limit"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_round(campaign, county):
    return make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={EvaluatorCategory.PUBLIC: 30})


def codes(evaluation_round):
    return list(EvaluationCode.objects.filter(round=evaluation_round).order_by("pk").values_list("code", flat=True))


def form_data(evaluation_round):
    return {
        f"choice_{pk}": "satisfied"
        for pk in EvaluationSubject.objects.filter(round=evaluation_round).values_list("pk", flat=True)
    }


def guess(client, number, address=GUESSER, method="get"):
    url = reverse("ballot:form", args=[f"WRONG{number:05d}"])
    return getattr(client, method)(url, REMOTE_ADDR=address)


def test_after_twenty_failed_codes_the_address_waits_even_with_a_real_code(client, open_round):
    for number in range(FAILURE_LIMIT):
        assert guess(client, number).status_code == 404

    blocked = client.get(reverse("ballot:form", args=[codes(open_round)[0]]), REMOTE_ADDR=GUESSER)
    posted = client.post(
        reverse("ballot:form", args=[codes(open_round)[0]]), form_data(open_round), REMOTE_ADDR=GUESSER
    )
    typed = client.post(reverse("ballot:enter"), {"code": codes(open_round)[0]}, REMOTE_ADDR=GUESSER)

    for response in (blocked, posted, typed):
        assert response.status_code == 429
        assert "尝试次数过多" in response.content.decode()
    assert not Ballot.objects.exists()
    assert not EvaluationCode.objects.filter(used=True).exists()


def test_nineteen_failures_still_let_a_real_code_through(client, open_round):
    for number in range(FAILURE_LIMIT - 1):
        guess(client, number, method="post")

    response = client.get(reverse("ballot:form", args=[codes(open_round)[0]]), REMOTE_ADDR=GUESSER)

    assert response.status_code == 200


def test_other_addresses_are_not_held_up(client, open_round):
    for number in range(FAILURE_LIMIT):
        guess(client, number)

    response = client.get(reverse("ballot:form", args=[codes(open_round)[0]]), REMOTE_ADDR=NEIGHBOUR)

    assert response.status_code == 200


def test_used_codes_count_as_failures_but_successful_forms_do_not(client, open_round):
    """A meeting hall behind one address: many good forms, a few retries of used codes."""
    data = form_data(open_round)
    used = codes(open_round)[:25]
    for code in used:
        assert client.post(reverse("ballot:form", args=[code]), data, REMOTE_ADDR=GUESSER).status_code == 302
    for code in used[: FAILURE_LIMIT - 1]:
        assert client.get(reverse("ballot:form", args=[code]), REMOTE_ADDR=GUESSER).status_code == 409

    assert client.get(reverse("ballot:form", args=[codes(open_round)[25]]), REMOTE_ADDR=GUESSER).status_code == 200
    assert client.get(reverse("ballot:form", args=[used[0]]), REMOTE_ADDR=GUESSER).status_code == 409
    assert client.get(reverse("ballot:form", args=[codes(open_round)[25]]), REMOTE_ADDR=GUESSER).status_code == 429


def test_codes_of_a_round_not_open_do_not_count(client, campaign, county):
    now = timezone.now()
    later = make_round(
        campaign,
        county.branch_a1,
        state=RoundState.OPEN,
        opens_at=now + datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=2),
    )
    code = codes(later)[0]
    for _ in range(FAILURE_LIMIT + 5):
        assert client.get(reverse("ballot:form", args=[code]), REMOTE_ADDR=GUESSER).status_code == 403


def test_the_wait_ends_after_ten_minutes(client, open_round, monkeypatch):
    for number in range(FAILURE_LIMIT):
        guess(client, number)
    url = reverse("ballot:form", args=[codes(open_round)[0]])
    assert client.get(url, REMOTE_ADDR=GUESSER).status_code == 429

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + BLOCK_SECONDS - 30)
    assert client.get(url, REMOTE_ADDR=GUESSER).status_code == 429
    monkeypatch.setattr(time, "time", lambda: real_time() + BLOCK_SECONDS + 1)
    assert client.get(url, REMOTE_ADDR=GUESSER).status_code == 200


def test_the_address_is_kept_only_as_a_keyed_hash_in_the_cache(client, open_round):
    guess(client, 1)

    keys = [key for key in cache._cache]  # locmem's own store
    assert keys and not any(GUESSER in key for key in keys)
