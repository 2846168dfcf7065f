"""The demo county's 党群共建 (DOMAIN.md): in the county's 创先争优, two pairs of an advanced
and a lagging branch picked by their figures in June 2011 (the month before they were
paired): an 一帮一 inside 红湾寺镇 and a 城乡结对共建 of the 红湾社区 with the weakest
village elsewhere, each with dated joint activities and photos; a 党建带妇建 pair of the
镇党委 and the 镇妇联; the mass organizations' activities and honours (青年文明号, 工人先锋号,
巾帼建功, 双学双比); and one 联席会议 with decisions and follow-up tasks. The photos are
small pictures drawn here. Loading again adds nothing.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import Figures, figures_ensure
from campaign.dashboard.models import OrganizationFigures
from campaign.pairing.models import JointMeeting, MassActivity, MassHonour, Pair
from campaign.pairing.services import (
    PairInput,
    followup_task_add,
    followup_task_update,
    joint_activity_record,
    joint_meeting_record,
    mass_activity_record,
    mass_honour_record,
    pair_create,
)
from orgs.models import Organization, OrganizationKind

PAIRS_START = datetime.date(2011, 7, 1)
PAIRS_END = datetime.date(2012, 6, 30)
# The month the branches are compared on to pick the pairs, and the months the pairs'
# before and after read (figures_ensure computes them when the scores left them out).
PICK_MONTH = datetime.date(2011, 6, 1)
MONTHS = (PICK_MONTH, datetime.date(2012, 6, 1))
TOWNSHIP = "SN-HWS"
COMMUNITY = "SN-HWS-HWSQ"  # the urban side of the 城乡结对共建 (account secretary)
# Far more than any age of a row: figures_ensure then only computes months that are missing.
ONLY_MISSING = 10**7


def _photo(name: str, colour: str) -> SimpleUploadedFile:
    """A small JPEG: a coloured field with a banner, enough to show where a photo goes."""
    image = Image.new("RGB", (320, 200), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 60), fill="#c8102e")
    draw.ellipse((120, 90, 200, 170), fill="#ffd700")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _standing(figures: Figures) -> tuple:
    """How well a branch did: pledge items done on time first, then satisfaction; no data counts as 0."""
    return (figures.fulfillment_percent or 0, figures.satisfaction_percent or 0, figures.pledgers_percent or 0)


def _branches_by_standing(campaign: Campaign) -> list[Organization]:
    """The campaign's branches from best to worst on the pick month's figures."""
    rows = OrganizationFigures.objects.filter(
        campaign=campaign, month=PICK_MONTH, organization__kind=OrganizationKind.BRANCH
    ).select_related("organization")
    scored = []
    for row in rows:
        figures = Figures()
        figures.add({name: getattr(row, name) for name in Figures.__dataclass_fields__})
        scored.append((_standing(figures), row.organization.path, row.organization))
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [organization for _standing_, _path, organization in scored]


def _pairs(campaign: Campaign) -> list[Pair]:
    ranked = _branches_by_standing(campaign)
    township = [branch for branch in ranked if branch.code.startswith(TOWNSHIP + "-") and branch.code != COMMUNITY]
    community = Organization.objects.get(code=COMMUNITY)
    villages = [branch for branch in ranked if not branch.code.startswith(TOWNSHIP + "-") and branch.sector == "rural"]
    pairs = []
    if len(township) >= 2:
        advanced, lagging = township[0], township[-1]
        pairs.append(
            _pair(
                campaign,
                kind="one_helps_one",
                name=f"{advanced.name}“一帮一”帮扶{lagging.name}",
                goals="帮助后进支部建立承诺践诺台账，到期承诺事项按时完成；群众满意率达到90%以上。",
                members=[(advanced, "helper"), (lagging, "helped")],
                activities=[
                    (
                        datetime.date(2011, 7, 15),
                        "结对帮扶座谈会",
                        "两支部委员座谈，逐项梳理后进支部未兑现的承诺事项，定出完成时限。",
                        14,
                    ),
                    (datetime.date(2011, 9, 20), "共上一堂党课", "先进支部书记讲“五带头”，两支部党员共同学习。", 31),
                    (datetime.date(2012, 3, 5), "学雷锋志愿服务", "两支部党员为孤寡老人打扫卫生、修缮房屋。", 22),
                ],
            )
        )
    if villages:
        lagging = villages[-1]
        pairs.append(
            _pair(
                campaign,
                kind="urban_rural",
                name=f"{community.name}与{lagging.name}城乡结对共建",
                goals="社区党支部帮助村党支部联系农畜产品销路、开展党员实用技术培训，提高群众满意率。",
                members=[(community, "helper"), (lagging, "helped")],
                activities=[
                    (
                        datetime.date(2011, 8, 10),
                        "牧区党员实用技术培训",
                        "请县畜牧兽医局技术员为村党员讲授牛羊越冬管理。",
                        40,
                    ),
                    (datetime.date(2011, 11, 18), "农畜产品进社区", "在红湾社区组织村里的牛羊肉、奶制品展销。", 56),
                ],
            )
        )
    township_committee = Organization.objects.get(code=TOWNSHIP)
    women = Organization.objects.get(code="SN-HWS-FL")
    pairs.append(
        _pair(
            campaign,
            kind="party_women",
            name="红湾寺镇党委带妇建",
            goals="镇党委每季度听取妇联工作汇报，支持开展“巾帼建功”“双学双比”活动。",
            members=[(township_committee, "partner"), (women, "partner")],
            activities=[
                (datetime.date(2011, 10, 12), "妇女创业带头人座谈", "镇党委与镇妇联共同座谈，帮助解决贷款难。", 18)
            ],
        )
    )
    return pairs


def _pair(campaign, *, kind, name, goals, members, activities) -> Pair:
    existing = Pair.objects.filter(campaign=campaign, name=name).first()
    if existing is not None:
        return existing
    pair = pair_create(
        campaign=campaign,
        data=PairInput(kind=kind, name=name, goals=goals, starts_on=PAIRS_START, ends_on=PAIRS_END, members=members),
        by=None,
    )
    for number, (day, title, content, participants) in enumerate(activities):
        joint_activity_record(
            pair=pair,
            held_on=day,
            title=title,
            content=content,
            participants=participants,
            photos=[_photo(f"{title}.jpg", ("#4a7ab5", "#5b9a5b", "#b58a4a")[number % 3])],
            by=None,
        )
    return pair


MASS_ACTIVITIES = (
    ("SN-HWS-TW", datetime.date(2011, 5, 4), "五四青年节主题团日", "团员青年重温入团誓词，开展环境整治志愿服务。", 45),
    (
        "SN-HWS-FL",
        datetime.date(2011, 3, 8),
        "“三八”妇女节“双学双比”表彰会",
        "表彰学文化、学技术，比成绩、比贡献的农牧民妇女。",
        60,
    ),
    ("SN-WS-RMYY-GH", datetime.date(2011, 6, 15), "护理技能竞赛", "县人民医院工会组织护士开展操作技能比赛。", 38),
    ("SN-JY-YZ-TW", datetime.date(2011, 10, 13), "建队日主题团课", "肃南一中团委组织学生团员学习团史。", 120),
)
MASS_HONOURS = (
    (
        "SN-JY-YZ-TW",
        "youth_civilization",
        "city",
        "市级青年文明号",
        "肃南一中团委学生服务队",
        datetime.date(2011, 5, 4),
        "坚持为牧区留守儿童义务辅导功课三年。",
    ),
    (
        "SN-WS-RMYY-GH",
        "worker_pioneer",
        "province",
        "省级工人先锋号",
        "县人民医院急诊科",
        datetime.date(2011, 4, 28),
        "常年承担牧区急危重症抢救，年抢救病人三百余人次。",
    ),
    (
        "SN-HWS-FL",
        "women_achievement",
        "county",
        "县级巾帼建功标兵岗",
        "红湾社区便民服务站",
        datetime.date(2011, 3, 8),
        "为社区居民提供代办服务，群众满意度高。",
    ),
    (
        "SN-HWS-FL",
        "double_learning",
        "city",
        "市级双学双比女能手",
        "海牙沟村妇女小组",
        datetime.date(2011, 12, 1),
        "带动二十户牧民发展特色养殖。",
    ),
)


def _mass_work(campaign: Campaign) -> None:
    for number, (code, day, title, content, participants) in enumerate(MASS_ACTIVITIES):
        organization = Organization.objects.get(code=code)
        if MassActivity.objects.filter(campaign=campaign, organization=organization, title=title).exists():
            continue
        mass_activity_record(
            campaign=campaign,
            organization=organization,
            held_on=day,
            title=title,
            content=content,
            participants=participants,
            photos=[_photo(f"{title}.jpg", ("#6a5acd", "#cd5a7a", "#5acdb4", "#cdb45a")[number % 4])],
            by=None,
        )
    for code, kind, level, title, awarded_to, day, citation in MASS_HONOURS:
        organization = Organization.objects.get(code=code)
        if MassHonour.objects.filter(campaign=campaign, organization=organization, title=title).exists():
            continue
        mass_honour_record(
            campaign=campaign,
            organization=organization,
            kind=kind,
            level=level,
            title=title,
            awarded_to=awarded_to,
            awarded_on=day,
            citation=citation,
            photos=[_photo(f"{title}.jpg", "#c8a040")],
            by=None,
        )


MEETING_DAY = datetime.date(2011, 6, 24)


def _meeting(campaign: Campaign) -> None:
    convener = Organization.objects.get(code=TOWNSHIP)
    if JointMeeting.objects.filter(campaign=campaign, convener=convener, held_on=MEETING_DAY).exists():
        return
    attending = list(Organization.objects.filter(code__in=["SN-HWS-TW", "SN-HWS-FL", COMMUNITY]).order_by("path"))
    meeting = joint_meeting_record(
        campaign=campaign,
        convener=convener,
        attendee_organizations=attending,
        held_on=MEETING_DAY,
        attendees="镇党委书记（主持）、镇团委书记、镇妇联主席、红湾社区党支部书记",
        topics="一、部署下半年党建带团建、带妇建工作；二、确定结对共建对子；三、研究“巾帼建功”活动安排。",
        decisions=(
            "1. 镇机关和社区党支部与后进村党支部结对，结对期一年；\n"
            "2. 镇团委、妇联每季度向镇党委汇报一次工作；\n"
            "3. 七月底前举办一次妇女创业带头人座谈会。"
        ),
        by=None,
    )
    units = {organization.code: organization for organization in attending}
    plan = followup_task_add(
        meeting=meeting, text="制定结对共建实施方案", responsible=convener, deadline=datetime.date(2011, 7, 10), by=None
    )
    followup_task_update(task=plan, done=True, note="方案已印发各支部。", done_on=datetime.date(2011, 7, 8), by=None)
    followup_task_add(
        meeting=meeting,
        text="举办妇女创业带头人座谈会",
        responsible=units["SN-HWS-FL"],
        deadline=datetime.date(2011, 7, 31),
        by=None,
    )
    followup_task_add(
        meeting=meeting,
        text="组织团员青年志愿服务队",
        responsible=units["SN-HWS-TW"],
        deadline=datetime.date(2011, 9, 30),
        by=None,
    )


@transaction.atomic
def demo_pairing_load(*, campaign: Campaign) -> list[Pair]:
    """Whatever of the county campaign's 党群共建 is missing. Needs an unscoped context."""
    figures_ensure(campaign, MONTHS, today=timezone.localdate(), fresh_minutes=ONLY_MISSING)
    pairs = _pairs(campaign)
    _mass_work(campaign)
    _meeting(campaign)
    return pairs
