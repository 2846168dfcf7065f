"""案卷 in Chromium: a branch secretary opens the branch's dossier page from the branch's
page, clicks 生成案卷, sees the progress bar reach 已生成, and downloads a PDF whose text
holds the branch's pledge and its progress in an embedded CJK font; the page fits a phone."""

import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from pledges.models import Evidence, ProgressEntry
from pledges.tests.factories import make_pledge, png_bytes, publish_directly

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pledged(county, campaign):
    pledge = publish_directly(make_pledge(campaign, county.branch_a1, title="建设社区便民服务站"))
    entry = ProgressEntry.objects.create(
        item=pledge.items.get(), recorded_on=datetime.date(2011, 3, 1), text="服务站挂牌开放，代办低保23件"
    )
    photo = png_bytes(size=(200, 120))
    evidence = Evidence(entry=entry, original_name="服务站.png", content_type="image/png", size=len(photo))
    evidence.file.save("x", ContentFile(photo), save=False)
    evidence.save()
    return pledge


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_secretary_builds_and_downloads_the_branch_dossier(live_server, county, pledged, logged_in, read_pdf):
    from playwright.sync_api import expect

    page = logged_in("secretary_a1")
    page.goto(f"{live_server.url}{county.branch_a1.get_absolute_url()}")
    page.get_by_role("link", name="案卷").click()
    expect(page.get_by_role("heading", name="红湾社区党支部案卷")).to_be_visible()
    expect(page.get_by_text("还没有生成过本单位的案卷。")).to_be_visible()

    page.get_by_role("button", name="生成案卷").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.locator("[data-percent]")).to_have_text("100%", timeout=90_000)
    expect(page.locator("[data-state-label]")).to_have_text("已生成")
    download_link = page.get_by_role("link", name="下载案卷 PDF")
    expect(download_link).to_be_visible()
    expect(page.get_by_role("link", name="下载佐证材料压缩包")).to_be_visible()
    with page.expect_download() as download:
        download_link.click()
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.endswith(".pdf")
    assert "红湾社区党支部" in download.value.suggested_filename

    contents = read_pdf(data)
    text = "".join(contents.pages).replace("\n", "")
    for expected in ("红湾社区党支部", "建设社区便民服务站", "服务站挂牌开放", "服务站.png", "三、领导点评"):
        assert expected in text, expected
    assert contents.missing_glyphs() == []
    assert any("CJK" in font.name for font in contents.fonts.values())

    # A second build: the first is listed below as an earlier one.
    page.get_by_role("button", name="生成案卷").click()
    expect(page.locator("[data-percent]")).to_have_text("100%", timeout=90_000)
    expect(page.get_by_role("heading", name="以前生成的案卷")).to_be_visible()

    phone = logged_in("secretary_a1", phone=True)
    phone.goto(page.url)
    expect(phone.get_by_role("link", name="下载案卷 PDF")).to_be_visible()
    assert _fits(phone)
