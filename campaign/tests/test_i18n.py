"""The interface is Chinese by default and English on request, and the English catalogue is complete."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

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
