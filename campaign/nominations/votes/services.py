"""公示票选: the office puts nominations to a public vote. The public votes on a phone
with one-time vote codes (投票码) printed as slips, each code for one paper naming up to
``max_choices`` nominees; when the vote is closed the papers are counted onto the
nominees, and the counts show on the office's pages, the nomination pages and in .xlsx.

The codes are the evaluation codes' machinery, not a copy of it (reviews.codes): made
by ``codes_issue``, read back with ``normalise_code``, claimed by ``code_claim``,
printed by ``sheet_html`` and retired by ``codes_put_back_shuffled``; looked up, and
refused when unknown or used, by ``code_row_unused`` (reviews.public_ballot).

Once per code: the code's row is unique, and it is claimed with one conditional
UPDATE (``WHERE id = … AND used = false``) in the same transaction as the paper, so of
two submissions of one code at the same instant one stores a paper and the other is
refused; a refused or invalid paper leaves the code unused. Casting holds a share lock
on the vote, so closing waits for the papers in progress and none lands after the count.

Secret: a cast writes its paper sealed into HeldForm (reviews.held_forms) in the
transaction that uses its code, and papers become VoteBallots (the vote only) with
VoteChoices (the nominees) in shuffled batches of at least the campaign's
``ballot_batch_size``, on the clock and, for all that remain, at the count; no code,
user, address or time, and random UUID keys. At the count every code is retired and
the tables that held them are rewritten, as for evaluation forms (README, "Secret
ballots").
"""

from __future__ import annotations

import datetime
import struct
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.campaigns.models import Campaign
from campaign.infra.outbox import outbox_enqueue
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.services import quarter_bounds
from campaign.nominations.votes.models import PublicVote, PublicVoteNominee, VoteBallot, VoteChoice, VoteCode
from orgs.access import user_scope
from orgs.models import Organization, Role, User
from orgs.scoping import unscoped
from orgs.sheets.writing import Table, xlsx_tables
from reviews.codes import (
    Slip,
    code_claim,
    codes_issue,
    codes_put_back_shuffled,
    hold_open,
    sheet_html,
    sheet_pdf,
)
from reviews.held_forms import form_hold, forms_release, held_counts
from reviews.public_ballot import BallotRefused, Refusal, code_row_unused

MAX_VOTE_CODES = 5000
# The public pages run with no user and decide what they may read themselves.
SCOPE_LABEL = "public_vote"
# HeldForm.kind of public-vote papers; the box is the vote. A sealed paper is the chosen
# nominees' ids, padded to max_choices of them.
HELD_KIND = "vote"
NOMINEE_ID = struct.Struct(">Q")


class VoteState(models.TextChoices):
    """Where a vote stands now: derived from its times and whether it was counted, not stored."""

    SCHEDULED = "scheduled", gettext_lazy("未开始")
    OPEN = "open", gettext_lazy("投票中")
    ENDED = "ended", gettext_lazy("已截止，待计票")
    COUNTED = "counted", gettext_lazy("已计票")


def vote_state(vote: PublicVote, now: datetime.datetime | None = None) -> str:
    now = now or timezone.now()
    if vote.closed_at is not None:
        return VoteState.COUNTED
    if now >= vote.closes_at:
        return VoteState.ENDED
    if now < vote.opens_at:
        return VoteState.SCHEDULED
    return VoteState.OPEN


class VoteInvalid(ValidationError):
    """The paper names no nominee, or more than the vote allows; nothing is stored."""


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


def may_run_votes(user: User, organization: Organization | None = None) -> bool:
    """The office (or an administrator) holds public votes, for a campaign of an
    organization it may change; without ``organization``, for any at all."""
    if not user.is_authenticated or not (user.is_superuser or user.role == Role.OFFICE):
        return False
    scope = user_scope(user)
    return scope.writable if organization is None else scope.can_change(organization)


# ---------------------------------------------------------------------------
# Opening: the nominees and the codes
# ---------------------------------------------------------------------------


