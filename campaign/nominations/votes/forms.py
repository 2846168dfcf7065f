"""The office's form for holding a public vote; the rules are in campaign.nominations.votes.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from campaign.nominations.votes.services import (
    MAX_VOTE_CODES,
)
from reviews.forms import datetime_field


class PublicVoteForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("票选名称"), max_length=100, help_text=gettext_lazy("如“2011年第一季度先进典型公示票选”。")
    )
    notice = forms.CharField(
        label=gettext_lazy("票选说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("投票页面上给群众看的说明，如评选范围、投票办法。"),
    )
    opens_at = datetime_field(gettext_lazy("开始时间"))
    closes_at = datetime_field(gettext_lazy("截止时间"))
    max_choices = forms.IntegerField(
        label=gettext_lazy("每张最多可选（个）"), min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    code_count = forms.IntegerField(
        label=gettext_lazy("投票码数量（张）"),
        min_value=1,
        max_value=MAX_VOTE_CODES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    nominations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("参加票选的典型"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个参加票选的典型。")},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominations"].queryset = candidates
        self.candidates = list(candidates)

    def candidate_rows(self) -> list[dict]:
        """Per candidate what the template draws: the nomination and whether it is ticked."""
        ticked = {str(value) for value in (self["nominations"].value() or [])}
        return [{"nomination": n, "checked": str(n.pk) in ticked} for n in self.candidates]
