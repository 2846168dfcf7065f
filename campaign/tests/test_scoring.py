"""考核评价: each computed indicator on the small county with answers worked out by hand,
ranks with ties, the sheet's rules, manual scores and who may give them, the task, and
finalizing.

The small county: 测试县委 → 红湾寺镇党委 (its secretary 柯长林) → 红湾社区党支部 (安秀英,
钟建军, 兰永福) and 许三湾村党支部 (贺玉梅); 测试县委 → 康乐乡党委 → 北极村党支部 (杜德明,
安国庆). Most tests use a sheet of one 100-point indicator, so points equal the share.
"""

import datetime
import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from campaign.dashboard.models import OrganizationFigures
from campaign.nominations.models import ModelNomination
from campaign.reports.models import InfoReport
from campaign.scores.formulas import competition_ranks
from campaign.scores.models import (
    IndicatorFormula,
    IndicatorKind,
    ManualScore,
    NoDataRule,
    OrganizationScore,
    ScorePeriod,
    ScoreSheet,
)
from campaign.scores.rules import Rule, rule_points
from campaign.scores.services import (
    IndicatorInput,
    ManualInput,
    default_indicators,
    manual_scores_set,
    score_period_create,
    score_period_finalize,
    score_period_recompute,
    score_period_request_recompute,
    score_sheet_default,
    score_sheet_set,
    scores_compute,
)
from campaign.scores.tasks import recompute_open_scores
from campaign.tests.factories import at
from orgs.scoping import unscoped
from orgs.tests.factories import make_organization
from pledges.models import Rectification, RectificationStatus
from pledges.tests.factories import make_pledge, make_rectification, publish_first_version
from reviews.models import EvaluationSubject, RoundState, TallyResult
from reviews.tests.factories import make_review, make_round

TODAY = datetime.date(2011, 3, 1)  # every 2010 month is over
JULY, SEPTEMBER, DECEMBER = datetime.date(2010, 7, 1), datetime.date(2010, 9, 1), datetime.date(2010, 12, 1)


def one_indicator(campaign, formula, *, when_no_data=None):
    return score_sheet_set(
        campaign=campaign,
        total_points=100,
        indicators=[
            IndicatorInput(
                IndicatorFormula(formula).label,
                IndicatorKind.COMPUTED,
                100,
                formula,
                when_no_data or NoDataRule.FULL,
            )
        ],
        by=None,
    )


def period_of(campaign, first=JULY, last=SEPTEMBER, name="2010年第三季度"):
    return score_period_create(campaign=campaign, name=name, first_month=first, last_month=last, by=None)


def computed(period, today=TODAY):
    scores_compute(period, today=today)
    return {score.organization_id: score for score in OrganizationScore.objects.filter(period=period)}


def points(scores, organization, line=0):
    return Decimal(scores[organization.pk].breakdown[line]["points"])


# ---------------------------------------------------------------------------
# Each computed indicator
# ---------------------------------------------------------------------------


def test_pledge_coverage_counts_organizations_and_members_published_by_the_period_end(county, campaign):
    one_indicator(campaign, IndicatorFormula.PLEDGE_COVERAGE)
    publish_first_version(make_pledge(campaign, county.branch_a1), datetime.date(2010, 9, 20))
    publish_first_version(make_pledge(campaign, county.branch_a1, member=county.member_a1), datetime.date(2010, 9, 25))
    publish_first_version(
        make_pledge(campaign, county.branch_a2, member=county.member_a2), datetime.date(2010, 10, 8)
    )  # too late

    scores = computed(period_of(campaign))

    # 红湾社区: itself and 1 of its 3 members → 2 / 4.
    assert points(scores, county.branch_a1) == Decimal("50")
    assert (
        scores[county.branch_a1.pk].breakdown[0] | {"part": 2, "whole": 4, "share": "50"}
        == (scores[county.branch_a1.pk].breakdown[0])
    )
    # 红湾寺镇: 3 organizations and 5 members, 2 of them covered → 25%.
    assert points(scores, county.township_a) == Decimal("25")
    assert points(scores, county.branch_a2) == points(scores, county.township_b) == Decimal("0")


