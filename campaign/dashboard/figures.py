"""The campaign's figures per organization and month (OrganizationFigures), and their
sums over subtrees.

Why rollups rather than counting live: the dashboard of a province adds up three
million members, their pledges and thirty million votes. Counted live that is seconds
of PostgreSQL time per page view; added up from one row per organization it is a
hundred thousand small rows, and a county's thousand rows cost a few milliseconds. A
task recomputes a month's rows in a fixed number of grouped queries (beat keeps the
current month fresh; a month nobody has looked at yet is computed when first asked
for), and every page says when its figures were computed.

Everything is counted per organization here, with the same rules as the pages behind
the figures: pledge coverage as on the coverage page, review subjects as in
reviews.review_coverage, the information quota as in campaign.reports.services and the models'
quota as in campaign.nominations.services. Mass organizations get no row: they neither pledge
nor report here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.dashboard.models import OrganizationFigures
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.services import quarter_bounds
from campaign.reports.services import month_bounds
from orgs.models import Member, Organization, OrganizationKind, Post
from pledges.coverage import percent
from pledges.models import PledgeItem, PledgeState, PledgeVersion, Rectification, Supervision
from reviews.assignments import period_end, period_start
from reviews.models import EvaluationRound, Review, RoundState, TallyResult

MASS_KINDS = OrganizationKind.mass_organizations()
TEAM_POSTS = Post.leadership_team()
BATCH_SIZE = 5000


@dataclass
class Figures:
    """Sums of OrganizationFigures rows; the same names as the model's counts."""

    party_organizations: int = 0
    organizations_covered: int = 0
    members: int = 0
    members_covered: int = 0
    items_due: int = 0
    items_done: int = 0
    late_items: int = 0
    supervised: int = 0
    reviews_due: int = 0
    reviews_done: int = 0
    rounds_held: int = 0
    subjects_evaluated: int = 0
    subjects_below: int = 0
    votes_counted: int = 0
    votes_satisfied: int = 0
    rectifications_open: int = 0
    rectifications_overdue: int = 0
    rectifications_due: int = 0
    rectifications_on_time: int = 0
    reports: int = 0
    reports_adopted: int = 0
    reports_quota: int = 0
    reports_short: int = 0
    models_nominated: int = 0
    models_selected: int = 0
    models_quota: int = 0

    def add(self, other: Figures | dict) -> None:
        get = other.get if isinstance(other, dict) else lambda name: getattr(other, name)
        for name in FIGURE_NAMES:
            setattr(self, name, getattr(self, name) + (get(name) or 0))

    @property
    def organizations_uncovered(self) -> int:
        return self.party_organizations - self.organizations_covered

    @property
    def members_uncovered(self) -> int:
        return self.members - self.members_covered

    @property
    def organizations_percent(self) -> Decimal | None:
        return percent(self.organizations_covered, self.party_organizations)

    @property
    def members_percent(self) -> Decimal | None:
        return percent(self.members_covered, self.members)

    @property
    def pledgers_percent(self) -> Decimal | None:
        return percent(self.organizations_covered + self.members_covered, self.party_organizations + self.members)

    @property
    def fulfillment_percent(self) -> Decimal | None:
        return percent(self.items_done, self.items_due)

    @property
    def reviews_percent(self) -> Decimal | None:
        return percent(self.reviews_done, self.reviews_due)

    @property
    def reviews_pending(self) -> int:
        return self.reviews_due - self.reviews_done

    @property
    def satisfaction_percent(self) -> Decimal | None:
        return percent(self.votes_satisfied, self.votes_counted)

    @property
    def on_time_percent(self) -> Decimal | None:
        return percent(self.rectifications_on_time, self.rectifications_due)

    @property
    def reports_percent(self) -> Decimal | None:
        """Items reported against the quota of every organization, capped per
        organization only in the score sheet (an eager branch does not make up for a
        silent one there; here the total simply shows volume)."""
        return percent(self.reports, self.reports_quota)

    @property
    def models_percent(self) -> Decimal | None:
        return percent(self.models_selected, self.models_quota)


FIGURE_NAMES = tuple(field.name for field in fields(Figures))


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def quarter_start(day: datetime.date) -> datetime.date:
    return quarter_bounds(day)[0]


@dataclass(frozen=True)
class Period:
    """The month the figures are for, and the longer periods its counts run within."""

    month: datetime.date
    as_of: datetime.date
    review_start: datetime.date
    review_end: datetime.date
    quarter_start: datetime.date

    @classmethod
    def of(cls, campaign: Campaign, month: datetime.date, *, today: datetime.date) -> Period:
        first, last = month_bounds(month)
        review_start = period_start(campaign, first)
        return cls(
            month=first,
            as_of=max(first, min(today, last)),
            review_start=review_start,
            review_end=period_end(campaign, review_start),
            quarter_start=quarter_start(first),
        )


