"""Running an evaluation round: the list, setting a round up, opening and closing it,
printing its code slips, watching how many codes were used and entering paper forms.

Rounds are fetched through the scoped manager (404 alike for missing and out of
scope). Plain members get 403: they take part through their codes, not here. Who may
act is decided in reviews.rounds (may_run_round); these views validate input and turn
the services' refusals into messages. No page here shows a choice or a rate: results
are on their own page (reviews.views.results), once the round is tallied.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaign.campaigns.access import campaign_in_use
from campaign.campaigns.selectors import visible_campaigns
from orgs.access import user_scope
from orgs.models import Organization, Role
from reviews.ballots import choice_labels_text
from reviews.codes import SLIPS_PER_PART, code_sheet_pdf, entry_path, sheet_parts
from reviews.forms import (
    PaperTallyForm,
    RoundForm,
    SubjectAddForm,
    code_field_name,
    count_field_name,
    member_choices_for,
)
from reviews.models import (
    EvaluationRound,
    EvaluationSubject,
    PaperTally,
    RoundCategory,
    RoundState,
)
from reviews.paper import ENTRY_STATES, paper_sheet, paper_tally_enter
from reviews.rounds import (
    ORGANIZING_ROLES,
    may_run_round,
    round_close,
    round_create,
    round_open,
    round_progress,
    round_update,
    subject_add,
    subject_remove,
)
from reviews.selectors import rounds_listed

ROUNDS_PER_PAGE = 30
STATE_BADGES = {
    RoundState.DRAFT: "secondary",
    RoundState.OPEN: "success",
    RoundState.CLOSED: "warning",
    RoundState.TALLIED: "info",
    RoundState.PUBLISHED: "dark",
}


def _require_reader(user) -> None:
    if not (user.is_superuser or user.role != Role.MEMBER):
        raise PermissionDenied(_("群众评议由党支部书记组织；党员凭评议码参加评议，不在这里查看。"))


def _round_or_404(request, pk: int) -> EvaluationRound:
    evaluation_round = get_object_or_404(EvaluationRound.objects.select_related("campaign", "organization"), pk=pk)
    _require_reader(request.user)
    return evaluation_round


def _runnable_round_or_404(request, pk: int) -> EvaluationRound:
    """The round, when the user may run it; 403 for those who only see it."""
    evaluation_round = _round_or_404(request, pk)
    if not may_run_round(request.user, evaluation_round.organization):
        raise PermissionDenied(_("您只能查看这次评议，不能操作。"))
    return evaluation_round


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _may_run_any(user) -> bool:
    return user_scope(user).writable and (user.is_superuser or user.role in ORGANIZING_ROLES)


def _results_url(evaluation_round: EvaluationRound) -> str | None:
    if evaluation_round.state not in (RoundState.TALLIED, RoundState.PUBLISHED):
        return None
    try:
        return reverse("reviews:results", args=[evaluation_round.pk])
    except NoReverseMatch:
        return None


def _category_label(evaluation_round: EvaluationRound, category: str) -> str:
    """The name of one of the round's evaluator categories. Runs a query."""
    return evaluation_round.category_labels().get(category, category)


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------


@login_required
@require_GET
def round_list(request):
    _require_reader(request.user)
    state = request.GET.get("state", "")
    if state not in RoundState.values:
        state = ""
    # The campaign in use: a county runs 创先争优 rounds while its hospitals run patients'.
    campaign = campaign_in_use(request)
    page = Paginator(rounds_listed(campaign=campaign, state=state), ROUNDS_PER_PAGE).get_page(request.GET.get("page"))
    for evaluation_round in page:
        evaluation_round.badge = STATE_BADGES[evaluation_round.state]
    return render(
        request,
        "reviews/round_list.html",
        {
            "page": page,
            "campaign": campaign,
            "state": state,
            "states": RoundState.choices,
            "may_create": _may_run_any(request.user),
        },
    )


# ---------------------------------------------------------------------------
# Setting a round up
# ---------------------------------------------------------------------------


def _runnable_organizations(user):
    """Organizations the user may run rounds for, in tree order. Mass organizations
    (工会、共青团、妇联) are among them: the masses evaluate a 工会 as they do its branch,
    though it has no members of its own on the roster, so only the 工会 itself is a subject."""
    return Organization.objects.order_by("path").only("pk", "name", "path", "code", "kind")


