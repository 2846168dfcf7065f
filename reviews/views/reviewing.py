"""领导点评 pages: the reviewer's due list, writing and editing a review beside the
subject's pledge, reading it, acknowledging it and revising the pledge from it.

Reviews are fetched through the scoped manager, which shows a review only to the
subject's chain (the reviewer stands in it) and to the member reviewed: 404 alike for
missing and out of scope. Who may write, edit, acknowledge or see the history is
decided in reviews.reviewing; a visible review the user may not act on answers 403.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaign.campaigns.access import campaign_in_use
from campaign.campaigns.models import Campaign, StandardDimension
from campaign.campaigns.selectors import day_within
from campaign.infra.history import history_diffs
from orgs.access import access_organization
from orgs.models import Member, User
from pledges.progress import ItemState
from reviews.assignments import (
    Subject,
    may_review,
    period_end,
    period_start,
    reviewer_organization,
    subjects_of,
)
from reviews.forms import ReviewEditForm
from reviews.models import Review, ReviewForm, ReviewSection
from reviews.reviewing import (
    SECTION_FIELDS,
    current_pledge,
    edit_deadline,
    is_subject,
    may_edit_review,
    may_see_history,
    review_acknowledge,
    review_create,
    review_dimensions,
    review_start_revision,
    review_update,
    standard_for,
)
from reviews.selectors import DONE, DUE, OVERDUE, current_pledge_progress, review_statuses

REVIEWS_PER_PAGE = 30
LATEST_ENTRIES = 5
ITEM_BADGES = {ItemState.ON_TRACK: "primary", ItemState.LATE: "danger", ItemState.DONE: "success"}


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _require_reviewer(user: User):
    organization = reviewer_organization(user)
    if organization is None:
        raise PermissionDenied(_("领导点评由上级党组织负责人和党支部书记进行，您的账号不能点评。"))
    return organization


def _campaign_or_404(request) -> Campaign:
    campaign = campaign_in_use(request)
    if campaign is None:
        raise Http404(_("目前没有可以点评的活动。"))
    return campaign


def _pledge_panel(campaign: Campaign, organization, member) -> dict:
    """The subject's current pledge, its items with their state and the latest progress
    entries, for the column beside the form."""
    progress = current_pledge_progress(
        campaign=campaign,
        organization=organization,
        member=member,
        today=timezone.localdate(),
        latest=LATEST_ENTRIES,
    )
    if progress is None:
        return {"pledge": None}
    for item in progress.items:
        item.state_label = ItemState(item.state).label
        item.badge = ITEM_BADGES[item.state]
    return {"pledge": progress.pledge, "items": progress.items, "entries": progress.entries}


# ---------------------------------------------------------------------------
# The due list
# ---------------------------------------------------------------------------


STATUS_LABELS = {DONE: gettext_lazy("已点评"), DUE: gettext_lazy("待点评"), OVERDUE: gettext_lazy("逾期")}
STATUS_BADGES = {DONE: "success", DUE: "secondary", OVERDUE: "danger"}


def due_rows(campaign: Campaign, subjects: list[Subject], start: datetime.date) -> list[dict]:
    """Each subject with its status this period, labelled for the due list."""
    return [
        {**row, "label": STATUS_LABELS[row["status"]], "badge": STATUS_BADGES[row["status"]]}
        for row in review_statuses(campaign=campaign, subjects=subjects, start=start)
    ]


@login_required
@require_GET
def review_due(request):
    organization = _require_reviewer(request.user)
    campaign = campaign_in_use(request)
    rows, start, end = [], None, None
    if campaign is not None:
        # A finished campaign's reviews fall in its last period, as its pages show.
        start = period_start(campaign, day_within(campaign, timezone.localdate()))
        end = period_end(campaign, start)
        # Only those inside the campaign: a county's office in its health bureau's
        # campaign reviews no township in it.
        subjects = [
            subject for subject in subjects_of(organization) if subject.organization.is_within(campaign.organization)
        ]
        rows = due_rows(campaign, subjects, start)
    counts = {status: sum(1 for row in rows if row["status"] == status) for status in (DONE, DUE, OVERDUE)}
    return render(
        request,
        "reviews/review_due.html",
        {
            "campaign": campaign,
            "organization": organization,
            "rows": rows,
            "period_start": start,
            "period_end": end,
            "counts": counts,
        },
    )


# ---------------------------------------------------------------------------
# Writing and editing
# ---------------------------------------------------------------------------


def _subject_from_query(request):
    """The subject named by ?organization=<code>&member=<pk>: 404 alike when missing or
    not visible."""
    organization = access_organization(request.user, request.GET.get("organization", ""))
    member = None
    member_pk = request.GET.get("member", "")
    if member_pk:
        if not member_pk.isdigit():
            raise Http404(_("找不到该党员，或您无权查看。"))
        member = get_object_or_404(Member.objects, pk=int(member_pk), organization=organization)
    return organization, member


def _render_form(request, *, form, campaign, organization, member, review=None):
    standard = standard_for(campaign, member)
    context = {
        "form": form,
        "campaign": campaign,
        "organization": organization,
        "member": member,
        "subject_name": member.name if member else organization.name,
        "standard": standard,
        "review": review,
        **_pledge_panel(campaign, organization, member),
    }
    return render(request, "reviews/review_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def review_create_view(request):
    user = request.user
    _require_reviewer(user)
    if not request.GET.get("organization"):
        # The subject is chosen on the due list.
        return redirect("reviews:due")
    organization, member = _subject_from_query(request)
    if not may_review(user, organization, member):
        raise PermissionDenied(_("按照点评分工，您不负责点评这一对象。"))
    campaign = _campaign_or_404(request)
    dimensions = review_dimensions(campaign, member)
    form = ReviewEditForm(
        request.POST or None,
        dimensions=dimensions,
        initial={"reviewed_on": day_within(campaign, timezone.localdate()), "form": ReviewForm.TALK},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = review_create(
                campaign=campaign,
                organization=organization,
                member=member,
                form=data["form"],
                reviewed_on=data["reviewed_on"],
                sections=form.sections(),
                requires_rectification=data["requires_rectification"],
                rectification_deadline=data["rectification_deadline"],
                by=user,
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("点评已保存。被点评对象登录后可以查看并确认阅知。"))
            return redirect(review)
    return _render_form(request, form=form, campaign=campaign, organization=organization, member=member)


def _review_or_404(pk: int) -> Review:
    return get_object_or_404(
        Review.objects.select_related(
            "campaign", "organization", "member", "reviewer__member", "reviewer_organization", "acknowledged_by"
        ),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    review = _review_or_404(pk)
    if review.reviewer_id != request.user.pk:
        raise PermissionDenied(_("只有点评人本人可以修改点评。"))
    if not may_edit_review(request.user, review):
        raise PermissionDenied(_("点评已超过可修改期限，已归档，不能再修改。"))
    dimensions = review_dimensions(review.campaign, review.member)
    review = Review.objects.select_related(
        "campaign", "organization", "member", "rectification", "reviewer_organization"
    ).get(pk=review.pk)
    form = ReviewEditForm(request.POST or None, dimensions=dimensions, initial=ReviewEditForm.initial_for(review))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = review_update(
                review=review,
                form=data["form"],
                reviewed_on=data["reviewed_on"],
                sections=form.sections(),
                requires_rectification=data["requires_rectification"],
                rectification_deadline=data["rectification_deadline"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("点评已修改，修改情况已记录。"))
            return redirect(review)
    return _render_form(
        request,
        form=form,
        campaign=review.campaign,
        organization=review.organization,
        member=review.member,
        review=review,
    )


# ---------------------------------------------------------------------------
# Reading, acknowledging, revising the pledge
# ---------------------------------------------------------------------------


@login_required
@require_GET
def review_detail(request, pk: int):
    user = request.user
    review = _review_or_404(pk)
    sections = list(ReviewSection.objects.filter(review=review).select_related("dimension"))
    subject = is_subject(user, review)
    pledge = current_pledge(review.campaign, review.organization, review.member) if subject else None
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "sections": sections,
            "standard": standard_for(review.campaign, review.member),
            "subject_name": review.member.name if review.member_id else review.organization.name,
            "is_subject": subject,
            "may_acknowledge": subject and review.acknowledged_at is None,
            "pledge": pledge,
            "may_edit": may_edit_review(user, review),
            "edit_until": edit_deadline(review),
            "may_see_history": may_see_history(user, review),
            "rectification": review.rectification if review.rectification_id else None,
        },
    )


@login_required
@require_POST
def review_acknowledge_view(request, pk: int):
    review = _review_or_404(pk)
    try:
        review_acknowledge(review=review, by=request.user)
    except ValidationError as error:
        messages.info(request, _error_text(error))
    else:
        messages.success(request, _("已确认阅知这次点评。"))
    return redirect(review)


@login_required
@require_POST
def review_revise_pledge(request, pk: int):
    review = _review_or_404(pk)
    if not is_subject(request.user, review):
        raise PermissionDenied(_("只有被点评的党员或党组织可以依据点评修改承诺。"))
    pledge = current_pledge(review.campaign, review.organization, review.member)
    if pledge is None:
        messages.error(request, _("没有已公示的承诺可以修改。"))
        return redirect(review)
    try:
        pledge = review_start_revision(review=review, pledge=pledge, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(review)
    messages.success(request, _("已按点评意见开始修改承诺，改好后请重新提交审核。"))
    return redirect(pledge)


@login_required
@require_GET
def review_list(request):
    reviews = Review.objects.select_related("organization", "member", "reviewer__member", "campaign").order_by(
        "-reviewed_on", "-pk"
    )
    # The reviews of the campaign the user works in, not another's over the same subtree
    # (asked for first by one who sees several).
    campaign = campaign_in_use(request)
    if campaign is not None:
        reviews = reviews.filter(campaign=campaign)
    page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/review_list.html",
        {"page": page, "is_reviewer": reviewer_organization(request.user) is not None},
    )


HISTORY_FIELDS = ("form", "reviewed_on", "requires_rectification", "acknowledged_at")


@login_required
@require_GET
def review_history(request, pk: int):
    review = _review_or_404(pk)
    if not may_see_history(request.user, review):
        raise PermissionDenied(_("点评的修改记录由点评人、上级党组织和活动办公室查看。"))
    records = review.history.select_related("history_user__member")
    section_records = list(ReviewSection.history.filter(review_id=review.pk).select_related("history_user__member"))
    dimension_names = dict(
        StandardDimension.objects.filter(pk__in={r.dimension_id for r in section_records}).values_list("pk", "name")
    )
    rows = history_diffs(records, subject=lambda record: _("点评"), fields=HISTORY_FIELDS)
    rows += history_diffs(
        section_records,
        subject=lambda record: dimension_names.get(record.dimension_id, ""),
        fields=(*SECTION_FIELDS, "grade"),
    )
    rows.sort(key=lambda row: row.when, reverse=True)
    return render(request, "reviews/review_history.html", {"review": review, "rows": rows})
