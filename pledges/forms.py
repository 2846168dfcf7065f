"""Forms for filing pledges and deciding on them. They validate input only; the writes
are in pledges.services and pledges.lifecycle."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.models import StandardDimension, StandardSubject
from pledges.models import Fulfillment, Opinion, Pledge, PledgeItem, PledgeKind, PublicationChannel

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.organization.name}）"


class _NewPledgeForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("活动"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("承诺类型"), choices=PledgeKind.choices, initial=PledgeKind.ANNUAL)
    title = forms.CharField(
        label=_("承诺标题"),
        max_length=200,
        help_text=_("例如：红湾社区党支部2011年度公开承诺。"),
    )

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns
        if len(campaigns) == 1:
            self.fields["campaign"].widget = forms.HiddenInput()


class OrganizationPledgeForm(_NewPledgeForm):
    organization = forms.ModelChoiceField(label=_("承诺组织"), queryset=None)

    field_order = ["campaign", "organization", "kind", "title"]

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class MemberPledgeForm(_NewPledgeForm):
    member = MemberChoiceField(label=_("承诺党员"), queryset=None)

    field_order = ["campaign", "member", "kind", "title"]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class PledgeForm(forms.ModelForm):
    class Meta:
        model = Pledge
        fields = ["kind", "title"]


class OpinionForm(forms.ModelForm):
    class Meta:
        model = Opinion
        fields = ["solicited_on", "method", "summary"]
        widgets = {
            "solicited_on": DATE_WIDGET,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "summary": _("群众提了哪些意见建议，谁提的、多少人次，尽量照实记录。"),
        }


class PledgeItemForm(forms.ModelForm):
    # Declared here rather than in Meta.fields: a model form would build the choices
    # at import time, when no scope is active; they are set per pledge below.
    dimension = forms.ModelChoiceField(label=_("对应标准"), queryset=None, required=False)

    field_order = ["target", "work", "practical_things", "dimension", "due_date", "measurable_result"]

    class Meta:
        model = PledgeItem
        fields = ["target", "work", "practical_things", "due_date", "measurable_result"]
        widgets = {
            "target": forms.Textarea(attrs={"rows": 2}),
            "work": forms.Textarea(attrs={"rows": 3}),
            "practical_things": forms.Textarea(attrs={"rows": 2}),
            "due_date": DATE_WIDGET,
            "measurable_result": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "target": _("要争创成什么样，例如：建成群众满意的便民服务站。"),
            "work": _("具体做哪些工作，谁来做。"),
            "practical_things": _("为群众办的实事，例如：代办低保、医保等事项。"),
            "measurable_result": _("到什么时候、达到什么数量，例如：2011年6月底前开放，每月代办事项不少于30件。"),
        }

    def __init__(self, *args, pledge: Pledge, **kwargs):
        super().__init__(*args, **kwargs)
        subject = StandardSubject.MEMBER if pledge.member_id else StandardSubject.ORGANIZATION
        dimension = self.fields["dimension"]
        dimension.queryset = StandardDimension.objects.filter(
            standard__campaign_id=pledge.campaign_id, standard__subject=subject
        ).order_by("order", "pk")
        dimension.empty_label = _("（请选择）")
        if self.instance.pk:
            dimension.initial = self.instance.dimension_id


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("退回时请写明理由，方便对方修改。")},
    )


class PublishForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("公示方式"),
        choices=PublicationChannel.choices,
        error_messages={"required": _("请选择公示方式。")},
    )
    published_on = forms.DateField(
        label=_("公示日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写公示日期。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["published_on"].initial = timezone.localdate()


class AssessForm(forms.Form):
    fulfillment = forms.ChoiceField(
        label=_("兑现情况"),
        choices=Fulfillment.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择兑现情况。")},
    )
    comment = forms.CharField(
        label=_("评定意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明评定意见。")},
    )
