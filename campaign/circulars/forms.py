"""Forms of the circulars' pages; the rules are in campaign.circulars.services, which they call."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.models import Campaign
from campaign.circulars.letterhead import letterhead, recipient_choices
from campaign.circulars.models import Circular, CircularKind
from campaign.circulars.periods import period_choices
from campaign.circulars.services import CITING_KINDS, CircularInput
from campaign.circulars.snapshots import has_monthly_circular
from campaign.dispatch.models import DispatchTask
from campaign.scores.models import ScorePeriod
from orgs.models import Organization


def kinds_offered(campaign: Campaign) -> list[tuple[str, str]]:
    """The kinds of circular the campaign can have: a monthly circular (月通报) only when
    its sheet has measured indicators or it keeps an incident register. Two queries."""
    measured = has_monthly_circular(campaign)
    return [(value, label) for value, label in CircularKind.choices if value != CircularKind.MONTHLY or measured]


class CircularTextsForm(forms.Form):
    """What the office writes around the data: title, addressees, preamble, closing,
    attachments and the letterhead. Empty title and addressee take the defaults."""

    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    recipients = forms.ModelMultipleChoiceField(
        label=_("主送单位"),
        queryset=Organization._base_manager.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个主送单位。")},
        help_text=_("通报发给这些单位，并由它们传达到下级；通报中点名的组织也能看到。"),
    )
    addressee = forms.CharField(
        label=_("主送机关（文字）"),
        max_length=300,
        required=False,
        help_text=_("留空则按所选单位自动生成，如“各乡镇党委，县直各单位党组织”。"),
    )
    preamble = forms.CharField(
        label=_("开头语"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("印在正文数据之前，例如通报的依据和目的。"),
    )
    closing = forms.CharField(
        label=_("结束语"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("印在正文数据之后，例如工作要求。"),
    )
    attachments = forms.CharField(
        label=_("附件"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("每行一个附件名称。")
    )
    issuer_name = forms.CharField(label=_("发文机关标志"), max_length=100, required=False)
    number_prefix = forms.CharField(
        label=_("发文机关代字"), max_length=20, required=False, help_text=_("如“肃创办”，文号为“肃创办〔2012〕3号”。")
    )

    def __init__(self, *args, campaign: Campaign, circular: Circular | None = None, kind: str | None = None, **kwargs):
        if circular is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": circular.title,
                    "recipients": list(circular.recipients.all()),
                    "addressee": circular.addressee,
                    "preamble": circular.preamble,
                    "closing": circular.closing,
                    "attachments": "\n".join(circular.attachments or []),
                    "issuer_name": circular.issuer_name,
                    "number_prefix": circular.number_prefix,
                    "cited_task": circular.cited_task_id,
                },
            )
        super().__init__(*args, **kwargs)
        if (circular.kind if circular is not None else kind) in CITING_KINDS:
            self.fields["cited_task"] = forms.ModelChoiceField(
                label=_("通报工作部署的报送情况"),
                queryset=DispatchTask._base_manager.filter(
                    campaign=campaign, sender__path__startswith=campaign.organization.path
                ).order_by("-deadline", "-pk"),
                required=False,
                empty_label=_("（不通报）"),
                error_messages={"invalid_choice": _("所选工作部署无效，请重新选择。")},
                help_text=_("选择一项工作部署，通报中写明按时报送、逾期报送和未报送的单位。"),
            )
        choices = recipient_choices(campaign.organization)
        self.fields["recipients"].queryset = choices
        if circular is None:
            issuer_name, prefix = letterhead(campaign.organization)
            self.fields["recipients"].initial = list(choices)
            self.fields["issuer_name"].initial = issuer_name
            self.fields["number_prefix"].initial = prefix

    def texts(self) -> CircularInput:
        data = self.cleaned_data
        return CircularInput(
            title=data["title"],
            addressee=data["addressee"],
            recipients=list(data["recipients"]),
            preamble=data["preamble"],
            closing=data["closing"],
            attachments=data["attachments"].splitlines(),
            issuer_name=data["issuer_name"],
            number_prefix=data["number_prefix"],
            cited_task=data.get("cited_task"),
        )


class CircularCreateForm(CircularTextsForm):
    """A new draft: the period (a score period for a ranking) comes first."""

    field_order = ["period", "score_period", "title"]

    def __init__(self, *args, campaign: Campaign, kind: str, today: datetime.date, **kwargs):
        super().__init__(*args, campaign=campaign, kind=kind, **kwargs)
        self.kind = kind
        if kind == CircularKind.RANKING:
            self.fields["score_period"] = forms.ModelChoiceField(
                label=_("考核期"),
                queryset=ScorePeriod.objects.filter(campaign=campaign, finalized_at__isnull=False).order_by(
                    "-last_month", "-pk"
                ),
                empty_label=None,
                error_messages={"required": _("请选择已定稿的考核期。")},
                help_text=_("只能通报已定稿的考核期，其排名不再变化。"),
            )
        else:
            spans = period_choices(campaign, kind, today=today)
            self.fields["period"] = forms.TypedChoiceField(
                label=_("通报期间"),
                choices=[(span.start.isoformat(), span.label) for span in spans],
                coerce=datetime.date.fromisoformat,
                error_messages={"required": _("请选择通报期间。")},
            )
        self.order_fields(self.field_order)
        self.fields["title"].help_text = _("留空则按类别和期间自动生成，如“关于2012年下半年群众评议结果的通报”。")