def test_fulfillment_counts_items_due_by_the_period_end_and_applies_the_rule_for_no_data(county, campaign):
    score_sheet_set(
        campaign=campaign,
        total_points=100,
        indicators=[
            IndicatorInput("践诺率", IndicatorKind.COMPUTED, 60, IndicatorFormula.FULFILLMENT, NoDataRule.FULL),
            IndicatorInput(
                "践诺率（无数据不得分）", IndicatorKind.COMPUTED, 40, IndicatorFormula.FULFILLMENT, NoDataRule.ZERO
            ),
        ],
        by=None,
    )
    pledge = make_pledge(campaign, county.branch_b1, items=3)
    publish_first_version(pledge, datetime.date(2010, 6, 1))
    first, second, third = pledge.items.order_by("order")
    for item, due, done in (
        (first, datetime.date(2010, 8, 31), datetime.date(2010, 8, 30)),
        (second, datetime.date(2010, 9, 10), datetime.date(2010, 10, 2)),  # done only after the period
        (third, datetime.date(2010, 12, 31), None),  # not yet due
    ):
        item.due_date, item.completed_on = due, done
        item.save()

    scores = computed(period_of(campaign))

    assert (points(scores, county.branch_b1, 0), points(scores, county.branch_b1, 1)) == (Decimal(30), Decimal(20))
    # Nothing due: the first line does not deduct, the second gives nothing.
    assert (points(scores, county.branch_a1, 0), points(scores, county.branch_a1, 1)) == (Decimal(60), Decimal(0))
    assert scores[county.branch_a1.pk].breakdown[0]["share"] is None
    assert scores[county.branch_a1.pk].total == Decimal(60)


def test_review_coverage_is_subjects_reviewed_over_subjects_due_in_the_review_period(county, campaign):
    one_indicator(campaign, IndicatorFormula.REVIEW_COVERAGE)
    make_review(campaign, county.township_a, reviewer=county.office)
    make_review(
        campaign,
        county.branch_a1,
        county.member_a1,
        reviewer=county.secretary_user_a1,
        reviewer_organization=county.branch_a1,
    )

    scores = computed(period_of(campaign))

    # 红湾社区 answers for itself, its secretary and two members: 1 of 4 reviewed.
    assert points(scores, county.branch_a1) == Decimal("25")
    # 红湾寺镇's subtree: itself and its secretary (2), 红湾社区 (4), 许三湾村 and 贺玉梅 (2): 2 of 8.
    assert points(scores, county.township_a) == Decimal("25")
    assert points(scores, county.branch_b1) == Decimal("0")


def tallied_round(campaign, organization, results):
    evaluation_round = make_round(
        campaign,
        organization,
        state=RoundState.TALLIED,
        opens_at=at(datetime.date(2010, 9, 1)),
        closes_at=at(datetime.date(2010, 9, 10)),
    )
    subjects = {subject.member_id: subject for subject in EvaluationSubject.objects.filter(round=evaluation_round)}
    for member_id, satisfied, basically, dissatisfied in results:
        counted = satisfied + basically + dissatisfied
        TallyResult.objects.create(
            round=evaluation_round,
            subject=subjects[member_id],
            forms=counted,
            # 创先争优: 基本满意 counts as satisfied.
            satisfied=satisfied + basically,
            dissatisfied=dissatisfied,
            choice_counts={"satisfied": satisfied, "basically": basically, "dissatisfied": dissatisfied},
            satisfaction=Decimal(100) * (satisfied + basically) / counted,
            below_threshold=(satisfied + basically) * 100 < 90 * counted,
        )


def test_satisfaction_is_satisfied_votes_over_counted_votes_and_nothing_without_an_evaluation(county, campaign):
    one_indicator(campaign, IndicatorFormula.SATISFACTION, when_no_data=NoDataRule.ZERO)
    tallied_round(campaign, county.branch_a1, [(None, 8, 1, 1), (county.member_a1.pk, 6, 1, 3)])

    scores = computed(period_of(campaign))

    # (8 + 1 + 6 + 1) / 20 = 80%.
    assert points(scores, county.branch_a1) == Decimal("80")
    assert points(scores, county.township_a) == Decimal("80")
    assert points(scores, county.branch_a2) == Decimal("0")
    assert scores[county.branch_a2.pk].breakdown[0]["share"] is None


def report(campaign, organization, day):
    InfoReport.objects.create(
        campaign=campaign,
        organization=organization,
        title="开展承诺践诺活动",
        body="……",
        reported_on=day,
        category="work_news",
    )


