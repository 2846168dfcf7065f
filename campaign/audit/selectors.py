"""The audit log (修改记录): every change to pledges, leader reviews, evaluation rounds,
paper tally sheets, score sheets and circulars, with who made it and when, for the
office. Read from the history tables django-simple-history keeps beside each model;
nothing in the app writes to those tables but the library, and no page edits them.

Ballots are not here, by design: a ballot carries no user and no time (reviews.ballots).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from heapq import merge
from itertools import islice

from django.db.models import Model, Q
from django.utils.translation import gettext_lazy as _

from campaign.circulars.models import Circular
from campaign.infra.history import history_diff
from campaign.scores.models import Indicator, ManualScore, ScorePeriod, ScoreSheet
from orgs.scoping import Scope
from pledges.models import Pledge, PledgeItem, Rectification
from reviews.models import EvaluationRound, PaperCount, PaperTally, Review, ReviewSection


@dataclass(frozen=True)
class Audited:
    key: str
    label: str
    model: type[Model]
    # Organization paths that place a record in the tree: in scope when any is under a root.
    paths: tuple[str, ...]
    # What to fetch with the records, and how to name the object a record is of.
    related: tuple[str, ...]
    describe: Callable[[Model], str]


def _round_name(evaluation_round) -> str:
    return f"{evaluation_round.organization.name} {evaluation_round.period}" if evaluation_round else ""


AUDITED: tuple[Audited, ...] = (
    Audited("pledge", _("公开承诺"), Pledge, ("organization__path",), ("organization",), lambda r: r.title),
    Audited(
        "pledge_item",
        _("承诺事项"),
        PledgeItem,
        ("pledge__organization__path",),
        ("pledge",),
        lambda r: f"{r.pledge.title if r.pledge else ''}：{r.target[:40]}",
    ),
    Audited("rectification", _("整改任务"), Rectification, ("organization__path",), (), lambda r: r.problem[:40]),
    Audited(
        "review",
        _("领导点评"),
        Review,
        ("organization__path", "member__organization__path"),
        ("organization", "member"),
        lambda r: f"{(r.member or r.organization).name if (r.member or r.organization) else ''} {r.reviewed_on}",
    ),
    Audited(
        "review_section",
        _("点评内容"),
        ReviewSection,
        ("review__organization__path", "review__member__organization__path"),
        ("dimension",),
        lambda r: str(r.dimension) if r.dimension else "",
    ),
    Audited(
        "round",
        _("评议活动"),
        EvaluationRound,
        ("organization__path",),
        ("organization",),
        lambda r: f"{r.organization.name if r.organization else ''} {r.period}",
    ),
    Audited(
        "paper_tally",
        _("纸质评议表汇总"),
        PaperTally,
        ("round__organization__path",),
        ("round__organization",),
        lambda r: f"{_round_name(r.round)} {r.round.category_labels().get(r.category, r.category)}",
    ),
    Audited(
        "paper_count",
        _("纸质评议票数"),
        PaperCount,
        ("tally__round__organization__path",),
        ("tally__round__organization",),
        lambda r: f"{_round_name(r.tally.round) if r.tally else ''} {r.choice} {r.count}",
    ),
    Audited(
        "score_sheet",
        _("考核评分表"),
        ScoreSheet,
        ("campaign__organization__path",),
        ("campaign",),
        lambda r: f"{r.campaign.name if r.campaign else ''} {r.total_points}",
    ),
    Audited("indicator", _("考核指标"), Indicator, ("sheet__campaign__organization__path",), (), lambda r: r.name),
    Audited("score_period", _("考核期"), ScorePeriod, ("campaign__organization__path",), (), lambda r: r.name),
    Audited(
        "manual_score",
        _("检查组评分"),
        ManualScore,
        ("organization__path",),
        ("organization", "indicator"),
        lambda r: " ".join(
            (r.organization.name if r.organization else "", r.indicator.name if r.indicator else "", str(r.points))
        ),
    ),
    Audited(
        "circular",
        _("通报"),
        Circular,
        ("issuer__path",),
        (),
        lambda r: f"{r.number_text} {r.title}" if r.number_text else r.title,
    ),
)
BY_KEY = {audited.key: audited for audited in AUDITED}


@dataclass(frozen=True)
class AuditEntry:
    when: datetime.datetime
    kind: str
    action: str
    subject: str
    who: str
    changed: tuple[str, ...]
    reason: str


def _in_scope(audited: Audited, scope: Scope) -> Q:
    """History tables have no scoped manager of their own: the records are filtered by
    the same scope as the rows they are of (orgs.scoping)."""
    condition = Q(pk__in=[])
    for path in audited.paths:
        condition |= scope.organization_q(path)
    return condition


def audit_entries(
    scope: Scope,
    *,
    kind: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[AuditEntry]:
    """The newest changes first, within the scope: ``limit`` of them after ``offset``.
    One query per kind of record for the page, merged newest first, and one more per
    change shown for the fields it touched."""
    kinds = [BY_KEY[kind]] if kind else list(AUDITED)
    streams = []
    for audited in kinds:
        records = audited.model.history.filter(_in_scope(audited, scope))
        if since:
            records = records.filter(history_date__date__gte=since)
        if until:
            records = records.filter(history_date__date__lte=until)
        records = records.select_related("history_user", *audited.related).order_by("-history_date", "-history_id")
        streams.append([(record, audited) for record in records[: offset + limit]])
    newest_first = merge(*streams, key=lambda pair: pair[0].history_date, reverse=True)
    entries = []
    for record, audited in islice(newest_first, offset, offset + limit):
        # Only a change is compared, with the record before it (a query each): the log names
        # what a change touched; a creation's fields are the record itself.
        before = record.prev_record if record.history_type == "~" else None
        diff = history_diff(record, before=before, subject=audited.describe(record))
        entries.append(
            AuditEntry(
                when=diff.when,
                kind=str(audited.label),
                action=diff.action,
                subject=diff.subject,
                who=diff.who,
                changed=tuple(change.label for change in diff.changes) if before is not None else (),
                reason=diff.reason,
            )
        )
    return entries
