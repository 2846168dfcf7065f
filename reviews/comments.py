"""The evaluators' comments (意见建议) of a tallied round, per subject, anonymised.

They are read only through ``round_comments``, which takes the results of
``round_results`` and so exists only once the round is tallied: before that some forms
still wait, sealed, for their batch, and a comment read early would tie a form to the
time it was cast. Each comment is shown with its subject and, where the results show
that category, the evaluator category; the categories whose results are hidden (fewer
than MIN_CATEGORY_FORMS forms, see reviews.results.shown_categories) are read together
under one heading, so a comment never names a category under the secrecy threshold.

Nothing shows where a comment came from: no ballot, no code, no time, no id. Within a
subject and heading the comments are sorted by their text, so neither the order of
casting nor the order of the stored rows shows through, and the comments of one form
on different subjects cannot be put back together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from orgs.sheets.writing import Table
from reviews.models import BallotChoice
from reviews.results import RESULT_STATES, ResultsNotReady, RoundResults, SubjectResult


@dataclass
class CommentGroup:
    """The comments on one subject from one shown category, or from the rest together."""

    label: str
    texts: list[str] = field(default_factory=list)


@dataclass
class SubjectComments:
    result: SubjectResult
    groups: list[CommentGroup]

    @property
    def count(self) -> int:
        return sum(len(group.texts) for group in self.groups)


def round_comments(results: RoundResults) -> list[SubjectComments]:
    """The subjects that received a comment, in the results' order, each with its
    comments grouped as the module docstring says. One query."""
    evaluation_round = results.evaluation_round
    if evaluation_round.state not in RESULT_STATES:
        raise ResultsNotReady(evaluation_round.get_state_display())
    shown = {category.category: category.label for category in results.shown_categories}
    # With no category shown there is nothing to tell the rest from: one heading for all.
    rest = _("其他类别评议人") if shown else _("全体评议人")
    order = [*shown.values(), rest]

    by_subject: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        BallotChoice.objects.filter(round=evaluation_round)
        .exclude(comment="")
        .order_by()
        .values_list("subject_id", "category", "comment")
    )
    for subject_id, category, comment in rows:
        by_subject[subject_id][shown.get(category, rest)].append(comment)

    found = []
    for result in results.subjects:
        groups = by_subject.get(result.subject.pk)
        if groups:
            found.append(
                SubjectComments(
                    result=result,
                    groups=[CommentGroup(label, sorted(groups[label])) for label in order if groups.get(label)],
                )
            )
    return found


def comments_table(comments: list[SubjectComments]) -> Table:
    """The 意见建议 sheet of the results export: subject, heading, comment."""
    return Table(
        title=_("意见建议"),
        header=[_("评议对象"), _("评议人类别"), _("意见建议")],
        rows=[
            [entry.result.name, group.label, text]
            for entry in comments
            for group in entry.groups
            for text in group.texts
        ],
        widths=(24, 16, 80),
    )
