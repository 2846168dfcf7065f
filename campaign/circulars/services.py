"""通报: circulars built from the campaign's data, numbered, rendered to PDF and archived.

The life of a circular: the office makes a draft for a kind and a period, edits its
texts and previews it, built from the data as they are now. Issuing assigns the next
number of the issuer and year (the counter row is locked, so two issues at once take
two numbers, in order, with no gap), freezes the data in ``snapshot`` and queues the
render. The task (campaign.circulars.tasks.render_circular) claims the circular with a
conditional UPDATE, renders the frozen snapshot with WeasyPrint, stores the file under
its final name only once it is whole, and marks the circular issued with the file's
hash, in one transaction. A failed render is retried with a growing pause, then left
failed with its reason; the office may queue it again and it keeps its number. From
issue on nothing of a circular changes: a mistake is put right by a new circular that
corrects it.

The snapshot builders below each read the issuer's whole subtree in a fixed number of
queries and return plain JSON: names, counts and percentages as text, as they are to
be printed, so that the PDF reads the same whatever happens to the data later.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_may_edit
from campaign.circulars.models import Circular, CircularCounter, CircularKind, CircularState
from campaign.dashboard.figures import FRESH_MINUTES, Figures, figures_ensure, figures_totals_by, group_figures
from campaign.dashboard.models import OrganizationFigures
from campaign.infra.outbox import outbox_enqueue, task_send
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.services import quarter_bounds
from campaign.reports.services import month_bounds
from campaign.scores.models import OrganizationScore, ScorePeriod
from campaign.scores.services import competition_ranks
from orgs.models import PATH_SEGMENT_LENGTH, Organization, OrganizationKind, Sector, User
from orgs.scoping import unscoped
from reviews.models import EvaluationRound, RemedialRectification, RoundState, TallyResult
from reviews.tally import percent_text, threshold_text

MASS_KINDS = OrganizationKind.mass_organizations()
MAX_ATTACHMENTS = 10
# A render claimed longer ago than this belongs to a worker that died: it may be claimed
# again. Renders take well under a minute (make bench: 192 pages in 25 s); 3 minutes.
STALE_CLAIM = datetime.timedelta(seconds=settings.CIRCULAR_STALE_CLAIM_SECONDS)
# A circular queued this long ago may have lost its message (a Redis restarted without
# its queue): it is sent again. A second message for a circular at work does nothing.
LOST_QUEUE_MESSAGE = datetime.timedelta(minutes=5)
# Progress the detail page shows while the task works.
PROGRESS_CLAIMED, PROGRESS_HTML, PROGRESS_RENDERED, PROGRESS_STORED = 10, 30, 90, 100


class CircularRefused(ValidationError):
    """What the office asked for cannot be done to this circular in its state."""


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: datetime.date
    end: datetime.date
    label: str


def half_year(day: datetime.date) -> Span:
    year = {"year": day.year}
    if day.month < 7:
        return Span(datetime.date(day.year, 1, 1), datetime.date(day.year, 6, 30), _("%(year)s年上半年") % year)
    return Span(datetime.date(day.year, 7, 1), datetime.date(day.year, 12, 31), _("%(year)s年下半年") % year)


QUARTER_NAMES = ("一", "二", "三", "四")


def quarter(day: datetime.date) -> Span:
    first, last = quarter_bounds(day)
    name = QUARTER_NAMES[(first.month - 1) // 3]
    return Span(first, last, _("%(year)s年第%(quarter)s季度") % {"year": first.year, "quarter": name})


def month(day: datetime.date) -> Span:
    first, last = month_bounds(day)
    return Span(first, last, _("%(year)s年%(month)s月") % {"year": first.year, "month": first.month})


SPAN_OF = {
    CircularKind.EVALUATION: half_year,
    CircularKind.REPORTS: quarter,
    CircularKind.PROGRESS: month,
    CircularKind.COMMENDATION: quarter,
}


def period_choices(campaign: Campaign, kind: str, *, today: datetime.date) -> list[Span]:
    """The periods of the campaign a circular of the kind may be about, newest first:
    those begun by today. Not for rankings, which are about a score period."""
    span_of = SPAN_OF[kind]
    spans: list[Span] = []
    day = min(campaign.ends_on, today)
    while day >= campaign.starts_on:
        span = span_of(day)
        spans.append(span)
        day = span.start - datetime.timedelta(days=1)
    return spans


def span_for(kind: str, start: datetime.date) -> Span:
    return SPAN_OF[kind](start)


# ---------------------------------------------------------------------------
# Who may, and the issuer's letterhead
# ---------------------------------------------------------------------------


def may_issue(user: User, campaign: Campaign) -> bool:
    """Circulars are the office's: the office that runs the campaign (or a superuser). No query."""
    return campaign_may_edit(user, campaign)


