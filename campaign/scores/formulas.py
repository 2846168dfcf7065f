"""How a computed indicator turns a month's figures into points: the formulas an office
picks from, the measure, the points and the competition ranks. Pure arithmetic, no queries."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy, pgettext_lazy

from campaign.dashboard.figures import (
    Figures,
    percent,
)
from campaign.scores.models import (
    IndicatorFormula,
    NoDataRule,
)


@dataclass(frozen=True)
class FormulaSpec:
    explanation: str
    unit: str  # what part and whole count, for "14 / 15 个"
    when_no_data: str  # the rule a new indicator gets


FORMULAS: dict[str, FormulaSpec] = {
    IndicatorFormula.PLEDGE_COVERAGE: FormulaSpec(
        gettext_lazy("截至考核期末，已公开承诺的党组织和党员数 ÷ 党组织和党员总数。"),
        pgettext_lazy("unit", "个（人）"),
        NoDataRule.FULL,
    ),
    IndicatorFormula.FULFILLMENT: FormulaSpec(
        gettext_lazy("截至考核期末，已到期的承诺事项中已完成的 ÷ 已到期的承诺事项数。"),
        pgettext_lazy("unit", "项"),
        NoDataRule.FULL,
    ),
    IndicatorFormula.REVIEW_COVERAGE: FormulaSpec(
        gettext_lazy("考核期末所在的点评周期内，已接受领导点评的组织和党员 ÷ 应接受点评的组织和党员。"),
        pgettext_lazy("unit", "个（人）"),
        NoDataRule.FULL,
    ),
    IndicatorFormula.SATISFACTION: FormulaSpec(
        gettext_lazy("考核期末所在的点评周期内已汇总的群众评议中，计入满意的票数 ÷ 有效票数（不含“不了解”）。"),
        pgettext_lazy("unit", "票"),
        # Not evaluated is never satisfied: an organization that held no evaluation gets nothing.
        NoDataRule.ZERO,
    ),
    IndicatorFormula.REPORTS: FormulaSpec(
        gettext_lazy("考核期各月上报的信息条数 ÷（每月应报条数 × 月数）；每个组织超出应报的部分不计。"),
        pgettext_lazy("unit", "条"),
        NoDataRule.FULL,
    ),
    IndicatorFormula.MODELS: FormulaSpec(
        gettext_lazy(
            "考核期各季度确定的典型数 ÷ 应培树数，每季度超出的部分不计；"
            "只考核乡镇和县直机关各大口，其他组织按无数据处理。"
        ),
        pgettext_lazy("unit", "个"),
        NoDataRule.FULL,
    ),
    IndicatorFormula.RECTIFICATION_ON_TIME: FormulaSpec(
        gettext_lazy("考核期末所在的点评周期内到期的整改任务中，按期完成的 ÷ 到期的整改任务数。"),
        pgettext_lazy("unit", "项"),
        NoDataRule.FULL,
    ),
    IndicatorFormula.PLEDGE_FULFILMENT: FormulaSpec(
        gettext_lazy("截至考核期末，已评定的承诺中评定为兑现优秀或已兑现的 ÷ 已评定的承诺数（部分兑现不计入）。"),
        pgettext_lazy("unit", "份"),
        # Nothing assessed yet is no failure of the pledger's: the line is not held against it.
        NoDataRule.FULL,
    ),
}


@dataclass(frozen=True)
class Measure:
    """What a computed indicator found for one organization: part of a whole, as a share."""

    part: int
    whole: int
    share: Decimal | None  # percent with one decimal; None when there is no whole


def _ratio(part: int, whole: int) -> Measure:
    return Measure(part, whole, percent(part, whole))


def measure(formula: str, last: Figures, reports: tuple[int, int], models: tuple[int, int]) -> Measure:
    """The figure behind a computed indicator: ``last`` is the subtree's figures at the
    period's last month; ``reports`` and ``models`` the period's capped counts and quotas."""
    if formula == IndicatorFormula.PLEDGE_COVERAGE:
        return Measure(
            last.organizations_covered + last.members_covered,
            last.party_organizations + last.members,
            last.pledgers_percent,
        )
    if formula == IndicatorFormula.FULFILLMENT:
        return Measure(last.items_done, last.items_due, last.fulfillment_percent)
    if formula == IndicatorFormula.REVIEW_COVERAGE:
        return Measure(last.reviews_done, last.reviews_due, last.reviews_percent)
    if formula == IndicatorFormula.SATISFACTION:
        return Measure(last.votes_satisfied, last.votes_counted, last.satisfaction_percent)
    if formula == IndicatorFormula.RECTIFICATION_ON_TIME:
        return Measure(last.rectifications_on_time, last.rectifications_due, last.on_time_percent)
    if formula == IndicatorFormula.PLEDGE_FULFILMENT:
        return Measure(last.pledges_fulfilled, last.pledges_assessed, last.pledge_fulfilment_percent)
    if formula == IndicatorFormula.REPORTS:
        return _ratio(*reports)
    if formula == IndicatorFormula.MODELS:
        return _ratio(*models)
    raise ValueError(f"unknown formula {formula!r}")


def competition_ranks(
    entries: Iterable[tuple[Decimal, str, int]], vetoed: Collection[int] = ()
) -> list[tuple[int, int]]:
    """(total, name, key) → [(key, rank)] in listing order: by total, highest first, then
    by name; equal totals share a rank and the next rank skips (1, 1, 3). Units vetoed
    (一票否决, their keys in ``vetoed``) come after all the others whatever their totals."""
    ranked = []
    rank, previous = 0, None
    ordered = sorted(entries, key=lambda e: (e[2] in vetoed, -e[0], e[1], e[2]))
    for position, (total, _name, key) in enumerate(ordered, start=1):
        if (key in vetoed, total) != previous:
            rank, previous = position, (key in vetoed, total)
        ranked.append((key, rank))
    return ranked
