"""Who evaluates and what the form asks, as the campaign sets it: its evaluator categories
and its choices with how each counts. 创先争优 asks 党员、干部职工、两代表一委员、群众代表
to choose 满意/基本满意/不满意/不了解; a hospital asks its patients in its own words.

Rounds copy these rows when they are set up (reviews.rounds), so what the office changes
here applies to the rounds it sets up afterwards, never to one already handed out.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.campaigns.models import (
    EVALUATION_LABEL_LENGTH,
    Campaign,
    CampaignChoice,
    CampaignEvaluatorCategory,
    Choice,
    ChoiceCounting,
    EvaluatorCategory,
)

MAX_CATEGORIES = 8
MAX_CHOICES = 6


@dataclass(frozen=True)
class CategoryInput:
    label: str
    key: str = ""  # empty: a new category, given a key of its own


@dataclass(frozen=True)
class ChoiceInput:
    label: str
    counting: str
    key: str = ""


@dataclass(frozen=True)
class EvaluationPreset:
    name: str
    categories: tuple[CategoryInput, ...]
    choices: tuple[ChoiceInput, ...]


PARTY_PRESET = EvaluationPreset(
    name=gettext_lazy("创先争优群众评议（党员、干部职工、两代表一委员、群众代表）"),
    categories=tuple(CategoryInput(str(label), key) for key, label in EvaluatorCategory.choices),
    choices=(
        ChoiceInput(str(Choice.SATISFIED.label), ChoiceCounting.SATISFIED, Choice.SATISFIED),
        ChoiceInput(str(Choice.BASICALLY_SATISFIED.label), ChoiceCounting.SATISFIED, Choice.BASICALLY_SATISFIED),
        ChoiceInput(str(Choice.DISSATISFIED.label), ChoiceCounting.COUNTED, Choice.DISSATISFIED),
        ChoiceInput(str(Choice.UNKNOWN.label), ChoiceCounting.EXCLUDED, Choice.UNKNOWN),
    ),
)
# Patients judge a hospital (三好一满意): slips handed out at discharge, a poster on a ward.
PATIENT_PRESET = EvaluationPreset(
    name=gettext_lazy("患者满意度评价（住院患者、门诊患者、患者家属、社会监督员）"),
    categories=(
        CategoryInput("住院患者", "inpatient"),
        CategoryInput("门诊患者", "outpatient"),
        CategoryInput("患者家属", "family"),
        CategoryInput("社会监督员", "supervisor"),
    ),
    choices=(
        ChoiceInput("满意", ChoiceCounting.SATISFIED, "satisfied"),
        ChoiceInput("比较满意", ChoiceCounting.SATISFIED, "fairly"),
        ChoiceInput("一般", ChoiceCounting.COUNTED, "average"),
        ChoiceInput("不满意", ChoiceCounting.COUNTED, "dissatisfied"),
        ChoiceInput("说不清", ChoiceCounting.EXCLUDED, "unknown"),
    ),
)
PRESETS = {"party": PARTY_PRESET, "patients": PATIENT_PRESET}


def evaluation_problems(*, categories: list[CategoryInput], choices: list[ChoiceInput]) -> list[str]:
    """Everything wrong with a set of categories and choices, for the office to read."""
    problems = []
    if not categories:
        problems.append(_("至少要有一类评议人。"))
    if len(categories) > MAX_CATEGORIES:
        problems.append(_("评议人类别最多%(most)s类。") % {"most": MAX_CATEGORIES})
    if len(choices) < 2:
        problems.append(_("评议选项至少要有两个。"))
    if len(choices) > MAX_CHOICES:
        problems.append(_("评议选项最多%(most)s个。") % {"most": MAX_CHOICES})
    for kind, labels in (
        (_("评议人类别"), [item.label for item in categories]),
        (_("评议选项"), [item.label for item in choices]),
    ):
        for label in labels:
            if not label.strip():
                problems.append(_("%(kind)s的名称不能为空。") % {"kind": kind})
            elif len(label) > EVALUATION_LABEL_LENGTH:
                problems.append(
                    _("“%(label)s”太长，%(kind)s的名称最多%(most)s个字。")
                    % {"label": label, "kind": kind, "most": EVALUATION_LABEL_LENGTH}
                )
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            problems.append(_("%(kind)s“%(label)s”重复了。") % {"kind": kind, "label": "、".join(repeated)})
    countings = {choice.counting for choice in choices}
    if countings - set(ChoiceCounting.values):
        problems.append(_("请为每个评议选项选择计入方式。"))
    if choices and ChoiceCounting.SATISFIED not in countings:
        problems.append(_("至少要有一个选项计入满意，否则满意率总是0。"))
    if choices and ChoiceCounting.COUNTED not in countings:
        problems.append(_("至少要有一个选项计入总数而不算满意（如“不满意”），否则满意率总是100%。"))
    return problems


def campaign_evaluation_defaults(*, campaign: Campaign, preset: EvaluationPreset = PARTY_PRESET) -> None:
    """A new campaign's categories and choices (no permission check: its creator's)."""
    CampaignEvaluatorCategory.objects.bulk_create(
        CampaignEvaluatorCategory(campaign=campaign, key=item.key, label=item.label, order=order)
        for order, item in enumerate(preset.categories, start=1)
    )
    CampaignChoice.objects.bulk_create(
        CampaignChoice(campaign=campaign, key=item.key, label=item.label, counting=item.counting, order=order)
        for order, item in enumerate(preset.choices, start=1)
    )


def counting_rule_text(choices) -> str:
    """ "满意、基本满意计入满意；不了解不计入": the rule in one line, from rows with a label
    and a counting (a campaign's or a round's)."""
    satisfied = [choice.label for choice in choices if choice.counting == ChoiceCounting.SATISFIED]
    excluded = [choice.label for choice in choices if choice.counting == ChoiceCounting.EXCLUDED]
    text = _("%(labels)s计入满意") % {"labels": "、".join(satisfied)}
    if excluded:
        text += _("；%(labels)s不计入满意率") % {"labels": "、".join(excluded)}
    return text
