"""A campaign like the county's 2010 创先争优, its nominations and votes, for tests."""

import datetime

from django.utils import timezone

from campaign.campaigns.evaluation import PARTY_PRESET, campaign_evaluation_defaults
from campaign.campaigns.models import (
    Campaign,
    CampaignChoice,
    Choice,
    ChoiceCounting,
    Phase,
    SectorTheme,
    Standard,
    StandardDimension,
    StandardSubject,
)

ORGANIZATION_DIMENSIONS = ["领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好"]
MEMBER_DIMENSIONS = ["带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气"]


def make_campaign(
    organization,
    *,
    starts_on=datetime.date(2010, 4, 26),
    ends_on=datetime.date(2012, 6, 30),
    basic_satisfied_counts=True,
    evaluation=PARTY_PRESET,
    **fields,
):
    """A campaign as the office sets one up; ``basic_satisfied_counts`` False makes its
    基本满意 count but not as satisfied (some campaigns judge so)."""
    campaign = Campaign.objects.create(
        organization=organization,
        name=fields.pop("name", "创先争优活动"),
        theme=fields.pop("theme", "创先争优促赶超，科学发展上水平"),
        starts_on=starts_on,
        ends_on=ends_on,
        **fields,
    )
    campaign_evaluation_defaults(campaign=campaign, preset=evaluation)
    if not basic_satisfied_counts:
        CampaignChoice.objects.filter(campaign=campaign, key=Choice.BASICALLY_SATISFIED).update(
            counting=ChoiceCounting.COUNTED
        )
    for order, (name, start, end) in enumerate(
        [
            ("动员部署", starts_on, datetime.date(2010, 6, 30)),
            ("全面争创", datetime.date(2010, 7, 1), datetime.date(2012, 3, 31)),
            ("总结表彰", datetime.date(2012, 4, 1), ends_on),
        ]
    ):
        Phase.objects.create(campaign=campaign, name=name, starts_on=start, ends_on=end, order=order)
    for subject, name, focus, dimensions in (
        (StandardSubject.ORGANIZATION, "五个好", "引领发展、服务群众、构建和谐、加强基层组织", ORGANIZATION_DIMENSIONS),
        (StandardSubject.MEMBER, "五带头", "工作思路、执行能力、效率业绩、廉洁从政、承诺兑现", MEMBER_DIMENSIONS),
    ):
        standard = Standard.objects.create(campaign=campaign, subject=subject, name=name, review_focus=focus)
        for order, dimension in enumerate(dimensions):
            StandardDimension.objects.create(standard=standard, name=dimension, order=order)
    SectorTheme.objects.create(campaign=campaign, sector="community", theme="服务居民群众，构建和谐社区")
    SectorTheme.objects.create(campaign=campaign, sector="rural", theme="强组织、增收入、促和谐")
    return campaign


def dimension(campaign, name):
    return StandardDimension.objects.get(standard__campaign=campaign, name=name)


def make_nomination(campaign, organization=None, *, member=None, deeds="带领群众修路架桥，服务居民。", at_top=True):
    """A nomination of the organization (or the member), at the campaign's organization
    (waiting for the office) unless ``at_top`` is False, built directly."""
    from campaign.nominations.models import ModelNomination, NominationStatus

    organization = member.organization if member is not None else organization
    return ModelNomination.objects.create(
        campaign=campaign,
        organization=organization,
        member=member,
        title="party_member" if member else "party_organization",
        deeds=deeds,
        nominating_organization=organization,
        current_level=campaign.organization if at_top else organization,
        status=NominationStatus.RECOMMENDED if at_top else NominationStatus.PENDING,
    )


def make_vote(campaign, nominations, *, codes=5, max_choices=1, opens_in=None, closes_in=None, **fields):
    """A public vote on the nominations with ``codes`` codes, open now unless told
    otherwise (``opens_in``/``closes_in``: timedeltas from now). Codes are
    "V<vote><number>", so tests can name them."""
    from django.utils import timezone

    from campaign.nominations.votes.models import PublicVote, PublicVoteNominee, VoteCode

    now = timezone.now()
    vote = PublicVote.objects.create(
        campaign=campaign,
        title=fields.pop("title", "2011年第一季度先进典型公示票选"),
        opens_at=now + (opens_in if opens_in is not None else -datetime.timedelta(hours=1)),
        closes_at=now + (closes_in if closes_in is not None else datetime.timedelta(days=3)),
        max_choices=max_choices,
        code_count=codes,
        **fields,
    )
    for order, nomination in enumerate(nominations, start=1):
        PublicVoteNominee.objects.create(vote=vote, nomination=nomination, order=order)
    VoteCode.objects.bulk_create(VoteCode(vote=vote, code=f"V{vote.pk:03d}{number:06d}") for number in range(codes))
    return vote


def at(day, hour=10):
    """That day at that hour, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def papers_out(vote):
    """Every paper held for the vote released as ballots, as the count does first
    (reviews.held_forms): for tests that look at the papers just cast."""
    from campaign.nominations.votes.services import held_papers_release

    held_papers_release(vote, final=True)


def make_score_period(county, campaign, *, comment="台账齐全"):
    """The default 100-point sheet and its period 2010年下半年, where the inspection group
    gave 北极村 8 points on the sheet's hand-scored line with ``comment``."""
    from decimal import Decimal

    from campaign.scores.models import IndicatorKind
    from campaign.scores.services import ManualInput, manual_scores_set, score_period_create, score_sheet_default

    sheet = score_sheet_default(campaign=campaign, total_points=100, by=None)
    period = score_period_create(
        campaign=campaign,
        name="2010年下半年",
        first_month=datetime.date(2010, 7, 1),
        last_month=datetime.date(2010, 12, 1),
        by=None,
    )
    manual_scores_set(
        period=period,
        organization=county.branch_b1,
        scores=[ManualInput(sheet.indicators.get(kind=IndicatorKind.MANUAL), Decimal(8), comment)],
        by=county.inspector_b,
    )
    return period
