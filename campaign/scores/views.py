"""Pages of 考核评价 / 打分排队: the score sheet, the periods, the ranking with each
organization's breakdown, and the inspection groups' scoring (campaign.scores.services holds
the rules). Everyone sees only the organizations in their subtree; ranks are computed
among all peers of the campaign."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.models import Campaign
from campaign.infra.search import search_query
from campaign.scores.assessment import may_self_assess, self_assessment_closed, self_assessment_set
from campaign.scores.computing import scored_organizations
from campaign.scores.forms import (
    DeductionRuleFormSet,
    IndicatorRulesForm,
    ManualScoreForm,
    ScorePeriodForm,
    SelfAssessmentForm,
    SheetEditor,
    deduction_rule_inputs,
    formula_explanations,
)
from campaign.scores.formulas import FORMULAS
from campaign.scores.models import (
    Deduction,
    Indicator,
    ManualScore,
    OrganizationScore,
    ScorePeriod,
    ScoreSheet,
    SelfAssessment,
)
from campaign.scores.selectors import (
    Grouping,
    ScoreGroup,
    group_for_key,
    headers,
    ranking,
    ranking_export,
    score_groups,
    standing_counts,
)
from campaign.scores.services import (
    DEFAULT_TOTALS,
    SheetMarks,
    is_scored,
    manual_scores_set,
    may_manage_scores,
    may_score,
    may_score_any,
    score_period_create,
    score_period_finalize,
    score_period_request_recompute,
    score_period_update,
    score_sheet_default,
    score_sheet_set,
)
from campaign.scores.targets import indicator_rules_set
from orgs.access import access_organization, user_scope
from orgs.models import Organization
from orgs.sheets.writing import xlsx_response


def _manage_refusal() -> str:
    return _("考核评分表和考核期由主办组织的活动办公室设置，您可以查看，不能修改。")


def _chosen_campaign(request) -> Campaign:
    return access_chosen_campaign(request)


def _campaign(pk: int, request, *, manage: bool = False) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("organization"), pk=pk)
    if manage and not may_manage_scores(request.user, campaign):
        raise PermissionDenied(_manage_refusal())
    return campaign


def _period(pk: int, request, *, manage: bool = False) -> ScorePeriod:
    """A period of a campaign the user sees (else 404); with manage, one the user's office runs (else 403)."""
    period = get_object_or_404(
        ScorePeriod.objects.select_related("campaign__organization", "finalized_by__member"), pk=pk
    )
    if manage and not may_manage_scores(request.user, period.campaign):
        raise PermissionDenied(_manage_refusal())
    return period


def _sheet(campaign: Campaign) -> tuple[ScoreSheet | None, list[Indicator]]:
    sheet = ScoreSheet.objects.filter(campaign=campaign).first()
    return sheet, list(sheet.indicators.prefetch_related("deduction_rules").order_by("order", "pk")) if sheet else []


def _sees_part_of(request, campaign: Campaign) -> bool:
    """Whether the user sees only part of the campaign's organizations (then the pages
    say that ranks are among all of them)."""
    return not user_scope(request.user).contains(campaign.organization)


# ---------------------------------------------------------------------------
# The overview, the sheet and the periods
# ---------------------------------------------------------------------------


@login_required
@require_safe
def scores_home(request):
    campaign = _chosen_campaign(request)
    sheet, indicators = _sheet(campaign)
    periods = list(
        ScorePeriod.objects.filter(campaign=campaign)
        .select_related("finalized_by__member")
        .order_by("-last_month", "-first_month", "-pk")
    )
    standings = standing_counts(periods)
    return render(
        request,
        "campaign/scores_home.html",
        {
            "campaign": campaign,
            "sheet": sheet,
            "indicators": indicators,
            "periods": [(period, standings.get(period.pk, []), _self_unit(request, period)) for period in periods],
            "may_manage": may_manage_scores(request.user, campaign),
            "may_score": may_score_any(request.user, campaign),
            "default_totals": DEFAULT_TOTALS,
        },
    )


@login_required
@require_safe
def score_sheet_view(request, pk: int):
    campaign = _campaign(pk, request)
    sheet, indicators = _sheet(campaign)
    return render(
        request,
        "campaign/score_sheet.html",
        {
            "campaign": campaign,
            "sheet": sheet,
            "indicators": indicators,
            "explanations": {key: spec.explanation for key, spec in FORMULAS.items()},
            "may_manage": may_manage_scores(request.user, campaign),
            "default_totals": DEFAULT_TOTALS,
        },
    )


