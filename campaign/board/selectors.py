"""What the public notice board (公开栏) of one organization shows, and nothing more.

The board is read without login, so these selectors run unscoped and decide
visibility themselves, by allow-list: a pledge is shown as its newest *published*
version (PledgeVersion.content), never as the working copy that may be a revision in
progress; progress is shown only for items of that version; evidence only when marked
public; rectification tasks only when solved and published, and never a member's
补课整改 after mass evaluation; of a mass evaluation only the organization's own
result, once the round is published. The results are plain
dataclasses holding exactly the fields the page may show, so a template cannot reach
a phone number, a return reason or an assessment comment through a model instance.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils import timezone

from orgs.models import Organization
from orgs.scoping import unscoped
from pledges.models import (
    Evidence,
    Fulfillment,
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
from pledges.progress import IMAGE_TYPES, ItemState, item_state
from reviews.models import RoundState, TallyResult
from reviews.tally import percent_text, threshold_text

SCOPE_LABEL = "public notice board"


@dataclass(frozen=True)
class BoardEvidence:
    url: str
    name: str
    is_image: bool


@dataclass
class BoardEntry:
    recorded_on: datetime.date
    text: str
    marks_done: bool
    evidence: list[BoardEvidence] = field(default_factory=list)
    corrected: bool = False


@dataclass
class BoardItem:
    target: str
    work: str
    practical_things: str
    dimension: str
    due_date: datetime.date | None
    measurable_result: str
    state: str
    entries: list[BoardEntry] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return ItemState(self.state).label


@dataclass
class BoardPledge:
    title: str
    kind: str
    kind_label: str
    pledger_name: str
    is_member_pledge: bool
    version: int
    published_on: datetime.date
    channel_label: str
    fulfillment_label: str
    items: list[BoardItem]
    campaign_name: str = ""
    fulfillment: str = ""  # the verdict's value, empty until assessed

    @property
    def is_assessed(self) -> bool:
        return bool(self.fulfillment)

    @property
    def fulfillment_badge(self) -> str:
        """Green only for a pledge kept: 未兑现 in green would read as praise."""
        if self.fulfillment in (Fulfillment.OUTSTANDING, Fulfillment.FULFILLED):
            return "text-bg-success"
        return "text-bg-warning" if self.fulfillment == Fulfillment.PARTLY else "text-bg-danger"


# The index's order: the kinds as the rules list them, the organization's own before its members'.
KIND_ORDER = [kind.value for kind in PledgeKind]


@dataclass
class BoardSection:
    """The pledges of one kind, the organization's own or its members', newest first."""

    kind: str
    kind_label: str
    is_member: bool
    pledges: list[BoardPledge] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"{self.kind or 'other'}-{'members' if self.is_member else 'own'}"

    @property
    def newest_on(self) -> datetime.date:
        return self.pledges[0].published_on


@dataclass(frozen=True)
class BoardRectification:
    problem: str
    measure: str
    result: str
    solved_on: datetime.date | None
    published_on: datetime.date | None
    # Signed off (验收销号) by the organization above or the inspection group; None: reported only.
    verified_on: datetime.date | None = None


@dataclass(frozen=True)
class BoardEvaluation:
    """The organization's own result of a published mass evaluation round; member
    results are never shown to the public."""

    period: str
    forms: int
    satisfaction: str  # "92.50%", empty when not evaluated
    threshold: str  # "90"
    passed: bool | None  # None: not evaluated
    published_on: datetime.date | None


@dataclass
class BoardCampaign:
    """A campaign's published evaluation results and rectification results; its pledges
    are in the board's sections, each marked with the campaign's name."""

    name: str
    theme: str
    starts_on: datetime.date
    # (category, tasks), categories in alphabetical order: 分门归类.
    rectifications: list[tuple[str, list[BoardRectification]]] = field(default_factory=list)
    evaluations: list[BoardEvaluation] = field(default_factory=list)


@dataclass(frozen=True)
class Board:
    organization_name: str
    organization_kind: str
    token: str
    campaigns: list[BoardCampaign]
    # Sections in reading order: the one holding the newest pledge first.
    sections: list[BoardSection] = field(default_factory=list)
    # The same sections in the fixed order of the index (长远, 年度, 即时; own, members').
    index: list[BoardSection] = field(default_factory=list)
    shows_campaign: bool = False  # pledges of more than one campaign: each says which

    @property
    def is_empty(self) -> bool:
        return not self.campaigns and not self.sections

    @property
    def has_evaluations(self) -> bool:
        return any(campaign.evaluations for campaign in self.campaigns)

    @property
    def has_rectifications(self) -> bool:
        return any(campaign.rectifications for campaign in self.campaigns)


def board_organization(token: str) -> Organization | None:
    """The organization whose board has this token, or None."""
    with unscoped(SCOPE_LABEL):
        return Organization.objects.filter(notice_board_token=token).first()


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return ""


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def published_versions(organization: Organization) -> list[PledgeVersion]:
    """The newest published version of each of the organization's pledges (its own and
    its members'), with the pledge, member and campaign. One query."""
    with unscoped(SCOPE_LABEL):
        return list(
            PledgeVersion.objects.filter(
                pledge__organization=organization,
                pledge__published_version__gt=0,
                number=F("pledge__published_version"),
            )
            .select_related("pledge__member", "pledge__campaign")
            .order_by("-pledge__campaign__starts_on", "pledge__campaign_id", "pledge__member__name", "pledge_id")
        )


