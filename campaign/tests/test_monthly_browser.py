"""月报 in Chromium: a branch secretary files March on a phone, and the office reads who
was late and who did not file on an office PC; both pages fit their width with text no
smaller than 12 px."""

import re

import pytest

from campaign.tests import circular_fixtures as fx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('body *')]
  .filter(e => e.offsetParent !== null && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .map(e => parseFloat(getComputedStyle(e).fontSize)))"""


def test_a_secretary_files_on_a_phone_and_the_office_sees_the_month(live_server, county, campaign, logged_in):
    from playwright.sync_api import expect

    nursing, complaints, education = fx.measured_sheet(campaign)
    county.branch_a1.grade = "2"
    county.branch_a1.save(update_fields=["grade"])
    base = live_server.url

    phone = logged_in("secretary_a1", phone=True)
    phone.goto(f"{base}/campaigns/monthly/{county.branch_a1.code}/?campaign={campaign.pk}&month=2011-03")
    expect(phone.get_by_role("heading", name=re.compile("2011年3月月报"))).to_be_visible()
    expect(phone.get_by_text("本单位目标：≥ 50.00%")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate(SMALLEST_TEXT) >= 12
    phone.locator(f"#id_i{nursing.pk}_numerator").fill("45")
    phone.locator(f"#id_i{nursing.pk}_denominator").fill("90")
    phone.locator(f"#id_i{complaints.pk}_count").fill("3")
    phone.locator(f"#id_i{education.pk}_yes").select_option("yes")
    phone.get_by_role("button", name="保存月报").click()
    expect(phone.get_by_text("已保存“红湾社区党支部”2011年3月的月报数据。")).to_be_visible()
    expect(phone.locator(f"#id_i{nursing.pk}_numerator")).to_have_value("45.00")

    office = logged_in("office")
    office.set_viewport_size({"width": 1024, "height": 800})
    office.goto(f"{base}/campaigns/monthly/?campaign={campaign.pk}&month=2011-03")
    row = office.locator("tbody tr", has=office.get_by_role("link", name="红湾社区党支部"))
    expect(row).to_contain_text("50.00%")
    # Filed in 2026, long after 5 April 2011: late, and 3 complaints is above the target of 2.
    expect(row).to_contain_text("迟报")
    expect(row).to_contain_text("未达标")
    expect(office.locator("tbody tr", has=office.get_by_role("link", name="北极村党支部"))).to_contain_text("未报")
    assert office.evaluate("document.documentElement.scrollWidth") <= 1024
    assert office.evaluate(SMALLEST_TEXT) >= 12
    row.get_by_role("link", name="红湾社区党支部").click()
    expect(office.locator(f"#id_i{complaints.pk}_count")).to_have_value("3")
