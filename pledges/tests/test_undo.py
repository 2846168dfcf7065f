"""Undo within reason (issue 19): the pledger withdraws a submission until it is
approved; a progress entry is corrected or removed within the campaign's window, its
history kept, the board showing the corrected text marked 已更正 and no removed entry."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from pledges import lifecycle
from pledges.lifecycle import TransitionRefused, allowed_actions, awaiting_decision
from pledges.models import Pledge, PledgeState, ProgressEntry
from pledges.progress import progress_correct, progress_record, progress_remove
from pledges.tests.factories import make_pledge, publish_with_approval

pytestmark = pytest.mark.usefixtures("media")

TODAY = timezone.localdate()


@pytest.fixture
def submitted_pledge(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, created_by=county.secretary_user_a1)
    return lifecycle.pledge_submit(pledge=pledge, by=county.secretary_user_a1)


@pytest.fixture
def item(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, title="红湾社区党支部年度承诺")
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    return pledge.items.get()


def record(item, by, text="便民服务站已动工", marks_done=False, on=TODAY):
    return progress_record(item=item, by=by, recorded_on=on, text=text, marks_done=marks_done)


def aged(entry, days):
    """The entry as if recorded ``days`` days ago."""
    ProgressEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    return ProgressEntry.objects.get(pk=entry.pk)


def board(client, organization):
    response = client.get(reverse("board:organization", args=[organization.notice_board_token]))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------------
# Withdrawing a submitted pledge
# ---------------------------------------------------------------------------


def test_the_filer_withdraws_a_submitted_pledge_back_to_draft(county, submitted_pledge):
    assert "withdraw" in allowed_actions(pledge=submitted_pledge, user=county.secretary_user_a1)
    assert awaiting_decision(county.leader_a, Pledge.objects.all()).filter(pk=submitted_pledge.pk).exists()

    pledge = lifecycle.pledge_withdraw(pledge=submitted_pledge, by=county.secretary_user_a1)

    assert pledge.state == PledgeState.DRAFT and pledge.submitted_by is None
    assert not awaiting_decision(county.leader_a, Pledge.objects.all()).filter(pk=pledge.pk).exists()
    latest = pledge.history.order_by("-history_date").first()
    assert latest.state == PledgeState.DRAFT and latest.history_user == county.secretary_user_a1
    # Back in draft, it can be edited and submitted again.
    assert lifecycle.pledge_submit(pledge=pledge, by=county.secretary_user_a1).state == PledgeState.SUBMITTED


def test_the_approver_and_a_member_cannot_withdraw(county, submitted_pledge):
    assert "withdraw" not in allowed_actions(pledge=submitted_pledge, user=county.member_user_a1)
    with pytest.raises(PermissionDenied):
        lifecycle.pledge_withdraw(pledge=submitted_pledge, by=county.member_user_a1)


def test_an_approved_pledge_cannot_be_withdrawn(county, submitted_pledge):
    lifecycle.pledge_approve(pledge=submitted_pledge, by=county.leader_a)
    with pytest.raises(TransitionRefused):
        lifecycle.pledge_withdraw(pledge=submitted_pledge, by=county.secretary_user_a1)


def test_approval_and_withdrawal_at_once_one_wins_with_a_clear_message(county, submitted_pledge):
    stale = Pledge.objects.get(pk=submitted_pledge.pk)  # the filer's page, loaded before the approval
    lifecycle.pledge_approve(pledge=submitted_pledge, by=county.leader_a)
    with pytest.raises(TransitionRefused, match="已审核通过"):
        lifecycle.pledge_withdraw(pledge=stale, by=county.secretary_user_a1)
    assert Pledge.objects.get(pk=stale.pk).state == PledgeState.APPROVED


def test_withdrawal_first_leaves_the_approver_a_clear_message(county, submitted_pledge):
    stale = Pledge.objects.get(pk=submitted_pledge.pk)
    lifecycle.pledge_withdraw(pledge=submitted_pledge, by=county.secretary_user_a1)
    with pytest.raises(TransitionRefused, match="刷新"):
        lifecycle.pledge_approve(pledge=stale, by=county.leader_a)


def test_the_pledge_page_offers_withdrawal_to_the_filer_only_while_submitted(client, county, submitted_pledge):
    client.force_login(county.secretary_user_a1)
    url = reverse("pledges:withdraw", args=[submitted_pledge.pk])
    assert url in client.get(submitted_pledge.get_absolute_url()).content.decode()
    response = client.post(url, follow=True)
    assert "已撤回提交" in response.content.decode()
    assert url not in client.get(submitted_pledge.get_absolute_url()).content.decode()
    client.force_login(county.leader_a)
    lifecycle.pledge_submit(pledge=Pledge.objects.get(pk=submitted_pledge.pk), by=county.secretary_user_a1)
    assert url not in client.get(submitted_pledge.get_absolute_url()).content.decode()


# ---------------------------------------------------------------------------
# Correcting and removing progress entries
# ---------------------------------------------------------------------------


def test_the_recorder_corrects_a_typo_and_the_history_keeps_the_old_text(county, item):
    entry = record(item, county.secretary_user_a1, text="便民服务站已动共")
    corrected = progress_correct(entry=entry, by=county.secretary_user_a1, text="便民服务站已动工", marks_done=False)
    assert corrected.text == "便民服务站已动工" and corrected.corrected_at is not None
    texts = list(corrected.history.order_by("history_date").values_list("text", flat=True))
    assert texts == ["便民服务站已动共", "便民服务站已动工"]
    assert corrected.history.order_by("-history_date").first().history_user == county.secretary_user_a1


def test_nobody_outside_the_pledgers_corrects_or_removes(county, item):
    entry = record(item, county.secretary_user_a1)
    with pytest.raises(PermissionDenied):
        progress_correct(entry=entry, by=county.member_user_a1, text="改过的", marks_done=False)
    with pytest.raises(PermissionDenied):
        progress_remove(entry=entry, by=county.member_user_a1, reason="误录")


def test_after_the_window_a_correction_is_refused_in_plain_chinese(county, campaign, item):
    entry = aged(record(item, county.secretary_user_a1), days=8)
    with pytest.raises(ValidationError, match="超过 7 天"):
        progress_correct(entry=entry, by=county.secretary_user_a1, text="改过的", marks_done=False)
    with pytest.raises(ValidationError, match="超过 7 天"):
        progress_remove(entry=entry, by=county.secretary_user_a1, reason="误录")
    campaign.progress_correction_days = 10
    campaign.save()
    progress_correct(entry=entry, by=county.secretary_user_a1, text="改过的", marks_done=False)


def test_an_empty_correction_or_removal_without_reason_is_refused(county, item):
    entry = record(item, county.secretary_user_a1)
    with pytest.raises(ValidationError, match="请填写进展情况"):
        progress_correct(entry=entry, by=county.secretary_user_a1, text="  ", marks_done=False)
    with pytest.raises(ValidationError, match="删除原因"):
        progress_remove(entry=entry, by=county.secretary_user_a1, reason="")


def test_a_removed_entry_keeps_its_row_and_history_but_cannot_be_corrected(county, item):
    entry = record(item, county.secretary_user_a1)
    removed = progress_remove(entry=entry, by=county.secretary_user_a1, reason="录到别的事项上了")
    assert ProgressEntry.objects.filter(pk=entry.pk).exists()
    assert removed.removed_by == county.secretary_user_a1 and removed.removal_reason == "录到别的事项上了"
    assert removed.history.count() == 2
    with pytest.raises(ValidationError, match="已被删除"):
        progress_correct(entry=entry, by=county.secretary_user_a1, text="改过的", marks_done=False)


def test_removing_the_entry_that_marked_the_item_done_undoes_the_completion(county, item):
    early = record(item, county.secretary_user_a1, text="服务站建成", marks_done=True, on=TODAY - datetime.timedelta(3))
    later = record(item, county.secretary_user_a1, text="服务站开放", marks_done=True)
    item.refresh_from_db()
    assert item.completed_on == early.recorded_on
    progress_remove(entry=early, by=county.secretary_user_a1, reason="日期写错")
    item.refresh_from_db()
    assert item.completed_on == later.recorded_on  # another entry still says done
    progress_remove(entry=later, by=county.secretary_user_a1, reason="尚未完成")
    item.refresh_from_db()
    assert item.completed_on is None


def test_correcting_the_done_mark_keeps_the_item_completion_consistent(county, item):
    entry = record(item, county.secretary_user_a1, text="服务站建成")
    progress_correct(entry=entry, by=county.secretary_user_a1, text="服务站建成", marks_done=True)
    item.refresh_from_db()
    assert item.completed_on == entry.recorded_on
    progress_correct(entry=entry, by=county.secretary_user_a1, text="服务站主体建成", marks_done=False)
    item.refresh_from_db()
    assert item.completed_on is None


def test_a_correction_after_a_removal_by_someone_else_is_refused(county, item):
    entry = record(item, county.secretary_user_a1)
    stale = ProgressEntry.objects.get(pk=entry.pk)  # the other window's copy
    progress_remove(entry=entry, by=county.leader_a, reason="重复录入")
    with pytest.raises(ValidationError, match="已被删除"):
        progress_correct(entry=stale, by=county.secretary_user_a1, text="改过的", marks_done=False)


# ---------------------------------------------------------------------------
# Pages and the public board
# ---------------------------------------------------------------------------


def test_the_board_shows_the_corrected_text_marked_and_hides_removed_entries(client, county, item):
    typo = record(item, county.secretary_user_a1, text="便民服务站已动共")
    wrong = record(item, county.secretary_user_a1, text="录错的一条进展")
    progress_correct(entry=typo, by=county.secretary_user_a1, text="便民服务站已动工", marks_done=False)
    progress_remove(entry=wrong, by=county.secretary_user_a1, reason="录错了")
    html = board(client, county.branch_a1)
    assert "便民服务站已动工" in html and "已更正" in html
    assert "便民服务站已动共" not in html and "录错的一条进展" not in html


def test_the_item_page_offers_correction_within_the_window_and_hides_removed(client, county, item):
    entry = record(item, county.secretary_user_a1, text="便民服务站已动共")
    old = aged(record(item, county.secretary_user_a1, text="上个月的进展"), days=30)
    client.force_login(county.secretary_user_a1)
    page = reverse("pledges:item_progress", args=[item.pk])
    html = client.get(page).content.decode()
    assert reverse("pledges:entry_correct", args=[entry.pk]) in html
    assert reverse("pledges:entry_correct", args=[old.pk]) not in html

    response = client.post(reverse("pledges:entry_correct", args=[entry.pk]), {"text": "便民服务站已动工"}, follow=True)
    html = response.content.decode()
    assert "践诺记录已更正" in html and "便民服务站已动工" in html and "已更正" in html

    response = client.post(reverse("pledges:entry_correct", args=[old.pk]), {"text": "改"}, follow=True)
    assert "超过 7 天" in response.content.decode()

    response = client.post(reverse("pledges:entry_remove", args=[entry.pk]), {"reason": "重复"}, follow=True)
    html = response.content.decode()
    assert "践诺记录已删除" in html and "便民服务站已动工" not in html
    # A removed entry is gone for these URLs too.
    assert client.post(reverse("pledges:entry_remove", args=[entry.pk]), {"reason": "再删"}).status_code == 404


def test_the_campaign_form_sets_the_correction_window(county, campaign):
    from campaign.campaigns.forms import CampaignForm

    form = CampaignForm(instance=campaign, user=county.office)
    assert "progress_correction_days" in form.fields
    assert campaign.progress_correction_days == 7


def test_a_superior_who_may_decide_returns_rather_than_withdraws(county, submitted_pledge):
    actions = allowed_actions(pledge=submitted_pledge, user=county.leader_a)
    assert "return" in actions and "withdraw" not in actions
