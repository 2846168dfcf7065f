"""四排队八排队: the ranking page groups the same scores by level, by grade or by unit
type, and each group ranks its own members 1..n among the whole campaign."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaign.scores.models import OrganizationScore, ScorePeriod
from campaign.scores.services import score_period_recompute
from campaign.tests.factories import make_score_period
from orgs.models import Grade, Organization, Sector
from orgs.tests.factories import make_organization

pytestmark = pytest.mark.django_db

# Two 三级 hospitals and a 二级 one whose total lies between theirs: ranked by level they
# are 1, 2, 3 among the branches; by grade the weaker 三级 is second of two, not third.
HOSPITALS = [
    ("县人民医院党支部", "township_b", Grade.THIRD, "综合医院", Decimal("90")),
    ("县第二人民医院党支部", "township_a", Grade.THIRD, "综合医院", Decimal("70")),
    ("县中医医院党支部", "township_a", Grade.SECOND, "中医医院", Decimal("80")),
]


@pytest.fixture
def period(county, campaign):
    for name, township, grade, unit_type, _total in HOSPITALS:
        hospital = make_organization(name, parent=getattr(county, township), sector=Sector.INSTITUTION)
        Organization.objects.filter(pk=hospital.pk).update(grade=grade, unit_type=unit_type)
    period = make_score_period(county, campaign)
    score_period_recompute(period_id=period.pk, today=datetime.date(2011, 3, 1))
    # Totals as an inspection would leave them, other branches far below.
    OrganizationScore.objects.filter(period=period).update(total=Decimal("10"))
    for name, _township, _grade, _type, total in HOSPITALS:
        OrganizationScore.objects.filter(period=period, organization__name=name).update(total=total)
    period.refresh_from_db()
    return period


def ranking(client, period, **params):
    response = client.get(reverse("campaign:score_ranking", args=[period.pk]), params)
    assert response.status_code == 200
    return response


def ranks(response):
    return {score.organization.name: (score.rank, score.group_size) for score in response.context["page"].object_list}


def test_by_grade_three_grade_hospitals_rank_among_themselves(client, county, period):
    client.force_login(county.office)

    groups = ranking(client, period, by="grade").context["groups"]
    assert [(group.label, group.count) for group in groups] == [("三级", 2), ("二级", 1), ("未定级", 5)]

    third = ranking(client, period, by="grade", group=groups[0].key)
    assert ranks(third) == {"县人民医院党支部": (1, 2), "县第二人民医院党支部": (2, 2)}
    second = ranking(client, period, by="grade", group=groups[1].key)
    assert ranks(second) == {"县中医医院党支部": (1, 1)}
    ungraded = ranking(client, period, by="grade", group=groups[2].key)
    assert "县人民医院党支部" not in ranks(ungraded) and "红湾寺镇党委" in ranks(ungraded)


def test_by_unit_type_a_type_ranks_its_own_members(client, county, period):
    client.force_login(county.office)

    groups = ranking(client, period, by="unit_type").context["groups"]
    assert [group.label for group in groups] == ["中医医院", "综合医院", "未填单位类型"]

    general = ranking(client, period, by="unit_type", group=groups[1].key)
    assert ranks(general) == {"县人民医院党支部": (1, 2), "县第二人民医院党支部": (2, 2)}
    assert ranks(ranking(client, period, by="unit_type", group=groups[0].key)) == {"县中医医院党支部": (1, 1)}


def test_by_level_the_hospitals_rank_with_the_other_branches_as_before(client, county, period):
    client.force_login(county.office)
    response = ranking(client, period, group="2-branch")
    assert response.context["grouping"] == "level"
    assert {name for name in ranks(response)} >= {name for name, *_ in HOSPITALS}
    assert ranks(response)["红湾社区党支部"][1] == 6  # three villages and three hospitals


def test_the_tabs_link_each_grouping_and_keep_the_subtree(client, county, period):
    client.force_login(county.office)
    text = ranking(client, period, by="grade", org=county.township_a.code).content.decode()
    for label, by in (("按层级", "level"), ("按等级", "grade"), ("按单位类型", "unit_type")):
        assert label in text and f"?by={by}&amp;org={county.township_a.code}" in text
    assert 'aria-current="page" href="?by=grade' in text


def test_a_leader_sees_her_hospitals_with_ranks_among_the_whole_grade(client, county, period):
    client.force_login(county.leader_a)
    groups = ranking(client, period, by="grade").context["groups"]
    third = next(group for group in groups if group.label == "三级")
    assert third.count == 1  # only hers is visible...
    response = ranking(client, period, by="grade", group=third.key)
    assert ranks(response) == {"县第二人民医院党支部": (2, 2)}  # ...ranked among both
    assert "排名是在本活动同一组的全部组织之间计算的" in response.content.decode()


def test_an_unknown_grouping_falls_back_to_levels(client, county, period):
    client.force_login(county.office)
    assert ranking(client, period, by="nonsense").context["grouping"] == "level"


def test_the_export_by_grade_holds_one_sheet_per_grade(client, county, period):
    client.force_login(county.office)
    response = client.get(reverse("campaign:score_export", args=[period.pk]), {"by": "grade"})
    workbook = load_workbook(io.BytesIO(response.content))

    assert workbook.sheetnames == ["三级", "二级", "未定级"]
    rows = list(workbook["三级"].values)
    assert [(row[0], row[1]) for row in rows[1:]] == [(1, "县人民医院党支部"), (2, "县第二人民医院党支部")]


def test_a_hospital_regraded_after_the_computation_keeps_its_place_in_the_period(client, county, period):
    """The ranking by grade reads the grade each score was computed with: a period the
    office finalized does not move when a hospital is regraded later."""
    Organization.objects.filter(name="县中医医院党支部").update(grade=Grade.THIRD)
    client.force_login(county.office)

    groups = ranking(client, period, by="grade").context["groups"]
    assert [(group.label, group.count) for group in groups] == [("三级", 2), ("二级", 1), ("未定级", 5)]

    # Recomputed (as the office's button asks), the period takes the new grade.
    ScorePeriod.objects.filter(pk=period.pk).update(recompute_requested_at=timezone.now())
    score_period_recompute(period_id=period.pk, today=datetime.date(2011, 3, 1))
    groups = ranking(client, period, by="grade").context["groups"]
    assert [(group.label, group.count) for group in groups][0] == ("三级", 3)
