"""Results of a round: the table, publishing to the notice board, the .xlsx export.

Seen by the round's secretary and those above it (and inspection groups, read only),
and only once the round is tallied; a plain member gets 403, another branch 404. The
evaluators' comments (reviews.comments) come with the results, on the page and in the
export, under the same rules.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orgs.sheets.writing import xlsx_response
from reviews.comments import comments_table, round_comments
from reviews.models import EvaluationRound, RoundState
from reviews.results import (
    MIN_CATEGORY_FORMS,
    ResultsNotReady,
    may_see_results,
    results_export,
    round_publish,
    round_results,
)
from reviews.rounds import may_run_round


def _round_or_404(request, pk: int) -> EvaluationRound:
    """The round if in the user's scope (404 alike otherwise), and the user may read results."""
    evaluation_round = get_object_or_404(
        EvaluationRound.objects.select_related("campaign", "organization__parent"), pk=pk
    )
    if not may_see_results(request.user):
        raise PermissionDenied(_("群众评议结果由党支部书记和上级党组织查看。"))
    return evaluation_round


def _round_url(evaluation_round: EvaluationRound) -> str | None:
    # The round's own page belongs to the round pages; the results stand without it.
    try:
        return evaluation_round.get_absolute_url()
    except NoReverseMatch:
        return None


def _not_ready(request, evaluation_round: EvaluationRound):
    return render(
        request,
        "reviews/result_pending.html",
        {"evaluation_round": evaluation_round, "round_url": _round_url(evaluation_round)},
        status=409,
    )


@login_required
@require_GET
def results_page(request, pk: int):
    evaluation_round = _round_or_404(request, pk)
    try:
        results = round_results(evaluation_round)
    except ResultsNotReady:
        return _not_ready(request, evaluation_round)
    return render(
        request,
        "reviews/result_page.html",
        {
            "evaluation_round": evaluation_round,
            "results": results,
            "comments": round_comments(results),
            "min_category_forms": MIN_CATEGORY_FORMS,
            "round_url": _round_url(evaluation_round),
            "may_publish": evaluation_round.state == RoundState.TALLIED
            and may_run_round(request.user, evaluation_round.organization),
        },
    )


@login_required
@require_POST
def publish(request, pk: int):
    evaluation_round = _round_or_404(request, pk)
    try:
        round_publish(evaluation_round=evaluation_round, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("评议结果已公布，本组织的满意率已在公开栏公开；党员个人结果不对外公开。"))
    return redirect("reviews:results", evaluation_round.pk)


@login_required
@require_GET
def results_export_view(request, pk: int):
    evaluation_round = _round_or_404(request, pk)
    try:
        results = round_results(evaluation_round)
    except ResultsNotReady:
        return _not_ready(request, evaluation_round)
    filename = _("%(organization)s%(period)s群众评议结果-%(date)s.xlsx") % {
        "organization": evaluation_round.organization.name,
        "period": evaluation_round.period,
        "date": f"{timezone.localdate():%Y%m%d}",
    }
    return xlsx_response(results_export(results, extra=[comments_table(round_comments(results))]), filename)
