"""The demo county at work: two and a half years of its campaign, so that every page and
figure has something to show.

``manage.py load_demo`` calls ``demo_activity_load`` after the county and the campaign.
It replays the campaign (2010-05-10 to 2012-10-31) with a fixed seed: pledges filed,
approved, published and carried out, some late and some under 挂牌督办, some assessed;
leader reviews every half-year; mass evaluation rounds in the second half of 2010 (the
speech's) and in the campaign's last half-year, with secret ballots and paper tally
sheets, tallied, with 补课整改 for those under the threshold; information reports every
month; models nominated, recommended up the tree and selected each quarter; problems
found and rectified. Each township (or county-organ cluster) has its own diligence
(CLUSTER_DILIGENCE), so some lag behind the others in every figure.

How rows are written:

- Through the services wherever the volume allows (assessment, rectification,
  supervision, evaluation rounds, ballots, paper tallies, tallies, nominations, reviews
  that require rectification), each under ``_clock``: the services stamp "now" and
  refuse dates after "today", and the campaign ran in 2010–2012, so each call runs as
  on the day it happened. So the services' own rules decide, and nothing here has to
  repeat them.
- In bulk where the services would be far too slow for the numbers a county has (about
  600 pledges with 1,700 items and their progress, 2,000 leader reviews, 5,000
  information reports: some 60,000 queries, a minute on SQLite). Those rows are built
  as the services leave them: the same fields, who did it, when (``auto_now`` stamps
  are put back to the day, see ``_insert``), a history row for each step the services
  would have recorded (``_history``; information reports only when adopted, see
  ``_report``), published versions frozen as ``pledges.lifecycle.pledge_content``
  freezes them, and the services' permission rules asked (``may_file``,
  ``may_decide``, ``may_review``) before anything is written.

Each organization's pledges, reviews and reports are filed with the account acting
for it (campaign.devdata.demo_county.demo_officials_ensure). Loading twice creates nothing more: if the
demo campaign has any pledge, the county is taken as already at work and left alone.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from campaign.campaigns.models import Campaign, StandardDimension, StandardSubject
from campaign.campaigns.selectors import day_within
from campaign.devdata import demo_texts as texts
from campaign.devdata.demo_county import SPEECH_DATE, demo_officials_ensure
from campaign.nominations.services import (
    nomination_create,
    nomination_decline,
    nomination_recommend,
    nomination_select,
    quarter_bounds,
)
from campaign.reports.models import AdoptionLevel, InfoReport
from campaign.reports.services import month_bounds
from orgs.models import Member, Organization, OrganizationKind, Post, Sector, User
from pledges.assessment import pledge_assess
from pledges.lifecycle import may_decide, may_file, version_content
from pledges.models import (
    Fulfillment,
    Opinion,
    Pledge,
    PledgeItem,
    PledgeKind,
    PledgeState,
    PledgeVersion,
    ProgressEntry,
    PublicationChannel,
    Rectification,
    RectificationSource,
    RectificationStatus,
)
from pledges.progress import progress_record
from pledges.rectification import (
    follow_up_add,
    rectification_create,
    rectification_publish,
    rectification_report_done,
    rectification_update,
    supervision_close,
    supervision_open,
)
from reviews.assignments import Subject, may_review, period_end, period_start
from reviews.ballots import ballot_cast
from reviews.models import (
    BriefingKind,
    Choice,
    EvaluationCode,
    EvaluationSubject,
    EvaluatorCategory,
    Grade,
    RemedialRectification,
    Review,
    ReviewForm,
    ReviewSection,
)
from reviews.paper import paper_tally_enter
from reviews.results import round_publish
from reviews.review_coverage import overdue_reviews_mark, review_subjects_in
from reviews.reviewing import review_create
from reviews.rounds import may_run_round, round_create, round_open, round_transition
from reviews.tally import round_tally

SEED = "sunan-2010-activity"
# How diligently each township or county-organ cluster works, 0 to 1: it sets the
# share of pledges published and items done, reviews written, forms returned,
# reports sent and models put forward. Organizations added later get the default.
CLUSTER_DILIGENCE = {
    "SN-HWS": 0.95,
    "SN-HC": 0.86,
    "SN-KL": 0.72,
    "SN-MH": 0.9,
    "SN-MT": 0.64,
    "SN-BY": 0.78,
    "SN-JG": 0.93,
    "SN-FG": 0.62,
    "SN-GA": 0.88,
    "SN-WS": 0.82,
    "SN-JY": 0.85,
}
DEFAULT_DILIGENCE = 0.8
# Rows per UPDATE when stamps are put back (far below any database's parameter limit).
BATCH = 500


@dataclass(frozen=True)
class DemoActivity:
    """What one load created (all zero when the county was already at work)."""

    created: bool
    accounts: int = 0
    pledges: int = 0
    published_pledges: int = 0
    progress_entries: int = 0
    assessed_pledges: int = 0
    supervisions: int = 0
    rectifications: int = 0
    reviews: int = 0
    overdue_reviews: int = 0
    rounds: int = 0
    online_forms: int = 0
    paper_forms: int = 0
    remedial_rectifications: int = 0
    info_reports: int = 0
    nominations: int = 0
    models_selected: int = 0


@transaction.atomic
def demo_activity_load(*, campaign: Campaign, county: Organization) -> DemoActivity:
    """Fill the demo campaign with the county's work, once; see the module docstring.
    Needs an unscoped context. Deterministic but for the evaluation codes and ballot
    ids, which are random by design."""
    if Pledge.objects.filter(campaign=campaign).exists():
        return DemoActivity(created=False)
    world = _World.build(campaign=campaign, county=county)
    filed = _pledges_file(world)
    _supervise_late_items(world, filed)
    _assess_pledges(world, filed)
    _rectify_found_problems(world)
    _review(world)
    _evaluate(world)
    _report(world)
    _nominate(world)
    counts = world.counts
    return DemoActivity(
        created=True,
        accounts=world.accounts_created,
        pledges=counts["pledges"],
        published_pledges=counts["published_pledges"],
        progress_entries=counts["progress_entries"],
        assessed_pledges=counts["assessed_pledges"],
        supervisions=counts["supervisions"],
        rectifications=Rectification.objects.filter(campaign=campaign).count(),
        reviews=counts["reviews"],
        overdue_reviews=counts["overdue_reviews"],
        rounds=counts["rounds"],
        online_forms=counts["online_forms"],
        paper_forms=counts["paper_forms"],
        remedial_rectifications=counts["remedial_rectifications"],
        info_reports=counts["info_reports"],
        nominations=counts["nominations"],
        models_selected=counts["models_selected"],
    )


# ---------------------------------------------------------------------------
# The county as the loader sees it, and the tools it writes with
# ---------------------------------------------------------------------------


@dataclass
class _World:
    campaign: Campaign
    county: Organization
    organizations: list[Organization]  # party organizations, tree order
    by_pk: dict[int, Organization]
    members: dict[int, list[Member]]  # by organization, leadership first
    officials: dict[int, User]  # the account acting for each organization
    member_users: dict[int, User]  # accounts of members, by member
    superuser: User | None
    organization_dimensions: list[StandardDimension]
    member_dimensions: list[StandardDimension]
    clusters: dict[int, Organization]  # the county's child each organization lies under
    diligence: dict[int, float]
    accounts_created: int
    counts: Counter = field(default_factory=Counter)

    @classmethod
    def build(cls, *, campaign: Campaign, county: Organization) -> _World:
        officials = demo_officials_ensure(county=county)
        organizations = list(
            Organization.objects.filter(path__startswith=county.path)
            .exclude(kind__in=OrganizationKind.mass_organizations())
            .order_by("path")
        )
        by_pk = {organization.pk: organization for organization in organizations}
        for organization in organizations:
            # Set the parent from the rows at hand, so the services' checks read no more.
            if organization.parent_id in by_pk:
                organization.parent = by_pk[organization.parent_id]
        members: dict[int, list[Member]] = defaultdict(list)
        leadership = {post: rank for rank, post in enumerate(Post.leadership_team())}
        for member in sorted(
            Member.objects.filter(organization__in=organizations),
            key=lambda member: (leadership.get(member.post, len(leadership)), member.name, member.pk),
        ):
            member.organization = by_pk[member.organization_id]
            members[member.organization_id].append(member)
        for user in officials.by_organization.values():
            user.organization = by_pk[user.organization_id]
        # Accounts of members, the acting ones as the same objects as in officials.
        acting = {user.pk: user for user in officials.by_organization.values()}
        member_users = {
            user.member_id: acting.get(user.pk, user)
            for user in User.objects.filter(member__organization__in=organizations, is_active=True)
        }
        dimensions = {
            subject: list(
                StandardDimension.objects.filter(standard__campaign=campaign, standard__subject=subject).order_by(
                    "order", "pk"
                )
            )
            for subject in (StandardSubject.ORGANIZATION, StandardSubject.MEMBER)
        }
        clusters, diligence = {}, {}
        for organization in organizations:
            cluster = organization
            while cluster.parent_id is not None and cluster.parent_id != county.pk and cluster.parent_id in by_pk:
                cluster = by_pk[cluster.parent_id]
            clusters[organization.pk] = cluster
            base = 1.0 if organization.pk == county.pk else CLUSTER_DILIGENCE.get(cluster.code, DEFAULT_DILIGENCE)
            # Branches of one township differ a little too.
            jitter = random.Random(f"{SEED}:{organization.code}").uniform(-0.05, 0.05)
            diligence[organization.pk] = min(1.0, max(0.3, base + (0 if organization is cluster else jitter)))
        return cls(
            campaign=campaign,
            county=county,
            organizations=organizations,
            by_pk=by_pk,
            members=members,
            officials=officials.by_organization,
            member_users=member_users,
            superuser=User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first(),
            organization_dimensions=dimensions[StandardSubject.ORGANIZATION],
            member_dimensions=dimensions[StandardSubject.MEMBER],
            clusters=clusters,
            diligence=diligence,
            accounts_created=officials.created,
        )

    def rng(self, topic: str) -> random.Random:
        """A generator of its own for each part, so changing one part leaves the others as they were."""
        return random.Random(f"{SEED}:{topic}")

    def superior(self, organization: Organization) -> User | None:
        """The account acting for the nearest organization above that has one; above the
        county there is none, so its own pledge is approved by an administrator."""
        parent = self.by_pk.get(organization.parent_id)
        while parent is not None:
            if parent.pk in self.officials:
                return self.officials[parent.pk]
            parent = self.by_pk.get(parent.parent_id)
        return self.superuser

    def secretary_name(self, organization: Organization) -> str:
        members = self.members.get(organization.pk) or []
        return next((member.name for member in members if member.post == Post.SECRETARY), organization.name)

    @property
    def office(self) -> User:
        return self.officials[self.county.pk]

    @property
    def starts_on(self) -> datetime.date:
        return self.campaign.starts_on

    @property
    def ends_on(self) -> datetime.date:
        return self.campaign.ends_on

    def within(self, day: datetime.date) -> datetime.date:
        return day_within(self.campaign, day)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    if last <= first:
        return first
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


@contextlib.contextmanager
def _clock(moment: datetime.datetime) -> Iterator[None]:
    """Run the services as at ``moment``: they stamp ``timezone.now()`` and refuse days
    after ``timezone.localdate()``, which reads the same clock. Safe because load_demo
    is a command: nothing else runs in the process meanwhile."""
    real_now = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real_now


def _insert(model: type[models.Model], objects: list, *, stamped: Sequence[str] = ()) -> list:
    """Insert in bulk, then put back the moments in ``stamped`` that ``auto_now`` and
    ``auto_now_add`` replaced with the loading time: one UPDATE per moment, which is
    several times faster than bulk_update's CASE. Foreign keys to objects inserted
    before are filled in by bulk_create, which keeps them cached; setting ``x_id`` by
    hand would drop the cache and cost a query per row later."""
    wanted = [tuple(getattr(obj, name) for name in stamped) for obj in objects]
    model._base_manager.bulk_create(objects)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for obj, values in zip(objects, wanted, strict=True):
        for name, value in zip(stamped, values, strict=True):
            setattr(obj, name, value)
        groups[values].append(obj.pk)
    if stamped:
        for values, pks in groups.items():
            for start in range(0, len(pks), BATCH):
                model._base_manager.filter(pk__in=pks[start : start + BATCH]).update(
                    **dict(zip(stamped, values, strict=True))
                )
    return objects


def _snapshot(obj, moment: datetime.datetime, user: User | None, **changes):
    """The object as it stood at ``moment``, for a history row. Without changes the row
    itself is used (no copy): only for rows that are not saved again here."""
    row = copy.copy(obj) if changes else obj
    for name, value in changes.items():
        setattr(row, name, value)
    row._history_date = moment
    row._history_user = user
    return row


def _history(model: type[models.Model], created: list, changed: Sequence = ()) -> None:
    """History rows as simple-history writes them on save: "+" for a creation, "~" for each change."""
    manager = model.history
    manager.bulk_history_create(created)
    if changed:
        manager.bulk_history_create(list(changed), update=True)


def _numbers(rng: random.Random, ranges: Sequence[tuple[int, int]]) -> list[int]:
    return [rng.randint(low, high) for low, high in ranges]


def _due_text(due: datetime.date) -> str:
    if due.month == 12:
        return f"{due.year}年底前"
    return f"{due.year}年{due.month}月底前"


def _half_label(start: datetime.date) -> str:
    return f"{start.year}年{'上' if start.month < 7 else '下'}半年"


# ---------------------------------------------------------------------------
# 公开承诺: filing, approval, publication and progress (bulk)
# ---------------------------------------------------------------------------


@dataclass
class _Filed:
    """A pledge as filed, with everything written for it and the people who did it."""

    pledge: Pledge
    filer: User
    decider: User | None
    diligence: float
    items: list[PledgeItem] = field(default_factory=list)
    opinions: list[Opinion] = field(default_factory=list)
    entries: dict[int, list[ProgressEntry]] = field(default_factory=dict)  # by item order
    late: list[int] = field(default_factory=list)  # orders of items left undone
    history: list = field(default_factory=list)  # "~" snapshots of the pledge
    last_recorded: datetime.date | None = None

    @property
    def is_published(self) -> bool:
        return self.pledge.published_version > 0


# The share of unpublished pledgers who never started, left a draft, are waiting for
# approval or were returned.
UNPUBLISHED_FATES = (("none", 45), ("draft", 25), ("submitted", 18), ("returned", 12))
CHANNELS = (
    (PublicationChannel.NOTICE_BOARD, 50),
    (PublicationChannel.MEETING, 30),
    (PublicationChannel.DOCUMENT, 10),
    (PublicationChannel.WEBSITE, 7),
    (PublicationChannel.TELEVISION, 3),
)
OPINION_METHODS = (
    (Opinion.Method.FORUM, 45),
    (Opinion.Method.VISIT, 30),
    (Opinion.Method.QUESTIONNAIRE, 12),
    (Opinion.Method.SUGGESTION_BOX, 10),
    (Opinion.Method.ONLINE, 3),
)
# Month-ends items fall due on, with weights: every half-year of the campaign has some.
DUE_POINTS = (
    ((2010, 12, 31), 2),
    ((2011, 6, 30), 2),
    ((2011, 12, 31), 3),
    ((2012, 6, 30), 2),
    ((2012, 9, 30), 1),
    ((2012, 10, 31), 2),
)


def _weighted(rng: random.Random, choices: Sequence[tuple]) -> object:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _pledges_file(world: _World) -> list[_Filed]:
    rng = world.rng("pledges")
    filed: list[_Filed] = []
    for organization in world.organizations:
        filer = world.officials.get(organization.pk)
        if filer is None:
            continue  # nobody to file for it: it stays uncovered
        diligence = world.diligence[organization.pk]
        decider = world.superior(organization)
        share = min(0.98, diligence + 0.1)
        fate = "published" if rng.random() < share else _weighted(rng, UNPUBLISHED_FATES)
        if fate != "none":
            filed.append(_pledge_plan(world, rng, organization, None, filer, decider, fate, diligence))
        for member in world.members.get(organization.pk, []):
            # A member with an account files their own pledge; the branch decides on it.
            own = world.member_users.get(member.pk)
            member_filer, member_decider = filer, decider
            if (
                own is not None
                and own.pk != filer.pk
                and may_file(own, Pledge(organization=organization, member=member))
            ):
                member_filer, member_decider = own, filer
            fate = "published" if rng.random() < diligence else _weighted(rng, UNPUBLISHED_FATES)
            if fate != "none":
                filed.append(
                    _pledge_plan(world, rng, organization, member, member_filer, member_decider, fate, diligence)
                )
    _pledges_insert(world, filed)
    return filed


def _pledge_plan(
    world: _World,
    rng: random.Random,
    organization: Organization,
    member: Member | None,
    filer: User,
    decider: User | None,
    fate: str,
    diligence: float,
) -> _Filed:
    start = world.starts_on
    if fate == "published":
        created_on = _between(rng, start + _days(15), start + _days(60 if member is None else 90))
    elif rng.random() < 0.5:
        created_on = _between(rng, start + _days(40), start + _days(150))  # stuck since the start
    else:
        created_on = _between(rng, world.ends_on - _days(120), world.ends_on - _days(2))  # late starters
    if member is None:
        kind = _weighted(rng, ((PledgeKind.LONG_TERM, 55), (PledgeKind.ANNUAL, 45)))
        title = f"{organization.name}创先争优公开承诺"
    else:
        kind = _weighted(rng, ((PledgeKind.ANNUAL, 85), (PledgeKind.LONG_TERM, 10), (PledgeKind.IMMEDIATE, 5)))
        title = f"{member.name}同志创先争优公开承诺"
    created = _at(created_on, 9, rng.randint(0, 59))
    pledge = Pledge(
        campaign=world.campaign,
        organization=organization,
        member=member,
        kind=kind,
        title=title,
        state=PledgeState.DRAFT,
        created_by=filer,
        created_at=created,
        updated_at=created,
    )
    plan = _Filed(pledge=pledge, filer=filer, decider=decider, diligence=diligence)
    if not may_file(filer, pledge):
        raise RuntimeError(f"{filer} may not file for {pledge.pledger_name}")

    if member is None or rng.random() < 0.3:
        summary = rng.choice(texts.OPINIONS_BY_SECTOR.get(organization.sector, texts.OPINIONS_BY_SECTOR[Sector.OTHER]))
        plan.opinions.append(
            Opinion(
                pledge=pledge,
                solicited_on=created_on - _days(rng.randint(3, 15)),
                method=_weighted(rng, OPINION_METHODS),
                summary=summary,
            )
        )
    plan.items = _pledge_items(world, rng, pledge, member is None, organization.sector)

    # The life cycle up to now, step by step, as pledges.lifecycle would have moved it.
    if fate == "draft":
        return plan
    moment = _at(min(world.ends_on, created_on + _days(rng.randint(2, 8))), 10, rng.randint(0, 59))
    if fate == "published" and decider is not None and rng.random() < 0.1:
        # Returned once with a reason, then submitted again.
        _submit(plan, moment)
        moment = _at(moment.date() + _days(rng.randint(1, 4)), 15, rng.randint(0, 59))
        _return(plan, moment, rng)
        moment = _at(moment.date() + _days(rng.randint(2, 6)), 10, rng.randint(0, 59))
    _submit(plan, moment)
    if fate == "submitted" or decider is None:
        return plan
    moment = _at(min(world.ends_on, moment.date() + _days(rng.randint(1, 6))), 15, rng.randint(0, 59))
    if fate == "returned":
        _return(plan, moment, rng)
        return plan
    if not may_decide(decider, pledge):
        raise RuntimeError(f"{decider} may not decide on {pledge.pledger_name}")
    _step(plan, moment, decider, state=PledgeState.APPROVED, decided_at=moment, decided_by=decider)
    published_on = moment.date() + _days(rng.randint(1, 5))
    _step(
        plan,
        _at(published_on, 11, rng.randint(0, 59)),
        filer,
        state=PledgeState.PUBLISHED,
        published_on=published_on,
        publication_channel=_weighted(rng, CHANNELS),
        published_version=1,
    )
    _progress_plan(world, rng, plan)
    return plan


def _submit(plan: _Filed, moment: datetime.datetime) -> None:
    _step(
        plan,
        moment,
        plan.filer,
        state=PledgeState.SUBMITTED,
        submitted_at=moment,
        submitted_by=plan.filer,
        return_reason="",
    )


def _return(plan: _Filed, moment: datetime.datetime, rng: random.Random) -> None:
    _step(
        plan,
        moment,
        plan.decider,
        state=PledgeState.RETURNED,
        decided_at=moment,
        decided_by=plan.decider,
        return_reason=rng.choice(texts.RETURN_REASONS),
    )


def _step(plan: _Filed, moment: datetime.datetime, user: User, **fields) -> None:
    """Move the working copy one transition on and keep the snapshot the history row shows."""
    for name, value in fields.items():
        setattr(plan.pledge, name, value)
    plan.pledge.updated_at = moment
    plan.history.append(_snapshot(plan.pledge, moment, user, **fields))


def _pledge_items(
    world: _World, rng: random.Random, pledge: Pledge, for_organization: bool, sector: str
) -> list[PledgeItem]:
    if for_organization:
        common, by_sector, dimensions = (
            texts.ORGANIZATION_ITEMS_COMMON,
            texts.ORGANIZATION_ITEMS_BY_SECTOR,
            world.organization_dimensions,
        )
        count = rng.randint(3, 5)
    else:
        common, by_sector, dimensions = texts.MEMBER_ITEMS_COMMON, texts.MEMBER_ITEMS_BY_SECTOR, world.member_dimensions
        count = rng.randint(2, 3)
    # The sector's own work first, then other dimensions, one item each.
    chosen = [rng.choice(by_sector.get(sector) or by_sector[Sector.OTHER])]
    for text in rng.sample(common, len(common)):
        if len(chosen) == count:
            break
        if all(text.dimension != other.dimension for other in chosen):
            chosen.append(text)
    items = []
    for order, text in enumerate(chosen):
        due = datetime.date(*_weighted(rng, DUE_POINTS))
        due = world.within(max(due, pledge.created_at.date() + _days(60)))
        numbers = _numbers(rng, text.numbers)
        values = {"due": _due_text(due)}
        items.append(
            PledgeItem(
                pledge=pledge,
                order=order,
                target=text.target.format(*numbers, **values),
                work=text.work.format(*numbers, **values),
                practical_things=text.practical.format(*numbers, **values),
                dimension=dimensions[text.dimension] if text.dimension < len(dimensions) else None,
                due_date=due,
                measurable_result=text.result.format(*numbers, **values),
            )
        )
    return items


def _progress_plan(world: _World, rng: random.Random, plan: _Filed) -> None:
    """Which items get done and when, and the progress entries on the way (践诺)."""
    published_on = plan.pledge.published_on
    end = world.ends_on
    done_share = 0.45 + 0.5 * plan.diligence
    first_entry = None
    for item in plan.items:
        start = published_on + _days(10)
        if rng.random() < done_share:
            if rng.random() < 0.12 and item.due_date < end:
                done_on = min(end, item.due_date + _days(rng.randint(5, 60)))  # done, but late
            else:
                done_on = item.due_date - _days(rng.randint(0, 75))
            done_on = min(end, max(done_on, published_on + _days(15)))
        else:
            done_on = None
            plan.late.append(item.order)
        last = done_on or min(end, max(start, item.due_date + _days(rng.randint(-60, 120))))
        count = rng.randint(1, 2) if done_on else (rng.randint(1, 2) if rng.random() < 0.85 else 0)
        days = sorted(_between(rng, start, last - _days(1)) for _ in range(count))
        notes = texts.PROGRESS_NOTES + (texts.PROJECT_PROGRESS_NOTES if item.order == 0 else ())
        entries = []
        for index, day in enumerate(days):
            percent = min(90, 20 + 30 * index + rng.randint(0, 20))
            note = rng.choice(notes).format(percent, rng.randint(5, 30), rng.randint(2, 12))
            entries.append(_entry(item, day, note, False, plan.filer))
        if done_on:
            item.completed_on = done_on
            entries.append(_entry(item, done_on, rng.choice(texts.PROGRESS_DONE_NOTES), True, plan.filer))
        plan.entries[item.order] = entries
        for entry in entries:
            if first_entry is None or entry.recorded_on < first_entry:
                first_entry = entry.recorded_on
            if plan.last_recorded is None or entry.recorded_on > plan.last_recorded:
                plan.last_recorded = entry.recorded_on
    if first_entry is not None:
        # pledges.progress.progress_record starts the pledge's 践诺 with its first entry.
        _step(plan, _at(first_entry, 17, 30), plan.filer, state=PledgeState.IN_PROGRESS)


def _entry(item: PledgeItem, day: datetime.date, text: str, done: bool, by: User) -> ProgressEntry:
    return ProgressEntry(
        item=item,
        recorded_on=day,
        text=text,
        marks_done=done,
        recorded_by=by,
        created_at=_at(day, 17),
    )


def _pledges_insert(world: _World, filed: list[_Filed]) -> None:
    # The pledge goes in as it stands now; its first history row is the draft as created.
    _insert(Pledge, [plan.pledge for plan in filed], stamped=("created_at", "updated_at"))
    drafts = []
    for plan in filed:
        pledge = plan.pledge
        drafts.append(
            _snapshot(
                pledge,
                pledge.created_at,
                plan.filer,
                state=PledgeState.DRAFT,
                submitted_at=None,
                submitted_by=None,
                decided_at=None,
                decided_by=None,
                return_reason="",
                published_on=None,
                publication_channel="",
                published_version=0,
            )
        )
        for snapshot in plan.history:
            snapshot.id = pledge.pk
    _history(Pledge, drafts, [snapshot for plan in filed for snapshot in plan.history])

    opinions = [opinion for plan in filed for opinion in plan.opinions]
    _insert(Opinion, opinions)
    _history(Opinion, [_snapshot(o, o.pledge.created_at, o.pledge.created_by) for o in opinions])

    items = [item for plan in filed for item in plan.items]
    _insert(PledgeItem, items)
    item_created, item_done = [], []
    for plan in filed:
        for item in plan.items:
            moment = plan.pledge.created_at + datetime.timedelta(minutes=5 + item.order)
            item_created.append(_snapshot(item, moment, plan.filer, completed_on=None))
            if item.completed_on:
                item_done.append(
                    _snapshot(item, _at(item.completed_on, 17, 30), plan.filer, completed_on=item.completed_on)
                )
    _history(PledgeItem, item_created, item_done)

    entries = [entry for plan in filed for item_entries in plan.entries.values() for entry in item_entries]
    _insert(ProgressEntry, entries, stamped=("created_at",))
    _history(ProgressEntry, [_snapshot(entry, entry.created_at, entry.recorded_by) for entry in entries])

    versions = []
    for plan in filed:
        if not plan.is_published:
            continue
        pledge = plan.pledge
        versions.append(
            PledgeVersion(
                pledge=pledge,
                number=1,
                content=_content(plan),
                published_on=pledge.published_on,
                publication_channel=pledge.publication_channel,
                published_by=plan.filer,
                created_at=_at(pledge.published_on, 11),
            )
        )
    _insert(PledgeVersion, versions, stamped=("created_at",))
    world.counts["pledges"] += len(filed)
    world.counts["published_pledges"] += len(versions)
    world.counts["progress_entries"] += len(entries)


def _content(plan: _Filed) -> dict:
    """The pledge as pledges.lifecycle freezes it on publication, from the rows at hand
    instead of two queries a pledge (the demo's test holds this to pledge_content for
    every version)."""
    return version_content(
        pledge=plan.pledge,
        opinions=sorted(plan.opinions, key=lambda opinion: (opinion.solicited_on, opinion.pk)),
        items=sorted(plan.items, key=lambda item: (item.order, item.pk)),
    )


# ---------------------------------------------------------------------------
# 挂牌督办 of late items, assessment, and rectification of pledges poorly kept (services)
# ---------------------------------------------------------------------------


def _supervise_late_items(world: _World, filed: list[_Filed]) -> None:
    """The office lists a few late items of lagging organizations for supervision: some
    are then done and the supervision closed (销号), the others are still open."""
    rng = world.rng("supervision")
    latest_due = world.ends_on - _days(150)
    candidates = [
        (plan, item)
        for plan in filed
        if plan.is_published
        for item in plan.items
        if item.order in plan.late and item.due_date <= latest_due
    ]
    candidates.sort(key=lambda pair: (pair[0].diligence, pair[1].pk))
    chosen = candidates[:12]
    rng.shuffle(chosen)
    for index, (plan, item) in enumerate(chosen):
        organization = plan.pledge.organization
        cluster = world.clusters[organization.pk]
        supervisor = world.office
        cluster_official = world.officials.get(cluster.pk)
        if index % 2 and cluster_official is not None and cluster.pk != organization.pk:
            supervisor = cluster_official
        opened_on = item.due_date + _days(rng.randint(20, 45))
        with _clock(_at(opened_on, 10)):
            supervision = supervision_open(
                item_or_rectification=item,
                supervisor=supervisor,
                deadline=opened_on + _days(rng.randint(30, 60)),
                notes=rng.choice(texts.SUPERVISION_NOTES),
                by=world.office,
            )
        world.counts["supervisions"] += 1
        noted_on = opened_on + _days(rng.randint(10, 25))
        with _clock(_at(noted_on, 16)):
            follow_up_add(
                supervision=supervision, noted_on=noted_on, note=rng.choice(texts.FOLLOW_UP_NOTES), by=supervisor
            )
        if index < len(chosen) // 2:
            # Done after the follow-up, through the progress service, then 销号.
            done_on = min(world.ends_on - _days(10), noted_on + _days(rng.randint(10, 40)))
            with _clock(_at(done_on, 17)):
                progress_record(
                    item=item,
                    by=plan.filer,
                    recorded_on=done_on,
                    text=rng.choice(texts.PROGRESS_LATE_NOTES),
                    marks_done=True,
                )
            plan.late.remove(item.order)
            plan.last_recorded = max(plan.last_recorded or done_on, done_on)
            world.counts["progress_entries"] += 1
            with _clock(_at(done_on + _days(rng.randint(2, 6)), 10)):
                supervision_close(
                    supervision=supervision, closing_note=texts.SUPERVISION_CLOSING_NOTES[0], by=supervisor
                )


def _assess_pledges(world: _World, filed: list[_Filed]) -> None:
    """总结表彰: in the campaign's last months the superiors assess a share of the
    pledges; poorly kept ones get a rectification task."""
    rng = world.rng("assessment")
    summing_up = world.ends_on - _days(60)
    for plan in filed:
        if not plan.is_published or plan.decider is None:
            continue
        share = (0.35 if plan.pledge.member_id is None else 0.15) + 0.4 * plan.diligence
        if rng.random() >= share:
            continue
        day = max(
            summing_up + _days(rng.randint(0, 40)), (plan.last_recorded or summing_up) + _days(rng.randint(3, 15))
        )
        if day > world.ends_on:
            continue
        late = len(plan.late)
        if not late:
            fulfillment = Fulfillment.FULFILLED
        elif late * 2 <= len(plan.items):
            fulfillment = Fulfillment.PARTLY
        else:
            fulfillment = Fulfillment.NOT_FULFILLED
        comment = rng.choice(texts.ASSESSMENT_COMMENTS[fulfillment]).format(late)
        with _clock(_at(day, 15, rng.randint(0, 59))):
            pledge_assess(pledge=plan.pledge, by=plan.decider, fulfillment=fulfillment, comment=comment)
        world.counts["assessed_pledges"] += 1
        if fulfillment == Fulfillment.FULFILLED or (fulfillment == Fulfillment.PARTLY and rng.random() < 0.5):
            continue
        _pledge_rectification(world, rng, plan, day + _days(1), opened=fulfillment == Fulfillment.NOT_FULFILLED)


def _pledge_rectification(
    world: _World, rng: random.Random, plan: _Filed, day: datetime.date, *, opened: bool = False
) -> None:
    """A pledge poorly kept gets a task: the education task its assessment opened when it
    was not fulfilled (``opened``), a task the unit opens itself when partly fulfilled."""
    pledge = plan.pledge
    if opened:
        rectification = Rectification.objects.filter(
            source=RectificationSource.PLEDGE, campaign=world.campaign, organization=pledge.organization
        ).latest("pk")
    else:
        item = next(item for item in plan.items if item.order in plan.late)
        owner = pledge.member.name if pledge.member_id else world.secretary_name(pledge.organization)
        with _clock(_at(day, 10)):
            rectification = rectification_create(
                campaign=world.campaign,
                organization=pledge.organization,
                member=pledge.member,
                source=RectificationSource.PLEDGE,
                pledge_item=item,
                category="承诺兑现",
                problem=f"承诺事项“{item.target}”未按期兑现。",
                measure=texts.PLEDGE_RECTIFICATION_MEASURE,
                owner=owner,
                deadline=day + _days(30),
                by=plan.filer,
            )
    solved_on = day + _days(rng.randint(8, 28))
    if rng.random() < 0.45 and solved_on <= world.ends_on:
        with _clock(_at(solved_on, 16)):
            rectification_report_done(
                rectification=rectification,
                result=texts.PLEDGE_RECTIFICATION_RESULT,
                solved_on=solved_on,
                by=plan.filer,
            )


def _rectify_found_problems(world: _World) -> None:
    """集中核查: problems found in a good share of organizations, each with a task; most
    solved (some late) and published to the masses, some under way, some untouched and
    a few of those under supervision."""
    rng = world.rng("found-problems")
    for organization in world.organizations:
        filer = world.officials.get(organization.pk)
        diligence = world.diligence[organization.pk]
        if filer is None or rng.random() >= 0.45:
            continue
        for _ in range(2 if rng.random() < 0.15 else 1):
            if rng.random() < 0.7:
                created_on = _between(rng, datetime.date(2010, 9, 1), datetime.date(2010, 12, 31))
            else:
                created_on = _between(rng, world.ends_on - _days(90), world.ends_on - _days(3))
            created_on = world.within(created_on)
            category, problem, measure, result = rng.choice(texts.FOUND_PROBLEMS)
            deadline = created_on + _days(rng.randint(30, 120))
            with _clock(_at(created_on, 10)):
                rectification = rectification_create(
                    campaign=world.campaign,
                    organization=organization,
                    category=category,
                    problem=problem,
                    measure=measure,
                    owner=world.secretary_name(organization),
                    deadline=deadline,
                    by=filer,
                )
            roll = rng.random()
            solved_on = (
                deadline - _days(rng.randint(0, 25)) if rng.random() > 0.15 else deadline + _days(rng.randint(5, 40))
            )
            solved_on = max(solved_on, created_on + _days(5))
            if roll < 0.5 + 0.35 * diligence and solved_on <= world.ends_on:
                with _clock(_at(solved_on, 16)):
                    rectification_report_done(rectification=rectification, result=result, solved_on=solved_on, by=filer)
                published_on = solved_on + _days(rng.randint(3, 10))
                if rng.random() < 0.6:
                    with _clock(_at(published_on, 9)):
                        rectification_publish(rectification=rectification, by=filer, published_on=published_on)
                continue
            if rng.random() < 0.45:
                with _clock(_at(created_on + _days(rng.randint(5, 20)), 10)):
                    rectification_update(rectification=rectification, status=RectificationStatus.IN_PROGRESS, by=filer)
            opened_on = deadline + _days(rng.randint(5, 20))
            if rng.random() < 0.6 and opened_on <= world.ends_on - _days(10) and organization.pk != world.county.pk:
                with _clock(_at(opened_on, 10)):
                    supervision = supervision_open(
                        item_or_rectification=rectification,
                        supervisor=world.office,
                        deadline=opened_on + _days(30),
                        notes=rng.choice(texts.SUPERVISION_NOTES),
                        by=world.office,
                    )
                world.counts["supervisions"] += 1
                noted_on = opened_on + _days(rng.randint(5, 10))
                with _clock(_at(noted_on, 15)):
                    follow_up_add(
                        supervision=supervision,
                        noted_on=noted_on,
                        note=rng.choice(texts.FOLLOW_UP_NOTES),
                        by=world.office,
                    )


# ---------------------------------------------------------------------------
# 领导点评: reviews each half-year (bulk, or the service when rectification is needed)
# ---------------------------------------------------------------------------

REVIEW_FORMS = (
    (ReviewForm.MEETING, 30),
    (ReviewForm.REGULAR, 20),
    (ReviewForm.TALK, 20),
    (ReviewForm.ON_SITE, 15),
    (ReviewForm.RANDOM, 8),
    (ReviewForm.PHONE, 5),
    (ReviewForm.ONLINE, 2),
)


def _review_periods(world: _World) -> list[tuple[datetime.date, datetime.date]]:
    """The review periods of the campaign, from the first that starts within it: the
    months of mobilization before it are not held against anyone."""
    periods = []
    start = period_start(world.campaign, world.starts_on)
    while start <= world.ends_on:
        end = period_end(world.campaign, start)
        if start >= world.starts_on:
            periods.append((start, end))
        start = end + _days(1)
    return periods


def _review(world: _World) -> None:
    rng = world.rng("reviews")
    pairs = review_subjects_in([world.county])
    reviews: list[Review] = []
    sections: list[ReviewSection] = []
    periods = _review_periods(world)
    for start, end in periods:
        first, last = max(start, world.starts_on), min(end, world.ends_on)
        rates: dict[int, float] = {}
        for reviewer_organization, subject in pairs:
            reviewer = world.officials.get(reviewer_organization.pk)
            if reviewer is None:
                continue
            if reviewer_organization.pk not in rates:
                diligence = world.diligence.get(reviewer_organization.pk, DEFAULT_DILIGENCE)
                rate = 0.15 + 0.65 * diligence + rng.uniform(-0.08, 0.05)
                rates[reviewer_organization.pk] = min(0.9, max(0.45, rate))
            if rng.random() >= rates[reviewer_organization.pk]:
                continue
            if not may_review(reviewer, subject.organization, subject.member):
                continue  # a secretary does not review themselves
            span = (last - first).days
            reviewed_on = first + _days(round(rng.triangular(0, span, span * 0.8)))
            requires = rng.random() < 0.01 + 0.04 * (1 - world.diligence[subject.organization.pk])
            texts_by_dimension = _review_sections(world, rng, subject.member, requires)
            form = _weighted(rng, REVIEW_FORMS)
            if requires:
                _review_with_rectification(world, rng, reviewer, subject, form, reviewed_on, texts_by_dimension)
                continue
            moment = _at(reviewed_on, 16)
            review = Review(
                campaign=world.campaign,
                period_start=period_start(world.campaign, reviewed_on),
                reviewer=reviewer,
                reviewer_organization=reviewer_organization,
                organization=subject.organization,
                member=subject.member,
                form=form,
                reviewed_on=reviewed_on,
                created_at=moment,
                updated_at=moment,
            )
            reviews.append(review)
            for dimension, text in texts_by_dimension.items():
                sections.append(ReviewSection(review=review, dimension=dimension, **text))
            # The subject confirms having read it (确认阅知): organizations mostly do.
            reader = (
                world.member_users.get(subject.member.pk)
                if subject.member
                else world.officials.get(subject.organization.pk)
            )
            if reader is not None and rng.random() < 0.75:
                review.acknowledged_at = _at(reviewed_on + _days(rng.randint(1, 10)), 9, rng.randint(0, 59))
                review.acknowledged_by = reader
                review.updated_at = review.acknowledged_at
    _insert(Review, reviews, stamped=("created_at", "updated_at"))
    # Each review once as written and, if acknowledged, once more as acknowledged.
    created = [
        _snapshot(review, review.created_at, review.reviewer, acknowledged_at=None, acknowledged_by=None)
        if review.acknowledged_at
        else _snapshot(review, review.created_at, review.reviewer)
        for review in reviews
    ]
    acknowledged = [
        _snapshot(review, review.acknowledged_at, review.acknowledged_by)
        for review in reviews
        if review.acknowledged_at
    ]
    _history(Review, created, acknowledged)
    _insert(ReviewSection, sections)
    _history(
        ReviewSection, [_snapshot(section, section.review.created_at, section.review.reviewer) for section in sections]
    )
    world.counts["reviews"] += len(reviews)
    # The daily job, as it ran the day after each period (reviews.tasks.mark_overdue_reviews).
    for _start, end in periods:
        world.counts["overdue_reviews"] += overdue_reviews_mark(today=end + _days(1))


def _review_sections(
    world: _World, rng: random.Random, member: Member | None, requires: bool
) -> dict[StandardDimension, dict]:
    dimensions = world.member_dimensions if member else world.organization_dimensions
    lines = texts.MEMBER_REVIEW_LINES if member else texts.ORGANIZATION_REVIEW_LINES
    problems_at = set(rng.sample(range(len(dimensions)), k=min(len(dimensions), 2 if requires else rng.randint(0, 2))))
    sections = {}
    for index, dimension in enumerate(dimensions):
        achievement, problem, direction = lines[index % len(lines)]
        has_problem = index in problems_at
        if requires and has_problem:
            grade = _weighted(rng, ((Grade.FAIR, 60), (Grade.POOR, 40)))
        elif has_problem:
            grade = _weighted(rng, ((Grade.GOOD, 60), (Grade.FAIR, 40)))
        else:
            grade = _weighted(rng, ((Grade.EXCELLENT, 35), (Grade.GOOD, 55), (Grade.FAIR, 10)))
        sections[dimension] = {
            "achievements": achievement if not requires or not has_problem else "",
            "problems": problem if has_problem else "",
            "direction": direction if has_problem else "",
            "grade": grade,
        }
    return sections


def _review_with_rectification(
    world: _World,
    rng: random.Random,
    reviewer: User,
    subject: Subject,
    form: str,
    reviewed_on: datetime.date,
    texts_by_dimension: dict[StandardDimension, dict],
) -> None:
    """Through the service, which opens the rectification task with the review; most
    tasks are then solved, the rest are still open."""
    deadline = reviewed_on + _days(rng.randint(30, 60))
    with _clock(_at(reviewed_on, 16, rng.randint(0, 59))):
        review = review_create(
            campaign=world.campaign,
            organization=subject.organization,
            member=subject.member,
            form=form,
            reviewed_on=reviewed_on,
            sections={dimension.pk: text for dimension, text in texts_by_dimension.items()},
            requires_rectification=True,
            rectification_deadline=deadline,
            by=reviewer,
        )
    world.counts["reviews"] += 1
    solved_on = deadline - _days(rng.randint(0, 20))
    if rng.random() < 0.7 and solved_on <= world.ends_on:
        with _clock(_at(solved_on, 16)):
            rectification_report_done(
                rectification=review.rectification,
                result="已对照点评意见逐项整改，整改情况已向上级党组织报告。",
                solved_on=solved_on,
                by=reviewer,
            )


# ---------------------------------------------------------------------------
# 群众评议: rounds, secret ballots, paper tally sheets, tallies (services)
# ---------------------------------------------------------------------------


@dataclass
class _Subject:
    subject: EvaluationSubject
    satisfaction: float  # the share of evaluators who would answer 满意 or 基本满意
    unknown: float  # the share who do not know the subject (不了解)


def _evaluation_halves(world: _World) -> list[tuple[datetime.date, datetime.date]]:
    """The half-year of the speech and the campaign's last one (months clipped to the campaign)."""
    halves = []
    for day in (world.within(SPEECH_DATE), world.ends_on):
        start = datetime.date(day.year, 1 if day.month < 7 else 7, 1)
        end = datetime.date(day.year, 6, 30) if day.month < 7 else datetime.date(day.year, 12, 31)
        half = (max(start, world.starts_on), min(end, world.ends_on))
        if half not in halves:
            halves.append(half)
    return halves


