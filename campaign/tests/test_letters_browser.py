"""目标责任书 as people use it, in Chromium: the office signs a letter on a phone, the
township's leader assesses it at the year's end on an office PC and meets the veto."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from campaign.letters.models import AssessmentResult, ResponsibilityLetter
from campaign.scores.models import OrganizationScore, ScorePeriod
from campaign.scores.services import score_sheet_default

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The smallest computed font size of any element with text of its own, in px.
SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('body *')]
  .filter(el => el.offsetParent !== null && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .map(el => parseFloat(getComputedStyle(el).fontSize)))"""


def test_the_office_signs_a_letter_on_a_phone_and_the_leader_assesses_it_against_the_veto(
    live_server, county, campaign, logged_in
):
    from playwright.sync_api import expect

    sheet = score_sheet_default(campaign=campaign, total_points=100, by=None)
    phone = logged_in("office", phone=True)
    phone.goto(f"{live_server.url}/campaigns/letters/?campaign={campaign.pk}")
    phone.get_by_role("link", name="签订责任书").click()
    phone.get_by_label("责任单位").select_option(label=f"\u3000{county.branch_a1.name}")
    phone.get_by_role("button", name="下一步").click()
    phone.get_by_label("安秀英（书记）").check()
    phone.get_by_label("承诺覆盖率（15 分）").check()
    phone.get_by_label("践诺率（15 分）").check()
    phone.get_by_label("责任内容").fill("确保承诺全覆盖。")
    phone.get_by_label("签订日期").fill("2011-01-10")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="签订").click()

    expect(phone.get_by_role("heading", name="创先争优活动目标责任书")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.evaluate(SMALLEST_TEXT) >= 12
    letter = ResponsibilityLetter.objects.get()
    assert letter.leader == county.secretary_a1

    year = ScorePeriod.objects.create(
        campaign=campaign,
        name="2011年度",
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 12, 1),
        finalized_at=timezone.now(),
    )
    OrganizationScore.objects.create(
        period=year,
        organization=county.branch_a1,
        depth=2,
        kind=county.branch_a1.kind,
        total=Decimal(28),
        vetoed=True,
        veto_reasons=["2011-05-03 发生安全生产事故（较大），迟报"],
        rank=1,
        position=1,
        group_size=1,
        breakdown=[
            {"indicator": indicator.pk, "name": indicator.name, "max": indicator.max_points, "points": points}
            for indicator, points in (
                (sheet.indicators.get(name="承诺覆盖率"), "15"),
                (sheet.indicators.get(name="践诺率"), "13"),
            )
        ],
        computed_at=timezone.now(),
    )

    office_pc = logged_in("leader_a")
    office_pc.goto(f"{live_server.url}{letter.get_absolute_url()}")
    expect(office_pc.locator("#letter-veto")).to_contain_text("2011-05-03 发生安全生产事故（较大），迟报")
    expect(office_pc.locator("#letter-standing")).to_contain_text("28")
    office_pc.get_by_label("称职", exact=True).check()
    office_pc.get_by_label("考核评语").fill("全年目标基本完成。")
    office_pc.get_by_role("button", name="记录考核结果").click()
    expect(office_pc.locator("#assessment-errors")).to_contain_text("责任人不能评为优秀或称职")

    office_pc.get_by_label("基本称职").check()
    office_pc.get_by_role("button", name="记录考核结果").click()
    expect(office_pc.locator("#letter-result")).to_have_text("基本称职")
    letter.refresh_from_db()
    assert letter.result == AssessmentResult.BASIC and letter.assessment_points == Decimal("93.3")
    assert office_pc.evaluate(SMALLEST_TEXT) >= 12
