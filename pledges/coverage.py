"""全覆盖: who in a subtree has not pledged for a campaign, which items are late and
what is under listed supervision (挂牌督办).

Every count here is a fixed number of grouped queries over the subtree, whatever its
size: organizations, members, late items and supervisions are each counted in one
query grouped by the child organization they fall under (a prefix of their path), and
nothing is counted per organization in Python.

The rules themselves (who owes a pledge, who is covered, which items are late, what is
under supervision) are counted as of a day: the page counts on today, the figures
rollup (campaign.dashboard.figures) on each month's last day, with the same functions, so the
dashboard and this page cannot disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    CharField,
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
)
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from campaign.campaigns.models import Campaign
from orgs.models import Member, Organization, OrganizationKind, Sector
from orgs.selectors import subtree_group_key, under_roots, visible_roots
from orgs.sheets.writing import TINTED, Table, xlsx_tables
from pledges.fulfilment import assessed_on, fulfilled_on, fulfilment_rate
from pledges.models import Pledge, PledgeItem, PledgeKind, PledgeState, Supervision
from pledges.progress import late_items_q

MASS_KINDS = sorted(OrganizationKind.mass_organizations())


@dataclass(frozen=True)
class CoverageFilters:
    """What the coverage page and its exports are narrowed to; empty means no filter."""

    organization: Organization | None = None  # a subtree inside the user's scope
    sector: str = ""
    kind: str = ""  # PledgeKind
    query: str = ""  # part of an organization's name

    def __post_init__(self) -> None:
        if self.sector and self.sector not in Sector.values:
            raise ValueError(f"unknown sector {self.sector!r}")
        if self.kind and self.kind not in PledgeKind.values:
            raise ValueError(f"unknown pledge kind {self.kind!r}")


def percent(part: int, whole: int) -> Decimal | None:
    """Coverage as a percentage with one decimal; None when there is nobody to cover."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class CoverageRow:
    """One line of the table: a child organization's subtree, or the top organization
    itself (``is_own_level``) with its own members and the mass organizations beside it."""

    organization: Organization
    is_own_level: bool = False
    organizations: int = 0
    organizations_covered: int = 0
    members: int = 0
    members_covered: int = 0
    late_items: int = 0
    supervised: int = 0
    pledges_assessed: int = 0
    pledges_fulfilled: int = 0

    @property
    def organizations_percent(self) -> Decimal | None:
        return percent(self.organizations_covered, self.organizations)

    @property
    def members_percent(self) -> Decimal | None:
        return percent(self.members_covered, self.members)

    @property
    def fulfilment_rate(self) -> Decimal | None:
        return fulfilment_rate(self.pledges_fulfilled, self.pledges_assessed)

    @property
    def is_empty(self) -> bool:
        return not (self.organizations or self.members or self.late_items or self.supervised or self.pledges_assessed)


@dataclass
class CoverageSummary:
    roots: list[Organization]
    rows: list[CoverageRow] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)

    @property
    def organizations(self) -> int:
        return self._sum("organizations")

    @property
    def organizations_covered(self) -> int:
        return self._sum("organizations_covered")

    @property
    def members(self) -> int:
        return self._sum("members")

    @property
    def members_covered(self) -> int:
        return self._sum("members_covered")

    @property
    def organizations_uncovered(self) -> int:
        return self.organizations - self.organizations_covered

    @property
    def members_uncovered(self) -> int:
        return self.members - self.members_covered

    @property
    def late_items(self) -> int:
        return self._sum("late_items")

    @property
    def supervised(self) -> int:
        return self._sum("supervised")

    @property
    def pledges_assessed(self) -> int:
        return self._sum("pledges_assessed")

    @property
    def pledges_fulfilled(self) -> int:
        return self._sum("pledges_fulfilled")

    @property
    def fulfilment_rate(self) -> Decimal | None:
        return fulfilment_rate(self.pledges_fulfilled, self.pledges_assessed)

    @property
    def organizations_percent(self) -> Decimal | None:
        return percent(self.organizations_covered, self.organizations)

    @property
    def members_percent(self) -> Decimal | None:
        return percent(self.members_covered, self.members)


