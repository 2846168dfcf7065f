"""重大情况报告 pages: the register, a unit's report, an inspection's finding, an
incident's page with what was added later, and the office's kinds and limits."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.forms import show_refusal
from campaign.campaigns.models import Campaign
from campaign.incidents.forms import IncidentFilterForm, IncidentForm, IncidentKindFormSet, IncidentUpdateForm
from campaign.incidents.models import Incident, IncidentKind, Timeliness
from campaign.incidents.selectors import incidents_in_scope, kind_limits_text, register_rows
from campaign.incidents.services import (
    incident_kinds,
    incident_kinds_set,
    incident_register_found,
    incident_report,
    incident_update,
    may_register_found,
    may_register_found_any,
    may_report,
    may_report_any,
    may_set_kinds,
    may_update,
)
from orgs.access import access_organization, user_scope
from orgs.models import Organization, OrganizationKind

PER_PAGE = 50
REPORT_REFUSAL = _("只有本单位或上级组织的活动办公室、负责人和党支部书记可以报告重大情况。")
FOUND_REFUSAL = _("只有巡回检查组和主办组织的活动办公室可以登记检查中发现的重大情况。")


@login_required
@require_safe
def incident_list(request):
    campaign = access_chosen_campaign(request)
    filters = IncidentFilterForm(request.GET)
    filters.is_valid()
    timeliness = filters.cleaned_data.get("timeliness", "")
    code = filters.cleaned_data.get("org", "")
    organization = access_organization(request.user, code) if code else None
    rows = register_rows(incidents_in_scope(campaign, organization=organization), timeliness=timeliness)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            key: value
            for key, value in {
                "campaign": campaign.pk,
                "timeliness": timeliness,
                "org": organization.code if organization else "",
            }.items()
            if value
        }
    )
    return render(
        request,
        "campaign/incident_list.html",
        {
            "campaign": campaign,
            "page": page,
            "filters": filters,
            "timeliness": timeliness,
            "timeliness_choices": Timeliness.choices,
            "organization": organization,
            "organizations": _units(request.user, campaign, change=False).only("code", "name", "path"),
            "kinds": [(kind, kind_limits_text(kind)) for kind in incident_kinds(campaign)],
            "query": query,
            "may_report": may_report_any(request.user),
            "may_register_found": may_register_found_any(request.user, campaign),
            "may_set_kinds": may_set_kinds(request.user, campaign),
        },
    )


def _units(user, campaign: Campaign, *, change: bool) -> QuerySet[Organization]:
    """Units of the campaign the user may report for (``change``) or sees."""
    scope = user_scope(user)
    units = Organization.objects.filter(path__startswith=campaign.organization.path).exclude(
        pk=campaign.organization_id
    )
    if not campaign.mass_organizations_take_part:
        units = units.exclude(kind__in=OrganizationKind.mass_organizations())
    if change and not scope.writable:
        return units.none()
    return units.order_by("path")


def _incident_form_page(request, *, found: bool):
    campaign = access_chosen_campaign(request)
    if found:
        if not may_register_found_any(request.user, campaign):
            raise PermissionDenied(FOUND_REFUSAL)
        units = _units(request.user, campaign, change=False)
    else:
        if not may_report_any(request.user):
            raise PermissionDenied(REPORT_REFUSAL)
        units = _units(request.user, campaign, change=True)
    kinds = incident_kinds(campaign)
    initial = {}
    if request.user.organization_id and not found:
        initial["organization"] = request.user.organization.code
    form = IncidentForm(request.POST or None, organizations=units, kinds=kinds, found=found, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = data["organization"]
        allowed = (
            may_register_found(request.user, campaign, organization)
            if found
            else may_report(request.user, organization)
        )
        if not allowed:
            raise PermissionDenied(FOUND_REFUSAL if found else REPORT_REFUSAL)
        service = incident_register_found if found else incident_report
        try:
            incident = service(
                campaign=campaign,
                organization=organization,
                kind=data["kind"],
                severity=data["severity"],
                summary=data["summary"],
                occurred_at=data["occurred_at"],
                phoned_at=data["phoned_at"],
                written_at=data["written_at"],
                actions=data["actions"],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("检查中发现的重大情况已登记。") if found else _("重大情况已报告。"))
            return redirect(incident)
    return render(
        request,
        "campaign/incident_form.html",
        {"campaign": campaign, "form": form, "found": found, "has_kinds": kinds.exists()},
    )


@login_required
def incident_report_view(request):
    return _incident_form_page(request, found=False)


@login_required
def incident_found_view(request):
    return _incident_form_page(request, found=True)


def _incident(pk: int) -> Incident:
    """An incident the user sees; 404 alike for missing and outside the scope."""
    return get_object_or_404(
        Incident.objects.select_related(
            "campaign__organization", "organization", "kind", "rectification", "registered_by__member"
        ),
        pk=pk,
    )


@login_required
@require_safe
def incident_detail(request, pk: int):
    incident = _incident(pk)
    row = register_rows([incident])[0]
    return render(
        request,
        "campaign/incident_detail.html",
        {
            "incident": incident,
            "campaign": incident.campaign,
            "row": row,
            "may_update": may_update(request.user, incident),
        },
    )


@login_required
def incident_edit(request, pk: int):
    incident = _incident(pk)
    if not may_update(request.user, incident):
        raise PermissionDenied(_("只有本单位或上级组织可以补充这起重大情况的报告和处置情况。"))
    form = IncidentUpdateForm(
        request.POST or None,
        initial={"written_at": incident.written_at, "actions": incident.actions, "follow_up": incident.follow_up},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident_update(
                incident=incident,
                written_at=data["written_at"],
                actions=data["actions"],
                follow_up=data["follow_up"],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("报告和处置情况已保存。"))
            return redirect(incident)
    return render(request, "campaign/incident_edit.html", {"incident": incident, "form": form})


@login_required
def incident_kinds_view(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.select_related("organization"), pk=pk)
    if not may_set_kinds(request.user, campaign):
        raise PermissionDenied(_("只有主办组织的活动办公室可以设置重大情况类别和报告时限。"))
    formset = IncidentKindFormSet(request.POST or None, instance=campaign, queryset=IncidentKind.objects.all())
    refusals: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            incident_kinds_set(campaign=campaign, kinds=formset.kind_inputs(), by=request.user)
        except ValidationError as error:
            refusals = error.messages
        else:
            messages.success(request, _("重大情况类别和报告时限已保存。"))
            return redirect(f"{reverse('campaign:incidents')}?campaign={campaign.pk}")
    return render(
        request,
        "campaign/incident_kinds.html",
        {"campaign": campaign, "formset": formset, "refusals": refusals},
    )
