"""The office's campaign pages: the list, a campaign's basics, phases, standards and sector themes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from campaign.campaigns.access import SESSION_KEY, campaign_named
from campaign.campaigns.evaluation import PRESETS, counting_rule_text
from campaign.campaigns.forms import (
    CampaignForm,
    EvaluationEditor,
    PhaseFormSet,
    SectorThemesForm,
    StandardEditor,
    show_refusal,
)
from campaign.campaigns.models import Campaign, Phase, StandardSubject
from campaign.campaigns.selectors import (
    campaign_for_detail,
    campaign_standard,
    phase_on,
    sector_theme_lines,
    visible_campaigns,
)
from campaign.campaigns.services import (
    DEFAULT_STANDARDS,
    campaign_create,
    campaign_evaluation_set,
    campaign_may_create,
    campaign_may_edit,
    campaign_phases_set,
    campaign_sector_themes_set,
    campaign_standards_set,
    campaign_update,
)


@login_required
def campaign_choose(request):
    """The campaign the pages work in from now on: every campaign the user can see, one
    button each; the choice is remembered and shown in the page header."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    if request.method == "POST":
        campaign = campaign_named(request, request.POST.get("campaign", ""))
        messages.success(request, _("已切换到“%(name)s”。") % {"name": campaign.name})
        return redirect(back or "home")
    return render(
        request,
        "campaign/campaign_choose.html",
        {
            "campaigns": visible_campaigns(request.user),
            "chosen": request.session.get(SESSION_KEY),
            "next": back,
        },
    )


@login_required
def campaign_list(request):
    """The campaigns that apply to the user's part of the tree (run by it or above it)."""
    campaigns = list(visible_campaigns(request.user).prefetch_related("phases"))
    today = timezone.localdate()
    return render(
        request,
        "campaign/campaign_list.html",
        {
            "rows": [(campaign, phase_on(campaign, today)) for campaign in campaigns],
            "today": today,
            "can_create": campaign_may_create(request.user),
        },
    )


def _campaign_for_change(request, pk: int) -> Campaign:
    """A campaign the user may see (else 404) and change (else 403)."""
    campaign = get_object_or_404(Campaign.objects.select_related("organization"), pk=pk)
    if not campaign_may_edit(request.user, campaign):
        raise PermissionDenied(_("活动设置由主办组织的活动办公室维护，您可以查看，不能修改。"))
    return campaign


@login_required
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(campaign_for_detail(), pk=pk)
    today = timezone.localdate()
    standards = [
        campaign_standard(campaign, subject) for subject in (StandardSubject.ORGANIZATION, StandardSubject.MEMBER)
    ]
    return render(
        request,
        "campaign/campaign_detail.html",
        {
            "campaign": campaign,
            "today": today,
            "current_phase": phase_on(campaign, today),
            "standards": [standard for standard in standards if standard is not None],
            "sector_themes": sector_theme_lines(campaign),
            "evaluator_categories": list(campaign.evaluator_categories.all()),
            "evaluation_choices": list(campaign.evaluation_choices.all()),
            "counting_rule": counting_rule_text(campaign.evaluation_choices.all()),
            "can_edit": campaign_may_edit(request.user, campaign),
        },
    )


@login_required
def campaign_create_view(request):
    if not campaign_may_create(request.user):
        raise PermissionDenied(_("只有活动办公室可以新建活动。"))
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                organization=data["organization"],
                name=data["name"],
                theme=data["theme"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                satisfaction_threshold=data["satisfaction_threshold"],
                review_period_months=data["review_period_months"],
                reports_per_month=data["reports_per_month"],
                models_per_quarter=data["models_per_quarter"],
                lookback_months=data["lookback_months"],
                progress_correction_days=7
                if data["progress_correction_days"] is None
                else data["progress_correction_days"],
                ballot_batch_size=data["ballot_batch_size"],
                evaluation=PRESETS[data["evaluation_preset"]],
                subjects=data["subjects"],
                mass_organizations_take_part=data["mass_organizations_take_part"],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                _("活动已建立，并按惯例预置了三个阶段和“五个好”“五带头”标准。请核对各阶段的起止日期。"),
            )
            return redirect("campaign:phases", pk=campaign.pk)
    return render(request, "campaign/campaign_form.html", {"form": form, "campaign": None})


