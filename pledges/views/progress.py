"""践诺 pages: an item's progress with the form to record more, and evidence downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pledges.evidence_serving import evidence_response
from pledges.forms import ProgressForm
from pledges.lifecycle import may_file
from pledges.models import Evidence, PledgeItem, ProgressEntry, Rectification
from pledges.progress import (
    IMAGE_TYPES,
    RECORDABLE_STATES,
    ItemState,
    correctable,
    correction_deadline,
    evidence_set_public,
    item_state,
    may_correct,
    progress_correct,
    progress_record,
    progress_remove,
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
    # Removed entries leave the page; their rows and history stay for the record.
    entries = list(
        item.progress_entries.filter(removed_at__isnull=True)
        .select_related("recorded_by__member")
        .prefetch_related("evidence")
    )
    now = timezone.now()
    for entry in entries:
        entry.item = item
        entry.open_until = correction_deadline(entry)
        entry.may_undo = correctable(entry, now) and may_correct(request.user, entry)
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


def _entry_for_undo(request, pk: int) -> ProgressEntry:
    """The entry (404 outside the user's scope or removed), 403 unless the user may correct it."""
    entry = get_object_or_404(
        ProgressEntry.objects.filter(removed_at__isnull=True).select_related(
            "item__pledge__organization", "item__pledge__member", "item__pledge__campaign"
        ),
        pk=pk,
    )
    if not may_correct(request.user, entry):
        raise PermissionDenied(_("您无权更正或删除这条践诺记录。"))
    return entry


def _refusal_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_POST
def entry_correct(request, pk: int):
    """更正: the recorder puts a typo right within the campaign's window."""
    entry = _entry_for_undo(request, pk)
    try:
        progress_correct(
            entry=entry,
            by=request.user,
            text=request.POST.get("text", ""),
            marks_done=request.POST.get("marks_done") == "on",
        )
    except ValidationError as error:
        messages.error(request, _refusal_text(error))
    else:
        messages.success(request, _("践诺记录已更正，公开栏显示更正后的内容并注明“已更正”。"))
    return redirect(f"{reverse('pledges:item_progress', args=[entry.item_id])}#entry-{entry.pk}")


@login_required
@require_POST
def entry_remove(request, pk: int):
    """Remove an entry recorded by mistake, within the window; it is kept in the history."""
    entry = _entry_for_undo(request, pk)
    try:
        progress_remove(entry=entry, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, _refusal_text(error))
    else:
        messages.success(request, _("践诺记录已删除，不再在公开栏和承诺页面显示；删除记录留档备查。"))
    return redirect("pledges:item_progress", pk=entry.item_id)
