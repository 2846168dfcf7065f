"""待办 and 最近动态 on the home page: what waits for the user, and what changed for them.

Each capability contributes one small function ``(context) -> list[WaitingItem]`` in
WAITING_SOURCES; each costs a fixed number of queries (a slice, or one aggregate), so the
page costs the same however much waits. A capability merged later (dispatch) adds its own
function to WAITING_SOURCES and nothing else changes. Reads go through the scoped
managers, so callers run inside the user's scope (requests always do).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.dispatch.selectors import open_tasks_for
from campaign.inspections.models import Visit, VisitState
from orgs.access import user_scope
from orgs.models import Reminder, ReminderKind, Role, User
from pledges.lifecycle import FILING_ROLES, awaiting_decision
from pledges.models import Pledge, PledgeState, Rectification, RectificationStatus
from pledges.rectification import MANAGING_ROLES, sign_off_q
from reviews.assignments import reviewer_organization
from reviews.models import EvaluationRound, Review, RoundState
from reviews.review_coverage import overdue_for_reviewer

# Objects listed one by one per kind; beyond that one more line links to the full list.
SHOWN_PER_KIND = 5
RECENT_DAYS = 30
RECENT_SHOWN = 10


@dataclass(frozen=True)
class WaitingItem:
    kind: str
    title: str
    url: str
    button: str
    when: datetime.datetime | None = None
    count: int = 1
    detail: str = ""
    late: bool = False
    # For a reminder: where its 忽略 button posts.
    dismiss_url: str = ""


@dataclass(frozen=True)
class Change:
    kind: str
    title: str
    url: str
    when: datetime.datetime
    detail: str = ""


@dataclass
class WaitingContext:
    user: User
    campaign: Campaign | None
    today: datetime.date
    now: datetime.datetime = field(default_factory=timezone.now)


def _at(day: datetime.date | None) -> datetime.datetime | None:
    """A date as the start of that day, to sort with datetimes."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _managing(user: User) -> bool:
    return (user.is_superuser or user.role in MANAGING_ROLES) and user.organization_id is not None


def _more(kind: str, rows: list, title: str, url: str, button: str) -> list[WaitingItem]:
    """The line for what SHOWN_PER_KIND left off, if anything was."""
    if len(rows) <= SHOWN_PER_KIND:
        return []
    return [WaitingItem(kind=kind, title=title, url=url, button=button, when=None, count=0)]


# ---------------------------------------------------------------------------
# One function per capability
# ---------------------------------------------------------------------------


def pledges_to_decide(ctx: WaitingContext) -> list[WaitingItem]:
    """Submitted pledges the user approves or returns: one query."""
    if ctx.campaign is None:
        return []
    rows = list(
        awaiting_decision(ctx.user, Pledge.objects.filter(campaign=ctx.campaign))
        .select_related("organization", "member")
        .order_by("-submitted_at", "-pk")[: SHOWN_PER_KIND + 1]
    )
    items = [
        WaitingItem(
            kind="pledge_submitted",
            title=_("%(pledger)s提交了承诺“%(title)s”，待审核") % {"pledger": p.pledger_name, "title": p.title},
            url=p.get_absolute_url(),
            button=_("审核"),
            when=p.submitted_at,
        )
        for p in rows[:SHOWN_PER_KIND]
    ]
    return items + _more("pledge_submitted", rows, _("还有更多待审核的承诺"), reverse("pledges:list"), _("全部待审核"))


def pledges_returned(ctx: WaitingContext) -> list[WaitingItem]:
    """Pledges sent back to the user's side, to amend and submit again: one query."""
    if ctx.campaign is None:
        return []
    user = ctx.user
    mine = Q(member_id=user.member_id) if user.member_id else Q(pk__in=[])
    if user.role in FILING_ROLES and user.organization_id and user_scope(user).writable:
        mine |= Q(organization_id=user.organization_id, member__isnull=True)
    rows = list(
        Pledge.objects.filter(mine, campaign=ctx.campaign, state=PledgeState.RETURNED)
        .select_related("organization", "member")
        .order_by("-decided_at", "-pk")[:SHOWN_PER_KIND]
    )
    return [
        WaitingItem(
            kind="pledge_returned",
            title=_("承诺“%(title)s”被退回，请修改后重新提交") % {"title": p.title},
            url=p.get_absolute_url(),
            button=_("修改"),
            when=p.decided_at,
            detail=p.return_reason,
        )
        for p in rows
    ]