def organization_board(organization: Organization, *, today: datetime.date | None = None) -> Board:
    """Everything the organization's public board shows. Runs six queries whatever
    the number of pledges, items, entries, files and evaluation rounds."""
    versions = published_versions(organization)
    item_ids = [item["id"] for version in versions for item in version.content.get("items", []) if "id" in item]
    with unscoped(SCOPE_LABEL):
        completed = dict(
            PledgeItem.objects.filter(pk__in=item_ids, pledge__organization=organization).values_list(
                "pk", "completed_on"
            )
        )
        entries = list(
            ProgressEntry.objects.filter(
                item_id__in=item_ids, item__pledge__organization=organization, removed_at__isnull=True
            )
            .order_by("item_id", "recorded_on", "pk")
            .prefetch_related(_public_evidence_prefetch())
        )
        rectifications = list(
            Rectification.objects.filter(
                organization=organization,
                is_published=True,
                status__in=(RectificationStatus.SOLVED, RectificationStatus.VERIFIED),
            )
            .exclude(source=RectificationSource.EVALUATION, member__isnull=False)
            .select_related("campaign")
            .order_by("-campaign__starts_on", "campaign_id", "category", "-solved_on", "pk")
        )
        evaluations = list(
            TallyResult.objects.filter(
                round__organization=organization,
                round__state=RoundState.PUBLISHED,
                subject__member__isnull=True,
                category="",
            )
            .select_related("round__campaign")
            .order_by("-round__opens_at", "round_id")
        )

    entries_by_item: dict[int, list[BoardEntry]] = defaultdict(list)
    for entry in entries:
        entries_by_item[entry.item_id].append(
            BoardEntry(
                recorded_on=entry.recorded_on,
                text=entry.text,
                marks_done=entry.marks_done,
                corrected=entry.corrected_at is not None,
                evidence=[
                    BoardEvidence(
                        url=reverse("board:evidence", args=[organization.notice_board_token, evidence.pk]),
                        name=evidence.original_name,
                        is_image=evidence.content_type in IMAGE_TYPES,
                    )
                    for evidence in entry.public_evidence
                ],
            )
        )

    sections: dict[tuple[str, bool], BoardSection] = {}
    # Newest published first: a new pledge is read before old assessed ones.
    for version in sorted(versions, key=lambda version: (version.published_on, version.pledge_id), reverse=True):
        board_pledge = _board_pledge(version, organization, completed, entries_by_item, today)
        key = (board_pledge.kind, board_pledge.is_member_pledge)
        section = sections.setdefault(
            key, BoardSection(kind=board_pledge.kind, kind_label=board_pledge.kind_label, is_member=key[1])
        )
        section.pledges.append(board_pledge)
    campaigns: dict[int, BoardCampaign] = {}
    for rectification in rectifications:
        campaign = campaigns.setdefault(
            rectification.campaign_id,
            _board_campaign(rectification.campaign),
        )
        shown = BoardRectification(
            problem=rectification.problem,
            measure=rectification.measure,
            result=rectification.result,
            solved_on=rectification.solved_on,
            published_on=rectification.published_on,
            verified_on=timezone.localdate(rectification.verified_at) if rectification.verified_at else None,
        )
        if campaign.rectifications and campaign.rectifications[-1][0] == rectification.category:
            campaign.rectifications[-1][1].append(shown)
        else:
            campaign.rectifications.append((rectification.category, [shown]))
    for result in evaluations:
        evaluation_round = result.round
        campaign = campaigns.setdefault(
            evaluation_round.campaign_id,
            _board_campaign(evaluation_round.campaign),
        )
        campaign.evaluations.append(
            BoardEvaluation(
                period=evaluation_round.period,
                forms=result.forms,
                satisfaction=percent_text(
                    result.satisfaction,
                    under=evaluation_round.verdict_threshold if result.below_threshold else None,
                ),
                threshold=threshold_text(evaluation_round.verdict_threshold),
                passed=None if result.satisfaction is None else not result.below_threshold,
                published_on=evaluation_round.published_at and timezone.localdate(evaluation_round.published_at),
            )
        )
    in_reading_order = sorted(sections.values(), key=lambda section: section.newest_on, reverse=True)
    return Board(
        organization_name=organization.name,
        organization_kind=organization.get_kind_display(),
        token=organization.notice_board_token,
        # Campaigns newest first, as the rectifications and rounds were ordered.
        campaigns=sorted(campaigns.values(), key=lambda campaign: campaign.starts_on, reverse=True),
        sections=in_reading_order,
        index=sorted(in_reading_order, key=_index_order),
        shows_campaign=len({version.pledge.campaign_id for version in versions}) > 1,
    )


