"""What the services behind the public pages reached by a one-time code share, written
once: the evaluation form (群众评议, /p/, reviews.ballots) and a public vote's paper
(公示票选, /v/, campaign.nominations.votes.services). Their pages share
reviews.public_pages.

- Why a code opens nothing: a ``Refusal``, raised by the services as ``BallotRefused``;
  ``code_row_unused`` looks a code up and raises it for an unknown or used one.
- The guessing limit's numbers (the counting itself is the pages').

What is stored when a code casts, and why nothing links it to its code, is in
reviews.ballots and campaign.nominations.votes.services.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from redis.exceptions import RedisError

from reviews.codes import code_row, normalise_code

# What the cache raises when Redis is down or unreachable.
CACHE_DOWN = (RedisError, OSError)
# Guessing protection on top of the codes' entropy (reviews.codes): this many failed
# attempts from one address within the window, and it waits BLOCK_SECONDS (settings:
# a hall whose phones share one address behind its router may need more).
FAILURE_LIMIT = settings.BALLOT_FAILURE_LIMIT
FAILURE_WINDOW_SECONDS = 600
BLOCK_SECONDS = 600
TOO_MANY_TITLE = gettext_lazy("尝试次数过多")


class Refusal(enum.Enum):
    """Why a code cannot cast; each has its own page and status."""

    UNKNOWN = "unknown"
    USED = "used"
    NOT_OPEN = "not_open"
    ENDED = "ended"


# Only these look like guessing; a real code of a round or vote not yet open (or over) does not.
COUNTED_REFUSALS = {Refusal.UNKNOWN, Refusal.USED}
REFUSAL_STATUS = {Refusal.UNKNOWN: 404, Refusal.USED: 409, Refusal.NOT_OPEN: 403, Refusal.ENDED: 410}


class BallotRefused(Exception):
    """The code cannot cast. Carries only the reason, never the code."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def code_row_unused(
    model: type[models.Model], code: str, columns: Sequence[str], *, counted: Callable[[dict], bool]
) -> dict:
    """The row of ``code`` as typed or scanned, read from ``model``'s codes (see
    reviews.codes.code_row), or BallotRefused: UNKNOWN when there is no such code, USED
    when it has been used, ENDED when it is marked used because what it was for has been
    counted (``counted(row)`` says so: the count retires every code)."""
    row = code_row(model, normalise_code(code), columns)
    if row is None:
        raise BallotRefused(Refusal.UNKNOWN)
    if row["used"]:
        raise BallotRefused(Refusal.ENDED if counted(row) else Refusal.USED)
    return row
