"""Scope rules for running an evaluation round (reviews/views/rounds.py).

Each rule's round belongs to the role's branch (inside) or to a branch outside the
role's scope, in the state the page or action needs. Plain members take part with
their codes and get 403 on every round page; inspection groups read but do not act.
"""

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import EVERYONE, Rule, inside_org, outside_org
from reviews.models import EvaluationSubject, RoundState
from reviews.tests.factories import make_round

READERS = EVERYONE - {"member"}
RUNNERS = {"office", "leader", "secretary"}


def _campaign(c):
    if not hasattr(c, "rounds_campaign"):
        c.rounds_campaign = make_campaign(c.county, name="群众评议测试活动")
    return c.rounds_campaign


def with_campaign(c, role, where):
    _campaign(c)
    return []


def evaluation_round(c, role, where, state):
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    rounds = c.__dict__.setdefault("rounds_by_state", {})
    key = (organization.pk, state)
    if key not in rounds:
        rounds[key] = make_round(_campaign(c), organization, state=state, codes={"public": 3, "party_member": 2})
    return rounds[key]


def round_pk(state):
    return lambda c, role, where: [evaluation_round(c, role, where, state).pk]


def member_subject(c, role, where):
    draft = evaluation_round(c, role, where, RoundState.DRAFT)
    subject = EvaluationSubject.objects.filter(round=draft, member__isnull=False).first()
    return [draft.pk, subject.pk]


DRAFT, OPEN = RoundState.DRAFT, RoundState.OPEN
RULES = {
    "reviews:rounds": Rule(scoped=False, allowed=READERS),
    "reviews:round_create": Rule(args=with_campaign, scoped=False, allowed=RUNNERS),
    "reviews:round": Rule(args=round_pk(OPEN), allowed=READERS),
    "reviews:round_edit": Rule(args=round_pk(DRAFT), allowed=RUNNERS),
    "reviews:round_subjects": Rule(args=round_pk(DRAFT), allowed=RUNNERS),
    "reviews:round_subject_remove": Rule(method="POST", args=member_subject, allowed=RUNNERS, ok=302),
    "reviews:round_open": Rule(method="POST", args=round_pk(DRAFT), allowed=RUNNERS, ok=302),
    "reviews:round_close": Rule(method="POST", args=round_pk(OPEN), allowed=RUNNERS, ok=302),
    "reviews:round_progress": Rule(args=round_pk(OPEN), allowed=READERS),
    "reviews:code_sheet": Rule(args=round_pk(OPEN), allowed=RUNNERS),
    "reviews:round_poster": Rule(args=round_pk(OPEN), allowed=RUNNERS),
    "reviews:paper": Rule(args=round_pk(OPEN), allowed=RUNNERS),
}
