"""The campaign's figures per organization and month (OrganizationFigures), and their
sums over subtrees.

Why rollups rather than counting live: the dashboard of a province adds up three
million members, their pledges and thirty million votes. Counted live that is seconds
of PostgreSQL time per page view; added up from one row per organization it is a
hundred thousand small rows, and a county's thousand rows cost a few milliseconds. A
task recomputes a month's rows in a fixed number of grouped queries (beat keeps the
current month fresh; a month nobody has looked at yet is computed when first asked
for), and every page says when its figures were computed.

Everything is counted per organization here, with the rules of the pages behind the
figures: who owes a pledge, who is covered, which items are late and what is under
supervision from pledges.coverage; who is due a review and what counts as reviewed from
reviews.assignments and reviews.review_coverage; the information quota as in
campaign.reports.services and the models' quota as in campaign.nominations.services. The rules are the
pages' own functions (Q objects and querysets), grouped here by organization, so the
rollup and the live pages cannot drift apart (campaign/tests/test_figures_agree.py).
Mass organizations get no row: they neither pledge nor report here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.dashboard.models import OrganizationFigures
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.services import quarter_bounds
from campaign.reports.services import month_bounds
from orgs.models import Organization
from orgs.selectors import under_roots
from pledges.coverage import (
    campaign_assessed_pledges,
    campaign_supervisions,
    covered_members,
    late_items_on,
    member_covered,
    organization_covered,
    percent,
    pledging_organizations,
)
from pledges.fulfilment import fulfilled_on, fulfilment_rate
from pledges.models import PledgeItem, Rectification
from pledges.rectification import awaiting_sign_off_q, unsolved_q, verified_by_q
from reviews.assignments import member_subject_q, organization_subject_q, period_end, period_start
from reviews.models import EvaluationRound, RoundState, TallyResult
from reviews.review_coverage import member_reviewed, organization_reviewed

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
    rectifications_verified: int = 0
    rectifications_to_verify: int = 0
    reports: int = 0
    reports_adopted: int = 0
    reports_quota: int = 0
    reports_short: int = 0
    models_nominated: int = 0
    models_selected: int = 0
    models_quota: int = 0
    pledges_assessed: int = 0
    pledges_fulfilled: int = 0

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

    @property
    def pledge_fulfilment_percent(self) -> Decimal | None:
        """承诺兑现率: of the pledges assessed, those assessed as fulfilled (pledges.fulfilment)."""
        return fulfilment_rate(self.pledges_fulfilled, self.pledges_assessed)


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


def _put(figures: dict[int, Figures], grouped: dict[int, dict], **names: str) -> None:
    """Copy each group's counts (figure name=count key) onto its organization's figures;
    groups of organizations without figures (mass organizations) are dropped."""
    for pk, row in grouped.items():
        own = figures.get(pk)
        if own is not None:
            for name, key in names.items():
                setattr(own, name, row[key] or 0)


def figures_compute(campaign: Campaign, period: Period) -> dict[int, Figures]:
    """Each party organization's own figures in the campaign's subtree: ten grouped
    queries whatever the size of the tree. Needs an unscoped context (a task)."""
    root = campaign.organization
    figures = _organizations(campaign, period, root)
    _members(figures, campaign, period, root)
    _pledge_items(figures, campaign, period, root)
    _supervisions(figures, campaign, period, root)
    _assessments(figures, campaign, period, root)
    _evaluations(figures, campaign, period, root)
    _rectifications(figures, campaign, period, root)
    _reports(figures, campaign, period)
    _models(figures, campaign, period, root)
    return figures


def _organizations(campaign: Campaign, period: Period, root: Organization) -> dict[int, Figures]:
    """A row for each party organization, with its own pledge and its own review as a subject."""
    as_of = period.as_of
    organizations = pledging_organizations(campaign, [root]).annotate(
        covered=organization_covered(campaign, as_of=as_of),
        is_subject=ExpressionWrapper(organization_subject_q([root]), output_field=BooleanField()),
        reviewed=organization_reviewed(campaign, as_of=as_of),
    )
    figures = {}
    for pk, parent_id, covered, is_subject, reviewed in organizations.values_list(
        "pk", "parent_id", "covered", "is_subject", "reviewed"
    ):
        figures[pk] = Figures(
            party_organizations=1,
            organizations_covered=int(covered),
            reviews_due=int(is_subject),
            reviews_done=int(is_subject and reviewed),
            reports_quota=campaign.reports_per_month,
            models_quota=campaign.models_per_quarter if parent_id == root.pk else 0,
        )
    return figures


def _members(figures: dict[int, Figures], campaign: Campaign, period: Period, root: Organization) -> None:
    """Members, those covered by a pledge of their own, and those due a review and reviewed."""
    subject = member_subject_q([root])
    grouped = _count_by(
        covered_members(campaign, [root]),
        "organization_id",
        total=Count("pk"),
        covered=Count("pk", filter=Q(member_covered(campaign, as_of=period.as_of))),
        due=Count("pk", filter=subject),
        done=Count("pk", filter=subject & Q(member_reviewed(campaign, as_of=period.as_of))),
    )
    _put(figures, grouped, members="total", members_covered="covered")
    for pk, row in grouped.items():
        if pk in figures:
            figures[pk].reviews_due += row["due"]
            figures[pk].reviews_done += row["done"]


def _pledge_items(figures: dict[int, Figures], campaign: Campaign, period: Period, root: Organization) -> None:
    """Items due by the day, done by then, and late as the coverage page counts them."""
    as_of = period.as_of
    items = PledgeItem.objects.filter(
        under_roots("pledge__organization__path", [root]), pledge__campaign=campaign, pledge__published_version__gt=0
    )
    grouped = _count_by(
        items,
        "pledge__organization_id",
        due=Count("pk", filter=Q(due_date__lte=as_of)),
        done=Count("pk", filter=Q(due_date__lte=as_of, completed_on__lte=as_of)),
        late=Count("pk", filter=late_items_on(as_of)),
    )
    _put(figures, grouped, items_due="due", items_done="done", late_items="late")


def _supervisions(figures: dict[int, Figures], campaign: Campaign, period: Period, root: Organization) -> None:
    supervisions = campaign_supervisions(campaign, [root], as_of=period.as_of)
    _put(figures, _count_by(supervisions, "organization_id", total=Count("pk", distinct=True)), supervised="total")


def _assessments(figures: dict[int, Figures], campaign: Campaign, period: Period, root: Organization) -> None:
    """Pledges assessed by the day, and those assessed as fulfilled, by pledging organization."""
    as_of = period.as_of
    pledges = campaign_assessed_pledges(campaign, [root], as_of=as_of)
    grouped = _count_by(
        pledges, "organization_id", assessed=Count("pk"), fulfilled=Count("pk", filter=fulfilled_on(as_of))
    )
    _put(figures, grouped, pledges_assessed="assessed", pledges_fulfilled="fulfilled")


def _evaluations(figures: dict[int, Figures], campaign: Campaign, period: Period, root: Organization) -> None:
    """Mass evaluation rounds closed in the review period, and their overall tallies by
    the subject's organization."""
    rounds = EvaluationRound.objects.filter(
        campaign=campaign,
        state__in=(RoundState.TALLIED, RoundState.PUBLISHED),
        closes_at__date__range=(period.review_start, period.as_of),
        organization__path__startswith=root.path,
    )
    _put(figures, _count_by(rounds, "organization_id", total=Count("pk")), rounds_held="total")
    # Each round's votes as its tally counted them, by the round's own choices.
    results = TallyResult.objects.filter(round__in=rounds, category="", satisfaction__isnull=False).annotate(
        owner=Coalesce("subject__member__organization_id", "round__organization_id")
    )
    grouped = _count_by(
        results,
        "owner",
        evaluated=Count("pk"),
        below=Count("pk", filter=Q(below_threshold=True)),
        counted=Sum(F("satisfied") + F("dissatisfied")),
        satisfied=Sum("satisfied"),
    )
    _put(
        figures,
        grouped,
        subjects_evaluated="evaluated",
        subjects_below="below",
        votes_counted="counted",
        votes_satisfied="satisfied",
    )