# ---------------------------------------------------------------------------
# Where to look
# ---------------------------------------------------------------------------


def coverage_roots(user, campaign: Campaign, filters: CoverageFilters | None = None) -> list[Organization]:
    """The tops of the subtrees to count: the user's visible roots (or the chosen
    organization) cut down to the campaign's own subtree, since a township's campaign
    says nothing about the other townships. One query for the user's roots."""
    chosen = filters.organization if filters else None
    candidates = [chosen] if chosen is not None else visible_roots(user)
    host = campaign.organization
    roots = []
    for root in candidates:
        if root.is_within(host):
            roots.append(root)
        elif host.is_within(root):
            roots.append(host)
    return roots


def _organization_filters(prefix: str, filters: CoverageFilters | None) -> Q:
    """Sector and name filters for rows reaching their organization through ``prefix``."""
    q = Q()
    if filters and filters.sector:
        q &= Q(**{f"{prefix}sector": filters.sector})
    if filters and filters.query:
        q &= Q(**{f"{prefix}name__icontains": filters.query})
    return q


# ---------------------------------------------------------------------------
# The rules, as of a day (the figures rollup counts with these too)
# ---------------------------------------------------------------------------


def pledging_organizations(
    campaign: Campaign, roots: Sequence[Organization], filters: CoverageFilters | None = None
) -> QuerySet[Organization]:
    """Who owes an organization pledge in the campaign: the party organizations under the
    roots, and the mass organizations too when the campaign says they take part."""
    organizations = Organization.objects.filter(under_roots("path", roots))
    if not campaign.mass_organizations_take_part:
        organizations = organizations.exclude(kind__in=MASS_KINDS)
    return organizations.filter(_organization_filters("", filters))


def covered_members(
    campaign: Campaign, roots: Sequence[Organization], filters: CoverageFilters | None = None
) -> QuerySet[Member]:
    """Who owes a member pledge: the campaign's subjects (party members, or all the staff
    of a campaign about units) in the party organizations under the roots."""
    return (
        Member.objects.for_campaign(campaign)
        .filter(under_roots("organization__path", roots))
        .exclude(organization__kind__in=MASS_KINDS)
        .filter(_organization_filters("organization__", filters))
    )


def published_pledges(
    campaign: Campaign, filters: CoverageFilters | None = None, *, as_of: datetime.date
) -> QuerySet[Pledge]:
    """Pledges of the campaign published at least once by ``as_of``. A pledge being
    revised is back in draft, but its published version is still on the notice board,
    so the pledger is still covered."""
    pledges = Pledge.objects.filter(campaign=campaign, published_version__gt=0)
    if as_of < timezone.localdate():
        # Only a past day needs the versions' dates: nothing is published with a date
        # after today (pledge_publish refuses it), and the live page is spared the join.
        pledges = pledges.filter(versions__published_on__lte=as_of)
    if filters and filters.kind:
        pledges = pledges.filter(kind=filters.kind)
    return pledges


def organization_covered(campaign: Campaign, filters: CoverageFilters | None = None, *, as_of: datetime.date) -> Exists:
    """For organization rows: it has a published organization pledge on ``as_of``."""
    pledges = published_pledges(campaign, filters, as_of=as_of)
    return Exists(pledges.filter(organization=OuterRef("pk"), member__isnull=True))


def member_covered(campaign: Campaign, filters: CoverageFilters | None = None, *, as_of: datetime.date) -> Exists:
    """For member rows: the member has a published pledge of his or her own on ``as_of``."""
    return Exists(published_pledges(campaign, filters, as_of=as_of).filter(member=OuterRef("pk")))


# Items of pledges that are still being carried out; an assessed pledge is closed.
LIVE_PLEDGE = Q(pledge__published_version__gt=0) & ~Q(pledge__state=PledgeState.ASSESSED)


def late_items_on(as_of: datetime.date) -> Q:
    """For pledge item rows: counted late on ``as_of``, i.e. late by item_state's rule in
    a pledge still being carried out."""
    return LIVE_PLEDGE & late_items_q(as_of)


