"""Forms of the 党群共建 pages; the rules are in campaign.pairing.services, which checks
everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.forms import DateInput
from campaign.pairing.models import HonourKind, HonourLevel, PairKind
from pledges.forms import MultipleFileField

PHOTO_HELP = _("JPEG、PNG、WebP 图片或 PDF，每条最多 9 个，每个不超过 10 MB。")


def _units(label, help_text=""):
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=None,
        to_field_name="code",
        required=False,
        help_text=help_text,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class PairForm(forms.Form):
    kind = forms.ChoiceField(label=_("结对形式"), choices=PairKind.choices)
    name = forms.CharField(label=_("结对名称"), max_length=100)
    helpers = _units(_("帮扶方"), _("先进单位；可按住 Ctrl 多选。"))
    helped = _units(_("受帮扶方"), _("后进单位，结对前后的工作数据将对比显示。"))
    partners = _units(_("共建方"), _("平等共建（如手拉手、城乡结对）的单位。"))
    goals = forms.CharField(label=_("共建目标"), widget=forms.Textarea(attrs={"rows": 4}))
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("helpers", "helped", "partners"):
            self.fields[name].queryset = units

    def members(self) -> list[tuple]:
        data = self.cleaned_data
        return (
            [(unit, "helper") for unit in data["helpers"]]
            + [(unit, "helped") for unit in data["helped"]]
            + [(unit, "partner") for unit in data["partners"]]
        )


class ActivityForm(forms.Form):
    held_on = forms.DateField(label=_("活动日期"), widget=DateInput)
    title = forms.CharField(label=_("活动名称"), max_length=100)
    content = forms.CharField(label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 5}))
    participants = forms.IntegerField(label=_("参加人数"), min_value=1, max_value=100000)
    photos = MultipleFileField(label=_("照片"), required=False, help_text=PHOTO_HELP)


class HonourForm(forms.Form):
    kind = forms.ChoiceField(label=_("荣誉类别"), choices=HonourKind.choices)
    level = forms.ChoiceField(label=_("授予级别"), choices=HonourLevel.choices)
    title = forms.CharField(label=_("荣誉名称"), max_length=100)
    awarded_to = forms.CharField(label=_("获得者"), max_length=100, help_text=_("获得荣誉的集体或个人。"))
    awarded_on = forms.DateField(label=_("授予日期"), widget=DateInput)
    citation = forms.CharField(label=_("主要事迹"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label=_("照片"), required=False, help_text=PHOTO_HELP)


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("会议日期"), widget=DateInput)
    convener = forms.ModelChoiceField(label=_("召集单位"), queryset=None, to_field_name="code")
    attendee_organizations = forms.ModelMultipleChoiceField(
        label=_("参会单位"),
        queryset=None,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可按住 Ctrl 多选。"),
    )
    attendees = forms.CharField(
        label=_("参会人员"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("姓名和职务。")
    )
    topics = forms.CharField(label=_("会议议题"), widget=forms.Textarea(attrs={"rows": 3}))
    decisions = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, conveners, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convener"].queryset = conveners
        self.fields["attendee_organizations"].queryset = units


class TaskForm(forms.Form):
    text = forms.CharField(label=_("落实事项"), max_length=200)
    responsible = forms.ChoiceField(label=_("责任单位"))
    deadline = forms.DateField(label=_("完成时限"), widget=DateInput)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {organization.code: organization for organization in organizations}
        self.fields["responsible"].choices = [(code, unit.name) for code, unit in self.organizations.items()]

    def clean_responsible(self):
        return self.organizations[self.cleaned_data["responsible"]]


class TaskDoneForm(forms.Form):
    done = forms.BooleanField(label=_("已完成"), required=False)
    done_on = forms.DateField(label=_("完成日期"), required=False, widget=DateInput)
    note = forms.CharField(label=_("落实情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
