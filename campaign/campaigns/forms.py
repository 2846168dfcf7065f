"""Forms for the office's campaign pages. The checks themselves live in
campaign.campaigns.services, which the forms call so that a page and a service never disagree."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.evaluation import (
    MAX_CATEGORIES,
    MAX_CHOICES,
    PRESETS,
    CategoryInput,
    ChoiceInput,
    EvaluationPreset,
)
from campaign.campaigns.models import (
    EVALUATION_LABEL_LENGTH,
    MAX_BALLOT_BATCH_SIZE,
    MIN_BALLOT_BATCH_SIZE,
    Campaign,
    ChoiceCounting,
    Phase,
    Standard,
    StandardDimension,
)
from campaign.campaigns.services import (
    DimensionInput,
    PhaseInput,
    Problem,
    StandardInput,
    campaign_basics_problems,
    campaign_organization_choices,
    dimension_problems,
    phase_problems,
)
from orgs.models import Sector, User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _report(form: forms.BaseForm, problems: list[Problem]) -> None:
    for problem in problems:
        form.add_error(problem.field, problem.message)


class CampaignForm(forms.ModelForm):
    """The basics of a campaign; on creation also the organization that runs it."""

    class Meta:
        model = Campaign
        fields = [
            "name",
            "theme",
            "subjects",
            "mass_organizations_take_part",
            "starts_on",
            "ends_on",
            "satisfaction_threshold",
            "ballot_batch_size",
            "review_period_months",
            "reports_per_month",
            "models_per_quarter",
            "lookback_months",
            "progress_correction_days",
        ]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        help_texts = {
            "theme": _("例如：创先争优促赶超，科学发展上水平"),
            "subjects": _(
                "创先争优评党组织和党员；三好一满意、平安单位等评单位和全体职工，党员和非党员都要承诺、接受评议。"
                "五带头领导点评始终只对党员。"
            ),
            "satisfaction_threshold": _("群众评议满意率低于此值的组织和党员须补课整改；正好等于此值为达标。"),
            "ballot_batch_size": _(
                "网上提交的评议表先加密保存，同一类评议人凑满这么多份后打乱顺序一起计入，"
                "谁也无法从保存的先后把一份评议表和某个评议码对上。默认 10 份，可设 5 至 500 份；"
                "某类评议人全部不足这个份数时，评议结束后一起计入。"
            ),
            "review_period_months": _("每个组织和党员至少每隔几个月接受一次领导点评（默认半年）。"),
            "reports_per_month": _("每个党组织每月至少上报的信息条数。"),
            "models_per_quarter": _("各乡镇和县直机关各大口每季度至少培树的典型数。"),
            "lookback_months": _("整改任务验收销号后，隔几个月进行回头看，检查整改是否落实到位。"),
            "progress_correction_days": _(
                "践诺记录保存后多少天内，记录人可以更正文字或删除；过期后不能再改。填 0 表示不允许更正。"
            ),
        }
        error_messages = {
            "name": {"required": _("请填写活动名称。")},
            "starts_on": {"required": _("请填写开始日期。"), "invalid": _("请按“年-月-日”填写日期。")},
            "ends_on": {"required": _("请填写结束日期。"), "invalid": _("请按“年-月-日”填写日期。")},
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Chosen only on creation: pledges and reviews below the organization are made
        # for its subtree. Added here, not in Meta, because its choices need the user's scope.
        if not self.instance.pk:
            self.fields = {
                "organization": forms.ModelChoiceField(
                    label=_("主办组织"),
                    queryset=campaign_organization_choices(user),
                    empty_label=None,
                    initial=user.organization_id,
                    help_text=_("活动适用于该组织及其全部下级组织和党员。"),
                    error_messages={
                        "required": _("请选择主办组织。"),
                        "invalid_choice": _("只能选择您管理范围内的县委、党委、党工委或党总支。"),
                    },
                ),
                **self.fields,
                "evaluation_preset": forms.ChoiceField(
                    label=_("群众评议的评议人和选项"),
                    choices=[(key, preset.name) for key, preset in PRESETS.items()],
                    initial="party",
                    required=False,
                    help_text=_("先按所选的惯例预置，建立后可在“评议人和评议选项”中逐项修改。"),
                ),
            }
        self.fields["satisfaction_threshold"].widget.attrs.update({"min": 0, "max": 100, "step": "0.01"})
        self.fields["ballot_batch_size"].required = False
        self.fields["subjects"].required = False
        self.fields["lookback_months"].required = False
        self.fields["progress_correction_days"].required = False
        self.fields["ballot_batch_size"].widget.attrs.update(
            {"min": MIN_BALLOT_BATCH_SIZE, "max": MAX_BALLOT_BATCH_SIZE}
        )

    def clean_evaluation_preset(self):
        # Left out (an older form, a script): the 创先争优 categories and choices.
        return self.cleaned_data.get("evaluation_preset") or "party"

    def clean_subjects(self):
        # Left out of a post (an older page): the campaign's own, or party for a new one.
        return self.cleaned_data.get("subjects") or self.instance.subjects

    def clean_ballot_batch_size(self):
        # Left empty: the campaign's own, or the default for a new one.
        value = self.cleaned_data.get("ballot_batch_size")
        return value if value is not None else self.instance.ballot_batch_size

    def clean_lookback_months(self):
        # Left empty (or out of an older page): the campaign's own, or the default for a new one.
        value = self.cleaned_data.get("lookback_months")
        return value if value is not None else self.instance.lookback_months

    def clean_review_period_months(self):
        value = self.cleaned_data["review_period_months"]
        if not 1 <= value <= 12:
            raise forms.ValidationError(_("领导点评周期应在 1 到 12 个月之间。"))
        return value

    def clean(self):
        cleaned = super().clean()
        # Reported before the model's own validation, which then skips these fields
        # instead of adding its generic messages.
        problems = campaign_basics_problems(
            starts_on=cleaned.get("starts_on"),
            ends_on=cleaned.get("ends_on"),
            satisfaction_threshold=cleaned.get("satisfaction_threshold"),
            phases=list(self.instance.phases.all()) if self.instance.pk else [],
        )
        _report(self, problems)
        return cleaned


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["name", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        error_messages = {
            "name": {"required": _("请填写阶段名称。")},
            "starts_on": {"required": _("请填写开始日期。"), "invalid": _("请按“年-月-日”填写日期。")},
            "ends_on": {"required": _("请填写结束日期。"), "invalid": _("请按“年-月-日”填写日期。")},
        }

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return cleaned


class BasePhaseFormSet(forms.BaseInlineFormSet):
    def kept_forms(self) -> list[forms.ModelForm]:
        """Forms for phases that stay or are added (not deleted, not left blank)."""
        return [
            form for form in self.forms if form not in self.deleted_forms and (form.instance.pk or form.has_changed())
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = self.kept_forms()
        for problem in phase_problems(campaign=self.instance, phases=self._inputs(kept)):
            if problem.index is None:
                raise forms.ValidationError(problem.message)
            kept[problem.index].add_error(problem.field, problem.message)

    @staticmethod
    def _inputs(forms_: list[forms.ModelForm]) -> list[PhaseInput]:
        return [
            PhaseInput(
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                phase=form.instance if form.instance.pk else None,
            )
            for form in forms_
        ]

    def phase_inputs(self) -> list[PhaseInput]:
        return self._inputs(self.kept_forms())


def capped_inline_formset(parent_model, model, *, form, formset, most: int):
    """An inline formset of at most ``most`` forms, one blank to add with. The cap is far
    above any real need: the form count comes from the browser, and without it a forged
    count had the page build and show 2,000 forms (tens of seconds, megabytes)."""
    return inlineformset_factory(
        parent_model,
        model,
        form=form,
        formset=formset,
        extra=1,
        can_delete=True,
        max_num=most,
        absolute_max=most,
        validate_max=True,
    )


PhaseFormSet = capped_inline_formset(Campaign, Phase, form=PhaseForm, formset=BasePhaseFormSet, most=20)


class StandardForm(forms.ModelForm):
    class Meta:
        model = Standard
        fields = ["name", "review_focus"]
        error_messages = {"name": {"required": _("请填写标准名称。")}}
        help_texts = {"review_focus": _("领导点评时重点对照的方面，用顿号分隔。")}


class DimensionForm(forms.ModelForm):
    order = forms.IntegerField(
        label=_("顺序"),
        required=False,
        min_value=1,
        error_messages={"min_value": _("顺序应是大于 0 的整数。"), "invalid": _("顺序应是大于 0 的整数。")},
    )

    class Meta:
        model = StandardDimension
        fields = ["order", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"name": {"required": _("请填写标准内容的名称。")}}

    def validate_unique(self):
        # Names are checked across all rows of the standard by the formset, which also
        # lets two rows swap names; a row-by-row look at the database would refuse that.
        pass


class BaseDimensionFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Show positions 1, 2, 3 … whatever numbers are stored; saving renumbers them so.
        if index is not None and index < self.initial_form_count():
            form.initial["order"] = index + 1

    def validate_unique(self):
        # See DimensionForm.validate_unique: campaign.campaigns.services.dimension_problems checks names.
        pass

    def kept_forms(self) -> list[forms.ModelForm]:
        """Forms of dimensions that stay or are added, in the order asked for: by the
        number given, rows without one last."""
        # Rows offered filled in for a standard not yet saved count even if left as they are.
        kept = [
            form
            for form in self.forms
            if form not in self.deleted_forms and (form.instance.pk or form.has_changed() or not form.empty_permitted)
        ]
        last = len(self.forms) + 1_000_000
        # A row given a new number goes before a row that already had that number, so
        # typing 1 moves a row to the top.
        return sorted(
            kept,
            key=lambda form: (form.cleaned_data.get("order") or last, "order" not in form.changed_data),
        )

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = self.kept_forms()
        standard = self.instance if self.instance.pk else None
        for problem in dimension_problems(standard=standard, dimensions=self._inputs(kept)):
            if problem.index is None:
                raise forms.ValidationError(problem.message)
            kept[problem.index].add_error(problem.field, problem.message)

    @staticmethod
    def _inputs(forms_: list[forms.ModelForm]) -> list[DimensionInput]:
        return [
            DimensionInput(
                name=form.cleaned_data["name"],
                description=form.cleaned_data.get("description", ""),
                dimension=form.instance if form.instance.pk else None,
            )
            for form in forms_
        ]

    def dimension_inputs(self) -> list[DimensionInput]:
        return self._inputs(self.kept_forms())


DimensionFormSet = capped_inline_formset(
    Standard, StandardDimension, form=DimensionForm, formset=BaseDimensionFormSet, most=20
)


class StandardEditor:
    """One standard of a campaign on the standards page: its name and review focus, and
    the formset of its dimensions. A standard the campaign lacks is offered unsaved."""

    def __init__(self, *, campaign: Campaign, default: StandardInput, data=None):
        self.subject = default.subject
        standard = next((s for s in campaign.standards.all() if s.subject == default.subject), None)
        if standard is None:
            standard = Standard(campaign=campaign, subject=default.subject)
            initial = {"name": default.name, "review_focus": default.review_focus}
        else:
            initial = None
        self.standard = standard
        self.form = StandardForm(data, instance=standard, initial=initial, prefix=default.subject)
        self.formset = DimensionFormSet(data, instance=standard, prefix=f"{default.subject}-dimensions")
        if standard.pk is None:
            # Offer the usual dimensions as rows that count even if left as they are.
            self.formset.min_num = len(default.dimensions)
            self.formset.initial_extra = [
                {"order": order, "name": d.name, "description": d.description}
                for order, d in enumerate(default.dimensions, start=1)
            ]

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.formset.is_valid()])

    def standard_input(self) -> StandardInput:
        return StandardInput(
            subject=self.subject,
            name=self.form.cleaned_data["name"],
            review_focus=self.form.cleaned_data["review_focus"],
            dimensions=self.formset.dimension_inputs(),
        )


class SectorThemesForm(forms.Form):
    """One theme per sector; a blank one means the sector works under the campaign's theme."""

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        own = {theme.sector: theme.theme for theme in campaign.sector_themes.all()}
        for sector, label in Sector.choices:
            self.fields[sector] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                initial=own.get(sector, ""),
                error_messages={"max_length": _("主题不能超过 %(limit_value)d 个字。")},
            )
        self.campaign_theme = campaign.theme

    def themes(self) -> dict[str, str]:
        return {sector: self.cleaned_data[sector] for sector in Sector.values}


