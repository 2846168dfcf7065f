"""工作部署 / 督办件: who may send, answer and manage; the states a recipient goes through
(未报, 已报, 逾期报送, 逾期未报) with extensions; 催报 reminders, by hand and by the daily
job; the pages and the .xlsx export."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from campaign.dispatch.models import DispatchAttachment, DispatchRecipient, DispatchReturn, DispatchTask
from campaign.dispatch.selectors import ReturnState, open_tasks_for, recipient_state, returns_due
from campaign.dispatch.services import (
    dispatch_extension_decide,
    dispatch_extension_request,
    dispatch_remind,
    dispatch_return_file,
    dispatch_task_send,
)
from campaign.reminders.services import reminders_refresh
from orgs.models import Reminder, ReminderKind
from orgs.tests.factories import make_user

TODAY = datetime.date(2011, 11, 1)
DEADLINE = datetime.date(2011, 11, 15)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def png(name="报告.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def send(c, campaign, recipients=None, **fields) -> DispatchTask:
    values = {
        "title": "关于报送公开承诺兑现情况的通知",
        "body": "请于11月15日前书面报告公开承诺兑现情况。",
        "deadline": DEADLINE,
        "recipients": recipients or [c.branch_a1, c.branch_a2, c.branch_b1],
        **fields,
    }
    return dispatch_task_send(campaign=campaign, sender=c.county, by=c.office, today=TODAY, **values)


def row(task, organization) -> DispatchRecipient:
    return DispatchRecipient.objects.select_related("task").get(task=task, organization=organization)


def state(task, organization, today) -> str:
    recipient = DispatchRecipient.objects.select_related("task", "report").get(task=task, organization=organization)
    return recipient_state(recipient, today)


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------


def test_the_office_sends_a_task_to_three_branches_with_a_file(county, campaign, media):
    task = send(county, campaign, attachments=[png("通知.png")])
    assert task.recipients.count() == 3
    [attachment] = DispatchAttachment.objects.filter(task=task)
    assert attachment.original_name == "通知.png" and attachment.content_type == "image/png"
    assert state(task, county.branch_a1, TODAY) == ReturnState.PENDING


def test_a_leader_sends_only_within_the_township(county, campaign):
    task = dispatch_task_send(
        campaign=campaign,
        sender=county.township_a,
        title="镇党委部署",
        body="报送材料。",
        deadline=DEADLINE,
        recipients=[county.branch_a1],
        by=county.leader_a,
        today=TODAY,
    )
    assert task.sender == county.township_a
    with pytest.raises(PermissionDenied):
        dispatch_task_send(
            campaign=campaign,
            sender=county.township_a,
            title="越级部署",
            body="报送材料。",
            deadline=DEADLINE,
            recipients=[county.branch_b1],
            by=county.leader_a,
            today=TODAY,
        )


@pytest.mark.parametrize("who", ["inspector_b", "member_user_a1"])
def test_inspectors_and_members_never_send(county, campaign, who):
    with pytest.raises(PermissionDenied):
        dispatch_task_send(
            campaign=campaign,
            sender=county.county,
            title="部署",
            body="要求",
            deadline=DEADLINE,
            recipients=[county.branch_b1],
            by=getattr(county, who),
            today=TODAY,
        )


def test_a_sender_cannot_send_to_itself_nor_upward(county, campaign):
    with pytest.raises(PermissionDenied):
        dispatch_task_send(
            campaign=campaign,
            sender=county.branch_a1,
            title="部署",
            body="要求",
            deadline=DEADLINE,
            recipients=[county.branch_a1],
            by=county.secretary_user_a1,
            today=TODAY,
        )
    with pytest.raises(PermissionDenied):
        dispatch_task_send(
            campaign=campaign,
            sender=county.branch_a1,
            title="部署",
            body="要求",
            deadline=DEADLINE,
            recipients=[county.township_a],
            by=county.secretary_user_a1,
            today=TODAY,
        )


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(county, campaign):
    with pytest.raises(ValidationError) as refused:
        send(county, campaign, title=" ", body="", deadline=TODAY - datetime.timedelta(days=1))
    assert "请填写标题。" in refused.value.messages
    assert "请填写工作要求。" in refused.value.messages
    assert "报送时限不能早于今天。" in refused.value.messages
    assert not DispatchTask.objects.exists()


def test_a_bad_file_leaves_no_task_behind(county, campaign, media):
    fake = SimpleUploadedFile("病毒.exe", b"MZ\x90\x00" * 10, content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        send(county, campaign, attachments=[png(), fake])
    assert "不能上传" in refused.value.messages[0]
    assert not DispatchTask.objects.exists()


# ---------------------------------------------------------------------------
# Returns, lateness, extensions
# ---------------------------------------------------------------------------


def test_a_return_on_the_deadline_is_on_time_and_one_a_day_later_is_late(county, campaign, media):
    task = send(county, campaign)
    secretary_a2 = make_user("secretary_a2", "secretary", organization=county.branch_a2)
    dispatch_return_file(
        recipient=row(task, county.branch_a1),
        text="已完成承诺兑现情况自查。",
        files=[png()],
        by=county.secretary_user_a1,
        now=at(DEADLINE, 23),
    )
    dispatch_return_file(
        recipient=row(task, county.branch_a2),
        text="迟交的报告。",
        by=secretary_a2,
        now=at(DEADLINE + datetime.timedelta(days=1)),
    )
    later = DEADLINE + datetime.timedelta(days=2)
    assert state(task, county.branch_a1, later) == ReturnState.ON_TIME
    assert state(task, county.branch_a2, later) == ReturnState.LATE
    assert state(task, county.branch_b1, DEADLINE) == ReturnState.PENDING
    assert state(task, county.branch_b1, later) == ReturnState.OVERDUE
    assert DispatchReturn.objects.get(recipient__organization=county.branch_a1).files.count() == 1


def test_only_the_recipient_organization_files_its_return_and_only_once(county, campaign):
    task = send(county, campaign)
    with pytest.raises(PermissionDenied):
        dispatch_return_file(recipient=row(task, county.branch_a1), text="代报", by=county.office)
    with pytest.raises(PermissionDenied):
        dispatch_return_file(recipient=row(task, county.branch_a1), text="代报", by=county.secretary_user_b1)
    dispatch_return_file(recipient=row(task, county.branch_a1), text="已完成。", by=county.secretary_user_a1)
    with pytest.raises(ValidationError, match="不能重复报送"):
        dispatch_return_file(recipient=row(task, county.branch_a1), text="再报一次", by=county.secretary_user_a1)


def test_a_written_return_needs_its_text_or_a_file(county, campaign):
    task = send(county, campaign)
    with pytest.raises(ValidationError, match="要求书面报告"):
        dispatch_return_file(recipient=row(task, county.branch_a1), text="  ", by=county.secretary_user_a1)


def test_a_granted_extension_moves_the_deadline_and_a_refusal_does_not(county, campaign):
    task = send(county, campaign)
    until = DEADLINE + datetime.timedelta(days=5)
    a1 = dispatch_extension_request(
        recipient=row(task, county.branch_a1),
        until=until,
        reason="书记外出学习",
        by=county.secretary_user_a1,
        today=TODAY,
    )
    with pytest.raises(ValidationError, match="等待审批"):
        dispatch_extension_request(recipient=a1, until=until, reason="再申请", by=county.secretary_user_a1, today=TODAY)
    with pytest.raises(PermissionDenied):
        dispatch_extension_decide(recipient=a1, grant=True, by=county.secretary_user_a1)
    dispatch_extension_decide(recipient=a1, grant=True, by=county.office)
    b1 = dispatch_extension_request(
        recipient=row(task, county.branch_b1), until=until, reason="人手不足", by=county.secretary_user_b1, today=TODAY
    )
    dispatch_extension_decide(recipient=b1, grant=False, by=county.office)

    after = DEADLINE + datetime.timedelta(days=3)
    assert row(task, county.branch_a1).deadline == until
    assert state(task, county.branch_a1, after) == ReturnState.PENDING
    assert state(task, county.branch_b1, after) == ReturnState.OVERDUE
    # Returned within the extension: on time.
    dispatch_return_file(
        recipient=row(task, county.branch_a1), text="已完成。", by=county.secretary_user_a1, now=at(after)
    )
    assert state(task, county.branch_a1, after) == ReturnState.ON_TIME


def test_an_extension_must_ask_for_a_later_day_and_give_a_reason(county, campaign):
    task = send(county, campaign)
    recipient = row(task, county.branch_a1)
    with pytest.raises(ValidationError, match="应晚于"):
        dispatch_extension_request(
            recipient=recipient, until=DEADLINE, reason="理由", by=county.secretary_user_a1, today=TODAY
        )
    with pytest.raises(ValidationError, match="请填写延期理由"):
        dispatch_extension_request(
            recipient=recipient, until=DEADLINE + datetime.timedelta(days=1), reason=" ", by=county.secretary_user_a1
        )


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------


def test_remind_puts_a_reminder_on_the_late_branch_accounts_and_the_return_resolves_it(
    county, campaign, django_capture_on_commit_callbacks
):
    task = send(county, campaign)
    dispatch_return_file(recipient=row(task, county.branch_a1), text="已完成。", by=county.secretary_user_a1)
    with pytest.raises(PermissionDenied):
        dispatch_remind(task=task, by=county.leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        count = dispatch_remind(task=task, recipients=[row(task, county.branch_b1)], by=county.office)
    assert count == 1
    [reminder] = Reminder.objects.filter(kind=ReminderKind.DISPATCH_RETURN)
    assert reminder.user == county.secretary_user_b1
    assert "北极村党支部" in reminder.message and "公开承诺兑现情况" in reminder.message
    assert reminder.url == reverse("campaign:dispatch_recipient", args=[row(task, county.branch_b1).pk])
    assert row(task, county.branch_b1).reminded_at is not None

    # Reminded by hand, it stays on the home page through the nightly run until returned.
    reminders_refresh(today=TODAY)
    assert Reminder.objects.get(pk=reminder.pk).is_open
    dispatch_return_file(recipient=row(task, county.branch_b1), text="已补报。", by=county.secretary_user_b1)
    assert not Reminder.objects.get(pk=reminder.pk).is_open


def test_remind_refuses_when_everyone_chosen_has_returned(county, campaign):
    task = send(county, campaign, recipients=[county.branch_a1])
    dispatch_return_file(recipient=row(task, county.branch_a1), text="已完成。", by=county.secretary_user_a1)
    with pytest.raises(ValidationError, match="没有需要催报的单位"):
        dispatch_remind(task=task, by=county.office)


def test_the_daily_job_reminds_late_returns_and_resolves_them_once_filed(county, campaign):
    task = send(county, campaign)
    reminders_refresh(today=DEADLINE)
    assert not Reminder.objects.filter(kind=ReminderKind.DISPATCH_RETURN).exists()
    after = DEADLINE + datetime.timedelta(days=1)
    assert {r.organization for r in returns_due(after)} == {county.branch_a1, county.branch_a2, county.branch_b1}
    reminders_refresh(today=after)
    reminded = {r.user for r in Reminder.objects.filter(kind=ReminderKind.DISPATCH_RETURN, resolved_at=None)}
    assert reminded == {county.secretary_user_a1, county.secretary_user_b1}
    dispatch_return_file(recipient=row(task, county.branch_b1), text="已补报。", by=county.secretary_user_b1)
    reminders_refresh(today=after)
    reminded = {r.user for r in Reminder.objects.filter(kind=ReminderKind.DISPATCH_RETURN, resolved_at=None)}
    assert reminded == {county.secretary_user_a1}


def test_the_home_page_lists_open_tasks_of_the_users_own_organization(county, campaign):
    task = send(county, campaign)
    assert [r.recipient.task for r in open_tasks_for(county.secretary_user_a1, TODAY)] == [task]
    assert open_tasks_for(county.office, TODAY) == []
    assert open_tasks_for(county.member_user_a1, TODAY) == []
    dispatch_return_file(recipient=row(task, county.branch_a1), text="已完成。", by=county.secretary_user_a1)
    assert open_tasks_for(county.secretary_user_a1, TODAY) == []


# ---------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------


def test_a_branch_sees_the_task_and_only_its_own_row(client, county, campaign):
    task = send(county, campaign)
    client.force_login(county.secretary_user_a1)
    page = client.get(reverse("campaign:dispatch_task", args=[task.pk])).content.decode()
    assert "红湾社区党支部" in page and "北极村党支部" not in page and "许三湾村党支部" not in page
    assert client.get(reverse("campaign:dispatch_recipient", args=[row(task, county.branch_b1).pk])).status_code == 404
    assert client.get(reverse("campaign:dispatch_export", args=[task.pk])).status_code == 403


def test_a_task_of_another_township_is_not_found(client, county, campaign):
    task = dispatch_task_send(
        campaign=campaign,
        sender=county.township_b,
        title="康乐乡部署",
        body="要求",
        deadline=DEADLINE,
        recipients=[county.branch_b1],
        by=None,
        today=TODAY,
    )
    client.force_login(county.leader_a)
    assert client.get(reverse("campaign:dispatch_task", args=[task.pk])).status_code == 404
    client.force_login(county.office)
    assert client.get(reverse("campaign:dispatch_task", args=[task.pk])).status_code == 200


# ---------------------------------------------------------------------------
# Pages and export
# ---------------------------------------------------------------------------


def test_the_office_sends_through_the_form_and_bad_input_gets_chinese_messages(client, county, campaign, media):
    client.force_login(county.office)
    url = reverse("campaign:dispatch_create")
    page = client.post(url, {"title": "", "body": "", "deadline": "2011-13-01"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "请填写标题。" in text and "请至少选择一个承办单位。" in text and "请按“年-月-日”填写报送时限。" in text
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        url,
        {
            "title": "关于报送公开承诺兑现情况的通知",
            "body": "请书面报告。",
            "deadline": deadline.isoformat(),
            "written_return_required": "on",
            "recipients": [county.branch_a1.pk, county.branch_b1.pk],
            "attachments": [png("通知.png")],
        },
    )
    task = DispatchTask.objects.get()
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert task.recipients.count() == 2 and task.attachments.count() == 1


def test_the_list_shows_counts_at_a_glance(client, county, campaign, django_assert_max_num_queries):
    task = send(county, campaign)
    dispatch_return_file(recipient=row(task, county.branch_a1), text="已完成。", by=county.secretary_user_a1)
    client.force_login(county.office)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("campaign:dispatch"))
    text = page.content.decode()
    assert 'data-count="returned">1<' in text


def test_the_returns_export_to_xlsx(client, county, campaign, media):
    task = send(county, campaign)
    dispatch_return_file(
        recipient=row(task, county.branch_a1),
        text='=HYPERLINK("x") 已完成。',
        files=[png("自查报告.png")],
        by=county.secretary_user_a1,
        now=at(TODAY),
    )
    client.force_login(county.office)
    response = client.get(reverse("campaign:dispatch_export", args=[task.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert "关于报送公开承诺兑现情况的通知" in rows[0][0]
    assert rows[1][:4] == ["序号", "承办单位", "报送时限", "状态"]
    by_name = {line[1]: line for line in rows[2:]}
    assert set(by_name) == {"红湾社区党支部", "许三湾村党支部", "北极村党支部"}
    assert by_name["红湾社区党支部"][3] == "已报" and by_name["红湾社区党支部"][7] == "自查报告.png"
    assert by_name["红湾社区党支部"][6].startswith("=HYPERLINK")
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_a_branch_files_its_return_on_its_page_and_gets_chinese_messages(client, county, campaign, media):
    task = send(county, campaign)
    recipient = row(task, county.branch_a1)
    client.force_login(county.secretary_user_a1)
    url = reverse("campaign:dispatch_return", args=[recipient.pk])
    page = client.post(url, {"text": ""})
    assert "这项工作要求书面报告" in page.content.decode()
    response = client.post(url, {"text": "", "files": [png("报告.png")]})
    assert response.status_code == 302
    file = DispatchReturn.objects.get(recipient=recipient).files.get()
    download = client.get(reverse("campaign:dispatch_return_file", args=[file.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    client.force_login(county.secretary_user_b1)
    assert client.get(reverse("campaign:dispatch_return_file", args=[file.pk])).status_code == 404


def test_the_office_grants_an_extension_on_the_page(client, county, campaign):
    today = timezone.localdate()
    task = dispatch_task_send(
        campaign=campaign,
        sender=county.county,
        title="关于报送公开承诺兑现情况的通知",
        body="请书面报告。",
        deadline=today + datetime.timedelta(days=7),
        recipients=[county.branch_a1],
        by=county.office,
    )
    recipient = row(task, county.branch_a1)
    client.force_login(county.secretary_user_a1)
    until = (recipient.deadline + datetime.timedelta(days=3)).isoformat()
    client.post(reverse("campaign:dispatch_extension", args=[recipient.pk]), {"until": until, "reason": "材料需要补充"})
    client.force_login(county.office)
    response = client.post(reverse("campaign:dispatch_extension_decide", args=[recipient.pk]), {"decision": "grant"})
    assert response.status_code == 302
    assert row(task, county.branch_a1).extended_deadline.isoformat() == until


def test_a_task_without_a_written_report_takes_a_short_note(county, campaign):
    task = send(county, campaign, written_return_required=False)
    with pytest.raises(ValidationError, match="请简要填写办理情况"):
        dispatch_return_file(recipient=row(task, county.branch_a1), text="", by=county.secretary_user_a1)
    dispatch_return_file(recipient=row(task, county.branch_a1), text="已组织学习。", by=county.secretary_user_a1)


def test_the_task_page_costs_the_same_queries_however_many_return(client, county, campaign, media):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    task = send(county, campaign)
    client.force_login(county.office)
    url = reverse("campaign:dispatch_task", args=[task.pk])
    dispatch_return_file(
        recipient=row(task, county.branch_a1), text="已完成。", files=[png()], by=county.secretary_user_a1
    )
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    secretary_a2 = make_user("secretary_a2", "secretary", organization=county.branch_a2)
    dispatch_return_file(recipient=row(task, county.branch_a2), text="已完成。", files=[png()], by=secretary_a2)
    dispatch_return_file(recipient=row(task, county.branch_b1), text="已完成。", by=county.secretary_user_b1)
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    assert len(three.captured_queries) == len(one.captured_queries)
