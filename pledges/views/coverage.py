"""全覆盖 pages: who has not pledged, what is late, what is supervised; and the offline
progress sheet (践诺进展表) that a branch downloads, fills in and imports back."""

from __future__ import annotations

from urllib.parse import urlencode

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from campaign.models import Campaign
from campaign.selectors import current_campaign, visible_campaigns
from orgs.importing import ImportFileError, check_upload
from orgs.models import Organization, OrganizationKind, Role, Sector
from orgs.scoping import access_organization, user_scope
from orgs.selectors import visible_roots
from orgs.uploads import PendingUploads, xlsx_response
from pledges.coverage import (
    MASS_KINDS,
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
from pledges.lifecycle import FILING_ROLES, may_file_for
from pledges.models import PledgeKind
from pledges.progress_sheet import progress_sheet_export, progress_sheet_import, read_progress_sheet

COVERAGE_ROLES = {Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.SECRETARY}
PER_PAGE = 50


def _chosen_campaign(request) -> Campaign | None:
    """The campaign of ?campaign=pk among those the user sees (404 otherwise), or the current one."""
    pk = request.GET.get("campaign", "")
    if not pk:
        return current_campaign(request.user)
    if not pk.isdigit():
        raise Http404(_("找不到该活动。"))
    campaign = visible_campaigns(request.user).filter(pk=pk).first()
    if campaign is None:
        raise Http404(_("找不到该活动。"))
    return campaign


# ---------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------


class CoverageFilterForm(forms.Form):
    campaign = forms.ChoiceField(label=gettext_lazy("活动"), required=False)
    org = forms.ChoiceField(label=gettext_lazy("组织"), required=False)
    sector = forms.ChoiceField(
        label=gettext_lazy("领域"), required=False, choices=[("", gettext_lazy("全部领域")), *Sector.choices]
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("承诺类型"), required=False, choices=[("", gettext_lazy("全部类型")), *PledgeKind.choices]
    )
    q = forms.CharField(label=gettext_lazy("组织名称"), required=False, max_length=50)

    def __init__(self, *args, campaigns: list[Campaign], organizations: list[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(str(campaign.pk), campaign.name) for campaign in campaigns]
        self.fields["org"].choices = [("", _("全部（本级及下级）"))] + [
            (organization.code, organization.name) for organization in organizations
        ]
        self.fields["q"].widget.attrs["placeholder"] = _("输入组织名称的一部分")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "coverage-filters"
        self.helper.layout = Layout(
            Row(
                Column("campaign", css_class="col-12 col-md-4"),
                Column("org", css_class="col-12 col-md-4"),
                Column("sector", css_class="col-6 col-md-2"),
                Column("kind", css_class="col-6 col-md-2"),
            ),
            Row(Column("q", css_class="col-12 col-md-8")),
        )
        self.helper.add_input(Submit("", _("筛选"), css_class="btn-danger"))


def _require_coverage_viewer(user) -> None:
    if user.is_superuser or user.role in COVERAGE_ROLES:
        return
    raise PermissionDenied(_("承诺覆盖情况只对县委创先争优办、上级党组织负责人、巡回检查组和党支部书记开放。"))


def _filter_organizations(roots: list[Organization], chosen: Organization | None) -> list[Organization]:
    """The tops of the user's subtrees and their party children, for the organization filter."""
    party_children = Q(parent__in=roots) & ~Q(kind__in=MASS_KINDS)
    options = list(Organization.objects.filter(Q(pk__in=[root.pk for root in roots]) | party_children).order_by("path"))
    if chosen is not None and chosen.pk not in {organization.pk for organization in options}:
        options.append(chosen)
    return options


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
        organizations=_filter_organizations(user_roots, chosen),
    )
    # A bad sector or kind in the query string is shown on the form and left out of the filter.
    form.is_valid()
    cleaned = form.cleaned_data
    filters = CoverageFilters(
        organization=chosen,
        sector=cleaned.get("sector", ""),
        kind=cleaned.get("kind", ""),
        query=cleaned.get("q", "").strip(),
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


class ProgressSheetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("填好的进展表"),
        help_text=gettext_lazy("从本系统下载、填写后保存的 Excel（.xlsx）文件。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("上传并预览"), css_class="btn-danger"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            extension = check_upload(upload, filename=upload.name, size=upload.size)
            if extension != ".xlsx":
                raise ImportFileError(_("请上传从本系统下载并填写好的进展表（.xlsx），不要另存为 CSV。"))
            # Find the header now, so that a wrong file is refused at once with its reason.
            read_progress_sheet(upload)
        except ImportFileError as error:
            raise ValidationError(str(error)) from None
        finally:
            upload.seek(0)
        return upload


def _require_sheet_importer(user) -> None:
    if user.is_superuser or (user.role in FILING_ROLES and user_scope(user).writable):
        return
    raise PermissionDenied(_("只有党支部书记和上级党组织可以导入践诺进展表。"))


# Sheets hold names and work notes; see orgs.uploads.
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
    campaign = current_campaign(request.user)
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


urlpatterns = [
    path("coverage/", coverage, name="coverage"),
    path("coverage/export/", coverage_export_view, name="coverage_export"),
    path("progress-sheet/<str:code>/export/", progress_sheet_export_view, name="progress_sheet_export"),
    path("progress-sheet/import/", progress_sheet_import_view, name="progress_sheet_import"),
    path("progress-sheet/import/<str:token>/", progress_sheet_import_preview, name="progress_sheet_import_preview"),
    path(
        "progress-sheet/import/<str:token>/confirm/",
        progress_sheet_import_confirm,
        name="progress_sheet_import_confirm",
    ),
    path(
        "progress-sheet/import/<str:token>/cancel/",
        progress_sheet_import_cancel,
        name="progress_sheet_import_cancel",
    ),
]
