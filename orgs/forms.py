from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from orgs.models import UNGRADED_LABEL, Grade, Organization
from orgs.roster.format import ImportKind, read_roster_file
from orgs.sheets.reading import ImportFileError, check_upload


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入。"),
        "inactive": _("该账号已停用，请联系活动办公室。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("登录"), css_class="w-100 btn-lg"))


class RosterUploadForm(forms.Form):
    """Chooses what is imported and takes the file; the file's rows are checked later, in the preview."""

    kind = forms.ChoiceField(label=_("导入内容"), choices=ImportKind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（.csv）文件，第一行是列名。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("上传并预览")))

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        kind = cleaned.get("kind")
        if upload is None or kind is None:
            return cleaned
        try:
            extension = check_upload(upload, filename=upload.name, size=upload.size)
            # Open the file and find its header now, so that a wrong file is refused
            # at once with its reason; the rows themselves are checked in the preview.
            read_roster_file(upload, kind=kind, extension=extension, limit=1)
        except ImportFileError as error:
            self.add_error("file", str(error))
            return cleaned
        finally:
            upload.seek(0)
        cleaned["extension"] = extension
        return cleaned


class OrganizationDescribeForm(forms.ModelForm):
    """等级 and 单位类型: what a system campaign's ranking groups units by."""

    class Meta:
        model = Organization
        fields = ["grade", "unit_type"]
        labels = {"grade": _("单位等级")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", UNGRADED_LABEL), *Grade.choices]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("保存")))