def _board_campaign(campaign) -> BoardCampaign:
    return BoardCampaign(name=campaign.name, theme=campaign.theme, starts_on=campaign.starts_on)


def _index_order(section: BoardSection) -> tuple[int, bool]:
    kind = KIND_ORDER.index(section.kind) if section.kind in KIND_ORDER else len(KIND_ORDER)
    return kind, section.is_member


def _public_evidence_prefetch() -> Prefetch:
    return Prefetch(
        "evidence", queryset=Evidence.objects.filter(is_public=True).order_by("pk"), to_attr="public_evidence"
    )


def _board_pledge(
    version: PledgeVersion,
    organization: Organization,
    completed: dict[int, datetime.date | None],
    entries_by_item: dict[int, list[BoardEntry]],
    today: datetime.date | None,
) -> BoardPledge:
    pledge = version.pledge
    content = version.content
    items = []
    for frozen in content.get("items", []):
        item_id = frozen.get("id")
        due_date = _date(frozen.get("due_date", ""))
        # The frozen due date with the live completion: a transient item for the one state rule.
        state = item_state(PledgeItem(due_date=due_date, completed_on=completed.get(item_id)), today)
        items.append(
            BoardItem(
                target=frozen.get("target", ""),
                work=frozen.get("work", ""),
                practical_things=frozen.get("practical_things", ""),
                dimension=frozen.get("dimension", ""),
                due_date=due_date,
                measurable_result=frozen.get("measurable_result", ""),
                state=state,
                entries=entries_by_item.get(item_id, []),
            )
        )
    return BoardPledge(
        title=content.get("title", ""),
        kind=content.get("kind", ""),
        kind_label=_label(PledgeKind, content.get("kind", "")),
        pledger_name=pledge.member.name if pledge.member_id else organization.name,
        is_member_pledge=pledge.member_id is not None,
        version=version.number,
        published_on=version.published_on,
        channel_label=_label(PublicationChannel, version.publication_channel),
        # Only the verdict; the assessor's comment is internal.
        fulfillment_label=pledge.get_fulfillment_display() if pledge.state == PledgeState.ASSESSED else "",
        fulfillment=pledge.fulfillment if pledge.state == PledgeState.ASSESSED else "",
        items=items,
        campaign_name=pledge.campaign.name,
    )


def public_evidence(token: str, pk: int) -> Evidence | None:
    """One evidence file for the public board: marked public, of an item in the newest
    published version of a pledge of the organization with this token; else None."""
    with unscoped(SCOPE_LABEL):
        evidence = (
            Evidence.objects.filter(
                pk=pk,
                is_public=True,
                entry__item__pledge__organization__notice_board_token=token,
                entry__item__pledge__published_version__gt=0,
                entry__removed_at__isnull=True,
            )
            .select_related("entry__item__pledge")
            .first()
        )
        if evidence is None:
            return None
        pledge = evidence.entry.item.pledge
        version = PledgeVersion.objects.filter(pledge=pledge, number=pledge.published_version).first()
    if version is None:
        return None
    published_ids = {item.get("id") for item in version.content.get("items", [])}
    return evidence if evidence.entry.item_id in published_ids else None
