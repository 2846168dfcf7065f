"""Reading and publishing the results of a tallied round.

Nobody, the office included, sees a choice or a rate before the round is tallied:
``round_results`` refuses until then. Results by evaluator category are shown only
for categories that cast at least MIN_CATEGORY_FORMS forms, so a small group's choices
cannot be read off; and because the overall row minus the shown categories would give
the hidden ones away, the hidden categories together must also reach that number, or
further categories are hidden with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.evaluation import counting_rule_text
from orgs.models import Role, User
from orgs.sheets.writing import Table, xlsx_tables
from pledges.models import Rectification
from reviews.models import (
    Ballot,
    EvaluationRound,
    EvaluationSubject,
    PaperTally,
    RemedialRectification,
    RoundCategory,
    RoundChoice,
    RoundState,
    TallyResult,
)
from reviews.rounds import may_run_round, round_transition
from reviews.tally import ALL_CATEGORIES, percent_text, threshold_text

MIN_CATEGORY_FORMS = 5
RESULT_STATES = (RoundState.TALLIED, RoundState.PUBLISHED)


class ResultsNotReady(Exception):
    """The round has not been tallied: its results are nobody's to see yet."""


@dataclass
class SubjectResult:
    subject: EvaluationSubject
    overall: TallyResult
    remedial: Rectification | None = None

    @property
    def name(self) -> str:
        return str(self.subject)


@dataclass
class CategoryForms:
    """How many forms one category of evaluators cast and, when they may be shown,
    the subjects' results from that category."""

    category: str
    label: str
    codes: int = 0
    online: int = 0
    paper: int = 0
    shown: bool = False
    rows: list[tuple[SubjectResult, TallyResult]] = field(default_factory=list)

    @property
    def forms(self) -> int:
        return self.online + self.paper


@dataclass
class RoundResults:
    evaluation_round: EvaluationRound
    threshold: Decimal
    choices: list[RoundChoice]
    subjects: list[SubjectResult]
    categories: list[CategoryForms]

    @property
    def threshold_text(self) -> str:
        return threshold_text(self.threshold)

    @property
    def counting_rule(self) -> str:
        """How the round's choices counted, in one line."""
        return counting_rule_text(self.choices)

    @property
    def forms(self) -> int:
        return sum(category.forms for category in self.categories)

    @property
    def lines(self) -> list[tuple[SubjectResult, TallyResult]]:
        return [(result, result.overall) for result in self.subjects]

    @property
    def shown_categories(self) -> list[CategoryForms]:
        return [category for category in self.categories if category.shown]

    @property
    def hidden_categories(self) -> list[CategoryForms]:
        return [category for category in self.categories if category.forms and not category.shown]

    @property
    def hidden_labels(self) -> list[str]:
        return [category.label for category in self.hidden_categories]

    @property
    def flagged(self) -> list[SubjectResult]:
        return [result for result in self.subjects if result.overall.below_threshold]

    @property
    def not_evaluated(self) -> list[SubjectResult]:
        return [result for result in self.subjects if not result.overall.is_evaluated]


def shown_categories(forms: dict[str, int]) -> set[str]:
    """The categories whose results may be shown, given the forms each cast (see the
    module docstring). Pure, so the rule is tested on its own."""
    cast = {category: count for category, count in forms.items() if count}
    shown = {category for category, count in cast.items() if count >= MIN_CATEGORY_FORMS}
    hidden_forms = sum(count for category, count in cast.items() if category not in shown)
    while shown and 0 < hidden_forms < MIN_CATEGORY_FORMS:
        # Hide the smallest shown category too, so the overall row minus the shown
        # ones no longer isolates fewer than MIN_CATEGORY_FORMS forms.
        smallest = min(shown, key=lambda category: (cast[category], category))
        shown.discard(smallest)
        hidden_forms += cast[smallest]
    return shown


def may_see_results(user: User) -> bool:
    """The round's secretary and those above, and the inspection groups over it; not a
    plain member, who would read fellow members' rates. The caller fetched the round
    through the user's scope, which decides the rest."""
    return user.is_superuser or user.role != Role.MEMBER


