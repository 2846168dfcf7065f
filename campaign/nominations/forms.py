"""Forms of the 典型培树 pages; the rules are in campaign.nominations.services."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import Organization


class NominationForm(forms.Form):
    nominee = forms.ChoiceField(label=gettext_lazy("推荐对象"))
    deeds = forms.CharField(label=gettext_lazy("主要事迹"), widget=forms.Textarea(attrs={"rows": 8}))
    opinion = forms.CharField(label=gettext_lazy("推荐意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organization: Organization, members, **kwargs):
        super().__init__(*args, **kwargs)
        organization_label = _("先进基层党组织：%(name)s") % {"name": organization.name}
        member_choices = [(str(m.pk), _("优秀共产党员：%(name)s") % {"name": m.name}) for m in members]
        self.fields["nominee"].choices = [("org", organization_label), *member_choices]


class NominationOpinionForm(forms.Form):
    opinion = forms.CharField(label=gettext_lazy("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
