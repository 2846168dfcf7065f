"""目标责任书 and the leaders' year-end assessment: who issues a letter to whom, what it
names, and how the year-end result is bounded by the unit's verified points and its veto
(campaign.letters.services); the pure points helper (campaign.letters.selectors)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaign.incidents.models import Incident, IncidentKind, VetoRule
from campaign.letters.models import AssessmentResult, ResponsibilityLetter
from campaign.letters.selectors import (
    assessment_percent,
    letter_target_points,
    suggested_result,
)
from campaign.letters.services import (
    letter_assess,
    letter_issue,
    letter_may_issue,
    letter_units,
    letter_update,
    letter_withdraw,
)
from campaign.scores.models import OrganizationScore, ScorePeriod
from campaign.scores.services import score_sheet_default, scores_compute
from campaign.tests.factories import make_campaign, make_score_period
from orgs.tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2011, 1, 10)


@pytest.fixture
def sheet(campaign):
    """The default 100-point sheet: 承诺覆盖率 15, 践诺率 15, 点评覆盖率 10, 群众满意率 20, …"""
    return score_sheet_default(campaign=campaign, total_points=100, by=None)


def line(sheet, name):
    return sheet.indicators.get(name=name)


@pytest.fixture
def year(campaign):
    return ScorePeriod.objects.create(
        campaign=campaign,
        name="2011年度",
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 12, 1),
        finalized_at=timezone.now(),
    )


def give_score(period, organization, points: dict, *, vetoed=False, reasons=()):
    """The unit's stored score in the period, as the scores task leaves it: ``points`` by
    indicator, the sheet's other lines at 0."""
    sheet = period.campaign.score_sheet
    breakdown = [
        {
            "indicator": indicator.pk,
            "name": indicator.name,
            "kind": indicator.kind,
            "max": indicator.max_points,
            "points": str(points.get(indicator, 0)),
        }
        for indicator in sheet.indicators.order_by("order", "pk")
    ]
    return OrganizationScore.objects.create(
        period=period,
        organization=organization,
        depth=2,
        kind=organization.kind,
        total=sum((Decimal(str(value)) for value in points.values()), Decimal(0)),
        vetoed=vetoed,
        veto_reasons=list(reasons),
        rank=1,
        position=1,
        group_size=1,
        breakdown=breakdown,
        computed_at=timezone.now(),
    )


@pytest.fixture
def letter(county, campaign, sheet):
    """红湾社区's letter with its secretary on 承诺覆盖率 (15) and 践诺率 (15)."""
    return letter_issue(
        campaign=campaign,
        organization=county.branch_a1,
        leader=county.secretary_a1,
        indicators=[line(sheet, "承诺覆盖率"), line(sheet, "践诺率")],
        terms="确保承诺全覆盖。",
        signed_on=SIGNED,
        by=county.office,
    )


# ---------------------------------------------------------------------------
# The pure points helper
# ---------------------------------------------------------------------------

BREAKDOWN = [
    {"indicator": 1, "name": "承诺覆盖率", "max": 15, "points": "12"},
    {"indicator": 2, "name": "践诺率", "max": 15, "points": "13.5"},
    {"indicator": 3, "name": "群众满意率", "max": 20, "points": "20"},
]


def test_target_points_sum_only_the_letters_lines_in_the_breakdowns_order():
    points, maximum, rows = letter_target_points([2, 1], BREAKDOWN)

    assert (points, maximum) == (Decimal("25.5"), Decimal(30))
    assert [(row.indicator, row.name, row.points, row.max) for row in rows] == [
        (1, "承诺覆盖率", Decimal(12), Decimal(15)),
        (2, "践诺率", Decimal("13.5"), Decimal(15)),
    ]
    assert assessment_percent(points, maximum) == Decimal("85.0")


def test_a_line_missing_from_the_breakdown_counts_in_neither_sum():
    points, maximum, rows = letter_target_points([3, 99], BREAKDOWN)

    assert (points, maximum) == (Decimal(20), Decimal(20))
    assert [(row.indicator, row.found) for row in rows] == [(3, True), (99, False)]


