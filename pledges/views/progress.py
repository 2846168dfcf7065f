"""践诺 pages: an item's progress with the form to record more, and evidence downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pledges.evidence_serving import evidence_response
from pledges.forms import ProgressForm
from pledges.lifecycle import may_file
from pledges.models import Evidence, PledgeItem, Rectification
from pledges.progress import (
    IMAGE_TYPES,
    RECORDABLE_STATES,
    ItemState,
    evidence_set_public,
    item_state,
    progress_record,
)
from pledges.rectification import may_manage_rectification, may_supervise


@login_required
def item_progress(request, pk: int):
    """The item, its state and its entries; the pledger records progress here."""
    item = get_object_or_404(
        PledgeItem.objects.select_related("pledge__organization", "pledge__member", "pledge__campaign", "dimension"),
        pk=pk,
    )
    pledge = item.pledge
    may_record = may_file(request.user, pledge)
    form = None
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied(_("您无权为这份承诺记录进展。"))
        form = ProgressForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                progress_record(
                    item=item,
                    by=request.user,
                    recorded_on=data["recorded_on"],
                    text=data["text"],
                    marks_done=data["marks_done"],
                    files=data["files"],
                    evidence_public=data["evidence_public"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("践诺进展已保存。"))
                return redirect("pledges:item_progress", pk=item.pk)
    can_record = may_record and pledge.state in RECORDABLE_STATES
    if can_record and form is None:
        form = ProgressForm()
    state = item_state(item)
    entries = item.progress_entries.select_related("recorded_by__member").prefetch_related("evidence")
    open_supervision = (
        item.supervisions.filter(closed_at__isnull=True).select_related("supervisor__member").first()
        if pledge.published_version
        else None
    )
    organization = pledge.organization
    return render(
        request,
        "pledges/progress_item.html",
        {
            "item": item,
            "pledge": pledge,
            "state": state,
            "state_label": ItemState(state).label,
            "entries": entries,
            "form": form if can_record else None,
            "may_record": may_record,
            "open_supervision": open_supervision,
            "can_supervise": state == ItemState.LATE
            and pledge.published_version > 0
            and open_supervision is None
            and may_supervise(request.user, organization),
            "can_rectify": state == ItemState.LATE and may_manage_rectification(request.user, organization),
            "rectifications": Rectification.objects.filter(pledge_item=item).order_by("-created_at"),
            "image_types": IMAGE_TYPES,
        },
    )


@login_required
@require_safe
def evidence_download(request, pk: int):
    # The scoped manager answers 404 alike for a file that does not exist and one outside the scope.
    evidence = get_object_or_404(Evidence.objects.all(), pk=pk)
    return evidence_response(evidence, cache="private, max-age=3600")


@login_required
@require_POST
def evidence_visibility(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.select_related("entry__item__pledge__organization"), pk=pk)
    is_public = request.POST.get("is_public") == "1"
    evidence_set_public(evidence=evidence, is_public=is_public, by=request.user)
    if is_public:
        messages.success(request, _("“%(name)s”将在公开栏展示。") % {"name": evidence.original_name})
    else:
        messages.success(request, _("“%(name)s”已不在公开栏展示。") % {"name": evidence.original_name})
    return redirect("pledges:item_progress", pk=evidence.entry.item_id)
