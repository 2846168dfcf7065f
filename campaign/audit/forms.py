"""The audit log's filter: a kind of record and a span of dates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.audit.selectors import AUDITED


class AuditFilter(forms.Form):
    kind = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部"))] + [(a.key, a.label) for a in AUDITED],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    since = forms.DateField(
        label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    until = forms.DateField(
        label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput)
