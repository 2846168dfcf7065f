"""Forms of the 典型培树 pages; the rules are in campaign.nominations.services."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.nominations.models import ModelTitle
from orgs.models import Organization


class NominationForm(forms.Form):
    nominee = forms.ChoiceField(label=gettext_lazy("推荐对象"))
    title = forms.ChoiceField(
        label=gettext_lazy("推荐称号"),
        required=False,
        help_text=gettext_lazy("党员可推荐为优秀共产党员；评单位全体职工的活动还可推荐模范职工、先进青年、巾帼标兵。"),
    )
    deeds = forms.CharField(label=gettext_lazy("主要事迹"), widget=forms.Textarea(attrs={"rows": 8}))
    opinion = forms.CharField(label=gettext_lazy("推荐意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organization: Organization, members, titles: list[str], **kwargs):
        """``titles``: the honours the campaign gives (the service checks each nominee's)."""
        super().__init__(*args, **kwargs)
        organization_label = _("本组织：%(name)s") % {"name": organization.name}
        member_choices = [(str(m.pk), m.name) for m in members]
        self.fields["nominee"].choices = [("org", organization_label), *member_choices]
        usual = ("", _("常用称号（组织为先进基层党组织，党员为优秀共产党员）"))
        self.fields["title"].choices = [usual, *((value, ModelTitle(value).label) for value in titles)]


class NominationOpinionForm(forms.Form):
    opinion = forms.CharField(label=gettext_lazy("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
