"""The demo county's third campaign: the transport system's 平安单位 (speech 5), run by the
交通局党委 with its 安全科 leading: the 十个方面 as standards, the 五个到位 as the sheet,
the 三无 as vetoes, one accident reported late that vetoes its unit, and the leaders'
responsibility letters assessed at the year's end."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from campaign.campaigns.models import Campaign, StandardSubject
from campaign.campaigns.services import campaign_may_edit
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.devdata.demo_transport import TRANSPORT_CAMPAIGN_NAME
from campaign.incidents.models import Incident, IncidentKind, Timeliness, VetoRule
from campaign.incidents.selectors import incident_timeliness, incident_vetoes_by_unit
from campaign.letters.models import AssessmentResult, ResponsibilityLetter
from campaign.scores.models import (
    Deduction,
    DeductionRule,
    Indicator,
    ManualScore,
    OrganizationScore,
    ScorePeriod,
    ScoreSheet,
    SelfAssessment,
    Standing,
)
from orgs.models import Organization, Role, User

pytestmark = pytest.mark.django_db

UNITS = {
    "SN-JT-GLZ": "县公路管理站党支部",
    "SN-JT-YGS": "县道路运输管理所党支部",
    "SN-JT-QYGS": "县汽车运输公司党支部",
    "SN-JT-HSC": "县地方海事处党支部",
}


@pytest.fixture(autouse=True)
def _demo(demo_county_loaded):
    pass


def transport() -> Campaign:
    return Campaign.objects.get(name=TRANSPORT_CAMPAIGN_NAME)


def period() -> ScorePeriod:
    return ScorePeriod.objects.get(campaign=transport(), name="2011年度")


def test_the_transport_bureau_runs_pingan_over_its_units_with_the_ten_aspects():
    campaign = transport()

    assert (campaign.organization.code, campaign.organization.name) == ("SN-JT", "交通局党委")
    assert (campaign.starts_on, campaign.ends_on) == (datetime.date(2011, 1, 1), datetime.date(2011, 12, 31))
    assert dict(Organization.objects.filter(parent=campaign.organization).values_list("code", "name")) == UNITS
    for code in UNITS:
        assert Organization.objects.get(code=code).members.filter(post="secretary").count() == 1
    standard = campaign.standards.get(subject=StandardSubject.ORGANIZATION)
    assert [dimension.name for dimension in standard.dimensions.order_by("order")] == [
        "人身安全",
        "生产安全",
        "法制安全",
        "心理安全",
        "交通安全",
        "消防安全",
        "季节安全",
        "设施安全",
        "施工安全",
        "办公、住宅区安全",
    ]
    sheet = ScoreSheet.objects.get(campaign=campaign)
    lines = list(sheet.indicators.order_by("order"))
    assert [(line.name, line.kind, line.max_points) for line in lines] == [
        (name, "manual", 20)
        for name in ("宣传发动到位", "安全教育到位", "安全管理到位", "安全投入到位", "安全责任到位")
    ]
    assert all(line.deduction_rules.exists() for line in lines)
    assert sheet.pass_points == Decimal("80")


def test_the_jiaotong_office_runs_the_transport_campaign_only():
    jiaotong = User.objects.get(username="jiaotong")

    assert (jiaotong.role, jiaotong.organization.code) == (Role.OFFICE, "SN-JT")
    assert campaign_may_edit(jiaotong, transport())
    assert not campaign_may_edit(jiaotong, Campaign.objects.get(name=DEMO_CAMPAIGN_NAME))


def test_the_three_nones_always_veto_and_a_general_accident_vetoes_when_reported_late():
    kinds = {kind.name: kind for kind in IncidentKind.objects.filter(campaign=transport())}

    assert {name: kind.veto_rule for name, kind in kinds.items()} == {
        "重特大事故": VetoRule.ALWAYS,
        "职工家属违法犯罪": VetoRule.ALWAYS,
        "影响稳定事件": VetoRule.ALWAYS,
        "一般安全事故": VetoRule.LATE,
    }
    general = kinds["一般安全事故"]
    assert (general.phone_limit_hours, general.written_limit_hours) == (1, 24)


def test_the_bus_company_reported_its_accident_40_hours_late_and_is_vetoed_for_2011():
    campaign = transport()
    late = Incident.objects.get(campaign=campaign, organization__code="SN-JT-QYGS")
    on_time = Incident.objects.get(campaign=campaign, organization__code="SN-JT-GLZ")

    assert late.written_at - late.occurred_at == datetime.timedelta(hours=40) and late.phoned_at is None
    assert incident_timeliness(late, late.kind) == Timeliness.LATE
    assert incident_timeliness(on_time, on_time.kind) == Timeliness.ON_TIME
    vetoes = incident_vetoes_by_unit(
        campaign, first_day=datetime.date(2011, 1, 1), last_day=datetime.date(2011, 12, 31)
    )
    assert set(vetoes) == {late.organization.path}
    assert "迟报" in vetoes[late.organization.path][0]
    # The ranking marks it 一票否决 with the reason, though its points alone would pass.
    score = OrganizationScore.objects.get(period=period(), organization=late.organization)
    assert score.vetoed and score.standing == Standing.VETOED and "迟报" in score.veto_reasons[0]
    assert score.total >= campaign.score_sheet.pass_points
    assert not OrganizationScore.objects.filter(period=period(), vetoed=True).exclude(pk=score.pk).exists()
    # The 安全责任到位 line's 迟报 rule is applied there and nowhere else.
    applied = Deduction.objects.filter(period=period(), rule__text__startswith="重大情况迟报")
    assert [deduction.organization.code for deduction in applied] == ["SN-JT-QYGS"]


def test_every_unit_assessed_itself_and_the_office_verified_the_finalized_period():
    year = period()
    lines = list(Indicator.objects.filter(sheet__campaign=year.campaign))

    assert year.is_finalized and year.self_assessment_due == datetime.date(2011, 12, 25)
    assert SelfAssessment.objects.filter(period=year).count() == len(UNITS) * len(lines)
    assert ManualScore.objects.filter(period=year).count() == len(UNITS) * len(lines)
    assert OrganizationScore.objects.filter(period=year).count() == len(UNITS)
    lowered = [
        own
        for own in SelfAssessment.objects.filter(period=year)
        if ManualScore.objects.get(period=year, indicator=own.indicator, organization=own.organization).points
        < own.points
    ]
    assert lowered


def test_each_unit_leader_signed_a_letter_assessed_against_the_2011_scores():
    campaign, year = transport(), period()
    letters = list(ResponsibilityLetter.objects.filter(campaign=campaign).select_related("organization", "leader"))
    lines = set(Indicator.objects.filter(sheet__campaign=campaign).values_list("pk", flat=True))

    assert sorted(letter.organization.code for letter in letters) == sorted(UNITS)
    for letter in letters:
        assert letter.leader.organization_id == letter.organization_id and letter.leader.job_title
        assert letter.signed_on == datetime.date(2011, 1, 18)
        assert set(letter.indicators.values_list("pk", flat=True)) == lines
        assert letter.assessed_period == year and letter.result and letter.assessment_comment
        score = OrganizationScore.objects.get(period=year, organization=letter.organization)
        earned = sum(Decimal(line["points"]) for line in score.breakdown)
        assert letter.assessment_points == (earned * 100 / sum(line["max"] for line in score.breakdown)).quantize(
            Decimal("0.1")
        )
    by_unit = {letter.organization.code: letter for letter in letters}
    vetoed = by_unit["SN-JT-QYGS"]
    # Its points alone would pass; the veto decides.
    assert vetoed.assessment_points >= year.campaign.score_sheet.pass_points
    assert vetoed.result not in (AssessmentResult.EXCELLENT, AssessmentResult.COMPETENT)
    assert "一票否决" in vetoed.assessment_comment
    assert {letter.result for code, letter in by_unit.items() if code != "SN-JT-QYGS"} <= {
        AssessmentResult.EXCELLENT,
        AssessmentResult.COMPETENT,
    }


def test_loading_again_adds_no_transport_rows_and_prints_the_bureau_accounts():
    models = (
        Campaign,
        Indicator,
        DeductionRule,
        IncidentKind,
        Incident,
        ResponsibilityLetter,
        ScorePeriod,
        SelfAssessment,
        Deduction,
        ManualScore,
        OrganizationScore,
    )
    before = {model.__name__: model.objects.count() for model in models}

    out = StringIO()
    call_command("load_demo", stdout=out)

    assert {model.__name__: model.objects.count() for model in models} == before
    output = out.getvalue()
    assert f"演示活动“{TRANSPORT_CAMPAIGN_NAME}”已存在，没有重复创建。" in output
    printed = {line.split()[0]: line for line in output.splitlines() if line[:1].isascii() and line.strip()}
    assert "交通局党委" in printed["jiaotong"] and "卫生局党委" in printed["weisheng"]
