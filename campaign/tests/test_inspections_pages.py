"""The inspection pages: an inspection group plans, records and adds findings through the
forms; the unit and those above it read the visit and cannot write it."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from campaign.inspections.models import CheckResult, Finding, Visit, VisitMethod, VisitState
from pledges.models import Rectification, RectificationSource

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(data, format="PNG")
    return SimpleUploadedFile("台账.png", data.getvalue(), content_type="image/png")


def planned(client, county, campaign) -> Visit:
    client.force_login(county.inspector_b)
    response = client.post(
        f"{reverse('campaign:visit_plan')}?campaign={campaign.pk}",
        {
            "organization": county.branch_b1.code,
            "planned_on": "2011-05-10",
            "members": "张明、李芳",
            "methods": [VisitMethod.REPORT, VisitMethod.ON_SITE],
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    return visit


def recorded(client, county, campaign) -> Visit:
    visit = planned(client, county, campaign)
    items = list(visit.checklist.all())
    data = {
        "visited_on": "2011-05-10",
        "members": "张明、李芳",
        "methods": [VisitMethod.REPORT, VisitMethod.ON_SITE],
        "summary": "听取汇报，实地察看了党员活动室。",
    }
    for item in items:
        data[f"result_{item.pk}"] = CheckResult.MET
        data[f"note_{item.pk}"] = ""
    data[f"result_{items[0].pk}"] = CheckResult.PROBLEM
    data[f"note_{items[0].pk}"] = "班子分工不明确。"
    response = client.post(reverse("campaign:visit_record", args=[visit.pk]), data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == VisitState.RECORDED
    return visit


def test_the_plan_form_offers_only_the_units_the_group_inspects(client, county, campaign):
    client.force_login(county.inspector_b)
    page = client.get(f"{reverse('campaign:visit_plan')}?campaign={campaign.pk}").content.decode()
    assert "北极村党支部" in page and "红湾社区党支部" not in page
    assert "回头看" not in page.split("检查方式")[1].split("</form>")[0]


def test_a_plan_for_a_unit_outside_the_subtree_is_refused_on_the_form(client, county, campaign):
    client.force_login(county.inspector_b)
    response = client.post(
        f"{reverse('campaign:visit_plan')}?campaign={campaign.pk}",
        {"organization": county.branch_a1.code, "planned_on": "2011-05-10", "members": "张明", "methods": ["report"]},
    )
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_record_form_asks_for_a_note_where_a_problem_was_found(client, county, campaign):
    visit = planned(client, county, campaign)
    item = visit.checklist.first()
    response = client.post(
        reverse("campaign:visit_record", args=[visit.pk]),
        {
            "visited_on": "2011-05-10",
            "members": "张明",
            "methods": ["report"],
            "summary": "听取汇报。",
            f"result_{item.pk}": CheckResult.PROBLEM,
        },
    )
    assert response.status_code == 200 and "发现问题，请写明情况" in response.content.decode()


def test_a_finding_with_a_photo_opens_a_task_through_the_form(client, county, campaign, media):
    visit = recorded(client, county, campaign)
    item = visit.checklist.first()
    page = client.get(f"{reverse('campaign:finding_add', args=[visit.pk])}?item={item.pk}").content.decode()
    assert "交办整改任务" in page and "按细则扣分" not in page  # the campaign has no 细则
    response = client.post(
        reverse("campaign:finding_add", args=[visit.pk]),
        {
            "checklist_item": item.pk,
            "description": "支部委员分工没有上墙，职责不清。",
            "files": [png()],
            "action": "rectify",
            "category": "班子建设",
            "measure": "明确分工并公开",
            "owner": "杜德明",
            "deadline": "2011-06-10",
        },
    )
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert finding.rectification.source == RectificationSource.INSPECTION
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "已交办整改" in page and reverse("campaign:finding_file", args=[finding.attachments.get().pk]) in page
    photo = client.get(reverse("campaign:finding_file", args=[finding.attachments.get().pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


def test_a_task_without_its_deadline_is_refused_on_the_form(client, county, campaign):
    visit = recorded(client, county, campaign)
    response = client.post(
        reverse("campaign:finding_add", args=[visit.pk]),
        {"description": "问题", "action": "rectify", "category": "班子建设", "measure": "整改", "owner": "杜德明"},
    )
    assert response.status_code == 200 and "交办整改任务时须填写此项" in response.content.decode()
    assert not Finding.objects.exists() and not Rectification.objects.exists()


def test_the_unit_and_those_above_read_the_visit_without_writing_it(client, county, campaign):
    visit = recorded(client, county, campaign)
    for account in (county.secretary_user_b1, county.office):
        client.force_login(account)
        page = client.get(visit.get_absolute_url()).content.decode()
        assert "听取汇报，实地察看了党员活动室" in page and "班子分工不明确" in page
        assert reverse("campaign:visit_record", args=[visit.pk]) not in page
        assert reverse("campaign:finding_add", args=[visit.pk]) not in page
        assert client.get(reverse("campaign:visit_record", args=[visit.pk])).status_code == 403
    client.force_login(county.secretary_user_a1)
    assert client.get(visit.get_absolute_url()).status_code == 404


def test_the_visit_list_filters_by_unit_and_state(client, county, campaign, django_assert_max_num_queries):
    recorded(client, county, campaign)
    client.force_login(county.office)
    url = f"{reverse('campaign:visits')}?campaign={campaign.pk}"
    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()
    assert "北极村党支部" in page and "已检查" in page
    assert (
        "北极村党支部"
        not in client.get(f"{url}&org={county.branch_a2.code}").content.decode().split('id="visit-list"')[1]
    )
    assert "没有符合条件的检查" in client.get(f"{url}&state=planned").content.decode()


def test_the_role_is_labelled_as_recording_inspections_only(client, county, campaign):
    client.force_login(county.inspector_b)
    assert "巡回检查组（查阅，记录检查和验收）" in client.get(reverse("home")).content.decode()


def test_a_lookback_is_planned_from_the_list_of_due_tasks(client, county, campaign):
    from django.utils import timezone

    from pledges.models import RectificationStatus

    task = Rectification.objects.create(
        campaign=campaign,
        organization=county.branch_b1,
        category="服务群众",
        problem="便民服务站开放时间不固定",
        measure="排定值班表",
        owner="杜德明",
        deadline=datetime.date(2011, 1, 31),
        status=RectificationStatus.VERIFIED,
        verified_at=timezone.now(),
        lookback_due=datetime.date(2011, 4, 30),
    )
    client.force_login(county.inspector_b)
    page = client.get(f"{reverse('campaign:lookbacks')}?campaign={campaign.pk}").content.decode()
    plan_url = f"{reverse('campaign:visit_plan')}?campaign={campaign.pk}&amp;task={task.pk}"
    assert "便民服务站开放时间不固定" in page and plan_url in page
    response = client.post(
        plan_url.replace("&amp;", "&"), {"planned_on": "2011-05-10", "members": "张明", "methods": ["documents"]}
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.looks_back_at == task and visit.organization == county.branch_b1
    assert visit.methods == ["documents", "lookback"]
    client.force_login(county.secretary_user_b1)
    page = client.get(f"{reverse('campaign:lookbacks')}?campaign={campaign.pk}").content.decode()
    assert "已安排" in page and "安排回头看" not in page.split('id="lookbacks"')[1]
