"""考核评价 / 打分排队: the campaign's score sheet, the periods it is applied to, the
inspection groups' manual scores, and each organization's score and rank.

Computed indicators are read from the campaign's figures (campaign.dashboard.figures: one
OrganizationFigures row per organization and month, summed over subtrees), never from
the pledges, reviews and ballots themselves. A task (campaign.scores.tasks.recompute_scores)
recomputes a period's scores whenever they may have changed, until the office
finalizes the period; from then on they never change, and each score keeps the
names, maxima, figures and comments it was computed from.

Ranks are among the party organizations at the same depth below the campaign's
organization and of the same kind (townships with townships, branches under a
township with each other), across the whole campaign whatever the viewer may see.
Equal totals share a rank and the next rank skips (1, 1, 3); within a rank,
organizations are listed by name.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Count, Max, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import Problem, campaign_may_edit
from campaign.dashboard.figures import (
    month_start,
)
from campaign.infra.outbox import outbox_enqueue
from campaign.scores.computing import decimal_text, period_end, scores_compute
from campaign.scores.models import (
    Deduction,
    DeductionRule,
    Indicator,
    IndicatorFormula,
    IndicatorKind,
    IndicatorValue,
    ManualScore,
    NoDataRule,
    ScorePeriod,
    ScoreSheet,
    SelfAssessment,
    ValueKind,
)
from campaign.scores.rules import (
    points_after_deductions,
)
from orgs.access import user_scope
from orgs.models import Organization, OrganizationKind, Role, User

MASS_KINDS = OrganizationKind.mass_organizations()


def may_manage_scores(user: User, campaign: Campaign) -> bool:
    """The office that runs the campaign edits the sheet, sets periods and finalizes. No query."""
    return campaign_may_edit(user, campaign)


def is_scored(campaign: Campaign, organization: Organization) -> bool:
    """A party organization below the campaign's own: the ones a period scores."""
    return (
        organization.pk != campaign.organization_id
        and organization.is_within(campaign.organization)
        and organization.kind not in MASS_KINDS
    )


def may_score_any(user: User, campaign: Campaign) -> bool:
    """Whether the user scores manual indicators at all: the office, or an inspection group."""
    if may_manage_scores(user, campaign):
        return True
    return user.is_authenticated and user.role == Role.INSPECTOR and bool(user_scope(user).subtree_paths)


def may_score(user: User, campaign: Campaign, organization: Organization) -> bool:
    """Inspection groups score the organizations they inspect (their subtrees); the office
    may score any organization of the campaign. No query once the scope is known."""
    if not is_scored(campaign, organization):
        return False
    if may_manage_scores(user, campaign):
        return user_scope(user).can_change(organization)
    return user.is_authenticated and user.role == Role.INSPECTOR and user_scope(user).contains(organization)


def _require_manager(by: User | None, campaign: Campaign) -> None:
    if by is not None and not may_manage_scores(by, campaign):
        raise PermissionDenied(_("考核评分表和考核期由主办组织的活动办公室设置。"))


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError([problem.message for problem in problems])


@dataclass(frozen=True)
class IndicatorInput:
    name: str
    kind: str
    max_points: int
    formula: str = ""
    when_no_data: str = NoDataRule.FULL
    guidance: str = ""
    indicator: Indicator | None = None  # None: a new indicator
    value_kind: str = ""  # measured indicators: what the units report


@dataclass(frozen=True)
class SheetMarks:
    pass_points: Decimal | None = None
    excellent_points: Decimal | None = None
    monthly_report_day: int = 5


def marks_problems(marks: SheetMarks, total_points: int) -> list[Problem]:
    problems = []
    for mark in (marks.pass_points, marks.excellent_points):
        if mark is not None and not 0 < mark <= total_points:
            problems.append(Problem(_("分数线应大于 0，且不超过总分。")))
            break
    if marks.pass_points is not None and marks.excellent_points is not None:
        if marks.excellent_points < marks.pass_points:
            problems.append(Problem(_("先进分数线不能低于达标分数线。")))
    if not 1 <= marks.monthly_report_day <= 28:
        problems.append(Problem(_("每月报送截止日应在 1 至 28 之间。")))
    return problems


INSPECTION_GUIDANCE = (
    "巡回检查组、督查组实地检查组织领导、活动载体、台账资料和群众反映，对照“五个好”要求评分，扣分须写明理由。"
)


