"""巡回检查 pages: the visits a scope sees, an inspection group's plan and record of a
visit, its findings with their photos, and the signed-off tasks due for 回头看."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.forms import show_refusal
from campaign.campaigns.models import Campaign
from campaign.inspections.forms import (
    ChecklistItemForm,
    FindingForm,
    VisitFilterForm,
    VisitPlanForm,
    VisitRecordForm,
)
from campaign.inspections.models import ChecklistItem, FindingAttachment, Visit, VisitMethod, VisitState
from campaign.inspections.selectors import lookbacks_due, visit_with_findings, visits_in_scope
from campaign.inspections.services import (
    WRITE_REFUSAL,
    CheckInput,
    checklist_item_add,
    deduction_rules,
    finding_add,
    is_inspector,
    lookback_ready,
    may_plan,
    may_write_visit,
    open_periods,
    period_for,
    unit_covered,
    visit_plan,
    visit_record,
)
from orgs.access import access_organization
from orgs.models import Organization
from pledges.evidence_serving import evidence_response
from pledges.models import Rectification

PER_PAGE = 50
PLAN_REFUSAL = _("只有巡回检查组可以安排检查。")


def _units(campaign: Campaign) -> list[Organization]:
    """Units of the campaign in the active scope, for the filter and the plan form."""
    units = Organization.objects.filter(path__startswith=campaign.organization.path).order_by("path")
    return [unit for unit in units.only("code", "name", "path", "kind") if unit_covered(campaign, unit)]


def _unit_queryset(campaign: Campaign):
    return Organization.objects.filter(pk__in=[unit.pk for unit in _units(campaign)]).order_by("path")


@login_required
@require_safe
def visit_list(request):
    campaign = access_chosen_campaign(request)
    filters = VisitFilterForm(request.GET)
    filters.is_valid()
    state = filters.cleaned_data.get("state", "")
    code = filters.cleaned_data.get("org", "")
    organization = access_organization(request.user, code) if code else None
    visits = visits_in_scope(campaign, organization=organization, state=state)
    page = Paginator(visits, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            key: value
            for key, value in {
                "campaign": campaign.pk,
                "state": state,
                "org": organization.code if organization else "",
            }.items()
            if value
        }
    )
    due = [row for row in lookbacks_due(campaign, today=timezone.localdate()) if not row.recorded]
    return render(
        request,
        "campaign/visit_list.html",
        {
            "campaign": campaign,
            "page": page,
            "state": state,
            "state_choices": VisitState.choices,
            "organization": organization,
            "organizations": _units(campaign),
            "query": query,
            "may_plan": is_inspector(request.user),
            "lookbacks_due": len(due),
        },
    )


@login_required
def visit_plan_view(request):
    campaign = access_chosen_campaign(request)
    if not is_inspector(request.user):
        raise PermissionDenied(PLAN_REFUSAL)
    task = None
    # Nine digits at most: a forged number past the database's integers is simply no task.
    if request.GET.get("task", "").isdigit() and len(request.GET["task"]) <= 9:
        # Scoped: 404 alike for a task that does not exist and one outside the scope.
        task = get_object_or_404(
            Rectification.objects.select_related("organization"), pk=request.GET["task"], campaign=campaign
        )
        if not lookback_ready(task, timezone.localdate()):
            raise Http404(_("该整改任务还不到回头看的时候。"))
    form = VisitPlanForm(
        request.POST or None,
        organizations=_unit_queryset(campaign),
        lookback=task is not None,
        initial={"planned_on": timezone.localdate(), "members": request.user.display_name},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = task.organization if task else data["organization"]
        if not may_plan(request.user, campaign, organization):
            raise PermissionDenied(_("只能为所负责检查范围内、参加本活动的单位安排检查。"))
        try:
            visit = visit_plan(
                campaign=campaign,
                organization=organization,
                planned_on=data["planned_on"],
                members=data["members"],
                methods=data["methods"],
                looks_back_at=task,
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("检查已安排，检查清单已按活动标准和评分表生成。"))
            return redirect(visit)
    return render(request, "campaign/visit_plan.html", {"campaign": campaign, "form": form, "task": task})


def _visit(pk: int) -> Visit:
    """A visit the user sees; 404 alike for missing and outside the scope."""
    try:
        return visit_with_findings(pk)
    except Visit.DoesNotExist:
        raise Http404(_("找不到这次检查，或您无权查看。")) from None


@login_required
@require_safe
def visit_detail(request, pk: int):
    visit = _visit(pk)
    return render(
        request,
        "campaign/visit_detail.html",
        {
            "visit": visit,
            "campaign": visit.campaign,
            "checklist": list(visit.checklist.all()),
            "findings": list(visit.findings.all()),
            "method_labels": [VisitMethod(method).label for method in visit.methods if method in VisitMethod.values],
            "may_write": may_write_visit(request.user, visit),
            "item_form": ChecklistItemForm(),
        },
    )


def _writable_visit(request, pk: int) -> Visit:
    visit = _visit(pk)
    if not may_write_visit(request.user, visit):
        raise PermissionDenied(WRITE_REFUSAL)
    return visit


@login_required
def visit_record_view(request, pk: int):
    visit = _writable_visit(request, pk)
    items = list(visit.checklist.all())
    lookback = visit.looks_back_at_id is not None
    initial = {
        "visited_on": visit.visited_on or min(visit.planned_on, timezone.localdate()),
        "members": visit.members,
        "methods": visit.methods,
        "summary": visit.summary,
    }
    form = VisitRecordForm(request.POST or None, items=items, lookback=lookback, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit_record(
                visit=visit,
                visited_on=data["visited_on"],
                members=data["members"],
                methods=data["methods"],
                summary=data["summary"],
                checks=[CheckInput(item=item, result=result, note=note) for item, result, note in form.checks()],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("检查情况已记录。发现的问题请逐条登记。"))
            return redirect(visit)
    return render(request, "campaign/visit_record.html", {"visit": visit, "campaign": visit.campaign, "form": form})


@login_required
@require_POST
def visit_item_add(request, pk: int):
    visit = _writable_visit(request, pk)
    form = ChecklistItemForm(request.POST)
    if form.is_valid():
        try:
            checklist_item_add(visit=visit, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("检查项目已添加。"))
    else:
        messages.error(request, _("请填写检查项目，最多 300 个字。"))
    target = "campaign:visit_record" if request.POST.get("back") == "record" else "campaign:visit"
    return redirect(reverse(target, args=[visit.pk]))


@login_required
def finding_add_view(request, pk: int):
    visit = _writable_visit(request, pk)
    if visit.state != VisitState.RECORDED:
        messages.info(request, _("请先记录检查情况，再登记检查发现。"))
        return redirect("campaign:visit_record", visit.pk)
    periods = open_periods(visit.campaign)
    rules = deduction_rules(visit.campaign, visit.organization)
    items = ChecklistItem.objects.filter(visit=visit).order_by("order", "pk")
    initial: dict = {"deadline": None}
    if request.GET.get("item", "").isdigit():
        initial["checklist_item"] = request.GET["item"]
    default_period = period_for(periods, visit.visited_on)
    if default_period is not None:
        initial["period"] = default_period.pk
    form = FindingForm(
        request.POST or None, request.FILES or None, items=items, rules=rules, periods=periods, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = finding_add(
                visit=visit,
                description=data["description"],
                checklist_item=data["checklist_item"],
                files=data["files"],
                action=data["action"],
                rectify=form.rectify_input(),
                deduct=form.deduct_input(),
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            if finding.rectification_id:
                messages.success(request, _("检查发现已登记，并已向该单位交办整改任务。"))
            elif finding.deduction_id:
                messages.success(request, _("检查发现已登记，并已按细则扣分。"))
            else:
                messages.success(request, _("检查发现已登记。"))
            return redirect(f"{visit.get_absolute_url()}#finding-{finding.pk}")
    return render(
        request,
        "campaign/finding_form.html",
        {"visit": visit, "campaign": visit.campaign, "form": form},
    )


@login_required
@require_safe
def finding_file(request, pk: int):
    # The scoped manager answers 404 alike for a file that does not exist and one outside the scope.
    attachment = get_object_or_404(FindingAttachment.objects.all(), pk=pk)
    return evidence_response(attachment, cache="private, max-age=3600")


@login_required
@require_safe
def lookback_list(request):
    campaign = access_chosen_campaign(request)
    rows = lookbacks_due(campaign, today=timezone.localdate())
    return render(
        request,
        "campaign/lookback_list.html",
        {"campaign": campaign, "rows": rows, "may_plan": is_inspector(request.user)},
    )
