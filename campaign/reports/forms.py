"""Forms of the 信息上报 pages; the rules are in campaign.reports.services."""

from django import forms
from django.utils.translation import gettext_lazy

from campaign.campaigns.forms import DateInput
from campaign.reports.models import AdoptionLevel, InfoReportCategory
from pledges.forms import MultipleFileField


class InfoReportForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=InfoReportCategory.choices)
    reported_on = forms.DateField(label=gettext_lazy("报送日期"), widget=DateInput)
    body = forms.CharField(label=gettext_lazy("正文"), widget=forms.Textarea(attrs={"rows": 8}))
    photos = MultipleFileField(
        label=gettext_lazy("图片"),
        required=False,
        help_text=gettext_lazy("JPEG、PNG、WebP 图片或 PDF，每条最多 9 个，每个不超过 10 MB。"),
    )


class AdoptForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("采用级别"), choices=AdoptionLevel.choices)
