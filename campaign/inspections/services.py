"""巡回检查: every write to an inspection group's visits and what it finds.

Who does what:
- an inspection group (orgs Role.INSPECTOR) plans visits to the units of the campaign in
  the subtrees it inspects, records them (date, methods, the checklist's results) and
  adds findings with their photos or files; it writes only its own visits;
- a finding may open a rectification task for the unit (pledges.rectification, source
  检查发现: the group is kept as its finder) or take a 细则's points off the unit on the
  score sheet for an open period (campaign.scores.services.manual_scores_set);
- a 回头看 (look-back) is a visit like any other, planned on a signed-off task whose
  lookback_due has come; its findings work the same way (a relapse opens a new task).

Everyone else reads visits in their scope and writes nothing here.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign, StandardDimension, StandardSubject
from campaign.inspections.models import (
    ChecklistItem,
    CheckResult,
    Finding,
    FindingAttachment,
    Visit,
    VisitMethod,
    VisitState,
)
from campaign.scores.models import (
    Deduction,
    DeductionRule,
    Indicator,
    IndicatorKind,
    ManualScore,
    ScorePeriod,
    ScoreSheet,
)
from campaign.scores.services import DeductionInput, ManualInput, is_scored, manual_scores_set
from orgs.access import user_scope
from orgs.models import Organization, OrganizationKind, Role, User
from pledges.models import Rectification, RectificationSource, RectificationStatus
from pledges.progress import EVIDENCE_MAX_FILES, CheckedEvidence, evidence_check
from pledges.rectification import rectification_create

MASS_KINDS = OrganizationKind.mass_organizations()
MEMBERS_MAX_LENGTH = 300
# A visit's own items added by the group, beside those drawn from the standards and the sheet.
MOST_FREE_ITEMS = 30


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


def is_inspector(user: User) -> bool:
    return user.is_authenticated and user.role == Role.INSPECTOR and bool(user_scope(user).subtree_paths)


def unit_covered(campaign: Campaign, organization: Organization) -> bool:
    """A unit below the campaign's own organization that the campaign covers. No query."""
    if organization.pk == campaign.organization_id or not organization.is_within(campaign.organization):
        return False
    return campaign.mass_organizations_take_part or organization.kind not in MASS_KINDS


def may_plan(user: User, campaign: Campaign, organization: Organization) -> bool:
    """An inspection group, for a unit of the campaign in the subtrees it inspects. No
    query once the scope is known."""
    return is_inspector(user) and user_scope(user).contains(organization) and unit_covered(campaign, organization)


def may_write_visit(user: User, visit: Visit) -> bool:
    """The group that planned the visit, while the unit is still in its scope."""
    return visit.inspector_id == user.pk and is_inspector(user) and user_scope(user).contains(visit.organization)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


WRITE_REFUSAL = _("只有负责检查该单位的巡回检查组可以记录这次检查。")


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------


def _clean_methods(methods: Sequence[str], *, lookback: bool) -> list[str]:
    chosen = [method for method in VisitMethod.values if method in set(methods)]
    if len(chosen) != len(set(methods)):
        raise ValidationError(_("检查方式不正确。"))
    if lookback and VisitMethod.LOOKBACK not in chosen:
        chosen.append(VisitMethod.LOOKBACK)
    if not lookback and VisitMethod.LOOKBACK in chosen:
        raise ValidationError(_("“回头看”须从到期的整改任务安排。"))
    if not chosen:
        raise ValidationError(_("请至少选择一种检查方式。"))
    return chosen


def _clean_members(members: str) -> str:
    members = " ".join(members.split())
    if not members:
        raise ValidationError(_("请填写检查组成员。"))
    if len(members) > MEMBERS_MAX_LENGTH:
        raise ValidationError(_("检查组成员最多 %(count)s 个字。") % {"count": MEMBERS_MAX_LENGTH})
    return members


def lookback_ready(rectification: Rectification, today: datetime.date) -> bool:
    """A signed-off task whose 回头看 date has come. No query."""
    return (
        rectification.status == RectificationStatus.VERIFIED
        and rectification.lookback_due is not None
        and rectification.lookback_due <= today
    )


