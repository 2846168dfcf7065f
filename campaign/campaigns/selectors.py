"""Reads of campaigns that other pages build on: which campaign is current for a user,
which phase is running, what theme a sector works under."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import PROTECT, Count, Prefetch, QuerySet
from django.utils import timezone

from campaign.campaigns.models import Campaign, Phase, Standard, StandardDimension
from orgs.access import user_scope
from orgs.models import Sector, User
from orgs.scoping import scope_activated


def visible_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns that apply to the user: run by an organization in the user's scope or
    above it. Newest first. The queryset is built in the user's scope, so it can be
    evaluated anywhere."""
    with scope_activated(user_scope(user)):
        return Campaign.objects.select_related("organization").order_by("-starts_on", "-pk")


def phase_on(campaign: Campaign, day: datetime.date | None = None) -> Phase | None:
    """The phase of the campaign that includes the day (today by default), or None
    between phases and outside the campaign. Queries the phases unless prefetched."""
    day = day or timezone.localdate()
    for phase in campaign.phases.all():
        if phase.starts_on <= day <= phase.ends_on:
            return phase
    return None


def current_phase(campaign: Campaign) -> Phase | None:
    return phase_on(campaign)


def campaign_for_detail() -> QuerySet[Campaign]:
    """Campaigns with everything the detail page shows, in five queries whatever the size."""
    return Campaign.objects.select_related("organization").prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("starts_on", "order", "pk")),
        Prefetch(
            "standards",
            queryset=Standard.objects.order_by("subject").prefetch_related(
                Prefetch("dimensions", queryset=StandardDimension.objects.order_by("order", "pk"))
            ),
        ),
        "sector_themes",
    )


def campaign_standard(campaign: Campaign, subject: str) -> Standard | None:
    """The campaign's standard for organizations or for members (uses prefetched rows if any)."""
    for standard in campaign.standards.all():
        if standard.subject == subject:
            return standard
    return None


@dataclass(frozen=True)
class SectorThemeLine:
    sector: str
    label: str
    theme: str
    # False when the sector has no theme of its own and works under the campaign's theme.
    own: bool


def sector_theme_lines(campaign: Campaign) -> list[SectorThemeLine]:
    """One line per sector, in the order of Sector: its own theme or the campaign's.
    Uses prefetched sector themes if any."""
    own = {theme.sector: theme.theme for theme in campaign.sector_themes.all()}
    return [
        SectorThemeLine(sector, label, own.get(sector, campaign.theme), sector in own)
        for sector, label in Sector.choices
    ]


def theme_for_sector(campaign: Campaign, sector: str) -> str:
    """The theme an organization of the sector designs its activities around (one query
    unless the sector themes are prefetched)."""
    for theme in campaign.sector_themes.all():
        if theme.sector == sector:
            return theme.theme
    return campaign.theme


def dimension_use_counts(dimensions: list[StandardDimension]) -> dict[int, int]:
    """How many rows refer to each dimension through a protecting foreign key (pledge
    items: the only ones), in all scopes: a dimension that any item uses cannot be
    removed, whoever is looking. The relations are read from the model's meta rather
    than imported, since pledges sit above the campaign's definition. One query per
    protecting relation."""
    pks = [dimension.pk for dimension in dimensions if dimension.pk]
    counts: Counter[int] = Counter()
    for relation in StandardDimension._meta.get_fields(include_hidden=True):
        if relation.one_to_many and relation.auto_created and relation.on_delete is PROTECT:
            field = relation.field.name
            rows = (
                relation.related_model._base_manager.filter(**{f"{field}__in": pks})
                .values(field)
                .annotate(count=Count("pk"))
                .values_list(field, "count")
            )
            counts.update(dict(rows))
    return dict(counts)


def day_within(campaign: Campaign, day: datetime.date) -> datetime.date:
    """The day itself while the campaign runs, else its nearest end: the default for dates
    and months on pages of a campaign that has not started or is over."""
    return min(max(day, campaign.starts_on), campaign.ends_on)
