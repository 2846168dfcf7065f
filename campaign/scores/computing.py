"""Computing a period's scores: every line of every scored organization from the
figures, the units' monthly values, the self-assessments, the verifications and their
deductions, and the incident register; then totals, standings and ranks. Called by
campaign.scores.services.score_period_recompute; needs an unscoped context."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import Figures, figures_by_subtree, figures_ensure, month_start, reports_by_subtree
from campaign.incidents.selectors import incident_vetoes_by_unit
from campaign.reports.services import month_bounds
from campaign.scores.formulas import competition_ranks, measure
from campaign.scores.models import (
    Deduction,
    Indicator,
    IndicatorKind,
    IndicatorValue,
    ManualScore,
    NoDataRule,
    OrganizationScore,
    ScorePeriod,
    ScoreSheet,
    SelfAssessment,
    ValueKind,
)
from campaign.scores.rules import past_veto_limit, rule_of, rule_points, standing, target_met
from orgs.models import Organization, OrganizationKind

MASS_KINDS = OrganizationKind.mass_organizations()


def _models_by_subtree(campaign, months, organizations, known: dict) -> dict[int, tuple[int, int]]:
    """Models selected against the quota, quarter by quarter over the period, each
    quarter's count capped at its quota: a figures row holds the quarter to date, so
    the rows of each quarter's last month (or the period's last) hold whole quarters."""
    closing = [month for month in months if month.month % 3 == 0]
    if months[-1] not in closing:
        closing.append(months[-1])
    totals = {organization.pk: [0, 0] for organization in organizations}
    for month in closing:
        figures = known[month] if month in known else figures_by_subtree(campaign, month, organizations)
        for pk, own in figures.items():
            totals[pk][0] += min(own.models_selected, own.models_quota)
            totals[pk][1] += own.models_quota
    return {pk: (selected, quota) for pk, (selected, quota) in totals.items()}


def decimal_text(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral() else value, "f")


def period_months(period: ScorePeriod, *, today: datetime.date) -> list[datetime.date]:
    """The period's months that have begun by today, oldest first."""
    months = []
    month, last = period.first_month, min(period.last_month, month_start(today))
    while month <= last:
        months.append(month)
        month = month_bounds(month)[1] + datetime.timedelta(days=1)
    return months


def period_end(period: ScorePeriod) -> datetime.date:
    return month_bounds(period.last_month)[1]


def _latest_values(indicators: list[Indicator], months: list[datetime.date]) -> dict[tuple[int, int], IndicatorValue]:
    """(indicator, organization) → the unit's latest monthly value in the period's months:
    a monthly report states where the unit stands, so the last one counts. One query."""
    measured = [indicator.pk for indicator in indicators if indicator.is_measured]
    if not measured or not months:
        return {}
    latest = {}
    for value in IndicatorValue.objects.filter(
        indicator__in=measured, month__gte=months[0], month__lte=months[-1]
    ).order_by("month"):
        latest[(value.indicator_id, value.organization_id)] = value
    return latest


def _verified_line(line: dict, given: ManualScore | None) -> None:
    line["verified"] = given is not None
    if given is not None:
        line["comment"] = given.comment
        line["scored_by"] = given.scored_by.display_name if given.scored_by else ""
        line["scored_at"] = timezone.localtime(given.scored_at).strftime("%Y-%m-%d %H:%M")


def _veto_text(indicator: Indicator, value: Decimal) -> str:
    unit = "%" if indicator.value_kind == ValueKind.RATIO or indicator.kind == IndicatorKind.COMPUTED else ""
    return _("“%(name)s”为 %(value)s%(unit)s，越过一票否决线 %(limit)s%(unit)s") % {
        "name": indicator.name,
        "value": decimal_text(value),
        "unit": unit,
        "limit": decimal_text(indicator.veto_limit),
    }


@dataclass
class _PeriodInputs:
    """What a period's computation reads, loaded once for all organizations."""

    last: dict
    reports: dict
    models: dict
    values: dict
    verified: dict
    assessed: dict
    deductions: dict
    incident_vetoes: dict


