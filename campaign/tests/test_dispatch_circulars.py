"""通报批评 and the task a circular cites: who was late or missing, section by section,
only the sections with entries, and a real PDF in a CJK font."""

import datetime
import re

import pytest
from django.utils import timezone

from campaign.circulars.models import CircularKind, CircularState
from campaign.circulars.services import CircularInput, circular_create, circular_issue
from campaign.circulars.snapshots import snapshot_build
from campaign.dispatch.models import DispatchRecipient
from campaign.dispatch.services import dispatch_return_file, dispatch_task_send
from campaign.incidents.models import Incident, IncidentKind, VetoRule
from orgs.tests.factories import make_user
from pledges.models import Rectification

Q4_2011 = datetime.date(2011, 10, 1)
DEADLINE = datetime.date(2011, 11, 15)
ISSUED_ON = datetime.date(2012, 7, 2)


def at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def late_task(c, campaign):
    """The county's task of November 2011: 红湾社区 on time, 许三湾村 two days late, 北极村 never."""
    task = dispatch_task_send(
        campaign=campaign,
        sender=c.county,
        title="于11月15日前书面报告公开承诺兑现情况",
        body="请各支部书面报告公开承诺兑现情况。",
        deadline=DEADLINE,
        recipients=[c.branch_a1, c.branch_a2, c.branch_b1],
        by=c.office,
        today=datetime.date(2011, 11, 1),
    )
    secretary_a2 = make_user("secretary_a2", "secretary", organization=c.branch_a2)
    rows = {row.organization_id: row for row in DispatchRecipient.objects.filter(task=task)}
    dispatch_return_file(recipient=rows[c.branch_a1.pk], text="已完成。", by=c.secretary_user_a1, now=at(DEADLINE))
    dispatch_return_file(
        recipient=rows[c.branch_a2.pk], text="补报。", by=secretary_a2, now=at(DEADLINE + datetime.timedelta(days=2))
    )
    return task


def late_rectification(c, campaign):
    return Rectification.objects.create(
        campaign=campaign,
        organization=c.branch_b1,
        category="服务群众",
        problem="村务公开栏长期未更新",
        measure="每月更新公开栏",
        owner="杜德明",
        deadline=datetime.date(2011, 12, 1),
    )


def late_incident(c, campaign):
    kind = IncidentKind.objects.create(
        campaign=campaign, name="安全生产事故", phone_limit_hours=1, written_limit_hours=24, veto_rule=VetoRule.LATE
    )
    occurred = at(datetime.date(2011, 12, 5), 9)
    return Incident.objects.create(
        campaign=campaign,
        organization=c.branch_a2,
        kind=kind,
        summary="仓库火情",
        occurred_at=occurred,
        phoned_at=occurred + datetime.timedelta(hours=5),
        written_at=occurred + datetime.timedelta(hours=30),
    )


def criticism(campaign, **texts):
    return circular_create(
        campaign=campaign,
        kind=CircularKind.CRITICISM,
        period_start=Q4_2011,
        texts=CircularInput(**texts),
        by=None,
        today=datetime.date(2012, 6, 30),
    )


def test_criticism_lists_late_and_missing_units_in_each_section(county, campaign):
    late_task(county, campaign)
    late_rectification(county, campaign)
    late_incident(county, campaign)
    built = snapshot_build(criticism(campaign), today=ISSUED_ON)
    sections = {section["key"]: section for section in built.data["sections"]}
    assert [section["number"] for section in built.data["sections"]] == ["一", "二", "三", "四"]
    [task] = sections["tasks"]["rows"]
    assert [line["name"] for line in task["late"]] == ["许三湾村党支部"]
    assert task["late"][0]["returned_on"] == "2011-11-17"
    assert [line["name"] for line in task["missing"]] == ["北极村党支部"]
    assert [line["name"] for line in sections["rectifications"]["rows"]] == ["北极村党支部"]
    assert [line["name"] for line in sections["incidents"]["rows"]] == ["许三湾村党支部"]
    # No information reported in the quarter: every party organization below the county is short.
    assert "红湾社区党支部" in {line["name"] for line in sections["reports"]["rows"]}
    assert {county.branch_a2.pk, county.branch_b1.pk} <= built.concerned


def test_only_sections_with_entries_are_printed(county, campaign):
    late_task(county, campaign)
    built = snapshot_build(criticism(campaign), today=ISSUED_ON)
    keys = [section["key"] for section in built.data["sections"]]
    assert "rectifications" not in keys and "incidents" not in keys
    assert keys[0] == "tasks" and built.data["sections"][0]["number"] == "一"