def _require_issuer(by: User | None, circular_or_campaign) -> None:
    campaign = getattr(circular_or_campaign, "campaign", circular_or_campaign)
    if by is not None and not may_issue(by, campaign):
        raise PermissionDenied(_("通报由县委创先争优办起草和印发。"))


def default_issuer_name(organization: Organization) -> str:
    """中共某县委员会 → 中共某县委创先争优活动领导小组办公室: the office issues, in its committee's name."""
    name = organization.name
    if name.endswith("委员会"):
        name = name.removesuffix("委员会") + "委"
    return _("%(organization)s创先争优活动领导小组办公室") % {"organization": name}


def default_prefix(organization: Organization) -> str:
    """发文机关代字: the place's first character and 创办, e.g. 肃南 → 肃创办."""
    name = organization.name.removeprefix("中共")
    return _("%(place)s创办") % {"place": name[:1]}


def letterhead(organization: Organization) -> tuple[str, str]:
    """(issuer name, number prefix) for a new circular: what the issuer's last circular
    used, so the office sets them once; else the defaults. One query."""
    last = (
        Circular.objects.filter(issuer=organization)
        .order_by("-created_at", "-pk")
        .values_list("issuer_name", "number_prefix")
        .first()
    )
    return last or (default_issuer_name(organization), default_prefix(organization))


def number_text(prefix: str, year: int, serial: int) -> str:
    """GB/T 9704: 肃创办〔2012〕3号, the year in hexagonal brackets, no leading zero."""
    return f"{prefix}〔{year}〕{serial}号"


def recipient_choices(issuer: Organization):
    """Who a circular may be sent to: the party organizations right below the issuer."""
    return Organization.objects.filter(parent=issuer).exclude(kind__in=MASS_KINDS).order_by("path")


def addressee_text(issuer: Organization, recipients: Sequence[Organization], *, all_chosen: bool) -> str:
    """主送机关 as an office writes it: 各乡镇党委，县直各单位党组织 when the circular
    goes to every organization below a county; their names when it goes to a few."""
    if not recipients:
        return ""
    if not all_chosen:
        return "、".join(organization.name for organization in recipients)
    if issuer.kind == OrganizationKind.COUNTY_COMMITTEE:
        townships = [
            o
            for o in recipients
            if o.kind == OrganizationKind.COMMITTEE and o.sector in (Sector.RURAL, Sector.COMMUNITY)
        ]
        parts = []
        if townships:
            parts.append(_("各乡镇党委"))
        if len(townships) < len(recipients):
            parts.append(_("县直各单位党组织"))
        return "，".join(parts)
    kinds = []
    for organization in recipients:
        label = _("各%(kind)s") % {"kind": organization.get_kind_display()}
        if label not in kinds:
            kinds.append(label)
    return "、".join(kinds)


def suggested_title(kind: str, period_label: str, campaign: Campaign) -> str:
    titles = {
        CircularKind.EVALUATION: _("关于%(period)s群众评议结果的通报"),
        CircularKind.REPORTS: _("关于%(period)s信息上报情况的通报"),
        CircularKind.PROGRESS: _("关于%(period)s创先争优活动进展情况的通报"),
        CircularKind.RANKING: _("关于%(period)s创先争优活动考核排名情况的通报"),
        CircularKind.COMMENDATION: _("关于表彰%(period)s创先争优先进典型的通报"),
    }
    return titles[kind] % {"period": period_label}


# ---------------------------------------------------------------------------
# Snapshot builders: plain JSON, a fixed number of queries each, unscoped
# ---------------------------------------------------------------------------


@dataclass
class Built:
    data: dict
    concerned: set[int] = field(default_factory=set)


def _percent_text(part: int, whole: int) -> str:
    """A share as printed, "88.9%"; a dash when there is nothing to share."""
    if not whole:
        return "—"
    share = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{share}%"


def _share_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _common(campaign: Campaign, kind: str, label: str) -> dict:
    return {"kind": kind, "campaign": campaign.name, "period": label, "built_at": timezone.now().isoformat()}


