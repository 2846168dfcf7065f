import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.services import (
    nomination_create,
    nomination_decline,
    nomination_quota,
    nomination_recommend,
    nomination_select,
    parse_quarter,
)
from campaign.tests.factories import make_campaign
from orgs.tests.factories import make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(county):
    return make_campaign(county.county)


def nominate(campaign, user, **nominee):
    return nomination_create(
        campaign=campaign, deeds="带领群众修路架桥，服务居民。", opinion="同意推荐。", by=user, **nominee
    )


def test_a_secretary_nominates_her_branch_and_it_starts_at_her_branch(county, campaign):
    nomination = nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    assert nomination.current_level == county.branch_a1
    assert nomination.nominating_organization == county.branch_a1
    assert nomination.status == NominationStatus.PENDING
    assert nomination.opinions.get().opinion == "同意推荐。"


def test_a_member_nomination_belongs_to_the_member_s_organization(county, campaign):
    nomination = nominate(campaign, county.leader_a, member=county.member_a1)
    assert nomination.organization == county.branch_a1
    assert nomination.nominee_name == county.member_a1.name


def test_nobody_nominates_outside_their_subtree_and_members_not_at_all(county, campaign):
    with pytest.raises(PermissionDenied):
        nominate(campaign, county.secretary_user_a1, organization=county.branch_b1)
    with pytest.raises(PermissionDenied):
        nominate(campaign, county.member_user_a1, organization=county.branch_a1)
    with pytest.raises(ValidationError):
        nominate(campaign, county.secretary_user_a1)
    assert not ModelNomination.objects.exists()


def test_a_branch_nomination_goes_to_the_township_then_the_county_then_is_selected(county, campaign):
    nomination = nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    nomination = nomination_recommend(nomination=nomination, opinion="镇党委同意。", by=county.leader_a)
    assert nomination.current_level == county.township_a
    assert nomination.status == NominationStatus.RECOMMENDED
    # The office could not select it while it sat at the township.
    with pytest.raises(PermissionDenied):
        nomination_select(nomination=nomination, by=county.office)
    nomination = nomination_recommend(nomination=nomination, opinion="县委同意。", by=county.office)
    assert nomination.current_level == county.county
    with pytest.raises(PermissionDenied):
        nomination_recommend(nomination=nomination, by=county.office)
    nomination = nomination_select(nomination=nomination, opinion="确定为先进基层党组织。", by=county.office)
    assert nomination.status == NominationStatus.SELECTED
    assert nomination.decided_at is not None
    assert [o.organization for o in nomination.opinions.all()] == [
        county.branch_a1,
        county.township_a,
        county.county,
        county.county,
    ]


def test_nobody_outside_the_chain_can_recommend(county, campaign):
    nomination = nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    for user in (county.secretary_user_a1, county.secretary_user_b1, county.member_user_a1, county.inspector_b):
        with pytest.raises(PermissionDenied):
            nomination_recommend(nomination=nomination, by=user)
    nomination.refresh_from_db()
    assert nomination.current_level == county.branch_a1


def test_the_township_leader_may_not_recommend_past_her_own_level(county, campaign):
    nomination = nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    nomination_recommend(nomination=nomination, by=county.leader_a)
    with pytest.raises(PermissionDenied):
        nomination_recommend(nomination=nomination, by=county.leader_a)


def test_only_the_office_declines_and_must_give_a_reason(county, campaign):
    nomination = nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    with pytest.raises(PermissionDenied):
        nomination_decline(nomination=nomination, opinion="事迹不突出。", by=county.leader_a)
    with pytest.raises(ValidationError):
        nomination_decline(nomination=nomination, opinion=" ", by=county.office)
    nomination = nomination_decline(nomination=nomination, opinion="事迹不突出。", by=county.office)
    assert nomination.status == NominationStatus.DECLINED
    with pytest.raises(PermissionDenied):
        nomination_recommend(nomination=nomination, by=county.leader_a)


