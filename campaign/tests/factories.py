"""A campaign like the county's 2010 创先争优, for tests."""

import datetime

from campaign.models import Campaign, Phase, SectorTheme, Standard, StandardDimension, StandardSubject

ORGANIZATION_DIMENSIONS = ["领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好"]
MEMBER_DIMENSIONS = ["带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气"]


def make_campaign(organization, *, starts_on=datetime.date(2010, 4, 26), ends_on=datetime.date(2012, 6, 30), **fields):
    campaign = Campaign.objects.create(
        organization=organization,
        name=fields.pop("name", "创先争优活动"),
        theme=fields.pop("theme", "创先争优促赶超，科学发展上水平"),
        starts_on=starts_on,
        ends_on=ends_on,
        **fields,
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
