"""Running an evaluation round: setting it up, its states and who may move it along.

draft → open → closed → tallied → published

A round is set up in draft: briefing, times, subjects (the organization and its
members) and how many codes each category of evaluators gets. Opening it generates
the codes; from then on subjects and categories are fixed, because slips are printed.
Closing queues the tally only after the closing transaction commits. Each transition
is one conditional UPDATE on the expected state, so two clicks cannot both succeed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.campaigns.models import Campaign, CampaignChoice, CampaignEvaluatorCategory
from campaign.infra.outbox import outbox_enqueue
from orgs.access import user_scope
from orgs.models import Member, Organization, Post, Role, User
from reviews.models import (
    BriefingKind,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    RoundCategory,
    RoundChoice,
    RoundState,
)

ORGANIZING_ROLES = {Role.OFFICE, Role.LEADER, Role.SECRETARY}


def may_run_round(user: User, organization: Organization) -> bool:
    """The branch secretary, or an office or leader above, may run the branch's rounds."""
    if not (user.is_superuser or user.role in ORGANIZING_ROLES):
        return False
    return user_scope(user).can_change(organization)


@dataclass(frozen=True)
class RoundTransition:
    source: str
    target: str
    label: str


ROUND_TRANSITIONS = {
    "open": RoundTransition(RoundState.DRAFT, RoundState.OPEN, gettext_lazy("开始评议")),
    "close": RoundTransition(RoundState.OPEN, RoundState.CLOSED, gettext_lazy("结束评议")),
    "tally": RoundTransition(RoundState.CLOSED, RoundState.TALLIED, gettext_lazy("汇总结果")),
    "publish": RoundTransition(RoundState.TALLIED, RoundState.PUBLISHED, gettext_lazy("公布结果")),
}


class RoundTransitionRefused(ValidationError):
    pass


def round_transition(evaluation_round: EvaluationRound, name: str, **fields) -> EvaluationRound:
    """Move the round along one edge of the table, or refuse; callers check permission."""
    transition = ROUND_TRANSITIONS[name]
    updated = EvaluationRound.objects.filter(pk=evaluation_round.pk, state=transition.source).update(
        state=transition.target, **fields
    )
    if updated != 1:
        evaluation_round.refresh_from_db(fields=["state"])
        raise RoundTransitionRefused(
            _("评议当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": evaluation_round.get_state_display(), "action": transition.label}
        )
    evaluation_round.refresh_from_db()
    return evaluation_round


@transaction.atomic
def round_close(*, evaluation_round: EvaluationRound, by: User | None) -> EvaluationRound:
    """Stop accepting forms and queue the tally once this transaction has committed.
    ``by`` is None when the beat job closes a round whose time is up."""
    if by is not None and not may_run_round(by, evaluation_round.organization):
        raise PermissionDenied(_("您无权结束这次评议。"))
    evaluation_round = round_transition(evaluation_round, "close", closed_at=timezone.now())
    outbox_enqueue("reviews.tasks.tally_round", evaluation_round.pk)
    return evaluation_round


def rounds_close_due() -> int:
    """Close every open round past its closing time; returns how many were closed."""
    closed = 0
    due = EvaluationRound.objects.filter(state=RoundState.OPEN, closes_at__lte=timezone.now())
    for evaluation_round in due.select_related("organization"):
        try:
            round_close(evaluation_round=evaluation_round, by=None)
        except RoundTransitionRefused:
            continue  # closed by hand meanwhile
        closed += 1
    return closed


# ---------------------------------------------------------------------------
# Setting a round up (draft only)
# ---------------------------------------------------------------------------

MAX_CODES_PER_CATEGORY = 5000
# Leadership first, the way a roll is read out at the meeting.
POST_ORDER = Case(
    *(When(post=post, then=Value(rank)) for rank, post in enumerate(Post.leadership_team())),
    default=Value(len(Post.leadership_team())),
    output_field=IntegerField(),
)


class RoundNotEditable(ValidationError):
    pass


def _require_may_run(by: User, organization: Organization) -> None:
    if not may_run_round(by, organization):
        raise PermissionDenied(_("您无权组织“%(name)s”的群众评议。") % {"name": organization.name})


def _clean_categories(categories: dict[str, int], labels: dict[str, str]) -> dict[str, int]:
    """Code counts per evaluator category (key → label: the round's categories), checked:
    known categories, 0 to 5000 each, at least one above 0. Returns only the categories
    that get codes."""
    errors = []
    cleaned: dict[str, int] = {}
    for category, count in categories.items():
        if category not in labels:
            errors.append(_("没有“%(category)s”这一类评议人。") % {"category": category})
            continue
        label = labels[category]
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_CODES_PER_CATEGORY:
            message = _("“%(category)s”的评议码数量应在0到%(most)s之间。")
            errors.append(message % {"category": label, "most": MAX_CODES_PER_CATEGORY})
            continue
        if count:
            cleaned[category] = count
    if not errors and not cleaned:
        errors.append(_("请至少为一类评议人发放评议码。"))
    if errors:
        raise ValidationError({NON_FIELD_ERRORS: errors})
    return cleaned