def test_the_quota_counts_nominations_and_models_per_township_in_the_quarter(county, campaign):
    selected = nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    nominate(campaign, county.leader_a, member=county.member_a1)
    nomination_recommend(nomination=selected, by=county.office)
    nomination_recommend(nomination=selected, by=county.office)
    nomination_select(nomination=selected, by=county.office)
    nominate(campaign, county.secretary_user_b1, organization=county.branch_b1)
    today = timezone.localdate()
    rows = {row.organization: row for row in nomination_quota(campaign, today)}
    assert (rows[county.township_a].nominated, rows[county.township_a].selected) == (2, 1)
    assert not rows[county.township_a].below
    assert (rows[county.township_b].nominated, rows[county.township_b].selected) == (1, 0)
    assert rows[county.township_b].below
    last_year = nomination_quota(campaign, today.replace(year=today.year - 1))
    assert all(row.nominated == 0 and row.selected == 0 for row in last_year)


def test_parse_quarter_reads_the_quarter_or_falls_back():
    assert parse_quarter("2011-Q2", datetime.date(2010, 1, 1)) == datetime.date(2011, 4, 1)
    assert parse_quarter("nonsense", datetime.date(2010, 11, 5)) == datetime.date(2010, 10, 1)


def test_the_quota_page_takes_the_same_queries_however_many_townships(
    county, campaign, client, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(county.office)
    url = reverse("campaign:nomination_quota") + f"?campaign={campaign.pk}"
    client.get(url)
    with django_assert_max_num_queries(8) as captured:
        assert client.get(url).status_code == 200
    for number in range(3):
        make_organization(f"新镇{number}", parent=county.county)
    with django_assert_num_queries(len(captured)):
        response = client.get(url)
    assert "新镇2" in response.content.decode()


def test_the_list_page_queries_do_not_grow_with_rows(county, campaign, client, django_assert_max_num_queries):
    nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    client.force_login(county.office)
    url = reverse("campaign:nominations") + f"?campaign={campaign.pk}"
    client.get(url)  # the first visit remembers the campaign in the session: one write
    with django_assert_max_num_queries(8):
        client.get(url)
    for _ in range(5):
        nominate(campaign, county.leader_a, member=county.member_a1)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.content.decode().count(county.member_a1.name) == 5


def test_another_branch_s_secretary_gets_404_and_sees_none_in_the_list(county, campaign, client):
    nomination = nominate(campaign, county.secretary_user_a1, organization=county.branch_a1)
    client.force_login(county.secretary_user_b1)
    assert client.get(reverse("campaign:nomination", args=[nomination.pk])).status_code == 404
    assert client.post(reverse("campaign:nomination_recommend", args=[nomination.pk])).status_code == 404
    listing = client.get(reverse("campaign:nominations") + f"?campaign={campaign.pk}").content.decode()
    assert county.branch_a1.name not in listing


def test_a_secretary_nominates_a_member_through_the_page_and_the_leader_recommends_it(county, campaign, client):
    client.force_login(county.secretary_user_a1)
    url = reverse("campaign:nomination_create") + f"?campaign={campaign.pk}"
    assert client.post(url, {"nominee": str(county.member_a1.pk), "deeds": " "}).status_code == 200
    assert not ModelNomination.objects.exists()
    response = client.post(url, {"nominee": str(county.member_a1.pk), "deeds": "带头服务群众。", "opinion": ""})
    nomination = ModelNomination.objects.get()
    assert response.status_code == 302 and nomination.member == county.member_a1
    client.force_login(county.leader_a)
    detail = client.get(nomination.get_absolute_url()).content.decode()
    assert "推荐至上一级" in detail
    client.post(reverse("campaign:nomination_recommend", args=[nomination.pk]), {"opinion": "同意。"})
    nomination.refresh_from_db()
    assert nomination.current_level == county.township_a
