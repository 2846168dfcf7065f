"""How a value against its target becomes a line's points, how deductions take points
off, when a value vetoes a unit, and what standing a total earns. Pure arithmetic, no
queries: the same rules serve measured indicators (a unit's monthly values) and computed
ones (the campaign's own figures), and the property tests drive them directly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from campaign.scores.models import Direction, NoDataRule, ScoringRule, Standing

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Rule:
    """An indicator's scoring rule, detached from the model so tests can build any."""

    max_points: Decimal
    scoring_rule: str = ScoringRule.PROPORTIONAL
    direction: str = Direction.AT_LEAST
    points_per_unit: Decimal | None = None
    steps: Sequence[tuple[Decimal, Decimal]] = ()
    when_no_data: str = NoDataRule.FULL


def rule_of(indicator) -> Rule:
    """The Rule of an Indicator row. No query."""
    return Rule(
        max_points=Decimal(indicator.max_points),
        scoring_rule=indicator.scoring_rule,
        direction=indicator.direction,
        points_per_unit=indicator.points_per_unit,
        steps=tuple((Decimal(str(at)), Decimal(str(points))) for at, points in indicator.steps or ()),
        when_no_data=indicator.when_no_data,
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _clamp(points: Decimal, max_points: Decimal) -> Decimal:
    return _cents(min(max(points, ZERO), max_points))


def target_met(value: Decimal, target: Decimal | None, direction: str) -> bool | None:
    """Whether the value reaches its target; None when there is no target."""
    if target is None:
        return None
    return value >= target if direction == Direction.AT_LEAST else value <= target


def shortfall(value: Decimal, target: Decimal, direction: str) -> Decimal:
    """How many units the value falls short of its target (0 when it is met)."""
    gap = target - value if direction == Direction.AT_LEAST else value - target
    return max(gap, ZERO)


def rule_points(rule: Rule, value: Decimal | None, target: Decimal | None) -> Decimal:
    """The line's points for a value (a ratio in percent, a count, 1 or 0) against the
    unit's target, always from 0 to the line's maximum, to the cent.

    - no value: the line's no-data rule (full points or none);
    - 按完成比例: the maximum times value ÷ target (times the share itself when there is
      no target, as the 创先争优 rates always were); when lower is better, full points
      at or under the target and target ÷ value of them above it;
    - 达标得满分: all or nothing;
    - 每差一个单位扣分: the maximum less the shortfall times the points per unit;
    - 分档: the points of the best step the value reaches (at or above a threshold when
      higher is better, at or below it otherwise), none below every step.
    """
    top = rule.max_points
    if value is None:
        return top if rule.when_no_data == NoDataRule.FULL else ZERO
    if rule.scoring_rule == ScoringRule.TARGET_MET:
        met = target_met(value, target, rule.direction)
        return top if met in (True, None) else ZERO
    if rule.scoring_rule == ScoringRule.PER_UNIT:
        if target is None or rule.points_per_unit is None:
            return top
        return _clamp(top - shortfall(value, target, rule.direction) * rule.points_per_unit, top)
    if rule.scoring_rule == ScoringRule.STEPS:
        reached = [
            points
            for at, points in rule.steps
            if (value >= at if rule.direction == Direction.AT_LEAST else value <= at)
        ]
        return _clamp(max(reached, default=ZERO), top)
    # 按完成比例
    if rule.direction == Direction.AT_MOST:
        if target is None or value <= target:
            return top
        return _clamp(top * target / value, top)
    if target is None:
        return _clamp(top * value / HUNDRED, top)
    if target <= 0:
        return top
    return _clamp(top * value / target, top)


def past_veto_limit(value: Decimal | None, limit: Decimal | None, direction: str) -> bool:
    """A value beyond the veto line: below it when higher is better, above it otherwise."""
    if value is None or limit is None:
        return False
    return value < limit if direction == Direction.AT_LEAST else value > limit


def points_after_deductions(max_points: Decimal, deductions: Iterable[Decimal]) -> Decimal:
    """The line's maximum less its deductions, never below zero."""
    return _clamp(Decimal(max_points) - sum(deductions, ZERO), Decimal(max_points))


def standing(total: Decimal, *, vetoed: bool, pass_points: Decimal | None, excellent_points: Decimal | None) -> str:
    """先进, 达标 or 未达标 by the sheet's marks; 一票否决 whatever the total; blank when the
    sheet sets no marks."""
    if vetoed:
        return Standing.VETOED
    if excellent_points is not None and total >= excellent_points:
        return Standing.EXCELLENT
    if pass_points is not None:
        return Standing.PASSED if total >= pass_points else Standing.FAILED
    return ""