def evaluation_snapshot(campaign: Campaign, issuer: Organization, span: Span) -> Built:
    """群众评议结果: the rounds tallied in the half-year in the issuer's subtree, each with
    its forms and subjects, and every subject under the threshold with its satisfaction
    and remedial deadline. Three queries."""
    threshold = campaign.satisfaction_threshold
    rounds = list(
        EvaluationRound.objects.filter(
            campaign=campaign,
            state__in=(RoundState.TALLIED, RoundState.PUBLISHED),
            closes_at__date__range=(span.start, span.end),
            organization__path__startswith=issuer.path,
        )
        .select_related("organization__parent")
        .order_by("organization__path", "closes_at", "pk")
    )
    results = (
        TallyResult.objects.filter(round__in=[r.pk for r in rounds], category="")
        .select_related("subject__member__organization")
        .order_by("subject__order", "subject__pk")
    )
    deadlines = dict(
        RemedialRectification.objects.filter(round__in=[r.pk for r in rounds]).values_list(
            "subject_id", "rectification__deadline"
        )
    )
    counted_basic = campaign.basic_satisfied_counts
    by_round: dict[int, list[TallyResult]] = defaultdict(list)
    for result in results:
        by_round[result.round_id].append(result)

    built = Built({**_common(campaign, CircularKind.EVALUATION, span.label)})
    lines, below = [], []
    totals = {"rounds": len(rounds), "forms": 0, "subjects": 0, "evaluated": 0, "below": 0}
    satisfied_all = counted_all = 0
    for evaluation_round in rounds:
        organization = evaluation_round.organization
        built.concerned.add(organization.pk)
        rows = by_round.get(evaluation_round.pk, [])
        evaluated = [row for row in rows if row.is_evaluated]
        flagged = [row for row in rows if row.below_threshold]
        own = next((row for row in rows if row.subject.member_id is None), None)
        forms = max((row.forms for row in rows), default=0)
        lines.append(
            {
                "organization": organization.name,
                # The superior, unless it is the issuer itself (a township's round).
                "superior": organization.parent.name if organization.parent_id not in (None, issuer.pk) else "",
                "round_period": evaluation_round.period,
                "closed_on": timezone.localtime(evaluation_round.closes_at).date().isoformat(),
                "forms": forms,
                "subjects": len(rows),
                "evaluated": len(evaluated),
                "below": len(flagged),
                "satisfaction": percent_text(own.satisfaction, under=threshold if own.below_threshold else None)
                if own is not None and own.is_evaluated
                else "—",
            }
        )
        totals["forms"] += forms
        totals["subjects"] += len(rows)
        totals["evaluated"] += len(evaluated)
        totals["below"] += len(flagged)
        for row in rows:
            satisfied_all += row.satisfied + (row.basically_satisfied if counted_basic else 0)
            counted_all += row.counted
        for row in flagged:
            member = row.subject.member
            deadline = deadlines.get(row.subject_id)
            if member is not None:
                built.concerned.add(member.organization_id)
            below.append(
                {
                    "name": member.name if member else organization.name,
                    "is_organization": member is None,
                    "organization": member.organization.name if member else organization.name,
                    "round_organization": organization.name,
                    "satisfaction": percent_text(row.satisfaction, under=threshold),
                    "deadline": deadline.isoformat() if deadline else "",
                }
            )
    totals["satisfaction"] = _percent_text(satisfied_all, counted_all)
    built.data.update(
        threshold=threshold_text(threshold),
        basic_satisfied_counts=counted_basic,
        rounds=lines,
        below=below,
        totals=totals,
    )
    return built


def _months_within(campaign: Campaign, span: Span) -> int:
    """Months of the span that fall (at least in part) within the campaign."""
    count, day = 0, span.start
    while day <= span.end:
        first, last = month_bounds(day)
        if first <= campaign.ends_on and last >= campaign.starts_on:
            count += 1
        day = last + datetime.timedelta(days=1)
    return count


def _group_key(issuer: Organization, path: str) -> str:
    """The path of the issuer's child whose subtree holds ``path``."""
    return path[: len(issuer.path) + PATH_SEGMENT_LENGTH]


REPORT_SUMS = ("organizations", "reported", "adopted", "counted", "quota", "short")


def reports_snapshot(campaign: Campaign, issuer: Organization, span: Span) -> Built:
    """信息上报季度通报: every party organization below the issuer, its items in the
    quarter against the quota (monthly quota × the campaign's months in the quarter);
    the issuer's children (townships, clusters) ranked by the share of their quota met,
    each organization's items counting only up to its own quota, as the score sheet
    counts them; and the organizations short of it. Two queries."""
    months = _months_within(campaign, span)
    quota = campaign.reports_per_month * months
    organizations = list(
        Organization.objects.filter(path__startswith=issuer.path)
        .exclude(pk=issuer.pk)
        .exclude(kind__in=MASS_KINDS)
        .annotate(
            reported=Count(
                "info_reports",
                filter=Q(info_reports__campaign=campaign, info_reports__reported_on__range=(span.start, span.end)),
            ),
            adopted=Count(
                "info_reports",
                filter=Q(info_reports__campaign=campaign, info_reports__reported_on__range=(span.start, span.end))
                & ~Q(info_reports__adopted_level=""),
            ),
        )
        .order_by("path")
    )
    groups: dict[str, dict] = {}
    names = {o.path: o.name for o in organizations}
    short = []
    for organization in organizations:
        key = _group_key(issuer, organization.path)
        group = groups.setdefault(
            key,
            {"name": names.get(key, ""), **dict.fromkeys(REPORT_SUMS, 0)},
        )
        group["organizations"] += 1
        group["reported"] += organization.reported
        group["adopted"] += organization.adopted
        group["counted"] += min(organization.reported, quota)
        group["quota"] += quota
        if organization.reported < quota:
            group["short"] += 1
            short.append(
                {
                    "name": organization.name,
                    "group": group["name"],
                    "reported": organization.reported,
                    "quota": quota,
                    "missing": quota - organization.reported,
                }
            )
    entries = []
    for index, group in enumerate(groups.values()):
        share = Decimal(group["counted"]) / group["quota"] if group["quota"] else Decimal(0)
        entries.append((share, group["name"], index))
    ordered = list(groups.values())
    ranked = []
    for index, rank in competition_ranks(entries):
        group = ordered[index]
        ranked.append({**group, "rank": rank, "rate": _percent_text(group["counted"], group["quota"])})
    totals = {name: sum(group[name] for group in ordered) for name in REPORT_SUMS}
    totals["rate"] = _percent_text(totals["counted"], totals["quota"])
    built = Built({**_common(campaign, CircularKind.REPORTS, span.label)})
    built.data.update(
        months=months, per_month=campaign.reports_per_month, quota=quota, groups=ranked, short=short, totals=totals
    )
    built.concerned = {o.pk for o in organizations if o.path in groups or o.reported < quota}
    return built