# ---------------------------------------------------------------------------
# Computing one month's rows
# ---------------------------------------------------------------------------


def _count_by(queryset, key: str, **aggregates) -> dict[int, dict]:
    return {row[key]: row for row in queryset.values(key).annotate(**aggregates).order_by()}


def figures_compute(campaign: Campaign, period: Period) -> dict[int, Figures]:
    """Each party organization's own figures in the campaign's subtree: eleven grouped
    queries whatever the size of the tree. Needs an unscoped context (a task)."""
    root = campaign.organization
    under = root.path
    as_of = period.as_of
    counted = (RoundState.TALLIED, RoundState.PUBLISHED)

    organizations = list(
        Organization.objects.filter(path__startswith=under)
        .exclude(kind__in=MASS_KINDS)
        .values_list("pk", "kind", "parent_id", "parent__kind")
    )
    figures: dict[int, Figures] = {}
    # Reviewed from above: what reviews.review_coverage counts as an organization subject.
    reviewed_from_above: set[int] = set()
    for pk, _kind, parent_id, parent_kind in organizations:
        row = figures[pk] = Figures(party_organizations=1, reports_quota=campaign.reports_per_month)
        if parent_id == root.pk:
            row.models_quota = campaign.models_per_quarter
        if pk != root.pk and parent_id is not None and parent_kind != OrganizationKind.BRANCH:
            reviewed_from_above.add(pk)
            row.reviews_due += 1
    branches = {pk for pk, kind, _parent, _parent_kind in organizations if kind == OrganizationKind.BRANCH}

    published = PledgeVersion.objects.filter(pledge__campaign=campaign, published_on__lte=as_of)
    for pk in (
        published.filter(pledge__member__isnull=True, pledge__organization__path__startswith=under)
        .values_list("pledge__organization_id", flat=True)
        .distinct()
    ):
        if pk in figures:
            figures[pk].organizations_covered = 1

    members = Member.objects.filter(organization__path__startswith=under).exclude(organization__kind__in=MASS_KINDS)
    has_pledge = Exists(published.filter(pledge__member=OuterRef("pk")))
    for pk, row in _count_by(
        members,
        "organization_id",
        total=Count("pk"),
        covered=Count("pk", filter=Q(has_pledge)),
        team=Count("pk", filter=Q(post__in=TEAM_POSTS)),
    ).items():
        own = figures[pk]
        own.members, own.members_covered = row["total"], row["covered"]
        # Team members are reviewed from above with their organization; the others by their branch.
        own.reviews_due += (row["team"] if pk in reviewed_from_above else 0) + (
            row["total"] - row["team"] if pk in branches else 0
        )

    items = PledgeItem.objects.filter(
        pledge__campaign=campaign, pledge__organization__path__startswith=under, pledge__published_version__gt=0
    )
    not_done_by_then = Q(completed_on__isnull=True) | Q(completed_on__gt=as_of)
    for pk, row in _count_by(
        items,
        "pledge__organization_id",
        due=Count("pk", filter=Q(due_date__lte=as_of)),
        done=Count("pk", filter=Q(due_date__lte=as_of, completed_on__lte=as_of)),
        late=Count("pk", filter=Q(due_date__lt=as_of) & not_done_by_then & ~Q(pledge__state=PledgeState.ASSESSED)),
    ).items():
        if pk in figures:
            figures[pk].items_due, figures[pk].items_done, figures[pk].late_items = row["due"], row["done"], row["late"]

    open_then = Q(opened_at__date__lte=as_of) & (Q(closed_at__isnull=True) | Q(closed_at__date__gt=as_of))
    supervisions = Supervision.objects.filter(
        Q(pledge_item__pledge__campaign=campaign) | Q(rectification__campaign=campaign),
        open_then,
        organization__path__startswith=under,
    )
    for pk, row in _count_by(supervisions, "organization_id", total=Count("pk", distinct=True)).items():
        if pk in figures:
            figures[pk].supervised = row["total"]

    reviews = Review.objects.filter(
        campaign=campaign,
        period_start=period.review_start,
        reviewed_on__lte=as_of,
        organization__path__startswith=under,
    )
    for pk, row in _count_by(
        reviews,
        "organization_id",
        organization_reviews=Count("pk", filter=Q(member__isnull=True)),
        members_reviewed=Count("member", distinct=True),
    ).items():
        if pk in figures:
            figures[pk].reviews_done = (
                min(1, row["organization_reviews"]) * (pk in reviewed_from_above) + row["members_reviewed"]
            )

    rounds = EvaluationRound.objects.filter(
        campaign=campaign,
        state__in=counted,
        closes_at__date__range=(period.review_start, as_of),
        organization__path__startswith=under,
    )
    for pk, row in _count_by(rounds, "organization_id", total=Count("pk")).items():
        if pk in figures:
            figures[pk].rounds_held = row["total"]
    satisfied = F("satisfied") + F("basically_satisfied") if campaign.basic_satisfied_counts else F("satisfied")
    results = TallyResult.objects.filter(round__in=rounds, category="", satisfaction__isnull=False).annotate(
        owner=Coalesce("subject__member__organization_id", "round__organization_id")
    )
    for pk, row in _count_by(
        results,
        "owner",
        evaluated=Count("pk"),
        below=Count("pk", filter=Q(below_threshold=True)),
        counted=Sum(F("satisfied") + F("basically_satisfied") + F("dissatisfied")),
        satisfied=Sum(satisfied),
    ).items():
        if pk in figures:
            own = figures[pk]
            own.subjects_evaluated, own.subjects_below = row["evaluated"], row["below"]
            own.votes_counted, own.votes_satisfied = row["counted"] or 0, row["satisfied"] or 0

    rectifications = Rectification.objects.filter(
        campaign=campaign, organization__path__startswith=under, created_at__date__lte=as_of
    )
    unsolved_then = Q(solved_on__isnull=True) | Q(solved_on__gt=as_of)
    due_in_period = Q(deadline__range=(period.review_start, as_of))
    for pk, row in _count_by(
        rectifications,
        "organization_id",
        open=Count("pk", filter=unsolved_then),
        overdue=Count("pk", filter=unsolved_then & Q(deadline__lt=as_of)),
        due=Count("pk", filter=due_in_period),
        on_time=Count("pk", filter=due_in_period & Q(solved_on__lte=F("deadline"))),
    ).items():
        if pk in figures:
            own = figures[pk]
            own.rectifications_open, own.rectifications_overdue = row["open"], row["overdue"]
            own.rectifications_due, own.rectifications_on_time = row["due"], row["on_time"]

    first, last = month_bounds(period.month)
    reports = campaign.info_reports.filter(reported_on__range=(first, min(last, as_of)))
    for pk, row in _count_by(
        reports, "organization_id", total=Count("pk"), adopted=Count("pk", filter=~Q(adopted_level=""))
    ).items():
        if pk in figures:
            figures[pk].reports, figures[pk].reports_adopted = row["total"], row["adopted"]

    nominations = ModelNomination.objects.filter(campaign=campaign, organization__path__startswith=under)
    for pk, row in _count_by(
        nominations,
        "organization_id",
        nominated=Count("pk", filter=Q(created_at__date__range=(period.quarter_start, as_of))),
        selected=Count(
            "pk",
            filter=Q(status=NominationStatus.SELECTED, decided_at__date__range=(period.quarter_start, as_of)),
        ),
    ).items():
        if pk in figures:
            figures[pk].models_nominated, figures[pk].models_selected = row["nominated"], row["selected"]

    for own in figures.values():
        own.reports_short = int(own.reports < own.reports_quota)
    return figures


