"""Paper evaluation forms (纸质评议表), entered by count from a tally sheet.

One tally sheet per round and evaluator category: how many paper forms there were,
and per subject how many gave each choice. A second entry for the same category is a
correction: it needs a reason, and simple-history keeps every earlier version of the
sheet and of each count with who entered it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from orgs.models import User
from reviews.models import (
    EvaluationRound,
    EvaluationSubject,
    PaperCount,
    PaperTally,
    RoundState,
)
from reviews.rounds import may_run_round

# Paper forms are entered while the round runs and until it is tallied.
ENTRY_STATES = {RoundState.OPEN, RoundState.CLOSED}
# Far above any meeting's attendance; stops a slipped finger (50000 for 50).
MAX_FORMS = 10000


def may_enter_paper(user: User, evaluation_round: EvaluationRound) -> bool:
    return may_run_round(user, evaluation_round.organization) and evaluation_round.state in ENTRY_STATES


def _check_counts(
    subjects: dict[int, EvaluationSubject], choices: dict[str, str], forms: int, counts: dict[tuple[int, str], int]
) -> dict[tuple[int, str], int]:
    """Every subject × choice (key → wording, the round's) with its count (missing ones
    are 0), or a refusal that names each subject whose counts do not fit the forms."""
    errors = []
    for subject_id, choice in counts:
        if subject_id not in subjects or choice not in choices:
            errors.append(_("汇总表中有不属于这次评议的评议对象或选项，请刷新页面后重新录入。"))
            break
    full: dict[tuple[int, str], int] = {}
    for subject in subjects.values():
        total = 0
        for choice, label in choices.items():
            count = counts.get((subject.pk, choice), 0)
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                errors.append(
                    _("“%(subject)s”的“%(choice)s”人数应为0或正整数。") % {"subject": subject, "choice": label}
                )
                count = 0
            full[(subject.pk, choice)] = count
            total += count
        if total > forms:
            errors.append(
                _("“%(subject)s”的%(choices)s合计%(total)s份，超过了纸质评议表总数%(forms)s份。")
                % {"subject": subject, "choices": "、".join(choices.values()), "total": total, "forms": forms}
            )
    if errors:
        raise ValidationError(errors)
    return full


@transaction.atomic
def paper_tally_enter(
    *,
    evaluation_round: EvaluationRound,
    category: str,
    forms: int,
    counts: dict[tuple[int, str], int],
    by: User,
    reason: str = "",
) -> PaperTally:
    """Enter (or correct, with a reason) the tally sheet of one category's paper forms.

    ``counts`` maps (subject id, choice key) to how many forms gave that choice; the
    choices of a subject together may not exceed ``forms`` (a form may leave a subject
    blank). Nothing is saved unless the whole sheet is valid.
    """
    if not may_run_round(by, evaluation_round.organization):
        raise PermissionDenied(_("您无权录入这次评议的纸质评议表。"))
    # Locked, so the sheet cannot slip in while the round is being tallied.
    locked = EvaluationRound.objects.select_for_update().get(pk=evaluation_round.pk)
    if locked.state not in ENTRY_STATES:
        raise ValidationError(
            _("评议当前状态为“%(state)s”，不能再录入或更正纸质评议表。") % {"state": locked.get_state_display()}
        )
    labels = locked.category_labels()
    if category not in labels:
        raise ValidationError(_("请选择评议人类别。"))
    if not isinstance(forms, int) or isinstance(forms, bool) or not 0 <= forms <= MAX_FORMS:
        raise ValidationError(_("纸质评议表份数应在0到%(most)s之间。") % {"most": MAX_FORMS})
    subjects = {
        subject.pk: subject for subject in EvaluationSubject.objects.filter(round=locked).select_related("member")
    }
    choices = {choice.key: choice.label for choice in locked.choice_rows()}
    full = _check_counts(subjects, choices, forms, counts)
    reason = reason.strip()

    tally = PaperTally.objects.select_for_update().filter(round=locked, category=category).first()
    if tally is None:
        tally = PaperTally(round=locked, category=category, forms=forms, entered_by=by, correction_reason="")
        tally._history_user = by
        tally.save()
        bulk_create_with_history(
            [
                PaperCount(tally=tally, subject_id=subject_id, choice=choice, count=count)
                for (subject_id, choice), count in full.items()
            ],
            PaperCount,
            default_user=by,
        )
        return tally

    if not reason:
        raise ValidationError(
            _("“%(category)s”的纸质评议表已经录入过，更正时请写明更正理由。") % {"category": labels[category]}
        )
    tally.forms = forms
    tally.entered_by = by
    tally.correction_reason = reason
    tally._history_user = by
    tally._change_reason = reason
    tally.save(update_fields=["forms", "entered_by", "correction_reason"])
    existing = {(count.subject_id, count.choice): count for count in PaperCount.objects.filter(tally=tally)}
    changed, added = [], []
    for key, value in full.items():
        row = existing.get(key)
        if row is None:
            # The first entry makes every row; this only mends a sheet that lost one.
            added.append(PaperCount(tally=tally, subject_id=key[0], choice=key[1], count=value))
        elif row.count != value:
            row.count = value
            changed.append(row)
    if changed:
        bulk_update_with_history(changed, PaperCount, ["count"], default_user=by, default_change_reason=reason)
    if added:
        bulk_create_with_history(added, PaperCount, default_user=by, default_change_reason=reason)
    return tally


def paper_sheet(evaluation_round: EvaluationRound, category: str) -> tuple[PaperTally | None, dict]:
    """The category's sheet as entered so far and its counts by (subject id, choice);
    two queries."""
    tally = PaperTally.objects.filter(round=evaluation_round, category=category).select_related("entered_by").first()
    if tally is None:
        return None, {}
    return tally, {(row.subject_id, row.choice): row.count for row in PaperCount.objects.filter(tally=tally).order_by()}
