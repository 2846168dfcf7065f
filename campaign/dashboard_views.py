"""The dashboard pages: figures by child organization and by sector, the subjects under
the satisfaction threshold behind them, and their exports."""

from __future__ import annotations

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

from campaign.dashboard import BarChart, dashboard_build, dashboard_export, flagged_export, flagged_results
from campaign.figures import Period, months_of
from campaign.models import Campaign, OrganizationFigures
from campaign.reports import parse_month
from campaign.selectors import current_campaign, day_within, visible_campaigns
from campaign.tasks import refresh_figures
from orgs.models import Role
from orgs.scoping import access_organization, user_scope
from orgs.uploads import xlsx_response
from pledges.coverage import CoverageFilters, coverage_roots

DASHBOARD_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.SECRETARY})
REFRESH_ROLES = frozenset({Role.OFFICE, Role.LEADER})
FLAGGED_PER_PAGE = 50


def _require_viewer(user) -> None:
    if not (user.is_superuser or user.role in DASHBOARD_ROLES):
        raise PermissionDenied(_("只有创先争优办、各级领导、督查组和支部书记可以查看工作进度。"))


def _chosen_campaign(request) -> Campaign | None:
    pk = request.GET.get("campaign") or request.POST.get("campaign") or ""
    if not pk:
        return current_campaign(request.user)
    if not pk.isdigit():
        raise Http404(_("找不到该活动。"))
    campaign = visible_campaigns(request.user).filter(pk=pk).first()
    if campaign is None:
        raise Http404(_("找不到该活动。"))
    return campaign


def _dashboard_request(request):
    """Campaign, month, chosen organization and today, from the query string."""
    _require_viewer(request.user)
    campaign = _chosen_campaign(request)
    today = timezone.localdate()
    if campaign is None:
        return None, None, None, today
    month = parse_month(request.GET.get("month"), day_within(campaign, today))
    month = min(max(month, campaign.starts_on.replace(day=1)), day_within(campaign, today).replace(day=1))
    code = request.GET.get("org", "")
    organization = access_organization(request.user, code) if code else None
    return campaign, month, organization, today


def _ensure_figures(campaign: Campaign, month) -> None:
    """A month nobody has looked at yet is computed on first request: in-process without
    a broker, otherwise by a worker while the page says so."""
    if not OrganizationFigures.objects.filter(campaign=campaign, month=month).exists():
        refresh_figures.delay(campaign.pk, month.isoformat())


def _query(**params) -> str:
    return urlencode({key: value for key, value in params.items() if value})


@login_required
@require_GET
def dashboard(request):
    campaign, month, organization, today = _dashboard_request(request)
    context = {"campaign": campaign, "campaigns": list(visible_campaigns(request.user))}
    if campaign is None:
        return render(request, "campaign/dashboard.html", context)
    _ensure_figures(campaign, month)
    board = dashboard_build(request.user, campaign, month, today=today, organization=organization)
    base = {"campaign": campaign.pk, "month": month.strftime("%Y-%m")}
    focus = board.focus
    # Drilling back up stops at the top of what the user may see.
    up = focus.parent if organization and focus and focus.parent_id else None
    if up is not None and not user_scope(request.user).contains(up):
        up = None
    context.update(
        board=board,
        month=month,
        months=months_of(campaign, today=today),
        organization=organization,
        base_query=_query(**base),
        focus_query=_query(**base, org=organization.code if organization else ""),
        up=up,
        parent_query=_query(**base, org=up.code if up else ""),
        may_refresh=request.user.is_superuser or request.user.role in REFRESH_ROLES,
        charts=[
            BarChart.of(_("党员承诺覆盖率"), board.rows, "members_percent"),
            BarChart.of(_("领导点评覆盖率"), board.rows, "reviews_percent"),
            BarChart.of(_("群众满意率"), board.rows, "satisfaction_percent", threshold=campaign.satisfaction_threshold),
        ]
        if board.rows
        else [],
        quarter=f"{board.period.quarter_start.year}-Q{(board.period.quarter_start.month - 1) // 3 + 1}",
    )
    return render(request, "campaign/dashboard.html", context)


@login_required
@require_POST
def dashboard_refresh(request):
    _require_viewer(request.user)
    if not (request.user.is_superuser or request.user.role in REFRESH_ROLES):
        raise PermissionDenied(_("只有创先争优办和各级领导可以重新统计。"))
    campaign = _chosen_campaign(request)
    if campaign is None:
        raise Http404(_("找不到该活动。"))
    today = timezone.localdate()
    month = parse_month(request.POST.get("month"), day_within(campaign, today))
    refresh_figures.delay(campaign.pk, month.isoformat())
    messages.success(request, _("已重新统计，数据截至此刻。"))
    query = _query(campaign=campaign.pk, month=month.strftime("%Y-%m"), org=request.POST.get("org", ""))
    return redirect(f"{reverse('campaign:dashboard')}?{query}")


@login_required
@require_GET
def dashboard_export_view(request):
    campaign, month, organization, today = _dashboard_request(request)
    if campaign is None:
        raise Http404(_("找不到该活动。"))
    _ensure_figures(campaign, month)
    board = dashboard_build(request.user, campaign, month, today=today, organization=organization)
    table = "sectors" if request.GET.get("table") == "sectors" else "organizations"
    name = _("工作进度-按领域") if table == "sectors" else _("工作进度-按组织")
    return xlsx_response(dashboard_export(board, table), f"{name}-{month:%Y-%m}.xlsx")


@login_required
@require_GET
def dashboard_flagged(request):
    """The subjects under the threshold in the chosen subtree: the list behind the
    dashboard's 未达标对象, down to the member and the remedial task."""
    campaign, month, organization, today = _dashboard_request(request)
    if campaign is None:
        raise Http404(_("找不到该活动。"))
    period = Period.of(campaign, month, today=today)
    roots = coverage_roots(request.user, campaign, CoverageFilters(organization=organization))
    results = flagged_results(campaign, period, roots)
    if request.GET.get("export"):
        return xlsx_response(
            flagged_export(campaign, list(results)), _("未达标对象-%(month)s.xlsx") % {"month": f"{month:%Y-%m}"}
        )
    page = Paginator(results, FLAGGED_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaign/dashboard_flagged.html",
        {
            "campaign": campaign,
            "period": period,
            "organization": organization,
            "roots": roots,
            "page": page,
            "query": _query(
                campaign=campaign.pk, month=f"{month:%Y-%m}", org=organization.code if organization else ""
            ),
        },
    )
