"""Reads of 党群共建: the pairs a user sees, a lagging unit's figures before and after it
was paired (from the campaign's figures rollup, campaign.dashboard.figures), the
dashboard card's counts, and the mass organizations' counts.

Lookups of one object go through the ``access_*`` helpers here, which answer 404 alike
for "does not exist" and "not yours". Once a pair is open, both sides and their figures
are read unscoped: each side of a pair sees the other's progress, which is the point of
pairing them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import FIGURE_NAMES, Figures, month_start
from campaign.dashboard.models import OrganizationFigures
from campaign.pairing.models import (
    FollowUpTask,
    JointMeeting,
    MassActivity,
    MassHonour,
    Pair,
    PairMember,
    PairSide,
)
from orgs.access import user_scope
from orgs.models import Organization, OrganizationKind, User
from orgs.scoping import scope_activated

# The figures a lagging unit is compared on, as the dashboard names them. Higher is better for each.
COMPARED = (
    ("fulfillment_percent", gettext_lazy("到期承诺事项完成率")),
    ("satisfaction_percent", gettext_lazy("群众满意率")),
    ("pledgers_percent", gettext_lazy("承诺覆盖率")),
    ("reviews_percent", gettext_lazy("领导点评完成率")),
)


# ---------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------


def access_pair(user: User, pk: int) -> Pair:
    with scope_activated(user_scope(user)):
        pair = Pair.objects.select_related("campaign__organization").filter(pk=pk).first()
    if pair is None:
        raise Http404(_("找不到该结对，或您无权查看。"))
    return pair


def access_joint_meeting(user: User, pk: int) -> JointMeeting:
    with scope_activated(user_scope(user)):
        meeting = JointMeeting.objects.select_related("campaign__organization", "convener").filter(pk=pk).first()
    if meeting is None:
        raise Http404(_("找不到该联席会议，或您无权查看。"))
    return meeting


def access_followup_task(user: User, meeting: JointMeeting, pk: int) -> FollowUpTask:
    task = FollowUpTask._base_manager.select_related("meeting__convener", "responsible").filter(pk=pk, meeting=meeting)
    found = task.first()
    if found is None:
        raise Http404(_("找不到该落实事项，或您无权查看。"))
    return found


def _mass_visible_q(user: User) -> Q:
    """Mass organizations the user sees: in the scope, or beside a party organization in it."""
    scope = user_scope(user)
    if scope.everything:
        return Q()
    return scope.organization_q("path") | scope.organization_q("parent__path")


def access_mass_organization(user: User, code: str) -> Organization:
    """A mass organization the user sees (see _mass_visible_q), by code; else 404."""
    organization = None
    if "\x00" not in code:
        organization = (
            Organization._base_manager.filter(_mass_visible_q(user), code=code)
            .filter(kind__in=OrganizationKind.mass_organizations())
            .select_related("parent")
            .first()
        )
    if organization is None:
        raise Http404(_("找不到该群团组织，或您无权查看。"))
    return organization


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------


def pairs_visible(user: User, campaign: Campaign) -> QuerySet[Pair]:
    with scope_activated(user_scope(user)):
        return (
            Pair.objects.filter(campaign=campaign)
            .annotate(activity_count=Count("activities", distinct=True))
            .order_by("-starts_on", "pk")
        )


def members_of(pairs: Iterable[Pair]) -> dict[int, list[PairMember]]:
    """Each pair's units with their sides, helpers first (one query)."""
    order = {PairSide.HELPER: 0, PairSide.PARTNER: 1, PairSide.HELPED: 2}
    grouped: dict[int, list[PairMember]] = defaultdict(list)
    rows = PairMember._base_manager.filter(pair__in=[pair.pk for pair in pairs]).select_related("organization")
    for member in rows.order_by("organization__path"):
        grouped[member.pair_id].append(member)
    for members in grouped.values():
        members.sort(key=lambda member: order[member.side])
    return grouped


def meetings_visible(user: User, campaign: Campaign) -> QuerySet[JointMeeting]:
    with scope_activated(user_scope(user)):
        return (
            JointMeeting.objects.filter(campaign=campaign)
            .select_related("convener")
            .annotate(
                task_count=Count("tasks", distinct=True),
                open_count=Count("tasks", filter=Q(tasks__done=False), distinct=True),
            )
            .order_by("-held_on", "-pk")
        )


@dataclass
class MassRow:
    organization: Organization
    activities: int = 0
    participants: int = 0
    honours: int = 0
    honours_by_kind: dict = field(default_factory=dict)


