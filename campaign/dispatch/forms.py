"""Forms of the 工作部署 pages; the rules are in campaign.dispatch.services, which they call."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.forms import DateInput
from orgs.models import Organization
from pledges.forms import MultipleFileField

FILES_HELP = _("JPEG、PNG、WebP 图片或 PDF，最多 9 个，每个不超过 10 MB。")


class RecipientsField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # A forged number past the database's integers is no choice: refused here, before
        # SQLite would overflow on it.
        if any(str(key).isdigit() and len(str(key)) > 18 for key in value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)


class DispatchTaskForm(forms.Form):
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        error_messages={"required": _("请填写标题。")},
        help_text=_("如“关于报送公开承诺兑现情况的通知”。"),
    )
    body = forms.CharField(
        label=_("工作要求"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("请填写工作要求。")},
    )
    deadline = forms.DateField(
        label=_("报送时限"),
        widget=DateInput,
        error_messages={"required": _("请填写报送时限。"), "invalid": _("请按“年-月-日”填写报送时限。")},
    )
    written_return_required = forms.BooleanField(
        label=_("需要书面报告"), required=False, initial=True, help_text=_("不勾选则承办单位简要报送办理情况即可。")
    )
    recipients = RecipientsField(
        label=_("承办单位"),
        queryset=Organization._base_manager.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个承办单位。"), "invalid_choice": _("所选承办单位无效。")},
    )
    attachments = MultipleFileField(label=_("附件"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = organizations


class DispatchReturnForm(forms.Form):
    text = forms.CharField(
        label=_("报告内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("写清做了哪些工作、取得了什么效果、还有什么问题。"),
    )
    files = MultipleFileField(label=_("书面报告文件"), required=False, help_text=FILES_HELP)


class ExtensionRequestForm(forms.Form):
    until = forms.DateField(
        label=_("申请延期至"),
        widget=DateInput,
        error_messages={"required": _("请填写申请延期到哪一天。"), "invalid": _("请按“年-月-日”填写日期。")},
    )
    reason = forms.CharField(
        label=_("延期理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写延期理由。")},
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批意见"),
        choices=[("grant", _("同意延期")), ("refuse", _("不同意延期"))],
        error_messages={"required": _("请选择同意或不同意。"), "invalid_choice": _("请选择同意或不同意。")},
    )
    until = forms.DateField(
        label=_("延期至"),
        widget=DateInput,
        required=False,
        help_text=_("留空则按申请的日期。"),
        error_messages={"invalid": _("请按“年-月-日”填写日期。")},
    )
