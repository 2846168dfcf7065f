import pytest
from django.core.cache import cache
from django.db import transaction

from campaign.home.tasks import health_probe
from campaign.home.views import WORKER_PROBE_CACHE_KEY
from orgs.tests.factories import make_organization


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_task_against_the_database(celery_worker_on_test_database):
    make_organization("测试县委", kind="county")
    make_organization("红湾寺镇党委", kind="committee", parent=None)
    result = health_probe.apply_async(queue=celery_worker_on_test_database)
    assert result.get(timeout=60) == {"database": "postgresql", "organizations": 2}


@pytest.mark.django_db
def test_task_is_queued_only_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(health_probe, "delay", lambda *a, **kw: sent.append("sent"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            health_probe.delay_on_commit()
            assert sent == [], "queued before the transaction committed"
    assert len(callbacks) == 1 and sent == ["sent"]


@pytest.mark.django_db
def test_health_answers_with_in_process_worker(admin_client):
    # A probe another test left in the cache would be reused (campaign/tests/test_health.py).
    cache.delete(WORKER_PROBE_CACHE_KEY)
    response = admin_client.get("/health/?worker=1")
    assert response.status_code == 200
    assert response.json()["worker"]["organizations"] == 0
