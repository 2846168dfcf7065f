"""Issue 17's scoring: the rules as properties (hypothesis), then measured indicators with
targets by grade, deductions by the 细则, self-assessment beside verification, vetoes by a
value past its line and by the incident register, and the 达标 / 先进 marks, on the small
county (测试县委 → 红湾寺镇党委 → 红湾社区、许三湾村; 测试县委 → 康乐乡党委 → 北极村)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.incidents.models import Incident, IncidentKind, VetoRule
from campaign.scores.assessment import SelfInput, self_assessment_set
from campaign.scores.formulas import competition_ranks
from campaign.scores.models import (
    DeductionRule,
    Direction,
    Indicator,
    IndicatorKind,
    IndicatorValue,
    ManualScore,
    OrganizationScore,
    ScoreSheet,
    ScoringRule,
    SelfAssessment,
    Standing,
    ValueKind,
)
from campaign.scores.rules import Rule, points_after_deductions, rule_points, standing
from campaign.scores.services import (
    DeductionInput,
    IndicatorInput,
    ManualInput,
    SheetMarks,
    manual_scores_set,
    score_period_create,
    score_sheet_set,
    scores_compute,
)
from campaign.scores.targets import DeductionRuleInput, IndicatorRules, indicator_rules_set
from orgs.models import Grade

TODAY = datetime.date(2011, 3, 1)
JULY, DECEMBER = datetime.date(2010, 7, 1), datetime.date(2010, 12, 1)

# ---------------------------------------------------------------------------
# The rules, as properties
# ---------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
maxima = st.integers(min_value=1, max_value=1000).map(Decimal)


@st.composite
def rules(draw):
    top = draw(maxima)
    steps = draw(st.lists(st.tuples(amounts, st.decimals(min_value=0, max_value=top, places=1)), max_size=4))
    return Rule(
        max_points=top,
        scoring_rule=draw(st.sampled_from(ScoringRule.values)),
        direction=draw(st.sampled_from(Direction.values)),
        points_per_unit=draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=50, places=2))),
        steps=tuple(steps),
        when_no_data=draw(st.sampled_from(["full", "zero"])),
    )


@settings(max_examples=400, deadline=None)
@given(rules(), st.one_of(st.none(), amounts), st.one_of(st.none(), amounts))
def test_a_line_scores_within_its_points_whatever_the_value_and_target(rule, value, target):
    points = rule_points(rule, value, target)
    assert Decimal(0) <= points <= rule.max_points
    assert points == points.quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(rules(), amounts, amounts, amounts)
def test_a_better_value_never_scores_fewer_points(rule, first, second, target):
    worse, better = sorted([first, second])
    if rule.direction == Direction.AT_MOST:
        worse, better = better, worse
    assert rule_points(rule, better, target) >= rule_points(rule, worse, target)


@settings(max_examples=300, deadline=None)
@given(maxima, st.lists(st.decimals(min_value=Decimal("0.1"), max_value=500, places=1), max_size=8))
def test_deductions_never_take_a_line_below_zero(top, deductions):
    points = points_after_deductions(top, deductions)
    assert Decimal(0) <= points <= top
    if sum(deductions, Decimal(0)) <= top:
        assert points == top - sum(deductions, Decimal(0))


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=0, max_value=1000, places=2),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=1)),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=1)),
)
def test_a_vetoed_unit_is_never_passed_nor_excellent(total, pass_points, excellent_points):
    assert standing(total, vetoed=True, pass_points=pass_points, excellent_points=excellent_points) == Standing.VETOED
    unvetoed = standing(total, vetoed=False, pass_points=pass_points, excellent_points=excellent_points)
    assert unvetoed != Standing.VETOED
    if pass_points is not None and total < pass_points and (excellent_points is None or total < excellent_points):
        assert unvetoed == Standing.FAILED


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.decimals(min_value=0, max_value=100, places=1), st.sampled_from("甲乙丙丁戊"), st.booleans()),
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_the_ranking_does_not_depend_on_the_order_units_come_in(units, shuffler):
    entries = [(total, name, key) for key, (total, name, _vetoed) in enumerate(units)]
    vetoed = {key for key, (_total, _name, is_vetoed) in enumerate(units) if is_vetoed}
    shuffled = list(entries)
    shuffler.shuffle(shuffled)
    assert competition_ranks(shuffled, vetoed) == competition_ranks(entries, vetoed)
    ranked = competition_ranks(entries, vetoed)
    # Every vetoed unit comes after every other one, whatever its total.
    places = [key in vetoed for key, _rank in ranked]
    assert places == sorted(places)


def test_the_rules_on_the_speech_s_examples():
    wards = Rule(Decimal(100), ScoringRule.PROPORTIONAL)
    assert rule_points(wards, Decimal(40), Decimal(80)) == Decimal(50)  # half the 三级 target
    assert rule_points(wards, Decimal(40), Decimal(50)) == Decimal(80)
    assert rule_points(wards, Decimal(90), Decimal(80)) == Decimal(100)
    met = Rule(Decimal(30), ScoringRule.TARGET_MET)
    assert rule_points(met, Decimal("79.9"), Decimal(80)) == 0
    per_unit = Rule(Decimal(30), ScoringRule.PER_UNIT, points_per_unit=Decimal(2))
    assert rule_points(per_unit, Decimal(75), Decimal(80)) == Decimal(20)  # 5 points short × 2
    assert rule_points(per_unit, Decimal(0), Decimal(80)) == 0
    drugs = Rule(Decimal(20), ScoringRule.PER_UNIT, Direction.AT_MOST, points_per_unit=Decimal(1))
    assert rule_points(drugs, Decimal(48), Decimal(45)) == Decimal(17)
    steps = Rule(Decimal(10), ScoringRule.STEPS, steps=((Decimal(90), Decimal(10)), (Decimal(80), Decimal(6))))
    assert [rule_points(steps, Decimal(v), None) for v in (95, 85, 70)] == [10, 6, 0]


# ---------------------------------------------------------------------------
# On the small county
# ---------------------------------------------------------------------------


@pytest.fixture
def sheet(county, campaign):
    """Four lines: 优质护理病房覆盖率 reported by graded units (80% for 三级, 50% for 二级),
    a yes/no line with a veto, and two inspection lines, one with 细则."""
    county.branch_a1.grade = Grade.THIRD
    county.branch_a2.grade = Grade.SECOND
    county.branch_a1.save(update_fields=["grade"])
    county.branch_a2.save(update_fields=["grade"])
    sheet = score_sheet_set(
        campaign=campaign,
        total_points=100,
        indicators=[
            IndicatorInput("优质护理病房覆盖率", IndicatorKind.MEASURED, 40, value_kind=ValueKind.RATIO),
            IndicatorInput("重特大事故", IndicatorKind.MEASURED, 10, value_kind=ValueKind.COUNT),
            IndicatorInput("组织领导", IndicatorKind.MANUAL, 30),
            IndicatorInput("台账资料", IndicatorKind.MANUAL, 20),
        ],
        by=county.office,
        marks=SheetMarks(pass_points=Decimal(60), excellent_points=Decimal(85)),
    )
    wards, accidents, leading, records = sheet.indicators.order_by("order")
    indicator_rules_set(
        indicator=wards,
        rules=IndicatorRules(
            target=Decimal(50),
            grade_targets={Grade.THIRD: Decimal(80), Grade.SECOND: Decimal(50)},
            applies_to_grades=(Grade.THIRD, Grade.SECOND),
        ),
        by=county.office,
    )
    indicator_rules_set(
        indicator=accidents,
        rules=IndicatorRules(
            direction=Direction.AT_MOST, target=Decimal(0), scoring_rule=ScoringRule.TARGET_MET, veto_limit=Decimal(0)
        ),
        by=county.office,
    )
    indicator_rules_set(
        indicator=records,
        rules=IndicatorRules(
            deduction_rules=(
                DeductionRuleInput("未建立患者投诉登记制度", Decimal(5)),
                DeductionRuleInput("台账不全", Decimal(8)),
                DeductionRuleInput("弄虚作假", Decimal(20)),
            )
        ),
        by=county.office,
    )
    sheet.lines = {"wards": wards, "accidents": accidents, "leading": leading, "records": records}
    return sheet


@pytest.fixture
def period(campaign, sheet):
    period = score_period_create(campaign=campaign, name="2010年下半年", first_month=JULY, last_month=DECEMBER, by=None)
    period.self_assessment_due = datetime.date(2011, 1, 10)
    period.save(update_fields=["self_assessment_due"])
    return period


def file_value(indicator, organization, month, *, value, numerator=None, denominator=None):
    return IndicatorValue.objects.create(
        indicator=indicator,
        organization=organization,
        month=month,
        numerator=numerator,
        denominator=denominator,
        value=value,
        evidence="护理部月报",
        reported_at=timezone.now(),
    )


def computed(period):
    scores_compute(period, today=TODAY)
    return {score.organization_id: score for score in OrganizationScore.objects.filter(period=period)}


def line(score, name):
    return next(line for line in score.breakdown if line["name"] == name)


def test_a_measured_value_scores_against_the_target_of_the_unit_s_grade(county, sheet, period):
    wards = sheet.lines["wards"]
    # The same 40%: half the 三级 target, 80% of the 二级 one. The last month counts.
    file_value(wards, county.branch_a1, datetime.date(2010, 11, 1), value=Decimal(90), numerator=9, denominator=10)
    file_value(wards, county.branch_a1, DECEMBER, value=Decimal(40), numerator=4, denominator=10)
    file_value(wards, county.branch_a2, DECEMBER, value=Decimal(40), numerator=4, denominator=10)

    scores = computed(period)

    a1, a2 = (
        line(scores[county.branch_a1.pk], "优质护理病房覆盖率"),
        line(scores[county.branch_a2.pk], "优质护理病房覆盖率"),
    )
    assert (a1["value"], a1["target"], a1["met"], a1["points"], a1["month"]) == ("40", "80", False, "20", "2010-12")
    assert (a2["target"], a2["met"], a2["points"]) == ("50", False, "32")
    # 北极村 has no grade: the line does not apply to it, and its total is scaled from
    # the 60 points of the lines that do (折算).
    assert line(scores[county.branch_b1.pk], "优质护理病房覆盖率")["applicable"] is False
    earned = sum(Decimal(given["points"]) for given in scores[county.branch_b1.pk].breakdown)
    assert scores[county.branch_b1.pk].total == (earned * 100 / 60).quantize(Decimal("0.01"))


def test_the_unit_assesses_itself_the_inspectors_verify_with_deductions_and_the_rank_uses_the_verified(
    county, sheet, period
):
    leading, records = sheet.lines["leading"], sheet.lines["records"]
    rules = list(records.deduction_rules.order_by("order"))
    self_assessment_set(
        period=period,
        organization=county.branch_b1,
        entries=[SelfInput(leading, Decimal(30), "党组织书记亲自抓"), SelfInput(records, Decimal(20), "台账齐全")],
        by=county.secretary_user_b1,
        today=datetime.date(2011, 1, 5),
    )
    manual_scores_set(
        period=period,
        organization=county.branch_b1,
        scores=[
            ManualInput(leading, Decimal(25), "书记抓得紧，但班子分工不明"),
            ManualInput(
                records,
                None,
                deductions=(
                    DeductionInput(rules[0], "查无登记本", "查阅资料"),
                    DeductionInput(rules[1], "缺10月会议记录"),
                ),
            ),
        ],
        by=county.inspector_b,
    )

    score = computed(period)[county.branch_b1.pk]

    assert score.self_total is not None
    records_line = line(score, "台账资料")
    assert (records_line["self_points"], records_line["points"]) == ("20", "7")  # 20 − 5 − 8
    assert [d["reason"] for d in records_line["deductions"]] == ["查无登记本", "缺10月会议记录"]
    assert line(score, "组织领导")["self_points"] == "30"
    assert line(score, "组织领导")["points"] == "25"
    assert score.total < score.self_total


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=300), st.booleans(), st.integers(min_value=0, max_value=100)),
        min_size=1,
        max_size=8,
    )
)
def test_a_scaled_total_stays_within_the_sheet_s_total(lines):
    from campaign.scores.computing import scaled_total

    breakdown = [
        {"max": top, "applicable": applies, "points": str(Decimal(top) * share / 100)} for top, applies, share in lines
    ]
    sheet_points = Decimal(sum(top for top, _applies, _share in lines))
    total = scaled_total(breakdown, "points", sheet_points)
    assert Decimal(0) <= total <= sheet_points


def test_a_unit_that_files_nothing_earns_nothing_on_a_measured_line(county, sheet, period):
    """Otherwise not filing would pay better than filing a value short of the target."""
    file_value(sheet.lines["wards"], county.branch_a2, DECEMBER, value=Decimal(40), numerator=4, denominator=10)
    scores = computed(period)
    assert line(scores[county.branch_a2.pk], "优质护理病房覆盖率")["points"] == "32"
    assert line(scores[county.branch_a1.pk], "优质护理病房覆盖率")["points"] == "0"
    assert line(scores[county.branch_a1.pk], "重特大事故")["points"] == "0"


def test_a_rule_charged_per_case_deducts_each_case(county, sheet, period):
    records = sheet.lines["records"]
    first, second, _third = records.deduction_rules.order_by("order")
    manual_scores_set(
        period=period,
        organization=county.branch_b1,
        scores=[
            ManualInput(
                records,
                None,
                deductions=(DeductionInput(first, "三名投诉人未登记", cases=3), DeductionInput(second, "缺会议记录")),
            )
        ],
        by=county.office,
    )
    assert ManualScore.objects.get(organization=county.branch_b1, indicator=records).points == 0  # 20 − 15 − 8
    deductions = line(computed(period)[county.branch_b1.pk], "台账资料")["deductions"]
    assert [(d["points"], d["cases"]) for d in deductions] == [("15", 3), ("8", 1)]
    with pytest.raises(ValidationError, match="次数（例数）应在 1 到 99 之间"):
        manual_scores_set(
            period=period,
            organization=county.branch_b1,
            scores=[ManualInput(records, None, deductions=(DeductionInput(first, "x", cases=0),))],
            by=county.office,
        )


def test_deductions_past_a_line_s_points_leave_it_at_zero(county, sheet, period):
    records = sheet.lines["records"]
    rules = list(records.deduction_rules.order_by("order"))
    manual_scores_set(
        period=period,
        organization=county.branch_b1,
        scores=[ManualInput(records, None, deductions=tuple(DeductionInput(rule, "核查属实") for rule in rules))],
        by=county.office,
    )
    assert ManualScore.objects.get(organization=county.branch_b1, indicator=records).points == 0
    assert line(computed(period)[county.branch_b1.pk], "台账资料")["points"] == "0"


def test_self_assessment_is_refused_after_its_date_and_outside_the_unit(county, sheet, period):
    leading = sheet.lines["leading"]
    with pytest.raises(ValidationError, match="自查自评已于 2011-01-10 截止"):
        self_assessment_set(
            period=period,
            organization=county.branch_b1,
            entries=[SelfInput(leading, Decimal(30), "x")],
            by=county.secretary_user_b1,
            today=datetime.date(2011, 1, 11),
        )
    with pytest.raises(PermissionDenied):
        self_assessment_set(
            period=period,
            organization=county.branch_b1,
            entries=[SelfInput(leading, Decimal(30), "x")],
            by=county.secretary_user_a1,
            today=datetime.date(2011, 1, 5),
        )
    with pytest.raises(ValidationError, match="请写明“组织领导”的自评依据"):
        self_assessment_set(
            period=period,
            organization=county.branch_b1,
            entries=[SelfInput(leading, Decimal(30), " ")],
            by=county.secretary_user_b1,
            today=datetime.date(2011, 1, 5),
        )


def full_marks(period, sheet, organization, by):
    manual_scores_set(
        period=period,
        organization=organization,
        scores=[
            ManualInput(sheet.lines["leading"], Decimal(30), "好"),
            ManualInput(sheet.lines["records"], Decimal(20), "好"),
        ],
        by=by,
    )


def test_a_value_past_its_veto_line_vetoes_the_unit_whatever_its_score(county, sheet, period):
    for branch in (county.branch_a1, county.branch_a2, county.branch_b1):
        full_marks(period, sheet, branch, county.office)
        file_value(sheet.lines["wards"], branch, DECEMBER, value=Decimal(95), numerator=19, denominator=20)
    file_value(sheet.lines["accidents"], county.branch_a1, DECEMBER, value=Decimal(1))

    scores = computed(period)

    vetoed = scores[county.branch_a1.pk]
    assert vetoed.vetoed and vetoed.standing == Standing.VETOED
    assert vetoed.veto_reasons == ["“重特大事故”为 1，越过一票否决线 0"]
    assert scores[county.branch_a2.pk].standing == Standing.EXCELLENT
    # Ranked after 许三湾村 among the branches though its total equals or beats it.
    assert vetoed.total >= scores[county.branch_a2.pk].total - 10
    assert vetoed.rank > scores[county.branch_a2.pk].rank
    # The township above it carries its own figures: a value reported by a branch is the branch's.
    assert scores[county.township_a.pk].vetoed is False


def test_an_incident_reported_late_vetoes_the_unit_and_the_units_above_it(county, campaign, sheet, period):
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
    for branch in (county.branch_b1, county.branch_a1):
        full_marks(period, sheet, branch, county.office)

    scores = computed(period)

    assert scores[county.branch_b1.pk].standing == Standing.VETOED
    assert scores[county.branch_b1.pk].veto_reasons == ["2010-10-03 发生一般安全事故，迟报"]
    # The township above it is vetoed too, and its reason says where it happened.
    assert scores[county.township_b.pk].veto_reasons == ["北极村党支部：2010-10-03 发生一般安全事故，迟报"]
    assert not scores[county.branch_a1.pk].vetoed
    assert not scores[county.township_a.pk].vetoed


def test_an_indicator_s_rules_are_checked_before_they_are_kept(county, sheet):
    wards, records = sheet.lines["wards"], sheet.lines["records"]
    with pytest.raises(ValidationError, match="请填写每差一个单位扣多少分"):
        indicator_rules_set(
            indicator=wards,
            rules=IndicatorRules(target=Decimal(80), scoring_rule=ScoringRule.PER_UNIT),
            by=county.office,
        )
    with pytest.raises(ValidationError, match="比率的目标值和否决线以百分数计"):
        indicator_rules_set(indicator=wards, rules=IndicatorRules(target=Decimal(120)), by=county.office)
    with pytest.raises(ValidationError, match="不超过该项满分 20 分"):
        indicator_rules_set(
            indicator=records,
            rules=IndicatorRules(deduction_rules=(DeductionRuleInput("弄虚作假", Decimal(25)),)),
            by=county.office,
        )
    with pytest.raises(PermissionDenied):
        indicator_rules_set(indicator=wards, rules=IndicatorRules(), by=county.inspector_b)
    assert Indicator.objects.get(pk=wards.pk).grade_targets == {"2": "50", "3": "80"}


def test_a_deduction_rule_in_use_cannot_be_removed(county, sheet, period):
    records = sheet.lines["records"]
    rule = records.deduction_rules.order_by("order").first()
    manual_scores_set(
        period=period,
        organization=county.branch_b1,
        scores=[ManualInput(records, None, deductions=(DeductionInput(rule, "查无登记本"),))],
        by=county.office,
    )
    with pytest.raises(ValidationError, match="已经用于扣分，不能删除"):
        indicator_rules_set(indicator=records, rules=IndicatorRules(), by=county.office)
    assert DeductionRule.objects.filter(indicator=records).count() == 3


def test_the_pages_show_self_and_verified_side_by_side_and_the_veto(client, county, sheet, period):
    leading, records = sheet.lines["leading"], sheet.lines["records"]
    rule = records.deduction_rules.order_by("order").first()
    period.self_assessment_due = None  # the pages run today, long after 2010
    period.save(update_fields=["self_assessment_due"])
    client.force_login(county.secretary_user_b1)
    answer = client.post(
        reverse("campaign:score_self", args=[period.pk, county.branch_b1.code]),
        {
            f"points_{leading.pk}": "28",
            f"evidence_{leading.pk}": "每月专题研究",
            f"points_{records.pk}": "20",
            f"evidence_{records.pk}": "台账齐全",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert SelfAssessment.objects.filter(organization=county.branch_b1).count() == 2
    client.force_login(county.inspector_b)
    edit = reverse("campaign:score_manual_edit", args=[period.pk, county.branch_b1.code])
    page = client.get(edit).content.decode()
    assert "每月专题研究" in page and "自评 28.0 分" in page
    answer = client.post(
        edit,
        {
            f"points_{leading.pk}": "26",
            f"comment_{leading.pk}": "研究记录不全",
            f"deduct_{rule.pk}": "on",
            f"deduct_reason_{rule.pk}": "查无投诉登记本",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    scores_compute(period, today=TODAY)
    breakdown = client.get(
        reverse("campaign:score_breakdown", args=[period.pk, county.branch_b1.code])
    ).content.decode()
    assert "自评 28" in breakdown and "查无投诉登记本" in breakdown and "扣 5 分" in breakdown
    ranking = client.get(reverse("campaign:score_ranking", args=[period.pk]) + "?group=2-branch").content.decode()
    assert "自评" in ranking


def test_a_deduction_without_a_reason_is_sent_back(client, county, sheet, period):
    records = sheet.lines["records"]
    rule = records.deduction_rules.order_by("order").first()
    client.force_login(county.inspector_b)
    answer = client.post(
        reverse("campaign:score_manual_edit", args=[period.pk, county.branch_b1.code]), {f"deduct_{rule.pk}": "on"}
    )
    assert answer.status_code == 200
    assert "请写明扣分理由。" in answer.content.decode()
    assert not ManualScore.objects.filter(organization=county.branch_b1).exists()


def test_the_office_sets_targets_by_grade_on_the_indicator_s_page(client, county, campaign, sheet):
    wards = sheet.lines["wards"]
    client.force_login(county.office)
    url = reverse("campaign:score_indicator_edit", args=[campaign.pk, wards.pk])
    assert "三级单位目标值" in client.get(url).content.decode()
    answer = client.post(
        url,
        {
            "direction": "at_least",
            "target": "",
            "target_3": "80",
            "target_2": "50",
            "applies_to_grades": ["3", "2"],
            "scoring_rule": "per_unit",
            "points_per_unit": "1",
            "steps": "",
            "veto_limit": "",
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    wards.refresh_from_db()
    assert wards.scoring_rule == ScoringRule.PER_UNIT and wards.target_for("3") == Decimal(80)
    sheet_page = client.get(reverse("campaign:score_sheet", args=[campaign.pk])).content.decode()
    assert "每差一个单位扣 1 分" in sheet_page


def test_a_sheet_with_values_filed_keeps_the_measured_line(county, campaign, sheet):
    file_value(sheet.lines["wards"], county.branch_a1, DECEMBER, value=Decimal(40), numerator=4, denominator=10)
    kept = [
        IndicatorInput(i.name, i.kind, i.max_points, i.formula, i.when_no_data, indicator=i, value_kind=i.value_kind)
        for i in ScoreSheet.objects.get(campaign=campaign).indicators.exclude(name="优质护理病房覆盖率")
    ]
    with pytest.raises(ValidationError, match="已有单位填报的数据或自评，不能删除"):
        score_sheet_set(campaign=campaign, total_points=60, indicators=kept, by=county.office)


def test_the_ranking_circular_says_who_was_vetoed_and_why(county, campaign, sheet, period):
    from campaign.circulars.snapshots import ranking_snapshot

    full_marks(period, sheet, county.branch_a1, county.office)
    file_value(sheet.lines["accidents"], county.branch_a1, DECEMBER, value=Decimal(1))
    scores_compute(period, today=TODAY)

    data = ranking_snapshot(period, county.county).data

    assert data["vetoed"] == [{"name": "红湾社区党支部", "reasons": ["“重特大事故”为 1，越过一票否决线 0"]}]
    rows = [row for group in data["groups"] for row in group["rows"] if row["name"] == "红湾社区党支部"]
    assert rows[0]["standing"] == "一票否决"


def test_the_scores_page_counts_each_standing_in_the_viewer_s_subtree(client, county, campaign, sheet, period):
    for branch in (county.branch_a1, county.branch_a2, county.branch_b1):
        full_marks(period, sheet, branch, county.office)
    file_value(sheet.lines["wards"], county.branch_a2, DECEMBER, value=Decimal(95), numerator=19, denominator=20)
    file_value(sheet.lines["accidents"], county.branch_a2, DECEMBER, value=Decimal(0))
    file_value(sheet.lines["accidents"], county.branch_a1, DECEMBER, value=Decimal(1))
    scores_compute(period, today=TODAY)
    client.force_login(county.leader_a)  # 红湾寺镇: itself and its two branches

    page = client.get(reverse("campaign:scores") + f"?campaign={campaign.pk}").content.decode()

    assert "一票否决 1 个" in page
    # 许三湾村 is 先进; the township, never verified, 未达标; 北极村 lies outside the subtree.
    assert "先进 1 个" in page and "未达标 1 个" in page


def test_the_office_sets_the_self_assessment_date_with_the_period(client, county, campaign, sheet):
    client.force_login(county.office)
    answer = client.post(
        reverse("campaign:score_period_create", args=[campaign.pk]),
        {
            "name": "2011年上半年",
            "first_month": "2011-01",
            "last_month": "2011-06",
            "self_assessment_due": "2011-07-10",
        },
    )
    assert answer.status_code == 302
    period = campaign.score_periods.get(name="2011年上半年")
    assert period.self_assessment_due == datetime.date(2011, 7, 10)
    assert (
        "自查自评 2011-07-10 截止"
        in client.get(reverse("campaign:scores") + f"?campaign={campaign.pk}").content.decode()
    )
