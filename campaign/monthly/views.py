"""Pages of 月报: a unit files its month's values; the office sees who filed, who was
late, who did not, and who is below target (campaign.monthly.services holds the rules)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.models import Campaign
from campaign.monthly.forms import MonthlyValuesForm
from campaign.monthly.selectors import (
    default_month,
    measured_indicators,
    month_choices,
    monthly_report_status,
    monthly_status_export,
    scored_units,
    target_text,
)
from campaign.monthly.services import covering_periods, indicator_values_file, may_file
from campaign.reports.services import parse_month
from campaign.scores.models import IndicatorValue
from campaign.scores.services import is_scored
from orgs.access import access_organization
from orgs.sheets.writing import xlsx_response


def _month(request, campaign: Campaign, today: datetime.date) -> datetime.date:
    """The month asked for, kept within the campaign's months begun by today."""
    choices = month_choices(campaign, today=today)
    month = parse_month(request.GET.get("month"), default_month(campaign, today=today))
    if choices and month not in choices:
        month = default_month(campaign, today=today)
    return month


def _month_text(month: datetime.date) -> str:
    return _("%(year)s年%(month)s月") % {"year": month.year, "month": month.month}


@login_required
@require_safe
def monthly_status(request):
    campaign = access_chosen_campaign(request)
    today = timezone.localdate()
    month = _month(request, campaign, today)
    indicators = measured_indicators(campaign)
    status = monthly_report_status(
        campaign, month, organizations=scored_units(campaign), today=today, indicators=indicators
    )
    return render(
        request,
        "campaign/monthly_status.html",
        {
            "campaign": campaign,
            "status": status,
            "month": month,
            "month_text": _month_text(month),
            "months": [(choice, _month_text(choice)) for choice in month_choices(campaign, today=today)],
        },
    )


@login_required
@require_safe
def monthly_export(request):
    campaign = access_chosen_campaign(request)
    today = timezone.localdate()
    month = _month(request, campaign, today)
    status = monthly_report_status(campaign, month, organizations=scored_units(campaign), today=today)
    filename = _("月报情况-%(month)s.xlsx") % {"month": month.strftime("%Y-%m")}
    return xlsx_response(monthly_status_export(status), filename)


@login_required
def monthly_file(request, code: str):
    """A unit's values for a month: filled in or corrected by the unit or its superiors,
    read by whoever sees the unit."""
    organization = access_organization(request.user, code)
    campaign = access_chosen_campaign(request)
    if not is_scored(campaign, organization):
        raise Http404(_("该单位不参加本活动的考核。"))
    today = timezone.localdate()
    month = _month(request, campaign, today)
    indicators = [indicator for indicator in measured_indicators(campaign) if indicator.applies_to(organization.grade)]
    existing = {
        value.indicator_id: value
        for value in IndicatorValue.objects.filter(
            organization=organization, month=month, indicator__in=[indicator.pk for indicator in indicators]
        ).select_related("reported_by__member")
    }
    periods = list(covering_periods(campaign, month))
    closed = bool(periods) and all(period.is_closed_to_changes for period in periods)
    writable = may_file(request.user, campaign, organization) and not closed
    form = MonthlyValuesForm(request.POST or None, indicators=indicators, existing=existing)
    if request.method == "POST":
        if not may_file(request.user, campaign, organization):
            raise PermissionDenied(_("只能为本单位或所属下级单位填报月报数据。"))
        if form.is_valid():
            try:
                indicator_values_file(
                    campaign=campaign, organization=organization, month=month, values=form.values(), by=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("已保存“%(name)s”%(month)s的月报数据。")
                    % {"name": organization.name, "month": _month_text(month)},
                )
                query = urlencode({"campaign": campaign.pk, "month": month.strftime("%Y-%m")})
                return redirect(f"{reverse('campaign:monthly_file', args=[organization.code])}?{query}")
    status = monthly_report_status(campaign, month, organizations=[organization], today=today, indicators=indicators)
    cells = {cell.indicator.pk: cell for unit in status.units for cell in unit.cells}
    targets = {
        indicator.pk: target_text(indicator, indicator.target_for(organization.grade)) for indicator in indicators
    }
    return render(
        request,
        "campaign/monthly_file.html",
        {
            "campaign": campaign,
            "organization": organization,
            "month": month,
            "month_text": _month_text(month),
            "months": [(choice, _month_text(choice)) for choice in month_choices(campaign, today=today)],
            "form": form,
            "rows": form.rows(targets=targets, existing=existing),
            "cells": cells,
            "status": status,
            "writable": writable,
            "closed": closed,
        },
    )
