"""信息上报 pages: the list, reporting an item, adoption by the media and the monthly quota."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.forms import show_refusal
from campaign.campaigns.selectors import (
    day_within,
)
from campaign.reports.forms import AdoptForm, InfoReportForm
from campaign.reports.models import AdoptionLevel, InfoReport, InfoReportPhoto
from campaign.reports.services import (
    info_report_adopt,
    info_report_submit,
    may_adopt,
    may_submit,
    parse_month,
    quota_export,
    report_quota,
    reports_in_scope,
)
from orgs.access import access_organization
from orgs.sheets.writing import xlsx_response
from pledges.evidence_serving import evidence_response
from pledges.progress import IMAGE_TYPES


@login_required
@require_safe
def report_list(request):
    campaign = access_chosen_campaign(request)
    today = timezone.localdate()
    month = parse_month(request.GET["month"], today) if request.GET.get("month") else None
    organization = None
    if request.GET.get("org"):
        organization = access_organization(request.user, request.GET["org"])
    adopted = {"1": True, "0": False}.get(request.GET.get("adopted", ""))
    reports = reports_in_scope(campaign, month=month, organization=organization, adopted=adopted)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaign/report_list.html",
        {
            "campaign": campaign,
            "page": page,
            "month": month,
            "organization": organization,
            "adopted": request.GET.get("adopted", ""),
            "may_submit": may_submit(request.user),
        },
    )


@login_required
def report_create(request):
    if not may_submit(request.user):
        raise PermissionDenied(_("只有党组织书记、上级党组织负责人和活动办公室可以上报信息。"))
    campaign = access_chosen_campaign(request)
    form = InfoReportForm(
        request.POST or None,
        request.FILES or None,
        initial={"reported_on": day_within(campaign, timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = info_report_submit(
                campaign=campaign,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                reported_on=form.cleaned_data["reported_on"],
                category=form.cleaned_data["category"],
                photos=form.cleaned_data["photos"],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("信息已上报。"))
            return redirect(report)
    return render(
        request,
        "campaign/report_form.html",
        {"form": form, "campaign": campaign, "organization": request.user.organization},
    )


@login_required
@require_safe
def report_detail(request, pk: int):
    report = get_object_or_404(
        InfoReport.objects.select_related("organization", "campaign", "submitted_by", "adopted_by"), pk=pk
    )
    return render(
        request,
        "campaign/report_detail.html",
        {
            "report": report,
            "photos": list(report.photos.all()),
            "image_types": IMAGE_TYPES,
            "adopt_form": AdoptForm(initial={"level": report.adopted_level or AdoptionLevel.COUNTY})
            if may_adopt(request.user, report)
            else None,
        },
    )


@login_required
@require_POST
def report_adopt(request, pk: int):
    report = get_object_or_404(InfoReport.objects.select_related("organization"), pk=pk)
    if not may_adopt(request.user, report):
        raise PermissionDenied(_("只有活动办公室可以标记信息采用情况。"))
    form = AdoptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择采用级别。"))
        return redirect(report)
    info_report_adopt(report=report, level=form.cleaned_data["level"], by=request.user)
    messages.success(request, _("已标记为%(level)s采用。") % {"level": AdoptionLevel(form.cleaned_data["level"]).label})
    return redirect(report)


@login_required
@require_safe
def report_photo(request, pk: int):
    # The scoped manager answers 404 alike for a photo that does not exist and one outside the scope.
    photo = get_object_or_404(InfoReportPhoto.objects.all(), pk=pk)
    return evidence_response(photo, cache="private, max-age=3600")


@login_required
@require_safe
def report_quota_view(request):
    campaign = access_chosen_campaign(request)
    month = parse_month(request.GET.get("month"), day_within(campaign, timezone.localdate()))
    quota = report_quota(campaign, month)
    return render(request, "campaign/report_quota.html", {"campaign": campaign, "quota": quota})


@login_required
@require_safe
def report_quota_export(request):
    campaign = access_chosen_campaign(request)
    month = parse_month(request.GET.get("month"), day_within(campaign, timezone.localdate()))
    quota = report_quota(campaign, month)
    filename = _("信息上报情况-%(month)s.xlsx") % {"month": quota.month.strftime("%Y-%m")}
    return xlsx_response(quota_export(quota), filename)
