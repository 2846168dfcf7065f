"""/health/: for load balancers and monitors. An anonymous caller learns whether the
site (and, with ?worker=1, a worker) answers, nothing about the data; the worker probe
is queued at most once per interval, however often it is asked."""

import pytest
from django.core.cache import cache

from campaign.home import views
from campaign.home.tasks import health_probe
from orgs.tests.factories import make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_probe():
    cache.delete(views.WORKER_PROBE_CACHE_KEY)
    cache.delete(views.WORKER_PROBE_LOCK_KEY)
    yield
    cache.delete(views.WORKER_PROBE_CACHE_KEY)
    cache.delete(views.WORKER_PROBE_LOCK_KEY)


@pytest.fixture
def probes(monkeypatch):
    """Counts the probes queued; each runs in-process as without a broker."""
    queued = []
    delay = health_probe.delay

    def counting_delay(*args, **kwargs):
        queued.append(1)
        return delay(*args, **kwargs)

    monkeypatch.setattr(health_probe, "delay", counting_delay)
    return queued


def test_an_anonymous_caller_gets_the_status_only(client, probes):
    make_organization("测试县委", kind="county")
    for url in ("/health/", "/health/?worker=1"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}, url


def test_the_worker_probe_is_queued_once_per_interval_and_its_result_reused(client, probes):
    for _ in range(5):
        assert client.get("/health/?worker=1").json() == {"status": "ok"}
    assert len(probes) == 1


def test_after_the_interval_a_new_probe_is_queued(client, probes, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(views.time, "time", lambda: now[0])
    client.get("/health/?worker=1")
    now[0] += views.WORKER_PROBE_INTERVAL_SECONDS + 1
    client.get("/health/?worker=1")
    assert len(probes) == 2


def test_a_timed_out_probe_is_reported_and_reused_too(client, monkeypatch):
    from celery.exceptions import TimeoutError as CeleryTimeoutError

    queued = []

    class Stuck:
        def get(self, timeout):
            raise CeleryTimeoutError()

    monkeypatch.setattr(health_probe, "delay", lambda: queued.append(1) or Stuck())
    for _ in range(3):
        response = client.get("/health/?worker=1")
        assert response.status_code == 503 and response.json() == {"status": "worker-timeout"}
    assert len(queued) == 1


def test_staff_see_the_details(client, county, probes):
    county.office.is_staff = True
    county.office.save()
    client.force_login(county.office)
    body = client.get("/health/?worker=1").json()
    assert body["status"] == "ok" and body["database"] and body["broker"]
    assert body["worker"]["organizations"] > 0


def test_other_accounts_see_the_status_only(client, county, probes):
    client.force_login(county.secretary_user_a1)
    assert client.get("/health/?worker=1").json() == {"status": "ok"}