def _campaign_for_new_round(request, campaigns):
    """The campaign a new round is set up in: the one posted with the form (the page
    showed its categories), else the one in use."""
    posted = request.POST.get("campaign", "")
    if posted.isdigit():
        campaign = campaigns.filter(pk=posted).first()
        if campaign is not None:
            return campaign
    return campaign_in_use(request) or campaigns.first()


@login_required
@require_http_methods(["GET", "POST"])
def round_create_view(request):
    user = request.user
    _require_reader(user)
    if not _may_run_any(user):
        raise PermissionDenied(_("您的账号只能查看，不能组织群众评议。"))
    campaigns = visible_campaigns(user)
    if not campaigns.exists():
        messages.error(request, _("还没有可以开展评议的活动，请等活动办公室设立活动后再组织评议。"))
        return redirect("reviews:rounds")
    campaign = _campaign_for_new_round(request, campaigns)
    categories = dict(campaign.evaluator_categories.values_list("key", "label"))
    initial = {"campaign": campaign, **RoundForm.initial_for_new(list(categories))}
    code = request.GET.get("organization", "")
    if code:
        organization = get_object_or_404(Organization.objects, code=code)
        if not may_run_round(user, organization):
            raise PermissionDenied(_("您只能查看该组织，不能组织它的群众评议。"))
        initial["organization"] = organization
    elif user.organization_id:
        initial["organization"] = user.organization_id
    form = RoundForm(
        request.POST or None,
        categories=categories,
        campaigns=campaigns.filter(pk=campaign.pk),
        organizations=_runnable_organizations(user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation_round = round_create(
                campaign=data["campaign"],
                organization=data["organization"],
                period=data["period"],
                briefing_on=data["briefing_on"],
                briefing_kind=data["briefing_kind"],
                briefing_summary=data["briefing_summary"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                categories=form.categories(),
                by=user,
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("评议已建立。请核对评议对象，确认无误后点击“开始评议”生成评议码。"))
            return redirect(evaluation_round)
    return render(request, "reviews/round_form.html", {"form": form, "creating": True, "campaign": campaign})


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, pk: int):
    evaluation_round = _runnable_round_or_404(request, pk)
    if evaluation_round.state != RoundState.DRAFT:
        messages.error(request, _("评议已经开始，不能再修改评议设置。"))
        return redirect(evaluation_round)
    categories = evaluation_round.category_labels()
    counts = dict(RoundCategory.objects.filter(round=evaluation_round).values_list("category", "code_count"))
    initial = {
        "period": evaluation_round.period,
        "briefing_on": evaluation_round.briefing_on,
        "briefing_kind": evaluation_round.briefing_kind,
        "briefing_summary": evaluation_round.briefing_summary,
        "opens_at": evaluation_round.opens_at,
        "closes_at": evaluation_round.closes_at,
        **{code_field_name(value): counts.get(value, 0) for value in categories},
    }
    form = RoundForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_update(
                evaluation_round=evaluation_round,
                period=data["period"],
                briefing_on=data["briefing_on"],
                briefing_kind=data["briefing_kind"],
                briefing_summary=data["briefing_summary"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                categories=form.categories(),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("评议设置已保存。"))
            return redirect(evaluation_round)
    return render(
        request, "reviews/round_form.html", {"form": form, "creating": False, "evaluation_round": evaluation_round}
    )


def _subjects(evaluation_round: EvaluationRound) -> list[EvaluationSubject]:
    return list(EvaluationSubject.objects.filter(round=evaluation_round).select_related("member"))


@login_required
@require_http_methods(["GET", "POST"])
def round_subjects(request, pk: int):
    evaluation_round = _runnable_round_or_404(request, pk)
    if evaluation_round.state != RoundState.DRAFT:
        messages.error(request, _("评议已经开始，评议对象不能再调整。"))
        return redirect(evaluation_round)
    form = SubjectAddForm(request.POST or None, members=member_choices_for(evaluation_round))
    if request.method == "POST" and form.is_valid():
        try:
            subject = subject_add(
                evaluation_round=evaluation_round, member=form.cleaned_data["member"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("已将“%(name)s”列为评议对象。") % {"name": subject.member.name})
        return redirect("reviews:round_subjects", evaluation_round.pk)
    return render(
        request,
        "reviews/round_subjects.html",
        {"evaluation_round": evaluation_round, "subjects": _subjects(evaluation_round), "form": form},
    )


@login_required
@require_POST
def round_subject_remove(request, pk: int, subject_pk: int):
    evaluation_round = _runnable_round_or_404(request, pk)
    subject = get_object_or_404(
        EvaluationSubject.objects.select_related("member", "round__organization"), pk=subject_pk, round=evaluation_round
    )
    try:
        subject_remove(subject=subject, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已将“%(name)s”移出评议对象。") % {"name": subject})
    return redirect("reviews:round_subjects", evaluation_round.pk)


# ---------------------------------------------------------------------------
# A round's page, its transitions and its progress
# ---------------------------------------------------------------------------


def _progress_rows(evaluation_round: EvaluationRound, progress: dict) -> list[dict]:
    planned = {
        category.category: category
        for category in RoundCategory.objects.filter(round=evaluation_round).order_by("order", "pk")
    }
    rows = []
    for value, category in planned.items():
        if value not in progress and not category.code_count:
            continue
        label = category.label
        counts = progress.get(value, {"issued": 0, "used": 0})
        rows.append(
            {
                "category": value,
                "label": label,
                "planned": category.code_count,
                "issued": counts["issued"],
                "used": counts["used"],
                "percent": round(100 * counts["used"] / counts["issued"]) if counts["issued"] else 0,
                "parts": sheet_parts(counts["issued"]),
            }
        )
    return rows


@login_required
@require_GET
def round_detail(request, pk: int):
    evaluation_round = _round_or_404(request, pk)
    may_run = may_run_round(request.user, evaluation_round.organization)
    progress_rows = _progress_rows(evaluation_round, round_progress(evaluation_round))
    paper = list(PaperTally.objects.filter(round=evaluation_round).select_related("entered_by").order_by("category"))
    labels = evaluation_round.category_labels()
    for tally in paper:
        tally.label = labels.get(tally.category, tally.category)
    return render(
        request,
        "reviews/round_detail.html",
        {
            "evaluation_round": evaluation_round,
            "badge": STATE_BADGES[evaluation_round.state],
            "subjects": _subjects(evaluation_round),
            "progress_rows": progress_rows,
            "total_issued": sum(row["issued"] for row in progress_rows),
            "total_used": sum(row["used"] for row in progress_rows),
            "paper": paper,
            "may_run": may_run,
            "may_enter_paper": may_run and evaluation_round.state in ENTRY_STATES,
            "results_url": _results_url(evaluation_round),
            "slips_per_part": SLIPS_PER_PART,
        },
    )


@login_required
@require_POST
def round_open_view(request, pk: int):
    evaluation_round = _runnable_round_or_404(request, pk)
    try:
        round_open(evaluation_round=evaluation_round, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("评议已开始，评议码已生成。请下载打印评议码，在通报会上发给评议人。"))
    return redirect("reviews:round", evaluation_round.pk)


@login_required
@require_POST
def round_close_view(request, pk: int):
    evaluation_round = _runnable_round_or_404(request, pk)
    try:
        round_close(evaluation_round=evaluation_round, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("评议已结束，未使用的评议码作废。系统正在汇总评议结果。"))
    return redirect("reviews:round", evaluation_round.pk)


@login_required
@require_GET
def round_progress_view(request, pk: int):
    """How many codes per category were issued and used: the counts and nothing else."""
    evaluation_round = _round_or_404(request, pk)
    response = JsonResponse(round_progress(evaluation_round))
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------
# The code sheet
# ---------------------------------------------------------------------------


@login_required
@require_GET
def code_sheet(request, pk: int):
    """A PDF of code slips: one category (?category=), one part of at most
    SLIPS_PER_PART slips (?part=, from 1). Codes are secret material: never cached."""
    evaluation_round = _runnable_round_or_404(request, pk)
    if evaluation_round.state == RoundState.DRAFT:
        return HttpResponseBadRequest(_("评议尚未开始，评议码在点击“开始评议”时生成。"))
    if evaluation_round.state != RoundState.OPEN:
        return HttpResponseBadRequest(_("评议已经结束，评议码已作废，不再提供打印。"))
    category = request.GET.get("category", "")
    if category and category not in evaluation_round.category_labels():
        raise Http404(_("没有这一类评议人。"))
    part = request.GET.get("part", "1")
    if not part.isdigit() or int(part) < 1:
        raise Http404(_("没有这一批评议码。"))
    pdf = code_sheet_pdf(
        evaluation_round,
        base_url=request.build_absolute_uri("/"),
        category=category or None,
        part=int(part),
    )
    if pdf is None:
        raise Http404(_("没有这一批评议码。"))
    name = _("%(organization)s%(period)s评议码") % {
        "organization": evaluation_round.organization.name,
        "period": evaluation_round.period,
    }
    if category:
        name += "-" + _category_label(evaluation_round, category)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-{part}.pdf")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def round_poster(request, pk: int):
    """A printable poster for a ward or a service hall: its QR code opens the page where
    an evaluator types the one-time code on the slip handed over (at discharge, at the
    meeting). It holds no code, so it may hang in public for the whole round."""
    evaluation_round = _runnable_round_or_404(request, pk)
    if evaluation_round.state != RoundState.OPEN:
        return HttpResponseBadRequest(_("评议不在进行中，不提供二维码海报。"))
    url = request.build_absolute_uri(entry_path())
    return render(
        request,
        "reviews/round_poster.html",
        {
            "evaluation_round": evaluation_round,
            "categories": [
                category for category in evaluation_round.categories.order_by("order", "pk") if category.code_count
            ],
            "url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(border=2, omitsize=True),
        },
    )


# ---------------------------------------------------------------------------
# Paper forms
# ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request, pk: int):
    evaluation_round = _runnable_round_or_404(request, pk)
    if evaluation_round.state not in ENTRY_STATES:
        messages.error(
            request,
            _("评议当前状态为“%(state)s”，不能再录入纸质评议表。") % {"state": evaluation_round.get_state_display()},
        )
        return redirect(evaluation_round)
    labels = evaluation_round.category_labels()
    category = request.GET.get("category") or ""
    if category not in labels:
        # The first category that got codes; else the first of all.
        with_codes = RoundCategory.objects.filter(round=evaluation_round, code_count__gt=0).order_by("order", "pk")
        category = with_codes.values_list("category", flat=True).first() or next(iter(labels), "")
    choices = {choice.key: choice.label for choice in evaluation_round.choice_rows()}
    subjects = _subjects(evaluation_round)
    tally, counts = paper_sheet(evaluation_round, category)
    initial = {"form_count": tally.forms if tally else None}
    initial.update({count_field_name(subject_id, choice): count for (subject_id, choice), count in counts.items()})
    form = PaperTallyForm(
        request.POST or None, subjects=subjects, choices=choices, correcting=tally is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            paper_tally_enter(
                evaluation_round=evaluation_round,
                category=category,
                forms=form.cleaned_data["form_count"],
                counts=form.counts(),
                by=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if tally is None:
                messages.success(
                    request, _("“%(category)s”的纸质评议表已录入。") % {"category": labels.get(category, category)}
                )
            else:
                messages.success(
                    request, _("“%(category)s”的纸质评议表已更正。") % {"category": labels.get(category, category)}
                )
            return redirect(f"{reverse('reviews:round', args=[evaluation_round.pk])}#paper")
    entered = set(PaperTally.objects.filter(round=evaluation_round).values_list("category", flat=True))
    history = (
        PaperTally.history.filter(round_id=evaluation_round.pk).select_related("history_user").order_by("-history_date")
    )
    return render(
        request,
        "reviews/paper_entry.html",
        {
            "evaluation_round": evaluation_round,
            "form": form,
            "category": category,
            "category_label": labels.get(category, category),
            "tabs": [(value, label, value in entered) for value, label in labels.items()],
            "tally": tally,
            "choices": list(choices.items()),
            "choice_labels": choice_labels_text(choices.values()),
            "history": [(record, labels.get(record.category, record.category)) for record in history[:50]],
        },
    )