def test_no_line_found_gives_no_points_at_all():
    assert letter_target_points([99], BREAKDOWN)[:2] == (None, None)
    assert letter_target_points([], BREAKDOWN) == (None, None, [])
    assert assessment_percent(None, None) is None


def test_the_share_is_rounded_to_one_decimal_half_up():
    assert assessment_percent(Decimal("0.49"), Decimal(4)) == Decimal("12.3")  # 12.25, not banker's 12.2
    assert assessment_percent(Decimal(2), Decimal(3)) == Decimal("66.7")
    assert assessment_percent(Decimal(1), Decimal(3)) == Decimal("33.3")


@pytest.mark.parametrize(
    ("percent", "vetoed", "expected"),
    [
        ("90", False, AssessmentResult.EXCELLENT),
        ("89.9", False, AssessmentResult.COMPETENT),
        ("75", False, AssessmentResult.COMPETENT),
        ("74.9", False, AssessmentResult.BASIC),
        ("60", False, AssessmentResult.BASIC),
        ("59.9", False, AssessmentResult.INCOMPETENT),
        ("100", True, AssessmentResult.BASIC),
        ("50", True, AssessmentResult.INCOMPETENT),
    ],
)
def test_the_points_suggest_a_result_and_a_veto_caps_it(percent, vetoed, expected):
    assert suggested_result(Decimal(percent), vetoed=vetoed) == expected


# ---------------------------------------------------------------------------
# Issuing
# ---------------------------------------------------------------------------


def test_the_office_issues_a_letter_naming_lines_of_the_sheet(county, campaign, sheet, letter):
    letter.refresh_from_db()
    assert letter.organization == county.branch_a1 and letter.leader == county.secretary_a1
    assert [indicator.name for indicator in letter.indicators.order_by("order")] == ["承诺覆盖率", "践诺率"]
    assert letter.issued_by == county.office and letter.result == ""


def test_a_township_leader_issues_letters_to_the_branches_below_it_only(county, campaign, sheet):
    assert letter_may_issue(county.leader_a, campaign, county.branch_a2)
    assert not letter_may_issue(county.leader_a, campaign, county.branch_b1)
    assert not letter_may_issue(county.leader_a, campaign, county.township_a)  # its own unit
    assert set(letter_units(county.leader_a, campaign)) == {county.branch_a1, county.branch_a2}

    letter = letter_issue(
        campaign=campaign,
        organization=county.branch_a2,
        leader=county.member_a2,
        indicators=[line(sheet, "群众满意率")],
        terms="",
        signed_on=SIGNED,
        by=county.leader_a,
    )
    assert letter.organization == county.branch_a2

    with pytest.raises(PermissionDenied):
        letter_issue(
            campaign=campaign,
            organization=county.branch_b1,
            leader=county.secretary_b1,
            indicators=[line(sheet, "群众满意率")],
            terms="",
            signed_on=SIGNED,
            by=county.leader_a,
        )


@pytest.mark.parametrize("account", ["secretary_user_a1", "member_user_a1", "inspector_b"])
def test_the_unit_itself_and_inspection_groups_do_not_issue_letters(county, campaign, sheet, account):
    user = getattr(county, account)
    organization = county.branch_b1 if account == "inspector_b" else county.branch_a1
    assert not letter_may_issue(user, campaign, organization)
    with pytest.raises(PermissionDenied):
        letter_issue(
            campaign=campaign,
            organization=organization,
            leader=organization.members.order_by("pk").first(),
            indicators=[line(sheet, "践诺率")],
            terms="",
            signed_on=SIGNED,
            by=user,
        )


def test_an_office_of_another_county_cannot_issue_in_this_campaign(county, campaign, sheet):
    from orgs.tests.factories import make_organization

    other = make_user("office_x", "office", organization=make_organization("另一县委", kind="county"))
    assert not letter_may_issue(other, campaign, county.branch_a1)


