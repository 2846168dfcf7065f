"""The demo county's pledge loop closed: at the summing up (总结表彰) the superiors assess a
few pledges kept in full as 兑现优秀, so the nominations page suggests their pledgers for
择优推荐表彰; and, should the activity have none, one pledge 未兑现 with the education task
its assessment opens. Everything goes through the services; running it again adds nothing."""

from __future__ import annotations

import datetime

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import figures_refresh, month_start
from campaign.dashboard.models import OrganizationFigures
from campaign.devdata.demo_activity import _at, _clock
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from orgs.models import Role, User
from pledges.assessment import pledge_assess
from pledges.lifecycle import may_decide
from pledges.models import Fulfillment, Pledge, PledgeState, Rectification, RectificationSource

# How many of each kind of pledger are assessed 兑现优秀, spread over the townships.
OUTSTANDING_ORGANIZATIONS = 4
OUTSTANDING_MEMBERS = 6
OUTSTANDING_COMMENT = "承诺事项全部按期兑现，群众评价高，成效突出，建议择优推荐表彰。"
NOT_FULFILLED_COMMENT = "承诺事项大部分未兑现，经核实工作不实，责成限期整改。"
# The summing-up days, within the campaign's last weeks.
ASSESSED_DAYS_BEFORE_END = 12


def demo_pledgeloop_load() -> int:
    """Assess the demo's outstanding pledges (and one 未兑现 if none is); returns how many
    pledges were assessed, 0 when it was done before or there is no demo campaign."""
    campaign = Campaign.objects.select_related("organization").filter(name=DEMO_CAMPAIGN_NAME).first()
    if campaign is None:
        return 0
    pledges = Pledge.objects.filter(campaign=campaign)
    if pledges.filter(fulfillment=Fulfillment.OUTSTANDING).exists():
        return 0
    deciders = list(
        User.objects.filter(
            is_active=True, role__in=(Role.OFFICE, Role.LEADER, Role.SECRETARY), organization__isnull=False
        ).select_related("organization")
    )
    # The nearest superior assesses, as the activity's superiors do.
    deciders.sort(key=lambda user: len(user.organization.path), reverse=True)
    day = campaign.ends_on - datetime.timedelta(days=ASSESSED_DAYS_BEFORE_END)
    chosen = _kept_in_full(pledges, member=False)[:OUTSTANDING_ORGANIZATIONS]
    chosen += _kept_in_full(pledges, member=True)[:OUTSTANDING_MEMBERS]
    assessed = 0
    for pledge in chosen:
        assessed += _assess(pledge, deciders, Fulfillment.OUTSTANDING, OUTSTANDING_COMMENT, day)
    unfulfilled = pledges.filter(fulfillment=Fulfillment.NOT_FULFILLED)
    tasks = Rectification.objects.filter(campaign=campaign, source=RectificationSource.PLEDGE, category="教育整改")
    if not (unfulfilled.exists() and tasks.exists()):
        lagging = _open_pledges(pledges).filter(items__completed_on__isnull=True).distinct().order_by("pk")
        for pledge in lagging[:5]:
            if _assess(pledge, deciders, Fulfillment.NOT_FULFILLED, NOT_FULFILLED_COMMENT, day):
                assessed += 1
                break
    if assessed and OrganizationFigures.objects.filter(campaign=campaign, month=month_start(day)).exists():
        # Rows already counted for that month would not show the assessments until beat's next round.
        figures_refresh(campaign=campaign, month=day, today=campaign.ends_on + datetime.timedelta(days=1))
    return assessed


def _open_pledges(pledges):
    return pledges.filter(state__in=(PledgeState.PUBLISHED, PledgeState.IN_PROGRESS))


def _kept_in_full(pledges, *, member: bool) -> list[Pledge]:
    """Published pledges still open with every item done, one per township first, so each
    township's leader has a suggestion of its own."""
    candidates = (
        _open_pledges(pledges)
        .filter(member__isnull=not member, items__isnull=False)
        .exclude(items__completed_on__isnull=True)
        .exclude(member__model_nominations__isnull=False)
        .exclude(member__isnull=True, organization__model_nominations__isnull=False)
        .select_related("organization", "member")
        .distinct()
        .order_by("organization__path", "pk")
    )
    by_township: dict[str, list[Pledge]] = {}
    for pledge in candidates:
        by_township.setdefault(pledge.organization.path[:12], []).append(pledge)
    spread = []
    while any(by_township.values()):
        for waiting in by_township.values():
            if waiting:
                spread.append(waiting.pop(0))
    return spread


def _assess(pledge: Pledge, deciders: list[User], fulfillment: str, comment: str, day: datetime.date) -> int:
    decider = next((user for user in deciders if may_decide(user, pledge)), None)
    if decider is None:
        return 0
    with _clock(_at(day, 16)):
        pledge_assess(pledge=pledge, by=decider, fulfillment=fulfillment, comment=comment)
    return 1
