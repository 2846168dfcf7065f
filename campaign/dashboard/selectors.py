"""The campaign dashboard (工作进度一览): where the campaign stands in the user's subtree
and where it lags, by child organization and by sector, from the figures rollup.

Three queries whatever the size of the tree: the rows summed per child organization,
the same rows summed per sector, and the names of the children. The rows are read
through the scoped manager, so a township leader's sums cover her township only.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import Figures, Period, figures_totals_by, group_figures
from campaign.dashboard.models import OrganizationFigures
from orgs.models import Organization, Sector
from orgs.selectors import subtree_group_key, under_roots
from orgs.sheets.writing import PLAIN, Table, xlsx_tables
from pledges.coverage import CoverageFilters, coverage_roots
from reviews.models import EvaluationRound, RoundState, TallyResult


@dataclass
class DashboardRow:
    """One line of a table: a child organization's subtree, the top organization's own
    level (``is_own_level``), or a sector."""

    label: str
    figures: Figures
    organization: Organization | None = None
    sector: str = ""
    is_own_level: bool = False
    query: str = ""  # the page narrowed to this row, set by the view
    cells: list = field(default_factory=list)  # set by the view (table_cells)


@dataclass
class Dashboard:
    campaign: Campaign
    period: Period
    roots: list[Organization]
    rows: list[DashboardRow] = field(default_factory=list)
    sectors: list[DashboardRow] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    computed_at: datetime.datetime | None = None
    sector: str = ""

    @property
    def is_empty(self) -> bool:
        return self.computed_at is None

    @property
    def focus(self) -> Organization | None:
        """The one organization the page is about, if there is one."""
        return self.roots[0] if len(self.roots) == 1 else None


def dashboard_rows(
    campaign: Campaign, month: datetime.date, roots: Sequence[Organization], *, sector: str = ""
) -> QuerySet:
    rows = OrganizationFigures.objects.filter(under_roots("organization__path", roots), campaign=campaign, month=month)
    return rows.filter(organization__sector=sector) if sector else rows


def dashboard_build(
    user,
    campaign: Campaign,
    month: datetime.date,
    *,
    today: datetime.date,
    organization: Organization | None = None,
    sector: str = "",
) -> Dashboard:
    """The dashboard of the user's subtree, or of ``organization`` inside it (drill-down),
    optionally of one sector's organizations only."""
    period = Period.of(campaign, month, today=today)
    roots = coverage_roots(user, campaign, CoverageFilters(organization=organization))
    dashboard = Dashboard(campaign=campaign, period=period, roots=roots, sector=sector)
    if not roots:
        return dashboard
    rows = dashboard_rows(campaign, period.month, roots, sector=sector)
    by_child = figures_totals_by(rows, subtree_group_key("organization__path", roots))
    if not by_child:
        return dashboard
    by_sector = figures_totals_by(rows, F("organization__sector"))
    dashboard.computed_at = min(group["computed"] for group in by_child.values())

    names = {organization.path: organization for organization in Organization.objects.filter(path__in=list(by_child))}
    own_paths = {root.path for root in roots} if len(roots) == 1 else set()
    for path in sorted(by_child):
        organization = names.get(path)
        if organization is None:
            continue
        figures = group_figures(by_child[path])
        is_own_level = path in own_paths
        label = (
            gettext("%(organization)s本级") % {"organization": organization.name} if is_own_level else organization.name
        )
        dashboard.rows.append(
            DashboardRow(label=label, figures=figures, organization=organization, is_own_level=is_own_level)
        )
        dashboard.total.add(figures)
    # The own level first: it is the one line that is not a subtree.
    dashboard.rows.sort(key=lambda row: (not row.is_own_level, row.organization.path))
    labels = dict(Sector.choices)
    for sector, _label in Sector.choices:
        if sector in by_sector:
            dashboard.sectors.append(
                DashboardRow(label=str(labels[sector]), figures=group_figures(by_sector[sector]), sector=sector)
            )
    return dashboard