def test_reports_are_summed_over_the_months_and_each_organization_counts_up_to_its_quota(county, campaign):
    one_indicator(campaign, IndicatorFormula.REPORTS)
    for month in (7, 8, 9):
        for day in range(1, 6):
            report(campaign, county.branch_a1, datetime.date(2010, month, day))  # 15, the quota is 9
    for day in (3, 13, 23):
        report(campaign, county.branch_a2, datetime.date(2010, 7, day))
    report(campaign, county.branch_a2, datetime.date(2010, 10, 2))  # after the period

    scores = computed(period_of(campaign))

    assert points(scores, county.branch_a1) == Decimal("100")
    assert (
        scores[county.branch_a1.pk].breakdown[0] | {"part": 9, "whole": 9} == scores[county.branch_a1.pk].breakdown[0]
    )
    assert points(scores, county.branch_a2) == Decimal("33.3")
    # 红湾寺镇: its own 0 of 9, 红湾社区 9 (not 15) of 9, 许三湾村 3 of 9 → 12 / 27.
    assert points(scores, county.township_a) == Decimal("44.4")
    assert points(scores, county.branch_b1) == Decimal("0")


def selected_model(campaign, organization, decided):
    nomination = ModelNomination.objects.create(
        title="party_organization",
        campaign=campaign,
        organization=organization,
        deeds="带领群众发展特色养殖",
        nominating_organization=organization,
        current_level=campaign.organization,
        status="selected",
    )
    ModelNomination.objects.filter(pk=nomination.pk).update(created_at=at(decided), decided_at=at(decided))


def test_models_are_counted_quarter_by_quarter_against_the_townships_quota(county, campaign):
    one_indicator(campaign, IndicatorFormula.MODELS)
    selected_model(campaign, county.branch_a1, datetime.date(2010, 8, 10))
    selected_model(campaign, county.branch_a2, datetime.date(2010, 9, 10))  # a second in the same quarter
    selected_model(campaign, county.branch_b1, datetime.date(2010, 9, 20))
    selected_model(campaign, county.branch_b1, datetime.date(2010, 11, 20))

    scores = computed(period_of(campaign, JULY, DECEMBER, "2010年下半年"))

    # 红湾寺镇: two in the third quarter count as its one, none in the fourth → 1 / 2.
    assert points(scores, county.township_a) == Decimal("50")
    assert points(scores, county.township_b) == Decimal("100")
    # Branches have no quota: nothing to measure, and the rule says no deduction.
    assert scores[county.branch_a1.pk].breakdown[0]["share"] is None
    assert points(scores, county.branch_a1) == Decimal("100")


def test_rectifications_closed_on_time_over_those_due_in_the_review_period(county, campaign):
    one_indicator(campaign, IndicatorFormula.RECTIFICATION_ON_TIME)
    make_rectification(campaign, county.branch_a2, datetime.date(2010, 9, 15), solved_on=datetime.date(2010, 9, 14))
    make_rectification(campaign, county.branch_a2, datetime.date(2010, 9, 20), solved_on=datetime.date(2010, 10, 3))
    make_rectification(campaign, county.branch_a2, datetime.date(2010, 9, 25))
    Rectification.objects.update(created_at=at(datetime.date(2010, 8, 1)))
    assert Rectification.objects.filter(status=RectificationStatus.OPEN).count() == 1

    scores = computed(period_of(campaign))

    assert points(scores, county.branch_a2) == Decimal("33.3")
    assert points(scores, county.township_a) == Decimal("33.3")
    assert points(scores, county.branch_a1) == Decimal("100")  # none due: no deduction


def indicator_points(max_points: int, share: Decimal | None, when_no_data: str) -> Decimal:
    return rule_points(Rule(Decimal(max_points), when_no_data=when_no_data), share, None)


def test_points_are_the_maximum_times_the_share_to_the_cent():
    assert indicator_points(15, Decimal("93.3"), NoDataRule.FULL) == Decimal("14.00")  # 13.995 rounds up
    assert indicator_points(15, Decimal("33.3"), NoDataRule.FULL) == Decimal("5.00")
    assert indicator_points(15, None, NoDataRule.FULL) == Decimal(15)
    assert indicator_points(15, None, NoDataRule.ZERO) == Decimal(0)
    assert indicator_points(10, Decimal("120"), NoDataRule.ZERO) == Decimal(10)


# ---------------------------------------------------------------------------
# Ranks
# ---------------------------------------------------------------------------