@transaction.atomic
def figures_refresh(*, campaign: Campaign, month: datetime.date, today: datetime.date | None = None) -> int:
    """Replace the campaign's rows for the month with freshly computed ones; returns
    how many. Readers see the old rows or the new ones, never a mix."""
    today = today or timezone.localdate()
    # One refresh of a campaign at a time (beat, a score recompute and the office's
    # button may coincide): the second waits rather than colliding on the unique rows.
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    period = Period.of(campaign, month, today=today)
    computed = figures_compute(campaign, period)
    now = timezone.now()
    OrganizationFigures.objects.filter(campaign=campaign, month=period.month).delete()
    OrganizationFigures.objects.bulk_create(
        (
            OrganizationFigures(
                campaign=campaign,
                organization_id=pk,
                month=period.month,
                as_of=period.as_of,
                computed_at=now,
                **{name: getattr(own, name) for name in FIGURE_NAMES},
            )
            for pk, own in computed.items()
        ),
        batch_size=BATCH_SIZE,
    )
    if connection.vendor == "postgresql":
        # Fresh rows have no statistics: the planner would walk the whole month by index
        # for a township's sums (300 ms instead of 40 at province size).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {OrganizationFigures._meta.db_table}")
    return len(computed)


def months_of(campaign: Campaign, *, today: datetime.date) -> list[datetime.date]:
    """The months of the campaign up to today, newest first (what the month picker offers)."""
    first = month_start(campaign.starts_on)
    last = month_start(min(campaign.ends_on, today))
    months = []
    month = last
    while month >= first:
        months.append(month)
        month = month_start(month - datetime.timedelta(days=1))
    return months