def checklist_sources(campaign: Campaign, organization: Organization) -> list[tuple[str, dict]]:
    """The checklist a visit starts with: the campaign's organization standard, one item a
    dimension (领导班子好 …), then the score sheet's lines that apply to the unit and that
    an inspection checks (scored by the group or reported by the unit), as (text, links)."""
    items: list[tuple[str, dict]] = []
    dimensions = StandardDimension.objects.filter(
        standard__campaign=campaign, standard__subject=StandardSubject.ORGANIZATION
    ).order_by("order", "pk")
    for dimension in dimensions:
        text = f"{dimension.name}：{dimension.description}" if dimension.description else dimension.name
        items.append((text[:300], {"dimension": dimension}))
    sheet = ScoreSheet.objects.filter(campaign=campaign).first()
    if sheet is not None:
        lines = Indicator.objects.filter(sheet=sheet, kind__in=[IndicatorKind.MANUAL, IndicatorKind.MEASURED])
        for indicator in lines.order_by("order", "pk"):
            if indicator.applies_to(organization.grade):
                items.append((indicator.name, {"indicator": indicator}))
    return items


@transaction.atomic
def visit_plan(
    *,
    campaign: Campaign,
    organization: Organization,
    planned_on: datetime.date,
    members: str,
    methods: Sequence[str],
    by: User,
    looks_back_at: Rectification | None = None,
) -> Visit:
    """Plan a visit and draw its checklist. With ``looks_back_at`` a 回头看 of that
    signed-off task: its first item asks whether the rectification held."""
    _require(may_plan(by, campaign, organization), _("只能为所负责检查范围内、参加本活动的单位安排检查。"))
    members = _clean_members(members)
    methods = _clean_methods(methods, lookback=looks_back_at is not None)
    if not campaign.starts_on <= planned_on <= campaign.ends_on:
        raise ValidationError(_("计划日期须在活动期间内。"))
    if looks_back_at is not None:
        if looks_back_at.organization_id != organization.pk or looks_back_at.campaign_id != campaign.pk:
            raise ValidationError(_("回头看的整改任务须是该单位在本活动中的任务。"))
        if looks_back_at.status != RectificationStatus.VERIFIED or looks_back_at.lookback_due is None:
            raise ValidationError(_("只有验收销号、定了回头看日期的整改任务才能回头看。"))
    visit = Visit.objects.create(
        campaign=campaign,
        organization=organization,
        inspector=by,
        planned_on=planned_on,
        members=members,
        methods=methods,
        looks_back_at=looks_back_at,
    )
    items = []
    if looks_back_at is not None:
        text = _("整改是否到位、有无反弹：%(problem)s") % {"problem": looks_back_at.problem}
        items.append((text[:300], {}))
    items += checklist_sources(campaign, organization)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(visit=visit, order=order, text=text, **links) for order, (text, links) in enumerate(items)
    )
    return visit


@transaction.atomic
def checklist_item_add(*, visit: Visit, text: str, by: User) -> ChecklistItem:
    """An item the group adds to the visit's checklist (e.g. what the masses raised)."""
    _require(may_write_visit(by, visit), WRITE_REFUSAL)
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("请填写检查项目。"))
    if len(text) > 300:
        raise ValidationError(_("检查项目最多 300 个字。"))
    items = ChecklistItem.objects.filter(visit=visit)
    if items.filter(dimension__isnull=True, indicator__isnull=True).count() >= MOST_FREE_ITEMS:
        raise ValidationError(_("每次检查最多自行添加 %(count)s 个检查项目。") % {"count": MOST_FREE_ITEMS})
    last = items.order_by("-order").values_list("order", flat=True).first()
    return ChecklistItem.objects.create(visit=visit, text=text, order=(last or 0) + 1)


# ---------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInput:
    """One checklist item's result and what was seen."""

    item: ChecklistItem
    result: str
    note: str = ""