PROGRESS_COLUMNS = (
    "party_organizations",
    "organizations_percent",
    "members_percent",
    "fulfillment_percent",
    "late_items",
    "supervised",
    "reviews_percent",
    "reviews_pending",
    "subjects_evaluated",
    "subjects_below",
    "satisfaction_percent",
    "rectifications_open",
    "rectifications_overdue",
    "reports",
    "reports_quota",
    "reports_short",
    "models_selected",
    "models_quota",
)


def _progress_line(label: str, figures: Figures) -> dict:
    line = {"name": label}
    for name in PROGRESS_COLUMNS:
        value = getattr(figures, name)
        line[name] = _share_text(value) if name.endswith("_percent") else value
    return line


def progress_snapshot(campaign: Campaign, issuer: Organization, span: Span, *, today: datetime.date) -> Built:
    """活动进展情况: the dashboard's figures of the month for each of the issuer's
    children (and the issuer's own level), with the total. The month's figures are
    refreshed first when stale (figures_ensure); then three queries."""
    figures_ensure(campaign, [span.start], today=today, fresh_minutes=FRESH_MINUTES)
    rows = OrganizationFigures.objects.filter(
        campaign=campaign, month=span.start, organization__path__startswith=issuer.path
    )
    by_child = figures_totals_by(rows, Substr("organization__path", 1, len(issuer.path) + PATH_SEGMENT_LENGTH))
    as_of = rows.order_by("-as_of").values_list("as_of", flat=True).first()
    names = {o.path: o for o in Organization.objects.filter(path__in=list(by_child))}
    lines, total = [], Figures()
    for path in sorted(by_child, key=lambda p: (p != issuer.path, p)):
        organization = names.get(path)
        if organization is None:
            continue
        figures = group_figures(by_child[path])
        total.add(figures)
        label = organization.name
        if path == issuer.path:
            label = _("%(organization)s本级") % {"organization": organization.name}
        lines.append(_progress_line(label, figures))
    built = Built({**_common(campaign, CircularKind.PROGRESS, span.label)})
    built.data.update(
        as_of=as_of.isoformat() if as_of else "",
        threshold=threshold_text(campaign.satisfaction_threshold),
        rows=lines,
        total=_progress_line(_("合计"), total),
    )
    built.concerned = {organization.pk for organization in names.values()}
    return built


def _score_group_label(depth: int, kind: str) -> str:
    label = OrganizationKind(kind).label
    if depth == 1:
        return _("直属%(kind)s") % {"kind": label}
    return _("%(kind)s（第%(depth)s级）") % {"kind": label, "depth": depth}


def ranking_snapshot(period: ScorePeriod, issuer: Organization) -> Built:
    """考核排名: a finalized score period's ranks, group by group (the same depth and kind),
    with each organization's total and points per indicator as the scores stored them.
    One query."""
    scores = list(
        OrganizationScore.objects.filter(period=period, organization__path__startswith=issuer.path)
        .select_related("organization__parent")
        .order_by("depth", "kind", "position")
    )
    kind_order = {kind: index for index, kind in enumerate(OrganizationKind.values)}
    grouped: dict[tuple[int, str], list[OrganizationScore]] = defaultdict(list)
    for score in scores:
        grouped[(score.depth, score.kind)].append(score)
    groups = []
    for depth, kind in sorted(grouped, key=lambda key: (key[0], kind_order.get(key[1], 99))):
        members = grouped[(depth, kind)]
        groups.append(
            {
                "label": _score_group_label(depth, kind),
                "depth": depth,
                "size": members[0].group_size,
                "rows": [
                    {
                        "rank": score.rank,
                        "name": score.organization.name,
                        "superior": score.organization.parent.name if score.organization.parent else "",
                        "total": _decimal_text(score.total),
                        "points": [line["points"] for line in score.breakdown],
                    }
                    for score in members
                ],
            }
        )
    indicators = [{"name": line["name"], "max": line["max"]} for line in (scores[0].breakdown if scores else [])]
    built = Built({**_common(period.campaign, CircularKind.RANKING, period.name)})
    items = [_("%(name)s（%(max)s分）") % indicator for indicator in indicators]
    built.data.update(
        indicator_list="、".join(items),
        first_month=period.first_month.isoformat(),
        last_month=period.last_month.isoformat(),
        finalized_on=timezone.localtime(period.finalized_at).date().isoformat() if period.finalized_at else "",
        total_points=sum(indicator["max"] for indicator in indicators),
        indicators=indicators,
        groups=groups,
    )
    built.concerned = {score.organization_id for score in scores}
    return built


