"""Forms for the score sheet, the score periods and the inspection groups' scoring. The
rules themselves live in campaign.scores.services, which the forms call so that a page and a
service never disagree."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.forms import capped_inline_formset
from campaign.campaigns.models import Campaign
from campaign.scores.assessment import SelfInput, self_input_problems
from campaign.scores.formulas import FORMULAS
from campaign.scores.models import (
    Deduction,
    DeductionRule,
    Direction,
    Indicator,
    IndicatorFormula,
    ManualScore,
    ScoreSheet,
    ScoringRule,
    SelfAssessment,
)
from campaign.scores.services import (
    MOST_CASES,
    DeductionInput,
    IndicatorInput,
    ManualInput,
    default_indicators,
    manual_input_problems,
    sheet_problems,
)
from campaign.scores.targets import DeductionRuleInput, IndicatorRules, parse_steps, steps_text
from orgs.models import Grade


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
        fields = ["total_points", "pass_points", "excellent_points", "monthly_report_day"]
        help_texts = {
            "total_points": _("各项指标满分之和必须等于总分，例如 100 分或 1000 分。"),
            "pass_points": _("总分达到此线为达标；不填则只排名次。被一票否决的单位不能达标。"),
            "excellent_points": _("总分达到此线为先进；不填则不评先进。"),
            "monthly_report_day": _("单位按月填报的指标，上月数据在本月几日前报送（1 至 28）。"),
        }
        error_messages = {
            "total_points": {"required": _("请填写总分。"), "invalid": _("总分应是大于 0 的整数。")},
            "pass_points": {"invalid": _("请填写数字。")},
            "excellent_points": {"invalid": _("请填写数字。")},
            "monthly_report_day": {"invalid": _("请填写 1 至 28 之间的整数。"), "required": _("请填写报送截止日。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Forms posted before the monthly reports existed keep the usual day.
        self.fields["monthly_report_day"].required = False

    def clean(self):
        cleaned = super().clean()
        total = cleaned.get("total_points")
        passing, excellent = cleaned.get("pass_points"), cleaned.get("excellent_points")
        for name in ("pass_points", "excellent_points"):
            mark = cleaned.get(name)
            if mark is not None and (mark <= 0 or (total and mark > total)):
                self.add_error(name, _("分数线应大于 0，且不超过总分。"))
        if passing is not None and excellent is not None and excellent < passing:
            self.add_error("excellent_points", _("先进分数线不能低于达标分数线。"))
        day = cleaned.get("monthly_report_day")
        if day is not None and not 1 <= day <= 28:
            self.add_error("monthly_report_day", _("请填写 1 至 28 之间的整数。"))
        return cleaned


class IndicatorForm(forms.ModelForm):
    order = forms.IntegerField(
        label=_("顺序"),
        required=False,
        min_value=1,
        error_messages={"min_value": _("顺序应是大于 0 的整数。"), "invalid": _("顺序应是大于 0 的整数。")},
    )

    class Meta:
        model = Indicator
        fields = ["order", "name", "kind", "formula", "value_kind", "max_points", "when_no_data", "guidance"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "name": {"required": _("请填写指标名称。")},
            "max_points": {"required": _("请填写满分。"), "invalid": _("满分应是大于 0 的整数。")},
            "kind": {"required": _("请选择评分方式。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formula"].required = False
        self.fields["value_kind"].required = False
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
                value_kind=form.cleaned_data.get("value_kind") or "",
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
    self_assessment_due = forms.DateField(
        label=_("自查自评截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("各单位在此日期前对照评分表自查自评，之后由检查组核定；不填则不限日期。"),
        error_messages={"invalid": _("请按“年-月-日”填写日期。")},
    )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_month"), cleaned.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("截止月份不能早于起始月份。"))
        return cleaned


def _points_field(label: str, max_points: int, initial) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=6,
        decimal_places=1,
        initial=initial,
        widget=forms.NumberInput(attrs={"min": 0, "max": max_points, "step": "0.5"}),
        error_messages={
            "invalid": _("请填写数字。"),
            "max_decimal_places": _("得分最多保留一位小数。"),
            "max_digits": _("得分太大。"),
        },
    )


class ManualScoreForm(forms.Form):
    """The verification (核定) of one organization: each manual line's points or its
    deductions by the 细则, each with the reason, and a correction of any measured or
    computed line. A line left empty has no verification (an existing one is withdrawn)."""

    def __init__(
        self,
        *args,
        indicators: list[Indicator],
        existing: dict[int, ManualScore],
        applied: dict[int, Deduction] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        applied = applied or {}
        for indicator in indicators:
            given = existing.get(indicator.pk)
            label = (
                _("核定得分（满分 %(max)d 分）")
                if indicator.is_manual
                else _("更正得分（满分 %(max)d 分，不更正则留空）")
            )
            self.fields[f"points_{indicator.pk}"] = _points_field(
                label % {"max": indicator.max_points}, indicator.max_points, given.points if given else None
            )
            self.fields[f"comment_{indicator.pk}"] = forms.CharField(
                label=_("核定理由"),
                required=False,
                initial=given.comment if given else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            for rule in indicator.deduction_rules.all() if indicator.is_manual else ():
                done = applied.get(rule.pk)
                self.fields[f"deduct_{rule.pk}"] = forms.BooleanField(
                    label=_("%(text)s（扣 %(points)s 分）") % {"text": rule.text, "points": rule.points},
                    required=False,
                    initial=done is not None,
                )
                self.fields[f"deduct_cases_{rule.pk}"] = forms.IntegerField(
                    label=_("次数（例数）"),
                    min_value=1,
                    max_value=MOST_CASES,
                    initial=int(done.points / rule.points) if done else 1,
                    required=False,
                    widget=forms.NumberInput(attrs={"min": 1, "max": MOST_CASES}),
                    error_messages={
                        "invalid": _("次数应是整数。"),
                        "min_value": _("次数至少为 1。"),
                        "max_value": _("次数太多。"),
                    },
                )
                self.fields[f"deduct_reason_{rule.pk}"] = forms.CharField(
                    label=_("扣分理由"), required=False, initial=done.reason if done else "", max_length=500
                )
                self.fields[f"deduct_evidence_{rule.pk}"] = forms.CharField(
                    label=_("核查依据"), required=False, initial=done.evidence if done else "", max_length=500
                )

    def rows(self):
        """(indicator, points field, comment field, [(rule, tick, cases, reason, evidence)]) for the template."""
        return [
            (
                i,
                self[f"points_{i.pk}"],
                self[f"comment_{i.pk}"],
                [
                    (
                        rule,
                        self[f"deduct_{rule.pk}"],
                        self[f"deduct_cases_{rule.pk}"],
                        self[f"deduct_reason_{rule.pk}"],
                        self[f"deduct_evidence_{rule.pk}"],
                    )
                    for rule in (i.deduction_rules.all() if i.is_manual else ())
                ],
            )
            for i in self.indicators
        ]

    def _deductions(self, indicator: Indicator) -> tuple[DeductionInput, ...]:
        if not indicator.is_manual:
            return ()
        return tuple(
            DeductionInput(
                rule=rule,
                reason=self.cleaned_data.get(f"deduct_reason_{rule.pk}") or "",
                evidence=self.cleaned_data.get(f"deduct_evidence_{rule.pk}") or "",
                cases=self.cleaned_data.get(f"deduct_cases_{rule.pk}") or 1,
            )
            for rule in indicator.deduction_rules.all()
            if self.cleaned_data.get(f"deduct_{rule.pk}")
        )

    def clean(self):
        cleaned = super().clean()
        for indicator in self.indicators:
            if f"points_{indicator.pk}" in self.errors:
                continue
            deductions = self._deductions(indicator)
            if deductions:
                for rule_input in deductions:
                    if not rule_input.reason.strip():
                        self.add_error(f"deduct_reason_{rule_input.rule.pk}", _("请写明扣分理由。"))
                continue
            points = cleaned.get(f"points_{indicator.pk}")
            comment = cleaned.get(f"comment_{indicator.pk}") or ""
            for field, message in manual_input_problems(indicator, points, comment):
                self.add_error(f"{field}_{indicator.pk}", message)
        return cleaned

    def manual_inputs(self) -> list[ManualInput]:
        return [
            ManualInput(
                indicator=indicator,
                points=self.cleaned_data.get(f"points_{indicator.pk}"),
                comment=self.cleaned_data.get(f"comment_{indicator.pk}") or "",
                deductions=self._deductions(indicator),
            )
            for indicator in self.indicators
        ]


class SelfAssessmentForm(forms.Form):
    """A unit's own points on each inspection line, with its evidence (自查自评)."""

    def __init__(self, *args, indicators: list[Indicator], existing: dict[int, SelfAssessment], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            given = existing.get(indicator.pk)
            self.fields[f"points_{indicator.pk}"] = _points_field(
                _("自评得分（满分 %(max)d 分）") % {"max": indicator.max_points},
                indicator.max_points,
                given.points if given else None,
            )
            self.fields[f"evidence_{indicator.pk}"] = forms.CharField(
                label=_("自评依据"),
                required=False,
                initial=given.evidence if given else "",
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("做了哪些工作，有哪些台账、材料可查。"),
            )

    def rows(self):
        return [(i, self[f"points_{i.pk}"], self[f"evidence_{i.pk}"]) for i in self.indicators]

    def clean(self):
        cleaned = super().clean()
        for indicator in self.indicators:
            if f"points_{indicator.pk}" in self.errors:
                continue
            points = cleaned.get(f"points_{indicator.pk}")
            evidence = cleaned.get(f"evidence_{indicator.pk}") or ""
            for field, message in self_input_problems(indicator, points, evidence):
                self.add_error(f"{field}_{indicator.pk}", message)
        return cleaned

    def self_inputs(self) -> list[SelfInput]:
        return [
            SelfInput(
                indicator=indicator,
                points=self.cleaned_data.get(f"points_{indicator.pk}"),
                evidence=self.cleaned_data.get(f"evidence_{indicator.pk}") or "",
            )
            for indicator in self.indicators
        ]


GRADE_TARGET_FIELDS = {grade: f"target_{grade}" for grade in Grade.values}


class IndicatorRulesForm(forms.Form):
    """An indicator's target (by grade where they differ), rule and veto line."""

    direction = forms.ChoiceField(label=_("目标方向"), choices=Direction.choices)
    target = forms.DecimalField(
        label=_("目标值"),
        required=False,
        max_digits=10,
        decimal_places=2,
        help_text=_("比率以百分数计，例如 80 表示 80%。各等级目标不同时，在下面分别填写。"),
    )
    applies_to_grades = forms.MultipleChoiceField(
        label=_("填报单位"),
        required=False,
        choices=Grade.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只有这些等级的单位填报此项；都不选则所有单位填报。不填报此项的单位，总分按其余指标的满分折算。"),
    )
    scoring_rule = forms.ChoiceField(label=_("计分规则"), choices=ScoringRule.choices)
    points_per_unit = forms.DecimalField(
        label=_("每差一个单位扣分"),
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text=_("比率每差 1 个百分点、数量每差 1 个，扣多少分。"),
    )
    steps = forms.CharField(
        label=_("分档"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一档：达到的数值:得分，例如“90:10”。取达到的最高一档。"),
    )
    veto_limit = forms.DecimalField(
        label=_("一票否决线"),
        required=False,
        max_digits=10,
        decimal_places=2,
        help_text=_("数值越过此线（越高越好的低于它，越低越好的高于它）即一票否决；不填则不否决。"),
    )

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        for grade, name in GRADE_TARGET_FIELDS.items():
            self.fields[name] = forms.DecimalField(
                label=_("%(grade)s单位目标值") % {"grade": Grade(grade).label},
                required=False,
                max_digits=10,
                decimal_places=2,
            )
        for name in ("target", "points_per_unit", "veto_limit", *GRADE_TARGET_FIELDS.values()):
            self.fields[name].error_messages["invalid"] = _("请填写数字。")
        if not indicator.is_measured:
            del self.fields["applies_to_grades"]
        if indicator.is_manual:
            for name in (
                "direction",
                "target",
                "scoring_rule",
                "points_per_unit",
                "steps",
                "veto_limit",
                *GRADE_TARGET_FIELDS.values(),
            ):
                del self.fields[name]
        self.initial.update(
            direction=indicator.direction,
            target=indicator.target,
            applies_to_grades=indicator.applies_to_grades,
            scoring_rule=indicator.scoring_rule,
            points_per_unit=indicator.points_per_unit,
            steps=steps_text(indicator.steps),
            veto_limit=indicator.veto_limit,
            **{name: indicator.grade_targets.get(grade) for grade, name in GRADE_TARGET_FIELDS.items()},
        )

    def clean_steps(self):
        try:
            return parse_steps(self.cleaned_data.get("steps") or "")
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def rules(self, deduction_rules: tuple[DeductionRuleInput, ...]) -> IndicatorRules:
        cleaned = self.cleaned_data
        if self.indicator.is_manual:
            return IndicatorRules(deduction_rules=deduction_rules)
        return IndicatorRules(
            direction=cleaned["direction"],
            target=cleaned.get("target"),
            grade_targets={
                grade: cleaned[name] for grade, name in GRADE_TARGET_FIELDS.items() if cleaned.get(name) is not None
            },
            applies_to_grades=tuple(cleaned.get("applies_to_grades") or ()),
            scoring_rule=cleaned["scoring_rule"],
            points_per_unit=cleaned.get("points_per_unit"),
            steps=cleaned.get("steps") or (),
            veto_limit=cleaned.get("veto_limit"),
            deduction_rules=deduction_rules,
        )


class DeductionRuleForm(forms.ModelForm):
    class Meta:
        model = DeductionRule
        fields = ["text", "points"]
        error_messages = {
            "text": {"required": _("请写明扣分情形。")},
            "points": {"required": _("请填写扣分。"), "invalid": _("请填写数字。")},
        }


DeductionRuleFormSet = capped_inline_formset(
    Indicator, DeductionRule, form=DeductionRuleForm, formset=forms.BaseInlineFormSet, most=30
)


def deduction_rule_inputs(formset) -> tuple[DeductionRuleInput, ...]:
    return tuple(
        DeductionRuleInput(
            text=form.cleaned_data["text"],
            points=form.cleaned_data["points"],
            rule=form.instance if form.instance.pk else None,
        )
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("text")
    )


def formula_explanations() -> list[tuple[str, str]]:
    """(label, explanation) of every formula, for the sheet pages."""
    return [(IndicatorFormula(key).label, spec.explanation) for key, spec in FORMULAS.items()]