# The default 100-point sheet: the four key works, information and models, rectification,
# and what the inspection groups see on the spot. The health speech asks for a
# 1000-point 督查考核表 without listing its lines; the 1000-point default is this times ten.
DEFAULT_INDICATORS = (
    IndicatorInput("承诺覆盖率", IndicatorKind.COMPUTED, 15, IndicatorFormula.PLEDGE_COVERAGE),
    IndicatorInput("践诺率", IndicatorKind.COMPUTED, 15, IndicatorFormula.FULFILLMENT),
    IndicatorInput("点评覆盖率", IndicatorKind.COMPUTED, 10, IndicatorFormula.REVIEW_COVERAGE),
    IndicatorInput("群众满意率", IndicatorKind.COMPUTED, 20, IndicatorFormula.SATISFACTION, NoDataRule.ZERO),
    IndicatorInput("信息上报", IndicatorKind.COMPUTED, 10, IndicatorFormula.REPORTS),
    IndicatorInput("典型培树", IndicatorKind.COMPUTED, 10, IndicatorFormula.MODELS),
    IndicatorInput("整改按期完成率", IndicatorKind.COMPUTED, 10, IndicatorFormula.RECTIFICATION_ON_TIME),
    IndicatorInput("督查组评分", IndicatorKind.MANUAL, 10, guidance=INSPECTION_GUIDANCE),
)


DEFAULT_TOTALS = (100, 1000)


def default_indicators(total_points: int) -> list[IndicatorInput]:
    if total_points not in DEFAULT_TOTALS:
        raise ValidationError(_("默认评分表只有 100 分和 1000 分两种。"))
    factor = total_points // 100
    return [
        IndicatorInput(
            given.name, given.kind, given.max_points * factor, given.formula, given.when_no_data, given.guidance
        )
        for given in DEFAULT_INDICATORS
    ]


OPEN_PERIOD = Q(period__finalized_at__isnull=True, period__finalize_requested_at__isnull=True)


def manual_score_stats(indicators: Sequence[Indicator]) -> dict[int, dict]:
    """Per indicator: how many manual scores it has in any period, and the highest in a
    period still open. In every scope: whoever edits the sheet must not drop someone
    else's scores. One query."""
    rows = (
        ManualScore._base_manager.filter(indicator__in=[indicator.pk for indicator in indicators if indicator.pk])
        .values("indicator")
        .annotate(count=Count("pk"), highest_open=Max("points", filter=OPEN_PERIOD))
        .order_by()
    )
    return {row["indicator"]: row for row in rows}