def round_results(evaluation_round: EvaluationRound) -> RoundResults:
    """The results of a tallied round, the organization first, then its members in the
    round's order. Five queries, whatever the number of subjects and categories."""
    if evaluation_round.state not in RESULT_STATES:
        raise ResultsNotReady(evaluation_round.get_state_display())
    categories = _category_forms(evaluation_round)
    visible = shown_categories({category.category: category.forms for category in categories})
    by_code = {category.category: category for category in categories}
    for category in categories:
        category.shown = category.category in visible

    choices = evaluation_round.choice_rows()
    rows = list(
        TallyResult.objects.filter(round=evaluation_round).select_related(
            "subject__member", "subject__round__organization"
        )
    )
    for row in rows:
        # The votes per choice, in the form's order, for the tables.
        row.choice_values = [row.choice_counts.get(choice.key, 0) for choice in choices]
        row.choice_cells = list(zip((choice.label for choice in choices), row.choice_values, strict=True))
        row.satisfaction_text = percent_text(
            row.satisfaction, under=evaluation_round.verdict_threshold if row.below_threshold else None
        )
    remedials = {
        remedial.subject_id: remedial.rectification
        for remedial in RemedialRectification.objects.filter(round=evaluation_round).select_related("rectification")
    }
    subjects: dict[int, SubjectResult] = {}
    for row in rows:
        if row.category == ALL_CATEGORIES:
            subjects[row.subject_id] = SubjectResult(
                subject=row.subject, overall=row, remedial=remedials.get(row.subject_id)
            )
    ordered = sorted(subjects.values(), key=lambda r: (not r.subject.is_organization, r.subject.order, r.subject.pk))
    position = {result.subject.pk: index for index, result in enumerate(ordered)}
    for row in sorted(rows, key=lambda r: position.get(r.subject_id, len(position))):
        if row.category in visible and row.subject_id in subjects:
            by_code[row.category].rows.append((subjects[row.subject_id], row))
    return RoundResults(
        evaluation_round=evaluation_round,
        threshold=evaluation_round.verdict_threshold,
        choices=choices,
        subjects=ordered,
        categories=categories,
    )


def _category_forms(evaluation_round: EvaluationRound) -> list[CategoryForms]:
    """Codes, online and paper forms of each category, in the usual order. Three queries."""
    found: dict[str, CategoryForms] = {}

    def entry(category: str) -> CategoryForms:
        if category not in found:
            found[category] = CategoryForms(category=category, label=category)
        return found[category]

    rows = RoundCategory.objects.filter(round=evaluation_round).order_by("order", "pk")
    for category, label, codes in rows.values_list("category", "label", "code_count"):
        entry(category).label = label
        entry(category).codes = codes
    online = Ballot.objects.filter(round=evaluation_round).order_by().values_list("category").annotate(n=Count("*"))
    for category, count in online:
        entry(category).online = count
    for category, forms in PaperTally.objects.filter(round=evaluation_round).values_list("category", "forms"):
        entry(category).paper = forms
    # In the round's order (dicts keep insertion order); a category with neither codes
    # nor forms is left out.
    return [category for category in found.values() if category.codes or category.forms]


# ---------------------------------------------------------------------------
# Publishing and export
# ---------------------------------------------------------------------------


@transaction.atomic
def round_publish(*, evaluation_round: EvaluationRound, by: User) -> EvaluationRound:
    """通报: the organization's own result goes on its public notice board; member
    results stay internal."""
    if not may_run_round(by, evaluation_round.organization):
        raise PermissionDenied(_("只有本组织书记和上级党组织可以公布评议结果。"))
    return round_transition(evaluation_round, "publish", published_at=timezone.now())


def _verdict(row: TallyResult) -> str:
    if not row.is_evaluated:
        return _("未评议")
    return _("未达标") if row.below_threshold else _("达标")


def results_export(results: RoundResults, *, extra: Sequence[Table] = ()) -> bytes:
    """The results as an .xlsx: the overall sheet, one sheet per category shown, then
    the ``extra`` sheets (the comments, reviews.comments)."""
    header = [
        _("评议对象"),
        _("评议表（份）"),
        *(choice.label for choice in results.choices),
        _("计票数"),
        _("满意率"),
        _("评议结果"),
        _("补课整改时限"),
    ]

    def sheet(title: str, rows: list[tuple[SubjectResult, TallyResult]], *, with_remedial: bool) -> Table:
        lines = []
        for result, row in rows:
            values = [
                result.name,
                row.forms,
                *row.choice_values,
                row.counted,
                row.satisfaction_text or _("未评议"),
                _verdict(row),
            ]
            if with_remedial:
                values.append(result.remedial.deadline if result.remedial else "")
            lines.append(values)
        return Table(title=title, header=header if with_remedial else header[:-1], rows=lines, widths=(24,))

    return xlsx_tables(
        [
            sheet(_("评议结果"), results.lines, with_remedial=True),
            *(sheet(category.label, category.rows, with_remedial=False) for category in results.shown_categories),
            *extra,
        ]
    )
