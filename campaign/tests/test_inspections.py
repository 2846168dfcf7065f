"""巡回检查: an inspection group plans and records visits to the units it inspects, with a
checklist drawn from the campaign's standards and sheet lines; a finding opens a
rectification task or takes a 细则's points; a signed-off task is looked back at."""

import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from campaign.inspections.models import CheckResult, Finding, FindingAttachment, Visit, VisitMethod, VisitState
from campaign.inspections.selectors import lookbacks_due
from campaign.inspections.services import (
    CheckInput,
    DeductInput,
    FindingAction,
    RectifyInput,
    checklist_item_add,
    finding_add,
    visit_plan,
    visit_record,
)
from campaign.scores.models import Deduction, DeductionRule, IndicatorKind, ManualScore
from campaign.scores.services import IndicatorInput, score_period_create, score_sheet_set
from pledges.models import Rectification, RectificationSource, RectificationStatus

pytestmark = pytest.mark.django_db

DAY = datetime.date(2011, 5, 10)


def png(name="公开栏.png") -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(data, format="PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def plan(campaign, county, organization=None, **extra):
    return visit_plan(
        campaign=campaign,
        organization=organization or county.branch_b1,
        planned_on=DAY,
        members="张明、李芳",
        methods=[VisitMethod.REPORT, VisitMethod.DOCUMENTS],
        by=extra.pop("by", county.inspector_b),
        **extra,
    )


def record(visit, by, **extra):
    return visit_record(
        visit=visit,
        visited_on=DAY,
        members=visit.members,
        methods=visit.methods,
        summary="听取支部书记汇报，查阅了三会一课记录。",
        checks=extra.pop("checks", []),
        by=by,
        **extra,
    )


@pytest.fixture
def sheet(campaign):
    sheet = score_sheet_set(
        campaign=campaign,
        total_points=100,
        indicators=[
            IndicatorInput("组织领导", IndicatorKind.MANUAL, 60),
            IndicatorInput("台账资料", IndicatorKind.MANUAL, 40),
        ],
        by=None,
    )
    line = sheet.indicators.get(name="台账资料")
    DeductionRule.objects.create(indicator=line, text="台账不全", points=Decimal(2), order=0)
    DeductionRule.objects.create(indicator=line, text="公开栏未更新", points=Decimal(3), order=1)
    return sheet


@pytest.fixture
def period(campaign, sheet):
    return score_period_create(
        campaign=campaign,
        name="2011年上半年",
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 6, 1),
        by=None,
    )


def test_a_plan_draws_its_checklist_from_the_standards_and_the_sheet(county, campaign, sheet):
    visit = plan(campaign, county)
    texts = [item.text for item in visit.checklist.all()]
    assert visit.state == VisitState.PLANNED and visit.inspector == county.inspector_b
    assert any(text.startswith("领导班子好") for text in texts)
    assert texts[-2:] == ["组织领导", "台账资料"]
    assert visit.checklist.filter(dimension__isnull=False).count() == 5
    assert visit.checklist.filter(indicator__isnull=False).count() == 2


def test_an_inspector_cannot_plan_outside_its_subtree(county, campaign):
    with pytest.raises(PermissionDenied):
        plan(campaign, county, organization=county.branch_a1)
    assert not Visit.objects.exists()


@pytest.mark.parametrize("account", ["office", "leader_a", "secretary_user_b1", "member_user_a1"])
def test_no_one_but_an_inspection_group_plans_a_visit(county, campaign, account):
    with pytest.raises(PermissionDenied):
        plan(campaign, county, by=getattr(county, account))


def test_a_visit_needs_members_and_a_method(county, campaign):
    with pytest.raises(ValidationError, match="检查组成员"):
        visit_plan(
            campaign=campaign,
            organization=county.branch_b1,
            planned_on=DAY,
            members="  ",
            methods=[VisitMethod.REPORT],
            by=county.inspector_b,
        )
    with pytest.raises(ValidationError, match="检查方式"):
        visit_plan(
            campaign=campaign,
            organization=county.branch_b1,
            planned_on=DAY,
            members="张明",
            methods=[],
            by=county.inspector_b,
        )
    with pytest.raises(ValidationError, match="回头看"):
        visit_plan(
            campaign=campaign,
            organization=county.branch_b1,
            planned_on=DAY,
            members="张明",
            methods=[VisitMethod.LOOKBACK],
            by=county.inspector_b,
        )


def test_the_group_records_the_visit_with_each_items_result(county, campaign):
    visit = plan(campaign, county)
    first, second = list(visit.checklist.all())[:2]
    record(
        visit,
        county.inspector_b,
        checks=[
            CheckInput(item=first, result=CheckResult.MET),
            CheckInput(item=second, result=CheckResult.PROBLEM, note="党员队伍年龄老化，发展党员断档。"),
        ],
    )
    visit.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert visit.state == VisitState.RECORDED and visit.visited_on == DAY
    assert (first.result, second.result) == (CheckResult.MET, CheckResult.PROBLEM)
    assert second.note.startswith("党员队伍")


