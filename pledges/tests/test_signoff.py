"""验收销号: a task reported done with evidence, signed off or sent back by someone other
than the unit, 回头看 scheduled; old self-declared completions stay unverified."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from campaign.dashboard.figures import Period, figures_compute
from orgs.models import Role
from orgs.scoping import unscoped
from orgs.tests.factories import make_user
from pledges.models import (
    Rectification,
    RectificationEvidence,
    RectificationSignOff,
    RectificationSource,
    RectificationStatus,
    SignOffOutcome,
)
from pledges.rectification import (
    add_months,
    is_late,
    may_sign_off,
    rectification_create,
    rectification_publish,
    rectification_report_done,
    rectification_send_back,
    rectification_sign_off,
    rectification_update,
)
from pledges.selectors import rectification_tally, rectifications_to_verify
from pledges.tests.factories import TINY_PNG, make_rectification, png_bytes

pytestmark = pytest.mark.usefixtures("media")

TODAY = timezone.localdate()


def photo(name="整改后.png"):
    return SimpleUploadedFile(name, TINY_PNG, content_type="image/png")


def opened(county, campaign, *, organization=None, by=None, source=RectificationSource.FOUND_PROBLEM):
    return rectification_create(
        campaign=campaign,
        organization=organization or county.branch_a1,
        category="服务群众",
        problem="便民服务站开放时间不固定",
        measure="排定值班表并在公开栏公布",
        owner="支部书记 安秀英",
        deadline=datetime.date(2011, 5, 1),
        source=source,
        by=by or county.secretary_user_a1,
    )


def reported(county, campaign, **kwargs):
    return rectification_report_done(
        rectification=opened(county, campaign, **kwargs),
        result="值班表已公布，每天8:30至17:30开放",
        solved_on=datetime.date(2011, 4, 20),
        files=[photo()],
        by=kwargs.get("by") or county.secretary_user_a1,
    )


# ---------------------------------------------------------------------------
# Reporting done
# ---------------------------------------------------------------------------


def test_reporting_done_stores_the_evidence_and_waits_for_sign_off(county, campaign):
    task = reported(county, campaign)
    assert task.status == RectificationStatus.SOLVED and task.reported_at is not None
    (evidence,) = RectificationEvidence.objects.filter(rectification=task)
    assert evidence.content_type == "image/png" and evidence.original_name == "整改后.png"
    assert evidence.uploaded_by == county.secretary_user_a1
    # Reported is no longer late for the unit, though it is not yet signed off.
    assert not is_late(task)


def test_a_bad_file_leaves_no_report_and_no_evidence(county, campaign):
    task = opened(county, campaign)
    with pytest.raises(ValidationError, match="不是 JPEG"):
        rectification_report_done(
            rectification=task,
            result="已完成",
            solved_on=datetime.date(2011, 4, 20),
            files=[photo(), SimpleUploadedFile("病毒.exe", b"MZ\x90\x00" * 10)],
            by=county.secretary_user_a1,
        )
    task.refresh_from_db()
    assert task.status == RectificationStatus.OPEN and not RectificationEvidence.objects.exists()


def test_an_outsider_cannot_report_a_task_done(county, campaign):
    with pytest.raises(PermissionDenied):
        rectification_report_done(
            rectification=opened(county, campaign),
            result="已完成",
            solved_on=datetime.date(2011, 4, 20),
            by=county.secretary_user_b1,
        )


# ---------------------------------------------------------------------------
# Who signs off
# ---------------------------------------------------------------------------


def test_the_unit_cannot_sign_off_its_own_task(county, campaign):
    task = reported(county, campaign)
    assert not may_sign_off(county.secretary_user_a1, task)
    with pytest.raises(PermissionDenied):
        rectification_sign_off(rectification=task, by=county.secretary_user_a1)
    assert not may_sign_off(county.member_user_a1, task)


def test_the_township_the_office_and_the_inspection_group_may_sign_off(county, campaign):
    task = reported(county, campaign)
    assert may_sign_off(county.leader_a, task)
    assert may_sign_off(county.office, task)
    # The group inspecting township B does not cover township A's branch...
    assert not may_sign_off(county.inspector_b, task)
    # ...but does its own; and an account of a neighbouring township never.
    other = reported(county, campaign, organization=county.branch_b1, by=county.secretary_user_b1)
    assert may_sign_off(county.inspector_b, other)
    assert not may_sign_off(make_user("leader_b", Role.LEADER, organization=county.township_b), task)


def test_the_inspection_group_that_found_it_signs_it_off(county, campaign):
    found = opened(
        county, campaign, organization=county.branch_b1, by=county.inspector_b, source=RectificationSource.INSPECTION
    )
    assert found.found_by == county.inspector_b
    rectification_report_done(
        rectification=found, result="已整改", solved_on=datetime.date(2011, 4, 20), by=county.secretary_user_b1
    )
    rectification_sign_off(rectification=found, note="现场查看，已落实", by=county.inspector_b)
    found.refresh_from_db()
    assert found.status == RectificationStatus.VERIFIED and found.verified_by == county.inspector_b


def test_an_outsider_gets_404_on_the_task_and_the_unit_403_on_sign_off(client, county, campaign):
    task = reported(county, campaign)
    url = reverse("pledges:rectification_sign_off", args=[task.pk])
    client.force_login(county.secretary_user_b1)
    assert client.get(url).status_code == 404
    assert client.get(reverse("pledges:rectification_evidence", args=[task.evidence.get().pk])).status_code == 404
    client.force_login(county.secretary_user_a1)
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "sign_off"}).status_code == 403
    task.refresh_from_db()
    assert task.status == RectificationStatus.SOLVED


def test_the_list_to_verify_is_the_queryset_form_of_may_sign_off(client, county, campaign):
    tasks = [
        reported(county, campaign),
        reported(county, campaign, organization=county.branch_a2, by=county.leader_a),
        reported(county, campaign, organization=county.branch_b1, by=county.secretary_user_b1),
        reported(county, campaign, organization=county.township_a, by=county.leader_a),
    ]
    for user in (county.office, county.leader_a, county.inspector_b, county.secretary_user_a1, county.member_user_a1):
        client.force_login(user)
        listed = {task.pk for task in client.get(reverse("pledges:rectifications_to_verify")).context["page"]}
        visible = Rectification.objects.all()  # the test body is unscoped: check the scope by hand
        expected = {task.pk for task in tasks if may_sign_off(user, task) and _sees(client, task)}
        assert listed == expected, user.username
        assert visible.count() == len(tasks)


def _sees(client, task) -> bool:
    return client.get(task.get_absolute_url()).status_code == 200


def test_the_list_to_verify_filters_by_organization(client, county, campaign):
    reported(county, campaign)
    other = reported(county, campaign, organization=county.branch_a2, by=county.leader_a)
    client.force_login(county.leader_a)
    page = client.get(reverse("pledges:rectifications_to_verify"), {"organization": county.branch_a2.code})
    assert [task.pk for task in page.context["page"]] == [other.pk]
    assert rectifications_to_verify(user=county.leader_a, organization=county.branch_a2).count() == 1


# ---------------------------------------------------------------------------
# Signing off and sending back
# ---------------------------------------------------------------------------


def test_sign_off_sets_the_lookback_from_the_campaign(county, campaign):
    campaign.lookback_months = 6
    campaign.save()
    task = rectification_sign_off(rectification=reported(county, campaign), note="资料齐全", by=county.leader_a)
    assert task.status == RectificationStatus.VERIFIED
    assert task.verified_by == county.leader_a and task.verified_at is not None
    assert task.lookback_due == add_months(timezone.localdate(task.verified_at), 6)
    (check,) = task.sign_offs.all()
    assert (check.outcome, check.note, check.checked_by) == (SignOffOutcome.SIGNED_OFF, "资料齐全", county.leader_a)
    with pytest.raises(ValidationError, match="已验收销号"):
        rectification_update(rectification=task, by=county.secretary_user_a1, measure="改过的措施")


def test_months_are_added_to_the_last_day_of_a_short_month():
    assert add_months(datetime.date(2011, 8, 31), 3) == datetime.date(2011, 11, 30)
    assert add_months(datetime.date(2011, 11, 30), 3) == datetime.date(2012, 2, 29)
    assert add_months(datetime.date(2011, 12, 15), 1) == datetime.date(2012, 1, 15)


def test_a_second_sign_off_is_refused(county, campaign):
    task = reported(county, campaign)
    stale = Rectification.objects.get(pk=task.pk)
    rectification_sign_off(rectification=task, by=county.leader_a)
    with pytest.raises(ValidationError, match="不在待验收状态"):
        rectification_sign_off(rectification=stale, by=county.office)
    assert RectificationSignOff.objects.count() == 1


def test_an_unreported_task_cannot_be_signed_off(county, campaign):
    with pytest.raises(ValidationError, match="不在待验收状态"):
        rectification_sign_off(rectification=opened(county, campaign), by=county.leader_a)
    assert not RectificationSignOff.objects.exists()


def test_send_back_needs_a_reason_and_the_unit_sees_it(client, county, campaign):
    task = reported(county, campaign)
    with pytest.raises(ValidationError, match="写明理由"):
        rectification_send_back(rectification=task, reason="  ", by=county.leader_a)
    client.force_login(county.leader_a)
    url = reverse("pledges:rectification_sign_off", args=[task.pk])
    page = client.post(url, {"decision": "send_back", "note": ""})
    assert page.status_code == 200 and "写明理由" in page.content.decode()
    client.post(url, {"decision": "send_back", "note": "照片看不出开放时间，请补公示栏照片"})
    task.refresh_from_db()
    assert task.status == RectificationStatus.IN_PROGRESS and task.solved_on is None and task.reported_at is None
    client.force_login(county.secretary_user_a1)
    detail = client.get(task.get_absolute_url()).content.decode()
    assert "照片看不出开放时间，请补公示栏照片" in detail
    report = client.get(reverse("pledges:rectification_report", args=[task.pk])).content.decode()
    assert "照片看不出开放时间" in report
    # Reported again, the old evidence stays and the new is added; then signed off.
    client.post(
        reverse("pledges:rectification_report", args=[task.pk]),
        {"result": "已补公示栏照片", "solved_on": "2011-04-25", "files": [photo("公示栏.png")]},
    )
    task.refresh_from_db()
    assert task.status == RectificationStatus.SOLVED and task.evidence.count() == 2
    rectification_sign_off(rectification=task, by=county.leader_a)
    assert [check.outcome for check in task.sign_offs.all()] == [SignOffOutcome.SENT_BACK, SignOffOutcome.SIGNED_OFF]


def test_a_published_report_sent_back_leaves_the_notice_board(county, campaign):
    task = reported(county, campaign)
    rectification_publish(rectification=task, by=county.secretary_user_a1)
    task = rectification_send_back(rectification=task, reason="与实际不符", by=county.office)
    assert not task.is_published and task.published_on is None


def test_a_signed_off_task_may_be_published(county, campaign):
    task = rectification_sign_off(rectification=reported(county, campaign), by=county.leader_a)
    assert rectification_publish(rectification=task, by=county.secretary_user_a1).is_published


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_signers_at_once_end_in_one_sign_off(county, campaign):
    from campaign.tests.factories import make_campaign

    task = reported(county, make_campaign(county.county))
    outcomes = []

    def sign(user):
        try:
            # A thread starts without the test body's scope.
            with unscoped():
                rectification_sign_off(rectification=Rectification.objects.get(pk=task.pk), by=user)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(user,)) for user in (county.leader_a, county.office)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert RectificationSignOff.objects.filter(rectification=task).count() == 1


# ---------------------------------------------------------------------------
# Old data and the dashboard
# ---------------------------------------------------------------------------


def test_a_task_solved_before_sign_off_existed_shows_as_unverified(client, county, campaign):
    old = make_rectification(campaign, county.branch_a1, datetime.date(2011, 5, 1), solved_on=datetime.date(2011, 4, 1))
    assert old.status == RectificationStatus.SOLVED and old.reported_at is None
    client.force_login(county.leader_a)
    page = client.get(old.get_absolute_url()).content.decode()
    assert "旧数据：单位自报完成，未经验收" in page
    assert old.pk in {task.pk for task in client.get(reverse("pledges:rectifications_to_verify")).context["page"]}


def test_the_dashboard_counts_only_signed_off_tasks_as_verified(county, campaign):
    make_rectification(campaign, county.branch_a1, datetime.date(2011, 5, 1), solved_on=datetime.date(2011, 4, 1))
    signed = rectification_sign_off(rectification=reported(county, campaign), by=county.leader_a)
    opened(county, campaign)
    period = Period.of(campaign, TODAY, today=TODAY)
    own = figures_compute(campaign, period)[county.branch_a1.pk]
    assert (own.rectifications_verified, own.rectifications_to_verify, own.rectifications_open) == (1, 1, 1)
    tally = rectification_tally(campaign=campaign, organization=county.county, as_of=TODAY)
    assert (tally.verified, tally.to_verify, tally.unsolved) == (1, 1, 1)
    # As of the day before the sign-off, the signed-off task was still awaiting it.
    before = timezone.localdate(signed.verified_at) - datetime.timedelta(days=1)
    earlier = rectification_tally(campaign=campaign, organization=county.county, as_of=before)
    assert earlier.verified == 0


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def test_the_detail_shows_evidence_sign_offs_and_lookback(client, county, campaign, django_assert_max_num_queries):
    task = rectification_sign_off(rectification=reported(county, campaign), note="现场核实", by=county.leader_a)
    client.force_login(county.secretary_user_a1)
    with django_assert_max_num_queries(30):
        page = client.get(task.get_absolute_url())
    html = page.content.decode()
    evidence_url = reverse("pledges:rectification_evidence", args=[task.evidence.get().pk])
    assert f'<img src="{evidence_url}"' in html
    assert "现场核实" in html and task.lookback_due.isoformat() in html
    assert "尚无记录" in html
    response = client.get(evidence_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_report_page_takes_several_files(client, county, campaign):
    task = opened(county, campaign)
    client.force_login(county.secretary_user_a1)
    url = reverse("pledges:rectification_report", args=[task.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "result": "已排定值班表",
            "solved_on": "2011-04-20",
            "files": [photo("前.png"), SimpleUploadedFile("后.png", png_bytes(color=(0, 90, 0)))],
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == RectificationStatus.SOLVED and task.evidence.count() == 2


def test_the_sign_off_page_signs_off_and_shows_the_lookback(client, county, campaign):
    task = reported(county, campaign)
    client.force_login(county.leader_a)
    url = reverse("pledges:rectification_sign_off", args=[task.pk])
    assert client.get(url).status_code == 200
    page = client.post(url, {"decision": "sign_off", "note": ""}, follow=True)
    task.refresh_from_db()
    assert task.status == RectificationStatus.VERIFIED
    assert task.lookback_due.isoformat() in page.content.decode()
    # Signed off, the page no longer offers it.
    assert client.get(url).status_code == 302


def test_the_campaign_form_edits_the_lookback_months(client, county, campaign):
    client.force_login(county.office)
    page = client.get(reverse("campaign:edit", args=[campaign.pk]))
    assert 'name="lookback_months"' in page.content.decode()


# ---------------------------------------------------------------------------
# The daily reminder
# ---------------------------------------------------------------------------


def test_a_reported_task_reminds_the_township_and_the_finder_until_signed_off(county, campaign):
    from campaign.reminders.services import reminders_refresh
    from orgs.models import ReminderKind
    from orgs.selectors import open_reminders

    def waiting(user):
        return [reminder for reminder in open_reminders(user) if reminder.kind == ReminderKind.RECTIFICATION_TO_VERIFY]

    task = reported(county, campaign)
    found = opened(
        county, campaign, organization=county.branch_b1, by=county.inspector_b, source=RectificationSource.INSPECTION
    )
    rectification_report_done(
        rectification=found, result="已整改", solved_on=datetime.date(2011, 4, 20), by=county.secretary_user_b1
    )
    # Solved before sign-off existed: listed, not pushed.
    make_rectification(campaign, county.branch_a2, datetime.date(2011, 5, 1), solved_on=datetime.date(2011, 4, 1))
    day = datetime.date(2011, 5, 3)

    reminders_refresh(today=day)

    [reminder] = waiting(county.leader_a)
    assert reminder.key == str(task.pk)
    assert reminder.url == reverse("pledges:rectification_sign_off", args=[task.pk])
    assert "请验收销号或退回重改" in reminder.message
    assert [reminder.key for reminder in waiting(county.inspector_b)] == [str(found.pk)]
    assert waiting(county.secretary_user_a1) == []

    rectification_sign_off(rectification=task, by=county.leader_a)
    reminders_refresh(today=day)
    assert waiting(county.leader_a) == []


def test_the_notice_board_tells_a_signed_off_result_from_a_reported_one(client, county, campaign):
    task = reported(county, campaign)
    rectification_publish(rectification=task, by=county.secretary_user_a1)
    board = reverse("board:organization", args=[county.branch_a1.notice_board_token])
    assert "单位已报完成，尚未验收" in client.get(board).content.decode()
    rectification_sign_off(rectification=task, by=county.leader_a)
    page = client.get(board).content.decode()
    assert "已验收销号" in page and "尚未验收" not in page


def test_the_list_to_verify_costs_the_same_for_more_tasks(client, county, campaign, django_assert_max_num_queries):
    reported(county, campaign)
    client.force_login(county.leader_a)
    url = reverse("pledges:rectifications_to_verify")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(5):
        reported(county, campaign, organization=county.branch_a2, by=county.leader_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["page"]) == 6
