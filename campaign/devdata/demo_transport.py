"""The demo county's third campaign: the transport system's 平安单位 (speech 5), run by the
交通局党委 with its 安全科 leading (account jiaotong) over the 公路站, the 运管所, the
汽车运输公司 and the 海事处, in 2011 beside the county's 创先争优.

From the speech: the goal "确保五个到位，力争实现‘三无’"; the 十个方面 as the campaign's
standards; the 五个到位 as the sheet's lines, with 细则; the 三无 (无安全重特大事故、无职工
家属违法犯罪、无影响稳定的事件) as incident kinds no score buys back; 重大情况 reported at
once, never 瞒报、漏报、迟报; the 平安创建责任书 the bureau signs with each unit at the
start of the year and the assessment of the units' leaders at its end. The limits (1 hour
by phone, 24 hours in writing), the dates and every incident are made up.

The 汽车运输公司 reports a road accident in writing 40 hours after it happened and never
phones: 迟报, so the unit is vetoed for 2011 whatever its points, and its manager's
year-end assessment cannot be 称职 or better. Everything comes from one seed; loading
again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from campaign.campaigns.models import Campaign, CampaignSubjects, StandardSubject
from campaign.campaigns.services import DimensionInput, PhaseInput, StandardInput, campaign_create
from campaign.devdata.demo_activity import _clock
from campaign.devdata.demo_assessment import Line, Rule, assessment_write, campaign_units, sheet_write
from campaign.devdata.demo_campaign import DemoCampaign
from campaign.incidents.models import Incident, IncidentKind, Severity, VetoRule
from campaign.letters.models import ResponsibilityLetter
from campaign.letters.selectors import letter_standing
from campaign.letters.services import letter_assess, letter_issue
from campaign.scores.models import IndicatorKind, ScorePeriod, ScoreSheet
from campaign.scores.services import period_end, score_period_create, score_period_finalize, score_period_recompute
from orgs.models import Member, MemberStatus, Organization, Post, User

TRANSPORT_CODE = "SN-JT"
TRANSPORT_CAMPAIGN_NAME = "交通系统“平安单位”创建活动"
TRANSPORT_THEME = "确保五个到位，力争实现“三无”"
SEED = "sunan-2011-transport"
TRANSPORT_PHASES = [
    PhaseInput("宣传发动", datetime.date(2011, 1, 1), datetime.date(2011, 2, 28)),
    PhaseInput("组织实施", datetime.date(2011, 3, 1), datetime.date(2011, 10, 31)),
    PhaseInput("考核验收", datetime.date(2011, 11, 1), datetime.date(2011, 12, 31)),
]
# The speech's 十个方面, abridged.
TEN_ASPECTS = (
    ("人身安全", "营造“关注安全、关爱生命”的氛围，定期体检，关心有疾病的职工，防止伤害事故。"),
    ("生产安全", "安全生产与经济效益同研究、同部署、同落实、同总结，定期召开安全生产工作会议。"),
    ("法制安全", "学习宣传《安全生产法》《公路法》等法规，严格执法、文明服务。"),
    ("心理安全", "通过心理信箱、咨询、讲座等加强心理健康教育，提高职工和家属的心理承受能力。"),
    ("交通安全", "组织学习道路交通安全法规，加强所属车辆的使用管理和检修，确保职工行车安全。"),
    ("消防安全", "成立义务消防组织，经常检查消防安全，限期整改隐患，建立应急疏散预案。"),
    ("季节安全", "抓好夏季防汛、防雷击、防中暑和冬季防冻、防煤气中毒、防火、防滑等工作。"),
    ("设施安全", "车辆和机械设备定人管理、按期维护保养，杜绝车辆和机械事故。"),
    ("施工安全", "加强公路、桥梁施工管理，完善警示标志，严格执行操作规程。"),
    ("办公、住宅区安全", "人走门窗紧锁、文件上柜，外来人员登记，重要部位安装报警装置。"),
)
TRANSPORT_STANDARDS = (
    StandardInput(
        subject=StandardSubject.ORGANIZATION,
        name="平安单位十个方面",
        review_focus="五个到位、三无、重大情况报告",
        dimensions=[DimensionInput(name, description) for name, description in TEN_ASPECTS],
    ),
    StandardInput(
        subject=StandardSubject.MEMBER,
        name="职工平安守则",
        review_focus="遵章守纪、安全操作",
        dimensions=[
            DimensionInput("遵章守纪", "遵守安全规章和操作规程，不违章指挥、不违章作业。"),
            DimensionInput("安全防护", "作业着安全服、戴安全帽，不擅离职守。"),
            DimensionInput("家庭平安", "职工及家属遵纪守法，邻里和睦。"),
        ],
    ),
)
TRANSPORT_PASS_POINTS = Decimal("80")
TRANSPORT_EXCELLENT_POINTS = Decimal("92")
MANUAL = IndicatorKind.MANUAL
# The unit that reports its accident late, and one that reports on time.
LATE_UNIT = "SN-JT-QYGS"
ON_TIME_UNIT = "SN-JT-GLZ"
# The 五个到位, 20 points each.
TRANSPORT_LINES: tuple[Line, ...] = (
    Line(
        "宣传发动到位",
        MANUAL,
        20,
        guidance="制定创建计划和实施方案，通过板报、横幅、宣传栏等形式全面宣传发动。",
        rules=(
            Rule("未制定本单位创建计划和实施方案，扣5分", Decimal(5), "未见本单位创建实施方案。"),
            Rule("未开展创建宣传（板报、横幅、宣传栏），扣3分", Decimal(3), "现场未见创建宣传。"),
        ),
        self_evidence="制定了创建实施方案，设立宣传栏和板报，悬挂横幅。",
    ),
    Line(
        "安全教育到位",
        MANUAL,
        20,
        guidance="安全教育日、安全形势分析会、普法讲座，职工安全意识和技能。",
        rules=(
            Rule("未按月开展安全教育日活动，扣3分", Decimal(3), "安全教育日记录不全，缺5月、8月。"),
            Rule("未组织普法或安全知识讲座，扣3分", Decimal(3), "全年未组织普法讲座。"),
            Rule("职工作业不着安全服、不戴安全帽，每人次扣2分", Decimal(2), "现场检查发现作业人员未戴安全帽。", 3),
        ),
        self_evidence="每月开展安全教育日，举办普法讲座两次，职工安全知识测试合格。",
    ),
    Line(
        "安全管理到位",
        MANUAL,
        20,
        guidance="门卫值班登记、车辆机械管理、消防检查、隐患限期整改，资料台账齐全。",
        rules=(
            Rule("门卫值班和外来人员登记制度不落实，扣3分", Decimal(3), "门卫登记簿多日空白。"),
            Rule("车辆、机械设备未按期维护保养，扣4分", Decimal(4), "两台车辆二级维护超期。"),
            Rule("安全隐患未限期整改，每处扣3分", Decimal(3), "上次检查指出的隐患未整改。", 2),
            Rule("安全资料台账不规范、不齐全，扣2分", Decimal(2), "安全检查台账缺少整改回执。"),
        ),
        self_evidence="门卫24小时值班登记，车辆按期维护，检查发现的隐患均已整改。",
    ),
    Line(
        "安全投入到位",
        MANUAL,
        20,
        guidance="安全经费列入预算，消防器材、监控报警等技防设施完好。",
        rules=(
            Rule("安全经费未列入年度预算，扣5分", Decimal(5), "年度预算无安全经费科目。"),
            Rule("消防器材过期或配备不足，扣3分", Decimal(3), "办公楼灭火器三具过期。"),
            Rule("重点部位未安装防盗、报警设施，扣3分", Decimal(3), "财务室、档案室未装报警装置。"),
        ),
        self_evidence="安全经费列入年度预算，更换消防器材，重点部位安装监控报警。",
    ),
    Line(
        "安全责任到位",
        MANUAL,
        20,
        guidance="层层签订责任状，责任到岗到人；重大情况按规定迅速上报，不瞒报、漏报、迟报。",
        rules=(
            Rule("未层层签订安全责任状，扣5分", Decimal(5), "班组未签订安全责任状。"),
            Rule(
                "重大情况迟报、漏报，扣10分",
                Decimal(10),
                "7月14日客运班车事故未电话报告，40小时后才书面报告。",
                only=(LATE_UNIT,),
            ),
            Rule("领导小组未定期研究创建工作，扣3分", Decimal(3), "领导小组全年仅开会一次。"),
        ),
        self_evidence="与各科室、班组签订安全责任状，重大情况均按规定报告。",
    ),
)
# The 三无, which no score buys back, and the accidents that only a late report turns into a veto.
INCIDENT_KINDS = (
    ("重特大事故", 1, 24, VetoRule.ALWAYS),
    ("职工家属违法犯罪", 24, 72, VetoRule.ALWAYS),
    ("影响稳定事件", 1, 24, VetoRule.ALWAYS),
    ("一般安全事故", 1, 24, VetoRule.LATE),
)
# What the leader of each unit is called (站长、所长、经理、处长).
LEADER_TITLES = {
    "SN-JT-GLZ": "站长",
    "SN-JT-YGS": "所长",
    "SN-JT-QYGS": "经理",
    "SN-JT-HSC": "处长",
}
# The 汽车运输公司 is otherwise as diligent as any: its points alone would pass.
TRANSPORT_WEAKNESS = {"SN-JT-GLZ": 0.15, "SN-JT-YGS": 0.1, "SN-JT-QYGS": 0.1, "SN-JT-HSC": 0.25}
TRANSPORT_PERIOD_NAME = "2011年度"
LETTERS_SIGNED_ON = datetime.date(2011, 1, 18)
ASSESSED_ON = datetime.date(2012, 1, 12)
LETTER_TERMS = (
    "确保宣传发动、安全教育、安全管理、安全投入、安全责任五个到位；力争无安全重特大事故、"
    "无职工家属违法犯罪、无影响稳定的事件；重大情况1小时内电话报告、24小时内书面报告，"
    "不瞒报、漏报、迟报。"
)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@transaction.atomic
def demo_transport_load() -> DemoCampaign:
    """Create the transport campaign unless it exists (by organization and name), then
    whatever of its 2011 is missing: sheet, incident kinds, incidents, the 2011年度
    period verified, scored and finalized, and the letters with their assessment. Needs an
    unscoped context and the demo county."""
    organization = Organization.objects.get(code=TRANSPORT_CODE)
    office = User.objects.get(username="jiaotong")
    campaign = Campaign.objects.filter(organization=organization, name=TRANSPORT_CAMPAIGN_NAME).first()
    created = campaign is None
    if created:
        with _clock(_at(datetime.date(2010, 12, 28), 9)):
            campaign = campaign_create(
                organization=organization,
                name=TRANSPORT_CAMPAIGN_NAME,
                theme=TRANSPORT_THEME,
                starts_on=TRANSPORT_PHASES[0].starts_on,
                ends_on=TRANSPORT_PHASES[-1].ends_on,
                phases=TRANSPORT_PHASES,
                standards=TRANSPORT_STANDARDS,
                # Whole units and all their staff: 平安 is every worker's and family's.
                subjects=CampaignSubjects.UNITS,
                by=office,
            )
    if not ScoreSheet.objects.filter(campaign=campaign).exists():
        sheet_write(
            campaign=campaign,
            total_points=100,
            lines=TRANSPORT_LINES,
            pass_points=TRANSPORT_PASS_POINTS,
            excellent_points=TRANSPORT_EXCELLENT_POINTS,
            by=office,
        )
    if not IncidentKind.objects.filter(campaign=campaign).exists():
        transport_incidents_write(campaign=campaign, office=office)
    units = campaign_units(campaign)
    if not ResponsibilityLetter.objects.filter(campaign=campaign).exists():
        transport_letters_write(campaign=campaign, units=units, office=office)
    if not ScorePeriod.objects.filter(campaign=campaign, name=TRANSPORT_PERIOD_NAME).exists():
        period = transport_period_write(campaign=campaign, units=units, office=office)
        transport_letters_assess(campaign=campaign, period=period, office=office)
    return DemoCampaign(campaign, created=created)


def transport_incidents_write(*, campaign: Campaign, office: User) -> list[Incident]:
    """The kinds with their limits, and 2011's two road accidents: the 公路站's reported on
    time, the 汽车运输公司's in writing 40 hours after, never by phone (迟报)."""
    kinds = IncidentKind.objects.bulk_create(
        IncidentKind(
            campaign=campaign,
            name=name,
            phone_limit_hours=phone,
            written_limit_hours=written,
            veto_rule=rule,
            order=order,
        )
        for order, (name, phone, written, rule) in enumerate(INCIDENT_KINDS, start=1)
    )
    general = kinds[-1]
    units = {unit.code: unit for unit in Organization.objects.filter(code__in=[LATE_UNIT, ON_TIME_UNIT])}
    on_time = _at(datetime.date(2011, 4, 22), 10, 40)
    late = _at(datetime.date(2011, 7, 14), 16, 20)
    incidents = [
        Incident(
            campaign=campaign,
            organization=units[ON_TIME_UNIT],
            kind=general,
            severity=Severity.GENERAL,
            summary="养护工区一台装载机在S213线清理塌方时侧滑，驾驶员左臂擦伤，无其他人员伤亡。",
            occurred_at=on_time,
            phoned_at=on_time + datetime.timedelta(minutes=35),
            written_at=on_time + datetime.timedelta(hours=20),
            actions="设置警示标志，伤者送县人民医院包扎，当日返岗。",
            follow_up="全站机械操作人员重新培训，塌方路段作业增设安全员。",
            registered_by=office,
        ),
        Incident(
            campaign=campaign,
            organization=units[LATE_UNIT],
            kind=general,
            severity=Severity.GENERAL,
            summary="公司一辆肃南至张掖客运班车在G227线与农用三轮车刮擦，两名乘客轻伤。",
            occurred_at=late,
            # No call at all; the written report came 40 hours after.
            written_at=late + datetime.timedelta(hours=40),
            actions="伤者送医治疗，已出院；车辆停运检修。",
            follow_up="对驾驶员停班学习，公司重申重大情况报告制度，责任人作书面检查。",
            registered_by=office,
        ),
    ]
    for incident in incidents:
        with _clock(incident.written_at):
            incident.save()
    return incidents


