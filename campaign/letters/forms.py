"""Forms for 目标责任书: the unit to issue to, the letter itself, and the year-end
assessment. The rules live in campaign.letters.services; the forms show its refusals."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.letters.models import AssessmentResult
from orgs.models import Member


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class UnitForm(forms.Form):
    """Step one of issuing: which unit (then its people are offered as the leader)."""

    org = forms.ModelChoiceField(
        label=_("责任单位"),
        queryset=None,
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("请选择责任单位。"), "invalid_choice": _("请从列表中选择责任单位。")},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = units
        self.fields["org"].label_from_instance = lambda organization: (
            "\u3000" * max(organization.depth - 1, 0) + str(organization)
        )


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member: Member) -> str:
        role = member.role_display
        return f"{member.name}（{role}）" if role else member.name


class LetterForm(forms.Form):
    leader = LeaderChoiceField(
        label=_("责任人"),
        queryset=None,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("请选择责任人。"), "invalid_choice": _("请从本单位人员中选择责任人。")},
    )
    indicators = forms.ModelMultipleChoiceField(
        label=_("目标指标"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        help_text=_("从本活动的考核评分表中选择责任人负责的指标，年终按这些指标的得分考核。"),
        error_messages={"invalid_choice": _("请从考核评分表中选择目标指标。")},
    )
    terms = forms.CharField(
        label=_("责任内容"),
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
        required=False,
        max_length=5000,
        help_text=_("评分表之外的责任和要求，例如“确保五个到位，力争实现三无”。"),
    )
    signed_on = forms.DateField(
        label=_("签订日期"),
        widget=DateInput(attrs={"class": "form-control"}),
        error_messages={"required": _("请填写签订日期。"), "invalid": _("请按“年-月-日”填写日期。")},
    )

    def __init__(self, *args, leaders=None, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        if leaders is None:  # changing a letter: the leader stays
            del self.fields["leader"]
        else:
            self.fields["leader"].queryset = leaders
        self.fields["indicators"].queryset = indicators
        self.fields["indicators"].label_from_instance = lambda indicator: (
            _("%(name)s（%(points)s 分）")
            % {
                "name": indicator.name,
                "points": indicator.max_points,
            }
        )


class AssessmentForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("考核期"),
        queryset=None,
        error_messages={"required": _("请选择考核期。"), "invalid_choice": _("请从本活动的考核期中选择。")},
    )
    result = forms.ChoiceField(
        label=_("考核结果"),
        choices=AssessmentResult.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("请选择考核结果。"), "invalid_choice": _("请选择考核结果。")},
    )
    comment = forms.CharField(
        label=_("考核评语"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        required=False,
        max_length=2000,
        help_text=_("评为高于建议的等次时必须写明理由。"),
    )

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = periods
        self.fields["period"].widget = forms.HiddenInput()