def _round_organizations(world: _World, first: bool) -> list[Organization]:
    """The first time, the township committees and the largest branch of six clusters;
    the last time, every cluster, its largest branch and, where work goes well, the next."""
    rng = world.rng(f"round-organizations:{first}")
    clusters = [
        organization
        for organization in world.organizations
        if organization.parent_id == world.county.pk and world.members.get(organization.pk)
    ]
    branches_by_cluster: dict[int, list[Organization]] = defaultdict(list)
    for organization in world.organizations:
        if organization.kind == OrganizationKind.BRANCH and world.members.get(organization.pk):
            branches_by_cluster[world.clusters[organization.pk].pk].append(organization)
    for branches in branches_by_cluster.values():
        branches.sort(key=lambda branch: (-len(world.members[branch.pk]), branch.path))
    chosen = []
    if first:
        chosen += [cluster for cluster in clusters if cluster.kind == OrganizationKind.COMMITTEE]
        for cluster in rng.sample(clusters, k=min(6, len(clusters))):
            chosen += branches_by_cluster[cluster.pk][:1]
    else:
        for cluster in clusters:
            chosen.append(cluster)
            count = 2 if world.diligence[cluster.pk] >= 0.9 else 1
            chosen += branches_by_cluster[cluster.pk][:count]
    return sorted(
        {organization.pk: organization for organization in chosen if organization.pk in world.officials}.values(),
        key=lambda o: o.path,
    )


