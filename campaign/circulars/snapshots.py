"""What a circular shows, built from the data as they are and frozen when it is issued:
plain JSON, a fixed number of queries each, unscoped; and the document's HTML (the shared
base template; campaign.infra.documents renders it)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.circulars.criticism import late_incidents, late_rectifications, late_tasks, numbered
from campaign.circulars.letterhead import MASS_KINDS
from campaign.circulars.models import Circular, CircularKind
from campaign.circulars.periods import Span
from campaign.dashboard.figures import FRESH_MINUTES, Figures, figures_ensure, figures_totals_by, group_figures
from campaign.dashboard.models import OrganizationFigures
from campaign.dispatch.selectors import task_citation
from campaign.incidents.models import Incident, Timeliness
from campaign.incidents.selectors import campaign_has_incident_kinds, incident_timeliness, incident_vetoes
from campaign.monthly.selectors import (
    has_measured_indicators,
    measured_indicators,
    monthly_report_status,
    scored_units,
    target_summary,
)
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.reports.services import month_bounds
from campaign.scores.formulas import competition_ranks
from campaign.scores.models import OrganizationScore, ScorePeriod
from orgs.models import PATH_SEGMENT_LENGTH, Organization, OrganizationKind
from orgs.scoping import unscoped
from reviews.models import EvaluationRound, RemedialRectification, RoundState, TallyResult
from reviews.tally import percent_text, threshold_text


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
    rounds = list(
        EvaluationRound.objects.filter(
            campaign=campaign,
            state__in=(RoundState.TALLIED, RoundState.PUBLISHED),
            closes_at__date__range=(span.start, span.end),
            organization__path__startswith=issuer.path,
        )
        .select_related("organization__parent", "campaign")
        .order_by("organization__path", "closes_at", "pk")
    )
    # Each round is judged by the threshold stored when it was tallied; the circular names
    # it once when the rounds share it (they do unless the office changed it).
    thresholds = {r.verdict_threshold for r in rounds}
    threshold = next(iter(thresholds)) if len(thresholds) == 1 else campaign.satisfaction_threshold
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
        round_threshold = evaluation_round.verdict_threshold
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
                "satisfaction": percent_text(own.satisfaction, under=round_threshold if own.below_threshold else None)
                if own is not None and own.is_evaluated
                else "—",
            }
        )
        totals["forms"] += forms
        totals["subjects"] += len(rows)
        totals["evaluated"] += len(evaluated)
        totals["below"] += len(flagged)
        for row in rows:
            satisfied_all += row.satisfied
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
                    "satisfaction": percent_text(row.satisfaction, under=round_threshold),
                    "deadline": deadline.isoformat() if deadline else "",
                }
            )
    totals["satisfaction"] = _percent_text(satisfied_all, counted_all)
    built.data.update(
        threshold=threshold_text(threshold),
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
                    "unit_pk": organization.pk,
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
                        "standing": score.get_standing_display() if score.standing else "",
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
        shows_standing=any(score.standing for score in scores),
        # 一票否决: the circular says who and why, as the ranking page does.
        vetoed=[{"name": score.organization.name, "reasons": score.veto_reasons} for score in scores if score.vetoed],
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


def monthly_snapshot(campaign: Campaign, issuer: Organization, span: Span, *, today: datetime.date) -> Built:
    """月通报: the month's values of the campaign's measured indicators for every unit
    below the issuer that they apply to, each against the unit's target; the units below
    target, and the units that filed late or not at all (campaign.monthly.selectors
    judges them). Four queries."""
    indicators = measured_indicators(campaign)
    status = monthly_report_status(
        campaign, span.start, organizations=scored_units(campaign, within=issuer), today=today, indicators=indicators
    )
    rows, below, late, missing = [], [], [], []
    for unit in status.units:
        organization = unit.organization
        superior = organization.parent.name if organization.parent_id not in (None, issuer.pk) else ""
        cells = []
        for cell in unit.cells:
            if not cell.applies:
                cells.append({"text": "", "mark": "na"})
            elif cell.value is None:
                cells.append({"text": str(cell.filing_label), "mark": cell.filing})
            else:
                cells.append({"text": cell.value_text, "mark": "below" if cell.is_below else cell.filing})
            if cell.is_below:
                below.append(
                    {
                        "name": organization.name,
                        "superior": superior,
                        "indicator": cell.indicator.name,
                        "value": cell.value_text,
                        "target": cell.target_text,
                    }
                )
        rows.append({"name": organization.name, "superior": superior, "cells": cells})
        if unit.late:
            late.append(
                {
                    "name": organization.name,
                    "indicators": "、".join(cell.indicator.name for cell in unit.late),
                    "reported_on": timezone.localtime(min(cell.value.reported_at for cell in unit.late))
                    .date()
                    .isoformat(),
                }
            )
        if unit.missing:
            missing.append(
                {"name": organization.name, "indicators": "、".join(cell.indicator.name for cell in unit.missing)}
            )
    incidents = _month_incidents(campaign, issuer, span)
    built = Built({**_common(campaign, CircularKind.MONTHLY, span.label)})
    built.data.update(
        incidents=incidents,
        keeps_register=campaign_has_incident_kinds(campaign),
        month=span.start.isoformat(),
        due_on=status.due_on.isoformat(),
        indicators=[
            {
                "name": indicator.name,
                "kind": indicator.get_value_kind_display(),
                "target": target_summary(indicator) or "—",
            }
            for indicator in indicators
        ],
        rows=rows,
        below=below,
        late=late,
        missing=missing,
        totals=dict(status.summary),
    )
    built.concerned = {unit.organization.pk for unit in status.units} | {row["unit_pk"] for row in incidents}
    return built


def criticism_snapshot(campaign: Campaign, issuer: Organization, span: Span, *, today: datetime.date) -> Built:
    """通报批评: the units late or missing in the period, in sections printed only when
    they have entries (campaign.circulars.criticism). The reports' shortfall is judged
    only once the quarter is over: before that every unit is still short."""
    tasks = late_tasks(campaign, issuer, span, today)
    short = reports_snapshot(campaign, issuer, span).data["short"] if span.end < today else []
    rectifications = late_rectifications(campaign, issuer, span, today)
    incidents = late_incidents(campaign, issuer, span)
    built = Built({**_common(campaign, CircularKind.CRITICISM, span.label)})
    built.data["sections"] = numbered(
        [
            {"key": "tasks", "rows": tasks},
            {"key": "rectifications", "rows": rectifications},
            {"key": "reports", "rows": short, "quota": short[0]["quota"] if short else 0},
            {"key": "incidents", "rows": incidents},
        ]
    )
    built.concerned = {pk for task in tasks for pk in task["concerned"]}
    built.concerned |= {row["unit_pk"] for row in rectifications + short + incidents}
    return built


def has_monthly_circular(campaign: Campaign) -> bool:
    """A 月通报 reports the month's measured values, or the month's 重大情况, or both."""
    return has_measured_indicators(campaign) or campaign_has_incident_kinds(campaign)


def _month_incidents(campaign: Campaign, issuer: Organization, span: Span) -> list[dict]:
    """The 重大情况 that happened in the month in the issuer's subtree, each with how it
    was reported and whether it vetoes its unit (平安单位's 月通报). One query."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(span.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(span.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    rows = []
    for incident in (
        Incident.objects.filter(
            campaign=campaign,
            organization__path__startswith=issuer.path,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .select_related("kind", "organization")
        .order_by("occurred_at", "pk")
    ):
        timeliness = incident_timeliness(incident, incident.kind)
        rows.append(
            {
                "unit_pk": incident.organization_id,
                "name": incident.organization.name,
                "occurred_on": timezone.localtime(incident.occurred_at).date().isoformat(),
                "kind": incident.kind.name,
                "severity": incident.get_severity_display(),
                "timeliness": str(Timeliness(timeliness).label),
                "late": timeliness in (Timeliness.LATE, Timeliness.CONCEALED),
                "vetoes": incident_vetoes(incident, incident.kind),
            }
        )
    return rows


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
            elif circular.kind == CircularKind.MONTHLY:
                built = monthly_snapshot(campaign, issuer, span, today=today)
            elif circular.kind == CircularKind.CRITICISM:
                built = criticism_snapshot(campaign, issuer, span, today=today)
            else:
                built = commendation_snapshot(campaign, issuer, span)
        if circular.cited_task_id:
            # The returns of a task the office chose to report on (工作部署).
            citation = task_citation(circular.cited_task, today)
            built.data["cited_task"] = citation
            built.concerned |= set(citation["concerned"])
            _mark_cited_among_late_tasks(built.data, citation)
    built.data["issuer"] = issuer.name
    return built


def _mark_cited_among_late_tasks(data: dict, citation: dict) -> None:
    """A criticism circular that already lists the cited task among the late ones gives
    its figures there, once, instead of again in a paragraph of its own."""
    for section in data.get("sections", []):
        if section.get("key") != "tasks":
            continue
        for row in section["rows"]:
            if (row["title"], row["sender"], row["deadline"]) == (
                citation["title"],
                citation["sender"],
                citation["deadline"],
            ):
                row["cited"] = True
                data["cited_task_listed"] = True


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
