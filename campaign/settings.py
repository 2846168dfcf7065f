"""Settings for the campaign-tracking app, read from the environment.

Each optional service is switched on by its variable: without DATABASE_URL the app
keeps a SQLite file next to manage.py, without REDIS_URL Celery tasks run in-process.
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def local_secret_key(path: Path) -> str:
    """This installation's own key, made once and kept in ``path`` (readable by its owner
    only), for a machine that sets no SECRET_KEY: no key is in the repository, where
    anyone could read it and forge sessions. Processes starting at once (gunicorn's
    workers) agree: the file appears whole or not at all, and the first one wins."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as stream:
        stream.write(secrets.token_urlsafe(50))
    try:
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink()
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and env_bool("REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = local_secret_key(Path(env_str("SECRET_KEY_FILE", str(BASE_DIR / ".secret_key"))))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "simple_history",
    "axes",
    "csp",
    "orgs",
    "campaign",
    "pledges",
    "reviews",
    # The demo county, the scale generator and the benchmarks: their commands only.
    "campaign.devdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "campaign.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "orgs.middleware.ScopeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "campaign.campaigns.middleware.CampaignChoiceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "campaign.urls"
WSGI_APPLICATION = "campaign.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "campaign.home.context_processors.waiting_badge",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
# django-axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Login throttling: 5 wrong passwords for one account from one address lock that pair
# for 15 minutes. Not by address alone: a county office's PCs share one address behind
# the intranet's NAT, and one person's typos must not lock out the whole office.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
# Unknown or used codes from one address before the evaluation form refuses it for a
# while (reviews/public_ballot.py): a guessing limit, raised where a meeting hall's
# phones reach the server through one address.
BALLOT_FAILURE_LIMIT = env_int("BALLOT_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "campaign.home.views.login_locked_out"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "orgs.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Each language named in itself, as a language switcher should show it.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("COLLECTSTATIC", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Roster files of a whole county are a few MB; refuse anything far larger.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
# A working day: a PC left logged in overnight in a village office is logged out by
# morning, and closing the browser ends the session.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 10) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"

# HTTPS=1 in production behind TLS: secure cookies, redirect to https and HSTS, so
# `manage.py check --deploy` passes (a test runs it). TLS ended at a proxy or load
# balancer: also TRUST_X_FORWARDED_PROTO=1, so Django sees the request as https.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS or env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): scripts only from our own static files (no
# inline script or handler anywhere: static/js/page-actions.js), nothing from other
# hosts at all, which suits intranets too. Inline styles stay allowed: style attributes
# and the <style> of printable pages cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# /health/ answers the load balancer over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# Celery: a real broker when REDIS_URL is set, otherwise every task runs in-process
# at the moment it is queued, so one command brings the app up on a bare machine.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# PDFs of circulars render on a queue of their own (workers: -Q celery,documents), so a
# long document never holds up tallies and figures.
CELERY_TASK_ROUTES = {
    "campaign.circulars.tasks.render_circular": {"queue": "documents"},
    "campaign.dossier.tasks.build_dossier": {"queue": "documents"},
}
# Publishing gives up after about a second when Redis does not answer: the page is not
# held, and the task waits in the outbox (campaign/infra/outbox.py) until beat sends it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3}
OUTBOX_SEND_SECONDS = env_int("OUTBOX_SEND_SECONDS", 60)
OUTBOX_GRACE_SECONDS = env_int("OUTBOX_GRACE_SECONDS", 30)
# A circular's render claimed this long ago belongs to a dead worker; beat looks for such
# renders this often (campaign/circulars/). The fault tests shorten both.
CIRCULAR_STALE_CLAIM_SECONDS = env_int("CIRCULAR_STALE_CLAIM_SECONDS", 180)
CIRCULAR_RESUME_SECONDS = env_int("CIRCULAR_RESUME_SECONDS", 120)
# The tables whose old row versions could tie a code to the form it cast: rewritten
# whole after a tally or a vote's count (campaign/infra/compaction.py).
SECRET_BALLOT_TABLES = ["reviews.EvaluationCode", "reviews.HeldForm", "campaign.VoteCode"]
CELERY_BEAT_SCHEDULE: dict = {
    # Tasks that could not be queued while Redis was down (campaign/infra/outbox.py).
    "send-outbox": {"task": "campaign.infra.tasks.send_outbox", "schedule": float(OUTBOX_SEND_SECONDS)},
    "close-due-evaluation-rounds": {"task": "reviews.tasks.close_due_rounds", "schedule": 300.0},
    # Held forms out in shuffled batches (reviews/held_forms.py), on the clock rather than
    # after each cast, and the tables that held their traces rewritten nightly as well as
    # after each tally (campaign/infra/compaction.py).
    "release-held-ballots": {"task": "reviews.tasks.release_held_ballots", "schedule": 60.0},
    "release-held-votes": {"task": "campaign.nominations.votes.tasks.release_held_votes", "schedule": 60.0},
    "rewrite-secret-tables": {
        "task": "campaign.infra.tasks.rewrite_secret_tables",
        "schedule": crontab(hour=3, minute=30),
    },
    "close-due-public-votes": {"task": "campaign.nominations.votes.tasks.close_due_votes", "schedule": 300.0},
    # CELERY_TIMEZONE is Asia/Shanghai, so 01:00 local: after the day has turned over.
    "mark-overdue-reviews": {"task": "reviews.tasks.mark_overdue_reviews", "schedule": crontab(hour=1, minute=0)},
    # A circular whose worker died mid-render, or whose queue message was lost, renders again.
    "resume-stalled-circulars": {
        "task": "campaign.circulars.tasks.resume_stalled_circulars",
        "schedule": float(CIRCULAR_RESUME_SECONDS),
    },
    # The same for a unit's dossier (案卷).
    "resume-stalled-dossiers": {
        "task": "campaign.dossier.tasks.resume_stalled_dossiers",
        "schedule": float(CIRCULAR_RESUME_SECONDS),
    },
    # The dashboard's figures of the current month are at most ten minutes old.
    "refresh-current-figures": {"task": "campaign.dashboard.tasks.refresh_current_figures", "schedule": 600.0},
    # After the overdue marks, and in the morning rather than at night, since a channel
    # may text people's phones.
    "refresh-reminders": {"task": "campaign.reminders.tasks.refresh_reminders", "schedule": crontab(hour=7, minute=30)},
    # An incident whose written report is still missing past its limit becomes 迟报 by
    # the clock alone: its rectification opens overnight, before the scores are recomputed.
    "follow-up-overdue-incidents": {
        "task": "campaign.incidents.tasks.follow_up_overdue_incidents",
        "schedule": crontab(hour=1, minute=30),
    },
    "recompute-open-scores": {
        "task": "campaign.scores.tasks.recompute_open_scores",
        "schedule": crontab(hour=2, minute=0),
    },
}

# How users hear of new reminders beside their home page, which always lists them
# (orgs/notifications.py): channel classes by dotted path, comma-separated. The default,
# InAppChannel, sends nothing more; an SMS or e-mail channel is added here.
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", "orgs.notifications.InAppChannel")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "campaign.infra.cache.ReusingRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Without a broker tasks run in-process, and each would log a success line into
    # the command's or the page's output.
    # WeasyPrint logs a line per page rendered.
    "loggers": {"celery.app.trace": {"level": "WARNING"}, "weasyprint.progress": {"level": "WARNING"}},
}