@login_required
def score_sheet_edit(request, pk: int):
    campaign = _campaign(pk, request, manage=True)
    editor = SheetEditor(campaign=campaign, data=request.POST or None)
    if request.method == "POST" and editor.is_valid():
        try:
            score_sheet_set(
                campaign=campaign,
                total_points=editor.form.cleaned_data["total_points"],
                indicators=editor.formset.indicator_inputs(),
                by=request.user,
                marks=SheetMarks(
                    pass_points=editor.form.cleaned_data.get("pass_points"),
                    excellent_points=editor.form.cleaned_data.get("excellent_points"),
                    monthly_report_day=editor.form.cleaned_data.get("monthly_report_day") or 5,
                ),
            )
        except ValidationError as error:
            editor.show_refusal(error.messages)
        else:
            messages.success(request, _("考核评分表已保存，未定稿的考核期将重新计算。"))
            return redirect("campaign:score_sheet", pk=campaign.pk)
    return render(
        request,
        "campaign/score_sheet_form.html",
        {"campaign": campaign, "editor": editor, "explanations": formula_explanations()},
    )


@login_required
@require_POST
def score_sheet_default_view(request, pk: int):
    campaign = _campaign(pk, request, manage=True)
    total = request.POST.get("total", "")
    try:
        score_sheet_default(campaign=campaign, total_points=int(total) if total.isdigit() else 0, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已建立默认评分表，可以再调整各项分值。"))
    return redirect("campaign:score_sheet", pk=campaign.pk)


def _period_form_page(request, campaign: Campaign, form: ScorePeriodForm, period: ScorePeriod | None):
    return render(request, "campaign/score_period_form.html", {"campaign": campaign, "form": form, "period": period})


@login_required
def score_period_create_view(request, pk: int):
    campaign = _campaign(pk, request, manage=True)
    form = ScorePeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = score_period_create(campaign=campaign, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("考核期已建立，正在计算各组织得分。"))
            return redirect(period)
    return _period_form_page(request, campaign, form, None)


@login_required
def score_period_edit_view(request, pk: int):
    period = _period(pk, request, manage=True)
    if period.is_closed_to_changes:
        messages.error(request, _("考核期已定稿，不能再修改。"))
        return redirect(period)
    initial = {
        "name": period.name,
        "first_month": period.first_month,
        "last_month": period.last_month,
        "self_assessment_due": period.self_assessment_due,
    }
    form = ScorePeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            score_period_update(period=period, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("考核期已修改，正在重新计算。"))
            return redirect(period)
    return _period_form_page(request, period.campaign, form, period)


# ---------------------------------------------------------------------------
# The ranking and the breakdown
# ---------------------------------------------------------------------------

RANKING_PAGE_SIZE = 100


@login_required
@require_safe
def score_ranking_view(request, pk: int):
    period = _period(pk, request)
    grouping = Grouping.of(request.GET.get("by"))
    groups = score_groups(period, grouping)
    group = group_for_key(groups, request.GET.get("group"))
    within = access_organization(request.user, request.GET["org"]) if request.GET.get("org") else None
    query = search_query(request)
    page = None
    if group is not None:
        page = Paginator(ranking(period, group, within=within, query=query), RANKING_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        page.object_list = list(page.object_list)
    filters = {
        "by": grouping.value,
        "group": group.key if group else "",
        "q": query,
        **({"org": within.code} if within else {}),
    }
    return render(
        request,
        "campaign/score_ranking.html",
        {
            "period": period,
            "campaign": period.campaign,
            "groupings": Grouping,
            "grouping": grouping,
            "groups": groups,
            "group": group,
            "within": within,
            "query": query,
            "page": page,
            "filters": urlencode(filters),
            "headers": headers(page.object_list[0] if page and page.object_list else None),
            "part_only": _sees_part_of(request, period.campaign),
            "may_manage": may_manage_scores(request.user, period.campaign),
            "may_score": may_score_any(request.user, period.campaign),
            "shows_self": any(score.self_total is not None for score in page.object_list) if page else False,
            "shows_standing": any(score.standing for score in page.object_list) if page else False,
            "self_unit": _self_unit(request, period),
        },
    )


def _self_unit(request, period: ScorePeriod) -> Organization | None:
    """The user's own unit when it assesses itself in this period. No query."""
    own = getattr(request.user, "organization", None)
    if own is None or period.is_closed_to_changes or not may_self_assess(request.user, period, own):
        return None
    return own


@login_required
@require_safe
def score_export_view(request, pk: int):
    period = _period(pk, request)
    filename = _("考核排名-%(period)s.xlsx") % {"period": period.name}
    return xlsx_response(ranking_export(period, Grouping.of(request.GET.get("by"))), filename)


@login_required
@require_safe
def score_breakdown_view(request, pk: int, code: str):
    period = _period(pk, request)
    organization = access_organization(request.user, code)
    if not is_scored(period.campaign, organization):
        raise Http404(_("该组织不参加本活动的考核。"))
    score = OrganizationScore.objects.filter(period=period, organization=organization).first()
    lines = []
    for line in score.breakdown if score else []:
        spec = FORMULAS.get(line.get("formula", ""))
        lines.append({**line, "explanation": spec.explanation if spec else "", "unit": spec.unit if spec else ""})
    return render(
        request,
        "campaign/score_breakdown.html",
        {
            "period": period,
            "campaign": period.campaign,
            "organization": organization,
            "score": score,
            "group": ScoreGroup(score.depth, score.kind) if score else None,
            "lines": lines,
            "part_only": _sees_part_of(request, period.campaign),
            "may_score": may_score(request.user, period.campaign, organization) and not period.is_closed_to_changes,
            "may_self_assess": may_self_assess(request.user, period, organization)
            and not self_assessment_closed(period, timezone.localdate()),
        },
    )


# ---------------------------------------------------------------------------
# The office's actions on a period
# ---------------------------------------------------------------------------


@login_required
@require_POST
def score_recompute_view(request, pk: int):
    period = _period(pk, request, manage=True)
    try:
        score_period_request_recompute(period=period, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已安排重新计算，稍后刷新本页即可看到结果。"))
    return redirect(period)


@login_required
@require_POST
def score_finalize_view(request, pk: int):
    period = _period(pk, request, manage=True)
    try:
        score_period_finalize(period=period, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已按最新数据最后计算一次并定稿，此后得分和排名不再变化。"))
    return redirect(period)


# ---------------------------------------------------------------------------
# The inspection groups' scoring
# ---------------------------------------------------------------------------

SCORING_PAGE_SIZE = 50


def _require_scorer(request, period: ScorePeriod) -> None:
    if not may_score_any(request.user, period.campaign):
        raise PermissionDenied(_("只有巡回检查组（督查组）和活动办公室可以评分。"))


@login_required
@require_safe
def score_manual_list(request, pk: int):
    period = _period(pk, request)
    _require_scorer(request, period)
    query = search_query(request)
    # The scope keeps an inspection group to the subtrees it inspects.
    organizations = scored_organizations(period.campaign).select_related("parent").order_by("path")
    if query:
        organizations = organizations.filter(name__contains=query)
    page = Paginator(organizations, SCORING_PAGE_SIZE).get_page(request.GET.get("page"))
    _sheet_row, indicators = _sheet(period.campaign)
    manual = [indicator for indicator in indicators if indicator.is_manual]
    given = {
        (score.organization_id, score.indicator_id): score
        for score in ManualScore.objects.filter(period=period, organization__in=list(page.object_list))
    }
    rows = [
        (organization, [given.get((organization.pk, indicator.pk)) for indicator in manual])
        for organization in page.object_list
    ]
    return render(
        request,
        "campaign/score_manual_list.html",
        {
            "period": period,
            "campaign": period.campaign,
            "indicators": manual,
            "rows": rows,
            "page": page,
            "query": query,
        },
    )


@login_required
def score_manual_edit(request, pk: int, code: str):
    """核定: the inspection group's verification of one unit, its self-assessment beside it."""
    period = _period(pk, request)
    _require_scorer(request, period)
    organization = access_organization(request.user, code)
    campaign = period.campaign
    if not is_scored(campaign, organization):
        raise Http404(_("该组织不参加本活动的考核。"))
    if not may_score(request.user, campaign, organization):
        raise PermissionDenied(_("检查组只能为所负责检查的组织评分。"))
    _sheet_row, indicators = _sheet(campaign)
    existing = {
        score.indicator_id: score
        for score in ManualScore.objects.filter(period=period, organization=organization).select_related(
            "scored_by__member"
        )
    }
    applied = {d.rule_id: d for d in Deduction.objects.filter(period=period, organization=organization)}
    assessed = {a.indicator_id: a for a in SelfAssessment.objects.filter(period=period, organization=organization)}
    score = OrganizationScore.objects.filter(period=period, organization=organization).first()
    lines = {line["indicator"]: line for line in (score.breakdown if score else [])}
    closed = period.is_closed_to_changes
    form = ManualScoreForm(request.POST or None, indicators=indicators, existing=existing, applied=applied)
    if request.method == "POST":
        if closed:
            messages.error(request, _("该考核期已定稿，评分不能再修改。"))
            return redirect("campaign:score_manual_edit", pk=period.pk, code=organization.code)
        if form.is_valid():
            try:
                manual_scores_set(
                    period=period, organization=organization, scores=form.manual_inputs(), by=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request, _("已保存对“%(name)s”的核定，得分和排名将重新计算。") % {"name": organization.name}
                )
                return redirect(reverse("campaign:score_manual", args=[period.pk]))
    rows = [
        (indicator, points, comment, deductions, assessed.get(indicator.pk), lines.get(indicator.pk))
        for indicator, points, comment, deductions in form.rows()
    ]
    return render(
        request,
        "campaign/score_manual_form.html",
        {
            "period": period,
            "campaign": campaign,
            "organization": organization,
            "form": form,
            "rows": rows,
            "existing": existing,
            "closed": closed,
            "score": score,
        },
    )


@login_required
def score_self_edit(request, pk: int, code: str):
    """自查自评: a unit scores itself on the sheet's inspection lines, with its evidence."""
    period = _period(pk, request)
    organization = access_organization(request.user, code)
    if not is_scored(period.campaign, organization):
        raise Http404(_("该组织不参加本活动的考核。"))
    if not may_self_assess(request.user, period, organization):
        raise PermissionDenied(_("只能为本单位（或所辖单位）自查自评。"))
    _sheet_row, indicators = _sheet(period.campaign)
    manual = [indicator for indicator in indicators if indicator.is_manual]
    existing = {a.indicator_id: a for a in SelfAssessment.objects.filter(period=period, organization=organization)}
    refusal = self_assessment_closed(period, timezone.localdate())
    form = SelfAssessmentForm(request.POST or None, indicators=manual, existing=existing)
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return redirect("campaign:score_self", pk=period.pk, code=organization.code)
        if form.is_valid():
            try:
                self_assessment_set(
                    period=period, organization=organization, entries=form.self_inputs(), by=request.user
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("自查自评已保存，等待检查组核定。"))
                return redirect("campaign:score_breakdown", pk=period.pk, code=organization.code)
    score = OrganizationScore.objects.filter(period=period, organization=organization).first()
    return render(
        request,
        "campaign/score_self_form.html",
        {
            "period": period,
            "campaign": period.campaign,
            "organization": organization,
            "form": form,
            "refusal": refusal,
            "score": score,
        },
    )


@login_required
def score_indicator_edit(request, pk: int, indicator_pk: int):
    """The office sets an indicator's target (by grade), rule, veto line and 细则."""
    campaign = _campaign(pk, request, manage=True)
    indicator = get_object_or_404(Indicator.objects.filter(sheet__campaign=campaign), pk=indicator_pk)
    form = IndicatorRulesForm(request.POST or None, indicator=indicator)
    formset = DeductionRuleFormSet(request.POST or None, instance=indicator, prefix="rules")
    if not indicator.is_manual:
        formset.extra = 0
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            indicator_rules_set(indicator=indicator, rules=form.rules(deduction_rule_inputs(formset)), by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("“%(name)s”的目标和计分规则已保存，未定稿的考核期将重新计算。") % {"name": indicator.name}
            )
            return redirect("campaign:score_sheet", pk=campaign.pk)
    return render(
        request,
        "campaign/score_indicator_form.html",
        {"campaign": campaign, "indicator": indicator, "form": form, "formset": formset},
    )
