"""The demo county's second campaign: the health system's 三好一满意, run by the 卫生局党委
over its hospitals and health units while the county's 创先争优 runs over everything: its
1000-point sheet with targets by grade, the units' monthly values, their 自查自评 and the
bureau's 核定."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from campaign.campaigns.models import Campaign, StandardSubject
from campaign.campaigns.services import campaign_may_edit, campaign_organization_choices
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_health import HEALTH_CAMPAIGN_NAME
from campaign.scores.models import (
    Deduction,
    DeductionRule,
    Indicator,
    IndicatorValue,
    ManualScore,
    OrganizationScore,
    ScorePeriod,
    ScoreSheet,
    ScoringRule,
    SelfAssessment,
    ValueKind,
)
from orgs.models import Grade, Organization, OrganizationKind, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo(demo_county_loaded):
    pass


def test_the_health_campaign_overlaps_the_countys_in_time_and_subtree():
    county, health = Campaign.objects.get(name=DEMO_CAMPAIGN_NAME), Campaign.objects.get(name=HEALTH_CAMPAIGN_NAME)

    assert health.organization.code == "SN-WS" and health.organization.is_within(county.organization)
    assert (health.organization.name, health.organization.kind) == ("卫生局党委", OrganizationKind.COMMITTEE)
    assert health.theme == "服务好、质量好、医德好、群众满意"
    assert health.starts_on == datetime.date(2011, 3, 1) and county.contains_date(health.starts_on)
    assert [phase.name for phase in health.phases.order_by("order")] == ["动员部署", "组织实施", "总结评估"]
    standard = health.standards.get(subject=StandardSubject.ORGANIZATION)
    assert standard.name == "三好一满意标准"
    assert [d.name for d in standard.dimensions.order_by("order")] == ["服务好", "质量好", "医德好", "群众满意"]
    assert ScoreSheet.objects.get(campaign=health).total_points == 1000


def test_the_hospitals_have_grades_and_unit_types():
    graded = {
        organization.name: (organization.grade, organization.unit_type)
        for organization in Organization.objects.filter(parent__code="SN-WS").exclude(kind="union")
    }
    # Speech 4's units: 县医院 and 中医院 (二级), 疾控中心, 妇幼保健所, 卫生监督所, and the townships' centres.
    assert graded["县人民医院党支部"] == (Grade.SECOND, "综合医院")
    assert graded["县中医医院党支部"] == (Grade.SECOND, "中医医院")
    assert graded["县疾病预防控制中心党支部"] == ("", "疾病预防控制中心")
    assert graded["县妇幼保健所党支部"] == ("", "妇幼保健机构")
    assert graded["县卫生监督所党支部"] == ("", "卫生监督机构")
    assert sorted(name for name, (grade, _type) in graded.items() if grade == Grade.FIRST) == sorted(
        ["皇城镇中心卫生院党支部", "明花乡卫生院党支部", "康乐乡卫生院党支部"]
    )
    for name in graded:
        assert Organization.objects.get(name=name).members.filter(post="secretary").count() == 1, name
    assert Organization.objects.filter(code="SN-WS-ZYY-GH", kind="union").exists()


def test_the_health_office_runs_its_campaign_only(client):
    weisheng = User.objects.get(username="weisheng")
    county = Campaign.objects.get(name=DEMO_CAMPAIGN_NAME)
    health = Campaign.objects.get(name=HEALTH_CAMPAIGN_NAME)

    assert weisheng.role == Role.OFFICE and weisheng.organization.code == "SN-WS"
    assert [organization.code for organization in campaign_organization_choices(weisheng)] == ["SN-WS"]
    assert campaign_may_edit(weisheng, health) and not campaign_may_edit(weisheng, county)
    client.force_login(weisheng)
    names = {campaign.name for campaign in client.get(reverse("campaign:choose")).context["campaigns"]}
    assert names == {DEMO_CAMPAIGN_NAME, HEALTH_CAMPAIGN_NAME}


def health_sheet() -> ScoreSheet:
    return ScoreSheet.objects.get(campaign__name=HEALTH_CAMPAIGN_NAME)


def test_the_sheet_has_1000_points_measured_lines_with_targets_by_grade_and_deduction_rules():
    sheet = health_sheet()
    indicators = list(sheet.indicators.all())

    assert sum(indicator.max_points for indicator in indicators) == sheet.total_points == 1000
    assert (sheet.pass_points, sheet.excellent_points) == (Decimal("750"), Decimal("900"))
    assert {indicator.kind for indicator in indicators} == {"measured", "computed", "manual"}
    nursing = sheet.indicators.get(name="优质护理病房覆盖率")
    assert (nursing.kind, nursing.value_kind, nursing.applies_to_grades) == ("measured", ValueKind.RATIO, ["3", "2"])
    assert (nursing.target_for(Grade.THIRD), nursing.target_for(Grade.SECOND)) == (Decimal(80), Decimal(50))
    assert not nursing.applies_to(Grade.FIRST) and not nursing.applies_to("")
    measured = sheet.indicators.filter(kind="measured")
    assert set(measured.values_list("scoring_rule", flat=True)) == set(ScoringRule.values)
    assert set(measured.values_list("value_kind", flat=True)) == {ValueKind.RATIO, ValueKind.YES_NO}
    drugs = sheet.indicators.get(name="药品收入占比")
    assert drugs.direction == "at_most" and drugs.steps[0] == [40, 80]
    assert sheet.indicators.get(name="预约诊疗占比").points_per_unit == Decimal(2)
    for indicator in sheet.indicators.filter(kind="manual"):
        rules = list(indicator.deduction_rules.all())
        assert rules and all("扣" in rule.text and rule.points > 0 for rule in rules), indicator.name
        assert sum(rule.points for rule in rules) <= indicator.max_points


def test_units_file_monthly_values_with_evidence_some_late_and_the_zhongyiyuan_below_its_target():
    sheet = health_sheet()
    months = [datetime.date(2011, month, 1) for month in range(3, 13)]
    for indicator in sheet.indicators.filter(kind="measured"):
        for unit in Organization.objects.filter(parent__code="SN-WS").exclude(kind="union"):
            values = IndicatorValue.objects.filter(indicator=indicator, organization=unit)
            if not indicator.applies_to(unit.grade):
                assert not values.exists(), (indicator.name, unit.name)
                continue
            assert sorted(values.values_list("month", flat=True)) == months, (indicator.name, unit.name)
            for value in values:
                assert value.evidence
                if indicator.value_kind == ValueKind.RATIO:
                    assert value.value == (value.numerator * 100 / value.denominator).quantize(Decimal("0.01"))
    units = Organization.objects.filter(parent__code="SN-WS").exclude(kind="union")
    filing = IndicatorValue.objects.filter(indicator__sheet=sheet).values_list("organization__code", flat=True)
    assert set(filing) == {unit.code for unit in units}
    nursing = sheet.indicators.get(name="优质护理病房覆盖率")
    zhongyi = Organization.objects.get(code="SN-WS-ZYY")
    target = nursing.target_for(zhongyi.grade)
    assert all(
        value < target
        for value in IndicatorValue.objects.filter(indicator=nursing, organization=zhongyi).values_list(
            "value", flat=True
        )
    )
    county_hospital = IndicatorValue.objects.filter(indicator=nursing, organization__code="SN-WS-RMYY")
    assert county_hospital.get(month=datetime.date(2011, 12, 1)).value >= nursing.target_for(Grade.SECOND)

    def late(value):
        due = datetime.date(
            value.month.year + value.month.month // 12, value.month.month % 12 + 1, sheet.monthly_report_day
        )
        return timezone.localtime(value.reported_at).date() > due

    filed = list(IndicatorValue.objects.filter(indicator__sheet=sheet).select_related("organization"))
    late_filings = {(value.organization.code, value.month.month) for value in filed if late(value)}
    assert ("SN-WS-ZYY", 10) in late_filings and 2 <= len(late_filings) <= 6


def test_every_unit_assessed_itself_and_the_bureau_verified_with_deductions_and_reasons():
    period = ScorePeriod.objects.get(campaign__name=HEALTH_CAMPAIGN_NAME, name="2011年度")
    manual = list(Indicator.objects.filter(sheet__campaign=period.campaign, kind="manual"))
    units = Organization.objects.filter(parent__code="SN-WS").exclude(kind="union")

    assert period.self_assessment_due == datetime.date(2012, 1, 10)
    assert (period.first_month, period.last_month) == (datetime.date(2011, 3, 1), datetime.date(2011, 12, 1))
    lowered = 0
    for unit in units:
        for indicator in manual:
            own = SelfAssessment.objects.get(period=period, indicator=indicator, organization=unit)
            verified = ManualScore.objects.get(period=period, indicator=indicator, organization=unit)
            deducted = Deduction.objects.filter(period=period, organization=unit, rule__indicator=indicator)
            assert own.evidence and verified.comment
            assert verified.points == indicator.max_points - (deducted.aggregate(total=Sum("points"))["total"] or 0)
            assert own.points >= verified.points
            assert all(deduction.reason for deduction in deducted)
            lowered += verified.points < own.points
    assert lowered >= 3
    assert Deduction.objects.filter(period=period).count() >= 10
    assert DeductionRule.objects.filter(deductions__period=period).distinct().count() >= 5


def test_loading_again_adds_no_health_rows():
    models = (Campaign, Indicator, DeductionRule, IndicatorValue, ScorePeriod, SelfAssessment, Deduction, ManualScore)
    before = {model.__name__: model.objects.count() for model in models}

    out = StringIO()
    call_command("load_demo", stdout=out)

    assert {model.__name__: model.objects.count() for model in models} == before
    assert f"演示活动“{HEALTH_CAMPAIGN_NAME}”已存在，没有重复创建。" in out.getvalue()


def test_the_period_is_ranked_with_self_and_verified_totals_and_the_zhongyiyuan_short_on_nursing():
    period = ScorePeriod.objects.get(campaign__name=HEALTH_CAMPAIGN_NAME, name="2011年度")
    units = Organization.objects.filter(parent__code="SN-WS").exclude(kind="union")
    scores = {
        score.organization.code: score
        for score in OrganizationScore.objects.filter(period=period).select_related("organization")
    }

    assert set(scores) == {unit.code for unit in units}
    assert all(score.self_total is not None and score.self_total >= score.total for score in scores.values())
    assert any(score.self_total > score.total for score in scores.values())
    nursing = next(line for line in scores["SN-WS-ZYY"].breakdown if line["name"] == "优质护理病房覆盖率")
    assert Decimal(nursing["points"]) < nursing["max"]