def show_refusal(form, error: ValidationError) -> None:
    """A service refused what the form let through (e.g. someone changed the campaign meanwhile)."""
    for message in error.messages:
        form.add_error(None, message)


# ---------------------------------------------------------------------------
# Evaluator categories and choices (评议人和评议选项)
# ---------------------------------------------------------------------------

_KEY_PATTERN = r"^[a-z0-9_]{0,20}$"


class EvaluatorCategoryRow(forms.Form):
    """One category; a row left blank is not kept. The key is the row's identity."""

    key = forms.RegexField(regex=_KEY_PATTERN, required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("评议人类别"), required=False, max_length=EVALUATION_LABEL_LENGTH)


class ChoiceRow(forms.Form):
    key = forms.RegexField(regex=_KEY_PATTERN, required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("评议选项"), required=False, max_length=EVALUATION_LABEL_LENGTH)
    counting = forms.ChoiceField(label=_("计入方式"), choices=ChoiceCounting.choices, initial=ChoiceCounting.COUNTED)


EvaluatorCategoryFormSet = forms.formset_factory(
    EvaluatorCategoryRow, extra=2, max_num=MAX_CATEGORIES, absolute_max=MAX_CATEGORIES + 2, validate_max=False
)
ChoiceFormSet = forms.formset_factory(
    ChoiceRow, extra=1, max_num=MAX_CHOICES, absolute_max=MAX_CHOICES + 2, validate_max=False
)