def test_one_letter_per_leader_per_campaign(county, campaign, sheet, letter):
    with pytest.raises(ValidationError, match="已签订目标责任书，每人只签一份"):
        letter_issue(
            campaign=campaign,
            organization=county.branch_a1,
            leader=county.secretary_a1,
            indicators=[line(sheet, "群众满意率")],
            terms="",
            signed_on=SIGNED,
            by=county.office,
        )
    # Another campaign is another letter.
    second = make_campaign(county.county, name="平安单位创建活动")
    assert letter_issue(
        campaign=second,
        organization=county.branch_a1,
        leader=county.secretary_a1,
        indicators=[],
        terms="确保五个到位，力争实现三无。",
        signed_on=SIGNED,
        by=county.office,
    )
    assert ResponsibilityLetter.objects.filter(leader=county.secretary_a1).count() == 2


def test_a_member_of_another_unit_is_refused_as_the_leader(county, campaign, sheet):
    with pytest.raises(ValidationError, match="不是“红湾社区党支部”的人员"):
        letter_issue(
            campaign=campaign,
            organization=county.branch_a1,
            leader=county.member_a2,
            indicators=[line(sheet, "践诺率")],
            terms="",
            signed_on=SIGNED,
            by=county.office,
        )
    assert not ResponsibilityLetter.objects.exists()


def test_staff_outside_the_party_sign_only_in_a_campaign_about_whole_units(county, campaign, sheet):
    nurse = make_staff(county.branch_a1, "马兰花")
    with pytest.raises(ValidationError, match="本活动只考核党员"):
        letter_issue(
            campaign=campaign,
            organization=county.branch_a1,
            leader=nurse,
            indicators=[line(sheet, "践诺率")],
            terms="",
            signed_on=SIGNED,
            by=county.office,
        )


def test_a_letter_names_a_target_line_or_some_terms(county, campaign, sheet):
    with pytest.raises(ValidationError, match="请至少选择一项目标指标，或填写责任内容"):
        letter_issue(
            campaign=campaign,
            organization=county.branch_a1,
            leader=county.member_a1,
            indicators=[],
            terms="   ",
            signed_on=SIGNED,
            by=county.office,
        )


def test_target_lines_come_from_the_campaigns_own_sheet(county, campaign, sheet):
    other = make_campaign(county.county, name="平安单位创建活动")
    other_line = score_sheet_default(campaign=other, total_points=100, by=None).indicators.first()
    with pytest.raises(ValidationError, match="不在本活动的考核评分表中"):
        letter_issue(
            campaign=campaign,
            organization=county.branch_a1,
            leader=county.member_a1,
            indicators=[other_line],
            terms="",
            signed_on=SIGNED,
            by=county.office,
        )


def test_a_letter_is_not_signed_after_the_campaign_ends(county, campaign, sheet):
    with pytest.raises(ValidationError, match="签订日期不能晚于活动结束日期"):
        letter_issue(
            campaign=campaign,
            organization=county.branch_a1,
            leader=county.member_a1,
            indicators=[line(sheet, "践诺率")],
            terms="",
            signed_on=campaign.ends_on + datetime.timedelta(days=1),
            by=county.office,
        )


def test_mass_organizations_and_the_campaigns_own_organization_get_no_letter(county, campaign, sheet):
    assert not letter_may_issue(county.office, campaign, county.union_a1)
    assert not letter_may_issue(county.office, campaign, county.county)
    units = set(letter_units(county.office, campaign))
    assert county.union_a1 not in units and county.county not in units and county.branch_b1 in units


# ---------------------------------------------------------------------------
# Changing and withdrawing
# ---------------------------------------------------------------------------


def test_the_issuer_changes_targets_and_terms_before_the_assessment(county, sheet, letter):
    letter_update(
        letter=letter,
        indicators=[line(sheet, "群众满意率")],
        terms="群众满意率不低于90%。",
        signed_on=SIGNED,
        by=county.leader_a,
    )
    letter.refresh_from_db()
    assert [indicator.name for indicator in letter.indicators.all()] == ["群众满意率"]
    assert letter.terms == "群众满意率不低于90%。"


def test_withdrawing_removes_an_unassessed_letter(county, letter):
    with pytest.raises(PermissionDenied):
        letter_withdraw(letter=letter, by=county.secretary_user_a1)
    letter_withdraw(letter=letter, by=county.office)
    assert not ResponsibilityLetter.objects.filter(pk=letter.pk).exists()


