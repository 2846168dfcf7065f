"""The demo county's campaign: the 创先争优 campaign of the county speech of 3 November 2010.

From the speech: the theme "创先争优促赶超，科学发展上水平", the standards 五个好 and
五带头 with what leader reviews should stress, one theme per sector, a satisfaction
threshold of 90%, a model a quarter per township and county-organ cluster, at least
three information items a month. The speech says the county "has entered the phase of
全面争创"; the central campaign ran from spring 2010 until the 18th Party Congress
(November 2012), so the phase dates below are a plausible county plan, not quoted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import (
    CONTENTION,
    DEFAULT_STANDARDS,
    MOBILIZATION,
    SUMMARY,
    PhaseInput,
    campaign_create,
)
from orgs.models import Organization, Sector

DEMO_CAMPAIGN_NAME = "肃南县深入开展创先争优活动"
DEMO_THEME = "创先争优促赶超，科学发展上水平"
DEMO_PHASES = [
    PhaseInput(MOBILIZATION, datetime.date(2010, 5, 10), datetime.date(2010, 7, 31)),
    PhaseInput(CONTENTION, datetime.date(2010, 8, 1), datetime.date(2012, 6, 30)),
    PhaseInput(SUMMARY, datetime.date(2012, 7, 1), datetime.date(2012, 10, 31)),
]
# "农牧村党组织要围绕……为主题设计活动载体；社区党组织要以……为主题" and so on.
DEMO_SECTOR_THEMES = {
    Sector.RURAL: "建设“双强”班子、提高“双带”能力、推动经济发展",
    Sector.COMMUNITY: "服务居民群众，构建和谐社区",
    Sector.ORGAN: "转变工作作风，建设廉洁高效机关",
    Sector.INSTITUTION: "加强职业道德、提高服务水平",
    Sector.ENTERPRISE: "强化组织功能、促进企业发展",
    # The speech names no sixth sector: the rest (e.g. retired cadres' branches) work
    # under the county's own theme, which every organization is told to follow.
    Sector.OTHER: DEMO_THEME,
}


@dataclass(frozen=True)
class DemoCampaign:
    campaign: Campaign
    created: bool


@transaction.atomic
def demo_campaign_load(*, county: Organization) -> DemoCampaign:
    """Create the county's campaign unless it exists (by organization and name); an
    existing one is left as the office may have edited it. Needs an unscoped context."""
    existing = Campaign.objects.filter(organization=county, name=DEMO_CAMPAIGN_NAME).first()
    if existing is not None:
        return DemoCampaign(existing, created=False)
    campaign = campaign_create(
        organization=county,
        name=DEMO_CAMPAIGN_NAME,
        theme=DEMO_THEME,
        starts_on=DEMO_PHASES[0].starts_on,
        ends_on=DEMO_PHASES[-1].ends_on,
        satisfaction_threshold=Decimal("90"),
        review_period_months=6,
        reports_per_month=3,
        models_per_quarter=1,
        phases=DEMO_PHASES,
        standards=DEFAULT_STANDARDS,
        sector_themes=DEMO_SECTOR_THEMES,
        by=None,
    )
    return DemoCampaign(campaign, created=True)
