"""月报: a unit files the month's values of its campaign's measured indicators (the
health speech's 月报告), with evidence; its superiors may file for it.

A value is kept once per indicator, unit and month (IndicatorValue). Its ``value`` is
derived here and nowhere else: a ratio's percent to two decimals (half up), the count,
1 or 0 for yes or no. ``reported_at`` is when the value was first filed: 按时报送 is
judged by it, so a later correction never makes a value late (nor on time). Once every
score period covering the month is finalized (or being finalized) the month is closed;
otherwise the open periods covering it are asked to recompute.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import month_start
from campaign.reports.services import month_bounds
from campaign.scores.models import Indicator, IndicatorKind, IndicatorValue, ScorePeriod, ScoreSheet, ValueKind
from campaign.scores.services import is_scored, periods_request_recompute
from orgs.access import user_scope
from orgs.models import Organization, User

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class ValueInput:
    """What a unit gives for one indicator: numerator and denominator for a ratio, the
    count, or yes / no, with the evidence."""

    indicator: Indicator
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    count: Decimal | None = None
    yes: bool | None = None
    evidence: str = ""


def may_file(user: User, campaign: Campaign, organization: Organization) -> bool:
    """The unit's own people and its superiors (whoever may change the unit), for a unit
    the campaign scores. No query once the scope is known."""
    return user.is_authenticated and is_scored(campaign, organization) and user_scope(user).can_change(organization)


def ratio_percent(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator * 100 / denominator).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def month_problems(campaign: Campaign, month: datetime.date, *, today: datetime.date) -> list[str]:
    first, last = month_bounds(month)
    if last < campaign.starts_on or first > campaign.ends_on:
        return [_("%(year)s年%(month)s月不在活动期间内。") % {"year": first.year, "month": first.month}]
    if first > month_start(today):
        return [_("不能填报尚未到来的月份。")]
    return []


def _whole(number: Decimal) -> bool:
    return number == number.to_integral_value()


def value_problems(given: ValueInput) -> list[str]:
    """What is wrong with one indicator's input, in words a unit understands."""
    name = {"name": given.indicator.name}
    kind = given.indicator.value_kind
    if kind == ValueKind.RATIO:
        numerator, denominator = given.numerator, given.denominator
        if numerator is None or denominator is None:
            return [_("“%(name)s”是比率，请同时填写分子和分母。") % name]
        problems = []
        if denominator <= 0:
            problems.append(_("“%(name)s”的分母应大于 0。") % name)
        elif numerator < 0 or numerator > denominator:
            problems.append(_("“%(name)s”的分子应在 0 到分母之间。") % name)
        return problems
    if kind == ValueKind.COUNT:
        if given.count is None:
            return [_("请填写“%(name)s”的数量。") % name]
        if given.count < 0 or not _whole(given.count):
            return [_("“%(name)s”的数量应是不小于 0 的整数。") % name]
        return []
    if kind == ValueKind.YES_NO:
        if given.yes is None:
            return [_("请选择“%(name)s”是或否。") % name]
        return []
    return [_("“%(name)s”不是按月填报的指标。") % name]


def derived_value(given: ValueInput) -> Decimal:
    """The number a value is judged by: the percent of a ratio, the count, 1 or 0."""
    kind = given.indicator.value_kind
    if kind == ValueKind.RATIO:
        return ratio_percent(given.numerator, given.denominator)
    if kind == ValueKind.COUNT:
        return given.count.quantize(HUNDREDTH)
    return Decimal(1) if given.yes else Decimal(0)


def covering_periods(campaign: Campaign, month: datetime.date):
    """The campaign's score periods whose months include ``month`` (unscoped: the rule
    is the campaign's, whoever files)."""
    return ScorePeriod._base_manager.filter(campaign=campaign, first_month__lte=month, last_month__gte=month)


@transaction.atomic
def indicator_values_file(
    *,
    campaign: Campaign,
    organization: Organization,
    month: datetime.date,
    values: list[ValueInput],
    by: User,
    now: datetime.datetime | None = None,
) -> list[IndicatorValue]:
    """File (or correct) a unit's values for a month. Every input is checked before
    anything is written; a value filed before keeps its first filing time. The open
    score periods covering the month are then asked to recompute."""
    now = now or timezone.now()
    month = month_start(month)
    if not may_file(by, campaign, organization):
        raise PermissionDenied(_("只能为本单位或所属下级单位填报月报数据。"))
    problems = month_problems(campaign, month, today=timezone.localdate(now))
    if problems:
        raise ValidationError(problems)
    # Lock the periods first: a finalization waits for this filing, or this filing sees it.
    periods = list(covering_periods(campaign, month).select_for_update())
    if periods and all(period.is_closed_to_changes for period in periods):
        raise ValidationError(
            _("%(year)s年%(month)s月所在的考核期已定稿，月报数据不能再修改。")
            % {"year": month.year, "month": month.month}
        )
    sheet_id = ScoreSheet._base_manager.filter(campaign=campaign).values_list("pk", flat=True).first()
    seen: set[int] = set()
    for given in values:
        indicator = given.indicator
        if indicator.sheet_id != sheet_id or indicator.kind != IndicatorKind.MEASURED:
            raise ValidationError(_("“%(name)s”不是本活动评分表中按月填报的指标。") % {"name": indicator.name})
        if not indicator.applies_to(organization.grade):
            raise ValidationError(_("“%(name)s”不适用于本单位。") % {"name": indicator.name})
        if indicator.pk in seen:
            raise ValidationError(_("“%(name)s”填报了两次。") % {"name": indicator.name})
        seen.add(indicator.pk)
        problems += value_problems(given)
    if problems:
        raise ValidationError(problems)
    # One filing of a unit at a time: the first of two at once creates, the second corrects.
    Organization._base_manager.select_for_update().filter(pk=organization.pk).first()
    existing = {
        row.indicator_id: row
        for row in IndicatorValue._base_manager.filter(organization=organization, month=month, indicator__in=list(seen))
    }
    saved = []
    for given in values:
        ratio = given.indicator.value_kind == ValueKind.RATIO
        fields = {
            "numerator": given.numerator if ratio else None,
            "denominator": given.denominator if ratio else None,
            "value": derived_value(given),
            "evidence": given.evidence.strip(),
        }
        row = existing.get(given.indicator.pk)
        if row is not None and all(getattr(row, name) == wanted for name, wanted in fields.items()):
            saved.append(row)
            continue
        if row is None:
            row = IndicatorValue(
                indicator=given.indicator, organization=organization, month=month, reported_at=now, reported_by=by
            )
        for name, wanted in fields.items():
            setattr(row, name, wanted)
        row._history_user = by
        row.save()
        saved.append(row)
    if any(not period.is_closed_to_changes for period in periods):
        periods_request_recompute(
            ScorePeriod._base_manager.filter(
                pk__in=[period.pk for period in periods if not period.is_closed_to_changes]
            )
        )
    return saved
