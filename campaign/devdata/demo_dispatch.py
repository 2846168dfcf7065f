"""The demo county's 工作部署: two tasks the county office sent to branches, as speech 1
asks ("于11月15日前书面报区委组织员办"), with their returns.

The first, of November 2011, asks six branches for a written report on how their public
pledges were kept by 15 November: four report in time, 许三湾村 asks for ten more days
and reports within them, 东庄村 reports three days late, and 前滩村 never reports and is
reminded. The second, of June 2012, asks three branches for a short note on their
joint-building (结对共建) work; all three answer in time. Loading again adds nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from campaign.campaigns.models import Campaign
from campaign.devdata.demo_activity import _clock
from campaign.devdata.demo_campaign import DEMO_CAMPAIGN_NAME
from campaign.dispatch.models import DispatchRecipient, DispatchTask
from campaign.dispatch.services import (
    dispatch_extension_decide,
    dispatch_extension_request,
    dispatch_remind,
    dispatch_return_file,
    dispatch_task_send,
)
from orgs.models import Organization, Role, User

PLEDGE_TASK_TITLE = "关于11月15日前书面报告公开承诺兑现情况的通知"
PLEDGE_TASK_BODY = (
    "各党支部：\n"
    "为掌握全县公开承诺兑现情况，请各党支部对照年初公开承诺的事项，逐项说明兑现进度、"
    "为群众办成的实事和尚未兑现的原因，经支部委员会研究后，于11月15日前书面报县委创先争优活动领导小组办公室。"
)
PAIRING_TASK_TITLE = "关于报送结对共建工作开展情况的通知"
PAIRING_TASK_BODY = "请结对共建的党支部简要报送上半年联席会议、共建活动的开展情况和下半年打算。"


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _secretary(organization: Organization) -> User | None:
    """An account acting for the branch (its secretary's), if the demo made one."""
    return (
        User.objects.filter(organization=organization, role__in=(Role.SECRETARY, Role.LEADER, Role.OFFICE))
        .order_by("pk")
        .first()
    )


def _send(campaign, office, title, body, sent_on, deadline, codes, *, written) -> DispatchTask | None:
    """The task as the office sent it on ``sent_on``; None when it is there already."""
    county = campaign.organization
    if DispatchTask.objects.filter(campaign=campaign, sender=county, title=title).exists():
        return None
    recipients = list(Organization.objects.filter(code__in=codes).order_by("path"))
    with _clock(_at(sent_on, 9)):
        return dispatch_task_send(
            campaign=campaign,
            sender=county,
            title=title,
            body=body,
            deadline=deadline,
            written_return_required=written,
            recipients=recipients,
            by=office,
            today=sent_on,
        )


def _rows(task: DispatchTask) -> dict[str, DispatchRecipient]:
    return {
        row.organization.code: row
        for row in DispatchRecipient.objects.filter(task=task).select_related("organization", "task")
    }


def _return(row: DispatchRecipient, day: datetime.date, text: str) -> None:
    moment = _at(day, 16)
    with _clock(moment):
        dispatch_return_file(recipient=row, text=text, by=_secretary(row.organization), now=moment)


@transaction.atomic
def demo_dispatch_load() -> list[DispatchTask]:
    """The two tasks and their returns; returns the tasks made now (none on a second run)."""
    campaign = Campaign.objects.select_related("organization").get(name=DEMO_CAMPAIGN_NAME)
    office = User.objects.get(username="office")
    made = []
    pledges = _send(
        campaign,
        office,
        PLEDGE_TASK_TITLE,
        PLEDGE_TASK_BODY,
        datetime.date(2011, 11, 1),
        datetime.date(2011, 11, 15),
        ["SN-HWS-HWSQ", "SN-HWS-LCSQ", "SN-HC-BJC", "SN-HC-DZC", "SN-MH-XSW", "SN-MH-QTC"],
        written=True,
    )
    if pledges is not None:
        made.append(pledges)
        rows = _rows(pledges)
        _return(
            rows["SN-HWS-HWSQ"],
            datetime.date(2011, 11, 10),
            "年初承诺的8项实事已兑现7项，社区便民服务站已建成运行，老旧小区路灯改造因资金未到位推迟到明年春季。",
        )
        _return(rows["SN-HWS-LCSQ"], datetime.date(2011, 11, 14), "承诺的5项事项全部兑现，为群众办实事12件，详见报告。")
        _return(
            rows["SN-HC-BJC"], datetime.date(2011, 11, 15), "承诺事项兑现6项，草原围栏项目正在施工，预计11月底完成。"
        )
        with _clock(_at(datetime.date(2011, 11, 12), 11)):
            dispatch_extension_request(
                recipient=rows["SN-MH-XSW"],
                until=datetime.date(2011, 11, 25),
                reason="支部书记参加县委党校培训至11月20日，支部委员会无法按时研究报告。",
                by=_secretary(rows["SN-MH-XSW"].organization),
                today=datetime.date(2011, 11, 12),
            )
        with _clock(_at(datetime.date(2011, 11, 13), 9)):
            dispatch_extension_decide(recipient=rows["SN-MH-XSW"], grant=True, by=office)
        _return(rows["SN-HC-DZC"], datetime.date(2011, 11, 18), "承诺的饮水工程已完工，其余事项正在推进。")
        with _clock(_at(datetime.date(2011, 11, 17), 9)):
            dispatch_remind(
                task=pledges, recipients=[rows["SN-MH-QTC"]], by=office, now=_at(datetime.date(2011, 11, 17), 9)
            )
        _return(rows["SN-MH-XSW"], datetime.date(2011, 11, 23), "承诺兑现情况已经支部委员会研究，9项承诺兑现8项。")
    pairing = _send(
        campaign,
        office,
        PAIRING_TASK_TITLE,
        PAIRING_TASK_BODY,
        datetime.date(2012, 6, 5),
        datetime.date(2012, 6, 20),
        ["SN-HWS-HWSQ", "SN-HC-BJC", "SN-MH-XSW"],
        written=False,
    )
    if pairing is not None:
        made.append(pairing)
        rows = _rows(pairing)
        _return(rows["SN-HWS-HWSQ"], datetime.date(2012, 6, 15), "与县工会结对，召开联席会议2次，开展“手拉手”活动3次。")
        _return(rows["SN-HC-BJC"], datetime.date(2012, 6, 19), "与县妇联开展“巾帼建功”活动1次。")
        _return(rows["SN-MH-XSW"], datetime.date(2012, 6, 18), "与县委办公室党支部城乡结对，帮助修缮村活动室。")
    return made
