"""Data for the circulars' tests: tallied rounds, reports, a finalized ranking and models
on the small county, each with answers worked out by hand in the tests."""

import datetime
import hashlib
import zoneinfo
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from campaign.circulars.models import Circular, CircularKind, CircularState
from campaign.circulars.services import CircularInput, circular_create
from campaign.monthly.services import ValueInput, indicator_values_file
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.reports.models import InfoReport
from campaign.scores.models import (
    Direction,
    Indicator,
    IndicatorKind,
    OrganizationScore,
    ScorePeriod,
    ScoreSheet,
    ValueKind,
)
from campaign.tests.factories import make_nomination
from reviews.models import Ballot, BallotChoice, Choice, EvaluatorCategory, RoundState
from reviews.tally import round_tally
from reviews.tests.factories import make_round

S, D, U = Choice.SATISFIED, Choice.DISSATISFIED, Choice.UNKNOWN
PARTY = EvaluatorCategory.PARTY_MEMBER
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _at(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _forms(evaluation_round, forms):
    for choices in forms:
        ballot = Ballot.objects.create(round=evaluation_round, category=PARTY)
        BallotChoice.objects.bulk_create(
            BallotChoice(ballot=ballot, round=evaluation_round, category=PARTY, subject=subject, choice=choice)
            for subject, choice in choices.items()
        )


def tallied_rounds(c, campaign):
    """Two rounds closed in 2010年下半年 and one in 2011年上半年, tallied.

    红湾社区党支部 (10 forms): the branch 9 of 10 satisfied (90%, passes), 钟建军 8 of 10
    (80%, below), 安秀英 10 of 10, 兰永福 only 不了解 (not evaluated).
    北极村党支部 (10 forms): the branch alone, 5 of 10 (50%, below).
    """
    a1 = make_round(
        campaign,
        c.branch_a1,
        state=RoundState.CLOSED,
        members=[c.secretary_a1, c.member_a1, c.other_member_a1],
        opens_at=_at(datetime.date(2010, 12, 20), 9),
        closes_at=_at(datetime.date(2010, 12, 24)),
    )
    subjects = {s.member_id: s for s in a1.subjects.all()}
    _forms(
        a1,
        [
            {
                subjects[None]: S if i < 9 else D,
                subjects[c.member_a1.pk]: S if i < 8 else D,
                subjects[c.secretary_a1.pk]: S,
                subjects[c.other_member_a1.pk]: U,
            }
            for i in range(10)
        ],
    )
    b1 = make_round(
        campaign,
        c.branch_b1,
        state=RoundState.CLOSED,
        members=[],
        opens_at=_at(datetime.date(2010, 12, 1), 9),
        closes_at=_at(datetime.date(2010, 12, 5)),
    )
    _forms(b1, [{b1.subjects.get(): S if i < 5 else D} for i in range(10)])
    later = make_round(
        campaign,
        c.branch_a2,
        state=RoundState.CLOSED,
        members=[],
        period="2011年上半年",
        opens_at=_at(datetime.date(2011, 3, 1), 9),
        closes_at=_at(datetime.date(2011, 3, 5)),
    )
    _forms(later, [{later.subjects.get(): D}])
    for evaluation_round in (a1, b1, later):
        round_tally(round_id=evaluation_round.pk)
    return a1, b1, later


def reports(c, campaign):
    """Items in 2011年第一季度 (quota 3 × 3 = 9 each): 红湾寺镇党委 9, 红湾社区 10 (and one
    in April), 许三湾村 4, 康乐乡党委 2 (one adopted), 北极村 none."""

    def report(organization, day, count, **fields):
        for index in range(count):
            InfoReport.objects.create(
                campaign=campaign,
                organization=organization,
                title=f"{organization.name}信息{index}",
                body="正文",
                reported_on=day,
                category="work_news",
                **fields,
            )

    report(c.township_a, datetime.date(2011, 2, 10), 9)
    report(c.branch_a1, datetime.date(2011, 1, 5), 6)
    report(c.branch_a1, datetime.date(2011, 3, 31), 4)
    report(c.branch_a1, datetime.date(2011, 4, 1), 1)
    report(c.branch_a2, datetime.date(2011, 2, 1), 4)
    report(c.township_b, datetime.date(2011, 1, 20), 1)
    report(c.township_b, datetime.date(2011, 1, 21), 1, adopted_level="county", adopted_at=timezone.now())


def finalized_period(c, campaign, *, finalized=True):
    """2011年上半年 with stored scores: townships 88.50 and 61.00; branches 95, 95 and 70."""
    period = ScorePeriod.objects.create(
        campaign=campaign,
        name="2011年上半年",
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 6, 1),
        finalized_at=timezone.now() if finalized else None,
    )

    def score(organization, depth, kind, total, rank, position, size, points):
        OrganizationScore.objects.create(
            period=period,
            organization=organization,
            depth=depth,
            kind=kind,
            total=Decimal(total),
            rank=rank,
            position=position,
            group_size=size,
            breakdown=[
                {"name": "承诺覆盖率", "max": 60, "points": points[0]},
                {"name": "群众满意率", "max": 40, "points": points[1]},
            ],
            computed_at=timezone.now(),
        )

    score(c.township_a, 1, "committee", "88.50", 1, 1, 2, ("50", "38.5"))
    score(c.township_b, 1, "committee", "61", 2, 2, 2, ("41", "20"))
    score(c.branch_a1, 2, "branch", "95", 1, 1, 3, ("55", "40"))
    score(c.branch_b1, 2, "branch", "95", 1, 2, 3, ("60", "35"))
    score(c.branch_a2, 2, "branch", "70", 3, 3, 3, ("40", "30"))
    return period


