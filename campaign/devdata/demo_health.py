"""The demo county's second campaign: the health system's 三好一满意 (speech 4), run by
the 卫生局党委 over the hospitals and health units below it while the county's 创先争优
runs over the whole county.

服务好、质量好、医德好、群众满意 are the speech's; the phases, the wording of the
standards and the dates are a plausible plan of a county health system, not quoted. It
starts in March 2011, in the middle of 创先争优's 全面争创 phase, and outlasts it, so the
two overlap in time and in subtree as the speech says ("创先争优活动的重要载体").

The 1000-point 督查考核表 the speech asks for holds the measured indicators of its key
works, with targets by hospital grade (优质护理 in 50% of an 二级 hospital's wards, 80% of
a 三级's; 预约诊疗; 患者满意度调查逐级上报; the share of drug income; antibiotics), the
app's own computed lines, and the inspectors' lines with their 细则. The units file the
measured values every month from March 2011 (a few late; the 中医院 below its 优质护理
target all year), assess themselves for 2011年度 (自查自评) and the bureau verifies.
Everything comes from one seed; loading again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from campaign.campaigns.evaluation import PATIENT_PRESET
from campaign.campaigns.models import Campaign, CampaignSubjects, StandardSubject
from campaign.campaigns.services import DimensionInput, PhaseInput, StandardInput, campaign_create
from campaign.devdata.demo_activity import _clock
from campaign.devdata.demo_assessment import (
    Line,
    Rule,
    assessment_write,
    campaign_units,
    sheet_is_scored,
    sheet_write,
)
from campaign.devdata.demo_campaign import DemoCampaign
from campaign.scores.models import (
    Direction,
    IndicatorFormula,
    IndicatorKind,
    IndicatorValue,
    ScorePeriod,
    ScoreSheet,
    ScoringRule,
    ValueKind,
)
from campaign.scores.services import score_period_create, score_period_recompute
from orgs.models import Organization, User

HEALTH_CODE = "SN-WS"
HEALTH_CAMPAIGN_NAME = "卫生系统“三好一满意”活动"
HEALTH_THEME = "服务好、质量好、医德好、群众满意"
HEALTH_PHASES = [
    PhaseInput("动员部署", datetime.date(2011, 3, 1), datetime.date(2011, 4, 30)),
    PhaseInput("组织实施", datetime.date(2011, 5, 1), datetime.date(2012, 10, 31)),
    PhaseInput("总结评估", datetime.date(2012, 11, 1), datetime.date(2012, 12, 31)),
]
HEALTH_STANDARDS = (
    StandardInput(
        subject=StandardSubject.ORGANIZATION,
        name="三好一满意标准",
        review_focus="优质护理、预约诊疗、抗菌药物专项整治、医德医风",
        dimensions=[
            DimensionInput("服务好", "优化就诊流程，推行预约诊疗，三级医院80%以上、二级医院50%以上病房开展优质护理。"),
            DimensionInput("质量好", "落实核心制度，开展抗菌药物临床应用专项整治，医疗安全无重大事故。"),
            DimensionInput("医德好", "加强医德医风考核，每月开展警示教育，杜绝收受红包、回扣。"),
            DimensionInput("群众满意", "开展患者满意度调查，设立维权站，及时处理患者投诉。"),
        ],
    ),
    StandardInput(
        subject=StandardSubject.MEMBER,
        name="医务人员三好一满意",
        review_focus="服务态度、技术水平、医德医风、患者评价",
        dimensions=[
            DimensionInput("服务好", "热情接待每一位患者，耐心解释病情和治疗方案，做到首问负责。"),
            DimensionInput("质量好", "严格执行诊疗规范和核心制度，合理检查、合理用药、合理收费。"),
            DimensionInput("医德好", "廉洁行医、文明行医，不收受红包、回扣，不开大处方。"),
            DimensionInput("群众满意", "患者及家属满意，全年无有效投诉，满意度调查达到90%以上。"),
        ],
    ),
)
# The health speech's 1000分督查考核表.
HEALTH_SHEET_POINTS = 1000
HEALTH_PASS_POINTS = Decimal("750")
HEALTH_EXCELLENT_POINTS = Decimal("900")
SEED = "sunan-2011-health"
HOSPITAL_GRADES = ["3", "2", "1"]
MANUAL, COMPUTED, MEASURED = IndicatorKind.MANUAL, IndicatorKind.COMPUTED, IndicatorKind.MEASURED
# Months whose values a unit filed after the 5th of the next month (月报迟报): the register
# shows them, and the inspectors deduct them case by case on 月报与自查自评.
LATE_FILINGS = {("SN-WS-KLWSY", 5), ("SN-WS-KLWSY", 8), ("SN-WS-ZYY", 10), ("SN-WS-MHWSY", 12)}
HEALTH_LINES: tuple[Line, ...] = (
    Line(
        "优质护理病房覆盖率",
        MEASURED,
        100,
        guidance="开展优质护理服务的病房占全部病房的比例：三级医院80%以上，二级医院50%以上。",
        measured={
            "value_kind": ValueKind.RATIO,
            "applies_to_grades": ["3", "2"],
            "target": Decimal("50"),
            "grade_targets": {"3": 80, "2": 50},
            "scoring_rule": ScoringRule.PROPORTIONAL,
        },
    ),
    Line(
        "预约诊疗占比",
        MEASURED,
        60,
        guidance="预约诊疗人次占门诊人次的比例；每低于目标1个百分点扣2分。",
        measured={
            "value_kind": ValueKind.RATIO,
            "applies_to_grades": ["3", "2"],
            "target": Decimal("30"),
            "grade_targets": {"3": 50, "2": 30},
            "scoring_rule": ScoringRule.PER_UNIT,
            "points_per_unit": Decimal("2"),
        },
    ),
    Line(
        "患者满意度调查上报",
        MEASURED,
        50,
        guidance="每月开展患者（服务对象）满意度调查，结果逐级上报县卫生局。",
        # Every unit: the 疾控中心, 妇幼保健所 and 卫生监督所 survey the people they serve.
        measured={
            "value_kind": ValueKind.YES_NO,
            "applies_to_grades": [],
            "target": Decimal("1"),
            "scoring_rule": ScoringRule.TARGET_MET,
        },
    ),
    Line(
        "药品收入占比",
        MEASURED,
        80,
        guidance="药品收入占业务收入的比例，越低越好：40%以下得80分，45%以下60分，50%以下40分，55%以下20分。",
        measured={
            "value_kind": ValueKind.RATIO,
            "applies_to_grades": HOSPITAL_GRADES,
            "direction": Direction.AT_MOST,
            "target": Decimal("45"),
            "scoring_rule": ScoringRule.STEPS,
            "steps": [[40, 80], [45, 60], [50, 40], [55, 20]],
        },
    ),
    Line(
        "住院患者抗菌药物使用率",
        MEASURED,
        60,
        guidance="抗菌药物临床应用专项整治：住院患者抗菌药物使用率不超过60%，每超过1个百分点扣2分。",
        measured={
            "value_kind": ValueKind.RATIO,
            "applies_to_grades": HOSPITAL_GRADES,
            "direction": Direction.AT_MOST,
            "target": Decimal("60"),
            "scoring_rule": ScoringRule.PER_UNIT,
            "points_per_unit": Decimal("2"),
        },
    ),
    # 患者满意度调查 (speech 4): each unit surveys the patients (or the people it serves)
    # every month and reports the share satisfied; 90% is the target.
    Line(
        "患者满意率",
        MEASURED,
        150,
        guidance="每月抽样调查患者（服务对象）满意情况，满意人数占调查人数的比例，目标90%以上，按完成比例计分。",
        measured={
            "value_kind": ValueKind.RATIO,
            "target": Decimal("90"),
            "scoring_rule": ScoringRule.PROPORTIONAL,
        },
    ),
    Line("践诺率", COMPUTED, 50, IndicatorFormula.FULFILLMENT),
    Line("整改按期完成率", COMPUTED, 50, IndicatorFormula.RECTIFICATION_ON_TIME),
    Line(
        "组织领导",
        MANUAL,
        100,
        guidance="“一把手”是第一责任人，活动方案量化、任务分解到科室、责任到人。",
        rules=(
            Rule(
                "未成立活动领导小组或“一把手”未亲自负责，扣10分",
                Decimal(10),
                "活动领导小组由副院长牵头，主要负责人未参加。",
            ),
            Rule(
                "未按量化指标完善活动方案、任务未分解到科室，扣10分",
                Decimal(10),
                "活动方案未对照卫生部量化指标修订，科室无分解任务。",
            ),
            Rule(
                "未召开专门会议传达上级会议精神，扣5分", Decimal(5), "查会议记录，9月29日视频会议精神未在本单位传达。"
            ),
        ),
        self_evidence="成立了以院长为组长的活动领导小组，修订了量化活动方案，任务分解到科室。",
    ),
    Line(
        "优质护理与预约诊疗",
        MANUAL,
        100,
        guidance="优质护理服务和预约诊疗服务的制度与落实。",
        rules=(
            Rule("未建立优质护理服务工作制度，扣5分", Decimal(5), "优质护理病房无工作制度和护理质量评价记录。"),
            Rule("未开展电话、网络或现场预约诊疗，扣10分", Decimal(10), "门诊未设预约窗口，无预约登记。"),
            Rule(
                "责任制整体护理未落实，每个病房扣5分",
                Decimal(5),
                "抽查病房护士分管患者不固定，责任制整体护理未落实。",
                3,
            ),
        ),
        self_evidence="建立了优质护理服务制度，开通电话和现场预约，按月统计预约人次。",
    ),
    Line(
        "抗菌药物专项整治",
        MANUAL,
        80,
        guidance="按省卫生厅《抗菌药物专项整治方案》治理滥用抗生素。",
        rules=(
            Rule("未建立抗菌药物分级管理制度，扣10分", Decimal(10), "抗菌药物未分级管理，处方权限未按级别授予。"),
            Rule("未开展处方点评，扣5分", Decimal(5), "抽查3月至10月，未见处方点评记录。"),
            Rule("发现滥用抗菌药物未处理，每例扣5分", Decimal(5), "抽查门诊处方，发现无指征使用抗菌药物未处理。", 3),
        ),
        self_evidence="建立抗菌药物分级管理制度，每月开展处方点评并公示。",
    ),
    Line(
        "医德医风与患者维权",
        MANUAL,
        80,
        guidance="医德医风考核、每月警示教育、维权站和投诉处理。",
        rules=(
            Rule("未建立医德医风考核制度，扣10分", Decimal(10), "医德医风考核无记录，未与绩效挂钩。"),
            Rule("未每月组织观看警示教育片，扣5分", Decimal(5), "警示教育记录仅有3月、6月两次。"),
            Rule("未设立患者维权站，扣5分", Decimal(5), "未设立患者维权站，投诉电话未公示。"),
            Rule("患者投诉未及时处理，每例扣3分", Decimal(3), "患者投诉超过15日未答复。", 3),
        ),
        self_evidence="医德医风考核与绩效挂钩，每月观看警示教育片，设立维权站并公示投诉电话。",
    ),
    Line(
        "月报与自查自评",
        MANUAL,
        40,
        guidance="按月报送量化指标，定期开展自查自评，台账资料齐全。",
        rules=(
            Rule(
                "月报迟报，每次扣2分",
                Decimal(2),
                "月报超过每月5日报送。",
                3,
                only=tuple(code for code, _month in sorted(LATE_FILINGS)),
            ),
            Rule("未按期开展自查自评，扣10分", Decimal(10), "院内工作组未按季度开展自查。"),
            Rule("台账资料不全，扣5分", Decimal(5), "活动台账缺少9月至11月资料。"),
        ),
        self_evidence="按月报送量化指标，每季度院内督导自查一次，台账按月归档。",
    ),
)
HEALTH_PERIOD_NAME = "2011年度"
HEALTH_PERIOD_MONTHS = (datetime.date(2011, 3, 1), datetime.date(2011, 12, 1))
HEALTH_SELF_ASSESSMENT_DUE = datetime.date(2012, 1, 10)
HEALTH_COMPUTED_AT = timezone.make_aware(datetime.datetime(2012, 1, 16, 17, 0))
# How likely each unit breaks each rule of the 细则 (the 中医院 and a township centre lag).
HEALTH_WEAKNESS = {
    "SN-WS-RMYY": 0.15,
    "SN-WS-ZYY": 0.45,
    "SN-WS-JK": 0.2,
    "SN-WS-FY": 0.25,
    "SN-WS-JD": 0.2,
    "SN-WS-HCWSY": 0.25,
    "SN-WS-MHWSY": 0.3,
    "SN-WS-KLWSY": 0.4,
}


@dataclass(frozen=True)
class Series:
    """A unit's monthly values of one ratio: the denominator about ``whole`` and the share
    going from ``first`` to ``last`` percent over the months, with some noise."""

    whole: int
    first: float
    last: float
    noise: float = 1.5
    unit: str = ""


# 优质护理: the county hospital's 12 wards reach 50% by mid-year; the 中医院's 8 stay at
# two or three, below its 二级 target all year.
WARDS = {"SN-WS-RMYY": 12, "SN-WS-ZYY": 8}
SERIES: dict[str, dict[str, Series]] = {
    "患者满意率": {
        "SN-WS-RMYY": Series(300, 86, 93, 1.5),
        "SN-WS-ZYY": Series(200, 82, 87, 1.5),
        "SN-WS-JK": Series(60, 90, 95, 2.0),
        "SN-WS-FY": Series(80, 91, 96, 2.0),
        "SN-WS-JD": Series(50, 85, 92, 2.0),
        "SN-WS-HCWSY": Series(100, 88, 94, 2.0),
        "SN-WS-MHWSY": Series(80, 87, 92, 2.0),
        "SN-WS-KLWSY": Series(60, 89, 95, 2.0),
    },
    "预约诊疗占比": {
        "SN-WS-RMYY": Series(9200, 11, 33, 1.5),
        "SN-WS-ZYY": Series(4100, 5, 14, 1.0),
    },
    "药品收入占比": {
        "SN-WS-RMYY": Series(420, 47, 42, 1.0),
        "SN-WS-ZYY": Series(310, 51, 46, 1.0),
        "SN-WS-HCWSY": Series(36, 58, 52, 1.5),
        "SN-WS-MHWSY": Series(24, 57, 53, 1.5),
        "SN-WS-KLWSY": Series(19, 61, 56, 1.5),
    },
    "住院患者抗菌药物使用率": {
        "SN-WS-RMYY": Series(620, 68, 56, 1.5),
        "SN-WS-ZYY": Series(290, 72, 63, 1.5),
        "SN-WS-HCWSY": Series(70, 64, 57, 2.0),
        "SN-WS-MHWSY": Series(45, 63, 58, 2.0),
        "SN-WS-KLWSY": Series(38, 66, 60, 2.0),
    },
}
EVIDENCE = {
    "患者满意率": "本月抽样调查{whole}人，满意{part}人。",
    "优质护理病房覆盖率": "全院病房{whole}个，开展优质护理服务的病房{part}个。",
    "预约诊疗占比": "门诊{whole}人次，其中电话、网络和现场预约{part}人次。",
    "药品收入占比": "业务收入{whole}万元，其中药品收入{part}万元。",
    "住院患者抗菌药物使用率": "出院患者{whole}人，其中使用抗菌药物{part}人。",
}
SURVEY_DONE = "本月满意度调查已完成，结果已报县卫生局。"
SURVEY_MISSED = "本月未开展满意度调查。"
SURVEYS_MISSED = {("SN-WS-KLWSY", 4), ("SN-WS-KLWSY", 7), ("SN-WS-MHWSY", 9), ("SN-WS-JD", 6)}
# (unit, month) filed after the 5th of the following month.


@transaction.atomic
def demo_health_load() -> DemoCampaign:
    """Create the health campaign and its 1000-point sheet unless the campaign exists (by
    organization and name), then whatever of its 2011 work is missing: the monthly values,
    the 2011年度 period with its self-assessments and verification. Needs an unscoped
    context and the demo county."""
    organization = Organization.objects.get(code=HEALTH_CODE)
    office = User.objects.get(username="weisheng")
    campaign = Campaign.objects.filter(organization=organization, name=HEALTH_CAMPAIGN_NAME).first()
    created = campaign is None
    if created:
        campaign = campaign_create(
            organization=organization,
            name=HEALTH_CAMPAIGN_NAME,
            theme=HEALTH_THEME,
            starts_on=HEALTH_PHASES[0].starts_on,
            ends_on=HEALTH_PHASES[-1].ends_on,
            phases=HEALTH_PHASES,
            standards=HEALTH_STANDARDS,
            # Whole hospitals and all their staff, judged by their patients.
            subjects=CampaignSubjects.UNITS,
            # The hospitals' 工会 pledge beside them (党群共建).
            mass_organizations_take_part=True,
            evaluation=PATIENT_PRESET,
            by=None,
        )
    sheet = ScoreSheet.objects.filter(campaign=campaign).first()
    # A campaign loaded by an earlier demo has the default sheet; it gets this one unless scored.
    if sheet is None or not (sheet.indicators.filter(kind=IndicatorKind.MEASURED).exists() or sheet_is_scored(sheet)):
        sheet = sheet_write(
            campaign=campaign,
            total_points=HEALTH_SHEET_POINTS,
            lines=HEALTH_LINES,
            pass_points=HEALTH_PASS_POINTS,
            excellent_points=HEALTH_EXCELLENT_POINTS,
            by=office,
        )
    if not ScorePeriod.objects.filter(campaign=campaign, name=HEALTH_PERIOD_NAME).exists():
        units = campaign_units(campaign)
        officials = _officials(units)
        health_values_write(sheet=sheet, units=units, officials=officials)
        health_assessment_write(campaign=campaign, units=units, officials=officials, office=office)
    return DemoCampaign(campaign, created=created)


def _officials(units: list[Organization]) -> dict[int, User | None]:
    """The account that files for each unit, where the demo has one (its secretary's)."""
    officials: dict[int, User | None] = {}
    for user in User.objects.filter(organization__in=units, is_active=True).order_by("pk"):
        officials.setdefault(user.organization_id, user)
    return officials


def _months() -> list[datetime.date]:
    first, last = HEALTH_PERIOD_MONTHS
    return [datetime.date(first.year, month, 1) for month in range(first.month, last.month + 1)]


def _filed_at(rng: random.Random, code: str, month: datetime.date, report_day: int) -> datetime.datetime:
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    if (code, month.month) in LATE_FILINGS:
        day = rng.randint(report_day + 3, report_day + 9)
    else:
        day = rng.randint(1, report_day)
    moment = datetime.datetime.combine(
        following.replace(day=day), datetime.time(rng.randint(8, 17), rng.randint(0, 59))
    )
    return timezone.make_aware(moment)


def _ratio_value(rng: random.Random, name: str, code: str, index: int, count: int) -> tuple[Decimal, Decimal] | None:
    """(numerator, denominator) of a unit's ratio in the month ``index`` of ``count``."""
    if name == "优质护理病房覆盖率":
        wards = WARDS.get(code)
        if wards is None:
            return None
        covered = 3 + round(index * 5 / (count - 1)) if code == "SN-WS-RMYY" else 2 + (index >= count // 2)
        return Decimal(covered), Decimal(wards)
    series = SERIES.get(name, {}).get(code)
    if series is None:
        return None
    whole = round(series.whole * rng.uniform(0.9, 1.1))
    share = series.first + (series.last - series.first) * index / (count - 1) + rng.uniform(-1, 1) * series.noise
    return Decimal(round(whole * share / 100)), Decimal(whole)


def health_values_write(*, sheet: ScoreSheet, units: list[Organization], officials: dict[int, User | None]) -> int:
    """Every unit's monthly values of the measured lines that apply to its grade, from
    March to December 2011, each with its evidence, filed by the 5th of the next month
    except a few (LATE_FILINGS)."""
    rng = random.Random(f"{SEED}-values")
    measured = list(sheet.indicators.filter(kind=IndicatorKind.MEASURED).order_by("order"))
    months = _months()
    rows: list[IndicatorValue] = []
    for unit in units:
        applying = [indicator for indicator in measured if indicator.applies_to(unit.grade)]
        if not applying:
            continue
        for index, month in enumerate(months):
            filed = _filed_at(rng, unit.code, month, sheet.monthly_report_day)
            for indicator in applying:
                row = IndicatorValue(
                    indicator=indicator,
                    organization=unit,
                    month=month,
                    reported_by=officials.get(unit.pk),
                    reported_at=filed,
                )
                if indicator.value_kind == ValueKind.YES_NO:
                    done = (unit.code, month.month) not in SURVEYS_MISSED
                    row.value, row.evidence = Decimal(int(done)), SURVEY_DONE if done else SURVEY_MISSED
                else:
                    pair = _ratio_value(rng, indicator.name, unit.code, index, len(months))
                    if pair is None:
                        continue
                    row.numerator, row.denominator = pair
                    row.value = (row.numerator * 100 / row.denominator).quantize(Decimal("0.01"))
                    row.evidence = EVIDENCE[indicator.name].format(whole=row.denominator, part=row.numerator)
                rows.append(row)
    IndicatorValue.objects.bulk_create(rows)
    # As filed: the stamp and a history row at the filing time.
    by_moment: dict[datetime.datetime, list[int]] = {}
    for row in rows:
        by_moment.setdefault(row.reported_at, []).append(row.pk)
        row._history_date, row._history_user = row.reported_at, row.reported_by
    for moment, pks in by_moment.items():
        IndicatorValue.objects.filter(pk__in=pks).update(updated_at=moment)
    IndicatorValue.history.bulk_history_create(rows)
    return len(rows)


def health_assessment_write(
    *, campaign: Campaign, units: list[Organization], officials: dict[int, User | None], office: User
) -> dict[str, int]:
    """The 2011年度 period, each unit's 自查自评 by its due day and the bureau's 核定 after it."""
    period = score_period_create(
        campaign=campaign,
        name=HEALTH_PERIOD_NAME,
        first_month=HEALTH_PERIOD_MONTHS[0],
        last_month=HEALTH_PERIOD_MONTHS[1],
        by=office,
        self_assessment_due=HEALTH_SELF_ASSESSMENT_DUE,
    )
    counts = assessment_write(
        period=period,
        units=units,
        lines=HEALTH_LINES,
        weakness=HEALTH_WEAKNESS,
        rng=random.Random(f"{SEED}-assessment"),
        assessors=officials,
        by=office,
        assessed_at=timezone.make_aware(datetime.datetime(2012, 1, 9, 16, 0)),
        verified_at=timezone.make_aware(datetime.datetime(2012, 1, 16, 10, 30)),
    )
    # Computed here rather than left to the task, so the ranking is there when load_demo
    # returns even without a worker; the period stays open for more verification.
    with _clock(HEALTH_COMPUTED_AT):
        score_period_recompute(period_id=period.pk, today=HEALTH_COMPUTED_AT.date())
    return counts
