"""验收销号 in the demo county: in 红湾寺镇, branches report rectification tasks done with
photos; the township (account leader) signs some off, with 回头看 due three months
later, and sends one back with the reason, which the branch then reports again; one
report still waits. The photos are small JPEGs drawn here. Loading again adds nothing:
each task is known by its organization and problem."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from campaign.campaigns.models import Campaign
from campaign.devdata.demo_activity import _clock
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from orgs.models import Organization, Role, User
from pledges.models import Rectification
from pledges.rectification import (
    rectification_create,
    rectification_report_done,
    rectification_send_back,
    rectification_sign_off,
)

LEADER = "leader"


@dataclass(frozen=True)
class Report:
    on: datetime.date
    result: str
    photos: tuple[tuple[str, tuple[int, int, int]], ...]


@dataclass(frozen=True)
class Story:
    """One task from opening to where the demo leaves it."""

    organization: str
    category: str
    problem: str
    measure: str
    opened: datetime.date
    deadline: datetime.date
    reports: tuple[Report, ...]
    # After each report but the last: the reason it was sent back.
    sent_back: tuple[str, ...] = ()
    # After the last report: signed off on this day with this note, or left waiting.
    signed_off: tuple[datetime.date, str] | None = None


STORIES = (
    Story(
        "SN-HWS-HWSQ",
        "基础设施",
        "社区党员活动室桌椅破旧，电教设备无法正常使用。",
        "更换桌椅，维修电教设备，落实专人管理。",
        datetime.date(2012, 3, 5),
        datetime.date(2012, 4, 30),
        (
            Report(
                datetime.date(2012, 4, 20),
                "已更换桌椅20套，电教设备维修完毕并试播远程教育课件。",
                (("活动室.jpg", (70, 110, 160)),),
            ),
        ),
        signed_off=(datetime.date(2012, 4, 26), "现场查看，桌椅和设备均已到位，远程教育可正常收看。"),
    ),
    Story(
        "SN-HWS-LCSQ",
        "制度落实",
        "“三会一课”记录不全，部分月份没有党小组会记录。",
        "补齐制度，建立会议记录台账，每月由支部书记签字。",
        datetime.date(2012, 3, 12),
        datetime.date(2012, 5, 15),
        (
            Report(
                datetime.date(2012, 5, 8),
                "建立了“三会一课”记录台账，5月起按月签字。",
                (("会议记录.jpg", (200, 190, 150)), ("台账.jpg", (150, 170, 120))),
            ),
        ),
        signed_off=(datetime.date(2012, 5, 14), "查阅台账，5月份记录齐全。"),
    ),
    Story(
        "SN-HWS-HYG",
        "服务群众",
        "村务公开栏内容三个月未更新。",
        "每月5日前更新村务、党务公开内容，留存照片备查。",
        datetime.date(2012, 4, 2),
        datetime.date(2012, 5, 31),
        (
            Report(datetime.date(2012, 5, 10), "公开栏已更新。", (("公开栏.jpg", (180, 60, 50)),)),
            Report(
                datetime.date(2012, 6, 6),
                "已公开1至5月村级财务收支明细和低保评定结果，6月5日按时更新。",
                (("公开栏-财务.jpg", (190, 80, 60)), ("公开栏-低保.jpg", (160, 90, 70))),
            ),
        ),
        sent_back=("照片上看不到财务收支明细，低保评定结果也未公开，请补充后再报。",),
        signed_off=(datetime.date(2012, 6, 12), "财务收支和低保评定结果均已公开。"),
    ),
    Story(
        "SN-HWS-XLG",
        "作风建设",
        "群众反映村干部坐班时间不固定，办事找不到人。",
        "实行村干部轮流坐班，在村委会门口公示坐班表和联系电话。",
        datetime.date(2012, 8, 6),
        datetime.date(2012, 9, 30),
        (
            Report(
                datetime.date(2012, 9, 20),
                "坐班表和联系电话已在村委会门口公示，8月以来每天有人坐班。",
                (("坐班表.jpg", (90, 140, 90)),),
            ),
        ),
        sent_back=(),
        # Left waiting: the township has not yet been to see.
    ),
)


def demo_signoff_load() -> list[Rectification]:
    """The sign-off stories on the demo campaign; returns their tasks. Idempotent."""
    campaign = Campaign.objects.filter(name=DEMO_CAMPAIGN_NAME).first()
    leader = User.objects.filter(username=LEADER).first()
    if campaign is None or leader is None:
        return []
    return [_tell(story, campaign=campaign, leader=leader) for story in STORIES]


@transaction.atomic
def _tell(story: Story, *, campaign: Campaign, leader: User) -> Rectification:
    organization = Organization.objects.get(code=story.organization)
    existing = Rectification.objects.filter(campaign=campaign, organization=organization, problem=story.problem).first()
    if existing is not None:
        return existing
    filer = _filer(organization, leader)
    with _clock(_at(story.opened, 10)):
        task = rectification_create(
            campaign=campaign,
            organization=organization,
            category=story.category,
            problem=story.problem,
            measure=story.measure,
            owner=filer.display_name,
            deadline=story.deadline,
            by=filer,
        )
    for number, report in enumerate(story.reports):
        with _clock(_at(report.on, 16)):
            files = [
                SimpleUploadedFile(name, _photo(color, name), content_type="image/jpeg")
                for name, color in report.photos
            ]
            rectification_report_done(
                rectification=task, result=report.result, solved_on=report.on, files=files, by=filer
            )
        if number < len(story.sent_back):
            with _clock(_at(report.on + datetime.timedelta(days=3), 10)):
                rectification_send_back(rectification=task, reason=story.sent_back[number], by=leader)
    if story.signed_off is not None:
        day, note = story.signed_off
        with _clock(_at(day, 11)):
            rectification_sign_off(rectification=task, note=note, by=leader)
    task.refresh_from_db()
    return task


def _filer(organization: Organization, leader: User) -> User:
    """The branch's own secretary account if it has one; otherwise the township files for it."""
    own = User.objects.filter(organization=organization, role=Role.SECRETARY, is_active=True).order_by("pk").first()
    return own or leader


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _photo(color: tuple[int, int, int], name: str) -> bytes:
    """A small JPEG that looks like something: a wall, a board and a window in the colour."""
    image = Image.new("RGB", (480, 360), (235, 232, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 440, 300), fill=color)
    draw.rectangle((80, 100, 220, 260), fill=tuple(min(255, part + 60) for part in color))
    draw.rectangle((260, 100, 400, 180), fill=(250, 250, 245))
    # A stripe per name, so two photos of one colour still differ.
    draw.rectangle((260, 200, 260 + 20 * (len(name) % 7 + 1), 220), fill=(60, 60, 60))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=80)
    return output.getvalue()
