"""Scope rules for undo (issue 19): withdrawing a submitted pledge, correcting and
removing a progress entry."""

import datetime

from campaign.tests.factories import make_campaign
from campaign.tests.url_matrix import Rule, inside_org, outside_org
from pledges.models import PledgeState, ProgressEntry
from pledges.tests.factories import make_pledge, publish_directly

MANAGERS = {"office", "leader", "secretary"}


def _campaign(c):
    if not hasattr(c, "_undo_campaign"):
        c._undo_campaign = make_campaign(c.county)
    return c._undo_campaign


def _org(c, role, where):
    return (inside_org if where == "inside" else outside_org)(c, role)


def submitted_pledge_pk(c, role, where):
    return [make_pledge(_campaign(c), _org(c, role, where), state=PledgeState.SUBMITTED).pk]


def entry_pk(c, role, where):
    pledge = publish_directly(make_pledge(_campaign(c), _org(c, role, where), title="便民服务承诺"))
    entry = ProgressEntry.objects.create(
        item=pledge.items.get(), recorded_on=datetime.date(2011, 3, 1), text="服务站已动共"
    )
    return [entry.pk]


RULES = {
    # Withdrawal is the pledger's side: the township and the county, who may decide on a
    # branch's pledge, return it with a reason instead.
    "pledges:withdraw": Rule(method="POST", args=submitted_pledge_pk, allowed={"secretary"}, ok=302),
    "pledges:entry_correct": Rule(method="POST", args=entry_pk, allowed=MANAGERS, ok=302),
    "pledges:entry_remove": Rule(method="POST", args=entry_pk, allowed=MANAGERS, ok=302),
}