def sheet_problems(
    *, sheet: ScoreSheet | None, total_points: int | None, indicators: list[IndicatorInput]
) -> list[Problem]:
    """What is wrong with a sheet: the maxima must add up to the total, names be unique,
    computed indicators name a formula, and indicators the inspection groups have scored
    keep being manual, stay, and keep a maximum no lower than a score given in an open period."""
    problems = []
    if not total_points or total_points <= 0:
        problems.append(Problem(_("总分应是大于 0 的整数。"), None, "total_points"))
    if not indicators:
        problems.append(Problem(_("评分表至少要有一项指标。")))
    names: set[str] = set()
    for index, given in enumerate(indicators):
        if not given.name.strip():
            problems.append(Problem(_("请填写指标名称。"), index, "name"))
        elif given.name.strip() in names:
            problems.append(
                Problem(_("已有名为“%(name)s”的指标，名称不能重复。") % {"name": given.name}, index, "name")
            )
        names.add(given.name.strip())
        if not given.max_points or given.max_points <= 0:
            problems.append(Problem(_("满分应是大于 0 的整数。"), index, "max_points"))
        if given.kind not in IndicatorKind.values:
            problems.append(Problem(_("请选择评分方式。"), index, "kind"))
        elif given.kind == IndicatorKind.COMPUTED and given.formula not in IndicatorFormula.values:
            problems.append(Problem(_("请为系统计算的指标选择计算公式。"), index, "formula"))
        elif given.kind == IndicatorKind.MEASURED and given.value_kind not in ValueKind.values:
            problems.append(Problem(_("请为单位按月填报的指标选择填报内容。"), index, "value_kind"))
        if given.when_no_data not in NoDataRule.values:
            problems.append(Problem(_("请选择无数据时的计分办法。"), index, "when_no_data"))
    given_sum = sum(given.max_points or 0 for given in indicators)
    if indicators and total_points and given_sum != total_points:
        problems.append(
            Problem(
                _("各项指标满分合计 %(sum)d 分，与总分 %(total)d 分不一致，请调整。")
                % {"sum": given_sum, "total": total_points}
            )
        )
    if sheet is not None and sheet.pk:
        existing = list(sheet.indicators.all())
        stats = manual_score_stats(existing)
        kept_pks = {given.indicator.pk for given in indicators if given.indicator}
        filed = set(
            IndicatorValue._base_manager.filter(indicator__in=existing).values_list("indicator", flat=True)
        ) | set(SelfAssessment._base_manager.filter(indicator__in=existing).values_list("indicator", flat=True))
        for indicator in existing:
            if indicator.pk in filed and indicator.pk not in kept_pks and indicator.pk not in stats:
                problems.append(Problem(_("“%(name)s”已有单位填报的数据或自评，不能删除。") % {"name": indicator.name}))
        kept = {given.indicator.pk: (index, given) for index, given in enumerate(indicators) if given.indicator}
        for indicator in existing:
            scored = stats.get(indicator.pk)
            if not scored:
                continue
            if indicator.pk not in kept:
                problems.append(
                    Problem(
                        _("“%(name)s”已有 %(count)d 条检查组评分，不能删除。")
                        % {"name": indicator.name, "count": scored["count"]}
                    )
                )
                continue
            index, given = kept[indicator.pk]
            if given.kind != indicator.kind:
                problems.append(
                    Problem(_("“%(name)s”已有检查组评分，不能改变评分方式。") % {"name": indicator.name}, index, "kind")
                )
            highest = scored["highest_open"]
            if highest is not None and given.max_points and highest > given.max_points:
                problems.append(
                    Problem(
                        _("“%(name)s”在未定稿的考核期中已有 %(points)s 分的评分，满分不能低于该分数。")
                        % {"name": indicator.name, "points": highest},
                        index,
                        "max_points",
                    )
                )
    return problems


@transaction.atomic
def score_sheet_set(
    *,
    campaign: Campaign,
    total_points: int,
    indicators: list[IndicatorInput],
    by: User | None,
    marks: SheetMarks | None = None,
) -> ScoreSheet:
    """Make the campaign's sheet exactly this: indicators not listed are removed, listed
    ones updated or added, in the order given; ``marks`` (达标、先进 and the monthly
    report day), when given, replace the sheet's. Open periods are recomputed."""
    _require_manager(by, campaign)
    sheet = ScoreSheet.objects.select_for_update().filter(campaign=campaign).first()
    for given in indicators:
        if given.indicator is not None and (sheet is None or given.indicator.sheet_id != sheet.pk):
            raise ValidationError(_("指标不属于本活动的评分表。"))
    _raise(sheet_problems(sheet=sheet, total_points=total_points, indicators=indicators))
    sheet = sheet or ScoreSheet(campaign=campaign)
    sheet.total_points, sheet.updated_by = total_points, by
    if marks is not None:
        _raise(marks_problems(marks, total_points))
        sheet.pass_points, sheet.excellent_points = marks.pass_points, marks.excellent_points
        sheet.monthly_report_day = marks.monthly_report_day
    sheet.save()
    kept = {given.indicator.pk: given.name.strip() for given in indicators if given.indicator is not None}
    Indicator.objects.filter(sheet=sheet).exclude(pk__in=kept).delete()
    # Names are unique within a sheet: park renamed rows on names of their own first, so
    # two rows may swap names.
    stored = dict(Indicator.objects.filter(sheet=sheet).values_list("pk", "name"))
    renamed = [pk for pk, name in kept.items() if stored.get(pk) != name]
    Indicator.objects.filter(pk__in=renamed).update(name=Concat(Value("#"), Cast("pk", CharField())))
    for order, given in enumerate(indicators, start=1):
        indicator = given.indicator or Indicator(sheet=sheet)
        indicator.name = given.name.strip()
        indicator.kind = given.kind
        indicator.formula = given.formula if given.kind == IndicatorKind.COMPUTED else ""
        indicator.value_kind = given.value_kind if given.kind == IndicatorKind.MEASURED else ""
        indicator.when_no_data = given.when_no_data
        indicator.max_points = given.max_points
        indicator.guidance = given.guidance.strip()
        indicator.order = order
        indicator.save()
    periods_request_recompute(ScorePeriod.objects.filter(campaign=campaign))
    return sheet