def vote_candidates(campaign: Campaign, quarter: datetime.date | None = None) -> QuerySet[ModelNomination]:
    """Nominations that may be put to a public vote: recommended up to the campaign's
    organization and not declined; with ``quarter``, those nominated in that quarter."""
    candidates = (
        ModelNomination.objects.filter(campaign=campaign, current_level_id=campaign.organization_id)
        .exclude(status=NominationStatus.DECLINED)
        .select_related("organization", "member")
    )
    if quarter is not None:
        candidates = candidates.filter(created_at__date__range=quarter_bounds(quarter))
    return candidates.order_by("created_at", "pk")


@transaction.atomic
def vote_open(
    *,
    campaign: Campaign,
    title: str,
    nominations: Sequence[ModelNomination],
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    max_choices: int,
    code_count: int,
    notice: str = "",
    by: User,
) -> PublicVote:
    """Hold a public vote on ``nominations`` (in that order on the paper) and make its
    ``code_count`` codes, so the slips can be printed."""
    if not may_run_votes(by, campaign.organization):
        raise PermissionDenied(_("只有活动办公室可以组织公示票选。"))
    title = title.strip()
    nominations = list({nomination.pk: nomination for nomination in nominations}.values())
    errors = []
    if not title:
        errors.append(_("请填写票选名称。"))
    if closes_at <= opens_at:
        errors.append(_("截止时间必须晚于开始时间。"))
    elif closes_at <= timezone.now():
        errors.append(_("截止时间已过，请重新设定。"))
    if not nominations:
        errors.append(_("请至少选择一个参加票选的典型。"))
    for nomination in nominations:
        if nomination.campaign_id != campaign.pk or nomination.current_level_id != campaign.organization_id:
            errors.append(
                _("“%(name)s”还没有推荐到%(organization)s，不能参加票选。")
                % {"name": nomination.nominee_name, "organization": campaign.organization.name}
            )
        elif nomination.status == NominationStatus.DECLINED:
            errors.append(_("“%(name)s”未通过，不能参加票选。") % {"name": nomination.nominee_name})
    if nominations and not 1 <= max_choices <= len(nominations):
        errors.append(_("每张选票最多可选的人数应在 1 到 %(count)s 之间。") % {"count": len(nominations)})
    if not 1 <= code_count <= MAX_VOTE_CODES:
        errors.append(_("投票码数量应在 1 到 %(most)s 之间。") % {"most": MAX_VOTE_CODES})
    if errors:
        raise ValidationError(errors)
    vote = PublicVote.objects.create(
        campaign=campaign,
        title=title,
        notice=notice.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        max_choices=max_choices,
        code_count=code_count,
        created_by=by,
    )
    PublicVoteNominee.objects.bulk_create(
        PublicVoteNominee(vote=vote, nomination=nomination, order=order)
        for order, nomination in enumerate(nominations, start=1)
    )
    codes_issue(VoteCode, [{"vote": vote}] * code_count)
    return vote


# ---------------------------------------------------------------------------
# The printed slips: the evaluation codes' sheet, with the vote's wording
# ---------------------------------------------------------------------------


def vote_code_path(code: str) -> str:
    """Where a code's paper is; the QR code on its slip points there."""
    return reverse("vote:form", args=[code])


def vote_code_sheet_pdf(vote: PublicVote, *, base_url: str = "", part: int = 1) -> bytes | None:
    """Part ``part`` of the vote's slips as an A4 PDF (reviews.codes.sheet_html): eight
    a page, each with a QR code to its paper and the code in large grouped letters;
    in the order of the codes themselves, which says nothing about when each was made.
    None when that part has no codes."""
    codes = VoteCode.objects.filter(vote=vote).order_by("code").values_list("code", flat=True)
    html = sheet_html(
        [Slip(code) for code in codes],
        template="campaign/vote_code_sheet.html",
        context={"vote": vote, "organizer": vote.campaign.organization.name},
        form_path=vote_code_path,
        entry_path=reverse("vote:enter"),
        base_url=base_url,
        part=part,
    )
    return sheet_pdf(html, base_url=base_url)


# ---------------------------------------------------------------------------
# The paper and the cast: public, no login
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperNominee:
    """One nominee as the public sees it: no phone, no birth date, no model instance."""

    id: int
    name: str
    is_organization: bool
    organization: str
    deeds: str


@dataclass(frozen=True)
class VotePaper:
    title: str
    notice: str
    organizer: str
    closes_at: datetime.datetime
    max_choices: int
    nominees: tuple[PaperNominee, ...]