def _decimal_text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def commendation_snapshot(campaign: Campaign, issuer: Organization, span: Span) -> Built:
    """表彰先进典型: the nominations the office selected as models in the quarter, in the
    issuer's subtree, organizations first, with their deeds. One query."""
    nominations = (
        ModelNomination.objects.filter(
            campaign=campaign,
            status=NominationStatus.SELECTED,
            decided_at__date__range=(span.start, span.end),
            organization__path__startswith=issuer.path,
        )
        .select_related("organization__parent", "member")
        .order_by("organization__path", "member__name", "pk")
    )
    organizations, members = [], []
    built = Built({**_common(campaign, CircularKind.COMMENDATION, span.label)})
    for nomination in nominations:
        built.concerned.add(nomination.organization_id)
        organization = nomination.organization
        if nomination.member_id is None:
            organizations.append(
                {
                    "name": organization.name,
                    "superior": organization.parent.name if organization.parent else "",
                    "deeds": nomination.deeds,
                }
            )
        else:
            member = nomination.member
            members.append(
                {
                    "name": member.name,
                    "gender": member.get_gender_display(),
                    "ethnicity": member.ethnicity,
                    "organization": organization.name,
                    "post": member.get_post_display(),
                    "deeds": nomination.deeds,
                }
            )
    built.data.update(organizations=organizations, members=members)
    return built


def snapshot_build(circular: Circular, *, today: datetime.date | None = None) -> Built:
    """The data of the circular's kind and period as they are now, read over the
    issuer's whole subtree whoever asks (the office has checked who may)."""
    today = today or timezone.localdate()
    campaign, issuer = circular.campaign, circular.issuer
    with unscoped("circular snapshot"), translation.override(settings.LANGUAGE_CODE):
        if circular.kind == CircularKind.RANKING:
            built = ranking_snapshot(circular.score_period, issuer)
        else:
            span = Span(circular.period_start, circular.period_end, circular.period_label)
            if circular.kind == CircularKind.EVALUATION:
                built = evaluation_snapshot(campaign, issuer, span)
            elif circular.kind == CircularKind.REPORTS:
                built = reports_snapshot(campaign, issuer, span)
            elif circular.kind == CircularKind.PROGRESS:
                built = progress_snapshot(campaign, issuer, span, today=today)
            else:
                built = commendation_snapshot(campaign, issuer, span)
    built.data["issuer"] = issuer.name
    return built


# ---------------------------------------------------------------------------
# The document's HTML (the shared base template; campaign.infra.documents renders it)
# ---------------------------------------------------------------------------


def circular_html(circular: Circular, data: dict, *, preview: bool = False) -> str:
    """The circular as HTML for WeasyPrint (or the browser's preview): the kind's body
    template over campaign/documents/official.html. Written in the site's language, whoever asks,
    as stored documents are. No query."""
    corrects = circular.corrects if circular.corrects_id else None
    context = {
        "issuer_name": circular.issuer_name,
        "number_text": "" if preview else circular.number_text,
        "title": circular.title,
        "addressee": circular.addressee,
        "preamble": circular.preamble,
        "closing": circular.closing,
        "issued_on": None if preview else circular.issued_on,
        "attachments": list(circular.attachments or []),
        "data": data,
        "corrects": {"title": corrects.title, "number_text": corrects.number_text} if corrects else None,
        "preview": preview,
    }
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(f"campaign/documents/circular_{circular.kind}.html", context)


def circular_preview(*, circular: Circular) -> str:
    """A draft from the data as they are now; an issued (or numbered) one as frozen."""
    data = snapshot_build(circular).data if circular.is_draft else circular.snapshot
    return circular_html(circular, data, preview=circular.is_draft)


# ---------------------------------------------------------------------------
# Drafts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CircularInput:
    title: str = ""
    addressee: str = ""
    recipients: Sequence[Organization] | None = None  # None: every organization below the issuer
    preamble: str = ""
    closing: str = ""
    attachments: Sequence[str] = ()
    issuer_name: str = ""
    number_prefix: str = ""