@transaction.atomic
def visit_record(
    *,
    visit: Visit,
    visited_on: datetime.date,
    members: str,
    methods: Sequence[str],
    summary: str,
    checks: Sequence[CheckInput],
    by: User,
    today: datetime.date | None = None,
) -> Visit:
    """Record (or correct) what the visit found: when, who, how, and each item's result.
    An item found wanting needs a word on what was wrong."""
    visit = Visit.objects.select_for_update(of=("self",)).select_related("organization", "campaign").get(pk=visit.pk)
    _require(may_write_visit(by, visit), WRITE_REFUSAL)
    today = today or timezone.localdate()
    if visited_on > today:
        raise ValidationError(_("检查日期不能晚于今天。"))
    if visited_on < visit.campaign.starts_on:
        raise ValidationError(_("检查日期不能早于活动开始日期。"))
    members = _clean_members(members)
    methods = _clean_methods(methods, lookback=visit.looks_back_at_id is not None)
    summary = summary.strip()
    if not summary:
        raise ValidationError(_("请填写检查情况。"))
    problems = []
    for check in checks:
        if check.item.visit_id != visit.pk:
            raise ValidationError(_("检查项目不属于这次检查。"))
        if check.result not in CheckResult.values:
            raise ValidationError(_("检查结果不正确。"))
        if check.result == CheckResult.PROBLEM and not check.note.strip():
            problems.append(_("“%(item)s”发现问题，请写明情况。") % {"item": check.item.text[:40]})
    if problems:
        raise ValidationError(problems)
    for check in checks:
        item = check.item
        item.result, item.note = check.result, check.note.strip()
        item.save(update_fields=["result", "note"])
    visit.visited_on, visit.members, visit.methods, visit.summary = visited_on, members, methods, summary
    visit.state = VisitState.RECORDED
    visit.save(update_fields=["visited_on", "members", "methods", "summary", "state"])
    return visit


# ---------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------


class FindingAction:
    """What the group does with a finding."""

    RECORD = "record"
    RECTIFY = "rectify"
    DEDUCT = "deduct"


@dataclass(frozen=True)
class RectifyInput:
    """The task a finding opens for the unit."""

    category: str
    measure: str
    owner: str
    deadline: datetime.date


@dataclass(frozen=True)
class DeductInput:
    """A 细则 of a sheet line applied for the finding, in an open period."""

    period: ScorePeriod
    rule: DeductionRule
    cases: int = 1


def open_periods(campaign: Campaign) -> list[ScorePeriod]:
    """The campaign's periods still open to verification, latest first."""
    periods = ScorePeriod.objects.filter(
        campaign=campaign, finalized_at__isnull=True, finalize_requested_at__isnull=True
    )
    return list(periods.order_by("-last_month", "-first_month", "pk"))


def period_for(periods: Sequence[ScorePeriod], day: datetime.date | None) -> ScorePeriod | None:
    """The open period whose months hold ``day``, else the latest open one. No query."""
    if day is not None:
        month = day.replace(day=1)
        for period in periods:
            if period.first_month <= month <= period.last_month:
                return period
    return periods[0] if periods else None


def deduction_rules(campaign: Campaign, organization: Organization) -> list[DeductionRule]:
    """The 细则 of the sheet's inspector-scored lines that apply to the unit."""
    rules = DeductionRule.objects.filter(
        indicator__sheet__campaign=campaign, indicator__kind=IndicatorKind.MANUAL
    ).select_related("indicator")
    return [
        rule
        for rule in rules.order_by("indicator__order", "indicator", "order", "pk")
        if rule.indicator.applies_to(organization.grade)
    ]


def _checked_files(files: Sequence[UploadedFile]) -> list[CheckedEvidence]:
    if len(files) > EVIDENCE_MAX_FILES:
        raise ValidationError(_("每条检查发现最多上传 %(count)s 个文件。") % {"count": EVIDENCE_MAX_FILES})
    # Every file is checked before anything is written, so one bad file leaves nothing behind.
    return [evidence_check(upload) for upload in files]