# ---------------------------------------------------------------------------
# Reading: sums over subtrees
# ---------------------------------------------------------------------------

SUMS = {name: Coalesce(Sum(name), Value(0), output_field=IntegerField()) for name in FIGURE_NAMES}


def figures_by_subtree(
    campaign: Campaign, month: datetime.date, organizations: Iterable[Organization]
) -> dict[int, Figures]:
    """For each organization, the sum of the month's rows over its subtree: one query
    for the rows, added up in Python by path prefix (every row counts towards each of
    its ancestors among the organizations). For the score sheet, which needs every
    organization of a level at once."""
    organizations = list(organizations)
    wanted = {organization.path: organization.pk for organization in organizations}
    totals = {organization.pk: Figures() for organization in organizations}
    if not organizations:
        return totals
    depths = sorted({len(path) for path in wanted})
    rows = OrganizationFigures.objects.filter(campaign=campaign, month=month_start(month)).values(
        "organization__path", *FIGURE_NAMES
    )
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        for pk in _holders(row["organization__path"], wanted, depths):
            totals[pk].add(row)
    return totals


def _holders(path: str, wanted: dict[str, int], depths: list[int]) -> Iterator[int]:
    """The organizations among ``wanted`` (path → pk) whose subtree holds the path:
    those of its ancestors that are wanted, and itself. ``depths``: the wanted paths'
    lengths, sorted."""
    for depth in depths:
        if depth > len(path):
            break
        pk = wanted.get(path[:depth])
        if pk is not None:
            yield pk


def reports_by_subtree(
    campaign: Campaign, first_month: datetime.date, last_month: datetime.date, organizations: Iterable[Organization]
) -> dict[int, tuple[int, int]]:
    """For each organization, over the months from first to last: (items reported, quota)
    summed over its subtree, where each organization's own items count only up to its
    own quota for those months, so an eager branch does not make up for a silent one.
    The quota is the monthly one times the months that have rows. One query."""
    organizations = list(organizations)
    wanted = {organization.path: organization.pk for organization in organizations}
    totals = {organization.pk: [0, 0] for organization in organizations}
    if not organizations:
        return {}
    depths = sorted({len(path) for path in wanted})
    rows = (
        OrganizationFigures.objects.filter(
            campaign=campaign, month__range=(month_start(first_month), month_start(last_month))
        )
        .values("organization__path")
        .annotate(reports=Sum("reports"), quota=Sum("reports_quota"))
        .order_by()
    )
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        counted = min(row["reports"], row["quota"])
        for pk in _holders(row["organization__path"], wanted, depths):
            totals[pk][0] += counted
            totals[pk][1] += row["quota"]
    return {pk: (reports, quota) for pk, (reports, quota) in totals.items()}


# Beat refreshes the current month this often; rows younger than this are not redone.
FRESH_MINUTES = 10


def figures_ensure(
    campaign: Campaign, months: Iterable[datetime.date], *, today: datetime.date, fresh_minutes: int = FRESH_MINUTES
) -> list[datetime.date]:
    """Refresh each month whose rows are missing or older than ``fresh_minutes`` (0: all),
    so a reader of several months (the score sheet) counts late entries too; returns
    the months refreshed. One query, plus figures_refresh's eleven for each month
    refreshed. Needs an unscoped context (a task)."""
    months = sorted({month_start(month) for month in months})
    computed = dict(
        OrganizationFigures.objects.filter(campaign=campaign, month__in=months)
        .values("month")
        .annotate(oldest=Min("computed_at"))
        .values_list("month", "oldest")
        .order_by()
    )
    stale = [month for month in months if not fresh_enough(computed.get(month), minutes=fresh_minutes)]
    for month in stale:
        figures_refresh(campaign=campaign, month=month, today=today)
    return stale


def figures_totals_by(queryset, key) -> dict:
    """Sums of the rows grouped by an expression (a path prefix or the sector), with
    the time of the oldest row, in one query."""
    return {
        row["group"]: row
        for row in queryset.annotate(group=key).values("group").annotate(**SUMS, computed=Max("computed_at")).order_by()
    }


def group_figures(row: dict) -> Figures:
    own = Figures()
    own.add(row)
    return own


def fresh_enough(computed_at: datetime.datetime | None, *, minutes: int) -> bool:
    return computed_at is not None and timezone.now() - computed_at < datetime.timedelta(minutes=minutes)