@transaction.atomic
def score_sheet_default(*, campaign: Campaign, total_points: int, by: User | None) -> ScoreSheet:
    """Set up the usual sheet of 100 (or 1000) points for a campaign that has none yet."""
    _require_manager(by, campaign)
    if Indicator.objects.filter(sheet__campaign=campaign).exists():
        raise ValidationError(_("本活动已有评分表，请在评分表页面修改。"))
    return score_sheet_set(
        campaign=campaign, total_points=total_points, indicators=default_indicators(total_points), by=by
    )


def period_problems(
    *,
    campaign: Campaign,
    name: str,
    first_month: datetime.date | None,
    last_month: datetime.date | None,
    period: ScorePeriod | None = None,
) -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem(_("请填写考核期名称，例如“2010年下半年”。"), None, "name"))
    elif (
        ScorePeriod._base_manager.filter(campaign=campaign, name=name.strip())
        .exclude(pk=period.pk if period else None)
        .exists()
    ):
        problems.append(Problem(_("本活动已有名为“%(name)s”的考核期。") % {"name": name.strip()}, None, "name"))
    if first_month and last_month:
        first_month, last_month = month_start(first_month), month_start(last_month)
        if last_month < first_month:
            problems.append(Problem(_("截止月份不能早于起始月份。"), None, "last_month"))
        elif first_month < month_start(campaign.starts_on) or last_month > month_start(campaign.ends_on):
            problems.append(
                Problem(
                    _("考核期应在活动期间（%(start)s 至 %(end)s）内。")
                    % {"start": campaign.starts_on.strftime("%Y-%m"), "end": campaign.ends_on.strftime("%Y-%m")},
                    None,
                    "first_month",
                )
            )
    return problems


def closed_refusal(period: ScorePeriod) -> str:
    if period.finalized_at is not None:
        return _("“%(period)s”已于 %(day)s 定稿，不能再修改。") % {
            "period": period.name,
            "day": timezone.localtime(period.finalized_at).strftime("%Y-%m-%d"),
        }
    return _("“%(period)s”正在定稿，不能再修改。") % {"period": period.name}


@transaction.atomic
def score_period_create(
    *,
    campaign: Campaign,
    name: str,
    first_month: datetime.date,
    last_month: datetime.date,
    by: User | None,
    self_assessment_due: datetime.date | None = None,
) -> ScorePeriod:
    _require_manager(by, campaign)
    _raise(period_problems(campaign=campaign, name=name, first_month=first_month, last_month=last_month))
    period = ScorePeriod.objects.create(
        campaign=campaign,
        name=name.strip(),
        first_month=month_start(first_month),
        last_month=month_start(last_month),
        self_assessment_due=self_assessment_due,
    )
    periods_request_recompute(ScorePeriod.objects.filter(pk=period.pk))
    return period


@transaction.atomic
def score_period_update(
    *,
    period: ScorePeriod,
    name: str,
    first_month: datetime.date,
    last_month: datetime.date,
    by: User | None,
    self_assessment_due: datetime.date | None = None,
) -> ScorePeriod:
    _require_manager(by, period.campaign)
    period = ScorePeriod.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=period.pk)
    if period.is_closed_to_changes:
        raise ValidationError(closed_refusal(period))
    _raise(
        period_problems(
            campaign=period.campaign, name=name, first_month=first_month, last_month=last_month, period=period
        )
    )
    period.name, period.first_month, period.last_month = name.strip(), month_start(first_month), month_start(last_month)
    period.self_assessment_due = self_assessment_due
    period.save(update_fields=["name", "first_month", "last_month", "self_assessment_due"])
    periods_request_recompute(ScorePeriod.objects.filter(pk=period.pk))
    return period


@dataclass(frozen=True)
class DeductionInput:
    """A 细则 applied to the unit (核定), with the reason and what was seen."""

    rule: DeductionRule
    reason: str
    evidence: str = ""
    # 每例扣分: the rule's points are taken once per case found.
    cases: int = 1

    @property
    def points(self) -> Decimal:
        return self.rule.points * self.cases


@dataclass(frozen=True)
class ManualInput:
    """The verified points of one line (核定). A manual line's points, or its deductions
    (its points are then its maximum less them); a measured or computed line's points
    correct what the unit's values gave. No points and no deductions: none (an existing
    verification is withdrawn)."""

    indicator: Indicator
    points: Decimal | None
    comment: str = ""
    deductions: tuple[DeductionInput, ...] = ()


