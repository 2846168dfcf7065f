"""Reading a score period: the groups organizations are ranked in, the ranking with each
breakdown, and its .xlsx export.

The stored ranks are by level (same depth and kind, campaign.scores.services). A system
campaign also ranks its units by grade or by unit type (the health speech's 四排队八排队:
三级 hospitals among themselves, 二级 among themselves); those ranks are worked out here
when the page is read, from the stored totals of the whole period and the grade and unit
type each organization had when the period was computed (kept on its score, so a
finalized ranking does not move when a hospital is regraded)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.scores.formulas import competition_ranks
from campaign.scores.models import (
    OrganizationScore,
    ScorePeriod,
    Standing,
)
from orgs.models import UNGRADED_LABEL, Grade, Organization, OrganizationKind
from orgs.scoping import unscoped
from orgs.sheets.writing import Table, xlsx_tables


class Grouping(models.TextChoices):
    """What organizations are ranked among (the ranking page's ?by=)."""

    LEVEL = "level", gettext_lazy("按层级")
    GRADE = "grade", gettext_lazy("按等级")
    UNIT_TYPE = "unit_type", gettext_lazy("按单位类型")

    @classmethod
    def of(cls, value: str | None) -> Grouping:
        return cls(value) if value in cls.values else cls.LEVEL


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


@dataclass(frozen=True)
class AttributeGroup:
    """Organizations of one grade (blank: 未定级) or one unit type (blank: not given),
    at whatever depth and of whatever kind."""

    grouping: str
    value: str
    count: int = 0

    @property
    def key(self) -> str:
        # Never empty, so that "?group=" (no choice) and the blank value stay apart.
        return f"={self.value}"

    @property
    def label(self) -> str:
        if self.grouping == Grouping.GRADE:
            return str(Grade(self.value).label) if self.value else str(UNGRADED_LABEL)
        return self.value or _("未填单位类型")

    @property
    def field(self) -> str:
        return self.grouping


KIND_ORDER = {kind: index for index, kind in enumerate(OrganizationKind.values)}
# 三级 first, 未定级 last.
GRADE_ORDER = {value: index for index, value in enumerate([*Grade.values, ""])}


def score_groups(period: ScorePeriod, grouping: str = Grouping.LEVEL) -> list[ScoreGroup] | list[AttributeGroup]:
    """The groups with scores the active scope sees: upper levels first, or higher grades
    first, or unit types by name with the blank last. One query."""
    if grouping != Grouping.LEVEL:
        field = grouping
        rows = OrganizationScore.objects.filter(period=period).values(field).annotate(count=Count("pk")).order_by()
        groups = [AttributeGroup(grouping, row[field], row["count"]) for row in rows]
        if grouping == Grouping.GRADE:
            return sorted(groups, key=lambda group: GRADE_ORDER.get(group.value, 99))
        return sorted(groups, key=lambda group: (group.value == "", group.value))
    rows = (
        OrganizationScore.objects.filter(period=period).values("depth", "kind").annotate(count=Count("pk")).order_by()
    )
    groups = [ScoreGroup(row["depth"], row["kind"], row["count"]) for row in rows]
    return sorted(groups, key=lambda group: (group.depth, KIND_ORDER.get(group.kind, 99)))


def group_for_key(
    groups: list[ScoreGroup] | list[AttributeGroup], key: str | None
) -> ScoreGroup | AttributeGroup | None:
    """The group a ?group= value names, else the first one."""
    for group in groups:
        if group.key == key:
            return group
    return groups[0] if groups else None


def ranking(
    period: ScorePeriod,
    group: ScoreGroup | AttributeGroup,
    *,
    within: Organization | None = None,
    query: str = "",
) -> QuerySet[OrganizationScore] | list[OrganizationScore]:
    """A group's scores in the active scope, in ranking order, optionally within a
    subtree or by a piece of the name. For a group by grade or unit type, a list whose
    scores carry that group's rank, position and size instead of the stored ones."""
    if isinstance(group, AttributeGroup):
        return _attribute_ranking(period, group, within=within, query=query)
    scores = OrganizationScore.objects.filter(period=period, depth=group.depth, kind=group.kind)
    if within is not None:
        scores = scores.filter(organization__path__startswith=within.path)
    if query:
        scores = scores.filter(organization__name__contains=query)
    return scores.select_related("organization__parent").order_by("position")


def attribute_ranks(period: ScorePeriod, group: AttributeGroup) -> dict[int, tuple[int, int, int]]:
    """Score id → (rank, position, group size) among every organization of the group in
    the period, whatever the viewer sees, as the stored ranks are. One query."""
    with unscoped("ranks among the whole campaign"):
        rows = list(
            OrganizationScore.objects.filter(period=period, **{group.field: group.value}).values_list(
                "total", "organization__name", "pk", "vetoed"
            )
        )
    entries = [(total, name, pk) for total, name, pk, _vetoed in rows]
    vetoed = {pk for _total, _name, pk, is_vetoed in rows if is_vetoed}
    return {
        pk: (rank, position, len(entries))
        for position, (pk, rank) in enumerate(competition_ranks(entries, vetoed), start=1)
    }


def _attribute_ranking(
    period: ScorePeriod, group: AttributeGroup, *, within: Organization | None, query: str
) -> list[OrganizationScore]:
    ranks = attribute_ranks(period, group)
    scores = OrganizationScore.objects.filter(period=period, **{group.field: group.value})
    if within is not None:
        scores = scores.filter(organization__path__startswith=within.path)
    if query:
        scores = scores.filter(organization__name__contains=query)
    listed = list(scores.select_related("organization__parent"))
    for score in listed:
        score.rank, score.position, score.group_size = ranks[score.pk]
    return sorted(listed, key=lambda score: score.position)


def headers(score: OrganizationScore | None) -> list[dict]:
    """Indicator names and maxima for a table's head, from a stored breakdown (all scores
    of a period were computed from the same sheet)."""
    return [{"name": line["name"], "max": line["max"]} for line in (score.breakdown if score else [])]


def _groups_for_export(period: ScorePeriod, grouping: str) -> list[tuple[str, list[OrganizationScore]]]:
    """(title, scores in ranking order) per group the active scope sees."""
    if grouping != Grouping.LEVEL:
        return [
            (group.label, _attribute_ranking(period, group, within=None, query=""))
            for group in score_groups(period, grouping)
        ]
    scores = list(
        OrganizationScore.objects.filter(period=period)
        .select_related("organization__parent")
        .order_by("depth", "kind", "position")
    )
    by_group: dict[tuple[int, str], list[OrganizationScore]] = defaultdict(list)
    for score in scores:
        by_group[(score.depth, score.kind)].append(score)
    keys = sorted(by_group, key=lambda key: (key[0], KIND_ORDER.get(key[1], 99)))
    return [(ScoreGroup(*key).label, by_group[key]) for key in keys]


def ranking_export(period: ScorePeriod, grouping: str = Grouping.LEVEL) -> bytes:
    """Every group the active scope sees, one worksheet each: rank, organization, its
    superior, verified total, own (自评) total, standing with any veto's reasons, and
    the points per indicator. One query for the scores by level,
    two per group by grade or unit type."""
    groups = _groups_for_export(period, grouping)
    if not groups:
        return xlsx_tables([Table(title=_("考核排名"), header=(), rows=[[_("没有可导出的考核得分。")]], widths=())])
    tables = []
    for title, group_scores in groups:
        head = [_("排名"), _("组织"), _("上级组织"), _("总分（核定）"), _("自评总分"), _("考核等次"), _("一票否决原因")]
        head += [
            _("%(name)s（%(max)d分）") % {"name": line["name"], "max": line["max"]} for line in headers(group_scores[0])
        ]
        rows = [
            [
                score.rank,
                score.organization.name,
                score.organization.parent.name if score.organization.parent else "",
                float(score.total),
                None if score.self_total is None else float(score.self_total),
                score.get_standing_display() if score.standing else "",
                "；".join(score.veto_reasons),
                *[float(Decimal(line["points"])) for line in score.breakdown],
            ]
            for score in group_scores
        ]
        tables.append(Table(title=title, header=head, rows=rows, widths=(None, 28, 20)))
    return xlsx_tables(tables)


def standing_counts(periods: list[ScorePeriod]) -> dict[int, list[tuple[str, str, int]]]:
    """Period pk → [(standing, label, count)] of the scores in the active scope, 先进 first,
    一票否决 last. One query."""
    rows = (
        OrganizationScore.objects.filter(period__in=[period.pk for period in periods])
        .exclude(standing="")
        .values("period", "standing")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counted: dict[int, dict[str, int]] = {}
    for row in rows:
        counted.setdefault(row["period"], {})[row["standing"]] = row["count"]
    return {
        pk: [(value, Standing(value).label, given[value]) for value in Standing.values if value in given]
        for pk, given in counted.items()
    }
