"""An indicator's target and rule (目标值、计分规则、一票否决线) and its 细则 (deduction rules):
set by the office on the indicator's own page, checked here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaign.campaigns.services import Problem
from campaign.scores.models import (
    DeductionRule,
    Direction,
    Indicator,
    IndicatorKind,
    ScorePeriod,
    ScoringRule,
    ValueKind,
)
from campaign.scores.services import _require_manager, periods_request_recompute
from orgs.models import Grade, User


@dataclass(frozen=True)
class DeductionRuleInput:
    text: str
    points: Decimal
    rule: DeductionRule | None = None  # None: a new rule


@dataclass(frozen=True)
class IndicatorRules:
    direction: str = Direction.AT_LEAST
    target: Decimal | None = None
    grade_targets: dict[str, Decimal] = field(default_factory=dict)
    applies_to_grades: tuple[str, ...] = ()
    scoring_rule: str = ScoringRule.PROPORTIONAL
    points_per_unit: Decimal | None = None
    steps: tuple[tuple[Decimal, Decimal], ...] = ()
    veto_limit: Decimal | None = None
    deduction_rules: tuple[DeductionRuleInput, ...] = ()


def parse_steps(text: str) -> tuple[tuple[Decimal, Decimal], ...]:
    """ "90:10" lines (value reached : points) into steps; ValidationError on a bad line."""
    steps = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().replace("：", ":")
        if not line:
            continue
        at, sep, points = line.partition(":")
        try:
            steps.append((Decimal(at.strip()), Decimal(points.strip())))
        except ArithmeticError:
            sep = ""
        if not sep:
            raise ValidationError(_("分档第 %(line)d 行应写成“达到的数值:得分”，例如 90:10。") % {"line": number})
    return tuple(steps)


def steps_text(steps) -> str:
    return "\n".join(f"{at}:{points}" for at, points in steps or ())


def indicator_rules_problems(indicator: Indicator, given: IndicatorRules) -> list[Problem]:
    """What is wrong with an indicator's target, rule and 细则."""
    problems = []
    top = Decimal(indicator.max_points)
    has_target = given.target is not None or bool(given.grade_targets)
    if indicator.is_manual:
        if given.target is not None or given.grade_targets or given.veto_limit is not None:
            problems.append(Problem(_("检查组评分的指标不设目标值和否决线，可以设扣分细则。"), None, "target"))
    elif given.deduction_rules:
        problems.append(Problem(_("只有检查组评分的指标可以设扣分细则。"), None, "deduction_rules"))
    if given.scoring_rule in (ScoringRule.TARGET_MET, ScoringRule.PER_UNIT) and not has_target:
        problems.append(Problem(_("该计分规则需要目标值。"), None, "target"))
    if given.scoring_rule == ScoringRule.PROPORTIONAL and given.direction == Direction.AT_MOST and not has_target:
        problems.append(Problem(_("“不高于目标”的指标按比例计分时需要目标值。"), None, "target"))
    if (
        given.scoring_rule == ScoringRule.PROPORTIONAL
        and indicator.kind == IndicatorKind.MEASURED
        and indicator.value_kind == ValueKind.COUNT
        and not has_target
    ):
        problems.append(Problem(_("填报数量的指标按比例计分时需要目标值。"), None, "target"))
    if given.scoring_rule == ScoringRule.PER_UNIT and not (given.points_per_unit and given.points_per_unit > 0):
        problems.append(Problem(_("请填写每差一个单位扣多少分。"), None, "points_per_unit"))
    if given.scoring_rule == ScoringRule.STEPS:
        if not given.steps:
            problems.append(Problem(_("请填写分档，每行一档，例如 90:10。"), None, "steps"))
        for _at, points in given.steps:
            if points < 0 or points > top:
                problems.append(
                    Problem(_("每档得分应在 0 到 %(max)d 分之间。") % {"max": indicator.max_points}, None, "steps")
                )
                break
    for value in [given.target, given.veto_limit, *given.grade_targets.values()]:
        if value is not None and value < 0:
            problems.append(Problem(_("目标值和否决线不能是负数。"), None, "target"))
            break
        if value is not None and indicator.value_kind == ValueKind.RATIO and value > 100:
            problems.append(Problem(_("比率的目标值和否决线以百分数计，不能超过 100。"), None, "target"))
            break
    unknown = set(given.grade_targets) | set(given.applies_to_grades)
    if unknown - set(Grade.values):
        problems.append(Problem(_("单位等级只能是三级、二级或一级。"), None, "applies_to_grades"))
    texts = set()
    for given_rule in given.deduction_rules:
        if not given_rule.text.strip():
            problems.append(Problem(_("请写明扣分情形。"), None, "deduction_rules"))
        elif given_rule.text.strip() in texts:
            problems.append(
                Problem(_("扣分情形“%(text)s”重复了。") % {"text": given_rule.text}, None, "deduction_rules")
            )
        texts.add(given_rule.text.strip())
        if not (0 < given_rule.points <= top):
            problems.append(
                Problem(
                    _("“%(text)s”的扣分应大于 0，且不超过该项满分 %(max)d 分。")
                    % {"text": given_rule.text, "max": indicator.max_points},
                    None,
                    "deduction_rules",
                )
            )
    kept = {given_rule.rule.pk for given_rule in given.deduction_rules if given_rule.rule}
    for rule in indicator.deduction_rules.all():
        if rule.pk not in kept and rule.deductions.exists():
            problems.append(
                Problem(_("“%(text)s”已经用于扣分，不能删除。") % {"text": rule.text}, None, "deduction_rules")
            )
    return problems


@transaction.atomic
def indicator_rules_set(*, indicator: Indicator, rules: IndicatorRules, by: User | None) -> Indicator:
    """Set the indicator's target, rule, veto line and 细则; open periods are recomputed."""
    indicator = Indicator.objects.select_for_update().select_related("sheet__campaign").get(pk=indicator.pk)
    campaign = indicator.sheet.campaign
    _require_manager(by, campaign)
    for given_rule in rules.deduction_rules:
        if given_rule.rule is not None and given_rule.rule.indicator_id != indicator.pk:
            raise ValidationError(_("扣分细则不属于该指标。"))
    problems = indicator_rules_problems(indicator, rules)
    if problems:
        raise ValidationError([problem.message for problem in problems])
    indicator.direction = rules.direction
    indicator.target = rules.target
    indicator.grade_targets = {grade: str(target) for grade, target in sorted(rules.grade_targets.items())}
    indicator.applies_to_grades = sorted(rules.applies_to_grades) if indicator.is_measured else []
    indicator.scoring_rule = rules.scoring_rule
    indicator.points_per_unit = rules.points_per_unit if rules.scoring_rule == ScoringRule.PER_UNIT else None
    indicator.steps = (
        [[str(at), str(points)] for at, points in rules.steps] if rules.scoring_rule == ScoringRule.STEPS else []
    )
    indicator.veto_limit = rules.veto_limit
    indicator.save()
    kept = {given_rule.rule.pk for given_rule in rules.deduction_rules if given_rule.rule}
    DeductionRule.objects.filter(indicator=indicator).exclude(pk__in=kept).delete()
    for order, given_rule in enumerate(rules.deduction_rules, start=1):
        rule = given_rule.rule or DeductionRule(indicator=indicator)
        rule.text, rule.points, rule.order = given_rule.text.strip(), given_rule.points, order
        rule.save()
    periods_request_recompute(ScorePeriod.objects.filter(campaign=campaign))
    return indicator