def _clean_texts(circular: Circular, given: CircularInput) -> None:
    """Check what the office typed and put it on the (unsaved) circular; raises
    ValidationError listing every problem."""
    problems = []
    choices = list(recipient_choices(circular.issuer))
    recipients = choices if given.recipients is None else list(given.recipients)
    allowed = {organization.pk for organization in choices}
    if any(organization.pk not in allowed for organization in recipients):
        problems.append(_("主送单位只能是发文机关的下一级党组织。"))
    if not recipients:
        problems.append(_("请至少选择一个主送单位。"))
    title = " ".join(given.title.split()) or suggested_title(circular.kind, circular.period_label, circular.campaign)
    if len(title) > 200:
        problems.append(_("标题不能超过200个字。"))
    addressee = " ".join(given.addressee.split()) or addressee_text(
        circular.issuer, recipients, all_chosen={o.pk for o in recipients} == allowed
    )
    if len(addressee) > 300:
        problems.append(_("主送机关不能超过300个字。"))
    attachments = [" ".join(line.split()) for line in given.attachments if line.strip()]
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(_("附件最多%(count)s个。") % {"count": MAX_ATTACHMENTS})
    if any(len(line) > 200 for line in attachments):
        problems.append(_("附件名称不能超过200个字。"))
    default_name, default_code = letterhead(circular.issuer)
    issuer_name = given.issuer_name.strip() or default_name
    prefix = given.number_prefix.strip() or default_code
    if len(issuer_name) > 100:
        problems.append(_("发文机关标志不能超过100个字。"))
    if len(prefix) > 20 or any(mark in prefix for mark in "〔〕[]()（）号"):
        problems.append(_("发文机关代字不能超过20个字，也不要带年份、括号或“号”字，如“肃创办”。"))
    if problems:
        raise ValidationError(problems)
    circular.title, circular.addressee = title, addressee
    circular.preamble, circular.closing = given.preamble.strip(), given.closing.strip()
    circular.attachments = attachments
    circular.issuer_name, circular.number_prefix = issuer_name, prefix
    circular._recipients = recipients


@transaction.atomic
def circular_create(
    *,
    campaign: Campaign,
    kind: str,
    period_start: datetime.date | None = None,
    score_period: ScorePeriod | None = None,
    texts: CircularInput = CircularInput(),
    corrects: Circular | None = None,
    by: User | None,
    today: datetime.date | None = None,
) -> Circular:
    """A draft circular of the campaign's organization for a period (a score period for
    a ranking), with the office's texts or their defaults."""
    _require_issuer(by, campaign)
    today = today or timezone.localdate()
    # Labels, default title and addressee are stored and printed: in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        return _create(campaign, kind, period_start, score_period, texts, corrects, by, today)


def _create(campaign, kind, period_start, score_period, texts, corrects, by, today) -> Circular:
    if kind not in CircularKind.values:
        raise ValidationError(_("请选择通报类别。"))
    circular = Circular(campaign=campaign, issuer=campaign.organization, kind=kind, created_by=by, corrects=corrects)
    if kind == CircularKind.RANKING:
        if score_period is None or score_period.campaign_id != campaign.pk:
            raise ValidationError(_("请选择本活动的考核期。"))
        if not score_period.is_finalized:
            raise ValidationError(
                _("考核期“%(name)s”尚未定稿，排名还会变化，定稿后才能通报。") % {"name": score_period.name}
            )
        circular.score_period = score_period
        circular.period_start, circular.period_end = score_period.first_month, month_bounds(score_period.last_month)[1]
        circular.period_label = score_period.name
    else:
        if period_start is None:
            raise ValidationError(_("请选择通报期间。"))
        span = span_for(kind, period_start)
        if span.end < campaign.starts_on or span.start > min(campaign.ends_on, today):
            raise ValidationError(_("所选期间不在活动期间内，或者还没有开始。"))
        circular.period_start, circular.period_end, circular.period_label = span.start, span.end, span.label
    _clean_texts(circular, texts)
    circular.save()
    circular.recipients.set(circular._recipients)
    return circular


def _locked(circular: Circular) -> Circular:
    return (
        Circular.objects.select_for_update(of=("self",))
        .select_related("campaign", "issuer", "score_period", "corrects")
        .get(pk=circular.pk)
    )


def _refuse_unless_draft(circular: Circular) -> None:
    if circular.state == CircularState.ISSUED:
        raise CircularRefused(_("通报已印发，不能再修改；如有错误，请印发更正通报。"))
    if not circular.is_draft:
        raise CircularRefused(_("通报已签发并编号（%(number)s），不能再修改。") % {"number": circular.number_text})


