"""自查自评: each unit scores itself line by line with its evidence, by the period's date,
before the inspection group verifies (核定, campaign.scores.services.manual_scores_set).
Both are kept; the ranking uses the verified points."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.scores.models import Indicator, ScorePeriod, ScoreSheet, SelfAssessment
from campaign.scores.services import closed_refusal, is_scored, periods_request_recompute
from orgs.access import user_scope
from orgs.models import Organization, User


def may_self_assess(user: User, period: ScorePeriod, organization: Organization) -> bool:
    """The unit's own people, or those above it who file on its behalf. No query once the
    scope is known."""
    return (
        user.is_authenticated and is_scored(period.campaign, organization) and user_scope(user).can_change(organization)
    )


@dataclass(frozen=True)
class SelfInput:
    indicator: Indicator
    points: Decimal | None  # None: no self-assessment on this line (an existing one is withdrawn)
    evidence: str = ""


def self_input_problems(indicator: Indicator, points: Decimal | None, evidence: str) -> list[tuple[str, str]]:
    """(field, message) pairs, the field being "points" or "evidence"."""
    if points is None:
        return []
    problems = []
    try:
        tenths = points == points.quantize(Decimal("0.1"))
    except InvalidOperation:
        tenths = False
    if not tenths:
        problems.append(("points", _("“%(name)s”的自评得分最多保留一位小数。") % {"name": indicator.name}))
    if points < 0 or points > indicator.max_points:
        problems.append(
            (
                "points",
                _("“%(name)s”的自评得分应在 0 到 %(max)d 分之间。")
                % {"name": indicator.name, "max": indicator.max_points},
            )
        )
    if not evidence.strip():
        problems.append(
            ("evidence", _("请写明“%(name)s”的自评依据（做了什么、有哪些材料）。") % {"name": indicator.name})
        )
    return problems


def self_assessment_closed(period: ScorePeriod, today: datetime.date) -> str:
    """Why the unit can no longer assess itself, or an empty string."""
    if period.is_closed_to_changes:
        return closed_refusal(period)
    if period.self_assessment_due and today > period.self_assessment_due:
        return _("自查自评已于 %(day)s 截止。") % {"day": period.self_assessment_due.strftime("%Y-%m-%d")}
    return ""


@transaction.atomic
def self_assessment_set(
    *,
    period: ScorePeriod,
    organization: Organization,
    entries: list[SelfInput],
    by: User,
    today: datetime.date | None = None,
) -> list[SelfAssessment]:
    """The unit's own points on the sheet's inspection lines, each with its evidence.
    Refused after the period's self-assessment date and once the period is finalized."""
    period = ScorePeriod.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=period.pk)
    if not may_self_assess(by, period, organization):
        raise PermissionDenied(_("只能为本单位（或所辖单位）自查自评。"))
    refusal = self_assessment_closed(period, today or timezone.localdate())
    if refusal:
        raise ValidationError(refusal)
    sheet_id = ScoreSheet._base_manager.filter(campaign=period.campaign).values_list("pk", flat=True).first()
    problems = []
    for given in entries:
        if given.indicator.sheet_id != sheet_id or not given.indicator.is_manual:
            raise ValidationError(_("“%(name)s”不是本活动评分表中需要自评的指标。") % {"name": given.indicator.name})
        problems += [message for _field, message in self_input_problems(given.indicator, given.points, given.evidence)]
    if problems:
        raise ValidationError(problems)
    saved = []
    for given in entries:
        existing = SelfAssessment._base_manager.filter(
            period=period, indicator=given.indicator, organization=organization
        ).first()
        if given.points is None:
            if existing is not None:
                existing.delete()
            continue
        assessed = existing or SelfAssessment(period=period, indicator=given.indicator, organization=organization)
        assessed.points, assessed.evidence, assessed.assessed_by = given.points, given.evidence.strip(), by
        assessed.save()
        saved.append(assessed)
    periods_request_recompute(ScorePeriod.objects.filter(pk=period.pk))
    return saved