def test_an_assessed_letter_is_neither_changed_nor_withdrawn(county, sheet, year, letter):
    give_score(year, county.branch_a1, {line(sheet, "承诺覆盖率"): 15, line(sheet, "践诺率"): 14})
    letter_assess(letter=letter, period=year, result=AssessmentResult.EXCELLENT, comment="", by=county.office)

    with pytest.raises(ValidationError, match="已经考核，不能再修改"):
        letter_update(letter=letter, indicators=[], terms="改", signed_on=SIGNED, by=county.office)
    with pytest.raises(ValidationError, match="已经考核，不能撤销"):
        letter_withdraw(letter=letter, by=county.office)
    assert ResponsibilityLetter.objects.get(pk=letter.pk).terms == "确保承诺全覆盖。"


# ---------------------------------------------------------------------------
# The year-end assessment
# ---------------------------------------------------------------------------


def test_the_assessment_records_the_target_lines_share_of_their_maxima(county, sheet, year, letter):
    # 12 + 13.5 of 30 on the letter's lines; the full 20 on 群众满意率 is not the letter's.
    give_score(
        year,
        county.branch_a1,
        {line(sheet, "承诺覆盖率"): 12, line(sheet, "践诺率"): "13.5", line(sheet, "群众满意率"): 20},
    )

    assessed = letter_assess(
        letter=letter, period=year, result=AssessmentResult.COMPETENT, comment="", by=county.leader_a
    )

    assessed.refresh_from_db()
    assert assessed.assessment_points == Decimal("85.0")
    assert assessed.result == AssessmentResult.COMPETENT
    assert assessed.assessed_period == year and assessed.assessed_by == county.leader_a
    assert assessed.assessed_at is not None


def test_the_assessor_may_lower_the_suggestion_but_raise_it_only_with_a_comment(county, sheet, year, letter):
    give_score(year, county.branch_a1, {line(sheet, "承诺覆盖率"): 12, line(sheet, "践诺率"): 12})  # 80.0: 称职

    with pytest.raises(ValidationError, match="建议评为“称职”"):
        letter_assess(letter=letter, period=year, result=AssessmentResult.EXCELLENT, comment=" ", by=county.office)
    assert ResponsibilityLetter.objects.get(pk=letter.pk).result == ""

    letter_assess(letter=letter, period=year, result=AssessmentResult.BASIC, comment="", by=county.office)
    assert ResponsibilityLetter.objects.get(pk=letter.pk).result == AssessmentResult.BASIC

    letter_assess(
        letter=letter,
        period=year,
        result=AssessmentResult.EXCELLENT,
        comment="承诺全部兑现，群众评价高。",
        by=county.office,
    )
    assert ResponsibilityLetter.objects.get(pk=letter.pk).result == AssessmentResult.EXCELLENT


@pytest.mark.parametrize("result", [AssessmentResult.EXCELLENT, AssessmentResult.COMPETENT])
def test_a_vetoed_units_leader_cannot_be_excellent_or_competent(county, sheet, year, letter, result):
    give_score(
        year,
        county.branch_a1,
        {line(sheet, "承诺覆盖率"): 15, line(sheet, "践诺率"): 15},
        vetoed=True,
        reasons=["2011-05-03 发生安全生产事故（较大），迟报"],
    )

    with pytest.raises(
        ValidationError, match="被一票否决（2011-05-03 发生安全生产事故（较大），迟报），责任人不能评为优秀或称职"
    ):
        letter_assess(letter=letter, period=year, result=result, comment="成绩突出，但事故迟报。", by=county.office)
    assert ResponsibilityLetter.objects.get(pk=letter.pk).result == ""

    # 100% of the targets, yet the best the veto allows is 基本称职.
    letter_assess(letter=letter, period=year, result=AssessmentResult.BASIC, comment="", by=county.office)
    letter.refresh_from_db()
    assert letter.result == AssessmentResult.BASIC and letter.assessment_points == Decimal("100.0")


