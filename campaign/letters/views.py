"""目标责任书 pages: the campaign's letters, issuing one to a unit's leader, the letter
printed as the 责任书, and the year-end assessment on it (campaign.letters.services holds
the rules). A unit sees its own letters, a superior its subtree's; others get a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaign.campaigns.access import access_chosen_campaign
from campaign.campaigns.selectors import day_within
from campaign.letters.forms import AssessmentForm, LetterForm, UnitForm
from campaign.letters.models import ResponsibilityLetter
from campaign.letters.selectors import (
    leader_choices,
    letter_for_page,
    letter_standing,
    letters_visible,
    periods_for_assessment,
)
from campaign.letters.services import (
    letter_assess,
    letter_issue,
    letter_may_issue,
    letter_may_issue_any,
    letter_units,
    letter_update,
    letter_withdraw,
)
from campaign.scores.models import Indicator, ScorePeriod, ValueKind
from orgs.access import access_organization

LIST_PAGE_SIZE = 100


def _letter(request, pk: int, *, manage: bool = False) -> ResponsibilityLetter:
    """A letter the user sees (else 404); with manage, one the user issues and assesses (else 403)."""
    letter = letter_for_page(request.user, pk)
    if letter is None:
        raise Http404(_("找不到该目标责任书，或您无权查看。"))
    if manage and not letter_may_issue(request.user, letter.campaign, letter.organization):
        raise PermissionDenied(_("只有主办组织的活动办公室或责任单位的上级党组织可以签订和考核目标责任书。"))
    return letter


def _indicator_choices(campaign):
    return Indicator.objects.filter(sheet__campaign=campaign).order_by("order", "pk")


def _show_refusal(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@login_required
@require_safe
def letter_list(request):
    campaign = access_chosen_campaign(request)
    page = Paginator(letters_visible(request.user, campaign), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaign/letter_list.html",
        {"campaign": campaign, "page": page, "may_issue": letter_may_issue_any(request.user, campaign)},
    )


@login_required
def letter_create(request):
    """Issue a letter: first the unit (a GET form), then its leader, targets, terms and date."""
    campaign = access_chosen_campaign(request)
    if not letter_may_issue_any(request.user, campaign):
        raise PermissionDenied(_("只有主办组织的活动办公室或上级党组织负责人可以签订目标责任书。"))
    units = letter_units(request.user, campaign)
    code = request.GET.get("org", "")
    if not code:
        return render(
            request,
            "campaign/letter_unit.html",
            {"campaign": campaign, "form": UnitForm(units=units)},
        )
    unit = access_organization(request.user, code)
    if not letter_may_issue(request.user, campaign, unit):
        raise PermissionDenied(_("您不能为“%(name)s”签订本活动的目标责任书。") % {"name": unit.name})
    leaders = leader_choices(campaign, unit).exclude(responsibility_letters__campaign=campaign)
    form = LetterForm(
        request.POST or None,
        leaders=leaders,
        indicators=_indicator_choices(campaign),
        initial={"signed_on": day_within(campaign, timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            letter = letter_issue(
                campaign=campaign,
                organization=unit,
                leader=form.cleaned_data["leader"],
                indicators=list(form.cleaned_data["indicators"]),
                terms=form.cleaned_data["terms"],
                signed_on=form.cleaned_data["signed_on"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(
                request,
                _("已与“%(leader)s”签订目标责任书。") % {"leader": letter.leader.name},
            )
            return redirect(letter)
    return render(
        request,
        "campaign/letter_form.html",
        {"campaign": campaign, "unit": unit, "form": form, "letter": None, "has_leaders": leaders.exists()},
    )


@login_required
def letter_edit(request, pk: int):
    letter = _letter(request, pk, manage=True)
    if letter.result:
        messages.error(request, _("目标责任书已经考核，不能再修改。"))
        return redirect(letter)
    form = LetterForm(
        request.POST or None,
        indicators=_indicator_choices(letter.campaign),
        initial={"indicators": list(letter.indicators.all()), "terms": letter.terms, "signed_on": letter.signed_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            letter_update(
                letter=letter,
                indicators=list(form.cleaned_data["indicators"]),
                terms=form.cleaned_data["terms"],
                signed_on=form.cleaned_data["signed_on"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("目标责任书已修改。"))
            return redirect(letter)
    return render(
        request,
        "campaign/letter_form.html",
        {"campaign": letter.campaign, "unit": letter.organization, "form": form, "letter": letter},
    )


@login_required
@require_POST
def letter_withdraw_view(request, pk: int):
    letter = _letter(request, pk, manage=True)
    try:
        letter_withdraw(letter=letter, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(letter)
    messages.success(request, _("已撤销与“%(leader)s”的目标责任书。") % {"leader": letter.leader.name})
    return redirect(f"{reverse('campaign:letters')}?campaign={letter.campaign_id}")


def _chosen_period(request, letter: ResponsibilityLetter, periods: list[ScorePeriod]) -> ScorePeriod | None:
    wanted = request.POST.get("period") or request.GET.get("period", "")
    for period in periods:
        if str(period.pk) == wanted:
            return period
    if letter.assessed_period_id:
        for period in periods:
            if period.pk == letter.assessed_period_id:
                return period
    return periods[0] if periods else None


def _letter_page(request, letter: ResponsibilityLetter, form: AssessmentForm | None = None, *, status: int = 200):
    periods = periods_for_assessment(letter.campaign)
    period = _chosen_period(request, letter, periods)
    standing = letter_standing(letter, period) if period else None
    may_manage = letter_may_issue(request.user, letter.campaign, letter.organization)
    if form is None and may_manage and period is not None:
        form = AssessmentForm(
            periods=ScorePeriod.objects.filter(campaign=letter.campaign),
            initial={
                "period": period.pk,
                "result": letter.result or (standing.suggestion if standing else ""),
                "comment": letter.assessment_comment,
            },
        )
    # The targets as the letter prints them: the sheet's maxima and targets (by the unit's
    # grade), with the points of the period it was assessed on once it is.
    printed = letter_standing(letter, letter.assessed_period) if letter.assessed_period_id else None
    earned = {line.indicator: line for line in printed.lines} if printed else {}
    indicators = list(letter.indicators.all())
    targets = [
        {
            "indicator": indicator,
            "target": indicator.target_for(letter.organization.grade),
            "percent": indicator.value_kind == ValueKind.RATIO,
            "line": earned.get(indicator.pk),
        }
        for indicator in indicators
    ]
    return render(
        request,
        "campaign/letter_detail.html",
        {
            "letter": letter,
            "campaign": letter.campaign,
            "targets": targets,
            "printed": printed,
            "periods": periods,
            "period": period,
            "standing": standing,
            "form": form,
            "may_manage": may_manage,
        },
        status=status,
    )


@login_required
@require_safe
def letter_detail(request, pk: int):
    return _letter_page(request, _letter(request, pk))


@login_required
@require_POST
def letter_assess_view(request, pk: int):
    letter = _letter(request, pk, manage=True)
    form = AssessmentForm(request.POST, periods=ScorePeriod.objects.filter(campaign=letter.campaign))
    if form.is_valid():
        period = form.cleaned_data["period"]
        try:
            letter_assess(
                letter=letter,
                period=period,
                result=form.cleaned_data["result"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            )
        except ValidationError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("已记录“%(leader)s”的年终考核结果。") % {"leader": letter.leader.name})
            return redirect(f"{letter.get_absolute_url()}?period={period.pk}")
    return _letter_page(request, letter, form)
