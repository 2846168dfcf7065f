"""Accounts: login throttling (django-axes), session expiry, and production settings
that pass `manage.py check --deploy`."""

import datetime
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from orgs.tests.factories import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    return settings


def log_in(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_from_that_address_even_for_the_right_one(client, county, throttled):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, "office", "guess")
        assert response.status_code == 200  # the form again, with the usual message
    response = log_in(client, "office", "guess")
    assert response.status_code == 429
    assert "已暂停登录 15 分钟" in response.text

    # Locked: the right password no longer gets in from here...
    response = log_in(client, "office", PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # ...while colleagues behind the same address log in as usual,
    assert log_in(client, "leader_a", PASSWORD).status_code == 302
    client.logout()
    # and the same account from its own office's address does too.
    assert log_in(client, "office", PASSWORD, address="10.0.0.8").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, county, throttled):
    from axes.models import AccessAttempt

    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        log_in(client, "office", "guess")
    assert log_in(client, "office", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert log_in(client, "office", PASSWORD).status_code == 302


def test_a_right_password_resets_the_count(client, county, throttled):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "office", "guess")
    assert log_in(client, "office", PASSWORD).status_code == 302
    client.logout()
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "office", "guess")
    assert log_in(client, "office", PASSWORD).status_code == 302


def test_a_session_ends_after_a_working_day_and_with_the_browser(client, county):
    assert log_in(client, "office", PASSWORD).status_code == 302
    session = Session.objects.get(session_key=client.session.session_key)
    lifetime = session.expire_date - timezone.now()
    assert datetime.timedelta(hours=9) < lifetime <= datetime.timedelta(hours=10)
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert client.get(reverse("home")).status_code == 200

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def manage(*arguments, **environment):
    """manage.py in a process of its own, with the environment a server would have."""
    base = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "HTTPS", "SECRET_KEY")}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=django_settings.BASE_DIR,
        env=base | environment,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy():
    finished = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HTTPS="1",
        REQUIRE_SECRET_KEY="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="dangjian.example.gov.cn",
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "no issues" in finished.stdout


def test_without_https_check_deploy_says_what_is_missing():
    """The check is not silenced: the same command fails on a plain-HTTP configuration."""
    finished = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(50))
    assert finished.returncode != 0
    assert "SECURE_HSTS_SECONDS" in finished.stderr + finished.stdout


def test_debug_is_off_unless_asked_for_and_production_refuses_a_missing_secret_key():
    shown = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert shown.stdout.strip().splitlines()[-1] == "False"
    refused = manage("check", REQUIRE_SECRET_KEY="1", SECRET_KEY="")
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr


def secret_key_of(key_file) -> str:
    shown = manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", SECRET_KEY_FILE=key_file
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.strip().splitlines()[-1]


def test_a_machine_without_secret_key_makes_its_own_once_and_keeps_it_private(tmp_path):
    """No key in the repository to fall back on: the key is this installation's own."""
    first = secret_key_of(str(tmp_path / "key"))
    assert len(first) >= 50
    assert secret_key_of(str(tmp_path / "key")) == first
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    assert secret_key_of(str(tmp_path / "another")) != first
    assert first not in (django_settings.BASE_DIR / "campaign" / "settings.py").read_text()


@pytest.mark.parametrize(
    ("new_password", "refusal"),
    [
        ("Ab3$xy", "密码太短，至少要 8 个字符。"),  # Django's own catalog has this one in English
        ("2847193650", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("secretary_a1x", "太相似了"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason_in_chinese(client, county, new_password, refusal):
    user = county.secretary_user_a1
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert refusal in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_strong_new_password_is_taken_and_the_initial_passwords_pass_the_same_rules(client, county):
    from django.contrib.auth.password_validation import validate_password

    from orgs.services import _initial_password

    user = county.secretary_user_a1
    for _ in range(20):
        validate_password(_initial_password(), user)  # raises when a rule refuses it
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "红湾社区-Lz7!", "new_password2": "红湾社区-Lz7!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("红湾社区-Lz7!")
