"""Issue 7's walk-through in Chromium on the demo county with its work loaded: the office
drafts an evaluation results circular and an information quarterly circular, issues each,
sees the progress bar reach 已印发 and downloads PDFs whose text layer carries the number,
the title and Chinese in an embedded font with no missing glyph."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_county import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    call_command("load_demo", "--quiet")


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def issue(page, base, kind_label):
    from playwright.sync_api import expect

    page.goto(f"{base}/campaigns/circulars/new/")
    page.get_by_role("link", name=re.compile(kind_label)).first.click()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("button", name="签发")).to_be_visible()
    title = page.get_by_role("heading", level=1).inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="签发").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    download_link = page.locator("a[data-download]")
    expect(download_link).to_be_visible(timeout=90_000)
    expect(page.locator("[data-percent]")).to_have_text("100%")
    with page.expect_download() as download:
        download_link.click()
    data = Path(download.value.path()).read_bytes()
    return title, download.value.suggested_filename, data


def test_office_issues_and_downloads_two_circulars(live_server, demo, logged_in, read_pdf):
    base = live_server.url
    # The demo office sees the health system's campaign too, and works in the county's.
    office = logged_in("office", campaign=DEMO_CAMPAIGN_NAME)
    numbers = []
    for kind_label, expected in (("群众评议结果通报", "满意率"), ("信息上报季度通报", "信息")):
        title, filename, data = issue(office, base, kind_label)
        contents = read_pdf(data)
        text = "".join(contents.pages)
        number = re.search(r"肃创办〔\d{4}〕(\d+)号", text)
        assert number, text[:200]
        assert number.group(1) in filename
        assert title.replace(" ", "")[:8] in text.replace(" ", "").replace("\n", "")
        assert expected in text
        assert contents.missing_glyphs() == []
        assert any("CJK" in font.name or "Noto" in font.name for font in contents.fonts.values())
        numbers.append(int(number.group(1)))
    # One issuer and year: consecutive numbers.
    assert numbers[1] == numbers[0] + 1
