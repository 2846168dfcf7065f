"""Issue 19: each role's home page lists what waits for it (待办) and what changed for it (最近动态)."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from campaign.home.waiting import recent_changes, waiting_items
from campaign.inspections.models import Visit
from orgs.access import user_scope
from orgs.scoping import scope_activated
from pledges.lifecycle import pledge_approve, pledge_return, pledge_submit
from pledges.models import RectificationStatus
from pledges.tests.factories import make_pledge, make_rectification
from reviews.models import RoundState
from reviews.tests.factories import make_round


def running(campaign):
    """The campaign stretched over today, so that the home page works in it."""
    today = timezone.localdate()
    campaign.starts_on = today - datetime.timedelta(days=200)
    campaign.ends_on = today + datetime.timedelta(days=200)
    campaign.save()
    return campaign


def items_for(user, campaign):
    with scope_activated(user_scope(user)):
        return waiting_items(user, campaign)


def kinds(user, campaign):
    return [item.kind for item in items_for(user, campaign)]


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_a_submitted_pledge_waits_for_the_approver_and_approval_tells_the_secretary(client, county, campaign):
    campaign = running(campaign)
    pledge = make_pledge(campaign, county.branch_a1, title="建成便民服务站")
    assert "pledge_submitted" not in kinds(county.leader_a, campaign)

    pledge_submit(pledge=pledge, by=county.secretary_user_a1)
    [item] = [i for i in items_for(county.leader_a, campaign) if i.kind == "pledge_submitted"]
    assert item.url == pledge.get_absolute_url() and item.button == "审核"
    page = home(client, county.leader_a)
    assert "建成便民服务站" in page and 'id="waiting-badge"' in page
    # The submitter does not approve his own; the other township's secretary does not see it.
    assert "pledge_submitted" not in kinds(county.secretary_user_a1, campaign)
    assert "pledge_submitted" not in kinds(county.secretary_user_b1, campaign)

    pledge_approve(pledge=pledge, by=county.leader_a)
    assert "pledge_submitted" not in kinds(county.leader_a, campaign)
    with scope_activated(user_scope(county.secretary_user_a1)):
        changes = recent_changes(county.secretary_user_a1)
    assert [c.kind for c in changes] == ["pledge_approved"]
    assert "已审核通过" in home(client, county.secretary_user_a1)


def test_a_returned_pledge_waits_for_the_secretary(client, county, campaign):
    campaign = running(campaign)
    pledge = make_pledge(campaign, county.branch_a1)
    pledge_submit(pledge=pledge, by=county.secretary_user_a1)
    pledge_return(pledge=pledge, by=county.leader_a, reason="目标不够具体")
    [item] = [i for i in items_for(county.secretary_user_a1, campaign) if i.kind == "pledge_returned"]
    assert item.detail == "目标不够具体"
    pledge_submit(pledge=pledge, by=county.secretary_user_a1)
    assert "pledge_returned" not in kinds(county.secretary_user_a1, campaign)


def test_rounds_to_open_and_to_close_wait_for_the_organizer(county, campaign):
    campaign = running(campaign)
    draft = make_round(campaign, county.branch_a1)
    assert "round_to_open" in kinds(county.secretary_user_a1, campaign)
    draft.state = RoundState.OPEN
    draft.closes_at = timezone.now() - datetime.timedelta(minutes=5)
    draft.save()
    found = kinds(county.secretary_user_a1, campaign)
    assert "round_to_close" in found and "round_to_open" not in found
    assert "round_to_close" not in kinds(county.secretary_user_b1, campaign)


def test_rectifications_wait_for_the_unit_then_for_the_signer(county, campaign):
    campaign = running(campaign)
    today = timezone.localdate()
    task = make_rectification(campaign, county.branch_a1, deadline=today - datetime.timedelta(days=1))
    [item] = [i for i in items_for(county.secretary_user_a1, campaign) if i.kind == "rectification_to_report"]
    assert item.late and item.url == reverse("pledges:rectification_report", args=[task.pk])
    assert "rectification_to_verify" not in kinds(county.leader_a, campaign)

    task.status = RectificationStatus.SOLVED
    task.solved_on = today
    task.reported_at = timezone.now()
    task.save()
    assert "rectification_to_report" not in kinds(county.secretary_user_a1, campaign)
    assert "rectification_to_verify" not in kinds(county.secretary_user_a1, campaign)
    [item] = [i for i in items_for(county.leader_a, campaign) if i.kind == "rectification_to_verify"]
    assert item.count == 1 and item.url == reverse("pledges:rectifications_to_verify")
    assert "rectification_to_verify" in kinds(county.office, campaign)


def test_an_inspection_group_sees_its_planned_visits(county, campaign):
    campaign = running(campaign)
    visit = Visit.objects.create(
        campaign=campaign,
        organization=county.branch_b1,
        inspector=county.inspector_b,
        planned_on=timezone.localdate(),
        members="张三",
    )
    [item] = [i for i in items_for(county.inspector_b, campaign) if i.kind == "visit_planned"]
    assert item.url == reverse("campaign:visit_record", args=[visit.pk])


def test_the_member_sees_his_cards_and_no_organization_search(client, county, campaign):
    campaign = running(campaign)
    page = home(client, county.member_user_a1)
    for card in ("我的承诺", "对我的点评", "我的整改", "填写我的承诺"):
        assert card in page
    assert 'id="tree-filter"' not in page and "只读" not in page
    for url in (
        reverse("pledges:create") + "?for=member",
        reverse("reviews:reviews"),
        reverse("pledges:rectifications"),
    ):
        assert client.get(url).status_code == 200
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1, title="带头参加志愿服务")
    page = home(client, county.member_user_a1)
    assert "带头参加志愿服务" in page and pledge.get_absolute_url() in page
    assert client.get(pledge.get_absolute_url()).status_code == 200


def test_the_office_still_has_the_organization_tree(client, county, campaign):
    running(campaign)
    page = home(client, county.office)
    assert 'id="org-tree"' in page and 'id="tree-filter"' in page
    assert page.index('id="waiting"') < page.index('id="recent-changes"') < page.index('id="org-tree"')


def _fill(county, campaign, copies):
    """Work waiting for every role, ``copies`` times over."""
    today = timezone.localdate()
    for n in range(copies):
        for organization, filer in ((county.branch_a1, county.secretary_user_a1), (county.branch_a2, None)):
            pledge = make_pledge(campaign, organization, title=f"承诺{n}")
            if filer:
                pledge_submit(pledge=pledge, by=filer)
        make_rectification(campaign, county.branch_a1, deadline=today)
        make_rectification(campaign, county.branch_b1, deadline=today, solved_on=today)
        make_round(campaign, county.branch_a1)
        Visit.objects.create(
            campaign=campaign,
            organization=county.branch_b1,
            inspector=county.inspector_b,
            planned_on=today,
            members="张三",
        )


@pytest.mark.parametrize("role", ["office", "leader_a", "secretary_user_a1", "member_user_a1", "inspector_b"])
def test_the_waiting_list_costs_the_same_queries_however_much_waits(
    county, campaign, role, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    campaign = running(campaign)
    user = getattr(county, role)
    _fill(county, campaign, 1)
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as small:
        items_for(user, campaign)
    _fill(county, campaign, 8)
    user = type(user).objects.get(pk=user.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        items = items_for(user, campaign)
    assert len(small.captured_queries) <= 12
    if role != "member_user_a1":
        assert items


@pytest.mark.parametrize("role", ["office", "leader_a", "secretary_user_a1", "member_user_a1", "inspector_b"])
def test_every_waiting_item_opens_for_its_user(client, county, campaign, role):
    campaign = running(campaign)
    _fill(county, campaign, 2)
    user = getattr(county, role)
    client.force_login(user)
    for item in items_for(user, campaign):
        assert client.get(item.url).status_code == 200, item
