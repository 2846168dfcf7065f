"""典型培树 pages: nominating, recommending up the tree, the decisions and the quarterly quota."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.forms import show_refusal
from campaign.campaigns.models import Campaign
from campaign.campaigns.selectors import (
    day_within,
)
from campaign.nominations.forms import NominationForm, NominationOpinionForm
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.selectors import access_suggested_pledge, nomination_suggestions, suggested_deeds
from campaign.nominations.services import (
    campaign_titles,
    may_decide,
    may_decline,
    may_nominate,
    may_recommend,
    nomination_create,
    nomination_decline,
    nomination_quota,
    nomination_quota_export,
    nomination_recommend,
    nomination_select,
    nominations_in_scope,
    parse_quarter,
    quarter_bounds,
    quarter_label,
)
from campaign.nominations.votes.services import may_run_votes, nomination_vote_results
from orgs.access import access_organization
from orgs.models import Member, Organization, OrganizationKind
from orgs.sheets.writing import xlsx_response

NOMINATE_REFUSAL = gettext_lazy("只有党组织书记、上级党组织负责人和活动办公室可以推荐典型。")


@login_required
@require_safe
def nomination_list(request):
    campaign = access_chosen_campaign(request)
    status = request.GET.get("status", "")
    page = Paginator(nominations_in_scope(campaign, status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaign/nomination_list.html",
        {
            "campaign": campaign,
            "page": page,
            "status": status,
            "statuses": NominationStatus.choices,
            "may_nominate": may_nominate(request.user),
            "may_run_votes": may_run_votes(request.user, campaign.organization),
            "suggestions": nomination_suggestions(request.user, campaign),
        },
    )


@login_required
def nomination_create_view(request):
    if not may_nominate(request.user):
        raise PermissionDenied(NOMINATE_REFUSAL)
    campaign = access_chosen_campaign(request)
    anchor = request.user.organization
    if request.GET.get("org"):
        organization = access_organization(request.user, request.GET["org"], for_change=True)
    else:
        organization = anchor
    members = Member.objects.for_campaign(campaign).filter(organization=organization).order_by("name")
    form = NominationForm(
        request.POST or None,
        organization=organization,
        members=members,
        titles=campaign_titles(campaign),
        initial=_suggested_initial(request, campaign),
    )
    if request.method == "POST" and form.is_valid():
        nominee = form.cleaned_data["nominee"]
        member = None if nominee == "org" else members.get(pk=int(nominee))
        try:
            nomination = nomination_create(
                campaign=campaign,
                organization=organization if member is None else None,
                member=member,
                title=form.cleaned_data["title"],
                deeds=form.cleaned_data["deeds"],
                opinion=form.cleaned_data["opinion"],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("已推荐“%(name)s”。") % {"name": nomination.nominee_name})
            return redirect(nomination)
    # Only organizations that can themselves be models: mass organizations where they take part.
    choices = Organization.objects.filter(path__startswith=anchor.path)
    if not campaign.mass_organizations_take_part:
        choices = choices.exclude(kind__in=OrganizationKind.mass_organizations())
    choices = choices.only("name", "code", "path").order_by("path")
    return render(
        request,
        "campaign/nomination_form.html",
        {"form": form, "campaign": campaign, "organization": organization, "organizations": choices},
    )


def _suggested_initial(request, campaign: Campaign) -> dict:
    """A nomination started from a suggestion (推荐建议) comes with its nominee and, from
    the pledge that earned it, the deeds to begin with; it is then nominated as any other."""
    initial = {}
    if request.GET.get("nominee"):
        initial["nominee"] = request.GET["nominee"]
    pledge = access_suggested_pledge(request.user, campaign, request.GET.get("pledge"))
    if pledge is not None:
        initial["deeds"] = suggested_deeds(pledge)
    return initial


def _nomination(pk: int) -> ModelNomination:
    return get_object_or_404(
        ModelNomination.objects.select_related(
            "campaign", "organization", "member", "current_level", "nominating_organization", "nominated_by"
        ),
        pk=pk,
    )


@login_required
@require_safe
def nomination_detail(request, pk: int):
    nomination = _nomination(pk)
    allowed = {
        "recommend": may_recommend(request.user, nomination),
        "select": may_decide(request.user, nomination),
        "decline": may_decline(request.user, nomination),
    }
    return render(
        request,
        "campaign/nomination_detail.html",
        {
            "nomination": nomination,
            "opinions": list(nomination.opinions.select_related("organization", "by")),
            "allowed": allowed,
            "opinion_form": NominationOpinionForm() if any(allowed.values()) else None,
            "vote_results": nomination_vote_results(nomination),
        },
    )


def _nomination_action(request, pk: int, service, done: str):
    nomination = _nomination(pk)
    form = NominationOpinionForm(request.POST)
    form.is_valid()
    try:
        service(nomination=nomination, opinion=form.cleaned_data.get("opinion", ""), by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(nomination)


@login_required
@require_POST
def nomination_recommend_view(request, pk: int):
    return _nomination_action(request, pk, nomination_recommend, _("已推荐至上一级党组织。"))


@login_required
@require_POST
def nomination_select_view(request, pk: int):
    return _nomination_action(request, pk, nomination_select, _("已确定为典型。"))


@login_required
@require_POST
def nomination_decline_view(request, pk: int):
    return _nomination_action(request, pk, nomination_decline, _("已作出未通过的决定。"))


def _quota_quarter(request, campaign: Campaign):
    return parse_quarter(request.GET.get("quarter"), day_within(campaign, timezone.localdate()))


@login_required
@require_safe
def nomination_quota_view(request):
    campaign = access_chosen_campaign(request)
    quarter = _quota_quarter(request, campaign)
    first, last = quarter_bounds(quarter)
    return render(
        request,
        "campaign/nomination_quota.html",
        {
            "campaign": campaign,
            "rows": nomination_quota(campaign, quarter),
            "quarter": quarter_label(first),
            "first": first,
            "last": last,
        },
    )


@login_required
@require_safe
def nomination_quota_export_view(request):
    campaign = access_chosen_campaign(request)
    quarter = _quota_quarter(request, campaign)
    filename = _("典型培树情况-%(quarter)s.xlsx") % {"quarter": quarter_label(quarter)}
    return xlsx_response(nomination_quota_export(nomination_quota(campaign, quarter), quarter), filename)
