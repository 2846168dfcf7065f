"""Pledges, their publication and rectifications for tests, and a real PNG for evidence."""

import datetime
import io

from PIL import Image

from pledges.lifecycle import pledge_approve, pledge_content, pledge_publish, pledge_submit
from pledges.models import (
    Pledge,
    PledgeItem,
    PledgeState,
    PledgeVersion,
    PublicationChannel,
    Rectification,
    RectificationSource,
    RectificationStatus,
)


def make_pledge(campaign, organization, *, member=None, title=None, items=1, **fields):
    pledge = Pledge.objects.create(
        campaign=campaign,
        organization=organization,
        member=member,
        title=title or f"{(member or organization).name}的承诺",
        **fields,
    )
    for order in range(items):
        PledgeItem.objects.create(
            pledge=pledge,
            order=order,
            target="建成社区便民服务站",
            work="协调辖区单位腾出两间办公用房，配备代办员2名",
            practical_things="为居民代办低保、医保等事项",
            due_date=datetime.date(2011, 6, 30),
            measurable_result="2011年6月底前服务站开放，每月代办事项不少于30件",
        )
    return pledge


def png_bytes(size=(8, 8), color=(200, 30, 30), **save_options) -> bytes:
    """A real PNG: small, and what it says it is."""
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, "PNG", **save_options)
    return output.getvalue()


TINY_PNG = png_bytes()


def publish_directly(pledge: Pledge, *, on=datetime.date(2011, 1, 10)) -> Pledge:
    """Freeze and publish without the approval steps, for tests about what comes after."""
    number = pledge.published_version + 1
    PledgeVersion.objects.create(
        pledge=pledge,
        number=number,
        content=pledge_content(pledge),
        published_on=on,
        publication_channel=PublicationChannel.NOTICE_BOARD,
    )
    Pledge.objects.filter(pk=pledge.pk).update(
        state=PledgeState.PUBLISHED,
        published_version=number,
        published_on=on,
        publication_channel=PublicationChannel.NOTICE_BOARD,
    )
    pledge.refresh_from_db()
    return pledge


def publish_with_approval(pledge: Pledge, *, filer, approver, on=datetime.date(2011, 1, 10)) -> Pledge:
    """The real way: submitted by the filer, approved by a superior, published by the filer."""
    pledge_submit(pledge=pledge, by=filer)
    pledge_approve(pledge=pledge, by=approver)
    return pledge_publish(pledge=pledge, by=filer, channel=PublicationChannel.NOTICE_BOARD, published_on=on)


def publish_first_version(pledge, day):
    """A first published version on ``day``, with no content and the pledge's state left
    as it was: what the figures count."""
    pledge.published_version = 1
    pledge.save(update_fields=["published_version"])
    PledgeVersion.objects.create(pledge=pledge, number=1, content={}, published_on=day, publication_channel="board")


def make_rectification(campaign, organization, deadline, solved_on=None):
    return Rectification.objects.create(
        campaign=campaign,
        organization=organization,
        source=RectificationSource.FOUND_PROBLEM,
        category="服务群众",
        problem="便民服务站开放时间短",
        measure="延长至晚八点",
        owner="安秀英",
        deadline=deadline,
        status=RectificationStatus.SOLVED if solved_on else RectificationStatus.OPEN,
        solved_on=solved_on,
    )
