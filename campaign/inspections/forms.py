"""Forms of the inspection pages; campaign.inspections.services checks everything again."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.forms import DateInput
from campaign.inspections.models import ChecklistItem, CheckResult, VisitMethod, VisitState
from campaign.inspections.services import DeductInput, FindingAction, RectifyInput
from campaign.scores.models import DeductionRule, ScorePeriod
from campaign.scores.services import MOST_CASES
from pledges.forms import MultipleFileField

PLAIN_METHODS = [(value, label) for value, label in VisitMethod.choices if value != VisitMethod.LOOKBACK]


class VisitPlanForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("检查对象"), queryset=None, to_field_name="code")
    planned_on = forms.DateField(label=_("计划日期"), widget=DateInput)
    members = forms.CharField(
        label=_("检查组成员"), max_length=300, help_text=_("填写参加检查的人员姓名，用顿号隔开。")
    )
    methods = forms.MultipleChoiceField(
        label=_("检查方式"), choices=PLAIN_METHODS, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, organizations: QuerySet, lookback: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = lambda organization: organization.name
        if lookback:
            # The task decides the unit; the visit is a 回头看, with whatever else is used.
            del self.fields["organization"]
        else:
            self.fields["methods"].required = True
            self.fields["methods"].error_messages["required"] = gettext("请至少选择一种检查方式。")


class VisitRecordForm(forms.Form):
    """When, who and how, what was seen, and one result and note per checklist item
    (fields ``result_<id>`` and ``note_<id>``)."""

    visited_on = forms.DateField(label=_("检查日期"), widget=DateInput)
    members = forms.CharField(label=_("检查组成员"), max_length=300)
    methods = forms.MultipleChoiceField(
        label=_("检查方式"), choices=PLAIN_METHODS, widget=forms.CheckboxSelectMultiple, required=False
    )
    summary = forms.CharField(
        label=_("检查情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("简要写明听取了哪些汇报、查阅了哪些资料、走访了哪些群众，总体评价如何。"),
    )

    def __init__(self, *args, items: Sequence[ChecklistItem], lookback: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.lookback = lookback
        if not lookback:
            self.fields["methods"].required = True
            self.fields["methods"].error_messages["required"] = gettext("请至少选择一种检查方式。")
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=CheckResult.choices,
                initial=item.result,
                widget=forms.RadioSelect,
                # An item left as it was keeps its result.
                required=False,
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("情况说明"),
                required=False,
                initial=item.note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[ChecklistItem, forms.BoundField, forms.BoundField]]:
        return [(item, self[f"result_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def checks(self) -> list[tuple[ChecklistItem, str, str]]:
        data = self.cleaned_data
        return [(item, data[f"result_{item.pk}"] or item.result, data[f"note_{item.pk}"]) for item in self.items]


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("新增检查项目"), max_length=300)


class FindingForm(forms.Form):
    checklist_item = forms.ModelChoiceField(
        label=_("检查项目"), queryset=None, required=False, empty_label=_("（不对应具体项目）")
    )
    description = forms.CharField(label=_("发现的问题"), widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(
        label=_("照片或文件"),
        required=False,
        help_text=_("JPEG、PNG、WebP 图片或 PDF，每条最多 9 个，每个不超过 10 MB。"),
    )
    action = forms.ChoiceField(
        label=_("处理方式"),
        widget=forms.RadioSelect,
        initial=FindingAction.RECORD,
        choices=[
            (FindingAction.RECORD, _("只作记录")),
            (FindingAction.RECTIFY, _("交办整改任务")),
            (FindingAction.DEDUCT, _("按细则扣分")),
        ],
    )
    category = forms.CharField(label=_("问题类别"), max_length=50, required=False)
    measure = forms.CharField(label=_("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(label=_("责任人"), max_length=50, required=False)
    deadline = forms.DateField(label=_("整改时限"), required=False, widget=DateInput)
    rule = forms.ModelChoiceField(label=_("扣分细则"), queryset=None, required=False)
    cases = forms.IntegerField(label=_("次数（例数）"), min_value=1, max_value=MOST_CASES, initial=1, required=False)
    period = forms.ModelChoiceField(label=_("考核期"), queryset=None, required=False, empty_label=None)

    def __init__(
        self,
        *args,
        items: QuerySet,
        rules: Sequence[DeductionRule],
        periods: Sequence[ScorePeriod],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["checklist_item"].queryset = items
        self.fields["checklist_item"].label_from_instance = lambda item: item.text
        self.fields["rule"].queryset = DeductionRule.objects.filter(pk__in=[rule.pk for rule in rules])
        self.fields["rule"].choices = [("", "---------")] + [
            (rule.pk, gettext("%(line)s：%(rule)s（扣%(points)s分）") % _rule_words(rule)) for rule in rules
        ]
        self.fields["period"].queryset = ScorePeriod.objects.filter(pk__in=[period.pk for period in periods])
        self.fields["period"].choices = [(period.pk, period.name) for period in periods]
        self.can_deduct = bool(rules) and bool(periods)
        if not self.can_deduct:
            self.fields["action"].choices = self.fields["action"].choices[:2]
            for name in ("rule", "cases", "period"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == FindingAction.RECTIFY:
            for name in ("category", "measure", "owner", "deadline"):
                if not data.get(name):
                    self.add_error(name, gettext("交办整改任务时须填写此项。"))
        elif action == FindingAction.DEDUCT:
            for name in ("rule", "cases", "period"):
                if not data.get(name):
                    self.add_error(name, gettext("按细则扣分时须填写此项。"))
        return data

    def rectify_input(self) -> RectifyInput | None:
        data = self.cleaned_data
        if data["action"] != FindingAction.RECTIFY:
            return None
        return RectifyInput(
            category=data["category"], measure=data["measure"], owner=data["owner"], deadline=data["deadline"]
        )

    def deduct_input(self) -> DeductInput | None:
        data = self.cleaned_data
        if data["action"] != FindingAction.DEDUCT:
            return None
        return DeductInput(period=data["period"], rule=data["rule"], cases=data["cases"])


def _rule_words(rule: DeductionRule) -> dict:
    points = rule.points.normalize() if rule.points == rule.points.to_integral() else rule.points
    return {"line": rule.indicator.name, "rule": rule.text, "points": f"{points:f}"}


class VisitFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *VisitState.choices])
    org = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