def _rectifications(figures: dict[int, Figures], campaign: Campaign, period: Period, root: Organization) -> None:
    """Open and overdue as the unit left them (not reported done by the day); of the
    reported, those signed off and those still awaiting sign-off, with the rules of
    the live count (pledges.selectors.rectification_tally): only a sign-off is completion."""
    as_of = period.as_of
    rectifications = Rectification.objects.filter(
        campaign=campaign, organization__path__startswith=root.path, created_at__date__lte=as_of
    )
    unsolved_then = unsolved_q(as_of)
    due_in_period = Q(deadline__range=(period.review_start, as_of))
    grouped = _count_by(
        rectifications,
        "organization_id",
        open=Count("pk", filter=unsolved_then),
        overdue=Count("pk", filter=unsolved_then & Q(deadline__lt=as_of)),
        due=Count("pk", filter=due_in_period),
        on_time=Count("pk", filter=due_in_period & Q(solved_on__lte=F("deadline"))),
        verified=Count("pk", filter=verified_by_q(as_of)),
        to_verify=Count("pk", filter=awaiting_sign_off_q(as_of)),
    )
    _put(
        figures,
        grouped,
        rectifications_open="open",
        rectifications_overdue="overdue",
        rectifications_due="due",
        rectifications_on_time="on_time",
        rectifications_verified="verified",
        rectifications_to_verify="to_verify",
    )


def _reports(figures: dict[int, Figures], campaign: Campaign, period: Period) -> None:
    """Information items reported in the month, against each organization's quota."""
    first, last = month_bounds(period.month)
    reports = campaign.info_reports.filter(reported_on__range=(first, min(last, period.as_of)))
    grouped = _count_by(reports, "organization_id", total=Count("pk"), adopted=Count("pk", filter=~Q(adopted_level="")))
    _put(figures, grouped, reports="total", reports_adopted="adopted")
    for own in figures.values():
        own.reports_short = int(own.reports < own.reports_quota)


def _models(figures: dict[int, Figures], campaign: Campaign, period: Period, root: Organization) -> None:
    """Models (典型) nominated and selected in the quarter so far."""
    in_quarter = (period.quarter_start, period.as_of)
    nominations = ModelNomination.objects.filter(campaign=campaign, organization__path__startswith=root.path)
    grouped = _count_by(
        nominations,
        "organization_id",
        nominated=Count("pk", filter=Q(created_at__date__range=in_quarter)),
        selected=Count("pk", filter=Q(status=NominationStatus.SELECTED, decided_at__date__range=in_quarter)),
    )
    _put(figures, grouped, models_nominated="nominated", models_selected="selected")


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
    the months refreshed. One query, plus figures_refresh's ten for each month
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