def selected_models(c, campaign):
    """Selected in 2011年第一季度: 红湾社区党支部 and 钟建军; 北极村 selected in April; 许三湾村 pending."""

    def select(nomination, day):
        ModelNomination.objects.filter(pk=nomination.pk).update(
            status=NominationStatus.SELECTED, decided_at=_at(day, 10)
        )

    select(make_nomination(campaign, c.branch_a1, deeds="开展“十户联防”，服务居民。"), datetime.date(2011, 3, 10))
    select(make_nomination(campaign, member=c.member_a1, deeds="带头修缮社区道路。"), datetime.date(2011, 2, 1))
    select(make_nomination(campaign, c.branch_b1), datetime.date(2011, 4, 2))
    make_nomination(campaign, c.branch_a2)


MARCH_2011 = datetime.date(2011, 3, 1)


def _county_time(day: datetime.date, *args) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(*args), tzinfo=SHANGHAI)


def measured_sheet(campaign):
    """A sheet (report day 5) with three measured indicators: 优质护理病房覆盖率 (a ratio,
    for 二级 and 三级 units only: 80% for 三级, 50% otherwise), 患者投诉件数 (a count, at
    most 2) and 开展医德医风教育 (yes / no, must be yes)."""
    sheet = ScoreSheet.objects.create(campaign=campaign, total_points=100, monthly_report_day=5)

    def indicator(name, order, value_kind, target, **fields):
        return Indicator.objects.create(
            sheet=sheet,
            name=name,
            max_points=30,
            order=order,
            kind=IndicatorKind.MEASURED,
            value_kind=value_kind,
            target=Decimal(target),
            **fields,
        )

    return (
        indicator(
            "优质护理病房覆盖率", 1, ValueKind.RATIO, "50", applies_to_grades=["2", "3"], grade_targets={"3": 80}
        ),
        indicator("患者投诉件数", 2, ValueKind.COUNT, "2", direction=Direction.AT_MOST),
        indicator("开展医德医风教育", 3, ValueKind.YES_NO, "1"),
    )


def monthly_values(c, campaign):
    """March 2011 (due 5 April): 红湾社区 (二级) 50.00% (meets 50), 3 complaints (above
    2), yes, filed at the last second of 5 April; 许三湾村 (三级) 70.00% (below 80), 0, yes,
    filed at midnight after it (late); 北极村 1 complaint and no education (below), on 3
    April; 康乐乡党委 0 and yes on 1 April; 红湾寺镇党委 nothing (missing)."""
    nursing, complaints, education = measured_sheet(campaign)
    for organization, grade in ((c.branch_a1, "2"), (c.branch_a2, "3")):
        organization.grade = grade
        organization.save(update_fields=["grade"])

    def file(organization, when, *values):
        indicator_values_file(
            campaign=campaign, organization=organization, month=MARCH_2011, values=list(values), by=c.office, now=when
        )

    april = datetime.date(2011, 4, 5)
    file(
        c.branch_a1,
        _county_time(april, 23, 59, 59),
        ValueInput(nursing, numerator=Decimal(45), denominator=Decimal(90), evidence="护理部统计表"),
        ValueInput(complaints, count=Decimal(3)),
        ValueInput(education, yes=True),
    )
    file(
        c.branch_a2,
        _county_time(datetime.date(2011, 4, 6), 0, 0, 0),
        ValueInput(nursing, numerator=Decimal(70), denominator=Decimal(100)),
        ValueInput(complaints, count=Decimal(0)),
        ValueInput(education, yes=True),
    )
    file(
        c.branch_b1,
        _county_time(datetime.date(2011, 4, 3), 10),
        ValueInput(complaints, count=Decimal(1)),
        ValueInput(education, yes=False),
    )
    file(
        c.township_b,
        _county_time(datetime.date(2011, 4, 1), 10),
        ValueInput(complaints, count=Decimal(0)),
        ValueInput(education, yes=True),
    )
    return nursing, complaints, education


def draft(campaign, kind=CircularKind.REPORTS, *, start=datetime.date(2011, 1, 1), by=None, **texts):
    return circular_create(
        campaign=campaign,
        kind=kind,
        period_start=start,
        texts=CircularInput(**texts),
        by=by,
        today=datetime.date(2012, 6, 30),
    )


def issued(campaign, *, recipients=None, concerned=(), serial=1, data=b"%PDF-1.7 test\n", **fields):
    """An issued circular built directly, with a stored file: for scope tests."""
    circular = Circular.objects.create(
        campaign=campaign,
        issuer=campaign.organization,
        kind=fields.pop("kind", CircularKind.REPORTS),
        period_start=datetime.date(2011, 1, 1),
        period_end=datetime.date(2011, 3, 31),
        period_label="2011年第一季度",
        issuer_name="测试县委创先争优活动领导小组办公室",
        title=fields.pop("title", "关于2011年第一季度信息上报情况的通报"),
        addressee="各乡镇党委",
        state=CircularState.ISSUED,
        number_prefix="测创办",
        number_year=2011,
        number_serial=serial,
        number_text=f"测创办〔2011〕{serial}号",
        snapshot={"kind": "reports"},
        sha256=hashlib.sha256(data).hexdigest(),
        pages=1,
        size=len(data),
        issued_on=datetime.date(2011, 4, 2),
        **fields,
    )
    circular.pdf.save("circular.pdf", ContentFile(data), save=True)
    if recipients is not None:
        circular.recipients.set(recipients)
    circular.concerned.set(concerned)
    return circular