def mass_organizations_summary(user: User, campaign: Campaign) -> list[MassRow]:
    """The mass organizations of the campaign the user sees, with their activities,
    participants and honours in the campaign (three queries)."""
    organizations = (
        Organization._base_manager.filter(_mass_visible_q(user), path__startswith=campaign.organization.path)
        .filter(kind__in=OrganizationKind.mass_organizations())
        .select_related("parent")
        .order_by("path")
    )
    rows = {organization.pk: MassRow(organization=organization) for organization in organizations}
    activities = (
        MassActivity._base_manager.filter(campaign=campaign, organization__in=list(rows))
        .values("organization")
        .annotate(count=Count("pk"), people=Sum("participants"))
        .order_by()
    )
    for row in activities:
        rows[row["organization"]].activities = row["count"]
        rows[row["organization"]].participants = row["people"] or 0
    honours = (
        MassHonour._base_manager.filter(campaign=campaign, organization__in=list(rows))
        .values("organization", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in honours:
        rows[row["organization"]].honours += row["count"]
        rows[row["organization"]].honours_by_kind[row["kind"]] = row["count"]
    return list(rows.values())


# ---------------------------------------------------------------------------
# Before and after: the lagging unit's figures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureLine:
    label: str
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class SideProgress:
    """A lagging unit's figures in the month before it was paired and in the latest month
    of the pair's period (today's, or the last one once the period is over)."""

    organization: Organization
    before_month: datetime.date
    after_month: datetime.date
    before: Figures | None
    after: Figures | None
    lines: list[FigureLine] = field(default_factory=list)

    @property
    def improved(self) -> bool | None:
        """True when some figure rose and none fell; False when some fell or none rose;
        None when there is nothing to compare (a month not yet counted, or no data)."""
        changes = [line.change for line in self.lines if line.change is not None]
        if not changes:
            return None
        return any(change > 0 for change in changes) and not any(change < 0 for change in changes)


def progress_months(pair: Pair, campaign: Campaign, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month before the pair started (its first month, if that is the campaign's first)
    and the pair's latest month up to today."""
    first = month_start(campaign.starts_on)
    before = max(first, month_start(month_start(pair.starts_on) - datetime.timedelta(days=1)))
    last_day = min(today, pair.ends_on, campaign.ends_on)
    after = max(first, month_start(last_day))
    return before, after


def lagging_progress(pairs: Sequence[Pair], members: dict[int, list[PairMember]], *, today: datetime.date):
    """For each pair, the progress of each of its lagging units (受帮扶方): {pair pk: [SideProgress]}.
    One query for all the pairs: the rollup rows of the units' subtrees in the months asked."""
    wanted: list[tuple[Pair, PairMember, datetime.date, datetime.date]] = []
    for pair in pairs:
        for member in members.get(pair.pk, []):
            if member.side == PairSide.HELPED:
                before, after = progress_months(pair, pair.campaign, today)
                wanted.append((pair, member, before, after))
    result: dict[int, list[SideProgress]] = defaultdict(list)
    if not wanted:
        return result
    in_subtrees = Q(pk__in=[])
    for _pair, member, _before, _after in wanted:
        in_subtrees |= Q(organization__path__startswith=member.organization.path)
    campaigns = {pair.campaign_id for pair, *_rest in wanted}
    months = {month for *_head, before, after in wanted for month in (before, after)}
    rows = (
        OrganizationFigures._base_manager.filter(in_subtrees, campaign__in=campaigns, month__in=months)
        .values("campaign", "month", "organization__path", *FIGURE_NAMES)
        .order_by()
    )
    # (campaign, month) → [(path, row)]; added up per lagging unit's subtree below.
    by_month: dict[tuple[int, datetime.date], list[dict]] = defaultdict(list)
    for row in rows:
        by_month[(row["campaign"], row["month"])].append(row)
    for pair, member, before, after in wanted:
        snapshot = {
            month: _subtree_figures(by_month.get((pair.campaign_id, month), []), member.organization.path)
            for month in (before, after)
        }
        progress = SideProgress(
            organization=member.organization,
            before_month=before,
            after_month=after,
            before=snapshot[before],
            after=snapshot[after],
        )
        progress.lines = [
            FigureLine(
                label=str(label),
                before=getattr(progress.before, name) if progress.before else None,
                after=getattr(progress.after, name) if progress.after else None,
            )
            for name, label in COMPARED
        ]
        result[pair.pk].append(progress)
    return result


def _subtree_figures(rows: list[dict], path: str) -> Figures | None:
    """The rows of the organization's subtree added up; None when the month has none."""
    mine = [row for row in rows if row["organization__path"].startswith(path)]
    if not mine:
        return None
    total = Figures()
    for row in mine:
        total.add(row)
    return total


# ---------------------------------------------------------------------------
# The dashboard card
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PairingSummary:
    pairs: int
    activities: int
    lagging: int
    improved: int
    mass_activities: int
    honours: int


def pairing_summary(user: User, campaign: Campaign, *, today: datetime.date) -> PairingSummary:
    """What the dashboard card shows: the pairs the user sees in the campaign, their joint
    activities, how many lagging units improved, and the mass organizations' work."""
    pairs = list(pairs_visible(user, campaign).select_related("campaign"))
    progress = lagging_progress(pairs, members_of(pairs), today=today)
    sides = [side for sides in progress.values() for side in sides]
    mass = mass_organizations_summary(user, campaign)
    return PairingSummary(
        pairs=len(pairs),
        activities=sum(pair.activity_count for pair in pairs),
        lagging=len(sides),
        improved=sum(1 for side in sides if side.improved),
        mass_activities=sum(row.activities for row in mass),
        honours=sum(row.honours for row in mass),
    )
