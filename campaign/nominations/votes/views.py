"""公示票选 pages: the office's (holding a vote, printing its slips, closing and counting
it, the result and its .xlsx), and the public's, reached by a vote code with no login
(short, at /v/, for typing and QR codes). The rules are in campaign.nominations.votes.services.

The public pages are the evaluation form's, in the vote's words (reviews.public_ballot):
not cached, not indexed, not logged, no Referer with the code, and the same per-address
limit on unknown or used codes, counted together with the evaluation form's.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.selectors import day_within
from campaign.nominations.services import parse_quarter, quarter_bounds, quarter_label
from campaign.nominations.votes.forms import PublicVoteForm
from campaign.nominations.votes.models import PublicVote
from campaign.nominations.votes.services import (
    VoteInvalid,
    VoteState,
    may_run_votes,
    vote_candidates,
    vote_cast,
    vote_close,
    vote_code_sheet_pdf,
    vote_nominees,
    vote_open,
    vote_paper,
    vote_progress,
    vote_results,
    vote_results_export,
    vote_state,
    votes_in_scope,
)
from orgs.sheets.writing import xlsx_response
from reviews.codes import SLIPS_PER_PART, sheet_parts
from reviews.public_pages import code_page

OFFICE_ONLY = gettext_lazy("公示票选由活动办公室组织。")
STATE_BADGES = {
    VoteState.SCHEDULED: "secondary",
    VoteState.OPEN: "success",
    VoteState.ENDED: "warning",
    VoteState.COUNTED: "info",
}


# ---------------------------------------------------------------------------
# The office's pages
# ---------------------------------------------------------------------------


def _require_office(user) -> None:
    if not may_run_votes(user):
        raise PermissionDenied(OFFICE_ONLY)


def _vote_or_404(request, pk: int) -> PublicVote:
    """The vote, when the user may run it: 404 alike for missing and out of scope, then 403."""
    vote = get_object_or_404(PublicVote.objects.select_related("campaign__organization"), pk=pk)
    if not may_run_votes(request.user, vote.campaign.organization):
        raise PermissionDenied(OFFICE_ONLY)
    return vote


def _quarter_from(request, campaign) -> datetime.date | None:
    """?quarter=2011-Q1, ?quarter=all for every quarter; the current quarter by default."""
    if request.GET.get("quarter") == "all":
        return None
    return parse_quarter(request.GET.get("quarter"), day_within(campaign, timezone.localdate()))


def _default_title(quarter: datetime.date | None) -> str:
    if quarter is None:
        return _("先进典型公示票选")
    return _("%(year)s年第%(quarter)s季度先进典型公示票选") % {
        "year": quarter.year,
        "quarter": (quarter.month - 1) // 3 + 1,
    }


@login_required
@require_safe
def vote_list(request):
    _require_office(request.user)
    campaign = access_chosen_campaign(request)
    now = timezone.now()
    votes = [(vote, vote_state(vote, now)) for vote in votes_in_scope(campaign)]
    return render(
        request,
        "campaign/vote_list.html",
        {
            "campaign": campaign,
            "votes": [
                {"vote": vote, "state": VoteState(state).label, "badge": STATE_BADGES[state]} for vote, state in votes
            ],
            "may_open": may_run_votes(request.user, campaign.organization),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def vote_create_view(request):
    _require_office(request.user)
    campaign = access_chosen_campaign(request)
    if not may_run_votes(request.user, campaign.organization):
        raise PermissionDenied(OFFICE_ONLY)
    quarter = _quarter_from(request, campaign)
    candidates = vote_candidates(campaign, quarter)
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {
        "title": _default_title(quarter),
        "opens_at": now,
        "closes_at": now + datetime.timedelta(days=7),
        "max_choices": 1,
        "code_count": 200,
        "nominations": [nomination.pk for nomination in candidates],
    }
    form = PublicVoteForm(request.POST or None, candidates=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            vote = vote_open(
                campaign=campaign,
                title=form.cleaned_data["title"],
                notice=form.cleaned_data["notice"],
                nominations=list(form.cleaned_data["nominations"]),
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                max_choices=form.cleaned_data["max_choices"],
                code_count=form.cleaned_data["code_count"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("公示票选已设立，生成投票码 %(count)s 个，请打印投票码纸条。") % {"count": vote.code_count},
            )
            return redirect(vote)
    first_day = quarter_bounds(quarter)[0] if quarter else None
    return render(
        request,
        "campaign/vote_create.html",
        {
            "campaign": campaign,
            "form": form,
            "rows": form.candidate_rows(),
            "quarter": quarter_label(first_day) if first_day else "",
            "all_quarters": quarter is None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def vote_detail(request, pk: int):
    vote = _vote_or_404(request, pk)
    state = vote_state(vote)
    progress = vote_progress(vote)
    return render(
        request,
        "campaign/vote_detail.html",
        {
            "vote": vote,
            "state": state,
            "state_label": VoteState(state).label,
            "badge": STATE_BADGES[state],
            "progress": progress,
            "results": vote_results(vote),
            # Before the count, the nominees without any figure.
            "nominees": [] if vote.is_counted else vote_nominees(vote),
            # No slips to print once voting is over.
            "parts": sheet_parts(progress["issued"]) if state in (VoteState.SCHEDULED, VoteState.OPEN) else [],
            "slips_per_part": SLIPS_PER_PART,
        },
    )


@login_required
@require_GET
def vote_code_sheet(request, pk: int):
    """A PDF of vote code slips, ?part= from 1. Codes are secret material: never cached."""
    vote = _vote_or_404(request, pk)
    if vote_state(vote) in (VoteState.ENDED, VoteState.COUNTED):
        return HttpResponseBadRequest(_("这次公示票选已经截止，投票码已作废，不再提供打印。"))
    part = request.GET.get("part", "1")
    if not part.isdigit() or int(part) < 1:
        raise Http404(_("没有这一批投票码。"))
    pdf = vote_code_sheet_pdf(vote, base_url=request.build_absolute_uri("/"), part=int(part))
    if pdf is None:
        raise Http404(_("没有这一批投票码。"))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = _("%(title)s投票码-%(part)s.pdf") % {"title": vote.title, "part": part}
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def vote_close_view(request, pk: int):
    vote = _vote_or_404(request, pk)
    try:
        vote_close(vote=vote, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("公示票选已结束，计票完成。"))
    return redirect(vote)


@login_required
@require_safe
def vote_export(request, pk: int):
    vote = _vote_or_404(request, pk)
    if not vote.is_counted:
        return HttpResponseBadRequest(_("这次公示票选还没有计票，计票后才能导出结果。"))
    filename = _("%(title)s-票选结果.xlsx") % {"title": vote.title}
    return xlsx_response(vote_results_export(vote, vote_results(vote)), filename)


# ---------------------------------------------------------------------------
# The public's pages: no login, reached by a code
# ---------------------------------------------------------------------------


@code_page
def vote_form(request, code: str):
    """The paper the code opens, and casting it (code_page checks and normalises the code)."""
    paper = vote_paper(code)
    chosen: set[int] = set()
    error = ""
    if request.method == "POST":
        chosen = {int(value) for value in request.POST.getlist("nominee") if value.isdigit()}
        try:
            vote_cast(code=code, nominee_ids=chosen)
        except VoteInvalid as invalid:
            error = " ".join(invalid.messages)
        else:
            return redirect("vote:done")
    return render(
        request,
        "campaign/vote_form.html",
        {"paper": paper, "chosen": chosen, "error": error},
        status=400 if error else 200,
    )