def _vote_refusal(vote: PublicVote, now: datetime.datetime) -> Refusal | None:
    state = vote_state(vote, now)
    if state in (VoteState.ENDED, VoteState.COUNTED):
        return Refusal.ENDED
    if state == VoteState.SCHEDULED:
        return Refusal.NOT_OPEN
    return None


def vote_paper(code: str) -> VotePaper:
    """The paper a code opens, or BallotRefused saying why it opens none. Reads only,
    so opening the paper never uses the code up."""
    with unscoped(SCOPE_LABEL):
        row = code_row_unused(VoteCode, code, ["vote_id"], counted=_vote_counted)
        vote = PublicVote.objects.select_related("campaign__organization").get(pk=row["vote_id"])
        refusal = _vote_refusal(vote, timezone.now())
        if refusal is not None:
            raise BallotRefused(refusal)
        entries = PublicVoteNominee.objects.filter(vote=vote).select_related(
            "nomination__organization", "nomination__member"
        )
        nominees = tuple(
            PaperNominee(
                id=entry.pk,
                name=entry.nomination.nominee_name,
                is_organization=entry.nomination.member_id is None,
                organization=entry.nomination.organization.name if entry.nomination.member_id else "",
                deeds=entry.nomination.deeds,
            )
            for entry in entries.order_by("order", "pk")
        )
    return VotePaper(
        title=vote.title,
        notice=vote.notice,
        organizer=vote.campaign.organization.name,
        closes_at=vote.closes_at,
        max_choices=vote.max_choices,
        nominees=nominees,
    )


def _chosen(vote: PublicVote, nominee_ids: Iterable[int]) -> list[int]:
    """The nominees of this vote among ``nominee_ids``, or VoteInvalid; ids of other
    votes' nominees are ignored, as a paper cannot name them."""
    wanted = set(nominee_ids)
    chosen = list(PublicVoteNominee.objects.filter(vote=vote, pk__in=wanted).values_list("pk", flat=True))
    if not chosen:
        raise VoteInvalid(_("请至少选择一个票选对象。"))
    if len(chosen) > vote.max_choices:
        raise VoteInvalid(
            _("每张选票最多选 %(most)s 个，您选了 %(chosen)s 个，请减少后再提交。")
            % {"most": vote.max_choices, "chosen": len(chosen)}
        )
    return chosen


@transaction.atomic
def vote_cast(*, code: str, nominee_ids: Iterable[int]) -> None:
    """Store one paper for the code and use the code up, or raise BallotRefused /
    VoteInvalid and store nothing (module docstring)."""
    with unscoped(SCOPE_LABEL):
        row = code_row_unused(VoteCode, code, ["vote_id"], counted=_vote_counted)
        hold_open(PublicVote, row["vote_id"])
        vote = PublicVote.objects.only("opens_at", "closes_at", "closed_at", "max_choices").get(pk=row["vote_id"])
        refusal = _vote_refusal(vote, timezone.now())
        if refusal is not None:
            raise BallotRefused(refusal)
        chosen = _chosen(vote, nominee_ids)
        if not code_claim(VoteCode, row["pk"]):
            raise BallotRefused(Refusal.USED)
        form_hold(
            kind=HELD_KIND,
            box_id=vote.pk,
            category="",
            payload=b"".join(NOMINEE_ID.pack(pk) for pk in chosen),
            size=NOMINEE_ID.size * vote.max_choices,
        )


def _vote_counted(row: dict) -> bool:
    return PublicVote.objects.filter(pk=row["vote_id"], closed_at__isnull=False).exists()


def _papers_store(vote_id: int, payloads: list[bytes]) -> None:
    """A released batch as VoteBallots and VoteChoices, in the shuffled order given."""
    ballots, choices = [], []
    for payload in payloads:
        ballot = VoteBallot(id=uuid.uuid4(), vote_id=vote_id)
        ballots.append(ballot)
        choices.extend(
            VoteChoice(id=uuid.uuid4(), ballot=ballot, vote_id=vote_id, nominee_id=nominee_id)
            for (nominee_id,) in NOMINEE_ID.iter_unpack(payload)
        )
    VoteBallot.objects.bulk_create(ballots, batch_size=500)
    VoteChoice.objects.bulk_create(choices, batch_size=500)


