"""Review coverage (点评覆盖情况): who in the user's subtree has been reviewed this
period, who has not, and who is overdue, with an .xlsx export.

For the office, leaders, branch secretaries and inspection groups (read only), each over
their own subtree; a plain member gets 403.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign.campaigns.access import campaign_in_use
from campaign.campaigns.models import Campaign
from campaign.campaigns.selectors import day_within, visible_campaigns
from orgs.access import access_organization
from orgs.models import Role
from orgs.sheets.writing import xlsx_response
from reviews.review_coverage import coverage_export, review_coverage


def _may_see_coverage(user) -> bool:
    return user.is_superuser or user.role != Role.MEMBER


def _campaign(request) -> Campaign | None:
    """The campaign in use (campaign.campaigns.access), for those who may see coverage."""
    if not _may_see_coverage(request.user):
        raise PermissionDenied(_("点评覆盖情况由活动办公室、上级党组织和党支部书记查看。"))
    return campaign_in_use(request)


@login_required
@require_GET
def coverage_page(request):
    campaign = _campaign(request)
    organization = _chosen_organization(request)
    # A finished campaign shows its last review period, not an empty one of today.
    coverage = (
        review_coverage(request.user, campaign, day_within(campaign, timezone.localdate()), organization=organization)
        if campaign
        else None
    )
    return render(
        request,
        "reviews/review_coverage.html",
        {
            "campaign": campaign,
            "campaigns": list(visible_campaigns(request.user)),
            "coverage": coverage,
            "organization": organization,
        },
    )


def _chosen_organization(request):
    """?org=code narrows the page to a subtree inside the user's (the dashboard links here)."""
    code = request.GET.get("org", "")
    return access_organization(request.user, code) if code else None


@login_required
@require_GET
def coverage_export_view(request):
    campaign = _campaign(request)
    if campaign is None:
        raise Http404(_("还没有可查看的活动。"))
    today = day_within(campaign, timezone.localdate())
    coverage = review_coverage(request.user, campaign, today, organization=_chosen_organization(request))
    filename = _("%(campaign)s点评覆盖情况-%(date)s.xlsx") % {"campaign": campaign.name, "date": f"{today:%Y%m%d}"}
    return xlsx_response(coverage_export(coverage), filename)
