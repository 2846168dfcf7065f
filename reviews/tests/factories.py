"""Rounds for tests, built directly so each test can start in the state it needs."""

import datetime

from django.utils import timezone

from orgs.models import Member
from reviews.models import (
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    EvaluatorCategory,
    RoundCategory,
    RoundState,
)


def make_round(campaign, organization, *, state=RoundState.DRAFT, codes=None, members=None, **fields):
    """A round of the organization and its members. ``codes``: {category: count} (default
    10 for 群众代表 and 5 for 党员); codes are generated when the state is past draft."""
    now = timezone.now()
    evaluation_round = EvaluationRound.objects.create(
        campaign=campaign,
        organization=organization,
        period=fields.pop("period", "2010年下半年"),
        briefing_on=fields.pop("briefing_on", datetime.date(2010, 12, 20)),
        briefing_summary=fields.pop("briefing_summary", "通报了全年承诺践诺情况。"),
        opens_at=fields.pop("opens_at", now - datetime.timedelta(hours=1)),
        closes_at=fields.pop("closes_at", now + datetime.timedelta(days=3)),
        state=state,
        **fields,
    )
    EvaluationSubject.objects.create(round=evaluation_round, member=None, order=0)
    members = members if members is not None else Member.objects.filter(organization=organization).order_by("pk")
    for order, member in enumerate(members, start=1):
        EvaluationSubject.objects.create(round=evaluation_round, member=member, order=order)
    codes = codes or {EvaluatorCategory.PUBLIC: 10, EvaluatorCategory.PARTY_MEMBER: 5}
    for category, count in codes.items():
        RoundCategory.objects.create(round=evaluation_round, category=category, code_count=count)
        if state != RoundState.DRAFT:
            for index in range(count):
                EvaluationCode.objects.create(
                    round=evaluation_round,
                    category=category,
                    code=f"T{evaluation_round.pk:03d}{category[:2].upper()}{index:05d}",
                )
    return evaluation_round