def supervision_open_on(as_of: datetime.date) -> Q:
    """For supervision rows: opened by ``as_of`` and not closed by then."""
    return Q(opened_at__date__lte=as_of) & (Q(closed_at__isnull=True) | Q(closed_at__date__gt=as_of))


def campaign_supervisions(
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    *,
    as_of: datetime.date,
) -> QuerySet[Supervision]:
    """The 挂牌督办 of the campaign's pledge items and rectification tasks open on
    ``as_of``, by supervised organization under the roots. With a pledge kind chosen,
    only items of pledges of that kind."""
    if filters and filters.kind:
        of_campaign = Q(pledge_item__pledge__campaign=campaign, pledge_item__pledge__kind=filters.kind)
    else:
        of_campaign = Q(pledge_item__pledge__campaign=campaign) | Q(rectification__campaign=campaign)
    return Supervision.objects.filter(
        of_campaign,
        supervision_open_on(as_of),
        under_roots("organization__path", roots),
        _organization_filters("organization__", filters),
    )


def campaign_assessed_pledges(
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    *,
    as_of: datetime.date,
) -> QuerySet[Pledge]:
    """Pledges of the campaign assessed by ``as_of`` under the roots, organizations' and
    members' alike, by the pledging organization: what 承诺兑现率 (pledges.fulfilment) divides by.
    Mass organizations' only where they take part, as for pledging_organizations."""
    pledges = Pledge.objects.filter(
        assessed_on(as_of),
        under_roots("organization__path", roots),
        _organization_filters("organization__", filters),
        campaign=campaign,
    )
    if not campaign.mass_organizations_take_part:
        pledges = pledges.exclude(organization__kind__in=MASS_KINDS)
    if filters and filters.kind:
        pledges = pledges.filter(kind=filters.kind)
    return pledges


# ---------------------------------------------------------------------------
# The lists
# ---------------------------------------------------------------------------


def _newest_pledge_state(pledges: QuerySet[Pledge]) -> Subquery:
    """The state of the pledger's newest pledge of the campaign, to tell "never
    started" from "waiting for approval" in the lists (empty when there is none)."""
    return Subquery(pledges.order_by("-created_at", "-pk").values("state")[:1], output_field=CharField())


def organizations_without_pledge(
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    *,
    today: datetime.date,
) -> QuerySet[Organization]:
    """Party organizations with no published organization pledge, in tree order, each
    with ``pledge_state``: the state of its newest unpublished pledge, if any."""
    own = Pledge.objects.filter(campaign=campaign, organization=OuterRef("pk"), member__isnull=True)
    if filters and filters.kind:
        own = own.filter(kind=filters.kind)
    return (
        pledging_organizations(campaign, roots, filters)
        .filter(~organization_covered(campaign, filters, as_of=today))
        .annotate(pledge_state=_newest_pledge_state(own))
        .select_related("parent")
        .order_by("path")
    )


def members_without_pledge(
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    *,
    today: datetime.date,
) -> QuerySet[Member]:
    """Members with no published pledge of their own, by organization, each with ``pledge_state``."""
    own = Pledge.objects.filter(campaign=campaign, member=OuterRef("pk"))
    if filters and filters.kind:
        own = own.filter(kind=filters.kind)
    return (
        covered_members(campaign, roots, filters)
        .filter(~member_covered(campaign, filters, as_of=today))
        .annotate(pledge_state=_newest_pledge_state(own))
        .select_related("organization")
        .order_by("organization__path", "name", "pk")
    )


def _late_items_base(
    campaign: Campaign, roots: Sequence[Organization], filters: CoverageFilters | None, today: datetime.date
) -> QuerySet[PledgeItem]:
    items = PledgeItem.objects.filter(
        late_items_on(today),
        under_roots("pledge__organization__path", roots),
        _organization_filters("pledge__organization__", filters),
        pledge__campaign=campaign,
    )
    if filters and filters.kind:
        items = items.filter(pledge__kind=filters.kind)
    return items


