"""Forms of the pledge pages: filing a pledge and deciding on it, recording progress
(践诺), rectification tasks and 挂牌督办, the coverage filters and the progress sheet
upload. They validate input only; the writes are in pledges.services, pledges.lifecycle,
pledges.progress, pledges.rectification and pledges.progress_sheet."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaign.campaigns.models import Campaign, StandardDimension, StandardSubject
from campaign.infra.search import SEARCH_MAX_LENGTH
from orgs.models import Member, Organization, Sector
from orgs.sheets.reading import ImportFileError, check_upload
from pledges.models import (
    Fulfillment,
    Opinion,
    Pledge,
    PledgeItem,
    PledgeKind,
    PublicationChannel,
    Rectification,
    RectificationStatus,
)
from pledges.progress import EVIDENCE_MAX_BYTES, EVIDENCE_MAX_FILES, EvidenceType
from pledges.progress_sheet import read_progress_sheet
from pledges.rectification import supervisor_candidates
from pledges.services import member_pledge_problem

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
    member = MemberChoiceField(label=_("承诺人"), queryset=None)

    field_order = ["campaign", "member", "kind", "title"]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members

    def clean(self):
        cleaned = super().clean()
        campaign, member = cleaned.get("campaign"), cleaned.get("member")
        # The choices follow the campaign in use; another one may be chosen in the form.
        problem = campaign and member and member_pledge_problem(campaign, member)
        if problem:
            self.add_error("member", problem)
        return cleaned


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


# ---------------------------------------------------------------------------
# 践诺: recording progress with evidence
# ---------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the form's cleaned value is a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(EvidenceType.values)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(upload, initial) for upload in uploads if upload]


class ProgressForm(forms.Form):
    recorded_on = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    text = forms.CharField(
        label=_("进展情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写清做了什么、为群众办成了什么，尽量有时间、数量。"),
    )
    marks_done = forms.BooleanField(label=_("该事项已全部完成"), required=False)
    files = MultipleFileField(label=_("佐证材料"), required=False)
    evidence_public = forms.BooleanField(
        label=_("佐证材料在公开栏展示"),
        required=False,
        initial=True,
        help_text=_("含有群众姓名、身份证号、电话等个人信息的材料，请取消勾选。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = gettext(
            "可选多个文件：JPEG、PNG、WebP 照片或 PDF，每个不超过 %(mb)s MB，最多 %(count)s 个。"
            "照片中的拍摄位置等信息会被去除。"
        ) % {"mb": EVIDENCE_MAX_BYTES // 2**20, "count": EVIDENCE_MAX_FILES}
        self.fields["recorded_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext("保存进展"), css_class="btn-lg"))

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > EVIDENCE_MAX_FILES:
            raise ValidationError(gettext("每条进展最多上传 %(count)s 个佐证材料。") % {"count": EVIDENCE_MAX_FILES})
        return files


# ---------------------------------------------------------------------------
# 集中核查: rectification tasks and 挂牌督办
# ---------------------------------------------------------------------------


class RectificationForm(forms.ModelForm):
    """The task as the responsible organization writes it; the service checks it again."""

    class Meta:
        model = Rectification
        fields = ["campaign", "source", "category", "problem", "measure", "owner", "deadline", "member", "pledge_item"]
        widgets = {
            "deadline": DATE_WIDGET,
            "category": forms.TextInput(attrs={"list": "rectification-categories", "autocomplete": "off"}),
            "problem": forms.Textarea(attrs={"rows": 3}),
            "measure": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "category": _("同类问题用同一个类别，整改完成后按类别向群众公开。"),
            "owner": _("例如：支部书记 张某某"),
        }

    # Declared with their querysets set per request: a scoped manager cannot be queried
    # when the form class is built at import time.
    campaign = forms.ModelChoiceField(label=_("活动"), queryset=None)
    member = forms.ModelChoiceField(label=_("责任党员"), queryset=None, required=False)
    pledge_item = forms.ModelChoiceField(label=_("相关承诺事项"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=_("整改状态"),
        # Reported done is reached through the report page, which asks for the result and
        # evidence; signed off only through sign-off, by someone other than the unit.
        choices=[
            choice
            for choice in RectificationStatus.choices
            if choice[0] not in (RectificationStatus.SOLVED, RectificationStatus.VERIFIED)
        ],
        required=False,
    )

    def __init__(self, *args, organization: Organization, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["campaign"].queryset = Campaign.objects.order_by("-starts_on", "-pk")
        self.fields["member"].queryset = Member.objects.filter(organization=organization).order_by("name")
        items = PledgeItem.objects.filter(pledge__organization=organization, pledge__published_version__gt=0)
        # A task belongs to one campaign: offer its pledge items, not another campaign's
        # (clean refuses a mismatch that a changed campaign choice would make).
        campaign_id = self.instance.campaign_id if editing else self.initial.get("campaign")
        if campaign_id and not self.is_bound:
            items = items.filter(pledge__campaign_id=campaign_id)
        elif editing:
            items = items.filter(pledge__campaign_id=campaign_id)
        self.fields["pledge_item"].queryset = items.select_related("pledge")
        self.fields["pledge_item"].label_from_instance = lambda item: f"{item.pledge.title}：{item.target[:30]}"
        if editing:
            del self.fields["campaign"]
            if self.instance.status in (RectificationStatus.SOLVED, RectificationStatus.VERIFIED):
                del self.fields["status"]
            else:
                self.fields["status"].initial = self.instance.status
                self.fields["status"].required = True
        else:
            del self.fields["status"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext("保存"), css_class="btn-lg"))

    def clean(self):
        cleaned = super().clean()
        campaign = cleaned.get("campaign") or getattr(self.instance, "campaign", None)
        if campaign is not None and not self.organization.is_within(campaign.organization):
            self.add_error("campaign", gettext("该组织不在这项活动的范围内。"))
        item = cleaned.get("pledge_item")
        if campaign is not None and item is not None and item.pledge.campaign_id != campaign.pk:
            self.add_error("pledge_item", gettext("这项承诺事项不属于所选的活动。"))
        return cleaned


class ReportDoneForm(forms.Form):
    """报告整改完成: the result, the day, and photos or scans for whoever signs it off."""

    result = forms.CharField(
        label=_("整改结果"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明整改后的实际效果，验收时据此核对；公开后这段文字将向群众展示。"),
        error_messages={"required": _("请填写整改结果。")},
    )
    solved_on = forms.DateField(
        label=_("完成日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写完成日期。"), "invalid": _("请按“年-月-日”填写日期。")},
    )
    files = MultipleFileField(label=_("佐证材料"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = gettext(
            "整改前后的照片、会议记录、制度文件的扫描件等：JPEG、PNG、WebP 照片或 PDF，"
            "每个不超过 %(mb)s MB，最多 %(count)s 个。照片中的拍摄位置等信息会被去除。"
        ) % {"mb": EVIDENCE_MAX_BYTES // 2**20, "count": EVIDENCE_MAX_FILES}
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext("报告整改完成"), css_class="btn-lg"))

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > EVIDENCE_MAX_FILES:
            raise ValidationError(gettext("每项整改最多上传 %(count)s 个佐证材料。") % {"count": EVIDENCE_MAX_FILES})
        return files


class SignOffForm(forms.Form):
    """验收: sign the task off, or send it back; a send-back needs the reason."""

    SIGN_OFF = "sign_off"
    SEND_BACK = "send_back"

    decision = forms.ChoiceField(
        label=_("验收结论"),
        choices=[(SIGN_OFF, _("验收合格，销号")), (SEND_BACK, _("不合格，退回重改"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择验收结论。")},
    )
    note = forms.CharField(
        label=_("验收意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("退回时必须写明理由，责任单位会看到。"),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.SEND_BACK and not cleaned.get("note", "").strip():
            self.add_error("note", gettext("退回时请写明理由，让责任单位知道还要做什么。"))
        return cleaned


class SupervisionForm(forms.Form):
    supervisor = forms.ModelChoiceField(label=_("督办人"), queryset=None)
    deadline = forms.DateField(label=_("督办时限"), widget=DATE_WIDGET)
    notes = forms.CharField(label=_("督办要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, organization: Organization, user, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = supervisor_candidates(organization=organization, by=user)
        self.fields["supervisor"].queryset = candidates
        self.fields["supervisor"].label_from_instance = lambda account: (
            gettext("%(name)s（%(organization)s）")
            % {
                "name": account.display_name,
                "organization": account.organization.name,
            }
        )
        if any(account.pk == user.pk for account in candidates):
            self.fields["supervisor"].initial = user.pk
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext("挂牌督办"), css_class="btn-lg btn-danger"))


class FollowUpForm(forms.Form):
    noted_on = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("跟踪情况"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["noted_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False


class CloseForm(forms.Form):
    closing_note = forms.CharField(label=_("销号说明"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


# ---------------------------------------------------------------------------
# 全覆盖: the coverage filters, and uploading a filled-in progress sheet
# ---------------------------------------------------------------------------


class CoverageFilterForm(forms.Form):
    campaign = forms.ChoiceField(label=_("活动"), required=False)
    org = forms.ChoiceField(label=_("组织"), required=False)
    sector = forms.ChoiceField(label=_("领域"), required=False, choices=[("", _("全部领域")), *Sector.choices])
    kind = forms.ChoiceField(label=_("承诺类型"), required=False, choices=[("", _("全部类型")), *PledgeKind.choices])
    # Cut to SEARCH_MAX_LENGTH by the view, as every search box is, rather than refused.
    q = forms.CharField(
        label=_("组织名称"), required=False, widget=forms.TextInput(attrs={"maxlength": SEARCH_MAX_LENGTH})
    )

    def __init__(self, *args, campaigns: list[Campaign], organizations: list[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(str(campaign.pk), campaign.name) for campaign in campaigns]
        self.fields["org"].choices = [("", gettext("全部（本级及下级）"))] + [
            (organization.code, organization.name) for organization in organizations
        ]
        self.fields["q"].widget.attrs["placeholder"] = gettext("输入组织名称的一部分")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "coverage-filters"
        self.helper.layout = Layout(
            Row(
                Column("campaign", css_class="col-12 col-md-4"),
                Column("org", css_class="col-12 col-md-4"),
                Column("sector", css_class="col-6 col-md-2"),
                Column("kind", css_class="col-6 col-md-2"),
            ),
            Row(Column("q", css_class="col-12 col-md-8")),
        )
        self.helper.add_input(Submit("", gettext("筛选"), css_class="btn-danger"))


class ProgressSheetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("填好的进展表"),
        help_text=_("从本系统下载、填写后保存的 Excel（.xlsx）文件。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext("上传并预览"), css_class="btn-danger"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            extension = check_upload(upload, filename=upload.name, size=upload.size)
            if extension != ".xlsx":
                raise ImportFileError(gettext("请上传从本系统下载并填写好的进展表（.xlsx），不要另存为 CSV。"))
            # Find the header now, so that a wrong file is refused at once with its reason.
            read_progress_sheet(upload)
        except ImportFileError as error:
            raise ValidationError(str(error)) from None
        finally:
            upload.seek(0)
        return upload
