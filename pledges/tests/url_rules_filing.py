"""Scope rules for the pledge filing pages (pledges/views/filing.py).

Each rule's pledge is the organization pledge of the role's branch (inside) or of a
branch outside the role's scope, in the state the page or action needs.
"""

import datetime

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import EVERYONE, Rule, inside_org, outside_org
from pledges.models import Opinion, PledgeState, PledgeVersion
from pledges.tests.factories import make_pledge

FILERS = {"office", "leader", "secretary"}
# A branch's own pledge is decided above the branch: the township or the county.
DECIDERS = {"office", "leader"}


def _campaign(c):
    if not hasattr(c, "filing_campaign"):
        c.filing_campaign = make_campaign(c.county)
    return c.filing_campaign


def with_campaign(c, role, where):
    _campaign(c)
    return []


def pledge_in(c, role, where, state=PledgeState.DRAFT, versions=0):
    organization = (inside_org if where == "inside" else outside_org)(c, role)
    pledge = make_pledge(_campaign(c), organization, state=state, published_version=versions)
    for number in range(1, versions + 1):
        PledgeVersion.objects.create(
            pledge=pledge,
            number=number,
            content={"title": pledge.title, "kind": pledge.kind, "opinions": [], "items": []},
            published_on=datetime.date(2011, 1, number),
            publication_channel="notice_board",
        )
    return pledge


def pledge_pk(state=PledgeState.DRAFT, versions=0, *extra):
    return lambda c, role, where: [pledge_in(c, role, where, state, versions).pk, *extra]


def item_pk(*extra):
    return lambda c, role, where: [pledge_in(c, role, where).items.get().pk, *extra]


def opinion_pk(c, role, where):
    pledge = pledge_in(c, role, where)
    opinion = Opinion.objects.create(
        pledge=pledge, solicited_on=datetime.date(2010, 9, 1), method="forum", summary="居民希望就近办事"
    )
    return [opinion.pk]


PUBLISHED = PledgeState.PUBLISHED
RULES = {
    "pledges:list": Rule(args=with_campaign, scoped=False),
    # Inspection groups read; they file nothing.
    "pledges:create": Rule(args=with_campaign, scoped=False, allowed=EVERYONE - {"inspector"}),
    "pledges:detail": Rule(args=pledge_pk()),
    "pledges:edit": Rule(args=pledge_pk(), allowed=FILERS),
    "pledges:opinion_add": Rule(args=pledge_pk(), allowed=FILERS),
    "pledges:opinion_edit": Rule(args=opinion_pk, allowed=FILERS),
    "pledges:opinion_delete": Rule(method="POST", args=opinion_pk, allowed=FILERS, ok=302),
    "pledges:item_add": Rule(args=pledge_pk(), allowed=FILERS),
    "pledges:item_edit": Rule(args=item_pk(), allowed=FILERS),
    "pledges:item_delete": Rule(method="POST", args=item_pk(), allowed=FILERS, ok=302),
    "pledges:item_move": Rule(method="POST", args=item_pk("up"), allowed=FILERS, ok=302),
    "pledges:submit": Rule(method="POST", args=pledge_pk(), allowed=FILERS, ok=302),
    "pledges:approve": Rule(method="POST", args=pledge_pk(PledgeState.SUBMITTED), allowed=DECIDERS, ok=302),
    # Without a reason the return is refused with a message, after the role check.
    "pledges:return": Rule(method="POST", args=pledge_pk(PledgeState.SUBMITTED), allowed=DECIDERS, ok=302),
    "pledges:publish": Rule(method="POST", args=pledge_pk(PledgeState.APPROVED), allowed=FILERS, ok=302),
    "pledges:revise": Rule(method="POST", args=pledge_pk(PUBLISHED, 1), allowed=FILERS, ok=302),
    "pledges:assess": Rule(method="POST", args=pledge_pk(PUBLISHED, 1), allowed=DECIDERS, ok=302),
    "pledges:versions": Rule(args=pledge_pk(PUBLISHED, 2)),
    "pledges:diff": Rule(args=pledge_pk(PUBLISHED, 2, 1, 2)),
    # Visible to the approver's side and the office, not to the pledger.
    "pledges:history": Rule(args=pledge_pk(), allowed=DECIDERS),
}
