"""The periods a circular reports on: a half-year, a quarter or a month, as spans with their labels."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.circulars.models import CircularKind
from campaign.nominations.services import quarter_bounds
from campaign.reports.services import month_bounds


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
    CircularKind.MONTHLY: month,
    CircularKind.CRITICISM: quarter,
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