def test_an_assessment_needs_the_units_score_in_a_period_of_the_same_campaign(county, campaign, sheet, year, letter):
    with pytest.raises(ValidationError, match="还没有考核得分"):
        letter_assess(letter=letter, period=year, result=AssessmentResult.BASIC, comment="", by=county.office)

    other = make_campaign(county.county, name="平安单位创建活动")
    foreign = ScorePeriod.objects.create(
        campaign=other, name="2011年度", first_month=datetime.date(2011, 1, 1), last_month=datetime.date(2011, 12, 1)
    )
    with pytest.raises(ValidationError, match="不属于本活动"):
        letter_assess(letter=letter, period=foreign, result=AssessmentResult.BASIC, comment="", by=county.office)


def test_a_letter_of_terms_only_is_assessed_on_the_assessors_written_grounds(county, campaign, sheet, year):
    letter = letter_issue(
        campaign=campaign,
        organization=county.branch_a1,
        leader=county.member_a1,
        indicators=[],
        terms="确保五个到位，力争实现三无。",
        signed_on=SIGNED,
        by=county.office,
    )
    give_score(year, county.branch_a1, {})
    with pytest.raises(ValidationError, match="请在评语中写明考核依据"):
        letter_assess(letter=letter, period=year, result=AssessmentResult.COMPETENT, comment="", by=county.office)

    letter_assess(
        letter=letter,
        period=year,
        result=AssessmentResult.COMPETENT,
        comment="五个到位，全年无事故。",
        by=county.office,
    )
    letter.refresh_from_db()
    assert letter.result == AssessmentResult.COMPETENT and letter.assessment_points is None


def test_only_the_issuers_assess(county, sheet, year, letter):
    give_score(year, county.branch_a1, {line(sheet, "承诺覆盖率"): 15, line(sheet, "践诺率"): 15})
    for user in (county.secretary_user_a1, county.inspector_b, county.secretary_user_b1):
        with pytest.raises(PermissionDenied):
            letter_assess(letter=letter, period=year, result=AssessmentResult.EXCELLENT, comment="", by=user)


# ---------------------------------------------------------------------------
# On the scores as the scores room computes them
# ---------------------------------------------------------------------------


def test_the_assessment_reads_the_computed_score_and_its_incident_veto(county, campaign):
    """The period computed by campaign.scores from the inspection group's 8 of 10 and a
    late-reported incident: the letter's share is the breakdown's, and the veto reaches
    the 责任人."""
    period = make_score_period(county, campaign)
    kind = IncidentKind.objects.create(
        campaign=campaign, name="一般安全事故", phone_limit_hours=1, written_limit_hours=24, veto_rule=VetoRule.LATE
    )
    happened = timezone.make_aware(datetime.datetime(2010, 10, 3, 8, 0))
    Incident.objects.create(
        campaign=campaign,
        organization=county.branch_b1,
        kind=kind,
        summary="村道护栏损坏致一人受伤",
        occurred_at=happened,
        phoned_at=happened + datetime.timedelta(minutes=30),
        written_at=happened + datetime.timedelta(hours=40),
    )
    scores_compute(period, today=datetime.date(2011, 3, 1))
    score = OrganizationScore.objects.get(period=period, organization=county.branch_b1)
    inspection = campaign.score_sheet.indicators.get(kind="manual")
    letter = letter_issue(
        campaign=campaign,
        organization=county.branch_b1,
        leader=county.secretary_b1,
        indicators=[inspection],
        terms="",
        signed_on=datetime.date(2010, 7, 1),
        by=county.office,
    )

    with pytest.raises(ValidationError, match="2010-10-03 发生一般安全事故，迟报"):
        letter_assess(letter=letter, period=period, result=AssessmentResult.COMPETENT, comment="", by=county.office)
    letter_assess(letter=letter, period=period, result=AssessmentResult.BASIC, comment="", by=county.office)

    letter.refresh_from_db()
    (line,) = [line for line in score.breakdown if line["indicator"] == inspection.pk]
    assert letter.assessment_points == Decimal(line["points"]) * 100 / line["max"] == Decimal("80.0")
    assert letter.result == AssessmentResult.BASIC
