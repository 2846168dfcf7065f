"""Forms for the score sheet, the score periods and the inspection groups' scoring. The
rules themselves live in campaign.scores.services, which the forms call so that a page and a
service never disagree."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.forms import capped_inline_formset
from campaign.campaigns.models import Campaign
from campaign.scores.formulas import FORMULAS
from campaign.scores.models import Indicator, IndicatorFormula, ManualScore, ScoreSheet
from campaign.scores.services import (
    IndicatorInput,
    ManualInput,
    default_indicators,
    manual_input_problems,
    sheet_problems,
)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class MonthField(forms.DateField):
    """A month typed as 2010-07 (what <input type="month"> sends), held as its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    default_error_messages = {"invalid": _("请按“年-月”填写月份，例如 2010-07。"), "required": _("请填写月份。")}


class ScoreSheetForm(forms.ModelForm):
    class Meta:
        model = ScoreSheet
        fields = ["total_points"]
        help_texts = {"total_points": _("各项指标满分之和必须等于总分，例如 100 分或 1000 分。")}
        error_messages = {"total_points": {"required": _("请填写总分。"), "invalid": _("总分应是大于 0 的整数。")}}


class IndicatorForm(forms.ModelForm):
    order = forms.IntegerField(
        label=_("顺序"),
        required=False,
        min_value=1,
        error_messages={"min_value": _("顺序应是大于 0 的整数。"), "invalid": _("顺序应是大于 0 的整数。")},
    )

    class Meta:
        model = Indicator
        fields = ["order", "name", "kind", "formula", "max_points", "when_no_data", "guidance"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "name": {"required": _("请填写指标名称。")},
            "max_points": {"required": _("请填写满分。"), "invalid": _("满分应是大于 0 的整数。")},
            "kind": {"required": _("请选择评分方式。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formula"].required = False
        self.fields["max_points"].widget.attrs.update({"min": 1, "class": "js-max-points"})
        self.fields["kind"].widget.attrs["class"] = "js-kind"

    def validate_unique(self):
        # Names are checked across all rows by campaign.scores.services.sheet_problems, which also
        # lets two rows swap names.
        pass


class BaseIndicatorFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if index is not None and index < self.initial_form_count():
            form.initial["order"] = index + 1

    def validate_unique(self):
        pass

    def kept_forms(self) -> list[forms.ModelForm]:
        """Rows that stay or are added, by the number given (rows without one last)."""
        kept = [
            form
            for form in self.forms
            if form not in self.deleted_forms and (form.instance.pk or form.has_changed() or not form.empty_permitted)
        ]
        last = len(self.forms) + 1_000_000
        return sorted(kept, key=lambda form: (form.cleaned_data.get("order") or last, "order" not in form.changed_data))

    def indicator_inputs(self) -> list[IndicatorInput]:
        return [
            IndicatorInput(
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                max_points=form.cleaned_data["max_points"],
                formula=form.cleaned_data.get("formula") or "",
                when_no_data=form.cleaned_data["when_no_data"],
                guidance=form.cleaned_data.get("guidance") or "",
                indicator=form.instance if form.instance.pk else None,
            )
            for form in self.kept_forms()
        ]


IndicatorFormSet = capped_inline_formset(
    ScoreSheet, Indicator, form=IndicatorForm, formset=BaseIndicatorFormSet, most=50
)


class SheetEditor:
    """The sheet page: the total and the formset of indicators, checked together."""

    def __init__(self, *, campaign: Campaign, data=None):
        self.sheet = ScoreSheet.objects.filter(campaign=campaign).first() or ScoreSheet(campaign=campaign)
        self.form = ScoreSheetForm(data, instance=self.sheet)
        self.formset = IndicatorFormSet(
            data, instance=self.sheet, prefix="indicators", queryset=Indicator.objects.order_by("order", "pk")
        )
        if self.sheet.pk is None:
            # A new sheet starts from the usual 100 points, as rows that count even if left as they are.
            defaults = default_indicators(100)
            self.formset.min_num = len(defaults)
            self.formset.initial_extra = [
                {
                    "order": order,
                    "name": given.name,
                    "kind": given.kind,
                    "formula": given.formula,
                    "max_points": given.max_points,
                    "when_no_data": given.when_no_data,
                    "guidance": given.guidance,
                }
                for order, given in enumerate(defaults, start=1)
            ]

    def is_valid(self) -> bool:
        if not all([self.form.is_valid(), self.formset.is_valid()]):
            return False
        kept = self.formset.kept_forms()
        problems = sheet_problems(
            sheet=self.sheet if self.sheet.pk else None,
            total_points=self.form.cleaned_data["total_points"],
            indicators=self.formset.indicator_inputs(),
        )
        for problem in problems:
            if problem.field == "total_points":
                self.form.add_error("total_points", problem.message)
            elif problem.index is None:
                self.form.add_error(None, problem.message)
            else:
                kept[problem.index].add_error(problem.field, problem.message)
        return not problems

    def show_refusal(self, messages: list[str]) -> None:
        for message in messages:
            self.form.add_error(None, message)


class ScorePeriodForm(forms.Form):
    name = forms.CharField(
        label=_("考核期名称"),
        max_length=50,
        help_text=_("例如：2010年下半年、2011年度。"),
        error_messages={"required": _("请填写考核期名称，例如“2010年下半年”。")},
    )
    first_month = MonthField(label=_("起始月份"))
    last_month = MonthField(label=_("截止月份"))

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_month"), cleaned.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("截止月份不能早于起始月份。"))
        return cleaned


class ManualScoreForm(forms.Form):
    """One organization's points on each manual indicator, with the reasons; a field
    left empty means no score (an existing one is withdrawn)."""

    def __init__(self, *args, indicators: list[Indicator], existing: dict[int, ManualScore], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            given = existing.get(indicator.pk)
            self.fields[f"points_{indicator.pk}"] = forms.DecimalField(
                label=_("得分（满分 %(max)d 分）") % {"max": indicator.max_points},
                required=False,
                max_digits=6,
                decimal_places=1,
                initial=given.points if given else None,
                widget=forms.NumberInput(attrs={"min": 0, "max": indicator.max_points, "step": "0.5"}),
                error_messages={
                    "invalid": _("请填写数字。"),
                    "max_decimal_places": _("得分最多保留一位小数。"),
                    "max_digits": _("得分太大。"),
                },
            )
            self.fields[f"comment_{indicator.pk}"] = forms.CharField(
                label=_("评分理由"),
                required=False,
                initial=given.comment if given else "",
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def rows(self):
        """(indicator, points field, comment field) for the template."""
        return [(i, self[f"points_{i.pk}"], self[f"comment_{i.pk}"]) for i in self.indicators]

    def clean(self):
        cleaned = super().clean()
        for indicator in self.indicators:
            points = cleaned.get(f"points_{indicator.pk}")
            comment = cleaned.get(f"comment_{indicator.pk}") or ""
            if f"points_{indicator.pk}" in self.errors:
                continue
            for field, message in manual_input_problems(indicator, points, comment):
                self.add_error(f"{field}_{indicator.pk}", message)
        return cleaned

    def manual_inputs(self) -> list[ManualInput]:
        return [
            ManualInput(
                indicator=indicator,
                points=self.cleaned_data.get(f"points_{indicator.pk}"),
                comment=self.cleaned_data.get(f"comment_{indicator.pk}") or "",
            )
            for indicator in self.indicators
        ]


def formula_explanations() -> list[tuple[str, str]]:
    """(label, explanation) of every formula, for the sheet pages."""
    return [(IndicatorFormula(key).label, spec.explanation) for key, spec in FORMULAS.items()]
