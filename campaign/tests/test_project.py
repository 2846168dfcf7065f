from io import StringIO

from django.core.management import call_command


def test_models_and_migrations_agree(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_system_checks_pass_with_production_settings(settings):
    settings.DEBUG = False
    call_command("check", "--deploy", "--fail-level", "CRITICAL")