def _evaluate(world: _World) -> None:
    rng = world.rng("evaluation")
    halves = _evaluation_halves(world)
    for index, (first, last) in enumerate(halves):
        for organization in _round_organizations(world, first=index == 0):
            _evaluation_round(world, rng, organization, first, last)


def _evaluation_round(
    world: _World, rng: random.Random, organization: Organization, first: datetime.date, last: datetime.date
) -> None:
    runner = world.officials[organization.pk]
    diligence = world.diligence[organization.pk]
    members = world.members[organization.pk]
    # Briefing in the half's last weeks, a few days of evaluation, the tally next morning.
    latest_close = min(last, world.ends_on - _days(6))
    briefing_on = _between(rng, latest_close - _days(30), latest_close - _days(8))
    opens_at = _at(briefing_on, 9)
    closes_at = _at(briefing_on + _days(rng.randint(3, 7)), 18)
    period = _half_label(first)
    # Codes go to the party members who vote on a phone: few in 2010, more by 2012;
    # the others, and the masses' representatives, vote on paper.
    codes = rng.randint(3, 5) if first.year <= 2010 else rng.randint(5, 9)
    party_members = len(members) + (rng.randint(8, 20) if organization.kind != OrganizationKind.BRANCH else 0)
    with _clock(opens_at - datetime.timedelta(days=3)):
        evaluation_round = round_create(
            campaign=world.campaign,
            organization=organization,
            period=period,
            briefing_on=briefing_on,
            briefing_kind=_weighted(rng, ((BriefingKind.BRIEFING, 60), (BriefingKind.FORUM, 40))),
            briefing_summary=rng.choice(texts.BRIEFING_SUMMARIES).format(period=period),
            opens_at=opens_at,
            closes_at=closes_at,
            categories={EvaluatorCategory.PARTY_MEMBER: codes},
            by=runner,
        )
    with _clock(opens_at):
        round_open(evaluation_round=evaluation_round, by=runner)
    world.counts["rounds"] += 1

    subjects = []
    weak_member = None
    if len(members) > 1 and rng.random() < 0.55 - 0.35 * diligence:
        weak_member = rng.choice(members[1:]).pk  # rarely the secretary
    weak_organization = first.year == 2010 and rng.random() < 0.25 * (1 - diligence)
    for subject in EvaluationSubject.objects.filter(round=evaluation_round).order_by("order", "pk"):
        weak = subject.member_id == weak_member if subject.member_id else weak_organization
        satisfaction = rng.uniform(0.68, 0.84) if weak else rng.uniform(0.94, 1.0)
        subjects.append(_Subject(subject, satisfaction, 0.02 if subject.member_id is None else 0.06))

    # Evaluators with codes vote on their phones (reviews.ballots, secret by design);
    # the demo holds the slips as they would, and keeps nothing of which code voted how.
    slips = sorted(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
    used = round(len(slips) * (rng.uniform(0.2, 0.6) if first.year <= 2010 else rng.uniform(0.7, 0.95)))
    window = (closes_at - opens_at).total_seconds()
    for number, code in enumerate(slips[:used]):
        choices, comments = {}, {}
        for entry in subjects:
            choices[entry.subject.pk] = _ballot_choice(rng, entry)
            if entry.subject.member_id is None and rng.random() < 0.08:
                comments[entry.subject.pk] = rng.choice(texts.BALLOT_COMMENTS)
        with _clock(opens_at + datetime.timedelta(seconds=window * (number + 1) / (used + 2))):
            ballot_cast(code=code, choices=choices, comments=comments)
    world.counts["online_forms"] += used

    # Representatives of the masses vote on paper; the secretary enters the tally sheets.
    # A committee is evaluated by party representatives and 两代表一委员, a branch by its
    # own members; the staff of organs and institutions stand in for the masses there.
    if organization.kind == OrganizationKind.BRANCH:
        paper = {EvaluatorCategory.PARTY_MEMBER: max(0, party_members - used)}
    else:
        paper = {EvaluatorCategory.REPRESENTATIVE: rng.randint(6, 12)}
    masses = EvaluatorCategory.PUBLIC
    if organization.sector in (Sector.ORGAN, Sector.INSTITUTION):
        masses = EvaluatorCategory.STAFF
    paper[masses] = rng.randint(15, 40)
    with _clock(closes_at - datetime.timedelta(hours=2)):
        for category, forms in paper.items():
            counts = {}
            for entry in subjects:
                counts.update(_paper_counts(rng, entry, forms))
            paper_tally_enter(
                evaluation_round=evaluation_round, category=category, forms=forms, counts=counts, by=runner
            )
    world.counts["paper_forms"] += sum(paper.values())

    # Closed at its time and tallied, as reviews.rounds.round_close and the tally task
    # would; the task is not queued, the tally runs here.
    if not may_run_round(runner, organization):
        raise RuntimeError(f"{runner} may not run the rounds of {organization}")
    with _clock(closes_at):
        round_transition(evaluation_round, "close", closed_at=closes_at)
    tallied_on = closes_at.date() + _days(1)
    with _clock(_at(tallied_on, 9)):
        round_tally(round_id=evaluation_round.pk)
    if rng.random() < 0.8:
        with _clock(_at(tallied_on + _days(rng.randint(1, 3)), 10)):
            round_publish(evaluation_round=evaluation_round, by=runner)

    # 补课整改: most tasks done in time, some late, some still open.
    remedials = RemedialRectification.objects.filter(round=evaluation_round).select_related("rectification")
    for remedial in remedials.order_by("pk"):
        world.counts["remedial_rectifications"] += 1
        rectification = remedial.rectification
        roll = rng.random()
        if roll < 0.6:
            solved_on = _between(rng, tallied_on + _days(5), rectification.deadline)
        elif roll < 0.75:
            solved_on = rectification.deadline + _days(rng.randint(3, 30))
        else:
            continue
        if solved_on > world.ends_on and tallied_on + _days(5) <= world.ends_on:
            solved_on = _between(rng, tallied_on + _days(3), world.ends_on)
        if solved_on > world.ends_on:
            continue
        with _clock(_at(solved_on, 16)):
            rectification_report_done(
                rectification=rectification, result=rng.choice(texts.REMEDIAL_RESULTS), solved_on=solved_on, by=runner
            )


def _ballot_choice(rng: random.Random, entry: _Subject) -> str:
    if rng.random() < entry.unknown:
        return Choice.UNKNOWN
    if rng.random() >= entry.satisfaction:
        return Choice.DISSATISFIED
    return Choice.SATISFIED if rng.random() < 0.8 else Choice.BASICALLY_SATISFIED


def _paper_counts(rng: random.Random, entry: _Subject, forms: int) -> dict[tuple[int, str], int]:
    unknown = round(forms * entry.unknown * rng.uniform(0.5, 1.5))
    known = forms - unknown
    dissatisfied = round(known * (1 - entry.satisfaction) * rng.uniform(0.8, 1.2))
    dissatisfied = min(dissatisfied, known)
    basically = round((known - dissatisfied) * rng.uniform(0.1, 0.3))
    satisfied = known - dissatisfied - basically
    pk = entry.subject.pk
    return {
        (pk, Choice.SATISFIED): satisfied,
        (pk, Choice.BASICALLY_SATISFIED): basically,
        (pk, Choice.DISSATISFIED): dissatisfied,
        (pk, Choice.UNKNOWN): unknown,
    }


# ---------------------------------------------------------------------------
# 信息上报: reports every month (bulk), some adopted by the media
# ---------------------------------------------------------------------------

ADOPTION_LEVELS = (
    (AdoptionLevel.COUNTY, 60),
    (AdoptionLevel.CITY, 25),
    (AdoptionLevel.PROVINCE, 12),
    (AdoptionLevel.CENTRAL, 3),
)


def _campaign_months(world: _World) -> list[datetime.date]:
    months = []
    month = world.starts_on.replace(day=1)
    while month <= world.ends_on:
        months.append(month)
        month = month_bounds(month)[1] + _days(1)
    return months


def _report(world: _World) -> None:
    rng = world.rng("reports")
    office = world.office
    reports = []
    for month in _campaign_months(world):
        first, last = month_bounds(month)
        first, last = max(first, world.starts_on), min(last, world.ends_on)
        # A short first month counts for less.
        expected_factor = ((last - first).days + 1) / 30
        for organization in world.organizations:
            reporter = world.officials.get(organization.pk)
            if reporter is None:
                continue
            diligence = world.diligence[organization.pk]
            expected = (0.8 + 2.6 * diligence) * min(1.0, expected_factor)
            count = max(0, min(5, round(rng.gauss(expected, 0.8))))
            members = world.members.get(organization.pk) or []
            for _ in range(count):
                day = _between(rng, first, last)
                category, title, body = rng.choice(texts.REPORTS)
                if "{member}" in title and not members:
                    category, title, body = texts.REPORTS[0]
                values = {
                    "org": organization.name,
                    "member": rng.choice(members).name if members else "",
                    "day": f"{day.month}月{day.day}日",
                    "n": rng.randint(3, 30),
                }
                created = _at(day, 17)
                report = InfoReport(
                    campaign=world.campaign,
                    organization=organization,
                    title=title.format(**values),
                    body=body.format(**values),
                    reported_on=day,
                    category=category,
                    submitted_by=reporter,
                    created_at=created,
                )
                reports.append(report)
                if rng.random() < 0.1 + 0.1 * diligence:
                    # Adopted by the office (campaign.reports.services.info_report_adopt).
                    report.adopted_level = _weighted(rng, ADOPTION_LEVELS)
                    report.adopted_at = _at(day + _days(rng.randint(2, 20)), 10, rng.randint(0, 59))
                    report.adopted_by = office
    _insert(InfoReport, reports, stamped=("created_at",))
    # History rows for the adopted ones, as sent and as adopted. The others get none:
    # who sent them and when is on the row, no page or admin shows a report's history,
    # and 5,000 duplicate rows would cost a second of every load.
    adopted = [report for report in reports if report.adopted_level]
    created = [
        _snapshot(report, report.created_at, report.submitted_by, adopted_level="", adopted_at=None, adopted_by=None)
        for report in adopted
    ]
    _history(InfoReport, created, [_snapshot(report, report.adopted_at, office) for report in adopted])
    world.counts["info_reports"] += len(reports)


# ---------------------------------------------------------------------------
# 典型培树: nominations each quarter, recommended level by level (services)
# ---------------------------------------------------------------------------


def _campaign_quarters(world: _World) -> list[tuple[datetime.date, datetime.date]]:
    quarters = []
    first, last = quarter_bounds(world.starts_on)
    while first <= world.ends_on:
        quarters.append((max(first, world.starts_on), min(last, world.ends_on)))
        first, last = quarter_bounds(last + _days(1))
    return quarters


def _nominate(world: _World) -> None:
    rng = world.rng("nominations")
    quarters = _campaign_quarters(world)
    clusters = [organization for organization in world.organizations if organization.parent_id == world.county.pk]
    branches: dict[int, list[Organization]] = defaultdict(list)
    for organization in world.organizations:
        if organization.pk in world.officials and organization.kind == OrganizationKind.BRANCH:
            branches[world.clusters[organization.pk].pk].append(organization)
    for number, (first, last) in enumerate(quarters):
        is_last = number == len(quarters) - 1
        for cluster in clusters:
            diligence = world.diligence[cluster.pk]
            count = (rng.random() < 0.15 + 0.75 * diligence) + (rng.random() < 0.1 * diligence)
            candidates = branches.get(cluster.pk) or ([cluster] if cluster.pk in world.officials else [])
            for _ in range(count if candidates else 0):
                _nomination(world, rng, rng.choice(candidates), first, last, is_last)


def _nomination(
    world: _World,
    rng: random.Random,
    organization: Organization,
    first: datetime.date,
    last: datetime.date,
    is_last: bool,
) -> None:
    nominator = world.officials[organization.pk]
    members = world.members.get(organization.pk) or []
    member = rng.choice(members) if members and rng.random() < 0.55 else None
    values = {
        "theme": world.campaign.theme,
        "n": rng.randint(10, 60),
        "p": rng.randint(95, 100),
        "year": first.year,
    }
    deeds = rng.choice(texts.MEMBER_DEEDS if member else texts.ORGANIZATION_DEEDS).format(**values)
    span = max(0, (last - first).days - (12 if is_last else 35))
    day = first + _days(rng.randint(0, span))
    with _clock(_at(day, 10, rng.randint(0, 59))):
        nomination = nomination_create(
            campaign=world.campaign,
            deeds=deeds,
            organization=None if member else organization,
            member=member,
            opinion=rng.choice(texts.NOMINATE_OPINIONS),
            by=nominator,
        )
    world.counts["nominations"] += 1
    level = organization
    # Left at some level below the top now and then; in the last quarter more often.
    stalls = rng.random() < (0.35 if is_last else 0.08)
    while level.pk != world.county.pk and level.parent_id in world.by_pk:
        if stalls and rng.random() < 0.5:
            return
        parent = world.by_pk[level.parent_id]
        recommender = world.officials.get(parent.pk)
        if recommender is None:
            return
        day = min(last, day + _days(rng.randint(2, 8)))
        with _clock(_at(day, 11, rng.randint(0, 59))):
            nomination_recommend(nomination=nomination, opinion=rng.choice(texts.RECOMMEND_OPINIONS), by=recommender)
        level = parent
    if stalls:
        return  # waiting for the office's decision
    day = min(last, day + _days(rng.randint(2, 12)))
    diligence = world.diligence[organization.pk]
    with _clock(_at(day, 15, rng.randint(0, 59))):
        if rng.random() < 0.45 + 0.45 * diligence:
            nomination_select(nomination=nomination, opinion=rng.choice(texts.SELECT_OPINIONS), by=world.office)
            world.counts["models_selected"] += 1
        else:
            nomination_decline(nomination=nomination, opinion=rng.choice(texts.DECLINE_OPINIONS), by=world.office)
