"""Reading a score period: the groups organizations are ranked in, the ranking with each
breakdown, and its .xlsx export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from campaign.scores.models import (
    OrganizationScore,
    ScorePeriod,
)
from orgs.models import Organization, OrganizationKind
from orgs.sheets.writing import Table, xlsx_tables


@dataclass(frozen=True)
class ScoreGroup:
    """Organizations ranked together: the same depth below the campaign's organization
    and the same kind. ``count``: how many the viewer sees; ``size``: how many there are."""

    depth: int
    kind: str
    count: int = 0

    @property
    def key(self) -> str:
        return f"{self.depth}-{self.kind}"

    @property
    def label(self) -> str:
        return _("%(kind)s（第 %(depth)d 层）") % {"kind": OrganizationKind(self.kind).label, "depth": self.depth}


KIND_ORDER = {kind: index for index, kind in enumerate(OrganizationKind.values)}


def score_groups(period: ScorePeriod) -> list[ScoreGroup]:
    """The groups with scores the active scope sees, upper levels first. One query."""
    rows = (
        OrganizationScore.objects.filter(period=period).values("depth", "kind").annotate(count=Count("pk")).order_by()
    )
    groups = [ScoreGroup(row["depth"], row["kind"], row["count"]) for row in rows]
    return sorted(groups, key=lambda group: (group.depth, KIND_ORDER.get(group.kind, 99)))


def group_for_key(groups: list[ScoreGroup], key: str | None) -> ScoreGroup | None:
    """The group a ?group= value names, else the first one."""
    for group in groups:
        if group.key == key:
            return group
    return groups[0] if groups else None


def ranking(
    period: ScorePeriod, group: ScoreGroup, *, within: Organization | None = None, query: str = ""
) -> QuerySet[OrganizationScore]:
    """A group's scores in the active scope, in ranking order, optionally within a
    subtree or by a piece of the name."""
    scores = OrganizationScore.objects.filter(period=period, depth=group.depth, kind=group.kind)
    if within is not None:
        scores = scores.filter(organization__path__startswith=within.path)
    if query:
        scores = scores.filter(organization__name__contains=query)
    return scores.select_related("organization__parent").order_by("position")


def headers(score: OrganizationScore | None) -> list[dict]:
    """Indicator names and maxima for a table's head, from a stored breakdown (all scores
    of a period were computed from the same sheet)."""
    return [{"name": line["name"], "max": line["max"]} for line in (score.breakdown if score else [])]


def ranking_export(period: ScorePeriod) -> bytes:
    """Every group the active scope sees, one worksheet each: rank, organization, its
    superior, total and the points per indicator. One query for the scores."""
    scores = list(
        OrganizationScore.objects.filter(period=period)
        .select_related("organization__parent")
        .order_by("depth", "kind", "position")
    )
    by_group: dict[tuple[int, str], list[OrganizationScore]] = defaultdict(list)
    for score in scores:
        by_group[(score.depth, score.kind)].append(score)
    keys = sorted(by_group, key=lambda key: (key[0], KIND_ORDER.get(key[1], 99)))
    if not keys:
        return xlsx_tables([Table(title=_("考核排名"), header=(), rows=[[_("没有可导出的考核得分。")]], widths=())])
    tables = []
    for key in keys:
        group_scores = by_group[key]
        head = [_("排名"), _("组织"), _("上级组织"), _("总分")]
        head += [
            _("%(name)s（%(max)d分）") % {"name": line["name"], "max": line["max"]} for line in headers(group_scores[0])
        ]
        rows = [
            [
                score.rank,
                score.organization.name,
                score.organization.parent.name if score.organization.parent else "",
                float(score.total),
                *[float(Decimal(line["points"])) for line in score.breakdown],
            ]
            for score in group_scores
        ]
        tables.append(Table(title=ScoreGroup(*key).label, header=head, rows=rows, widths=(None, 28, 20)))
    return xlsx_tables(tables)
