import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction

from campaign.celery import app
from campaign.home.tasks import health_probe
from orgs.tests.factories import make_organization

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_on_test_database():
    """A real `celery worker` process, on Redis, reading the test database."""
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"  # so no other worker on this Redis takes our tasks
    env = {**os.environ, "DATABASE_URL": database_url, "CONN_MAX_AGE": "0"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "campaign", "worker", "--pool=solo", "-Q", queue, "--loglevel=warning"],
        cwd=BASE_DIR,
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)


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
def test_health_answers_with_in_process_worker(client):
    response = client.get("/health/?worker=1")
    assert response.status_code == 200
    assert response.json()["worker"]["organizations"] == 0
