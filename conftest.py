"""Test-wide fixtures: named actors, fast settings, and the services a test needs.

Tests that need PostgreSQL, Redis or Chromium are marked; without the service they
skip, except under CI (the variable CI is set), where a missing service is a failure.
"""

import os
import shutil

import pytest
from django.db import connection

from orgs.scoping import unscoped

IN_CI = bool(os.environ.get("CI"))


def pytest_configure(config):
    # Browser checks wait as long as the pages' own timeouts (15 s), not Playwright's 5 s:
    # under a full suite on two cores a page after a POST has taken longer than 5 s (CI
    # once failed waiting for 已公示 after 确认公示, which passes alone in 2 s).
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


def require(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI but is not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def _test_media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True, scope="session")
def _bench_results_elsewhere(tmp_path_factory):
    """Bench commands run by tests record their figures in a file of the test run's,
    never in the repository's bench/results.json."""
    os.environ["BENCH_RESULTS"] = str(tmp_path_factory.mktemp("bench") / "results.json")
    yield
    os.environ.pop("BENCH_RESULTS", None)


@pytest.fixture(autouse=True)
def _fast_settings(settings, _test_media_root):
    # Uploads made by tests never land in the working tree's media/.
    settings.MEDIA_ROOT = _test_media_root
    # WhiteNoise warns on every request when the collectstatic folder is missing.
    settings.STATIC_ROOT.mkdir(exist_ok=True)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "zh-hans"
    # Login throttling counts wrong passwords across tests and needs the request that
    # Client.login() does not pass; orgs/tests/test_login_security.py turns it on.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True, scope="session")
def _tasks_in_process():
    """Tasks run where they are queued, unless a test starts a real worker."""
    from campaign.celery import app

    app.conf.task_always_eager = True
    yield


@pytest.fixture(autouse=True)
def _task_joins_allowed_afterwards():
    """Celery marks "inside a task" with one process-wide flag that eager tasks set and
    restore; tests that run eager tasks from several threads at once (the concurrency
    tests) can leave it set, and a later test waiting on a real worker's result would be
    refused. Each test starts with it cleared."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _unscoped_test_body():
    """Test code sets up data freely; requests through the client get the user's scope."""
    with unscoped("test"):
        yield


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres"):
        require(connection.vendor == "postgresql", "PostgreSQL")
    if request.node.get_closest_marker("redis"):
        require(bool(os.environ.get("REDIS_URL")), "Redis (REDIS_URL)")
    if request.node.get_closest_marker("browser"):
        require(shutil.which("chromium") is not None, "Chromium (/usr/bin/chromium)")


@pytest.fixture
def county(db):
    """A small county: 县委 → two townships → branches, each with members, and one
    account per role. Returns a namespace of organizations, members and users."""
    from orgs.tests.factories import build_small_county

    return build_small_county()


@pytest.fixture
def campaign(county):
    """The county's 创先争优 campaign (2010-04-26 to 2012-06-30) with 五个好 and 五带头."""
    from campaign.tests.factories import make_campaign

    return make_campaign(county.county)


@pytest.fixture(scope="module")
def demo_county_loaded(django_db_setup, django_db_blocker):
    """The demo county at work, as ``manage.py load_demo`` builds it: loaded once for the
    module that asks (it takes half a minute), inside a transaction rolled back at the
    module's end; each test runs in a savepoint of its own."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        call_command("load_demo", quiet=True)
        yield
        transaction.set_rollback(True)