def _leader(unit: Organization) -> Member:
    """The unit's head, who is also its party secretary in the demo; his job title is set if blank."""
    leader = (
        Member.objects.filter(organization=unit, post=Post.SECRETARY, status=MemberStatus.FULL).order_by("pk").first()
    )
    title = LEADER_TITLES.get(unit.code, "负责人")
    if leader.job_title == "":
        Member.objects.filter(pk=leader.pk).update(job_title=title)
        leader.job_title = title
    return leader


def transport_letters_write(*, campaign: Campaign, units: list[Organization], office: User) -> list:
    """The 平安创建责任书 the bureau signed with each unit's leader in January 2011, naming
    every line of the sheet as his targets."""
    indicators = list(campaign.score_sheet.indicators.order_by("order"))
    with _clock(_at(LETTERS_SIGNED_ON, 15)):
        return [
            letter_issue(
                campaign=campaign,
                organization=unit,
                leader=_leader(unit),
                indicators=indicators,
                terms=LETTER_TERMS,
                signed_on=LETTERS_SIGNED_ON,
                by=office,
            )
            for unit in units
        ]


def transport_period_write(*, campaign: Campaign, units: list[Organization], office: User) -> ScorePeriod:
    """2011年度: each unit's 自查自评, the 安全科's 核定, then the scores, finalized."""
    with _clock(_at(datetime.date(2011, 1, 5), 9)):
        period = score_period_create(
            campaign=campaign,
            name=TRANSPORT_PERIOD_NAME,
            first_month=TRANSPORT_PHASES[0].starts_on,
            last_month=datetime.date(2011, 12, 1),
            by=office,
            self_assessment_due=datetime.date(2011, 12, 25),
        )
    assessors = {}
    for user in User.objects.filter(organization__in=units, is_active=True).order_by("pk"):
        assessors.setdefault(user.organization_id, user)
    assessment_write(
        period=period,
        units=units,
        lines=TRANSPORT_LINES,
        weakness=TRANSPORT_WEAKNESS,
        rng=random.Random(f"{SEED}-assessment"),
        assessors=assessors,
        by=office,
        assessed_at=_at(datetime.date(2011, 12, 23), 16),
        verified_at=_at(datetime.date(2012, 1, 6), 10),
    )
    finalized_at = _at(ASSESSED_ON, 9)
    with _clock(finalized_at):
        score_period_finalize(period=period, by=office, today=period_end(period) + datetime.timedelta(days=1))
        score_period_recompute(period_id=period.pk, today=ASSESSED_ON)
    return ScorePeriod.objects.get(pk=period.pk)


def transport_letters_assess(*, campaign: Campaign, period: ScorePeriod, office: User) -> int:
    """Each letter's year-end assessment on the period's scores, at the result the letters
    room suggests from the target lines' points and the unit's veto (a vetoed unit's
    leader is at best 基本称职, whatever the points)."""
    assessed = 0
    with _clock(_at(ASSESSED_ON, 15)):
        for letter in ResponsibilityLetter.objects.filter(campaign=campaign).select_related("organization", "leader"):
            standing = letter_standing(letter, period)
            if standing.vetoed:
                reasons = "；".join(standing.veto_reasons)
                comment = f"目标得分率{standing.percent}%，但年内发生重大情况迟报，实行一票否决：{reasons}"
            else:
                verdict = "五个到位落实较好" if standing.percent >= 90 else "五个到位仍有差距，需限期整改"
                comment = f"目标得分率{standing.percent}%，全年实现“三无”，{verdict}。"
            letter_assess(letter=letter, period=period, result=standing.suggestion, comment=comment, by=office)
            assessed += 1
    return assessed