def _deduct(*, visit: Visit, given: DeductInput, description: str, by: User) -> Deduction:
    """Apply the 细则 on top of what the line already has for the unit in the period: the
    score side keeps a line's deductions as one set, so the others are given again, and a
    rule already applied counts the new cases with the old."""
    rule, period, organization = given.rule, given.period, visit.organization
    if period.campaign_id != visit.campaign_id or rule.indicator.sheet.campaign_id != visit.campaign_id:
        raise ValidationError(_("扣分细则和考核期须属于本活动。"))
    if not is_scored(visit.campaign, organization):
        raise ValidationError(_("该单位不参加本活动的考核评分，不能扣分。"))
    if not rule.indicator.applies_to(organization.grade):
        raise ValidationError(_("“%(name)s”不适用于该单位。") % {"name": rule.indicator.name})
    direct = ManualScore._base_manager.filter(period=period, organization=organization, indicator=rule.indicator)
    if (
        direct.exists()
        and not Deduction._base_manager.filter(
            period=period, organization=organization, rule__indicator=rule.indicator
        ).exists()
    ):
        # A line verified with points of its own: rebuilding it from 细则 would drop them.
        raise ValidationError(
            _("“%(name)s”已直接核定得分，不能再按细则扣分；请到考核评分页面修改核定。") % {"name": rule.indicator.name}
        )
    reason = _("%(day)s检查发现：%(finding)s") % {"day": visit.visited_on.isoformat(), "finding": description}
    evidence = _("巡回检查记录（%(members)s）") % {"members": visit.members}
    deductions = []
    merged = False
    existing = Deduction._base_manager.filter(
        period=period, organization=organization, rule__indicator=rule.indicator
    ).select_related("rule")
    for deduction in existing:
        cases = max(1, int(deduction.points / deduction.rule.points))
        if deduction.rule_id == rule.pk:
            merged = True
            deductions.append(
                DeductionInput(
                    rule=rule,
                    reason=f"{deduction.reason}；{reason}",
                    evidence=deduction.evidence or evidence,
                    cases=cases + given.cases,
                )
            )
        else:
            deductions.append(
                DeductionInput(rule=deduction.rule, reason=deduction.reason, evidence=deduction.evidence, cases=cases)
            )
    if not merged:
        deductions.append(DeductionInput(rule=rule, reason=reason, evidence=evidence, cases=given.cases))
    manual_scores_set(
        period=period,
        organization=organization,
        scores=[ManualInput(indicator=rule.indicator, points=None, deductions=tuple(deductions))],
        by=by,
    )
    return Deduction._base_manager.get(period=period, organization=organization, rule=rule)


@transaction.atomic
def finding_add(
    *,
    visit: Visit,
    description: str,
    by: User,
    checklist_item: ChecklistItem | None = None,
    files: Sequence[UploadedFile] = (),
    action: str = FindingAction.RECORD,
    rectify: RectifyInput | None = None,
    deduct: DeductInput | None = None,
) -> Finding:
    """A finding of a recorded visit, with its photos or files, and what follows from it: a
    rectification task for the unit, a deduction on the sheet, or nothing more. All or
    nothing: a task or deduction refused leaves no finding and no file behind."""
    visit = Visit.objects.select_for_update(of=("self",)).select_related("organization", "campaign").get(pk=visit.pk)
    _require(may_write_visit(by, visit), WRITE_REFUSAL)
    if visit.state != VisitState.RECORDED:
        raise ValidationError(_("请先记录检查情况，再登记检查发现。"))
    description = description.strip()
    if not description:
        raise ValidationError(_("请写明发现的问题。"))
    if checklist_item is not None and checklist_item.visit_id != visit.pk:
        raise ValidationError(_("检查项目不属于这次检查。"))
    checked = _checked_files(files)
    rectification = deduction = None
    if action == FindingAction.RECTIFY:
        if rectify is None:
            raise ValidationError(_("请填写整改要求和整改时限。"))
        if rectify.deadline <= visit.visited_on:
            raise ValidationError(_("整改时限须晚于检查日期。"))
        rectification = rectification_create(
            campaign=visit.campaign,
            organization=visit.organization,
            category=rectify.category,
            problem=description,
            measure=rectify.measure,
            owner=rectify.owner,
            deadline=rectify.deadline,
            source=RectificationSource.INSPECTION,
            by=by,
        )
    elif action == FindingAction.DEDUCT:
        if deduct is None:
            raise ValidationError(_("请选择扣分细则和考核期。"))
        deduction = _deduct(visit=visit, given=deduct, description=description, by=by)
    elif action != FindingAction.RECORD:
        raise ValidationError(_("请选择对这条发现的处理方式。"))
    finding = Finding.objects.create(
        visit=visit,
        checklist_item=checklist_item,
        description=description,
        rectification=rectification,
        deduction=deduction,
        recorded_by=by,
    )
    for file in checked:
        _attachment_store(finding=finding, file=file)
    if checklist_item is not None and checklist_item.result != CheckResult.PROBLEM:
        checklist_item.result = CheckResult.PROBLEM
        checklist_item.save(update_fields=["result"])
    return finding


def _attachment_store(*, finding: Finding, file: CheckedEvidence) -> FindingAttachment:
    attachment = FindingAttachment(
        finding=finding, original_name=file.original_name, content_type=file.content_type, size=len(file.content)
    )
    # The storage name comes from models.finding_attachment_path: random, without the original name.
    attachment.file.save("finding", ContentFile(file.content), save=False)
    attachment.save()
    return attachment