def test_a_solved_rectification_and_a_task_returned_on_time_are_not_criticised(county, campaign):
    rectification = late_rectification(county, campaign)
    Rectification.objects.filter(pk=rectification.pk).update(status="solved", solved_on=datetime.date(2011, 11, 30))
    built = snapshot_build(criticism(campaign), today=ISSUED_ON)
    assert "rectifications" not in [section["key"] for section in built.data["sections"]]


def test_a_progress_circular_cites_a_tasks_returns(county, campaign):
    task = late_task(county, campaign)
    circular = circular_create(
        campaign=campaign,
        kind=CircularKind.PROGRESS,
        period_start=datetime.date(2011, 11, 1),
        texts=CircularInput(cited_task=task),
        by=county.office,
        today=datetime.date(2012, 6, 30),
    )
    citation = snapshot_build(circular, today=ISSUED_ON).data["cited_task"]
    assert (citation["total"], citation["on_time"], len(citation["late"]), len(citation["missing"])) == (3, 1, 1, 1)


def test_a_ranking_or_another_campaigns_task_cannot_be_cited(county, campaign):
    from django.core.exceptions import ValidationError

    from campaign.tests.factories import make_campaign

    other = make_campaign(county.county, name="另一活动")
    task = dispatch_task_send(
        campaign=other,
        sender=county.county,
        title="另一活动的部署",
        body="要求",
        deadline=DEADLINE,
        recipients=[county.branch_a1],
        by=None,
        today=datetime.date(2011, 11, 1),
    )
    with pytest.raises(ValidationError, match="只能通报本活动"):
        criticism(campaign, cited_task=task)
    with pytest.raises(ValidationError, match="只有活动进展情况通报和通报批评"):
        circular_create(
            campaign=other,
            kind=CircularKind.REPORTS,
            period_start=Q4_2011,
            texts=CircularInput(cited_task=task),
            by=None,
            today=datetime.date(2012, 6, 30),
        )


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_criticism_pdf_names_the_units_in_a_cjk_font(
    county, campaign, django_capture_on_commit_callbacks, read_pdf
):
    task = late_task(county, campaign)
    late_rectification(county, campaign)
    late_incident(county, campaign)
    circular = criticism(
        campaign,
        preamble="为严肃工作纪律，经县委同意，现对以下单位予以通报批评。",
        closing="希望被通报单位认真反思，立即整改，并于7月15日前将整改情况书面报县委组织部。",
        cited_task=task,
    )
    with django_capture_on_commit_callbacks(execute=True):
        circular_issue(circular=circular, by=county.office, today=ISSUED_ON)
    circular.refresh_from_db()
    assert circular.state == CircularState.ISSUED, circular.error
    data = circular.pdf.read()
    contents = read_pdf(data)
    text = flat("".join(contents.pages))
    for wanted in (
        circular.number_text,
        "通报批评",
        "为严肃工作纪律",
        "立即整改",
        "一、工作部署逾期报送和未报送的单位",
        "许三湾村党支部（2011年11月17日报送）",
        "北极村党支部",
        "二、整改任务逾期未完成的单位",
        "村务公开栏长期未更新",
        "四、重大情况迟报、瞒报的单位",
    ):
        assert flat(wanted) in text, wanted
    assert flat("应报送3个单位") in text
    # The cited task is among the late ones: its figures are given there, not again in an appendix.
    assert flat("附：工作部署落实情况") not in text
    assert text.count(flat(task.title)) == 1
    assert not contents.missing_glyphs()
    assert any("CJK" in name or "Noto" in name for name in contents.fonts), contents.fonts


def test_the_office_drafts_a_criticism_citing_a_task_on_the_page(client, county, campaign):
    from django.urls import reverse

    from campaign.circulars.models import Circular

    task = late_task(county, campaign)
    client.force_login(county.office)
    url = reverse("campaign:circular_create", args=[CircularKind.CRITICISM])
    page = client.get(url).content.decode()
    assert "通报工作部署的报送情况" in page and task.title in page
    response = client.post(
        url,
        {
            "period": Q4_2011.isoformat(),
            "recipients": [county.township_a.pk, county.township_b.pk],
            "closing": "特此通报。",
            "cited_task": task.pk,
        },
    )
    circular = Circular.objects.get(kind=CircularKind.CRITICISM)
    assert response.status_code == 302 and circular.cited_task == task
    preview = client.get(reverse("campaign:circular_preview", args=[circular.pk])).content.decode()
    assert "北极村党支部" in preview and "工作部署逾期报送和未报送的单位" in preview