def late_items(
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    *,
    today: datetime.date,
) -> QuerySet[PledgeItem]:
    """Items past their due date and not done, oldest due first, each with
    ``last_progress_on`` and ``is_supervised``."""
    open_supervision = Supervision.objects.filter(supervision_open_on(today), pledge_item=OuterRef("pk"))
    return (
        _late_items_base(campaign, roots, filters, today)
        .annotate(
            last_progress_on=Max("progress_entries__recorded_on", filter=Q(progress_entries__removed_at__isnull=True)),
            is_supervised=Exists(open_supervision),
        )
        .select_related("pledge__organization", "pledge__member")
        .order_by("due_date", "pledge__organization__path", "pk")
    )


def open_supervisions(
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    *,
    today: datetime.date,
) -> QuerySet[Supervision]:
    """Open 挂牌督办 (campaign_supervisions), nearest deadline first."""
    return (
        campaign_supervisions(campaign, roots, filters, as_of=today)
        .select_related(
            "organization",
            "supervisor__member",
            "pledge_item__pledge__organization",
            "pledge_item__pledge__member",
            "rectification",
        )
        .order_by("deadline", "pk")
    )


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------


def _grouped(queryset: QuerySet, path_field: str, roots: Sequence[Organization], **aggregates) -> list[dict]:
    return list(
        queryset.annotate(coverage_group=subtree_group_key(path_field, roots))
        .values("coverage_group")
        .annotate(**aggregates)
        .order_by()
    )


def coverage_summary(
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    *,
    today: datetime.date,
) -> CoverageSummary:
    """Counts per child organization of the (single) root, or per root when there are
    several: six queries whatever the size of the tree."""
    summary = CoverageSummary(roots=list(roots))
    if not roots:
        return summary
    rows: dict[str, CoverageRow] = {}
    if len(roots) == 1:
        root = roots[0]
        rows[root.path] = CoverageRow(organization=root, is_own_level=True)
        children = Organization.objects.filter(parent=root).exclude(kind__in=MASS_KINDS).order_by("path")
        for child in children:
            rows[child.path] = CoverageRow(organization=child)
    else:
        for root in sorted(roots, key=lambda organization: organization.path):
            rows[root.path] = CoverageRow(organization=root)

    def row_for(key: str) -> CoverageRow:
        # A mass organization directly under the root has no row of its own: it is
        # counted with the root's own level, beside which it sits.
        return rows.get(key) or rows[roots[0].path]

    has_org_pledge = organization_covered(campaign, filters, as_of=today)
    for group in _grouped(
        pledging_organizations(campaign, roots, filters),
        "path",
        roots,
        total=Count("pk"),
        covered=Count("pk", filter=Q(has_org_pledge)),
    ):
        row = row_for(group["coverage_group"])
        row.organizations += group["total"]
        row.organizations_covered += group["covered"]

    has_member_pledge = member_covered(campaign, filters, as_of=today)
    for group in _grouped(
        covered_members(campaign, roots, filters),
        "organization__path",
        roots,
        total=Count("pk"),
        covered=Count("pk", filter=Q(has_member_pledge)),
    ):
        row = row_for(group["coverage_group"])
        row.members += group["total"]
        row.members_covered += group["covered"]

    late = _late_items_base(campaign, roots, filters, today)
    for group in _grouped(late, "pledge__organization__path", roots, total=Count("pk", distinct=True)):
        row_for(group["coverage_group"]).late_items += group["total"]

    supervised = campaign_supervisions(campaign, roots, filters, as_of=today)
    for group in _grouped(supervised, "organization__path", roots, total=Count("pk", distinct=True)):
        row_for(group["coverage_group"]).supervised += group["total"]

    for group in _grouped(
        campaign_assessed_pledges(campaign, roots, filters, as_of=today),
        "organization__path",
        roots,
        assessed=Count("pk"),
        fulfilled=Count("pk", filter=fulfilled_on(today)),
    ):
        row = row_for(group["coverage_group"])
        row.pledges_assessed += group["assessed"]
        row.pledges_fulfilled += group["fulfilled"]

    summary.rows = [row for row in rows.values() if not (row.is_own_level and row.is_empty)]
    return summary


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


