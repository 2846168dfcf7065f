"""Reads of 目标责任书: the letters a user may see in a campaign, and how a letter's target
lines stood in a score period (the points the unit earned on them, from the period's
verified breakdown), with the result the points suggest.

The rules that turn points into a result are here, pure, so that the letter's page and
campaign.letters.services.letter_assess compute the same figure and the same suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from campaign.campaigns.models import Campaign
from campaign.letters.models import AssessmentResult, ResponsibilityLetter
from campaign.scores.models import Indicator, OrganizationScore, ScorePeriod, ScoreSheet
from orgs.access import user_scope
from orgs.models import Member, Organization, Post, User
from orgs.scoping import scope_activated

# Best first. A result's place here is its rank: the lower the index, the better.
RESULT_ORDER = (
    AssessmentResult.EXCELLENT,
    AssessmentResult.COMPETENT,
    AssessmentResult.BASIC,
    AssessmentResult.INCOMPETENT,
)
# The least share of the target lines' points (percent) for each result but the last.
RESULT_THRESHOLDS = (
    (Decimal(90), AssessmentResult.EXCELLENT),
    (Decimal(75), AssessmentResult.COMPETENT),
    (Decimal(60), AssessmentResult.BASIC),
)
# 一票否决 reaches the unit's 责任人: the best a vetoed unit's leader can be.
VETOED_BEST = AssessmentResult.BASIC


def result_rank(result: str) -> int:
    """0 for 优秀 … 3 for 不称职."""
    return RESULT_ORDER.index(AssessmentResult(result))


def result_above(result: str, limit: str) -> bool:
    """Whether ``result`` is better than ``limit``."""
    return result_rank(result) < result_rank(limit)


# ---------------------------------------------------------------------------
# The points of a letter's target lines in a period (pure)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    """One target line of a letter as the period's breakdown has it. ``found`` is False
    when the breakdown has no such line (added to the sheet after the period was
    computed): its points and maximum then count in neither sum."""

    indicator: int
    name: str
    max: Decimal | None
    points: Decimal | None
    found: bool


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def letter_target_points(
    letter_indicator_pks: Iterable[int], breakdown: Sequence[dict]
) -> tuple[Decimal | None, Decimal | None, list[TargetLine]]:
    """The points the unit earned on the letter's lines, the lines' maxima, both summed
    over the lines the breakdown holds and that apply to the unit, and one row per line: the breakdown's lines in
    its order, then those it lacks. The sums are None when no line is found. No query."""
    wanted = list(dict.fromkeys(letter_indicator_pks))
    rows: list[TargetLine] = []
    seen: set[int] = set()
    for line in breakdown:
        pk = line.get("indicator")
        # A line that does not apply to the unit holds nothing against its leader.
        if pk not in wanted or pk in seen or line.get("applicable") is False:
            continue
        points, maximum = _decimal(line.get("points")), _decimal(line.get("max"))
        if points is None or maximum is None:
            continue
        seen.add(pk)
        rows.append(TargetLine(pk, str(line.get("name", "")), maximum, points, True))
    rows.extend(TargetLine(pk, "", None, None, False) for pk in wanted if pk not in seen)
    found = [row for row in rows if row.found]
    if not found:
        return None, None, rows
    return sum((row.points for row in found), Decimal(0)), sum((row.max for row in found), Decimal(0)), rows


def assessment_percent(points: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    """Points ÷ maxima × 100, to one decimal, half up (目标得分率); None without lines."""
    if points is None or not maximum:
        return None
    return (points * 100 / maximum).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def suggested_result(percent: Decimal | None, *, vetoed: bool) -> str | None:
    """The result the points suggest (>= 90 优秀, >= 75 称职, >= 60 基本称职, else 不称职),
    never better than 基本称职 for a vetoed unit; None when there are no points to go by."""
    if percent is None:
        return None
    result = AssessmentResult.INCOMPETENT
    for threshold, reached in RESULT_THRESHOLDS:
        if percent >= threshold:
            result = reached
            break
    if vetoed and result_above(result, VETOED_BEST):
        return VETOED_BEST
    return result


def veto_reason_texts(reasons: Sequence) -> list[str]:
    """The veto reasons of a score as sentences, whether stored as text or as rows."""
    texts = []
    for reason in reasons or ():
        if isinstance(reason, dict):
            text = reason.get("text") or reason.get("reason") or reason.get("name") or ""
        else:
            text = str(reason)
        if text:
            texts.append(str(text))
    return texts


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def sheet_indicators(campaign: Campaign) -> list[Indicator]:
    """The lines of the campaign's score sheet in the sheet's order (empty without one)."""
    sheet = ScoreSheet.objects.filter(campaign=campaign).first()
    return list(sheet.indicators.order_by("order", "pk")) if sheet else []


def _letters() -> QuerySet[ResponsibilityLetter]:
    return ResponsibilityLetter.objects.select_related(
        "campaign__organization", "organization", "leader", "assessed_period", "issued_by__member"
    ).prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk")))


def letters_visible(user: User, campaign: Campaign, *, organization: Organization | None = None) -> QuerySet:
    """The campaign's letters the user may see (a unit sees its own, a superior its
    subtree's), in the tree's order, with their targets: three queries whatever their
    number. Built in the user's scope, so it can be evaluated anywhere."""
    with scope_activated(user_scope(user)):
        letters = _letters().filter(campaign=campaign)
        if organization is not None:
            letters = letters.filter(organization__path__startswith=organization.path)
        return letters.order_by("organization__path", "leader__name", "pk")


