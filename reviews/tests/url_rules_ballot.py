"""Scope rules for the evaluation form: public, reached by a one-time code, the same
for everyone, logged in or not."""

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import Rule
from reviews.models import EvaluationCode, RoundState
from reviews.tests.factories import make_round


def open_code(c, role, where):
    """An unused code of an open round of 红湾社区党支部; opening the form does not use it."""
    if not hasattr(c, "ballot_code"):
        evaluation_round = make_round(
            make_campaign(c.county, name="评议码测试活动"), c.branch_a1, state=RoundState.OPEN
        )
        c.ballot_code = EvaluationCode.objects.filter(round=evaluation_round).first().code
    return [c.ballot_code]


RULES = {
    "ballot:enter": Rule(public=True, scoped=False),
    "ballot:form": Rule(args=open_code, public=True, scoped=False),
    "ballot:done": Rule(public=True, scoped=False),
}