class CoverageList(TextChoices):
    ORGANIZATIONS = "organizations", gettext_lazy("未承诺的组织")
    MEMBERS = "members", gettext_lazy("未承诺的党员")
    LATE = "late", gettext_lazy("逾期事项")
    SUPERVISED = "supervised", gettext_lazy("挂牌督办")


def pledge_state_text(state: str | None) -> str:
    """How far the pledger got, for the lists of those not covered."""
    return str(PledgeState(state).label) if state else gettext("未填报")


def days_late(item: PledgeItem, today: datetime.date) -> int:
    return (today - item.due_date).days if item.due_date else 0


def supervision_subject(supervision: Supervision) -> tuple[str, str]:
    """What is supervised, as (kind, text), from the rows select_related brought."""
    if supervision.pledge_item_id:
        item = supervision.pledge_item
        pledger = item.pledge.member.name if item.pledge.member_id else item.pledge.organization.name
        return gettext("承诺事项"), f"{pledger}：{item.target}"
    return gettext("整改任务"), supervision.rectification.problem


def coverage_export(
    *,
    list_name: str,
    campaign: Campaign,
    roots: Sequence[Organization],
    filters: CoverageFilters | None = None,
    today: datetime.date,
) -> bytes:
    """One of the coverage page's lists as .xlsx, every row (two queries at most)."""
    kinds = dict(OrganizationKind.choices)
    sectors = dict(Sector.choices)
    if list_name == CoverageList.ORGANIZATIONS:
        widths = (30, 14, 10, 10, 30, 12)
        headers = (gettext("组织名称"), gettext("组织编码"), gettext("组织类别"), gettext("所属领域"))
        headers += (gettext("上级组织"), gettext("承诺情况"))
        rows = (
            (
                organization.name,
                organization.code,
                str(kinds.get(organization.kind, organization.kind)),
                str(sectors.get(organization.sector, organization.sector)),
                organization.parent.name if organization.parent_id else "",
                pledge_state_text(organization.pledge_state),
            )
            for organization in organizations_without_pledge(campaign, roots, filters, today=today).iterator(
                chunk_size=2000
            )
        )
    elif list_name == CoverageList.MEMBERS:
        widths = (12, 30, 14, 10, 12)
        headers = (gettext("姓名"), gettext("所在组织"), gettext("组织编码"), gettext("职务"), gettext("承诺情况"))
        rows = (
            (
                member.name,
                member.organization.name,
                member.organization.code,
                member.role_display,
                pledge_state_text(member.pledge_state),
            )
            for member in members_without_pledge(campaign, roots, filters, today=today).iterator(chunk_size=2000)
        )
    elif list_name == CoverageList.LATE:
        widths = (12, 30, 30, 40, 12, 10, 14, 10)
        headers = (gettext("承诺人"), gettext("所在组织"), gettext("承诺标题"), gettext("争创目标"))
        headers += (gettext("完成时限"), gettext("逾期天数"), gettext("最近进展日期"), gettext("挂牌督办"))
        rows = (
            (
                item.pledge.member.name if item.pledge.member_id else item.pledge.organization.name,
                item.pledge.organization.name,
                item.pledge.title,
                item.target,
                item.due_date or "",
                days_late(item, today),
                item.last_progress_on or "",
                gettext("是") if item.is_supervised else gettext("否"),
            )
            for item in late_items(campaign, roots, filters, today=today).iterator(chunk_size=2000)
        )
    else:
        widths = (10, 50, 30, 12, 12, 40, 10)
        headers = (gettext("督办对象"), gettext("内容"), gettext("责任组织"), gettext("督办人"))
        headers += (gettext("督办时限"), gettext("督办要求"), gettext("是否超期"))
        rows = (
            (
                *supervision_subject(supervision),
                supervision.organization.name,
                supervision.supervisor.display_name,
                supervision.deadline or "",
                supervision.notes,
                gettext("是") if supervision.deadline < today else gettext("否"),
            )
            for supervision in open_supervisions(campaign, roots, filters, today=today).iterator(chunk_size=2000)
        )
    title = str(CoverageList(list_name).label)
    return xlsx_tables([Table(title=title, header=headers, rows=rows, widths=widths, header_style=TINTED, freeze="A2")])
