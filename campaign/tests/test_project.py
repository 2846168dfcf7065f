import re
import subprocess
from io import StringIO

from django.conf import settings
from django.core.management import call_command


def test_models_and_migrations_agree(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_system_checks_pass_with_production_settings(settings):
    settings.DEBUG = False
    call_command("check", "--deploy", "--fail-level", "CRITICAL")


# Values that look like secrets but are meant to be read: the demo county's password,
# printed by `make run` for everyone who opens the demo.
PUBLISHED = {"campaign/devdata/demo_county.py": {'DEMO_PASSWORD = "Sunan2010!"'}}
SECRET_LOOKING = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"SECRET_KEY\s*=\s*[\"'][^\"']+[\"']"),
    # A name that ends in password, secret, token or key, given a literal.
    re.compile(r"(?i)\b\w*(password|passwd|secret|token|api_key)\s*[=:]\s*[\"'][^\"'\s{}%]{8,}[\"']"),
    # Credentials inside a connection URL; the README's placeholders are prose, not code.
    re.compile(r"\b(postgres|postgresql|redis|amqp)://[^/\s:@]+:[^/\s@]+@"),
]


# Made on the machine, never committed: what a tree without git holds beside the sources.
NOT_SOURCES = {".git", ".venv", "staticfiles", "media", "backups", "__pycache__", ".pytest_cache", ".ruff_cache"}


def repository_files() -> list[str]:
    """The tracked files; in a tree without git (an unpacked archive), every file but the
    ones the machine made (the venv, collected static files, media, the local key)."""
    listed = subprocess.run(["git", "ls-files"], cwd=settings.BASE_DIR, capture_output=True, text=True)
    if listed.returncode == 0:
        return listed.stdout.splitlines()
    return [
        str(path.relative_to(settings.BASE_DIR))
        for path in settings.BASE_DIR.rglob("*")
        if path.is_file()
        and not NOT_SOURCES & set(path.relative_to(settings.BASE_DIR).parts)
        and path.name not in {".secret_key", "db.sqlite3"}
    ]


def test_no_secret_is_committed():
    """Keys, passwords and credentials come from the environment (README), never from the
    repository; a machine without SECRET_KEY makes its own (campaign/settings.py)."""
    found = []
    for name in repository_files():
        path = settings.BASE_DIR / name
        if "/tests/" in f"/{name}" or path.suffix in {".md", ".po", ".mo", ".png", ".woff2", ".ttf", ".otf", ".pdf"}:
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        for line in text.splitlines():
            if line.strip() in PUBLISHED.get(name, set()):
                continue
            if any(pattern.search(line) for pattern in SECRET_LOOKING):
                found.append(f"{name}: {line.strip()[:120]}")
    assert not found, found