def test_equal_totals_share_a_rank_and_the_next_rank_skips():
    ranked = competition_ranks(
        [(Decimal(90), "乙", 1), (Decimal(95), "甲", 2), (Decimal("90.00"), "丙", 3), (Decimal(80), "丁", 4)]
    )
    assert ranked == [(2, 1), (3, 2), (1, 2), (4, 4)]  # 丙 before 乙 by name, both second


def test_organizations_are_ranked_among_those_of_the_same_depth_and_kind(county, campaign):
    one_indicator(campaign, IndicatorFormula.PLEDGE_COVERAGE)
    publish_first_version(make_pledge(campaign, county.branch_a1), datetime.date(2010, 9, 20))
    general = make_organization("县直机关党总支", parent=county.county, kind="general_branch")

    scores = computed(period_of(campaign))

    branches = sorted(
        (score.position, score.organization.name, score.rank)
        for score in scores.values()
        if score.kind == "branch" and score.depth == 2
    )
    # 北极村 and 许三湾村 tie at 0 and share the second place, listed by name.
    assert branches == [(1, "红湾社区党支部", 1), (2, "北极村党支部", 2), (3, "许三湾村党支部", 2)]
    assert {scores[county.township_a.pk].group_size, scores[county.township_b.pk].group_size} == {2}
    assert (scores[general.pk].rank, scores[general.pk].group_size) == (1, 1)
    assert county.county.pk not in scores and county.union_a1.pk not in scores


# ---------------------------------------------------------------------------
# The sheet
# ---------------------------------------------------------------------------


def test_the_default_sheets_add_up_to_100_and_1000(county, campaign):
    assert sum(given.max_points for given in default_indicators(100)) == 100
    assert [given.max_points for given in default_indicators(1000)][:2] == [150, 150]
    sheet = score_sheet_default(campaign=campaign, total_points=1000, by=county.office)
    assert sheet.total_points == 1000
    assert [indicator.name for indicator in sheet.indicators.order_by("order")][-1] == "督查组评分"
    with pytest.raises(ValidationError, match="已有评分表"):
        score_sheet_default(campaign=campaign, total_points=100, by=county.office)


def test_maxima_that_do_not_add_up_to_the_total_are_refused(county, campaign):
    with pytest.raises(ValidationError) as refused:
        score_sheet_set(
            campaign=campaign,
            total_points=100,
            indicators=[
                IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 50, IndicatorFormula.PLEDGE_COVERAGE),
                IndicatorInput("督查组评分", IndicatorKind.MANUAL, 40),
            ],
            by=county.office,
        )
    assert "各项指标满分合计 90 分，与总分 100 分不一致，请调整。" in refused.value.messages
    assert not ScoreSheet.objects.exists()


def test_a_computed_indicator_needs_a_formula_and_names_are_unique(county, campaign):
    with pytest.raises(ValidationError) as refused:
        score_sheet_set(
            campaign=campaign,
            total_points=100,
            indicators=[
                IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 50),
                IndicatorInput("承诺覆盖率", IndicatorKind.MANUAL, 50),
            ],
            by=county.office,
        )
    assert "请为系统计算的指标选择计算公式。" in refused.value.messages
    assert "已有名为“承诺覆盖率”的指标，名称不能重复。" in refused.value.messages


def test_only_the_office_edits_the_sheet(county, campaign):
    with pytest.raises(PermissionDenied):
        score_sheet_default(campaign=campaign, total_points=100, by=county.leader_a)
    with pytest.raises(PermissionDenied):
        score_sheet_default(campaign=campaign, total_points=100, by=county.inspector_b)


def test_two_indicators_may_swap_names(county, campaign):
    sheet = score_sheet_default(campaign=campaign, total_points=100, by=None)
    indicators = list(sheet.indicators.order_by("order"))
    given = [IndicatorInput(i.name, i.kind, i.max_points, i.formula, i.when_no_data, i.guidance, i) for i in indicators]
    given[0], given[1] = replace(given[0], name=given[1].name), replace(given[1], name=given[0].name)
    score_sheet_set(campaign=campaign, total_points=100, indicators=given, by=county.office)
    assert list(sheet.indicators.order_by("order").values_list("name", flat=True)[:2]) == ["践诺率", "承诺覆盖率"]


def manual_sheet(campaign):
    return score_sheet_set(
        campaign=campaign,
        total_points=100,
        indicators=[
            IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 90, IndicatorFormula.PLEDGE_COVERAGE),
            IndicatorInput("督查组评分", IndicatorKind.MANUAL, 10),
        ],
        by=None,
    )