def test_an_item_found_wanting_needs_a_note(county, campaign):
    visit = plan(campaign, county)
    item = visit.checklist.first()
    with pytest.raises(ValidationError, match="请写明情况"):
        record(visit, county.inspector_b, checks=[CheckInput(item=item, result=CheckResult.PROBLEM)])
    visit.refresh_from_db()
    assert visit.state == VisitState.PLANNED


def test_a_visit_cannot_be_recorded_in_the_future(county, campaign):
    visit = plan(campaign, county)
    with pytest.raises(ValidationError, match="晚于今天"):
        record(visit, county.inspector_b, today=DAY - datetime.timedelta(days=1))


def test_only_the_group_that_planned_it_records_a_visit(county, campaign):
    from orgs.tests.factories import make_user

    visit = plan(campaign, county)
    other_group = make_user("inspector_b2", "inspector", inspected=[county.township_b])
    for account in (county.office, county.secretary_user_b1, other_group):
        with pytest.raises(PermissionDenied):
            record(visit, account)
        with pytest.raises(PermissionDenied):
            checklist_item_add(visit=visit, text="便民服务", by=account)


def test_the_group_adds_its_own_items(county, campaign):
    visit = plan(campaign, county)
    item = checklist_item_add(visit=visit, text="  群众反映的  路灯问题 ", by=county.inspector_b)
    assert item.text == "群众反映的 路灯问题" and item.dimension is None and item.indicator is None
    assert visit.checklist.order_by("-order").first() == item


def recorded(campaign, county):
    visit = plan(campaign, county)
    record(visit, county.inspector_b)
    return visit


def test_a_finding_opens_a_rectification_task_for_the_unit(county, campaign):
    visit = recorded(campaign, county)
    item = visit.checklist.first()
    finding = finding_add(
        visit=visit,
        description="支部未按期召开组织生活会。",
        checklist_item=item,
        files=[png()],
        action=FindingAction.RECTIFY,
        rectify=RectifyInput(
            category="组织生活", measure="一个月内补开组织生活会", owner="杜德明", deadline=datetime.date(2011, 6, 10)
        ),
        by=county.inspector_b,
    )
    task = finding.rectification
    assert task.organization == county.branch_b1 and task.campaign == campaign
    assert task.source == RectificationSource.INSPECTION and task.found_by == county.inspector_b
    assert task.problem == "支部未按期召开组织生活会。" and task.status == RectificationStatus.OPEN
    attachment = finding.attachments.get()
    assert attachment.content_type == "image/png" and attachment.original_name == "公开栏.png"
    item.refresh_from_db()
    assert item.result == CheckResult.PROBLEM


def test_a_finding_takes_a_rules_points_in_the_open_period(county, campaign, period):
    visit = recorded(campaign, county)
    rule = DeductionRule.objects.get(text="台账不全")
    other = DeductionRule.objects.get(text="公开栏未更新")
    first = finding_add(
        visit=visit,
        description="三会一课记录缺两个月。",
        action=FindingAction.DEDUCT,
        deduct=DeductInput(period=period, rule=rule, cases=2),
        by=county.inspector_b,
    )
    assert first.deduction.points == Decimal(4) and first.deduction.organization == county.branch_b1
    assert "三会一课记录缺两个月" in first.deduction.reason
    # A second finding on the same line keeps the first deduction and adds its own.
    second = finding_add(
        visit=visit,
        description="公开栏还是去年的内容。",
        action=FindingAction.DEDUCT,
        deduct=DeductInput(period=period, rule=other),
        by=county.inspector_b,
    )
    assert Deduction.objects.filter(period=period, organization=county.branch_b1).count() == 2
    score = ManualScore.objects.get(period=period, organization=county.branch_b1, indicator=rule.indicator)
    assert score.points == Decimal(40 - 4 - 3)
    # The same rule again counts its cases with the earlier ones.
    third = finding_add(
        visit=visit,
        description="发展党员材料不全。",
        action=FindingAction.DEDUCT,
        deduct=DeductInput(period=period, rule=rule),
        by=county.inspector_b,
    )
    assert third.deduction == first.deduction
    third.deduction.refresh_from_db()
    assert third.deduction.points == Decimal(6)
    assert second.deduction.points == Decimal(3)


def test_a_finalized_period_takes_no_deduction(county, campaign, period):
    visit = recorded(campaign, county)
    period.finalized_at = timezone.now()
    period.save()
    with pytest.raises(ValidationError):
        finding_add(
            visit=visit,
            description="台账不全。",
            action=FindingAction.DEDUCT,
            deduct=DeductInput(period=period, rule=DeductionRule.objects.get(text="台账不全")),
            by=county.inspector_b,
        )
    assert not Finding.objects.exists()