def _check_times(opens_at: datetime.datetime, closes_at: datetime.datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("截止时间应晚于开始时间。")})


def _check_briefing_kind(briefing_kind: str) -> None:
    if briefing_kind not in BriefingKind.values:
        raise ValidationError({"briefing_kind": _("请选择通报形式。")})


def _lock_draft(evaluation_round: EvaluationRound) -> EvaluationRound:
    """The round, locked for this transaction, or a refusal once it has been opened
    (the slips are printed from then on, so what they cover may not change)."""
    locked = EvaluationRound.objects.select_for_update().select_related("organization").get(pk=evaluation_round.pk)
    if locked.state != RoundState.DRAFT:
        raise RoundNotEditable(
            _("评议当前状态为“%(state)s”，开始评议后不能再修改评议设置和评议对象。")
            % {"state": locked.get_state_display()}
        )
    return locked


def _round_category_labels(evaluation_round: EvaluationRound) -> dict[str, str]:
    return dict(RoundCategory.objects.filter(round=evaluation_round).values_list("category", "label"))


def round_evaluation_copy(evaluation_round: EvaluationRound, counts: dict[str, int]) -> None:
    """The round's categories and choices, copied from its campaign's: a later change of
    the campaign's applies to later rounds, never to this one's codes and tally."""
    campaign = evaluation_round.campaign
    RoundCategory.objects.bulk_create(
        RoundCategory(
            round=evaluation_round,
            category=category.key,
            label=category.label,
            order=category.order,
            code_count=counts.get(category.key, 0),
        )
        for category in CampaignEvaluatorCategory.objects.filter(campaign=campaign)
    )
    RoundChoice.objects.bulk_create(
        RoundChoice(
            round=evaluation_round, key=choice.key, label=choice.label, counting=choice.counting, order=choice.order
        )
        for choice in CampaignChoice.objects.filter(campaign=campaign)
    )


def round_members(campaign: Campaign, organization: Organization):
    """The members a round of the organization evaluates by default: its own members
    (not those of organizations below it) whom the campaign judges, leadership first."""
    return Member.objects.for_campaign(campaign).filter(organization=organization).order_by(POST_ORDER, "name", "pk")


@transaction.atomic
def round_create(
    *,
    campaign: Campaign,
    organization: Organization,
    period: str,
    briefing_on: datetime.date | None,
    briefing_kind: str,
    briefing_summary: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    categories: dict[str, int],
    by: User,
) -> EvaluationRound:
    """A draft round of the organization, with the organization and each of its members
    as subjects and the code counts per evaluator category."""
    _require_may_run(by, organization)
    if not organization.is_within(campaign.organization):
        raise ValidationError({"campaign": _("“%(name)s”不在这项活动的范围内。") % {"name": organization.name}})
    if not period.strip():
        raise ValidationError({"period": _("请填写评议期间，如“2010年下半年”。")})
    _check_briefing_kind(briefing_kind)
    _check_times(opens_at, closes_at)
    labels = dict(CampaignEvaluatorCategory.objects.filter(campaign=campaign).values_list("key", "label"))
    counts = _clean_categories(categories, labels)
    evaluation_round = EvaluationRound(
        campaign=campaign,
        organization=organization,
        period=period.strip(),
        briefing_on=briefing_on,
        briefing_kind=briefing_kind,
        briefing_summary=briefing_summary.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by,
    )
    evaluation_round._history_user = by
    evaluation_round.save()
    subjects = [EvaluationSubject(round=evaluation_round, member=None, order=0)]
    subjects += [
        EvaluationSubject(round=evaluation_round, member=member, order=order)
        for order, member in enumerate(round_members(campaign, organization), start=1)
    ]
    EvaluationSubject.objects.bulk_create(subjects)
    round_evaluation_copy(evaluation_round, counts)
    return evaluation_round


