"""Forms of the incident register; the rules are in campaign.incidents.services, which
checks everything again."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.forms import capped_inline_formset
from campaign.campaigns.models import Campaign
from campaign.incidents.models import IncidentKind, Severity, Timeliness
from campaign.incidents.selectors import kind_limits_text
from campaign.incidents.services import IncidentKindInput, kind_problems

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def datetime_field(label, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    """A moment to the minute, as <input type="datetime-local"> sends it."""
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"invalid": _("请按“年-月-日 时:分”填写时间。")},
    )


class IncidentForm(forms.Form):
    """A unit's report; with ``found`` an inspection group's or the office's finding."""

    organization = forms.ModelChoiceField(label=_("发生单位"), queryset=None, to_field_name="code")
    kind = forms.ModelChoiceField(label=_("情况类别"), queryset=None)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    occurred_at = datetime_field(_("发生时间"))
    phoned_at = datetime_field(_("电话报告时间"), required=False)
    written_at = datetime_field(_("书面报告时间"), required=False)
    summary = forms.CharField(label=_("基本情况"), widget=forms.Textarea(attrs={"rows": 5}))
    actions = forms.CharField(label=_("处置情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organizations: QuerySet, kinds: QuerySet, found: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = lambda organization: organization.name
        self.fields["kind"].queryset = kinds
        self.fields["kind"].label_from_instance = _kind_label
        if found:
            self.fields["phoned_at"].help_text = _("单位确曾报告过的才填写；单位从未报告的留空，按瞒报登记。")
            self.fields["written_at"].help_text = self.fields["phoned_at"].help_text
        else:
            self.fields["written_at"].help_text = _("书面报告尚未报送的可以留空，报送后在详情页补充。")


def _kind_label(kind: IncidentKind) -> str:
    return gettext("%(name)s（%(limits)s）") % {"name": kind.name, "limits": kind_limits_text(kind)}


class IncidentUpdateForm(forms.Form):
    written_at = datetime_field(_("书面报告时间"), required=False)
    actions = forms.CharField(label=_("处置情况"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    follow_up = forms.CharField(label=_("后续整改"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class IncidentFilterForm(forms.Form):
    timeliness = forms.ChoiceField(label=_("报告情况"), required=False, choices=[("", _("全部")), *Timeliness.choices])
    org = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)


class IncidentKindForm(forms.ModelForm):
    class Meta:
        model = IncidentKind
        fields = ["name", "phone_limit_hours", "written_limit_hours", "veto_rule"]


class BaseIncidentKindFormSet(forms.BaseInlineFormSet):
    def kept_forms(self) -> list[forms.ModelForm]:
        """Forms for kinds that stay or are added (not deleted, not left blank)."""
        return [
            form for form in self.forms if form not in self.deleted_forms and (form.instance.pk or form.has_changed())
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        problems = kind_problems(campaign=self.instance, kinds=self.kind_inputs())
        if problems:
            raise forms.ValidationError(problems)

    def kind_inputs(self) -> list[IncidentKindInput]:
        return [
            IncidentKindInput(
                name=form.cleaned_data["name"],
                phone_limit_hours=form.cleaned_data["phone_limit_hours"],
                written_limit_hours=form.cleaned_data["written_limit_hours"],
                veto_rule=form.cleaned_data["veto_rule"],
                kind=form.instance if form.instance.pk else None,
            )
            for form in self.kept_forms()
        ]


IncidentKindFormSet = capped_inline_formset(
    Campaign, IncidentKind, form=IncidentKindForm, formset=BaseIncidentKindFormSet, most=30
)