def held_papers_release(vote: PublicVote, *, final: bool) -> int:
    """Release the vote's held papers in a shuffled batch (reviews.held_forms); ``final``
    at the count, for all of them. Returns how many."""
    with unscoped(SCOPE_LABEL):
        return forms_release(
            kind=HELD_KIND,
            box_id=vote.pk,
            category="",
            batch_size=vote.campaign.ballot_batch_size,
            final=final,
            store=lambda payloads: _papers_store(vote.pk, payloads),
        )


def held_papers_release_due() -> int:
    """Beat: a batch from every vote holding 2k papers or more."""
    with unscoped(SCOPE_LABEL):
        held = held_counts(HELD_KIND)
        votes = PublicVote.objects.filter(pk__in={vote_id for vote_id, _category in held}, closed_at__isnull=True)
        return sum(held_papers_release(vote, final=False) for vote in votes.select_related("campaign"))


def vote_codes_retire(*, vote_id: int) -> int:
    """At the count, in its transaction: every code of the vote marked used and put back
    in random order, so no row says which code was used (the count of papers is kept
    as ``ballots_cast``) and all of them carry one transaction id. Returns how many."""
    with unscoped(SCOPE_LABEL):
        VoteCode.objects.filter(vote_id=vote_id).update(used=True)
        return codes_put_back_shuffled(VoteCode, "vote_id = %s", [vote_id])


# ---------------------------------------------------------------------------
# Closing and counting
# ---------------------------------------------------------------------------


def _count(vote: PublicVote, *, by: User | None) -> PublicVote:
    """Count the papers onto the nominees and close the vote; ``vote`` is locked."""
    # Every paper still held goes out now, so the count is complete.
    held_papers_release(vote, final=True)
    with unscoped("public_vote_count"):
        counts = dict(
            VoteChoice.objects.filter(vote=vote).values("nominee").annotate(n=Count("pk")).values_list("nominee", "n")
        )
        nominees = list(PublicVoteNominee.objects.filter(vote=vote))
        for nominee in nominees:
            nominee.votes = counts.get(nominee.pk, 0)
        ordered = sorted(nominees, key=lambda nominee: -nominee.votes)
        for position, nominee in enumerate(ordered):
            before = ordered[position - 1] if position else None
            nominee.rank = before.rank if before and before.votes == nominee.votes else position + 1
        PublicVoteNominee.objects.bulk_update(nominees, ["votes", "rank"])
        vote.ballots_cast = VoteBallot.objects.filter(vote=vote).count()
    vote.closed_at = timezone.now()
    vote.closed_by = by
    vote.save(update_fields=["ballots_cast", "closed_at", "closed_by"])
    vote_codes_retire(vote_id=vote.pk)
    # The tables that held the codes' past, rewritten once this has committed.
    outbox_enqueue("campaign.infra.tasks.rewrite_secret_tables")
    return vote


@transaction.atomic
def vote_close(*, vote: PublicVote, by: User) -> PublicVote:
    """Stop the vote now, even before its closing time, and count it. Waits for the
    papers being cast (their share locks), so none is missed or lands after."""
    if not may_run_votes(by, vote.campaign.organization):
        raise PermissionDenied(_("只有活动办公室可以结束公示票选。"))
    locked = PublicVote.objects.select_for_update().get(pk=vote.pk)
    if locked.closed_at is not None:
        raise ValidationError(_("这次公示票选已经计票，不能重复计票。"))
    return _count(locked, by=by)


def votes_close_due() -> int:
    """Close and count every vote whose closing time has passed; returns how many. Each
    in its own transaction; a vote someone else counted meanwhile is left alone."""
    due = list(
        PublicVote.objects.filter(closed_at__isnull=True, closes_at__lte=timezone.now()).values_list("pk", flat=True)
    )
    closed = 0
    for pk in due:
        with transaction.atomic():
            locked = PublicVote.objects.select_for_update().filter(pk=pk, closed_at__isnull=True).first()
            if locked is not None:
                _count(locked, by=None)
                closed += 1
    return closed


# ---------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------