def manual_input_problems(indicator: Indicator, points: Decimal | None, comment: str) -> list[tuple[str, str]]:
    """(field, message) pairs, the field being "points" or "comment"; nothing for no points."""
    if points is None:
        return []
    problems = []
    try:
        whole_tenths = points == points.quantize(Decimal("0.1"))
    except InvalidOperation:
        whole_tenths = False
    if not whole_tenths:
        problems.append(("points", _("“%(name)s”的得分最多保留一位小数。") % {"name": indicator.name}))
    if points < 0 or points > indicator.max_points:
        problems.append(
            (
                "points",
                _("“%(name)s”的得分应在 0 到 %(max)d 分之间。") % {"name": indicator.name, "max": indicator.max_points},
            )
        )
    if not comment.strip():
        problems.append(("comment", _("请写明“%(name)s”的评分理由。") % {"name": indicator.name}))
    return problems


MOST_CASES = 99


def deduction_problems(indicator: Indicator, deductions: Sequence[DeductionInput]) -> list[str]:
    problems = []
    for given in deductions:
        if given.rule.indicator_id != indicator.pk:
            problems.append(_("扣分细则不属于“%(name)s”。") % {"name": indicator.name})
        elif not 1 <= given.cases <= MOST_CASES:
            problems.append(
                _("“%(rule)s”的次数（例数）应在 1 到 %(most)d 之间。") % {"rule": given.rule.text, "most": MOST_CASES}
            )
        elif not given.reason.strip():
            problems.append(
                _("请写明“%(name)s”中“%(rule)s”的扣分理由。") % {"name": indicator.name, "rule": given.rule.text}
            )
    return problems


def verified_points(indicator: Indicator, given: ManualInput) -> Decimal | None:
    """The points a verification gives the line: its maximum less the deductions, when any."""
    if given.deductions:
        return points_after_deductions(Decimal(indicator.max_points), [d.points for d in given.deductions])
    return given.points


def _deduction_comment(given: ManualInput) -> str:
    if given.comment.strip():
        return given.comment.strip()
    return "；".join(
        _("%(rule)s（扣%(points)s分）：%(reason)s")
        % {"rule": d.rule.text, "points": decimal_text(d.points), "reason": d.reason.strip()}
        for d in given.deductions
    )


def _deductions_store(*, period: ScorePeriod, organization: Organization, given: ManualInput, by: User) -> None:
    """Make the line's deductions exactly those given."""
    kept = {d.rule.pk for d in given.deductions}
    Deduction._base_manager.filter(period=period, organization=organization, rule__indicator=given.indicator).exclude(
        rule__in=kept
    ).delete()
    for d in given.deductions:
        Deduction._base_manager.update_or_create(
            period=period,
            organization=organization,
            rule=d.rule,
            defaults={
                "points": d.points,
                "reason": d.reason.strip(),
                "evidence": d.evidence.strip(),
                "applied_by": by,
            },
        )


@transaction.atomic
def manual_scores_set(
    *, period: ScorePeriod, organization: Organization, scores: list[ManualInput], by: User
) -> list[ManualScore]:
    """An inspection group's (or the office's) verification (核定) of one organization's
    lines, each with its reason: points or deductions for manual lines, corrections for
    measured and computed ones; nothing given withdraws a verification. Refused once the
    period is finalized. The period's scores are then recomputed."""
    period = (
        ScorePeriod.objects.select_for_update(of=("self",)).select_related("campaign__organization").get(pk=period.pk)
    )
    campaign = period.campaign
    if not may_score(by, campaign, organization):
        raise PermissionDenied(_("检查组只能为所负责检查的组织评分。"))
    if period.is_closed_to_changes:
        raise ValidationError(closed_refusal(period))
    sheet_id = ScoreSheet._base_manager.filter(campaign=campaign).values_list("pk", flat=True).first()
    problems = []
    for given in scores:
        if given.indicator.sheet_id != sheet_id:
            raise ValidationError(_("“%(name)s”不是本活动评分表中的指标。") % {"name": given.indicator.name})
        if given.deductions and not given.indicator.is_manual:
            raise ValidationError(_("“%(name)s”不按细则扣分。") % {"name": given.indicator.name})
        problems += deduction_problems(given.indicator, given.deductions)
        comment = _deduction_comment(given) if given.deductions else given.comment
        points = verified_points(given.indicator, given)
        problems += [message for _field, message in manual_input_problems(given.indicator, points, comment)]
    if problems:
        raise ValidationError(problems)
    saved = []
    for given in scores:
        points = verified_points(given.indicator, given)
        comment = _deduction_comment(given) if given.deductions else given.comment.strip()
        _deductions_store(period=period, organization=organization, given=given, by=by)
        existing = ManualScore._base_manager.filter(
            period=period, indicator=given.indicator, organization=organization
        ).first()
        if points is None:
            if existing is not None:
                existing.delete()
            continue
        score = existing or ManualScore(period=period, indicator=given.indicator, organization=organization)
        if existing is not None and existing.points == points and existing.comment == comment:
            saved.append(existing)
            continue
        score.points, score.comment, score.scored_by = points, comment, by
        score.save()
        saved.append(score)
    periods_request_recompute(ScorePeriod.objects.filter(pk=period.pk))
    return saved