# ---------------------------------------------------------------------------
# Below the threshold: the list behind the satisfaction figures
# ---------------------------------------------------------------------------


def flagged_results(
    campaign: Campaign, period: Period, roots: Sequence[Organization], *, sector: str = ""
) -> QuerySet[TallyResult]:
    """Subjects under the satisfaction threshold in the rounds the figures count (the
    review period's rounds closed by the day), worst first, with their remedial task."""
    rounds = EvaluationRound.objects.filter(
        campaign=campaign,
        state__in=(RoundState.TALLIED, RoundState.PUBLISHED),
        closes_at__date__range=(period.review_start, period.as_of),
    )
    in_roots = under_roots("subject__member__organization__path", roots) | (
        Q(subject__member__isnull=True) & under_roots("round__organization__path", roots)
    )
    if sector:
        in_roots &= Q(subject__member__organization__sector=sector) | Q(
            subject__member__isnull=True, round__organization__sector=sector
        )
    return (
        TallyResult.objects.filter(in_roots, round__in=rounds, category="", below_threshold=True)
        .select_related(
            "round__organization",
            "subject__member__organization",
            "subject__remedial__rectification",
        )
        .order_by("satisfaction", "round__organization__path", "subject__order", "pk")
    )


def flagged_thresholds(results: QuerySet[TallyResult]) -> set:
    """The thresholds the flagged subjects were judged by, as stored by each tally (the
    campaign's for rounds tallied before rules were kept)."""
    thresholds = results.order_by().values_list("round__judged_threshold", flat=True).distinct()
    return {threshold for threshold in thresholds if threshold is not None}


# ---------------------------------------------------------------------------
# Charts: horizontal bars drawn in HTML on the server, so they print, need no script
# and their labels keep the page's font size at any width (an SVG scaled into a third
# of the screen shrank them to 7 px).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None
    share: float
    flagged: bool

    @property
    def short_label(self) -> str:
        return self.label if len(self.label) <= 12 else self.label[:11] + "…"

    @property
    def width_text(self) -> str:
        """The bar's length as a CSS percentage of the plot."""
        return f"{self.share * 100:.1f}%"

    @property
    def value_text(self) -> str:
        return _share(self.value)


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    floor: int = 0
    threshold: Decimal | None = None

    @property
    def threshold_left(self) -> str:
        """Where the threshold line stands, as a CSS percentage of the plot."""
        if self.threshold is None:
            return ""
        return f"{_axis_share(self.threshold, self.floor) * 100:.1f}%"

    @classmethod
    def of(cls, title: str, rows: Sequence[DashboardRow], share: str, *, threshold: Decimal | None = None) -> BarChart:
        values = [getattr(row.figures, share) for row in rows]
        floor = _axis_floor(values, threshold)
        bars = [
            Bar(
                row.label,
                value,
                _axis_share(value, floor) if value is not None else 0.0,
                value is not None and threshold is not None and value < threshold,
            )
            for row, value in zip(rows, values, strict=True)
        ]
        return cls(title=title, bars=bars, floor=floor, threshold=threshold)


