"""The dashboard pages: figures by child organization and by sector, the subjects under
the satisfaction threshold behind them, and their exports."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaign.campaigns.access import campaign_in_use, campaign_named
from campaign.campaigns.models import Campaign
from campaign.campaigns.selectors import day_within, visible_campaigns
from campaign.dashboard.figures import Period, months_of
from campaign.dashboard.models import OrganizationFigures
from campaign.dashboard.selectors import (
    BarChart,
    DashboardRow,
    ListLinks,
    dashboard_build,
    dashboard_export,
    flagged_export,
    flagged_results,
    flagged_thresholds,
    rows_html,
    table_cells,
)
from campaign.dashboard.tasks import refresh_figures
from campaign.incidents.selectors import campaign_has_incident_kinds, incident_summary
from campaign.infra.outbox import BROKER_DOWN
from campaign.reports.services import parse_month
from orgs.access import access_organization, user_scope
from orgs.models import Organization, Role, Sector
from orgs.sheets.writing import xlsx_response
from pledges.coverage import CoverageFilters, coverage_roots

logger = logging.getLogger(__name__)

DASHBOARD_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.SECRETARY})
REFRESH_ROLES = frozenset({Role.OFFICE, Role.LEADER})
FLAGGED_PER_PAGE = 50


def _require_viewer(user) -> None:
    if not (user.is_superuser or user.role in DASHBOARD_ROLES):
        raise PermissionDenied(_("只有活动办公室、各级领导、督查组和支部书记可以查看工作进度。"))


def _chosen_campaign(request) -> Campaign | None:
    """The campaign in use (campaign.campaigns.access); the recount's form names it in POST."""
    named = request.POST.get("campaign", "") if request.method == "POST" else ""
    return campaign_named(request, named) if named else campaign_in_use(request)


@dataclass(frozen=True)
class DashboardQuery:
    """What the dashboard pages are narrowed to, from the query string."""

    campaign: Campaign | None
    month: datetime.date | None
    organization: Organization | None
    sector: str
    today: datetime.date

    def query(self, **changes) -> str:
        params = {
            "campaign": self.campaign.pk if self.campaign else "",
            "month": f"{self.month:%Y-%m}" if self.month else "",
            "org": self.organization.code if self.organization else "",
            "sector": self.sector,
        }
        params.update(changes)
        return urlencode({key: value for key, value in params.items() if value})


def _dashboard_request(request) -> DashboardQuery:
    _require_viewer(request.user)
    campaign = _chosen_campaign(request)
    today = timezone.localdate()
    sector = request.GET.get("sector", "")
    sector = sector if sector in Sector.values else ""
    if campaign is None:
        return DashboardQuery(None, None, None, sector, today)
    month = parse_month(request.GET.get("month"), day_within(campaign, today))
    month = min(max(month, campaign.starts_on.replace(day=1)), day_within(campaign, today).replace(day=1))
    code = request.GET.get("org", "")
    organization = access_organization(request.user, code) if code else None
    return DashboardQuery(campaign, month, organization, sector, today)


def _build(request, asked: DashboardQuery):
    _ensure_figures(asked.campaign, asked.month)
    return dashboard_build(
        request.user,
        asked.campaign,
        asked.month,
        today=asked.today,
        organization=asked.organization,
        sector=asked.sector,
    )


def _ensure_figures(campaign: Campaign, month) -> None:
    """A month nobody has looked at yet is computed on first request: in-process without
    a broker, otherwise by a worker while the page says so."""
    if not OrganizationFigures.objects.filter(campaign=campaign, month=month).exists():
        _refresh_figures(campaign, month)


def _refresh_figures(campaign: Campaign, month) -> bool:
    """Queue a recount; False when the broker does not answer. Nothing waits in the outbox
    for it: beat recounts the current month every ten minutes, and a month without
    figures is asked for again by its next page view."""
    try:
        # The page reads the figures from the database, not the task's result (and asking
        # for a result would have the backend retry a dead Redis for 20 s).
        refresh_figures.apply_async(args=[campaign.pk, month.isoformat()], ignore_result=True)
    except BROKER_DOWN:
        logger.warning("figures of %s not queued: the broker does not answer", month, exc_info=True)
        return False
    return True


