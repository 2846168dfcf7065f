"""Scope rules for the circulars' pages (通报): the office drafts and issues; organizations
and inspection groups read what is sent to them or names them; members read none."""

import datetime

from campaign.campaigns.models import Campaign
from campaign.tests import circular_fixtures as fx
from campaign.tests.url_matrix import Rule
from campaign.tests.url_rules import campaign_pk

OFFICE = {"office"}
READERS = {"office", "leader", "inspector", "secretary"}


def _campaign(c, role, where) -> Campaign:
    return Campaign.objects.get(pk=campaign_pk(c, role, where)[0])


def _issued(c, role, where):
    """Inside: sent to the role's township (for the inspection group of 康乐乡, naming 北极村).
    Outside: for the office, another county's; for the others, sent elsewhere and naming
    an organization they do not see."""
    serial = len(getattr(c, "matrix_circulars", [])) + 1
    c.matrix_circulars = [*getattr(c, "matrix_circulars", []), serial]
    if where == "outside" and role == "office":
        return fx.issued(_campaign(c, role, where), recipients=[], serial=serial)
    mine = {
        "office": (c.township_a, c.branch_a1),
        "leader": (c.township_a, c.branch_a1),
        "inspector": (c.township_b, c.branch_b1),
        "secretary": (c.township_a, c.branch_a1),
        "member": (c.township_a, c.branch_a1),
    }[role]
    theirs = (c.township_a, c.branch_a1) if role == "inspector" else (c.township_b, c.branch_b1)
    recipient, named = mine if where == "inside" else theirs
    return fx.issued(_campaign(c, role, "inside"), recipients=[recipient], concerned=[named], serial=serial)


def issued_pk(c, role, where):
    return [_issued(c, role, where).pk]


def draft_for_office(c, role, where):
    """The office acts on a draft; everyone else is shown an issued circular they may read."""
    if role == "office" and where == "inside":
        campaign = _campaign(c, role, where)
        return [fx.draft(campaign, start=datetime.date(2011, 1, 1), by=None).pk]
    return issued_pk(c, role, where)


def no_args(c, role, where):
    campaign_pk(c, role, "inside")
    return []


def kind_args(c, role, where):
    campaign_pk(c, role, "inside")
    return ["reports"]


RULES = {
    "campaign:circulars": Rule(args=no_args, allowed=READERS, scoped=False),
    "campaign:circular_new": Rule(args=no_args, allowed=OFFICE, scoped=False),
    "campaign:circular_create": Rule(args=kind_args, allowed=OFFICE, scoped=False),
    "campaign:circular": Rule(args=issued_pk, allowed=READERS),
    "campaign:circular_preview": Rule(args=issued_pk, allowed=READERS),
    "campaign:circular_status": Rule(args=issued_pk, allowed=READERS),
    "campaign:circular_pdf": Rule(args=issued_pk, allowed=READERS),
    "campaign:circular_edit": Rule(args=draft_for_office, allowed=OFFICE),
    # The office's POSTs on an issued circular are refused with a message and a redirect.
    "campaign:circular_issue": Rule(args=issued_pk, method="POST", allowed=OFFICE, ok=302),
    "campaign:circular_requeue": Rule(args=issued_pk, method="POST", allowed=OFFICE, ok=302),
    "campaign:circular_correct": Rule(args=issued_pk, method="POST", allowed=OFFICE, ok=302),
    "campaign:circular_delete": Rule(args=draft_for_office, method="POST", allowed=OFFICE, ok=302),
}
