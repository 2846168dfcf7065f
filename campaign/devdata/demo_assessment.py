"""What the health and the transport demo campaigns share: a score sheet with measured
lines and 细则, and a period's 自查自评 followed by the inspectors' 核定.

The sheet's lines, names, maxima and order go through ``score_sheet_set``; what that
service does not take yet (a measured line's value kind, targets and scoring rule, the
deduction rules, the 达标/先进 marks) is written onto the rows it made. Self-assessments
are written as rows; the verified points and the deductions with their reasons go
through ``manual_scores_set``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from campaign.campaigns.models import Campaign
from campaign.devdata.demo_activity import _clock
from campaign.scores.models import (
    DeductionRule,
    Indicator,
    IndicatorKind,
    NoDataRule,
    ScorePeriod,
    ScoreSheet,
    SelfAssessment,
)
from campaign.scores.services import (
    DeductionInput,
    IndicatorInput,
    ManualInput,
    is_scored,
    manual_scores_set,
    score_sheet_set,
)
from orgs.models import Organization, OrganizationKind, User

# The attributes of a measured line that IndicatorInput does not carry.
MEASURED_FIELDS = (
    "value_kind",
    "applies_to_grades",
    "direction",
    "target",
    "grade_targets",
    "scoring_rule",
    "points_per_unit",
    "steps",
    "veto_limit",
)


@dataclass(frozen=True)
class Rule:
    """One line of 细则: the text, the points per case, and what an inspector who found it writes."""

    text: str
    points: Decimal
    finding: str
    # Cases an inspector may find (每例扣分): each costs the rule's points.
    most_cases: int = 1
    # Codes of the units this rule is found broken in, once per time a code is listed,
    # whatever chance says; the rule holds for every other unit (e.g. 迟报 only where,
    # and as often as, the monthly register shows one).
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    name: str
    kind: str
    max_points: int
    formula: str = ""
    when_no_data: str = NoDataRule.FULL
    guidance: str = ""
    # Measured lines: see campaign.scores.models.Indicator.
    measured: dict = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    # What a unit writes beside its own points (自评依据).
    self_evidence: str = ""


def campaign_units(campaign: Campaign) -> list[Organization]:
    """The units the campaign scores, in tree order."""
    return [
        organization
        for organization in Organization.objects.filter(path__startswith=campaign.organization.path)
        .exclude(kind__in=OrganizationKind.mass_organizations())
        .order_by("path")
        if is_scored(campaign, organization)
    ]


def sheet_write(
    *,
    campaign: Campaign,
    total_points: int,
    lines: tuple[Line, ...],
    pass_points: Decimal,
    excellent_points: Decimal,
    by: User | None,
) -> ScoreSheet:
    """The campaign's sheet exactly as ``lines`` say, with their 细则 and the marks."""
    sheet = score_sheet_set(
        campaign=campaign,
        total_points=total_points,
        indicators=[
            IndicatorInput(
                line.name,
                # Entered as manual lines, then made measured below.
                IndicatorKind.MANUAL if line.kind == IndicatorKind.MEASURED else line.kind,
                line.max_points,
                line.formula,
                line.when_no_data,
                line.guidance,
            )
            for line in lines
        ],
        by=by,
    )
    indicators = {indicator.name: indicator for indicator in Indicator.objects.filter(sheet=sheet)}
    rules = []
    for line in lines:
        indicator = indicators[line.name]
        if line.kind == IndicatorKind.MEASURED:
            indicator.kind = IndicatorKind.MEASURED
            for name in MEASURED_FIELDS:
                if name in line.measured:
                    setattr(indicator, name, line.measured[name])
            indicator.save()
        rules += [
            DeductionRule(indicator=indicator, text=rule.text, points=rule.points, order=order)
            for order, rule in enumerate(line.rules, start=1)
        ]
    DeductionRule.objects.bulk_create(rules)
    ScoreSheet.objects.filter(pk=sheet.pk).update(pass_points=pass_points, excellent_points=excellent_points)
    sheet.refresh_from_db()
    return sheet


def sheet_is_scored(sheet: ScoreSheet) -> bool:
    """Whether anything hangs on the sheet's lines, so it must not be rewritten."""
    return (
        Indicator.objects.filter(sheet=sheet).filter(manual_scores__isnull=False).exists()
        or SelfAssessment.objects.filter(indicator__sheet=sheet).exists()
    )


def _cases(rng: random.Random, rule: Rule, code: str, weakness: float) -> int:
    if rule.only:
        return rule.only.count(code)
    if rng.random() >= weakness:
        return 0
    return rng.randint(1, rule.most_cases)


def assessment_write(
    *,
    period: ScorePeriod,
    units: list[Organization],
    lines: tuple[Line, ...],
    weakness: dict[str, float],
    rng: random.Random,
    assessors: dict[int, User | None],
    by: User,
    assessed_at: datetime.datetime,
    verified_at: datetime.datetime,
) -> dict[str, int]:
    """Each unit's 自查自评 on the sheet's manual lines, then the inspectors' 核定: the 细则
    they found broken as deductions with reasons, and the verified points (the line's
    maximum less its deductions) with the reason. A unit admits only some of what the
    inspectors find, so some lines are verified lower than the unit scored itself.
    ``weakness``: by organization code, the chance of breaking each rule. Rows are
    stamped as of ``assessed_at`` (the units) and ``verified_at`` (the inspectors)."""
    indicators = {indicator.name: indicator for indicator in Indicator.objects.filter(sheet__campaign=period.campaign)}
    rules = {
        (rule.indicator_id, rule.order): rule
        for rule in DeductionRule.objects.filter(indicator__sheet__campaign=period.campaign)
    }
    manual_lines = [line for line in lines if line.kind == IndicatorKind.MANUAL]
    selves, counts = [], {"self_assessments": 0, "deductions": 0, "lowered": 0}
    verified_by_unit = []
    for unit in units:
        verified = []
        for line in manual_lines:
            indicator = indicators[line.name]
            found, admitted, deductions = Decimal(0), Decimal(0), []
            for order, given in enumerate(line.rules, start=1):
                cases = _cases(rng, given, unit.code, weakness.get(unit.code, 0.2))
                if not cases or found + given.points * cases > indicator.max_points:
                    continue
                found += given.points * cases
                if rng.random() < 0.5:
                    admitted += given.points * cases
                reason = given.finding if cases == 1 else f"{given.finding}（共{cases}例）"
                deductions.append(
                    DeductionInput(
                        rules[(indicator.pk, order)], reason, f"{period.name}督查考核现场核查记录", cases=cases
                    )
                )
            own = indicator.max_points - admitted
            selves.append(
                SelfAssessment(
                    period=period,
                    indicator=indicator,
                    organization=unit,
                    points=own,
                    evidence=line.self_evidence,
                    assessed_by=assessors.get(unit.pk),
                )
            )
            counts["lowered"] += indicator.max_points - found < own
            counts["deductions"] += len(deductions)
            if deductions:
                verified.append(ManualInput(indicator, None, deductions=tuple(deductions)))
            else:
                verified.append(ManualInput(indicator, Decimal(indicator.max_points), "核定同意自评，资料齐全。"))
        verified_by_unit.append((unit, verified))
    with _clock(assessed_at):
        SelfAssessment.objects.bulk_create(selves)
    with _clock(verified_at):
        for unit, verified in verified_by_unit:
            manual_scores_set(period=period, organization=unit, scores=verified, by=by)
    counts["self_assessments"] = len(selves)
    return counts