def _axis_floor(values: Sequence[Decimal | None], threshold: Decimal | None) -> int:
    """Where a chart's axis starts. Shares judged against a threshold start a little below
    the lowest of the values and the threshold, at a multiple of 10: from 0, 95 % and 98 %
    would look the same, and it is the neighbourhood of the 90 % line that matters."""
    if threshold is None:
        return 0
    lowest = min([float(threshold), *(float(value) for value in values if value is not None)])
    return max(0, int((lowest - 5) // 10 * 10))


def _axis_share(value: Decimal, floor: int) -> float:
    """How far along an axis from ``floor`` to 100 ``value`` stands, between 0 and 1."""
    return min(1.0, max(0.0, (float(value) - floor) / (100 - floor)))


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def _columns() -> list[tuple[str, str]]:
    """(heading, attribute of Figures) for the tables and their export."""
    return [
        (gettext("组织数"), "party_organizations"),
        (gettext("已承诺组织"), "organizations_covered"),
        (gettext("组织覆盖率(%)"), "organizations_percent"),
        (gettext("党员数"), "members"),
        (gettext("已承诺党员"), "members_covered"),
        (gettext("党员覆盖率(%)"), "members_percent"),
        (gettext("逾期事项"), "late_items"),
        (gettext("挂牌督办"), "supervised"),
        (gettext("已评定承诺"), "pledges_assessed"),
        (gettext("已兑现承诺"), "pledges_fulfilled"),
        (gettext("承诺兑现率(%)"), "pledge_fulfilment_percent"),
        (gettext("应点评"), "reviews_due"),
        (gettext("已点评"), "reviews_done"),
        (gettext("点评覆盖率(%)"), "reviews_percent"),
        (gettext("评议场次"), "rounds_held"),
        (gettext("评议对象"), "subjects_evaluated"),
        (gettext("未达标对象"), "subjects_below"),
        (gettext("满意率(%)"), "satisfaction_percent"),
        (gettext("已验收整改"), "rectifications_verified"),
        (gettext("待验收整改"), "rectifications_to_verify"),
        (gettext("未完成整改"), "rectifications_open"),
        (gettext("逾期整改"), "rectifications_overdue"),
        (gettext("上报信息"), "reports"),
        (gettext("应报信息"), "reports_quota"),
        (gettext("未达标组织"), "reports_short"),
        (gettext("被采用"), "reports_adopted"),
        (gettext("推荐典型"), "models_nominated"),
        (gettext("确定典型"), "models_selected"),
        (gettext("典型任务数"), "models_quota"),
    ]


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value


def dashboard_export(dashboard: Dashboard, table: str) -> bytes:
    """One table of the dashboard (by organization or by sector) as .xlsx, with its total."""
    rows = dashboard.sectors if table == "sectors" else dashboard.rows
    columns = _columns()
    caption = gettext("%(campaign)s：%(month)s 工作进度（统计截至 %(as_of)s）") % {
        "campaign": dashboard.campaign.name,
        "month": dashboard.period.month.strftime("%Y-%m"),
        "as_of": dashboard.period.as_of.isoformat(),
    }
    heading = gettext("领域") if table == "sectors" else gettext("组织")
    lines = [[row.label, *(_cell(getattr(row.figures, name)) for _title, name in columns)] for row in rows]
    total = [gettext("合计"), *(_cell(getattr(dashboard.total, name)) for _title, name in columns)]
    return xlsx_tables(
        [
            Table(
                title=gettext("按领域") if table == "sectors" else gettext("按组织"),
                caption=caption,
                header=[heading, *(title for title, _name in columns)],
                header_style=PLAIN,
                rows=[*lines, total],
                widths=(),
            )
        ]
    )


def flagged_export(campaign: Campaign, results: Sequence[TallyResult]) -> bytes:
    """The subjects under the threshold as .xlsx, with their remedial task."""
    header = [
        gettext("评议组织"),
        gettext("评议期间"),
        gettext("评议对象"),
        gettext("所在组织"),
        gettext("满意率(%)"),
        gettext("补课整改时限"),
        gettext("整改状态"),
    ]
    rows = []
    for result in results:
        member = result.subject.member
        remedial = getattr(result.subject, "remedial", None)
        rectification = remedial.rectification if remedial else None
        rows.append(
            [
                result.round.organization.name,
                result.round.period,
                member.name if member else result.round.organization.name,
                member.organization.name if member else result.round.organization.name,
                _cell(result.satisfaction),
                rectification.deadline.isoformat() if rectification else "",
                rectification.get_status_display() if rectification else gettext("未建立"),
            ]
        )
    return xlsx_tables([Table(title=gettext("未达标对象"), header=header, header_style=PLAIN, rows=rows, widths=())])


# ---------------------------------------------------------------------------
# Table cells: built here rather than in the template, where a URL reversed and a
# condition tested per cell made the page's rendering cost more than its queries
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    css: str = ""
    title: str = ""


@dataclass(frozen=True)
class ListLinks:
    """The paths of the lists behind the figures, reversed once per page."""

    coverage: str
    review_coverage: str
    flagged: str
    rectifications: str
    reports: str


def _share(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def table_cells(
    row: DashboardRow, *, links: ListLinks | None, campaign_pk: int, month: datetime.date, sector: str
) -> list[Cell]:
    """The figures of one table line in column order; with ``links``, each figure that has
    a list behind it links there, narrowed to the row's organization."""
    f = row.figures
    code = row.organization.code if links and row.organization else ""

    def link(base: str, query: str, when: bool = True) -> str:
        return f"{base}?{query}" if code and when else ""

    coverage = f"campaign={campaign_pk}&org={code}" + (f"&sector={sector}" if sector else "")
    danger = "text-danger"
    return [
        Cell(
            _share(f.organizations_percent),
            link(links.coverage if links else "", coverage + "&list=organizations"),
            title=f"{f.organizations_covered}/{f.party_organizations}",
        ),
        Cell(
            _share(f.members_percent),
            link(links.coverage if links else "", coverage + "&list=members"),
            title=f"{f.members_covered}/{f.members}",
        ),
        Cell(
            str(f.late_items),
            link(links.coverage if links else "", coverage + "&list=late", f.late_items > 0),
            danger if f.late_items else "",
        ),
        Cell(str(f.supervised), link(links.coverage if links else "", coverage + "&list=supervised", f.supervised > 0)),
        Cell(_share(f.pledge_fulfilment_percent), title=f"{f.pledges_fulfilled}/{f.pledges_assessed}"),
        Cell(
            _share(f.reviews_percent),
            link(links.review_coverage if links else "", f"campaign={campaign_pk}&org={code}"),
            title=f"{f.reviews_done}/{f.reviews_due}",
        ),
        Cell(str(f.subjects_evaluated)),
        Cell(
            str(f.subjects_below),
            link(links.flagged if links else "", row.query, f.subjects_below > 0),
            "text-danger fw-semibold" if f.subjects_below else "",
        ),
        Cell(_share(f.satisfaction_percent)),
        Cell(
            str(f.rectifications_open),
            link(links.rectifications if links else "", f"organization={code}", f.rectifications_open > 0),
        ),
        Cell(
            str(f.rectifications_overdue),
            link(links.rectifications if links else "", f"organization={code}&late=1", f.rectifications_overdue > 0),
            danger if f.rectifications_overdue else "",
        ),
        Cell(
            f"{f.reports}/{f.reports_quota}",
            link(links.reports if links else "", f"campaign={campaign_pk}&month={month:%Y-%m}&org={code}"),
        ),
        Cell(str(f.reports_short), css=danger if f.reports_short else ""),
        Cell(f"{f.models_selected}/{f.models_quota}", title=str(f.models_nominated)),
    ]


def rows_html(rows: Sequence[DashboardRow]) -> SafeString:
    """The table's body lines. Built with format_html rather than the template language:
    at a county's few dozen lines of thirteen figures, the template's per-variable
    lookups were most of the page's server time."""
    lines = []
    for row in rows:
        if row.query and not row.is_own_level:
            label = format_html('<a href="?{}">{}</a>', row.query, row.label)
        else:
            label = escape(row.label)
        cells = format_html_join(
            "",
            '<td class="text-end {}"{}>{}</td>',
            (
                (
                    cell.css,
                    format_html(' title="{}"', cell.title) if cell.title else "",
                    format_html('<a href="{}"{}>{}</a>', cell.href, DANGER_LINK if cell.css else "", cell.text)
                    if cell.href
                    else cell.text,
                )
                for cell in row.cells
            ),
        )
        lines.append(format_html('<tr><th scope="row" class="fw-normal text-nowrap">{}</th>{}</tr>', label, cells))
    return mark_safe("\n".join(lines))  # every piece above went through format_html or escape


DANGER_LINK = mark_safe(' class="link-danger"')