class EvaluationEditor:
    """The two lists of the page, filled from the campaign, or from a preset the office
    asked for (``?preset=``), or from what was posted."""

    def __init__(self, *, campaign: Campaign, data=None, preset: EvaluationPreset | None = None):
        if preset is not None:
            categories = [{"key": item.key, "label": item.label} for item in preset.categories]
            choices = [{"key": item.key, "label": item.label, "counting": item.counting} for item in preset.choices]
        else:
            categories = list(campaign.evaluator_categories.values("key", "label"))
            choices = list(campaign.evaluation_choices.values("key", "label", "counting"))
        # Bound, the rows are what was posted: with initial values too, a row posted
        # unchanged would count as an untouched extra row and be dropped.
        if data is not None:
            categories = choices = None
        self.categories = EvaluatorCategoryFormSet(data, initial=categories, prefix="category")
        self.choices = ChoiceFormSet(data, initial=choices, prefix="choice")

    def is_valid(self) -> bool:
        return all([self.categories.is_valid(), self.choices.is_valid()])

    @staticmethod
    def _kept(formset) -> list[dict]:
        return [form.cleaned_data for form in formset.forms if (form.cleaned_data.get("label") or "").strip()]

    def category_inputs(self) -> list[CategoryInput]:
        return [CategoryInput(label=row["label"], key=row["key"]) for row in self._kept(self.categories)]

    def choice_inputs(self) -> list[ChoiceInput]:
        return [
            ChoiceInput(label=row["label"], counting=row["counting"], key=row["key"])
            for row in self._kept(self.choices)
        ]
