"""The dashboard pages: figures by child organization and sector, drill-down to the
subjects under the threshold, exports, scope and a query count that ignores tree size."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from campaign.campaigns.models import CampaignChoice
from campaign.dashboard.models import OrganizationFigures
from campaign.tests.factories import at
from orgs.models import OrganizationKind
from orgs.tests.factories import PASSWORD, make_member, make_organization
from pledges.models import Rectification, RectificationSource
from pledges.tests.factories import make_pledge, publish_first_version
from reviews.models import EvaluationRound, EvaluationSubject, RemedialRectification, RoundState, TallyResult
from reviews.tests.factories import make_round

MONTH = "2010-09"


def login(client, user):
    client.login(username=user.username, password=PASSWORD)


def url(name="campaign:dashboard", **params):
    query = "&".join(f"{key}={value}" for key, value in {"month": MONTH, **params}.items())
    return f"{reverse(name)}?{query}"


@pytest.fixture
def active(county, campaign):
    """Pledges in both townships and a round in 红湾社区 where 钟建军 falls under 90%."""
    publish_first_version(make_pledge(campaign, county.branch_a1), datetime.date(2010, 9, 1))
    publish_first_version(make_pledge(campaign, county.branch_a1, member=county.member_a1), datetime.date(2010, 9, 2))
    publish_first_version(make_pledge(campaign, county.branch_b1), datetime.date(2010, 9, 3))
    evaluation_round = make_round(
        campaign,
        county.branch_a1,
        state=RoundState.TALLIED,
        opens_at=at(datetime.date(2010, 9, 5)),
        closes_at=at(datetime.date(2010, 9, 12)),
    )
    for subject in EvaluationSubject.objects.filter(round=evaluation_round):
        below = subject.member_id == county.member_a1.pk
        TallyResult.objects.create(
            round=evaluation_round,
            subject=subject,
            forms=20,
            satisfied=14 if below else 19,
            dissatisfied=6 if below else 1,
            satisfaction=Decimal(70 if below else 95),
            below_threshold=below,
        )
        if below:
            rectification = Rectification.objects.create(
                campaign=campaign,
                organization=county.branch_a1,
                member=county.member_a1,
                source=RectificationSource.EVALUATION,
                category="服务群众",
                problem="群众满意率低于90%",
                measure="补课整改",
                owner="钟建军",
                deadline=datetime.date(2010, 10, 31),
            )
            RemedialRectification.objects.create(round=evaluation_round, subject=subject, rectification=rectification)
    return evaluation_round


def rows_of(response):
    return {row.label: row.figures for row in response.context["board"].rows}


def test_office_sees_every_township_and_the_county_totals(client, county, active):
    login(client, county.office)
    response = client.get(url())

    assert response.status_code == 200
    rows = rows_of(response)
    assert set(rows) == {"测试县委本级", "红湾寺镇党委", "康乐乡党委"}
    assert rows["红湾寺镇党委"].organizations_covered == 1
    assert rows["红湾寺镇党委"].subjects_below == 1
    assert rows["康乐乡党委"].organizations_covered == 1
    board = response.context["board"]
    assert board.total.party_organizations == 6
    assert board.total.members_covered == 1
    assert {row.sector for row in board.sectors} == {"organ", "community", "rural"}
    assert "钟建军" not in response.content.decode()  # names are one click further down


def test_township_leader_sees_only_her_township(client, county, active):
    login(client, county.leader_a)
    response = client.get(url())

    rows = rows_of(response)
    assert set(rows) == {"红湾寺镇党委本级", "红湾社区党支部", "许三湾村党支部"}
    assert response.context["board"].total.party_organizations == 3
    assert client.get(url(org=county.branch_b1.code)).status_code == 404


def test_drilling_down_from_low_satisfaction_reaches_the_flagged_member(client, county, active):
    login(client, county.office)
    county_page = client.get(url()).content.decode()
    assert f"org={county.township_a.code}" in county_page

    township = client.get(url(org=county.township_a.code))
    assert rows_of(township)["红湾社区党支部"].subjects_below == 1
    assert f"org={county.branch_a1.code}" in township.content.decode()

    flagged = client.get(url("campaign:dashboard_flagged", org=county.branch_a1.code))
    page = flagged.content.decode()
    assert "钟建军" in page
    assert reverse("pledges:rectification", args=[county.member_a1.rectifications.get().pk]) in page
    assert "兰永福" not in page  # at 95% they are not flagged


def test_the_flagged_list_keeps_to_the_viewers_subtree(client, county, active):
    login(client, county.secretary_user_b1)
    page = client.get(url("campaign:dashboard_flagged")).content.decode()
    assert "钟建军" not in page
    assert client.get(url("campaign:dashboard_flagged", org=county.branch_a1.code)).status_code == 404


def test_tables_export_to_excel_with_a_total_row(client, county, active):
    login(client, county.office)
    response = client.get(url("campaign:dashboard_export", table="organizations"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[1][0] == "组织"
    names = [row[0] for row in values[2:]]
    assert names == ["测试县委本级", "红湾寺镇党委", "康乐乡党委", "合计"]
    assert values[-1][1] == 6  # organizations in all

    sectors = load_workbook(io.BytesIO(client.get(url("campaign:dashboard_export", table="sectors")).content)).active
    assert [row[0] for row in list(sectors.values)[2:]] == ["农牧村", "社区", "机关", "合计"]

    flagged = client.get(url("campaign:dashboard_flagged", export=1))
    assert [row[2] for row in list(load_workbook(io.BytesIO(flagged.content)).active.values)[1:]] == ["钟建军"]


def test_figures_are_computed_on_first_view_and_refreshed_on_request(client, county, active):
    login(client, county.office)
    assert not OrganizationFigures.objects.exists()
    client.get(url())
    assert OrganizationFigures.objects.filter(month=datetime.date(2010, 9, 1)).count() == 6

    campaign = active.campaign
    publish_first_version(make_pledge(campaign, county.branch_a2), datetime.date(2010, 9, 9))
    assert rows_of(client.get(url()))["红湾寺镇党委"].organizations_covered == 1  # still the stored figures
    response = client.post(reverse("campaign:dashboard_refresh"), {"campaign": campaign.pk, "month": MONTH})
    assert response.status_code == 302
    assert rows_of(client.get(url()))["红湾寺镇党委"].organizations_covered == 2


def test_only_the_office_and_leaders_may_recompute(client, county, active):
    login(client, county.secretary_user_a1)
    response = client.post(reverse("campaign:dashboard_refresh"), {"campaign": active.campaign.pk, "month": MONTH})
    assert response.status_code == 403


def test_plain_members_have_no_dashboard(client, county, active):
    login(client, county.member_user_a1)
    assert client.get(url()).status_code == 403


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url()).status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_the_tree(client, county, active):
    login(client, county.office)
    client.get(url())  # figures computed once
    small = _queries(client)

    for number in range(12):
        township = make_organization(f"第{number}乡党委", parent=county.county, kind=OrganizationKind.COMMITTEE)
        for branch_number in range(3):
            branch = make_organization(f"第{number}乡{branch_number}村党支部", parent=township)
            for member_number in range(4):
                make_member(branch, f"党员{number}{branch_number}{member_number}")
    client.post(reverse("campaign:dashboard_refresh"), {"campaign": active.campaign.pk, "month": MONTH})
    assert OrganizationFigures.objects.count() == 6 + 12 * 4

    assert _queries(client) == small


def test_a_sector_row_narrows_the_dashboard_to_that_sectors_organizations(client, county, active):
    login(client, county.office)
    page = client.get(url())
    community = next(row for row in page.context["board"].sectors if row.sector == "community")
    assert community.figures.subjects_below == 1

    narrowed = client.get(f"{reverse('campaign:dashboard')}?{community.query}")
    rows = rows_of(narrowed)
    assert set(rows) == {"红湾寺镇党委"}  # only 红湾社区 is a community branch
    assert rows["红湾寺镇党委"].party_organizations == 1
    assert "钟建军" in client.get(url("campaign:dashboard_flagged", sector="community")).content.decode()
    assert "钟建军" not in client.get(url("campaign:dashboard_flagged", sector="rural")).content.decode()


def test_with_the_broker_down_the_dashboard_serves_and_a_recount_says_it_did_not_happen(
    client, county, active, monkeypatch
):
    from kombu.exceptions import OperationalError

    from campaign.celery import app
    from campaign.dashboard.tasks import refresh_figures

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(refresh_figures, "apply_async", broker_down)
    app.conf.task_always_eager = False
    try:
        login(client, county.office)
        assert client.get(url()).status_code == 200  # no figures yet, and none can be queued
        response = client.post(
            reverse("campaign:dashboard_refresh"), {"campaign": active.campaign.pk, "month": MONTH}, follow=True
        )
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 200
    assert "没有重新统计" in response.content.decode()
    assert "已重新统计" not in response.content.decode()


def test_the_dashboard_judges_tallied_rounds_by_the_rule_their_tally_kept(client, county, active):
    """The office changes the campaign's rule after the tally: the flagged list still
    names the threshold its verdicts were taken by, and the satisfaction figures still
    count 基本满意 as that tally did."""
    EvaluationRound.objects.filter(pk=active.pk).update(judged_threshold=90)
    login(client, county.office)
    before = rows_of(client.get(url()))["红湾寺镇党委"].votes_satisfied

    campaign = active.campaign
    campaign.satisfaction_threshold = 95
    campaign.save()
    CampaignChoice.objects.filter(campaign=campaign, key="basically").update(counting="counted")
    client.post(reverse("campaign:dashboard_refresh"), {"campaign": campaign.pk, "month": MONTH})

    assert rows_of(client.get(url()))["红湾寺镇党委"].votes_satisfied == before
    page = client.get(url("campaign:dashboard_flagged")).content.decode()
    assert "满意率低于 90% 的对象" in page and "95%" not in page
