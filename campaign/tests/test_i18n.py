"""The interface is Chinese by default and English on request, and the English catalogue is complete."""

import datetime
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

LOGIN_TITLE_ZH = "登录创先争优活动管理系统"
LOGIN_TITLE_EN = "Log in to the Strive for Excellence Campaign Management System"


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    # LocaleMiddleware leaves the request's language active in this thread.
    yield
    translation.deactivate()


def _switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in content
    assert "登录" in content
    assert LOGIN_TITLE_ZH in content
    assert LOGIN_TITLE_EN not in content


@pytest.mark.django_db
def test_login_page_is_english_after_switching(client):
    _switch_to_english(client)
    response = client.get("/accounts/login/")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in content
    assert LOGIN_TITLE_EN in content
    assert LOGIN_TITLE_ZH not in content
    assert "If you have forgotten your password" in content


def test_logged_in_page_is_english_after_switching(client, county):
    _switch_to_english(client)
    client.force_login(county.office)
    response = client.get("/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Organizations in my scope" in content
    assert "Campaign Office" in content  # the role, a model choice label
    assert "Log out" in content
    for chinese in ("我的组织范围", "退出登录", "活动办公室"):
        assert chinese not in content


# --- the catalogue --------------------------------------------------------------------


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda match: escapes[match.group(1)], text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: each a dict of its fields (msgid, msgid_plural, msgstr,
    msgstr[0], …) and its set of flags. Obsolete (#~) entries are left out."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": set()}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line):
                field = match[1]
                entry[field] = _unquote(match[2])
            elif line.startswith('"') and field:
                entry[field] += _unquote(line)
            else:
                raise AssertionError(f"unexpected line in {path.name}: {line!r}")
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]", text))


def test_every_catalogue_entry_is_translated():
    entries = parse_po(PO_FILE)
    messages = [entry for entry in entries if entry["msgid"]]
    assert len(messages) > 200

    header = next(entry for entry in entries if entry["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]

    fuzzy = [entry["msgid"] for entry in messages if "fuzzy" in entry["flags"]]
    assert fuzzy == []
    untranslated = [entry["msgid"] for entry in messages if not all(_translations(entry))]
    assert untranslated == []
    plurals = [entry for entry in messages if "msgid_plural" in entry]
    assert all({"msgstr[0]", "msgstr[1]"} <= entry.keys() for entry in plurals)
    mismatched = [
        entry["msgid"]
        for entry in messages
        if any(_placeholders(text) != _placeholders(entry["msgid"]) for text in _translations(entry))
    ]
    assert mismatched == []


def test_compiled_catalogue_is_up_to_date():
    """What the site serves is the .mo: every message of the .po must be in it."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(PO_FILE):
        if not entry["msgid"]:
            continue
        if "msgctxt" in entry:
            served, expected = [compiled.pgettext(entry["msgctxt"], entry["msgid"])], [entry["msgstr"]]
        elif "msgid_plural" in entry:
            served = [compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            expected = [entry["msgstr[0]"], entry["msgstr[1]"]]
        else:
            served, expected = [compiled.gettext(entry["msgid"])], [entry["msgstr"]]
        if served != expected:
            stale.append(entry["msgid"])
    assert stale == []


def _source_copy(destination: Path) -> None:
    """The files makemessages reads (.py, .html, .txt), copied out of the checkout, so that
    extracting the messages never touches the committed catalogue."""
    base = Path(settings.BASE_DIR)
    skipped = {"locale", "staticfiles", "node_modules", "__pycache__"}
    for path in base.rglob("*"):
        parts = path.relative_to(base).parts
        if any(part.startswith(".") or part in skipped for part in parts[:-1]):
            continue
        if path.is_file() and path.suffix in {".py", ".html", ".txt"} and not path.name.startswith("."):
            target = destination.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def test_catalogue_covers_every_message_of_the_source(tmp_path, monkeypatch):
    """Every message the source marks for translation has an English translation in the
    committed catalogue: makemessages is run on a copy of the source and nothing it finds
    may be missing or empty in locale/en."""
    source = tmp_path / "source"
    _source_copy(source)
    (source / "locale").mkdir()
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", locale=["en"], verbosity=0)
    extracted = parse_po(source / "locale" / "en" / "LC_MESSAGES" / "django.po")
    wanted = {(entry.get("msgctxt"), entry["msgid"]) for entry in extracted if entry["msgid"]}
    assert len(wanted) > 2000  # the extraction really read the source

    translated = {
        (entry.get("msgctxt"), entry["msgid"])
        for entry in parse_po(PO_FILE)
        if entry["msgid"] and "fuzzy" not in entry["flags"] and all(_translations(entry))
    }
    missing = sorted(msgid if not context else f"{context}: {msgid}" for context, msgid in wanted - translated)
    assert missing == [], "\n".join(missing)


# --- the pages of scores, incidents, letters and monthly reports in English -------------


@pytest.fixture
def assessed_campaign(county, campaign):
    """The county's campaign with monthly indicators filed for March 2011, a late-reported
    fire that vetoes 红湾社区党支部, a responsibility letter, and a computed score period."""
    from campaign.incidents.models import Incident, IncidentKind, Severity, VetoRule
    from campaign.letters.services import letter_issue
    from campaign.scores.services import score_period_create, score_period_recompute
    from campaign.tests import circular_fixtures as fx

    indicators = fx.monthly_values(county, campaign)
    kind = IncidentKind.objects.create(
        campaign=campaign, name="安全生产事故", phone_limit_hours=1, written_limit_hours=24, veto_rule=VetoRule.LATE
    )
    occurred = timezone.make_aware(datetime.datetime(2011, 3, 5, 9, 0))
    Incident.objects.create(
        campaign=campaign,
        organization=county.branch_a1,
        kind=kind,
        severity=Severity.MAJOR,
        summary="仓库发生火情。",
        occurred_at=occurred,
        phoned_at=occurred + datetime.timedelta(hours=5),
        written_at=occurred + datetime.timedelta(hours=30),
    )
    letter_issue(
        campaign=campaign,
        organization=county.branch_a1,
        leader=county.secretary_a1,
        indicators=list(indicators[:2]),
        terms="确保承诺全覆盖。",
        signed_on=datetime.date(2011, 1, 10),
        by=county.office,
    )
    period = score_period_create(
        campaign=campaign,
        name="2011年一季度",
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 3, 1),
        by=county.office,
    )
    score_period_recompute(period_id=period.pk)
    return period


def _english_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="en">' in content
    return content


def test_the_pages_of_scores_incidents_letters_and_monthly_reports_are_english(client, county, assessed_campaign):
    period = assessed_campaign
    campaign = period.campaign
    _switch_to_english(client)
    client.force_login(county.office)

    ranking = _english_page(client, reverse("campaign:score_ranking", args=[period.pk]))
    assert "Ranks go by verified points; vetoed units come after all the others" in ranking
    assert "One-vote veto" in ranking
    assert "一票否决" not in ranking and "核定" not in ranking

    register = _english_page(client, f"{reverse('campaign:incidents')}?campaign={campaign.pk}")
    assert "Kinds and deadlines" in register
    assert "Register an inspection finding" in register
    assert "by phone within 1 h, in writing within 24 h" in register
    assert "Occurred 2011-03-05 09:00 · Major" in register
    assert "重大情况" not in register and "迟报" not in register

    letters = _english_page(client, f"{reverse('campaign:letters')}?campaign={campaign.pk}")
    assert "Sign a letter" in letters
    assert "Signed 2011-01-10" in letters
    assert "2 target indicators" in letters
    assert "目标责任书" not in letters and "签订" not in letters

    monthly = _english_page(client, f"{reverse('campaign:monthly_status')}?campaign={campaign.pk}&month=2011-03")
    assert "Monthly filings for" in monthly
    assert "Late: " in monthly
    assert "迟报" not in monthly and "月报" not in monthly