def rounds_to_run(ctx: WaitingContext) -> list[WaitingItem]:
    """群众评议 rounds of the user's subtree to open (draft) or to close (past closing): one query."""
    user = ctx.user
    if ctx.campaign is None or not _managing(user) or not user_scope(user).writable:
        return []
    rows = list(
        EvaluationRound.objects.filter(campaign=ctx.campaign, organization__path__startswith=user.organization.path)
        .filter(Q(state=RoundState.DRAFT) | Q(state=RoundState.OPEN, closes_at__lte=ctx.now))
        .select_related("organization")
        .order_by("-opens_at", "-pk")[:SHOWN_PER_KIND]
    )
    items = []
    for r in rows:
        if r.state == RoundState.DRAFT:
            title = _("%(organization)s%(period)s群众评议尚未开始") % {
                "organization": r.organization.name,
                "period": r.period,
            }
            items.append(WaitingItem("round_to_open", title, r.get_absolute_url(), _("开始评议"), r.created_at))
        else:
            title = _("%(organization)s%(period)s群众评议已到截止时间") % {
                "organization": r.organization.name,
                "period": r.period,
            }
            items.append(WaitingItem("round_to_close", title, r.get_absolute_url(), _("结束评议"), r.closes_at))
    return items


def reviews_due(ctx: WaitingContext) -> list[WaitingItem]:
    """Subjects the user let a review period go by without a review: two queries."""
    if ctx.campaign is None or reviewer_organization(ctx.user) is None:
        return []
    overdue = overdue_for_reviewer(ctx.user, ctx.campaign, ctx.today)
    if not overdue:
        return []
    return [
        WaitingItem(
            kind="reviews_due",
            title=_("上一点评周期有%(count)s个对象没有点评") % {"count": len(overdue)},
            detail="、".join(mark.member.name if mark.member_id else mark.organization.name for mark in overdue),
            url=reverse("reviews:due"),
            button=_("去点评"),
            when=_at(max(mark.marked_on for mark in overdue)),
            count=len(overdue),
            late=True,
        )
    ]


def rectifications_to_report(ctx: WaitingContext) -> list[WaitingItem]:
    """Tasks of the user's own organization not yet reported done: one query."""
    user = ctx.user
    if ctx.campaign is None or not _managing(user) or not user_scope(user).writable:
        return []
    rows = list(
        Rectification.objects.filter(
            campaign=ctx.campaign,
            organization_id=user.organization_id,
            status__in=[RectificationStatus.OPEN, RectificationStatus.IN_PROGRESS],
        ).order_by("deadline", "pk")[: SHOWN_PER_KIND + 1]
    )
    items = [
        WaitingItem(
            kind="rectification_to_report",
            # The category, not the problem: a dismissed 整改逾期 reminder quoting it stays dismissed.
            title=_("%(category)s整改任务，整改时限%(deadline)s，尚未报告完成")
            % {"category": r.category, "deadline": r.deadline.isoformat()},
            url=reverse("pledges:rectification_report", args=[r.pk]),
            button=_("报告完成"),
            when=_at(r.deadline),
            late=r.deadline < ctx.today,
        )
        for r in rows[:SHOWN_PER_KIND]
    ]
    return items + _more(
        "rectification_to_report", rows, _("还有更多整改任务"), reverse("pledges:rectifications"), _("全部整改")
    )


def rectifications_to_sign_off(ctx: WaitingContext) -> list[WaitingItem]:
    """待验收: reported tasks the user may sign off, as one line with their count: one query."""
    user = ctx.user
    if not (user.is_superuser or user.role in MANAGING_ROLES or user.role == Role.INSPECTOR):
        return []
    tasks = Rectification.objects.filter(sign_off_q(user), status=RectificationStatus.SOLVED)
    if ctx.campaign is not None:
        tasks = tasks.filter(campaign=ctx.campaign)
    found = tasks.aggregate(count=Count("pk"), last=Max("reported_at"))
    if not found["count"]:
        return []
    return [
        WaitingItem(
            kind="rectification_to_verify",
            title=_("%(count)s项整改已报告完成，待验收销号") % {"count": found["count"]},
            url=reverse("pledges:rectifications_to_verify"),
            button=_("验收"),
            when=found["last"],
            count=found["count"],
        )
    ]