def _count_of(queryset: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(queryset.values("vote").annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        Value(0),
    )


def votes_in_scope(campaign: Campaign) -> QuerySet[PublicVote]:
    """The campaign's votes, newest first, each with how many nominees and used codes."""
    return (
        PublicVote.objects.filter(campaign=campaign)
        .annotate(
            nominee_count=_count_of(PublicVoteNominee._base_manager.filter(vote=OuterRef("pk"))),
            # After the count the codes are retired: the papers cast are the codes used.
            used_codes=Case(
                When(closed_at__isnull=False, then=F("ballots_cast")),
                default=_count_of(VoteCode._base_manager.filter(vote=OuterRef("pk"), used=True)),
            ),
        )
        .order_by("-opens_at", "-pk")
    )


def vote_progress(vote: PublicVote) -> dict[str, int]:
    """How many codes were issued and used: counts only, never which, never a choice.
    After the count the codes are retired, and the papers cast are the codes used."""
    progress = VoteCode.objects.filter(vote=vote).aggregate(issued=Count("pk"), used=Count("pk", filter=Q(used=True)))
    if vote.closed_at is not None:
        progress["used"] = vote.ballots_cast
    return progress


@dataclass(frozen=True)
class ResultRow:
    entry: PublicVoteNominee
    votes: int
    rank: int
    share: Decimal | None  # percent of the papers cast that named this nominee

    @property
    def nomination(self) -> ModelNomination:
        return self.entry.nomination


def _share(votes: int, ballots: int) -> Decimal | None:
    if not ballots:
        return None
    return (Decimal(100 * votes) / Decimal(ballots)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def vote_nominees(vote: PublicVote) -> list[PublicVoteNominee]:
    return list(
        PublicVoteNominee.objects.filter(vote=vote)
        .select_related("nomination__organization", "nomination__member")
        .order_by("order", "pk")
    )


def vote_results(vote: PublicVote) -> list[ResultRow]:
    """The counted result, best first; empty until the vote is counted. One query."""
    if not vote.is_counted:
        return []
    entries = sorted(vote_nominees(vote), key=lambda entry: (entry.rank, entry.order, entry.pk))
    return [
        ResultRow(entry=entry, votes=entry.votes, rank=entry.rank, share=_share(entry.votes, vote.ballots_cast))
        for entry in entries
    ]


def nomination_vote_results(nomination: ModelNomination) -> list[dict]:
    """How the nomination fared in each counted public vote it was on. One query."""
    entries = (
        PublicVoteNominee.objects.filter(nomination=nomination, vote__closed_at__isnull=False)
        .select_related("vote")
        .annotate(nominee_total=_count_of(PublicVoteNominee._base_manager.filter(vote=OuterRef("vote"))))
        .order_by("-vote__closed_at")
    )
    return [
        {
            "vote": entry.vote,
            "votes": entry.votes,
            "rank": entry.rank,
            "nominee_total": entry.nominee_total,
            "share": _share(entry.votes, entry.vote.ballots_cast),
        }
        for entry in entries
    ]


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def vote_results_export(vote: PublicVote, rows: Sequence[ResultRow]) -> bytes:
    """The counted result as an .xlsx: the nominees by rank, then the vote's figures."""
    return xlsx_tables(
        [
            Table(
                title=_("票选结果"),
                header=[_("名次"), _("票选对象"), _("类别"), _("所在组织"), _("得票"), _("得票率（%）")],
                rows=[
                    [
                        row.rank,
                        row.nomination.nominee_name,
                        _("优秀共产党员") if row.nomination.member_id else _("先进基层党组织"),
                        row.nomination.organization.name,
                        row.votes,
                        row.share,
                    ]
                    for row in rows
                ],
            ),
            Table(
                title=_("票选情况"),
                header=[_("项目"), _("内容")],
                rows=[
                    [_("票选名称"), vote.title],
                    [_("开始时间"), _when(vote.opens_at)],
                    [_("截止时间"), _when(vote.closes_at)],
                    [_("计票时间"), _when(vote.closed_at)],
                    [_("每张最多可选（名）"), vote.max_choices],
                    [_("发放投票码（张）"), vote.code_count],
                    [_("收回选票（张）"), vote.ballots_cast],
                ],
            ),
        ]
    )