@transaction.atomic
def circular_update(*, circular: Circular, texts: CircularInput, by: User | None) -> Circular:
    """Change a draft's texts; anything numbered is refused."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    _refuse_unless_draft(circular)
    with translation.override(settings.LANGUAGE_CODE):
        _clean_texts(circular, texts)
    circular.save()
    circular.recipients.set(circular._recipients)
    return circular


@transaction.atomic
def circular_delete(*, circular: Circular, by: User | None) -> None:
    """Throw a draft away; a numbered circular stays on record."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    _refuse_unless_draft(circular)
    circular.delete()


@transaction.atomic
def circular_correct(*, circular: Circular, by: User | None, today: datetime.date | None = None) -> Circular:
    """A new draft that corrects an issued circular: the same kind, period and
    addressees, the data as they are now, and a preamble saying what it corrects."""
    _require_issuer(by, circular)
    if circular.state != CircularState.ISSUED:
        raise CircularRefused(_("只能更正已印发的通报。"))
    original = circular
    with translation.override(settings.LANGUAGE_CODE):
        texts = _correction_texts(original)
    return circular_create(
        campaign=original.campaign,
        kind=original.kind,
        period_start=original.period_start,
        score_period=original.score_period,
        texts=texts,
        corrects=original,
        by=by,
        today=today,
    )


def _correction_texts(original: Circular) -> CircularInput:
    return CircularInput(
        title=_("关于更正《%(title)s》的通报") % {"title": original.title},
        addressee=original.addressee,
        recipients=list(original.recipients.all()),
        preamble=_("我办%(date)s印发的《%(title)s》（%(number)s）有误，现予更正，以本通报为准，原通报同时作废。")
        % {
            "date": _("%(year)s年%(month)s月%(day)s日")
            % {"year": original.issued_on.year, "month": original.issued_on.month, "day": original.issued_on.day},
            "title": original.title,
            "number": original.number_text,
        },
        closing=original.closing,
        attachments=list(original.attachments or []),
        issuer_name=original.issuer_name,
        number_prefix=original.number_prefix,
    )


# ---------------------------------------------------------------------------
# Issuing and numbering
# ---------------------------------------------------------------------------


def _next_serial(issuer: Organization, year: int) -> int:
    """Lock the issuer's counter for the year (made on first use) and take its next
    serial. The lock is held until the issuing transaction ends, so numbers are handed
    out one at a time, in order; a rolled-back issue gives its number back."""
    # INSERT … ON CONFLICT DO NOTHING: of two first issues of a year, one creates the row
    # and the other waits for it instead of failing.
    CircularCounter.objects.bulk_create([CircularCounter(issuer=issuer, year=year)], ignore_conflicts=True)
    counter = CircularCounter.objects.select_for_update().get(issuer=issuer, year=year)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return counter.last_serial


