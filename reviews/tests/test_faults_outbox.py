"""Faults: Redis, the broker, stops while a round is closed. The close is stored and the
page answers at once; the tally waits in the outbox (campaign/infra/outbox.py) and runs when
Redis returns, with nobody doing anything.

Everything is real and in processes of its own: a Redis of the test's own, gunicorn, and
a prefork worker and beat, all on the test database."""

import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from campaign.infra.models import OutboxEntry
from campaign.tests.fault_services import CeleryBeat, CeleryWorker, Gunicorn, PrivateRedis, request, wait_for
from reviews.models import EvaluationRound, RemedialRectification, RoundState, TallyResult
from reviews.tests.factories import open_round_with_votes

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def broker_web_and_worker(tmp_path):
    redis = PrivateRedis()
    redis.start()
    # Beat looks at the outbox every second here, not every minute.
    environment = {"REDIS_URL": redis.url, "OUTBOX_SEND_SECONDS": "1", "OUTBOX_GRACE_SECONDS": "1"}
    web = Gunicorn(**environment)
    worker = CeleryWorker("celery", **environment)
    beat = CeleryBeat(tmp_path / "beat-schedule", **environment)
    yield redis, web.port
    beat.close()
    worker.close()
    web.close()
    redis.close()


def logged_in_cookies(user) -> dict:
    """A session of ``user`` in the database, which gunicorn shares."""
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


def post_form(port: int, page: str, action: str, cookies: dict) -> tuple[int, float]:
    """Open the page that holds the form, then post the form with its CSRF token, as the
    browser does: (status, seconds the POST took)."""
    header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    status, headers, body, _seconds = request(port, "GET", page, headers={"Cookie": header})
    assert status == 200, f"GET {page}: {status}"
    csrf = SimpleCookie()
    for line in headers.get_all("Set-Cookie") or []:
        csrf.load(line)
    header += f"; csrftoken={csrf['csrftoken'].value}"
    form = {"csrfmiddlewaretoken": CSRF_FIELD.search(body).group(1)}
    status, _headers, _body, seconds = request(
        port,
        "POST",
        action,
        body=urlencode(form),
        headers={"Cookie": header, "Content-Type": "application/x-www-form-urlencoded"},
    )
    return status, seconds


def test_a_round_closed_while_redis_is_down_is_tallied_when_redis_returns(county, campaign, broker_web_and_worker):
    redis, port = broker_web_and_worker
    evaluation_round = open_round_with_votes(county, campaign)
    cookies = logged_in_cookies(county.secretary_user_a1)
    page = reverse("reviews:round", args=[evaluation_round.pk])

    redis.stop()
    status, seconds = post_form(port, page, reverse("reviews:round_close", args=[evaluation_round.pk]), cookies)

    # Before the outbox: the close committed, then queueing the tally raised, and the
    # secretary got the error page for a round that was closed with no tally coming.
    assert status == 302 and seconds < 10
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).state == RoundState.CLOSED
    entry = OutboxEntry.objects.get()
    assert entry.task == "reviews.tasks.tally_round" and entry.attempts >= 1
    # The rest of the site serves on meanwhile.
    header = {"Cookie": f"sessionid={cookies['sessionid']}"}
    assert request(port, "GET", page, headers=header)[0] == 200
    assert request(port, "GET", "/", headers=header)[0] == 200

    redis.start()  # empty, as after a restart: the tally's message exists only in the outbox

    def tallied() -> bool:
        return EvaluationRound.objects.get(pk=evaluation_round.pk).state == RoundState.TALLIED

    wait_for(tallied, "the tally to run once Redis is back", seconds=120, every=0.5)
    assert not OutboxEntry.objects.exists()
    subjects = evaluation_round.subjects.count()
    assert TallyResult.objects.filter(round=evaluation_round, category="").count() == subjects
    assert TallyResult.objects.filter(round=evaluation_round, below_threshold=True).count() == 1
    assert RemedialRectification.objects.filter(round=evaluation_round).count() == 1