def _line(indicator: Indicator, organization: Organization, inputs: _PeriodInputs, vetoes: list[str]) -> dict:
    """One line of an organization's breakdown: its verified points (what the rank uses)
    and its own (自评) points, with what they came from. Appends veto reasons."""
    key = (indicator.pk, organization.pk)
    line = {"indicator": indicator.pk, "name": indicator.name, "kind": indicator.kind, "max": indicator.max_points}
    given = inputs.verified.get(key)
    if indicator.is_manual:
        assessed = inputs.assessed.get(key)
        points = given.points if given else Decimal(0)
        line["scored"] = given is not None
        _verified_line(line, given)
        if assessed is not None:
            line["self_points"] = decimal_text(assessed.points)
            line["self_evidence"] = assessed.evidence
        line["deductions"] = [
            {
                "text": deduction.rule.text,
                "points": decimal_text(deduction.points),
                "cases": int(deduction.points / deduction.rule.points),
                "reason": deduction.reason,
                "evidence": deduction.evidence,
            }
            for deduction in inputs.deductions.get(key, [])
        ]
        line["points"] = decimal_text(points)
        return line
    rule = rule_of(indicator)
    if indicator.is_measured:
        # A unit that did not file has nothing to show (未报): it earns nothing, or not
        # filing would pay better than filing a value short of the target.
        rule = replace(rule, when_no_data=NoDataRule.ZERO)
        line["value_kind"] = indicator.value_kind
        if not indicator.applies_to(organization.grade):
            # Not this unit's line (a 一级 health centre has no 优质护理 wards): it earns
            # nothing and its maximum leaves the unit's total, which is scaled (折算).
            line.update(applicable=False, points="0", self_points=None)
            return line
        reported = inputs.values.get(key)
        value = reported.value if reported else None
        if reported is not None:
            line.update(
                month=reported.month.strftime("%Y-%m"),
                numerator=None if reported.numerator is None else decimal_text(reported.numerator),
                denominator=None if reported.denominator is None else decimal_text(reported.denominator),
                evidence=reported.evidence,
            )
    else:
        found = measure(
            indicator.formula,
            inputs.last[organization.pk],
            inputs.reports[organization.pk],
            inputs.models[organization.pk],
        )
        value = found.share
        line.update(formula=indicator.formula, part=found.part, whole=found.whole)
        line["share"] = None if value is None else decimal_text(value)
    target = indicator.target_for(organization.grade)
    own = rule_points(rule, value, target)
    line.update(
        value=None if value is None else decimal_text(value),
        target=None if target is None else decimal_text(target),
        direction=indicator.direction,
        rule=indicator.scoring_rule,
        when_no_data=indicator.when_no_data,
        met=None if value is None else target_met(value, target, indicator.direction),
        self_points=decimal_text(own),
    )
    if past_veto_limit(value, indicator.veto_limit, indicator.direction):
        line["vetoes"] = True
        vetoes.append(_veto_text(indicator, value))
    # The inspectors may correct a measured or computed line (核定) with a reason.
    _verified_line(line, given)
    line["points"] = decimal_text(given.points if given else own)
    return line


def scored_organizations(campaign: Campaign) -> QuerySet[Organization]:
    """The organizations a period scores: the party organizations below the campaign's
    own (campaign.scores.services.is_scored says the same of one), as the active scope
    sees them."""
    root = campaign.organization
    return Organization.objects.filter(path__startswith=root.path).exclude(pk=root.pk).exclude(kind__in=MASS_KINDS)