@login_required
def campaign_edit(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The form has written the new values onto the instance; the service saves them.
        try:
            campaign_update(
                campaign=get_object_or_404(Campaign.objects, pk=pk),
                name=data["name"],
                theme=data["theme"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                satisfaction_threshold=data["satisfaction_threshold"],
                review_period_months=data["review_period_months"],
                reports_per_month=data["reports_per_month"],
                models_per_quarter=data["models_per_quarter"],
                lookback_months=data["lookback_months"],
                progress_correction_days=data["progress_correction_days"],
                ballot_batch_size=data["ballot_batch_size"],
                subjects=data["subjects"],
                mass_organizations_take_part=data["mass_organizations_take_part"],
                by=request.user,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("活动基本信息已保存。"))
            return redirect(campaign)
    return render(request, "campaign/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_phases(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    formset = PhaseFormSet(
        request.POST or None, instance=campaign, queryset=Phase.objects.order_by("starts_on", "order", "pk")
    )
    refusals = []
    if request.method == "POST" and formset.is_valid():
        try:
            campaign_phases_set(campaign=campaign, phases=formset.phase_inputs(), by=request.user)
        except ValidationError as error:
            refusals = error.messages
        else:
            messages.success(request, _("活动阶段已保存。"))
            return redirect(campaign)
    return render(
        request, "campaign/campaign_phases.html", {"campaign": campaign, "formset": formset, "refusals": refusals}
    )


@login_required
def campaign_standards(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    editors = [
        StandardEditor(campaign=campaign, default=default, data=request.POST or None) for default in DEFAULT_STANDARDS
    ]
    if request.method == "POST" and all([editor.is_valid() for editor in editors]):
        try:
            campaign_standards_set(
                campaign=campaign, standards=[editor.standard_input() for editor in editors], by=request.user
            )
        except ValidationError as error:
            show_refusal(editors[0].form, error)
        except ProtectedError:
            # A pledge item took up a dimension between the check and the delete.
            editors[0].form.add_error(None, _("要删除的标准内容刚刚被承诺事项对应，没有保存任何修改，请刷新后重试。"))
        else:
            messages.success(request, _("争创标准已保存。"))
            return redirect(campaign)
    return render(request, "campaign/campaign_standards.html", {"campaign": campaign, "editors": editors})


@login_required
def campaign_sector_themes(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    form = SectorThemesForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        campaign_sector_themes_set(campaign=campaign, themes=form.themes(), by=request.user)
        messages.success(request, _("领域主题已保存。"))
        return redirect(campaign)
    return render(request, "campaign/campaign_sector_themes.html", {"campaign": campaign, "form": form})


@login_required
def campaign_evaluation(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    preset = PRESETS.get(request.GET.get("preset", "")) if request.method == "GET" else None
    editor = EvaluationEditor(campaign=campaign, data=request.POST or None, preset=preset)
    refusals = []
    if request.method == "POST" and editor.is_valid():
        try:
            campaign_evaluation_set(
                campaign=campaign,
                categories=editor.category_inputs(),
                choices=editor.choice_inputs(),
                by=request.user,
            )
        except ValidationError as error:
            refusals = error.messages
        else:
            messages.success(request, _("评议人类别和评议选项已保存，此后新建的评议按此设置。"))
            return redirect(campaign)
    return render(
        request,
        "campaign/campaign_evaluation.html",
        {"campaign": campaign, "editor": editor, "refusals": refusals, "presets": PRESETS, "preset": preset},
    )