def test_an_indicator_the_inspectors_have_scored_cannot_be_removed_nor_lowered_under_a_score(county, campaign):
    sheet = manual_sheet(campaign)
    manual = sheet.indicators.get(kind=IndicatorKind.MANUAL)
    period = period_of(campaign)
    manual_scores_set(
        period=period,
        organization=county.branch_b1,
        scores=[ManualInput(manual, Decimal("8"), "台账齐全")],
        by=county.inspector_b,
    )
    with pytest.raises(ValidationError, match="已有 1 条检查组评分，不能删除"):
        score_sheet_set(
            campaign=campaign,
            total_points=100,
            indicators=[IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 100, IndicatorFormula.PLEDGE_COVERAGE)],
            by=county.office,
        )
    with pytest.raises(ValidationError, match="满分不能低于该分数"):
        score_sheet_set(
            campaign=campaign,
            total_points=100,
            indicators=[
                IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 95, IndicatorFormula.PLEDGE_COVERAGE),
                IndicatorInput("督查组评分", IndicatorKind.MANUAL, 5, indicator=manual),
            ],
            by=county.office,
        )


def test_changing_the_sheet_asks_for_open_periods_to_be_recomputed(
    county, campaign, django_capture_on_commit_callbacks
):
    manual_sheet(campaign)
    period = period_of(campaign)
    ScorePeriod.objects.update(recompute_requested_at=None)
    with django_capture_on_commit_callbacks() as queued:
        score_sheet_set(
            campaign=campaign,
            total_points=100,
            indicators=[IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 100, IndicatorFormula.PLEDGE_COVERAGE)],
            by=county.office,
        )
    period.refresh_from_db()
    assert period.recompute_requested_at is not None
    assert len(queued) == 1


# ---------------------------------------------------------------------------
# Manual scores
# ---------------------------------------------------------------------------


def test_an_inspection_group_scores_only_the_organizations_it_inspects(county, campaign):
    manual = manual_sheet(campaign).indicators.get(kind=IndicatorKind.MANUAL)
    period = period_of(campaign)
    given = [ManualInput(manual, Decimal("7.5"), "活动载体有特色，台账不全扣2.5分")]

    manual_scores_set(period=period, organization=county.branch_b1, scores=given, by=county.inspector_b)
    with pytest.raises(PermissionDenied):
        manual_scores_set(period=period, organization=county.branch_a1, scores=given, by=county.inspector_b)
    for outsider in (county.leader_a, county.secretary_user_a1, county.member_user_a1):
        with pytest.raises(PermissionDenied):
            manual_scores_set(period=period, organization=county.branch_a1, scores=given, by=outsider)
    manual_scores_set(period=period, organization=county.branch_a1, scores=given, by=county.office)
    # Not the campaign's own organization, nor a mass organization.
    with pytest.raises(PermissionDenied):
        manual_scores_set(period=period, organization=county.county, scores=given, by=county.office)
    with pytest.raises(PermissionDenied):
        manual_scores_set(period=period, organization=county.union_a1, scores=given, by=county.office)

    score = ManualScore.objects.get(organization=county.branch_b1)
    assert (score.points, score.scored_by) == (Decimal("7.5"), county.inspector_b)
    scores = computed(period)
    line = scores[county.branch_b1.pk].breakdown[1]
    assert (line["points"], line["comment"], line["scored_by"]) == (
        "7.5",
        "活动载体有特色，台账不全扣2.5分",
        "inspector_b",
    )
    assert (
        scores[county.township_b.pk].breakdown[1] | {"scored": False, "points": "0"}
        == (scores[county.township_b.pk].breakdown[1])
    )


@pytest.mark.parametrize(
    ("points", "comment", "message"),
    [
        (Decimal("10.5"), "好", "“督查组评分”的得分应在 0 到 10 分之间。"),
        (Decimal("-1"), "差", "“督查组评分”的得分应在 0 到 10 分之间。"),
        (Decimal("7.25"), "好", "“督查组评分”的得分最多保留一位小数。"),
        (Decimal("8"), "  ", "请写明“督查组评分”的评分理由。"),
    ],
)
def test_manual_points_stay_within_the_maximum_with_a_reason(county, campaign, points, comment, message):
    manual = manual_sheet(campaign).indicators.get(kind=IndicatorKind.MANUAL)
    with pytest.raises(ValidationError) as refused:
        manual_scores_set(
            period=period_of(campaign),
            organization=county.branch_b1,
            scores=[ManualInput(manual, points, comment)],
            by=county.inspector_b,
        )
    assert refused.value.messages == [message]
    assert not ManualScore.objects.exists()