def visits_planned(ctx: WaitingContext) -> list[WaitingItem]:
    """An inspection group's planned visits, to record: one query."""
    if ctx.user.role != Role.INSPECTOR:
        return []
    visits = Visit.objects.filter(inspector=ctx.user, state=VisitState.PLANNED)
    if ctx.campaign is not None:
        visits = visits.filter(campaign=ctx.campaign)
    rows = list(visits.select_related("organization").order_by("-planned_on", "-pk")[:SHOWN_PER_KIND])
    return [
        WaitingItem(
            kind="visit_planned",
            title=_("计划%(day)s检查%(organization)s")
            % {"day": v.planned_on.isoformat(), "organization": v.organization.name},
            url=reverse("campaign:visit_record", args=[v.pk]),
            button=_("记录检查"),
            when=_at(v.planned_on),
            late=v.planned_on < ctx.today,
        )
        for v in rows
    ]


def dispatch_returns_due(ctx: WaitingContext) -> list[WaitingItem]:
    """工作部署 sent to the user's organization that still wait for its return: two queries."""
    rows = open_tasks_for(ctx.user, ctx.today)[:SHOWN_PER_KIND]
    return [
        WaitingItem(
            kind="dispatch_return",
            title=row.recipient.task.title,
            url=row.recipient.get_absolute_url(),
            button=_("去报送"),
            when=row.recipient.task.created_at,
            detail=_("%(sender)s · 报送时限 %(deadline)s")
            % {"sender": row.recipient.task.sender.name, "deadline": row.recipient.deadline.isoformat()},
            late=row.recipient.deadline < ctx.today,
        )
        for row in rows
    ]


# Reminders of these kinds are answered by the live lines above; the others (信息报送不足,
# 整改逾期 sent to superiors too) come from the reminders job only.
LIVE_REMINDER_KINDS = {ReminderKind.REVIEWS_OVERDUE, ReminderKind.RECTIFICATION_TO_VERIFY}


def reminders(ctx: WaitingContext) -> list[WaitingItem]:
    """The user's open reminders that no live line covers (reports short of quota): one query."""
    rows = Reminder.objects.filter(user=ctx.user, resolved_at__isnull=True, dismissed_at__isnull=True).exclude(
        kind__in=LIVE_REMINDER_KINDS
    )
    return [
        WaitingItem(
            kind=f"reminder_{r.kind}",
            title=r.message,
            url=r.url,
            button=_("去办理"),
            when=r.created_at,
            detail=r.get_kind_display(),
            dismiss_url=reverse("orgs:reminder_dismiss", args=[r.pk]),
        )
        for r in rows.order_by("-created_at", "pk")[:SHOWN_PER_KIND]
    ]


WaitingSource = Callable[[WaitingContext], list[WaitingItem]]

WAITING_SOURCES: list[WaitingSource] = [
    dispatch_returns_due,
    pledges_to_decide,
    pledges_returned,
    rounds_to_run,
    reviews_due,
    rectifications_to_report,
    rectifications_to_sign_off,
    visits_planned,
    reminders,
]


def waiting_items(user: User, campaign: Campaign | None, today: datetime.date | None = None) -> list[WaitingItem]:
    """Everything waiting for the user, newest first (undated lines last)."""
    if not user.is_authenticated:
        return []
    ctx = WaitingContext(user=user, campaign=campaign, today=today or timezone.localdate())
    items = [item for source in WAITING_SOURCES for item in source(ctx)]
    oldest = timezone.make_aware(datetime.datetime(1970, 1, 2))
    items.sort(key=lambda item: item.when or oldest, reverse=True)
    return items


def waiting_count(items: list[WaitingItem]) -> int:
    """The header's number: things to do, each counted once (a 'more' line counts none)."""
    return sum(item.count for item in items)


# ---------------------------------------------------------------------------
# 最近动态
# ---------------------------------------------------------------------------


def _own_pledges_q(user: User) -> Q:
    own = Q(submitted_by=user)
    if user.member_id:
        own |= Q(member_id=user.member_id)
    if user.organization_id and user.role in FILING_ROLES:
        own |= Q(organization_id=user.organization_id, member__isnull=True)
    return own


