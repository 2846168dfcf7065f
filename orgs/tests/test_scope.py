import pytest
from django.urls import reverse

from orgs.access import scope_for_user
from orgs.models import Member, Organization
from orgs.scoping import ScopeMissing, no_scope, scope_activated


def org_url(organization):
    return reverse("orgs:organization", args=[organization.code])


def member_url(member):
    return reverse("orgs:member", args=[member.pk])


def test_query_without_scope_fails_loudly(county):
    with no_scope(), pytest.raises(ScopeMissing):
        list(Organization.objects.all())
    with no_scope(), pytest.raises(ScopeMissing):
        county.branch_a1.members.count()


def test_secretary_gets_404_for_another_branchs_pages(client, county):
    client.force_login(county.secretary_user_a1)
    assert client.get(org_url(county.branch_a1)).status_code == 200
    assert client.get(member_url(county.member_a1)).status_code == 200
    assert client.get(org_url(county.branch_b1)).status_code == 404
    assert client.get(member_url(county.member_b1)).status_code == 404
    # Upwards is outside the subtree too.
    assert client.get(org_url(county.township_a)).status_code == 404


def test_township_leader_sees_own_township_only(client, county):
    client.force_login(county.leader_a)
    for organization in (county.township_a, county.branch_a1, county.branch_a2, county.union_a1):
        assert client.get(org_url(organization)).status_code == 200
    for organization in (county.county, county.township_b, county.branch_b1):
        assert client.get(org_url(organization)).status_code == 404


def test_office_sees_whole_county(client, county):
    client.force_login(county.office)
    for organization in Organization.objects.all():
        assert client.get(org_url(organization)).status_code == 200


def test_inspector_reads_assigned_subtree_only_and_cannot_change(county):
    scope = scope_for_user(county.inspector_b)
    assert scope.contains(county.branch_b1) and not scope.contains(county.branch_a1)
    assert not scope.can_change(county.branch_b1)


def test_member_sees_only_self_among_members(client, county):
    client.force_login(county.member_user_a1)
    assert client.get(member_url(county.member_a1)).status_code == 200
    assert client.get(member_url(county.other_member_a1)).status_code == 404
    page = client.get(org_url(county.branch_a1))
    assert page.status_code == 200
    assert "钟建军" in page.text and "兰永福" not in page.text
    assert client.get(org_url(county.township_a)).status_code == 404


def test_scoped_manager_filters_related_managers(county):
    with scope_activated(scope_for_user(county.secretary_user_a1)):
        assert set(Organization.objects.values_list("name", flat=True)) == {"红湾社区党支部", "红湾社区工会"}
        assert county.township_b.members.count() == 0
        assert Member.objects.filter(pk=county.member_b1.pk).count() == 0


def test_home_tree_shows_only_own_subtree(client, county):
    client.force_login(county.leader_a)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "红湾寺镇党委" in page.text and "许三湾村党支部" in page.text
    assert "康乐乡党委" not in page.text and "北极村党支部" not in page.text


def test_logged_out_user_is_sent_to_login(client, county):
    response = client.get(org_url(county.branch_a1))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_inspector_pages_show_assigned_subtree_and_what_the_group_does_there(client, county):
    client.force_login(county.inspector_b)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert (
        "北极村党支部" in home.text
        and "红湾社区党支部" not in home.text
        and "查阅、记录检查走访、登记检查发现、验收整改、评分、记录跟踪问效、生成案卷" in home.text
    )
    assert client.get(org_url(county.branch_b1)).status_code == 200
    assert client.get(org_url(county.branch_a1)).status_code == 404


def test_scope_of_a_request_does_not_inherit_the_callers_scope(client, county):
    # Tests run inside unscoped(); a request must still see only the user's own scope.
    client.force_login(county.secretary_user_a1)
    assert client.get(org_url(county.branch_b1)).status_code == 404


def test_member_home_shows_own_card_not_a_head_count(client, county):
    client.force_login(county.member_user_a1)
    home = client.get(reverse("home"))
    assert "本人信息" in home.text and county.member_a1.get_absolute_url() in home.text
    assert "名党员" not in home.text


def test_campaign_of_the_county_reaches_everyone_below_and_no_one_beside(county, campaign):
    from campaign.campaigns.models import Campaign
    from campaign.tests.factories import make_campaign
    from orgs.tests.factories import make_organization

    other_county = make_organization("另一县委", kind="county", sector="organ")
    other_campaign = make_campaign(other_county, name="平安单位创建活动")
    for user in (county.office, county.leader_a, county.inspector_b, county.secretary_user_a1, county.member_user_a1):
        with scope_activated(scope_for_user(user)):
            assert list(Campaign.objects.all()) == [campaign], user.username
    township_campaign = make_campaign(county.township_a, name="红湾寺镇专项活动")
    with scope_activated(scope_for_user(county.secretary_user_b1)):
        assert township_campaign not in Campaign.objects.all()
        assert other_campaign not in Campaign.objects.all()
    with scope_activated(scope_for_user(county.secretary_user_a1)):
        assert township_campaign in Campaign.objects.all()
