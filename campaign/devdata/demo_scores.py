"""The demo campaign's assessment (考核评价): the usual 100-point sheet, the inspection
groups' points with their reasons, and two periods ranked — 2011年下半年 finalized,
2012年下半年 still open — so the ranking pages have something true to show.

Everything goes through campaign.scores.services's services, as the office and the inspection
group would do it; the scores are then computed here rather than left to the task, so
the ranking is there when load_demo returns even without a worker.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from campaign.campaigns.models import Campaign
from campaign.scores.models import Indicator, ScorePeriod, ScoreSheet
from campaign.scores.services import (
    ManualInput,
    is_scored,
    manual_scores_set,
    score_period_create,
    score_period_finalize,
    score_period_recompute,
    score_sheet_default,
)
from orgs.models import Organization, OrganizationKind, User

SEED = "sunan-2010-scores"
PERIODS = [
    ("2011年下半年", datetime.date(2011, 7, 1), datetime.date(2011, 12, 1), True),
    ("2012年下半年", datetime.date(2012, 7, 1), datetime.date(2012, 10, 1), False),
]
# What an inspection group writes beside its points, by how well the organization did.
REASONS = [
    (Decimal("9"), "班子团结，台账齐全，承诺事项公示到位，群众反映好。"),
    (Decimal("8"), "活动开展扎实，个别承诺事项进展记录不够及时。"),
    (Decimal("7"), "点评整改有落实，但信息报送和资料归档还需加强。"),
    (Decimal("6"), "活动载体较少，承诺践诺台账不完整，需限期整改。"),
]


@transaction.atomic
def demo_scores_load(*, campaign: Campaign, office: User, inspector: User) -> int:
    """Once per campaign: returns the number of scores computed (0 when already there)."""
    if ScoreSheet.objects.filter(campaign=campaign).exists():
        return 0
    sheet = score_sheet_default(campaign=campaign, total_points=100, by=office)
    manual = list(Indicator.objects.filter(sheet=sheet, kind="manual"))
    organizations = [
        organization
        for organization in Organization.objects.filter(path__startswith=campaign.organization.path)
        .exclude(kind__in=OrganizationKind.mass_organizations())
        .order_by("path")
        if is_scored(campaign, organization)
    ]
    inspected = list(inspector.inspected_organizations.all())
    written = 0
    for name, first_month, last_month, finalize in PERIODS:
        period = score_period_create(
            campaign=campaign, name=name, first_month=first_month, last_month=last_month, by=office
        )
        rng = random.Random(f"{SEED}-{name}")
        for organization in organizations:
            scorer = inspector if any(organization.is_within(top) for top in inspected) else office
            points, reason = rng.choice(REASONS)
            points -= Decimal(rng.randrange(0, 10)) / 10
            manual_scores_set(
                period=period,
                organization=organization,
                scores=[
                    ManualInput(indicator, (points * indicator.max_points / 10).quantize(Decimal("0.1")), reason)
                    for indicator in manual
                ],
                by=scorer,
            )
        if finalize:
            score_period_finalize(period=period, by=office)
        written += score_period_recompute(period_id=ScorePeriod.objects.get(pk=period.pk).pk)
    return written
