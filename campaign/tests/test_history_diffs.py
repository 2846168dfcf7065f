"""History diffs (campaign.infra.history): what a history record did to its object, as the
pledge and review history pages and the audit log show it."""

import datetime

import pytest
from django.utils import timezone

from campaign.infra.history import history_diff, history_diffs
from pledges.models import Pledge, PledgeState
from pledges.tests.factories import make_pledge


@pytest.fixture
def pledge(county, campaign):
    return make_pledge(campaign, county.branch_a1, title="办好三件实事", items=0)


def records_of(pk):
    records = Pledge.history.filter(id=pk).select_related("history_user__member")
    return list(records.order_by("history_date", "history_id"))


def test_a_creation_lists_the_fields_given_a_value_and_the_system_made_it(pledge):
    (created,) = records_of(pledge.pk)
    diff = history_diff(created, before=None, fields=("title", "kind", "return_reason", "published_on"))
    assert (diff.action, diff.who) == ("新建", "系统")
    assert diff.changes == (("承诺标题", "", "办好三件实事"), ("承诺类型", "", "年度承诺"))


def test_a_change_lists_what_people_see_changed_and_who_changed_it(county, pledge):
    pledge.title = "办好四件实事"
    pledge.published_on = datetime.date(2011, 3, 1)
    pledge._history_user = county.leader_a
    pledge.save()
    before, after = records_of(pledge.pk)
    diff = history_diff(after, before=before, fields=("title", "state", "published_on"))
    assert (diff.action, diff.who) == ("修改", county.leader_a.display_name)
    assert diff.changes == (("承诺标题", "办好三件实事", "办好四件实事"), ("公示日期", "", "2011-03-01"))


def test_by_default_the_fields_naming_a_user_and_the_stamps_are_left_out(county, pledge):
    pledge.state = PledgeState.SUBMITTED
    pledge.submitted_at = timezone.make_aware(datetime.datetime(2011, 3, 1, 9, 30))
    pledge.submitted_by = county.secretary_user_a1
    pledge.save()
    before, after = records_of(pledge.pk)
    assert history_diff(after, before=before).changes == (
        ("状态", "草稿", "待审核"),
        ("提交时间", "", "2011-03-01 09:30"),
    )


def test_a_page_says_how_to_show_a_value_and_a_deletion_lists_nothing(pledge):
    pledge.published_version = 1
    pledge.save()
    pk = pledge.pk
    pledge.delete()
    _, changed, deleted = records_of(pk)
    shown = {"published_version": lambda version: f"第{version}版" if version else ""}
    diff = history_diff(changed, before=None, fields=("published_version",), shown=shown)
    assert diff.changes == (("已公示版本", "", "第1版"),)
    assert history_diff(deleted, before=changed).changes == ()


def test_diffs_compare_each_record_with_the_one_before_of_its_object_without_queries(
    county, campaign, pledge, django_assert_num_queries
):
    other = make_pledge(campaign, county.branch_a2, title="办好一件实事", items=0)
    pledge.title = "办好四件实事"
    pledge.save()
    records = records_of(pledge.pk) + records_of(other.pk)
    with django_assert_num_queries(0):
        diffs = history_diffs(records, subject=lambda record: record.organization_id, fields=("title",))
    assert [(diff.subject, diff.action, diff.changes) for diff in diffs] == [
        (county.branch_a1.pk, "修改", (("承诺标题", "办好三件实事", "办好四件实事"),)),
        (county.branch_a2.pk, "新建", (("承诺标题", "", "办好一件实事"),)),
        (county.branch_a1.pk, "新建", (("承诺标题", "", "办好三件实事"),)),
    ]
    assert not any(diff.changed_nothing for diff in diffs)
