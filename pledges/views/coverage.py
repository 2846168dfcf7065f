"""全覆盖 pages: who has not pledged, what is late, what is supervised; and the offline
progress sheet (践诺进展表) that a branch downloads, fills in and imports back."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaign.campaigns.access import campaign_in_use
from campaign.campaigns.models import Campaign
from campaign.campaigns.selectors import visible_campaigns
from campaign.infra.search import search_text
from orgs.access import access_organization, user_scope
from orgs.models import OrganizationKind, Role
from orgs.selectors import visible_roots
from orgs.sheets.reading import ImportFileError
from orgs.sheets.uploads import PendingUploads
from orgs.sheets.writing import xlsx_response
from pledges.coverage import (
    CoverageFilters,
    CoverageList,
    coverage_export,
    coverage_roots,
    coverage_summary,
    days_late,
    late_items,
    members_without_pledge,
    open_supervisions,
    organizations_without_pledge,
)
from pledges.forms import CoverageFilterForm, ProgressSheetUploadForm
from pledges.lifecycle import FILING_ROLES, may_file_for
from pledges.progress_sheet import progress_sheet_export, progress_sheet_import, read_progress_sheet
from pledges.selectors import coverage_filter_organizations

COVERAGE_ROLES = {Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.SECRETARY}
PER_PAGE = 50


def _chosen_campaign(request) -> Campaign | None:
    return campaign_in_use(request)


# ---------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------


def _require_coverage_viewer(user) -> None:
    if user.is_superuser or user.role in COVERAGE_ROLES:
        return
    raise PermissionDenied(_("承诺覆盖情况只对活动办公室、上级党组织负责人、巡回检查组和党支部书记开放。"))


def _coverage_request(request):
    """Campaign, filters, roots and the filter form, from the query string; the same for the page and the exports."""
    _require_coverage_viewer(request.user)
    campaign = _chosen_campaign(request)
    code = request.GET.get("org", "")
    chosen = access_organization(request.user, code) if code else None
    user_roots = visible_roots(request.user)
    data = request.GET.copy()
    if campaign is not None:
        data["campaign"] = str(campaign.pk)
    form = CoverageFilterForm(
        data,
        campaigns=list(visible_campaigns(request.user)),
        organizations=coverage_filter_organizations(roots=user_roots, chosen=chosen),
    )
    # A bad sector or kind in the query string is shown on the form and left out of the filter.
    form.is_valid()
    cleaned = form.cleaned_data
    filters = CoverageFilters(
        organization=chosen,
        sector=cleaned.get("sector", ""),
        kind=cleaned.get("kind", ""),
        query=search_text(cleaned.get("q")),
    )
    roots = coverage_roots(request.user, campaign, filters) if campaign else []
    return campaign, filters, roots, form


def _query(request, *drop: str, **extra) -> str:
    params = {key: value for key, value in request.GET.items() if key not in drop and value}
    params.update(extra)
    return urlencode(params)


@login_required
@require_GET
def coverage(request):
    campaign, filters, roots, form = _coverage_request(request)
    is_secretary = request.user.role == Role.SECRETARY
    default_list = CoverageList.MEMBERS if is_secretary else CoverageList.ORGANIZATIONS
    chosen_list = request.GET.get("list", default_list)
    if chosen_list not in CoverageList.values:
        chosen_list = default_list
    today = timezone.localdate()
    context = {
        "campaign": campaign,
        "form": form,
        "filters": filters,
        "roots": roots,
        "lists": CoverageList.choices,
        "chosen_list": chosen_list,
        "today": today,
        "filter_query": _query(request, "list", "page"),
        "drill_query": _query(request, "list", "page", "org"),
    }
    if campaign is not None:
        summary = coverage_summary(campaign, roots, filters, today=today)
        listing = {
            CoverageList.ORGANIZATIONS: lambda: organizations_without_pledge(campaign, roots, filters, today=today),
            CoverageList.MEMBERS: lambda: members_without_pledge(campaign, roots, filters, today=today),
            CoverageList.LATE: lambda: late_items(campaign, roots, filters, today=today),
            CoverageList.SUPERVISED: lambda: open_supervisions(campaign, roots, filters, today=today),
        }[chosen_list]()
        page = Paginator(listing, PER_PAGE).get_page(request.GET.get("page"))
        if chosen_list == CoverageList.LATE:
            for item in page:
                item.days_late = days_late(item, today)
        sheet_for = roots[0] if len(roots) == 1 and may_file_for(request.user, roots[0]) else None
        context.update(
            summary=summary,
            page=page,
            sheet_for=sheet_for,
            # A secretary's branch has no children to tabulate.
            show_table=len(summary.rows) > 1 or not (summary.rows and summary.rows[0].is_own_level),
        )
    return render(request, "pledges/coverage_page.html", context)


@login_required
@require_GET
def coverage_export_view(request):
    campaign, filters, roots, _form = _coverage_request(request)
    chosen_list = request.GET.get("list", CoverageList.ORGANIZATIONS)
    if chosen_list not in CoverageList.values:
        raise Http404(_("没有这个名单。"))
    if campaign is None:
        raise Http404(_("还没有开展活动，没有可导出的名单。"))
    content = coverage_export(
        list_name=chosen_list, campaign=campaign, roots=roots, filters=filters, today=timezone.localdate()
    )
    filename = _("%(campaign)s-%(list)s-%(date)s.xlsx") % {
        "campaign": campaign.name,
        "list": CoverageList(chosen_list).label,
        "date": f"{timezone.localdate():%Y%m%d}",
    }
    return xlsx_response(content, filename)


# ---------------------------------------------------------------------------
# The progress sheet
# ---------------------------------------------------------------------------


@login_required
@require_GET
def progress_sheet_export_view(request, code: str):
    organization = access_organization(request.user, code)
    if not may_file_for(request.user, organization):
        raise PermissionDenied(_("只有本组织的书记和上级党组织可以下载践诺进展表。"))
    if organization.kind in OrganizationKind.mass_organizations():
        raise Http404(_("群团组织没有践诺进展表。"))
    campaign = _chosen_campaign(request)
    if campaign is None:
        raise Http404(_("还没有开展活动，没有可下载的进展表。"))
    content = progress_sheet_export(organization=organization, campaign=campaign, by=request.user)
    filename = _("%(organization)s践诺进展表-%(date)s.xlsx") % {
        "organization": organization.name,
        "date": f"{timezone.localdate():%Y%m%d}",
    }
    return xlsx_response(content, filename)


def _require_sheet_importer(user) -> None:
    if user.is_superuser or (user.role in FILING_ROLES and user_scope(user).writable):
        return
    raise PermissionDenied(_("只有党支部书记和上级党组织可以导入践诺进展表。"))


# Sheets hold names and work notes; see orgs.sheets.uploads.
SHEET_UPLOADS = PendingUploads(folder="progress_sheets", session_key="progress_sheets")


def _check_pending(request, token: str, *, dry_run: bool):
    """Read the stored file again and run the import on it: never trust an earlier check."""
    _entry, path = SHEET_UPLOADS.get(request, token)
    with open(path, "rb") as file:
        rows = read_progress_sheet(file)
    return progress_sheet_import(rows=rows, by=request.user, dry_run=dry_run)


@login_required
def progress_sheet_import_view(request):
    _require_sheet_importer(request.user)
    form = ProgressSheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = SHEET_UPLOADS.store(request, form.cleaned_data["file"], extension=".xlsx")
        return redirect("pledges:progress_sheet_import_preview", token=token)
    own = request.user.organization
    campaign = campaign_in_use(request)
    return render(
        request,
        "pledges/progress_sheet_import.html",
        {
            "form": form,
            "campaign": campaign,
            "own_organization": own if own is not None and campaign and may_file_for(request.user, own) else None,
            "max_mb": settings.IMPORT_MAX_BYTES // 2**20,
        },
    )


@login_required
@require_GET
def progress_sheet_import_preview(request, token: str):
    _require_sheet_importer(request.user)
    try:
        result = _check_pending(request, token, dry_run=True)
    except ImportFileError as error:
        SHEET_UPLOADS.forget(request, token)
        messages.error(request, str(error))
        return redirect("pledges:progress_sheet_import")
    file_name = SHEET_UPLOADS.get(request, token)[0]["name"]
    return render(
        request,
        "pledges/progress_sheet_preview.html",
        {"token": token, "file_name": file_name, "result": result},
    )


@login_required
@require_POST
def progress_sheet_import_confirm(request, token: str):
    _require_sheet_importer(request.user)
    try:
        result = _check_pending(request, token, dry_run=False)
    except ImportFileError as error:
        SHEET_UPLOADS.forget(request, token)
        messages.error(request, str(error))
        return redirect("pledges:progress_sheet_import")
    except (ValidationError, PermissionDenied):
        # A pledge changed state between the check and the write; the transaction rolled back.
        messages.error(request, _("导入时承诺的状态发生了变化，本次没有写入任何数据，请重新预览后再确认。"))
        return redirect("pledges:progress_sheet_import_preview", token=token)
    if not result.written:
        messages.error(request, _("进展表中还有错误，没有写入任何数据。请按预览中列出的原因改正后重新上传。"))
        return redirect("pledges:progress_sheet_import_preview", token=token)
    SHEET_UPLOADS.forget(request, token)
    messages.success(
        request,
        _("践诺进展导入完成：新增 %(created)s 条进展，%(completed)s 项事项标记为已完成，%(unchanged)s 行以前已导入过。")
        % {"created": len(result.entries), "completed": result.completed, "unchanged": result.unchanged},
    )
    return redirect("pledges:progress_sheet_import")


@login_required
@require_POST
def progress_sheet_import_cancel(request, token: str):
    _require_sheet_importer(request.user)
    SHEET_UPLOADS.forget(request, token)
    messages.info(request, _("已取消本次导入，上传的文件已删除。"))
    return redirect("pledges:progress_sheet_import")
