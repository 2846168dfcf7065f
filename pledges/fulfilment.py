"""承诺兑现率: of the pledges assessed, the share assessed as fulfilled (兑现优秀 or 已兑现).

The domain assesses a whole pledge (兑现: fulfilled / partly / not fulfilled), so the rate
counts pledges, organizations' and members' alike; 部分兑现 is not fulfilled. The rule is
written here once, as conditions on pledge rows as of a day, and counted with them by
both the live pledge coverage page (pledges.coverage) and the figures rollup
(campaign.dashboard.figures), which the score sheet reads; a test holds the two together
on the demo county (campaign/tests/test_figures_agree.py).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from pledges.models import Fulfillment, PledgeState

# The grades that count as fulfilled, best first.
FULFILLED_GRADES = (Fulfillment.OUTSTANDING, Fulfillment.FULFILLED)


def is_fulfilled(fulfillment: str) -> bool:
    return fulfillment in FULFILLED_GRADES


def assessed_on(as_of: datetime.date, prefix: str = "") -> Q:
    """For pledge rows (through ``prefix``, e.g. "pledge__"): assessed by the end of ``as_of``.
    An assessed pledge stays assessed: no transition leaves that state."""
    return Q(**{f"{prefix}state": PledgeState.ASSESSED, f"{prefix}assessed_at__date__lte": as_of})


def fulfilled_on(as_of: datetime.date, prefix: str = "") -> Q:
    """Of those, the ones assessed as fulfilled."""
    return assessed_on(as_of, prefix) & Q(**{f"{prefix}fulfillment__in": FULFILLED_GRADES})


def fulfilment_rate(fulfilled: int, assessed: int) -> Decimal | None:
    """Percent with one decimal, as the other rates are shown; None when nothing was
    assessed (no pledge assessed is not a rate of 0 %)."""
    if not assessed:
        return None
    return (Decimal(fulfilled) * 100 / Decimal(assessed)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