def periods_request_recompute(periods: QuerySet[ScorePeriod], *, refresh_figures: bool = False) -> list[int]:
    """Mark open periods for recomputing and queue the task after the commit. Several
    requests before the task runs are one piece of work: the first run claims it.
    ``refresh_figures``: recount the figures of every month, not only the stale ones."""
    pks = list(
        ScorePeriod._base_manager.filter(pk__in=periods.values("pk"), finalized_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    changes = {"recompute_requested_at": timezone.now(), **({"refresh_figures": True} if refresh_figures else {})}
    ScorePeriod._base_manager.filter(pk__in=pks).update(**changes)
    for pk in pks:
        outbox_enqueue("campaign.scores.tasks.recompute_scores", pk)
    return pks


@transaction.atomic
def score_period_request_recompute(*, period: ScorePeriod, by: User | None) -> None:
    """The office's 重新计算: every month's figures are recounted too. Allowed while a
    finalization is pending, so one whose task failed can be run again."""
    _require_manager(by, period.campaign)
    if period.is_finalized:
        raise ValidationError(closed_refusal(period))
    periods_request_recompute(ScorePeriod.objects.filter(pk=period.pk), refresh_figures=True)


@transaction.atomic
def score_period_finalize(*, period: ScorePeriod, by: User | None, today: datetime.date | None = None) -> None:
    """Ask for the period to be computed one last time and frozen; the task does both in
    one transaction. Manual scores are refused from now on."""
    _require_manager(by, period.campaign)
    today = today or timezone.localdate()
    period = ScorePeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed_to_changes:
        raise ValidationError(closed_refusal(period))
    if today <= period_end(period):
        raise ValidationError(
            _("考核期到 %(day)s 才结束，结束后才能定稿。") % {"day": period_end(period).strftime("%Y-%m-%d")}
        )
    period.finalize_requested_at, period.finalized_by = timezone.now(), by
    period.save(update_fields=["finalize_requested_at", "finalized_by"])
    # The last computation before the freeze counts everything entered until now.
    periods_request_recompute(ScorePeriod.objects.filter(pk=period.pk), refresh_figures=True)


@transaction.atomic
def score_period_recompute(*, period_id: int, today: datetime.date | None = None) -> int:
    """The task's work: recompute a period's scores if asked for, and freeze them if a
    finalization was asked for; returns the number of scores written, 0 when there was
    nothing to do. Idempotent: the request is claimed by a conditional UPDATE, which a
    second run at the same time waits for and then finds nothing to claim; a crash
    rolls the claim back for the retry. Needs an unscoped context."""
    claimed = ScorePeriod.objects.filter(
        pk=period_id, recompute_requested_at__isnull=False, finalized_at__isnull=True
    ).update(recompute_requested_at=None)
    if not claimed:
        return 0
    # The claim holds the row's lock, so the flag read here is the last one asked for.
    period = ScorePeriod.objects.select_related("campaign__organization").get(pk=period_id)
    if period.refresh_figures:
        ScorePeriod.objects.filter(pk=period_id).update(refresh_figures=False)
    written = scores_compute(period, today=today or timezone.localdate(), refresh_figures=period.refresh_figures)
    if period.finalize_requested_at is not None:
        period.finalized_at = timezone.now()
        period.save(update_fields=["finalized_at"])
    return written