def scaled_total(breakdown: list[dict], key: str, sheet_points: Decimal) -> Decimal:
    """The sum of the lines' points; when some lines do not apply to the unit, scaled to
    the sheet's total by the maxima of those that do (折算), so a unit is neither helped
    nor hurt by lines it has nothing to report on. No query."""
    applicable = [line for line in breakdown if line.get("applicable", True)]
    earned = sum((Decimal(line.get(key) or 0) for line in applicable), Decimal(0))
    possible = sum((Decimal(line["max"]) for line in applicable), Decimal(0))
    if len(applicable) == len(breakdown) or not possible:
        return earned
    return (earned * sheet_points / possible).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def scores_compute(period: ScorePeriod, *, today: datetime.date, refresh_figures: bool = False) -> int:
    """Every organization's score in the period, replacing what was stored: the figures
    of the period's months are refreshed if stale (all of them with ``refresh_figures``),
    then read in a few queries whatever the size of the tree. Each line has the verified
    points the total and rank use and the unit's own (自查自评, its own values); a unit
    vetoed by a value past a veto line or by the incident register (一票否决) ranks after
    the others and is never 达标 or 先进. Needs an unscoped context."""
    campaign = period.campaign
    root = campaign.organization
    sheet = ScoreSheet.objects.filter(campaign=campaign).first()
    indicators = list(sheet.indicators.order_by("order", "pk")) if sheet else []
    organizations = list(scored_organizations(campaign).only("pk", "path", "name", "kind", "grade", "unit_type"))
    months = period_months(period, today=today)
    if months:
        figures_ensure(campaign, months, today=today, **({"fresh_minutes": 0} if refresh_figures else {}))
        last = figures_by_subtree(campaign, months[-1], organizations)
        reports = reports_by_subtree(campaign, months[0], months[-1], organizations)
        models = _models_by_subtree(campaign, months, organizations, {months[-1]: last})
    else:  # the period has not begun: nothing to measure yet
        last = {organization.pk: Figures() for organization in organizations}
        reports = models = {organization.pk: (0, 0) for organization in organizations}
    deductions = defaultdict(list)
    for deduction in Deduction.objects.filter(period=period).select_related("rule").order_by("rule__order", "pk"):
        deductions[(deduction.rule.indicator_id, deduction.organization_id)].append(deduction)
    inputs = _PeriodInputs(
        last=last,
        reports=reports,
        models=models,
        values=_latest_values(indicators, months),
        verified={
            (score.indicator_id, score.organization_id): score
            for score in ManualScore.objects.filter(period=period).select_related("scored_by__member")
        },
        assessed={
            (given.indicator_id, given.organization_id): given for given in SelfAssessment.objects.filter(period=period)
        },
        deductions=deductions,
        incident_vetoes=incident_vetoes_by_unit(
            campaign, first_day=period.first_month, last_day=min(period_end(period), today)
        ),
    )
    self_assessed = {organization_id for _indicator, organization_id in inputs.assessed}
    sheet_points = Decimal(sheet.total_points) if sheet else Decimal(0)
    pass_points = sheet.pass_points if sheet else None
    excellent_points = sheet.excellent_points if sheet else None

    now = timezone.now()
    scores: dict[int, OrganizationScore] = {}
    groups: dict[tuple[int, str], list[tuple[Decimal, str, int]]] = defaultdict(list)
    vetoed: set[int] = set()
    for organization in organizations:
        vetoes = list(inputs.incident_vetoes.get(organization.path, []))
        breakdown = [_line(indicator, organization, inputs, vetoes) for indicator in indicators]
        total = scaled_total(breakdown, "points", sheet_points)
        self_total = scaled_total(breakdown, "self_points", sheet_points) if organization.pk in self_assessed else None
        depth = organization.depth - root.depth
        groups[(depth, organization.kind)].append((total, organization.name, organization.pk))
        if vetoes:
            vetoed.add(organization.pk)
        scores[organization.pk] = OrganizationScore(
            period=period,
            organization=organization,
            depth=depth,
            kind=organization.kind,
            grade=organization.grade,
            unit_type=organization.unit_type,
            total=total,
            self_total=self_total,
            vetoed=bool(vetoes),
            veto_reasons=vetoes,
            standing=standing(total, vetoed=bool(vetoes), pass_points=pass_points, excellent_points=excellent_points),
            breakdown=breakdown,
            computed_at=now,
        )
    for entries in groups.values():
        for position, (pk, rank) in enumerate(competition_ranks(entries, vetoed), start=1):
            scores[pk].rank, scores[pk].position, scores[pk].group_size = rank, position, len(entries)

    OrganizationScore.objects.filter(period=period).delete()
    OrganizationScore.objects.bulk_create(scores.values(), batch_size=2000)
    period.computed_at = now
    period.save(update_fields=["computed_at"])
    return len(scores)