@login_required
@require_GET
def dashboard(request):
    asked = _dashboard_request(request)
    campaign = asked.campaign
    context = {"campaign": campaign, "campaigns": list(visible_campaigns(request.user)), "asked": asked}
    if campaign is None:
        return render(request, "campaign/dashboard.html", context)
    board = _build(request, asked)
    focus = board.focus
    # Drilling back up stops at the top of what the user may see.
    up = focus.parent if asked.organization and focus and focus.parent_id else None
    if up is not None and not user_scope(request.user).contains(up):
        up = None
    period = board.period
    links = ListLinks(
        coverage=reverse("pledges:coverage"),
        review_coverage=reverse("reviews:review_coverage"),
        flagged=reverse("campaign:dashboard_flagged"),
        rectifications=reverse("pledges:rectifications"),
        reports=reverse("campaign:reports"),
    )
    cells = {"campaign_pk": campaign.pk, "month": asked.month, "sector": asked.sector}
    for row in board.rows:
        row.query = asked.query(org=row.organization.code)
        row.cells = table_cells(row, links=links, **cells)
    for row in board.sectors:
        row.query = asked.query(sector=row.sector)
        row.cells = table_cells(row, links=None, **cells)
    context.update(
        focus_query=asked.query(),
        base_query=asked.query(org=""),
        parent_query=asked.query(org=up.code) if up else "",
        all_sectors_query=asked.query(sector=""),
        organization_rows=rows_html(board.rows),
        sector_rows=rows_html(board.sectors),
        total_cells=table_cells(DashboardRow(label="", figures=board.total), links=None, **cells),
        board=board,
        month=asked.month,
        months=months_of(campaign, today=asked.today),
        organization=asked.organization,
        sector_label=dict(Sector.choices).get(asked.sector, ""),
        up=up,
        may_refresh=request.user.is_superuser or request.user.role in REFRESH_ROLES,
        charts=[
            BarChart.of(_("党员承诺覆盖率"), board.rows, "members_percent"),
            BarChart.of(_("领导点评覆盖率"), board.rows, "reviews_percent"),
            BarChart.of(_("群众满意率"), board.rows, "satisfaction_percent", threshold=campaign.satisfaction_threshold),
        ]
        if board.rows
        else [],
        quarter=f"{period.quarter_start.year}-Q{(period.quarter_start.month - 1) // 3 + 1}",
        # 重大情况报告, only in campaigns that name kinds of incident (平安单位).
        incidents=incident_summary(campaign, organization=asked.organization)
        if campaign_has_incident_kinds(campaign)
        else None,
    )
    return render(request, "campaign/dashboard.html", context)


@login_required
@require_POST
def dashboard_refresh(request):
    _require_viewer(request.user)
    if not (request.user.is_superuser or request.user.role in REFRESH_ROLES):
        raise PermissionDenied(_("只有活动办公室和各级领导可以重新统计。"))
    campaign = _chosen_campaign(request)
    if campaign is None:
        raise Http404(_("找不到该活动。"))
    today = timezone.localdate()
    month = parse_month(request.POST.get("month"), day_within(campaign, today))
    if _refresh_figures(campaign, month):
        messages.success(request, _("已重新统计，数据截至此刻。"))
    else:
        messages.error(request, _("后台任务服务暂时无法连接，没有重新统计，请稍后再试。"))
    # The filters only come back to the page: echo what could be real, so a tampered
    # value cannot make the address too long to redirect to after the recount ran.
    org = request.POST.get("org", "")
    sector = request.POST.get("sector", "")
    query = urlencode(
        {
            key: value
            for key, value in {
                "campaign": campaign.pk,
                "month": f"{month:%Y-%m}",
                "org": org if len(org) <= Organization._meta.get_field("code").max_length else "",
                "sector": sector if sector in Sector.values else "",
            }.items()
            if value
        }
    )
    return redirect(f"{reverse('campaign:dashboard')}?{query}")


@login_required
@require_GET
def dashboard_export_view(request):
    asked = _dashboard_request(request)
    if asked.campaign is None:
        raise Http404(_("找不到该活动。"))
    board = _build(request, asked)
    table = "sectors" if request.GET.get("table") == "sectors" else "organizations"
    name = _("工作进度-按领域") if table == "sectors" else _("工作进度-按组织")
    return xlsx_response(dashboard_export(board, table), f"{name}-{asked.month:%Y-%m}.xlsx")


@login_required
@require_GET
def dashboard_flagged(request):
    """The subjects under the threshold in the chosen subtree: the list behind the
    dashboard's 未达标对象, down to the member and the remedial task."""
    asked = _dashboard_request(request)
    campaign = asked.campaign
    if campaign is None:
        raise Http404(_("找不到该活动。"))
    period = Period.of(campaign, asked.month, today=asked.today)
    roots = coverage_roots(request.user, campaign, CoverageFilters(organization=asked.organization))
    results = flagged_results(campaign, period, roots, sector=asked.sector)
    if request.GET.get("export"):
        filename = _("未达标对象-%(month)s.xlsx") % {"month": f"{asked.month:%Y-%m}"}
        return xlsx_response(flagged_export(campaign, list(results)), filename)
    page = Paginator(results, FLAGGED_PER_PAGE).get_page(request.GET.get("page"))
    # The rule named above the list is the one its verdicts were taken by; when the office
    # changed it between rounds there is no single one to name.
    thresholds = flagged_thresholds(results) or {campaign.satisfaction_threshold}
    return render(
        request,
        "campaign/dashboard_flagged.html",
        {
            "campaign": campaign,
            "judged_threshold": next(iter(thresholds)) if len(thresholds) == 1 else None,
            "period": period,
            "organization": asked.organization,
            "sector_label": dict(Sector.choices).get(asked.sector, ""),
            "roots": roots,
            "page": page,
            "query": asked.query(),
        },
    )