def _pledge_changes(user: User, since: datetime.datetime) -> list[Change]:
    rows = Pledge.objects.filter(_own_pledges_q(user)).filter(Q(decided_at__gte=since) | Q(assessed_at__gte=since))
    changes = []
    for p in rows.select_related("organization", "member").order_by("-updated_at")[:RECENT_SHOWN]:
        if p.assessed_at and p.assessed_at >= since:
            changes.append(
                Change(
                    "pledge_assessed",
                    _("承诺“%(title)s”已评定") % {"title": p.title},
                    p.get_absolute_url(),
                    p.assessed_at,
                    p.get_fulfillment_display(),
                )
            )
        if p.decided_at and p.decided_at >= since:
            if p.state == PledgeState.RETURNED:
                changes.append(
                    Change(
                        "pledge_returned",
                        _("承诺“%(title)s”被退回") % {"title": p.title},
                        p.get_absolute_url(),
                        p.decided_at,
                        p.return_reason,
                    )
                )
            elif p.state != PledgeState.SUBMITTED:
                changes.append(
                    Change(
                        "pledge_approved",
                        _("承诺“%(title)s”已审核通过") % {"title": p.title},
                        p.get_absolute_url(),
                        p.decided_at,
                    )
                )
    return changes


def _review_changes(user: User, since: datetime.datetime) -> list[Change]:
    about = Q(member_id=user.member_id) if user.member_id else Q(pk__in=[])
    if user.organization_id and user.role in FILING_ROLES:
        about |= Q(organization_id=user.organization_id, member__isnull=True)
    rows = Review.objects.filter(about, created_at__gte=since).select_related(
        "reviewer_organization", "member", "organization"
    )
    return [
        Change(
            "reviewed",
            _("%(reviewer)s点评了%(subject)s")
            % {
                "reviewer": r.reviewer_organization.name,
                "subject": r.member.name if r.member_id else r.organization.name,
            },
            r.get_absolute_url(),
            r.created_at,
        )
        for r in rows.order_by("-created_at")[:RECENT_SHOWN]
    ]


def _round_changes(user: User, since: datetime.datetime) -> list[Change]:
    if user.organization_id is None or user.role not in FILING_ROLES:
        return []
    rows = EvaluationRound.objects.filter(
        organization__path__startswith=user.organization.path, tallied_at__gte=since
    ).select_related("organization")
    return [
        Change(
            "round_tallied",
            _("%(organization)s%(period)s群众评议已汇总") % {"organization": r.organization.name, "period": r.period},
            reverse("reviews:results", args=[r.pk]),
            r.tallied_at,
        )
        for r in rows.order_by("-tallied_at")[:RECENT_SHOWN]
    ]


def _rectification_changes(user: User, since: datetime.datetime) -> list[Change]:
    own = Q(member_id=user.member_id) if user.member_id else Q(pk__in=[])
    if user.organization_id and user.role in MANAGING_ROLES:
        own |= Q(organization_id=user.organization_id)
    rows = Rectification.objects.filter(own, status=RectificationStatus.VERIFIED, verified_at__gte=since)
    return [
        Change(
            "rectification_verified",
            _("整改任务“%(problem)s”已验收销号") % {"problem": r.problem[:40]},
            r.get_absolute_url(),
            r.verified_at,
        )
        for r in rows.order_by("-verified_at")[:RECENT_SHOWN]
    ]


def own_pledge(user: User, campaign: Campaign | None) -> Pledge | None:
    """The member's own newest pledge in the campaign, for the 我的承诺 card: one query."""
    if campaign is None or not user.member_id:
        return None
    return Pledge.objects.filter(campaign=campaign, member_id=user.member_id).order_by("-created_at", "-pk").first()


CHANGE_SOURCES = [_pledge_changes, _review_changes, _round_changes, _rectification_changes]


def recent_changes(user: User, now: datetime.datetime | None = None) -> list[Change]:
    """What changed for the user in the last RECENT_DAYS days, newest first: one query per source."""
    if not user.is_authenticated:
        return []
    since = (now or timezone.now()) - datetime.timedelta(days=RECENT_DAYS)
    changes = [change for source in CHANGE_SOURCES for change in source(user, since)]
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes[:RECENT_SHOWN]
