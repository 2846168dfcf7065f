"""A published pledge is revised only as a new version: every version is kept, and the
difference between two versions is shown field by field and item by item."""

import datetime

import pytest
from django.urls import reverse

from pledges import lifecycle, services
from pledges.lifecycle import content_diff, pledge_content, text_segments
from pledges.models import Pledge, PledgeState, PledgeVersion
from pledges.tests.factories import make_pledge


@pytest.fixture
def first_version(county, campaign):
    """红湾社区党支部's pledge, published once with one opinion and two items."""
    secretary = county.secretary_user_a1
    pledge = make_pledge(campaign, county.branch_a1, title="红湾社区党支部2011年公开承诺")
    services.opinion_add(
        pledge=pledge, by=secretary, solicited_on=datetime.date(2010, 9, 1), method="forum", summary="居民希望就近办事"
    )
    services.item_add(
        pledge=pledge,
        by=secretary,
        target="硬化社区巷道",
        work="争取项目资金，组织居民投工投劳",
        due_date=datetime.date(2011, 10, 31),
        measurable_result="10月底前硬化巷道3公里",
    )
    lifecycle.pledge_submit(pledge=pledge, by=secretary)
    lifecycle.pledge_approve(pledge=pledge, by=county.leader_a)
    return lifecycle.pledge_publish(
        pledge=pledge, by=secretary, channel="notice_board", published_on=datetime.date(2011, 3, 1)
    )


def second_version(county, pledge):
    """Revise: change the first item, drop the second, add a third, add an opinion."""
    secretary = county.secretary_user_a1
    pledge = lifecycle.pledge_revise(pledge=pledge, by=secretary)
    first, second = pledge.items.order_by("order")
    services.item_update(
        item=first,
        by=secretary,
        target=first.target,
        work=first.work,
        practical_things=first.practical_things,
        due_date=first.due_date,
        measurable_result="2011年6月底前服务站开放，每月代办事项不少于50件",
    )
    services.item_remove(item=second, by=secretary)
    services.item_add(
        pledge=pledge,
        by=secretary,
        target="开办社区老年食堂",
        work="租用社区临街房屋两间",
        due_date=datetime.date(2011, 12, 31),
        measurable_result="年底前开业，每天供餐不少于40人",
    )
    services.opinion_add(
        pledge=pledge, by=secretary, solicited_on=datetime.date(2011, 5, 1), method="visit", summary="老人吃饭难"
    )
    lifecycle.pledge_submit(pledge=pledge, by=secretary)
    lifecycle.pledge_approve(pledge=pledge, by=county.leader_a)
    return lifecycle.pledge_publish(
        pledge=pledge, by=secretary, channel="meeting", published_on=datetime.date(2011, 6, 1)
    )


def test_publishing_freezes_the_content_as_version_1(first_version):
    version = first_version.versions.get()
    assert version.number == 1 and version.publication_channel == "notice_board"
    assert version.content == pledge_content(first_version)
    assert [item["target"] for item in version.content["items"]] == ["建成社区便民服务站", "硬化社区巷道"]
    assert version.content["opinions"][0]["summary"] == "居民希望就近办事"


def test_revise_edit_submit_approve_publish_makes_version_2_and_keeps_version_1(county, first_version):
    frozen = first_version.versions.get().content
    pledge = second_version(county, first_version)
    assert pledge.state == PledgeState.PUBLISHED and pledge.published_version == 2
    versions = list(PledgeVersion.objects.filter(pledge=pledge).order_by("number"))
    assert [version.number for version in versions] == [1, 2]
    assert versions[0].content == frozen
    assert versions[1].content["items"][0]["measurable_result"] == "2011年6月底前服务站开放，每月代办事项不少于50件"
    assert versions[1].publication_channel == "meeting"


def test_a_revision_leaves_the_published_version_untouched_until_published_again(county, first_version):
    frozen = first_version.versions.get().content
    pledge = lifecycle.pledge_revise(pledge=first_version, by=county.secretary_user_a1)
    services.pledge_update(pledge=pledge, by=county.secretary_user_a1, kind="annual", title="改过的标题")
    assert PledgeVersion.objects.get(pledge=pledge).content == frozen
    assert Pledge.objects.get(pk=pledge.pk).published_version == 1