@transaction.atomic
def round_update(
    *,
    evaluation_round: EvaluationRound,
    period: str,
    briefing_on: datetime.date | None,
    briefing_kind: str,
    briefing_summary: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    categories: dict[str, int],
    by: User,
) -> EvaluationRound:
    """Change a draft round's briefing, times and code counts. Its campaign and
    organization stay: a round for another organization is another round."""
    _require_may_run(by, evaluation_round.organization)
    locked = _lock_draft(evaluation_round)
    if not period.strip():
        raise ValidationError({"period": _("请填写评议期间，如“2010年下半年”。")})
    _check_briefing_kind(briefing_kind)
    _check_times(opens_at, closes_at)
    counts = _clean_categories(categories, _round_category_labels(locked))
    locked.period = period.strip()
    locked.briefing_on = briefing_on
    locked.briefing_kind = briefing_kind
    locked.briefing_summary = briefing_summary.strip()
    locked.opens_at = opens_at
    locked.closes_at = closes_at
    locked._history_user = by
    locked.save(update_fields=["period", "briefing_on", "briefing_kind", "briefing_summary", "opens_at", "closes_at"])
    for category in RoundCategory.objects.filter(round=locked):
        category.code_count = counts.get(category.category, 0)
        category.save(update_fields=["code_count"])
    return locked


@transaction.atomic
def subject_add(*, evaluation_round: EvaluationRound, member: Member, by: User) -> EvaluationSubject:
    """Add a member of the round's organization as a subject (draft only)."""
    _require_may_run(by, evaluation_round.organization)
    locked = _lock_draft(evaluation_round)
    if member.organization_id != locked.organization_id:
        raise ValidationError(
            _("“%(member)s”不是“%(organization)s”的党员，不能作为这次评议的对象。")
            % {"member": member.name, "organization": locked.organization.name}
        )
    if not locked.campaign.covers_member(member):
        raise ValidationError(
            _("“%(campaign)s”只评议党员，“%(member)s”不是中共党员。")
            % {"campaign": locked.campaign.name, "member": member.name}
        )
    if EvaluationSubject.objects.filter(round=locked, member=member).exists():
        raise ValidationError(_("“%(member)s”已经是评议对象。") % {"member": member.name})
    last = EvaluationSubject.objects.filter(round=locked).aggregate(last=Max("order"))["last"] or 0
    return EvaluationSubject.objects.create(round=locked, member=member, order=last + 1)


@transaction.atomic
def subject_remove(*, subject: EvaluationSubject, by: User) -> None:
    """Take a member off a draft round. The organization itself is always evaluated."""
    _require_may_run(by, subject.round.organization)
    _lock_draft(subject.round)
    if subject.is_organization:
        raise ValidationError(_("党组织本身是每次评议的对象，不能移除。"))
    subject.delete()


# ---------------------------------------------------------------------------
# Opening: the codes are made here
# ---------------------------------------------------------------------------


@transaction.atomic
def round_open(*, evaluation_round: EvaluationRound, by: User) -> EvaluationRound:
    """Open the round and generate its codes, so the slips can be printed. Forms are
    accepted from the opening time to the closing time."""
    from reviews.codes import codes_generate

    _require_may_run(by, evaluation_round.organization)
    locked = EvaluationRound.objects.select_for_update().get(pk=evaluation_round.pk)
    categories: list[RoundCategory] = []
    if locked.state == RoundState.DRAFT:
        # Checked only for a draft; any other state gets the transition's own refusal.
        if not EvaluationSubject.objects.filter(round=locked).exists():
            raise ValidationError(_("这次评议还没有评议对象，不能开始。"))
        categories = list(RoundCategory.objects.filter(round=locked, code_count__gt=0))
        if not categories:
            raise ValidationError(_("还没有为任何一类评议人设定评议码数量，不能开始。"))
        if locked.closes_at <= timezone.now():
            raise ValidationError(_("截止时间已过，请先修改截止时间再开始评议。"))
    locked = round_transition(locked, "open", opened_at=timezone.now())
    codes_generate(evaluation_round=locked, categories=categories)
    return locked


# ---------------------------------------------------------------------------
# Progress: how many codes were used, never which, never any choice
# ---------------------------------------------------------------------------


def round_progress(evaluation_round: EvaluationRound) -> dict[str, dict[str, int]]:
    """{category: {"issued": n, "used": m}} for each category the round hands codes to.
    Two queries. Nothing here says which code was used or what anyone chose."""
    categories = RoundCategory.objects.filter(round=evaluation_round, code_count__gt=0).order_by("order", "pk")
    progress = {category: {"issued": 0, "used": 0} for category in categories.values_list("category", flat=True)}
    retired = {
        category: used for category, used in categories.values_list("category", "codes_used") if used is not None
    }
    counts = (
        EvaluationCode.objects.filter(round=evaluation_round)
        .values("category")
        .annotate(issued=Count("pk"), used=Count("pk", filter=Q(used=True)))
        .order_by()
    )
    for row in counts:
        # After the tally every code reads used: the tally kept the real count.
        used = retired.get(row["category"], row["used"])
        progress[row["category"]] = {"issued": row["issued"], "used": used}
    return progress
