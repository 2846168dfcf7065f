"""Forms for running an evaluation round, for writing a leader review (领导点评), and the
code-entry form of the public ballots (reviews.public_ballot). They check input only; the
writes and the rules that hold whatever the caller (code counts, states, who may) are in
reviews.rounds, reviews.paper and reviews.reviewing."""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.campaigns.models import StandardDimension
from orgs.models import Member
from reviews.ballots import COMMENT_MAX_LENGTH, BallotPaper
from reviews.models import (
    BriefingKind,
    ChoiceCounting,
    EvaluationSubject,
    EvaluatorCategory,
    Grade,
    Review,
    ReviewForm,
)
from reviews.reviewing import SECTION_FIELDS
from reviews.rounds import MAX_CODES_PER_CATEGORY

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def code_field_name(category: str) -> str:
    return f"codes_{category}"


def default_period(today: datetime.date) -> str:
    if today.month <= 6:
        return _("%(year)s年上半年") % {"year": today.year}
    return _("%(year)s年下半年") % {"year": today.year}


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        # Indented by depth, so a long list still reads as the tree it is.
        return "　" * obj.depth + obj.name


class RoundForm(forms.Form):
    """A round's settings; with ``campaigns`` and ``organizations`` also where it runs
    (creating), without them only what may change in a draft (editing)."""

    campaign = forms.ModelChoiceField(label=gettext_lazy("活动"), queryset=None, empty_label=None)
    organization = OrganizationChoiceField(label=gettext_lazy("被评议组织"), queryset=None)
    period = forms.CharField(
        label=gettext_lazy("评议期间"), max_length=50, help_text=gettext_lazy("如“2010年下半年”。")
    )
    briefing_kind = forms.ChoiceField(
        label=gettext_lazy("通报形式"), choices=BriefingKind.choices, initial=BriefingKind.BRIEFING
    )
    briefing_on = forms.DateField(label=gettext_lazy("通报日期"), required=False, widget=DATE_WIDGET)
    briefing_summary = forms.CharField(
        label=gettext_lazy("通报内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("在座谈会或通报会上向评议人通报了哪些工作，如承诺践诺、整改落实情况。"),
    )
    opens_at = datetime_field(gettext_lazy("开始时间"))
    closes_at = datetime_field(gettext_lazy("截止时间"))

    def __init__(self, *args, categories: dict[str, str], campaigns=None, organizations=None, **kwargs):
        """``categories``: key → name of the evaluator categories that get codes (the
        campaign's when creating, the round's when editing)."""
        super().__init__(*args, **kwargs)
        self.category_keys = list(categories)
        if campaigns is None:
            del self.fields["campaign"]
            del self.fields["organization"]
        else:
            self.fields["campaign"].queryset = campaigns
            self.fields["organization"].queryset = organizations
            # The campaign is the one in use (the header's switcher changes it): the
            # categories below are that campaign's.
            self.fields["campaign"].widget = forms.HiddenInput()
        for value, label in categories.items():
            self.fields[code_field_name(value)] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=MAX_CODES_PER_CATEGORY,
                initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        where = [name for name in ("campaign", "organization") if name in self.fields]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *where,
            "period",
            Row(Column("briefing_kind", css_class="col-md-6"), Column("briefing_on", css_class="col-md-6")),
            "briefing_summary",
            Row(Column("opens_at", css_class="col-md-6"), Column("closes_at", css_class="col-md-6")),
            Fieldset(
                _("各类评议人的评议码数量（张，每类最多%(most)s张）") % {"most": MAX_CODES_PER_CATEGORY},
                Row(*(Column(code_field_name(value), css_class="col-6 col-md-3") for value in self.category_keys)),
            ),
        )
        self.helper.add_input(Submit("submit", _("保存"), css_class="btn-lg"))

    @classmethod
    def initial_for_new(cls, category_keys: list[str]) -> dict:
        now = timezone.localtime().replace(second=0, microsecond=0)
        # 30 slips for the masses (or the campaign's first category), as rounds usually start.
        usual = [EvaluatorCategory.PUBLIC] if EvaluatorCategory.PUBLIC in category_keys else category_keys[:1]
        return {
            "period": default_period(now.date()),
            "briefing_on": now.date(),
            "opens_at": now,
            "closes_at": now + datetime.timedelta(days=7),
            **{code_field_name(key): 30 if key in usual else 0 for key in category_keys},
        }

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("截止时间应晚于开始时间。"))
        counts = [cleaned.get(code_field_name(value)) for value in self.category_keys]
        if all(count is not None for count in counts) and not any(counts):
            raise forms.ValidationError(_("请至少为一类评议人发放评议码。"))
        campaign, organization = cleaned.get("campaign"), cleaned.get("organization")
        if campaign and organization and not organization.is_within(campaign.organization):
            self.add_error("organization", _("该组织不在这项活动的范围内。"))
        return cleaned

    def categories(self) -> dict[str, int]:
        return {value: self.cleaned_data[code_field_name(value)] for value in self.category_keys}


class SubjectAddForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("添加评议对象"), queryset=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda member: f"{member.name}（{member.role_display}）"


def count_field_name(subject_id: int, choice: str) -> str:
    return f"count_{subject_id}_{choice}"


class PaperTallyForm(forms.Form):
    """One category's tally sheet: the number of paper forms and, per subject, how many
    forms gave each choice (empty means none). Sums are checked by the service, which
    names the subject."""

    form_count = forms.IntegerField(
        label=gettext_lazy("纸质评议表总份数"),
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=gettext_lazy("收回的这一类评议人的纸质评议表共多少份。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("更正理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("已经录入过，再次保存即为更正，须写明理由，将记入修改记录。"),
    )

    def __init__(self, *args, subjects: list[EvaluationSubject], choices: dict[str, str], correcting: bool, **kwargs):
        """``choices``: key → wording of the round's choices, in form order."""
        super().__init__(*args, **kwargs)
        self.subjects = subjects
        self.choices = choices
        self.correcting = correcting
        if correcting:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]
        for subject in subjects:
            for value, label in choices.items():
                self.fields[count_field_name(subject.pk, value)] = forms.IntegerField(
                    label=label,
                    min_value=0,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control text-end"}),
                )

    def clean(self):
        cleaned = super().clean()
        for subject in self.subjects:
            for value, label in self.choices.items():
                name = count_field_name(subject.pk, value)
                if name in self.errors:
                    # The field's own message does not say whose row it is.
                    self.errors[name] = self.error_class(
                        [_("“%(subject)s”的“%(choice)s”请填0或正整数。") % {"subject": subject, "choice": label}]
                    )
        return cleaned

    def counts(self) -> dict[tuple[int, str], int]:
        return {
            (subject.pk, value): self.cleaned_data.get(count_field_name(subject.pk, value)) or 0
            for subject in self.subjects
            for value in self.choices
        }

    def rows(self):
        """(subject, [bound fields of its choices], whether its counts exceed the
        number of forms) for the grid."""
        form_count = self.cleaned_data.get("form_count") if hasattr(self, "cleaned_data") else None
        rows = []
        for subject in self.subjects:
            fields = [self[count_field_name(subject.pk, value)] for value in self.choices]
            total = sum(self.cleaned_data.get(field.name) or 0 for field in fields) if form_count is not None else 0
            rows.append((subject, fields, form_count is not None and total > form_count))
        return rows


def member_choices_for(evaluation_round) -> QuerySet[Member]:
    """Members of the round's organization whom its campaign judges and who are not yet subjects."""
    taken = EvaluationSubject.objects.filter(round=evaluation_round, member__isnull=False).values("member_id")
    return (
        Member.objects.for_campaign(evaluation_round.campaign)
        .filter(organization=evaluation_round.organization)
        .exclude(pk__in=taken)
        .order_by("name")
    )


# ---------------------------------------------------------------------------
# 领导点评
# ---------------------------------------------------------------------------


def section_field(dimension: StandardDimension, name: str) -> str:
    return f"d{dimension.pk}_{name}"