def test_the_diff_shows_changed_removed_and_added_items_and_new_opinions(county, first_version):
    pledge = second_version(county, first_version)
    old, new = (version.content for version in pledge.versions.order_by("number"))
    diff = content_diff(old, new)
    assert diff.changed
    assert [row.status for row in diff.items] == ["changed", "added", "removed"]
    changed = diff.items[0]
    assert [change.label for change in changed.changes] == ["可衡量的成效"]
    assert ("delete", "3") in changed.changes[0].segments and ("insert", "5") in changed.changes[0].segments
    assert diff.items[1].item["target"] == "开办社区老年食堂"
    assert diff.items[2].item["target"] == "硬化社区巷道"
    assert [opinion["summary"] for opinion in diff.opinions_added] == ["老人吃饭难"]
    assert diff.opinions_removed == [] and diff.fields == []


def test_the_diff_of_a_version_with_itself_is_empty(first_version):
    content = first_version.versions.get().content
    diff = content_diff(content, content)
    assert not diff.changed and diff.unchanged_items == 2


def test_a_changed_title_and_kind_show_as_field_changes(first_version):
    old = first_version.versions.get().content
    new = old | {"title": "红湾社区党支部2011年度公开承诺", "kind": "long_term"}
    labels = {change.label: change for change in content_diff(old, new).fields}
    assert set(labels) == {"承诺标题", "承诺类型"}
    assert labels["承诺类型"].old == "年度承诺" and labels["承诺类型"].new == "长远承诺"


def test_text_segments_mark_kept_deleted_and_inserted_characters():
    assert text_segments("每月代办30件", "每月代办50件") == [
        ("equal", "每月代办"),
        ("delete", "3"),
        ("insert", "5"),
        ("equal", "0件"),
    ]


def test_the_diff_page_highlights_the_changed_item(client, county, first_version):
    pledge = second_version(county, first_version)
    client.force_login(county.leader_a)
    response = client.get(reverse("pledges:diff", args=[pledge.pk, 1, 2]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<del" in page and ">3</del>" in page
    assert ">5</ins>" in page
    assert "新增事项" in page and "开办社区老年食堂" in page
    assert "删去事项" in page and "硬化社区巷道" in page
    assert "老人吃饭难" in page


def test_the_versions_page_lists_every_version_and_links_to_the_diff(client, county, first_version):
    pledge = second_version(county, first_version)
    client.force_login(county.member_user_a1)
    response = client.get(reverse("pledges:versions", args=[pledge.pk]))
    assert response.status_code == 200
    assert [version.number for version in response.context["versions"]] == [1, 2]
    assert reverse("pledges:diff", args=[pledge.pk, 1, 2]) in response.content.decode()
    chosen = client.get(reverse("pledges:versions", args=[pledge.pk]), {"old": 2, "new": 1})
    assert chosen.status_code == 302 and chosen["Location"] == reverse("pledges:diff", args=[pledge.pk, 2, 1])


def test_a_version_that_does_not_exist_is_404(client, county, first_version):
    client.force_login(county.leader_a)
    assert client.get(reverse("pledges:diff", args=[first_version.pk, 1, 2])).status_code == 404


def test_the_pledge_page_shows_what_a_revision_changes_against_the_published_version(client, county, first_version):
    pledge = lifecycle.pledge_revise(pledge=first_version, by=county.secretary_user_a1)
    item = pledge.items.order_by("order").first()
    services.item_update(
        item=item,
        by=county.secretary_user_a1,
        target=item.target,
        work=item.work,
        due_date=item.due_date,
        measurable_result="每月代办事项不少于60件",
    )
    client.force_login(county.leader_a)
    response = client.get(pledge.get_absolute_url())
    revision = response.context["revision"]
    assert [row.status for row in revision.items] == ["changed", "same"]
    assert "公开栏仍显示第1版" in response.content.decode()
