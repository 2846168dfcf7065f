"""Running an evaluation round: its states and who may move it along.

draft → open → closed → tallied → published

Closing queues the tally only after the closing transaction commits. Each transition
is one conditional UPDATE on the expected state, so two clicks cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import Organization, Role, User
from orgs.scoping import user_scope
from reviews.models import EvaluationRound, RoundState

ORGANIZING_ROLES = {Role.OFFICE, Role.LEADER, Role.SECRETARY}


def may_run_round(user: User, organization: Organization) -> bool:
    """The branch secretary, or an office or leader above, may run the branch's rounds."""
    if not (user.is_superuser or user.role in ORGANIZING_ROLES):
        return False
    return user_scope(user).can_change(organization)


@dataclass(frozen=True)
class RoundTransition:
    source: str
    target: str
    label: str


ROUND_TRANSITIONS = {
    "open": RoundTransition(RoundState.DRAFT, RoundState.OPEN, gettext_lazy("开始评议")),
    "close": RoundTransition(RoundState.OPEN, RoundState.CLOSED, gettext_lazy("结束评议")),
    "tally": RoundTransition(RoundState.CLOSED, RoundState.TALLIED, gettext_lazy("汇总结果")),
    "publish": RoundTransition(RoundState.TALLIED, RoundState.PUBLISHED, gettext_lazy("公布结果")),
}


class RoundTransitionRefused(ValidationError):
    pass


def round_transition(evaluation_round: EvaluationRound, name: str, **fields) -> EvaluationRound:
    """Move the round along one edge of the table, or refuse; callers check permission."""
    transition = ROUND_TRANSITIONS[name]
    updated = EvaluationRound.objects.filter(pk=evaluation_round.pk, state=transition.source).update(
        state=transition.target, **fields
    )
    if updated != 1:
        evaluation_round.refresh_from_db(fields=["state"])
        raise RoundTransitionRefused(
            _("评议当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": evaluation_round.get_state_display(), "action": transition.label}
        )
    evaluation_round.refresh_from_db()
    return evaluation_round


@transaction.atomic
def round_close(*, evaluation_round: EvaluationRound, by: User | None) -> EvaluationRound:
    """Stop accepting forms and queue the tally once this transaction has committed.
    ``by`` is None when the beat job closes a round whose time is up."""
    from reviews.tasks import tally_round

    if by is not None and not may_run_round(by, evaluation_round.organization):
        raise PermissionDenied(_("您无权结束这次评议。"))
    evaluation_round = round_transition(evaluation_round, "close", closed_at=timezone.now())
    tally_round.delay_on_commit(evaluation_round.pk)
    return evaluation_round


def rounds_close_due() -> int:
    """Close every open round past its closing time; returns how many were closed."""
    closed = 0
    due = EvaluationRound.objects.filter(state=RoundState.OPEN, closes_at__lte=timezone.now())
    for evaluation_round in due.select_related("organization"):
        try:
            round_close(evaluation_round=evaluation_round, by=None)
        except RoundTransitionRefused:
            continue  # closed by hand meanwhile
        closed += 1
    return closed
