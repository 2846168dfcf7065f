"""Demo: the inspection groups at work. 县委第一巡回检查组 (account ``inspector``) has
visited 北极村党支部 in the county's campaign, worked through the checklist and recorded two
findings, one with a photo and one that became a rectification task; it has planned a
visit to 许三湾村党支部. The health bureau's 督查组 (``duchazu``) visited 皇城镇中心卫生院 in
三好一满意 and took a 细则's points for antibiotics it found prescribed without cause.
Where a signed-off task's 回头看 has come (the sign-off demo sets lookback_due), the group
that inspects it has looked back.

Everything goes through campaign.inspections.services, as the groups would do it on the
pages. Idempotent: a visit already there (same campaign, unit, group and day) is kept."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from campaign.campaigns.models import Campaign
from campaign.devdata.demo_activity import _clock
from campaign.inspections.models import CheckResult, Visit, VisitMethod
from campaign.inspections.services import (
    CheckInput,
    DeductInput,
    FindingAction,
    RectifyInput,
    deduction_rules,
    finding_add,
    open_periods,
    period_for,
    visit_plan,
    visit_record,
)
from campaign.scores.models import Deduction, ManualScore
from orgs.access import user_scope
from orgs.models import Organization, User
from pledges.models import Rectification, RectificationStatus

COUNTY_CAMPAIGN = "肃南县深入开展创先争优活动"
HEALTH_CAMPAIGN_CODE = "SN-WS"
VISITED_BRANCH = "SN-HC-BJC"
PLANNED_BRANCH = "SN-MH-XSW"
HEALTH_UNIT = "SN-WS-HCWSY"
COUNTY_VISIT_DAY = datetime.date(2011, 11, 15)
PLANNED_DAY = datetime.date(2012, 5, 16)
HEALTH_VISIT_DAY = datetime.date(2011, 11, 22)
ANTIBIOTICS = "抗菌药物"


@dataclass
class DemoInspections:
    visits_created: int = 0
    findings_created: int = 0
    lookbacks_created: int = 0


def _photo(text_colour: str = "#b22222") -> SimpleUploadedFile:
    """A drawn stand-in for the photo taken on site: a notice board with old notices."""
    image = Image.new("RGB", (640, 480), "#f4f1e8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 580, 420), outline="#5a3e1b", width=12)
    for row in range(5):
        top = 100 + row * 60
        draw.rectangle((100, top, 540, top + 36), fill="#d8d2c0")
    draw.rectangle((100, 100, 300, 136), fill=text_colour)
    data = io.BytesIO()
    image.save(data, format="JPEG", quality=80)
    return SimpleUploadedFile("公开栏.jpg", data.getvalue(), content_type="image/jpeg")


def _existing(campaign: Campaign, organization: Organization, inspector: User, day: datetime.date) -> Visit | None:
    return Visit.objects.filter(
        campaign=campaign, organization=organization, inspector=inspector, planned_on=day
    ).first()


def _record(visit: Visit, *, day: datetime.date, summary: str, problems: dict[int, str], by: User) -> None:
    """Record the visit: the items at the given positions wanting (with the note), the rest met."""
    checks = [
        CheckInput(item=item, result=CheckResult.PROBLEM, note=problems[index])
        if index in problems
        else CheckInput(item=item, result=CheckResult.MET)
        for index, item in enumerate(visit.checklist.order_by("order", "pk"))
    ]
    visit_record(
        visit=visit, visited_on=day, members=visit.members, methods=visit.methods, summary=summary, checks=checks, by=by
    )


def _county_visits(result: DemoInspections) -> None:
    campaign = Campaign.objects.filter(name=COUNTY_CAMPAIGN).first()
    inspector = User.objects.filter(username="inspector").first()
    if campaign is None or inspector is None:
        return
    branch = Organization.objects.get(code=VISITED_BRANCH)
    if _existing(campaign, branch, inspector, COUNTY_VISIT_DAY) is None:
        visit = visit_plan(
            campaign=campaign,
            organization=branch,
            planned_on=COUNTY_VISIT_DAY,
            members="县委组织部 马建国、县纪委 安秀兰、红湾寺镇 钟玉花",
            methods=[VisitMethod.REPORT, VisitMethod.FORUM, VisitMethod.DOCUMENTS, VisitMethod.ON_SITE],
            by=inspector,
        )
        _record(
            visit,
            day=COUNTY_VISIT_DAY,
            summary="听取了支部书记关于创先争优公开承诺践诺情况的汇报，与8名党员和群众代表座谈，"
            "查阅了三会一课记录、承诺台账和民主评议材料，实地察看了村党员活动室和公开栏。"
            "支部承诺事项大多推进顺利，群众对修建村道评价较好；台账资料和公开栏更新存在不足。",
            problems={
                1: "部分党员承诺内容空泛，如“发挥先锋模范作用”，没有具体事项和时限。",
                2: "三会一课记录缺2011年8月、9月两个月。",
            },
            by=inspector,
        )
        result.visits_created += 1
        items = list(visit.checklist.order_by("order", "pk"))
        finding_add(
            visit=visit,
            checklist_item=items[1],
            description="村务公开栏仍张贴2011年上半年的承诺和践诺情况，群众反映看不到最新进展。",
            files=[_photo()],
            action=FindingAction.RECORD,
            by=inspector,
        )
        finding_add(
            visit=visit,
            checklist_item=items[2],
            description="三会一课记录缺2011年8月、9月两个月，组织生活会未按期召开。",
            action=FindingAction.RECTIFY,
            rectify=RectifyInput(
                category="组织生活",
                measure="补开组织生活会并补齐记录；今后每月5日前召开支部党员大会，记录报镇党委备案。",
                owner="支部书记",
                deadline=datetime.date(2011, 12, 31),
            ),
            by=inspector,
        )
        result.findings_created += 2
    planned = Organization.objects.get(code=PLANNED_BRANCH)
    day = min(PLANNED_DAY, campaign.ends_on)
    if _existing(campaign, planned, inspector, day) is None:
        visit_plan(
            campaign=campaign,
            organization=planned,
            planned_on=day,
            members="县委组织部 马建国、马蹄乡 贺兰英",
            methods=[VisitMethod.RANDOM, VisitMethod.DOCUMENTS],
            by=inspector,
        )
        result.visits_created += 1


def _health_visit(result: DemoInspections) -> None:
    campaign = Campaign.objects.filter(organization__code=HEALTH_CAMPAIGN_CODE).order_by("pk").first()
    group = User.objects.filter(username="duchazu").first()
    unit = Organization.objects.filter(code=HEALTH_UNIT).first()
    if campaign is None or group is None or unit is None or _existing(campaign, unit, group, HEALTH_VISIT_DAY):
        return
    period = period_for(open_periods(campaign), HEALTH_VISIT_DAY)
    rule = _free_rule(campaign, unit, period)
    visit = visit_plan(
        campaign=campaign,
        organization=unit,
        planned_on=HEALTH_VISIT_DAY,
        members="卫生局医政股 王德清、卫生局纪检组 刘桂英",
        methods=[VisitMethod.UNANNOUNCED, VisitMethod.DOCUMENTS],
        by=group,
    )
    items = list(visit.checklist.order_by("order", "pk"))
    # The finding goes on the item of the rule's line when there is one, else on the first.
    line = rule.indicator_id if rule is not None else None
    wanting = next((index for index, item in enumerate(items) if line and item.indicator_id == line), 0)
    _record(
        visit,
        day=HEALTH_VISIT_DAY,
        summary="明察暗访门诊和住院部，查阅处方、病历和医德医风考核记录。预约挂号已开通，"
        "患者对服务态度总体满意；抽查处方中有抗菌药物使用不规范的情况。",
        problems={wanting: "抽查门诊处方30张，3张抗菌药物使用无指征。"},
        by=group,
    )
    result.visits_created += 1
    description = "抽查门诊处方30张，3张抗菌药物使用无指征，未按抗菌药物专项整治要求分级管理。"
    if rule is not None and period is not None:
        finding_add(
            visit=visit,
            checklist_item=items[wanting],
            description=description,
            action=FindingAction.DEDUCT,
            deduct=DeductInput(period=period, rule=rule, cases=3 if "每例" in rule.text else 1),
            by=group,
        )
    else:
        finding_add(visit=visit, checklist_item=items[wanting], description=description, by=group)
    result.findings_created += 1


def _free_rule(campaign: Campaign, unit: Organization, period):
    """A 细则 for antibiotics misused (else any) of a line the group has not verified with
    points of its own for the unit: a finding cannot rebuild such a line from 细则."""
    if period is None:
        return None
    usable = []
    for rule in deduction_rules(campaign, unit):
        direct = ManualScore.objects.filter(period=period, organization=unit, indicator=rule.indicator).exists()
        deducted = Deduction.objects.filter(period=period, organization=unit, rule__indicator=rule.indicator).exists()
        if deducted or not direct:
            usable.append(rule)
    preferred = [rule for rule in usable if ANTIBIOTICS in rule.indicator.name]
    misuse = [rule for rule in preferred if "滥用" in rule.text]
    return (misuse or preferred or usable or [None])[0]


def _lookbacks(result: DemoInspections) -> None:
    """A 回头看 of each signed-off task whose day has come, by a group that inspects it."""
    today = timezone.localdate()
    groups = [user for user in User.objects.filter(username__in=["inspector", "duchazu"]).order_by("username")]
    tasks = Rectification.objects.filter(
        status=RectificationStatus.VERIFIED, lookback_due__isnull=False, lookback_due__lte=today
    ).select_related("organization", "campaign")
    for task in tasks.order_by("lookback_due", "pk"):
        if Visit.objects.filter(looks_back_at=task).exists():
            continue
        group = next((user for user in groups if user_scope(user).contains(task.organization)), None)
        if group is None:
            continue
        day = min(task.lookback_due, task.campaign.ends_on)
        with _clock(_at(day, 15)):
            _lookback(task, group=group, day=day)
        result.lookbacks_created += 1


def _lookback(task: Rectification, *, group: User, day: datetime.date) -> None:
    visit = visit_plan(
        campaign=task.campaign,
        organization=task.organization,
        planned_on=max(day, task.campaign.starts_on),
        members="县委组织部 马建国",
        methods=[VisitMethod.FORUM, VisitMethod.LOOKBACK],
        looks_back_at=task,
        by=group,
    )
    _record(
        visit,
        day=day,
        summary="回头看：查阅整改台账，座谈了解群众评价，整改措施落实，未见反弹。",
        problems={},
        by=group,
    )


def demo_inspections_load() -> DemoInspections:
    """Load what is missing; needs an unscoped context, the demo county and its campaigns."""
    result = DemoInspections()
    # As on the days of the visits: the rows (and the tasks they open) carry those days.
    with _clock(_at(COUNTY_VISIT_DAY, 15)):
        _county_visits(result)
    with _clock(_at(HEALTH_VISIT_DAY, 15)):
        _health_visit(result)
    _lookbacks(result)
    return result


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