def test_a_refused_task_leaves_no_half_written_finding(county, campaign, media):
    visit = recorded(campaign, county)
    with (
        mock.patch(
            "campaign.inspections.services.rectification_create", side_effect=ValidationError("整改任务建立失败")
        ),
        pytest.raises(ValidationError),
    ):
        finding_add(
            visit=visit,
            description="支部未按期召开组织生活会。",
            files=[png()],
            action=FindingAction.RECTIFY,
            rectify=RectifyInput(
                category="组织生活", measure="补开", owner="杜德明", deadline=datetime.date(2011, 6, 1)
            ),
            by=county.inspector_b,
        )
    assert not Finding.objects.exists() and not FindingAttachment.objects.exists()
    assert not Rectification.objects.exists()


def test_an_empty_task_is_refused_by_the_task_rules_and_nothing_is_kept(county, campaign):
    visit = recorded(campaign, county)
    with pytest.raises(ValidationError):
        finding_add(
            visit=visit,
            description="问题",
            action=FindingAction.RECTIFY,
            rectify=RectifyInput(category=" ", measure="补开", owner="杜德明", deadline=datetime.date(2011, 6, 1)),
            by=county.inspector_b,
        )
    assert not Finding.objects.exists() and not Rectification.objects.exists()


def test_a_file_of_another_type_is_refused(county, campaign):
    visit = recorded(campaign, county)
    script = SimpleUploadedFile("a.html", b"<script>alert(1)</script>", content_type="text/html")
    with pytest.raises(ValidationError, match="不能上传"):
        finding_add(visit=visit, description="问题", files=[script], by=county.inspector_b)
    assert not Finding.objects.exists()


def test_a_finding_needs_a_recorded_visit(county, campaign):
    visit = plan(campaign, county)
    with pytest.raises(ValidationError, match="请先记录"):
        finding_add(visit=visit, description="问题", by=county.inspector_b)


def test_others_cannot_add_findings(county, campaign):
    visit = recorded(campaign, county)
    for account in (county.office, county.leader_a, county.secretary_user_b1):
        with pytest.raises(PermissionDenied):
            finding_add(visit=visit, description="问题", by=account)


def signed_off(campaign, county, *, due=DAY) -> Rectification:
    return Rectification.objects.create(
        campaign=campaign,
        organization=county.branch_b1,
        category="服务群众",
        problem="便民服务站开放时间不固定",
        measure="排定值班表并在公开栏公布",
        owner="杜德明",
        deadline=datetime.date(2011, 1, 31),
        status=RectificationStatus.VERIFIED,
        verified_at=timezone.now(),
        lookback_due=due,
    )


def test_a_signed_off_task_is_looked_back_at_when_due(county, campaign):
    from orgs.access import user_scope
    from orgs.scoping import scope_activated

    task = signed_off(campaign, county)
    signed_off(campaign, county, due=DAY + datetime.timedelta(days=30))  # not yet
    with scope_activated(user_scope(county.inspector_b)):
        rows = lookbacks_due(campaign, today=DAY)
    assert [row.rectification for row in rows] == [task] and rows[0].visit is None
    visit = plan(campaign, county, looks_back_at=task)
    assert VisitMethod.LOOKBACK in visit.methods
    assert visit.checklist.first().text.startswith("整改是否到位、有无反弹：便民服务站")
    record(visit, county.inspector_b)
    # A relapse opens a new task.
    relapse = finding_add(
        visit=visit,
        description="值班表已撤下，服务站又不按时开放。",
        action=FindingAction.RECTIFY,
        rectify=RectifyInput(
            category="服务群众", measure="恢复值班", owner="杜德明", deadline=datetime.date(2011, 6, 30)
        ),
        by=county.inspector_b,
    )
    assert relapse.rectification != task and relapse.rectification.status == RectificationStatus.OPEN
    with scope_activated(user_scope(county.secretary_user_a1)):
        assert lookbacks_due(campaign, today=DAY) == []


def test_only_a_signed_off_task_of_the_unit_is_looked_back_at(county, campaign):
    task = signed_off(campaign, county)
    with pytest.raises(ValidationError, match="须是该单位"):
        plan(campaign, county, organization=county.township_b, looks_back_at=task)
    task.status, task.verified_at = RectificationStatus.OPEN, None
    task.save()
    with pytest.raises(ValidationError, match="验收销号"):
        plan(campaign, county, looks_back_at=task)


def test_a_line_verified_with_points_of_its_own_takes_no_deduction(county, campaign, period):
    from campaign.scores.services import ManualInput, manual_scores_set

    rule = DeductionRule.objects.get(text="台账不全")
    manual_scores_set(
        period=period,
        organization=county.branch_b1,
        scores=[ManualInput(indicator=rule.indicator, points=Decimal(35), comment="台账基本齐全")],
        by=county.inspector_b,
    )
    visit = recorded(campaign, county)
    with pytest.raises(ValidationError, match="已直接核定得分"):
        finding_add(
            visit=visit,
            description="台账不全。",
            action=FindingAction.DEDUCT,
            deduct=DeductInput(period=period, rule=rule),
            by=county.inspector_b,
        )
    assert ManualScore.objects.get(indicator=rule.indicator, organization=county.branch_b1).points == Decimal(35)