def test_the_database_holds_one_manual_score_per_indicator_and_no_negative_points(county, campaign):
    manual = manual_sheet(campaign).indicators.get(kind=IndicatorKind.MANUAL)
    period = period_of(campaign)
    ManualScore.objects.create(period=period, indicator=manual, organization=county.branch_b1, points=5, comment="好")
    with pytest.raises(IntegrityError), transaction.atomic():
        ManualScore.objects.create(
            period=period, indicator=manual, organization=county.branch_b1, points=6, comment="好"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ManualScore.objects.create(
            period=period, indicator=manual, organization=county.branch_a1, points=-1, comment="差"
        )


def test_empty_points_withdraw_a_score(county, campaign):
    manual = manual_sheet(campaign).indicators.get(kind=IndicatorKind.MANUAL)
    period = period_of(campaign)
    manual_scores_set(
        period=period, organization=county.branch_b1, scores=[ManualInput(manual, Decimal(9), "好")], by=county.office
    )
    manual_scores_set(
        period=period, organization=county.branch_b1, scores=[ManualInput(manual, None, "")], by=county.office
    )
    assert not ManualScore.objects.exists()


# ---------------------------------------------------------------------------
# The task and finalizing
# ---------------------------------------------------------------------------


def test_creating_a_period_queues_its_computation_after_the_commit(
    county, campaign, django_capture_on_commit_callbacks
):
    one_indicator(campaign, IndicatorFormula.PLEDGE_COVERAGE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        period = period_of(campaign)
        assert not OrganizationScore.objects.exists()
    assert len(callbacks) == 1
    period.refresh_from_db()
    assert period.computed_at is not None and period.recompute_requested_at is None
    assert OrganizationScore.objects.filter(period=period).count() == 5
    # The figures of each month of the period were computed on the way.
    assert set(OrganizationFigures.objects.values_list("month", flat=True)) == {
        JULY,
        datetime.date(2010, 8, 1),
        SEPTEMBER,
    }


def test_a_second_run_finds_the_work_claimed_and_does_nothing(county, campaign):
    one_indicator(campaign, IndicatorFormula.PLEDGE_COVERAGE)
    period = period_of(campaign)
    assert score_period_recompute(period_id=period.pk, today=TODAY) == 5
    assert score_period_recompute(period_id=period.pk, today=TODAY) == 0


def finalized(county, campaign, django_capture_on_commit_callbacks):
    manual = manual_sheet(campaign).indicators.get(kind=IndicatorKind.MANUAL)
    publish_first_version(make_pledge(campaign, county.branch_a1), datetime.date(2010, 9, 20))
    with django_capture_on_commit_callbacks(execute=True):
        period = period_of(campaign)
    with django_capture_on_commit_callbacks(execute=True):
        manual_scores_set(
            period=period,
            organization=county.branch_b1,
            scores=[ManualInput(manual, Decimal(9), "好")],
            by=county.office,
        )
    # Entered minutes after the last computation: the final one still counts it.
    publish_first_version(make_pledge(campaign, county.branch_a2), datetime.date(2010, 9, 22))
    with django_capture_on_commit_callbacks(execute=True):
        score_period_finalize(period=period, by=county.office)
    period.refresh_from_db()
    return period, manual


def test_finalizing_computes_once_more_and_then_nothing_changes_the_scores(
    county, campaign, django_capture_on_commit_callbacks
):
    period, manual = finalized(county, campaign, django_capture_on_commit_callbacks)
    assert period.finalized_at is not None and period.finalized_by == county.office
    before = {
        score.organization_id: (score.total, score.rank, score.breakdown) for score in OrganizationScore.objects.all()
    }
    assert before[county.branch_b1.pk][0] == Decimal(9)
    assert before[county.branch_a2.pk][2][0] | {"part": 1, "whole": 2} == before[county.branch_a2.pk][2][0]

    # New data, a new manual score, a sheet change, a recompute asked for: none of it reaches the period.
    publish_first_version(make_pledge(campaign, county.branch_b1), datetime.date(2010, 9, 21))
    with pytest.raises(ValidationError, match="定稿，不能再修改"):
        manual_scores_set(
            period=period,
            organization=county.branch_b1,
            scores=[ManualInput(manual, Decimal(2), "差")],
            by=county.office,
        )
    with pytest.raises(ValidationError, match="定稿，不能再修改"):
        score_period_request_recompute(period=period, by=county.office)
    with django_capture_on_commit_callbacks(execute=True):
        score_sheet_set(
            campaign=campaign,
            total_points=100,
            indicators=[
                IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 80, IndicatorFormula.PLEDGE_COVERAGE),
                IndicatorInput("督查组评分", IndicatorKind.MANUAL, 20, indicator=manual),
            ],
            by=county.office,
        )
        recompute_open_scores()
    ScorePeriod.objects.filter(pk=period.pk).update(recompute_requested_at=period.finalized_at)
    assert score_period_recompute(period_id=period.pk, today=TODAY) == 0

    after = {
        score.organization_id: (score.total, score.rank, score.breakdown) for score in OrganizationScore.objects.all()
    }
    assert after == before
    assert ManualScore.objects.get().points == Decimal(9)


def test_a_period_is_finalized_only_after_it_has_ended_and_only_once(
    county, campaign, django_capture_on_commit_callbacks
):
    one_indicator(campaign, IndicatorFormula.PLEDGE_COVERAGE)
    period = period_of(campaign)
    with pytest.raises(ValidationError, match="才结束"):
        score_period_finalize(period=period, by=county.office, today=datetime.date(2010, 9, 30))
    with pytest.raises(PermissionDenied):
        score_period_finalize(period=period, by=county.leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        score_period_finalize(period=period, by=county.office, today=datetime.date(2010, 10, 1))
    with pytest.raises(ValidationError, match="定稿"):
        score_period_finalize(period=period, by=county.office)


def test_a_period_must_lie_within_the_campaign_and_have_a_unique_name(county, campaign):
    period_of(campaign)
    with pytest.raises(ValidationError, match="已有名为"):
        period_of(campaign)
    with pytest.raises(ValidationError, match="活动期间"):
        period_of(campaign, datetime.date(2010, 1, 1), SEPTEMBER, name="2010年")
    with pytest.raises(ValidationError, match="不能早于"):
        period_of(campaign, SEPTEMBER, JULY, name="倒过来")
    with pytest.raises(PermissionDenied):
        score_period_create(
            campaign=campaign, name="上半年", first_month=JULY, last_month=SEPTEMBER, by=county.leader_a
        )


def test_a_period_that_has_not_begun_scores_nothing_yet(county, campaign):
    one_indicator(campaign, IndicatorFormula.SATISFACTION, when_no_data=NoDataRule.ZERO)
    period = period_of(campaign, datetime.date(2011, 7, 1), DECEMBER.replace(year=2011), "2011年下半年")
    scores = computed(period, today=TODAY)
    assert {score.total for score in scores.values()} == {Decimal(0)}
    assert not OrganizationFigures.objects.exists()


def test_the_nightly_job_asks_for_running_periods_only(county, campaign, django_capture_on_commit_callbacks):
    one_indicator(campaign, IndicatorFormula.PLEDGE_COVERAGE)
    today = timezone.localdate()
    running = ScorePeriod.objects.create(
        campaign=campaign, name="本季度", first_month=today.replace(day=1), last_month=today.replace(day=1)
    )
    long_over = ScorePeriod.objects.create(campaign=campaign, name="2010年", first_month=JULY, last_month=DECEMBER)

    with django_capture_on_commit_callbacks() as queued:
        assert recompute_open_scores() == 1
    running.refresh_from_db()
    long_over.refresh_from_db()
    assert running.recompute_requested_at is not None and long_over.recompute_requested_at is None
    assert len(queued) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_compute_once(county, campaign):
    one_indicator(campaign, IndicatorFormula.PLEDGE_COVERAGE)
    period = period_of(campaign)  # computed at once: outside a transaction the task runs on the spot
    ScorePeriod.objects.filter(pk=period.pk).update(recompute_requested_at=period.created_at)
    barrier = threading.Barrier(2)
    written, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            with unscoped("test"):
                written.append(score_period_recompute(period_id=period.pk, today=TODAY))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(written) == [0, 5]
    assert OrganizationScore.objects.filter(period=period).count() == 5