class ReviewEditForm(forms.Form):
    """The review's head fields, then four fields per dimension of the standard."""

    form = forms.ChoiceField(label=gettext_lazy("点评方式"), choices=ReviewForm.choices)
    reviewed_on = forms.DateField(label=gettext_lazy("点评日期"), widget=DATE_WIDGET)
    requires_rectification = forms.BooleanField(label=gettext_lazy("需要整改"), required=False)
    rectification_deadline = forms.DateField(
        label=gettext_lazy("整改时限"),
        required=False,
        widget=DATE_WIDGET,
        help_text=gettext_lazy("勾选“需要整改”时必填；问题和措施取自下面各项的“问题”和“努力方向和整改措施”。"),
    )

    LABELS = {
        "achievements": gettext_lazy("成绩"),
        "problems": gettext_lazy("问题"),
        "direction": gettext_lazy("努力方向和整改措施"),
    }

    def __init__(self, *args, dimensions: list[StandardDimension], **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        for dimension in dimensions:
            for name in SECTION_FIELDS:
                self.fields[section_field(dimension, name)] = forms.CharField(
                    label=self.LABELS[name], required=False, widget=forms.Textarea(attrs={"rows": 2})
                )
            self.fields[section_field(dimension, "grade")] = forms.ChoiceField(
                label=gettext_lazy("等次"), required=False, choices=[("", _("不评等次")), *Grade.choices]
            )

    def clean(self):
        data = super().clean()
        if data.get("requires_rectification") and not data.get("rectification_deadline"):
            self.add_error("rectification_deadline", _("需要整改时，请填写整改时限。"))
        return data

    def sections(self) -> dict[int, dict]:
        return {
            dimension.pk: {
                name: self.cleaned_data.get(section_field(dimension, name), "") for name in (*SECTION_FIELDS, "grade")
            }
            for dimension in self.dimensions
        }

    def cards(self):
        """(dimension, its four bound fields) for one card each in the template."""
        return [
            (dimension, [self[section_field(dimension, name)] for name in (*SECTION_FIELDS, "grade")])
            for dimension in self.dimensions
        ]

    @classmethod
    def initial_for(cls, review: Review) -> dict:
        initial = {
            "form": review.form,
            "reviewed_on": review.reviewed_on,
            "requires_rectification": review.requires_rectification,
            "rectification_deadline": review.rectification.deadline if review.rectification_id else None,
        }
        for section in review.sections.all():
            for name in (*SECTION_FIELDS, "grade"):
                initial[f"d{section.dimension_id}_{name}"] = getattr(section, name)
        return initial


class CodeForm(forms.Form):
    """A one-time code typed from its slip; ``label`` names the kind of code (评议码, 投票码)."""

    code = forms.CharField(
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True}
        ),
    )

    def __init__(self, *args, label: str, required_message: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label
        self.fields["code"].error_messages["required"] = required_message


# ---------------------------------------------------------------------------
# The evaluation form (群众评议表)
# ---------------------------------------------------------------------------


def choice_styles(choices) -> dict[str, str]:
    """A button colour per choice, by how it counts: the first satisfied one green, other
    satisfied ones blue, the last counted-not-satisfied one red, those before it dark,
    those left out grey (创先争优: 满意 green, 基本满意 blue, 不满意 red, 不了解 grey)."""
    satisfied = [choice.key for choice in choices if choice.counting == ChoiceCounting.SATISFIED]
    counted = [choice.key for choice in choices if choice.counting == ChoiceCounting.COUNTED]
    styles = {}
    for choice in choices:
        if choice.key in satisfied:
            styles[choice.key] = "btn-outline-success" if choice.key == satisfied[0] else "btn-outline-primary"
        elif choice.key in counted:
            styles[choice.key] = "btn-outline-danger" if choice.key == counted[-1] else "btn-outline-dark"
        else:
            styles[choice.key] = "btn-outline-secondary"
    return styles


class BallotForm(forms.Form):
    """A choice and an optional comment per subject of the paper."""

    def __init__(self, paper: BallotPaper, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.paper = paper
        self.styles = choice_styles(paper.choices)
        for subject in paper.subjects:
            missing = _("请对“%(name)s”作出评价。") % {"name": subject.name}
            self.fields[f"choice_{subject.id}"] = forms.ChoiceField(
                choices=[(choice.key, choice.label) for choice in paper.choices],
                widget=forms.RadioSelect,
                error_messages={"required": missing, "invalid_choice": missing},
            )
            self.fields[f"comment_{subject.id}"] = forms.CharField(
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea,
                error_messages={
                    "max_length": _("意见请不要超过%(limit)s字。") % {"limit": COMMENT_MAX_LENGTH},
                },
            )

    def choices(self) -> dict[int, str]:
        return {subject.id: self.cleaned_data[f"choice_{subject.id}"] for subject in self.paper.subjects}

    def comments(self) -> dict[int, str]:
        return {subject.id: self.cleaned_data[f"comment_{subject.id}"] for subject in self.paper.subjects}

    def add_subject_errors(self, subject_errors: dict[int, str]) -> None:
        for subject_id, message in subject_errors.items():
            self.add_error(f"choice_{subject_id}", message)

    def rows(self) -> list[dict]:
        """Per subject what the template draws: the four buttons, the comment, the error."""
        rows = []
        for subject in self.paper.subjects:
            choice = self[f"choice_{subject.id}"]
            comment = self[f"comment_{subject.id}"]
            errors = list(choice.errors) + list(comment.errors)
            rows.append(
                {
                    "subject": subject,
                    "choice_name": choice.html_name,
                    "options": [
                        {
                            "value": option.key,
                            "label": option.label,
                            "id": f"s{subject.id}-{option.key}",
                            "checked": choice.value() == option.key,
                            "style": self.styles[option.key],
                        }
                        for option in self.paper.choices
                    ],
                    "comment_name": comment.html_name,
                    "comment_id": f"s{subject.id}-comment",
                    "comment": comment.value() or "",
                    "error": errors[0] if errors else "",
                }
            )
        return rows