def letter_for_page(user: User, pk: int) -> ResponsibilityLetter | None:
    """The letter if the user may see it, else None (the page answers 404 alike)."""
    with scope_activated(user_scope(user)):
        return _letters().filter(pk=pk).first()


def leader_choices(campaign: Campaign, organization: Organization) -> QuerySet[Member]:
    """Who may sign the unit's letter: the people of the unit the campaign judges (party
    members in a party campaign, all the staff in one about units), the leadership first."""
    leadership = Case(
        When(post=Post.SECRETARY, then=Value(0)),
        When(post=Post.DEPUTY_SECRETARY, then=Value(1)),
        When(post=Post.COMMITTEE_MEMBER, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        Member.objects.filter(organization=organization)
        .for_campaign(campaign)
        .annotate(leadership=leadership)
        .order_by("leadership", "job_title", "name", "pk")
    )


def periods_for_assessment(campaign: Campaign) -> list[ScorePeriod]:
    """The campaign's periods, the likeliest for a year-end assessment first: finalized
    before open, then the latest, then the longest (the year's before its second half)."""
    periods = list(ScorePeriod.objects.filter(campaign=campaign).order_by("pk"))
    return sorted(
        periods,
        key=lambda period: (
            period.is_finalized,
            period.last_month,
            (period.last_month - period.first_month).days,
            period.pk,
        ),
        reverse=True,
    )


@dataclass
class LetterStanding:
    """How a letter's targets stood in one period: what the letter's page shows and what
    letter_assess records."""

    period: ScorePeriod
    score: OrganizationScore | None
    lines: list[TargetLine] = field(default_factory=list)
    points: Decimal | None = None
    maximum: Decimal | None = None
    percent: Decimal | None = None
    vetoed: bool = False
    veto_reasons: list[str] = field(default_factory=list)
    suggestion: str | None = None

    @property
    def suggestion_label(self) -> str:
        return AssessmentResult(self.suggestion).label if self.suggestion else ""


def letter_standing(letter: ResponsibilityLetter, period: ScorePeriod) -> LetterStanding:
    """The letter's target lines with the points the unit earned on them in the period
    (the verified ones of its stored score), the share, the veto and the suggestion. A
    line missing from the breakdown takes its name from the sheet. One query for the
    score (the letter's indicators are read from the prefetch if any)."""
    indicators = list(letter.indicators.all())
    score = OrganizationScore.objects.filter(period=period, organization_id=letter.organization_id).first()
    standing = LetterStanding(period=period, score=score)
    if score is None:
        names = {indicator.pk: indicator for indicator in indicators}
        standing.lines = [
            TargetLine(indicator.pk, indicator.name, Decimal(indicator.max_points), None, False)
            for indicator in names.values()
        ]
        return standing
    points, maximum, lines = letter_target_points([indicator.pk for indicator in indicators], score.breakdown)
    sheet = {indicator.pk: indicator for indicator in indicators}
    standing.lines = [
        line
        if line.found
        else TargetLine(
            line.indicator, sheet[line.indicator].name, Decimal(sheet[line.indicator].max_points), None, False
        )
        for line in lines
    ]
    standing.points, standing.maximum = points, maximum
    standing.percent = assessment_percent(points, maximum)
    standing.vetoed = score.vetoed
    standing.veto_reasons = veto_reason_texts(score.veto_reasons)
    standing.suggestion = suggested_result(standing.percent, vetoed=score.vetoed)
    return standing