@transaction.atomic
def circular_issue(*, circular: Circular, by: User | None, today: datetime.date | None = None) -> Circular:
    """签发: freeze the data, take the next number and queue the PDF, in one transaction."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    _refuse_unless_draft(circular)
    today = today or timezone.localdate()
    if circular.kind == CircularKind.RANKING and not circular.score_period.is_finalized:
        raise CircularRefused(_("考核期尚未定稿，不能通报排名。"))
    # The data first: the counter stays locked only for the moment it takes to number.
    built = snapshot_build(circular, today=today)
    serial = _next_serial(circular.issuer, today.year)
    circular.number_year, circular.number_serial = today.year, serial
    circular.number_text = number_text(circular.number_prefix, today.year, serial)
    circular.snapshot = built.data
    circular.issued_on, circular.issued_at, circular.issued_by = today, timezone.now(), by
    circular.state, circular.progress, circular.error = CircularState.QUEUED, 0, ""
    circular.save()
    circular.concerned.set(built.concerned)
    outbox_enqueue("campaign.circulars.tasks.render_circular", circular.pk)
    return circular


@transaction.atomic
def circular_requeue(*, circular: Circular, by: User | None) -> Circular:
    """Queue a failed render again; the circular keeps its number and its frozen data."""
    circular = _locked(circular)
    _require_issuer(by, circular)
    if circular.state != CircularState.FAILED:
        raise CircularRefused(_("只有生成失败的通报可以重新生成。"))
    circular.state, circular.progress = CircularState.QUEUED, 0
    circular.save(update_fields=["state", "progress"])
    outbox_enqueue("campaign.circulars.tasks.render_circular", circular.pk)
    return circular


# ---------------------------------------------------------------------------
# Rendering (the task's work)
# ---------------------------------------------------------------------------


def circulars_resume_stalled(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue the render again of every circular whose worker died mid-render (a claim
    older than STALE_CLAIM) or whose queue message may be lost; returns their ids. Beat
    runs it every two minutes, so a killed render resumes within about five: the task
    delivered again at once finds the dead worker's claim still fresh, and quits."""
    now = now or timezone.now()
    stalled = list(
        Circular.objects.filter(
            Q(state=CircularState.RENDERING, claimed_at__lt=now - STALE_CLAIM)
            # A failed try waiting for its retry carries its error: that one is not lost.
            | Q(state=CircularState.QUEUED, error="", issued_at__lt=now - LOST_QUEUE_MESSAGE)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for circular_id in stalled:
        task_send("campaign.circulars.tasks.render_circular", circular_id)
    return stalled


def _progress(circular_id: int, percent: int) -> None:
    Circular.objects.filter(pk=circular_id, state=CircularState.RENDERING).update(progress=percent)


def _claim(circular_id: int) -> bool:
    """Take the render: queued, or rendering under a claim so old its worker must have
    died. One conditional UPDATE: of two workers given the same circular, one gets it."""
    now = timezone.now()
    claimable = Q(state=CircularState.QUEUED) | Q(state=CircularState.RENDERING, claimed_at__lt=now - STALE_CLAIM)
    return bool(
        Circular.objects.filter(claimable, pk=circular_id).update(
            state=CircularState.RENDERING, claimed_at=now, attempts=F("attempts") + 1, progress=PROGRESS_CLAIMED
        )
    )


def _store(circular: Circular, data: bytes) -> str:
    """Write the PDF under its final name only once it is whole: on the local disk to a
    temporary file beside it, then renamed into place (atomic); other storages write a
    name in one request. Returns the stored name."""
    name = circular.pdf.field.generate_filename(circular, "circular.pdf")
    storage = circular.pdf.storage
    if isinstance(storage, FileSystemStorage):
        name = storage.get_available_name(name)
        path = storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".partial-", suffix=".pdf")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(partial, 0o644)
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
        return name
    return storage.save(name, ContentFile(data))


def circular_render(*, circular_id: int) -> str:
    """Render a queued circular from its frozen snapshot and mark it issued; returns what
    happened. An issued circular is never rendered again, whoever asks."""
    from campaign.infra import documents

    if not _claim(circular_id):
        state = Circular.objects.filter(pk=circular_id).values_list("state", flat=True).first()
        return "issued" if state == CircularState.ISSUED else "not claimed"
    circular = Circular.objects.select_related("corrects").get(pk=circular_id)
    html = circular_html(circular, circular.snapshot)
    _progress(circular_id, PROGRESS_HTML)
    rendered = documents.render_pdf(html)
    _progress(circular_id, PROGRESS_RENDERED)
    name = _store(circular, rendered.data)
    try:
        with transaction.atomic():
            locked = Circular.objects.select_for_update().get(pk=circular_id)
            if locked.state != CircularState.RENDERING or locked.pdf:
                # Another worker took over a claim it thought stale and finished first.
                circular.pdf.storage.delete(name)
                return "not claimed"
            locked.pdf.name = name
            locked.sha256 = hashlib.sha256(rendered.data).hexdigest()
            locked.pages, locked.size = rendered.pages, len(rendered.data)
            locked.state, locked.progress, locked.error = CircularState.ISSUED, PROGRESS_STORED, ""
            locked.rendered_at = timezone.now()
            locked.save()
    except BaseException:
        circular.pdf.storage.delete(name)
        raise
    return "issued"


def circular_render_failed(*, circular_id: int, error: BaseException, attempts_left: int) -> None:
    """Record a failed render: back in the queue while retries are left, else failed,
    with the reason in words the office can pass on. Never touches an issued circular."""
    detail = (str(error) or error.__class__.__name__)[:500]
    if attempts_left > 0:
        reason = _("生成PDF出错，稍后自动重试（还可重试%(left)s次）：%(detail)s") % {
            "left": attempts_left,
            "detail": detail,
        }
        state = CircularState.QUEUED
    else:
        reason = _("生成PDF失败，已重试多次仍未成功，请联系系统管理员后重新生成：%(detail)s") % {"detail": detail}
        state = CircularState.FAILED
    with transaction.atomic():
        circular = Circular.objects.select_for_update().filter(pk=circular_id).first()
        if circular is None or circular.state not in (CircularState.RENDERING, CircularState.QUEUED):
            return
        circular.state, circular.error, circular.progress = state, reason, 0
        circular.save(update_fields=["state", "error", "progress"])


def status_of(circular: Circular) -> dict:
    """What the detail page's progress bar shows (no query)."""
    from django.urls import reverse

    return {
        "state": circular.state,
        "state_label": str(circular.get_state_display()),
        "progress": circular.progress,
        "error": circular.error,
        "number": circular.number_text,
        "pages": circular.pages,
        "done": circular.state in (CircularState.ISSUED, CircularState.FAILED),
        "download_url": reverse("campaign:circular_pdf", args=[circular.pk]) if circular.is_issued else "",
    }


def pdf_filename(circular: Circular) -> str:
    """肃创办〔2012〕3号 关于……的通报.pdf, without characters file systems refuse."""
    name = f"{circular.number_text} {circular.title}"
    for mark in '/\\:*?"<>|':
        name = name.replace(mark, "_")
    return f"{name[:150]}.pdf"
