"""Issue 17's walk-through in Chromium on the demo county's 三好一满意: the health bureau's
office gives the units more time to assess themselves and names a kind of 重大情况; a
township health centre files its month's values and assesses itself; the bureau's
inspection group verifies two lines with reasons, one by the 细则; the ranking moves; an
incident the centre reports past its limit is marked 迟报 and vetoes it."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.devdata.demo_county import DEMO_PASSWORD
from campaign.scores.models import (
    Deduction,
    DeductionRule,
    Indicator,
    IndicatorValue,
    ManualScore,
    OrganizationScore,
    SelfAssessment,
    Standing,
)
from orgs.models import Organization
from orgs.scoping import unscoped

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTRE = "皇城镇中心卫生院党支部"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "measured"}}
    cache.clear()


@pytest.fixture
def demo():
    call_command("load_demo", "--quiet", "--no-activity")


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_health_centre_files_and_assesses_itself_the_inspectors_verify_and_a_late_report_vetoes_it(
    live_server, demo, logged_in
):
    from playwright.sync_api import expect

    base = live_server.url
    with unscoped("test"):
        campaign = Campaign.objects.get(name__contains="三好一满意")
        period = campaign.score_periods.get(name="2011年度")
        centre = Organization.objects.get(name=CENTRE)
        lines = {indicator.name: indicator for indicator in Indicator.objects.filter(sheet__campaign=campaign)}
        before = OrganizationScore.objects.get(period=period, organization=centre)
        leading_rule = DeductionRule.objects.filter(indicator=lines["组织领导"]).order_by("order").first()

    # The office gives the units until a month from now to assess themselves.
    office = logged_in("weisheng")
    office.goto(f"{base}/campaigns/scores/{period.pk}/edit/")
    due = timezone.localdate() + datetime.timedelta(days=30)
    office.get_by_label("自查自评截止日期").fill(due.isoformat())
    office.get_by_role("button", name="保存").click()
    expect(office.get_by_text("考核期已修改")).to_be_visible()
    # It names a kind of 重大情况: reported by phone within 1 hour, in writing within 24,
    # and a late report vetoes the unit.
    office.goto(f"{base}/campaigns/{campaign.pk}/incident-kinds/")
    office.locator("#id_incident_kinds-0-name").fill("医疗安全不良事件")
    office.locator("#id_incident_kinds-0-phone_limit_hours").fill("1")
    office.locator("#id_incident_kinds-0-written_limit_hours").fill("24")
    office.locator("#id_incident_kinds-0-veto_rule").select_option("late")
    office.get_by_role("button", name="保存").click()
    expect(office.get_by_text("医疗安全不良事件").first).to_be_visible()

    # The township health centre files December on an office PC: its antibiotics rate.
    unit = logged_in("weishengyuan")
    unit.set_viewport_size({"width": 1024, "height": 800})
    unit.goto(f"{base}/campaigns/monthly/{centre.code}/?campaign={campaign.pk}&month=2011-12")
    antibiotics = lines["住院患者抗菌药物使用率"]
    unit.locator(f"#id_i{antibiotics.pk}_numerator").fill("30")
    unit.locator(f"#id_i{antibiotics.pk}_denominator").fill("100")
    unit.get_by_role("button", name="保存月报").click()
    expect(unit.get_by_text("2011年12月的月报数据")).to_be_visible()
    assert _fits(unit)
    with unscoped("test"):
        filed = IndicatorValue.objects.get(indicator=antibiotics, organization=centre, month=datetime.date(2011, 12, 1))
    assert filed.value == Decimal("30.00")

    # It assesses itself line by line, with its evidence.
    unit.goto(f"{base}/campaigns/scores/{period.pk}/self/{centre.code}/")
    manual = [indicator for indicator in lines.values() if indicator.kind == "manual"]
    for indicator in manual:
        unit.locator(f"#id_points_{indicator.pk}").fill(str(indicator.max_points))
        unit.locator(f"#id_evidence_{indicator.pk}").fill("对照细则逐项自查，台账齐全")
    unit.get_by_role("button", name="保存自评").click()
    expect(unit.get_by_text("自查自评已保存，等待检查组核定。")).to_be_visible()
    with unscoped("test"):
        assert SelfAssessment.objects.filter(period=period, organization=centre).count() == len(manual)

    # The bureau's inspection group verifies two lines: a 细则 on 组织领导, fewer points on 医德医风.
    inspector = logged_in("duchazu")
    inspector.goto(f"{base}/campaigns/scores/{period.pk}/manual/{centre.code}/")
    expect(inspector.get_by_text("对照细则逐项自查，台账齐全").first).to_be_visible()
    inspector.locator(f"#id_deduct_{leading_rule.pk}").check()
    inspector.locator(f"#id_deduct_reason_{leading_rule.pk}").fill("查阅会议记录，院长未参加领导小组会议")
    ethics = lines["医德医风与患者维权"]
    inspector.locator(f"#id_points_{ethics.pk}").fill("70")
    inspector.locator(f"#id_comment_{ethics.pk}").fill("患者投诉登记不全，扣10分")
    inspector.get_by_role("button", name="保存核定").click()
    expect(inspector.get_by_text(f"已保存对“{CENTRE}”的核定")).to_be_visible()

    # The ranking moves: the breakdown shows self and verified side by side, and the reasons.
    inspector.goto(f"{base}/campaigns/scores/{period.pk}/org/{centre.code}/")
    expect(inspector.get_by_text("查阅会议记录，院长未参加领导小组会议")).to_be_visible()
    expect(inspector.get_by_text("患者投诉登记不全，扣10分")).to_be_visible()
    with unscoped("test"):
        after = OrganizationScore.objects.get(period=period, organization=centre)
        verified = ManualScore.objects.get(period=period, organization=centre, indicator=lines["组织领导"])
        deducted = dict(
            Deduction.objects.filter(period=period, organization=centre, rule__indicator=lines["组织领导"]).values_list(
                "rule", "points"
            )
        )
    # The demo's earlier deductions on the line stay ticked; the new one joins them.
    assert leading_rule.pk in deducted
    assert verified.points == max(lines["组织领导"].max_points - sum(deducted.values()), 0)
    assert after.computed_at > before.computed_at
    assert after.self_total > after.total
    assert after.total != before.total

    # The centre reports an incident three hours after it happened: 迟报, and it vetoes the unit.
    unit.goto(f"{base}/campaigns/incidents/?campaign={campaign.pk}")
    unit.get_by_role("link", name="报告重大情况").click()
    unit.get_by_label("情况类别").select_option(label="医疗安全不良事件（电话 1 小时内，书面 24 小时内）")
    unit.get_by_label("发生时间").fill("2011-11-02T09:00")
    unit.get_by_label("电话报告时间").fill("2011-11-02T12:00")
    unit.get_by_label("基本情况").fill("住院患者跌倒致骨折，已转县人民医院治疗。")
    unit.get_by_role("button", name="报告").click()
    expect(unit.locator("[data-timeliness='late']")).to_have_text("迟报")
    expect(unit.locator("[data-veto='1']")).to_be_visible()

    office.goto(f"{base}/campaigns/scores/{period.pk}/?q={CENTRE}")
    row = office.locator("tbody tr", has=office.get_by_role("link", name=CENTRE))
    expect(row).to_contain_text("一票否决")
    expect(row).to_contain_text("迟报")
    with unscoped("test"):
        vetoed = OrganizationScore.objects.get(period=period, organization=centre)
    assert vetoed.standing == Standing.VETOED
    assert vetoed.rank == vetoed.group_size
