"""考核评价 pages: the office sets up the sheet and periods and finalizes; everyone reads
the ranking of their own subtree with ranks among all peers; inspection groups score
the organizations they inspect."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from campaign.scores.models import Indicator, IndicatorKind, ManualScore, OrganizationScore, ScorePeriod, ScoreSheet
from campaign.scores.services import (
    score_period_recompute,
    score_sheet_default,
)
from campaign.tests.factories import make_score_period
from orgs.tests.factories import make_organization
from pledges.tests.factories import make_pledge, publish_first_version

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2011, 3, 1)


@pytest.fixture
def period(county, campaign):
    """The default 100-point sheet and 2010年下半年 computed: 红湾社区 has published its
    pledge, and the inspection group gave 北极村 8 of 10 points."""
    publish_first_version(make_pledge(campaign, county.branch_a1), datetime.date(2010, 9, 20))
    period = make_score_period(county, campaign, comment="党员活动室台账齐全，扣2分：公开栏未更新")
    score_period_recompute(period_id=period.pk, today=TODAY)
    period.refresh_from_db()
    return period


def ranking_url(period, group="2-branch", **params):
    query = "&".join(f"{key}={value}" for key, value in {"group": group, **params}.items())
    return f"{reverse('campaign:score_ranking', args=[period.pk])}?{query}"


# ---------------------------------------------------------------------------
# The office's set-up
# ---------------------------------------------------------------------------


def test_the_office_sets_up_the_default_sheet_with_one_click(client, county, campaign):
    client.force_login(county.office)
    page = client.get(reverse("campaign:scores") + f"?campaign={campaign.pk}")
    assert "使用默认评分表（100 分）" in page.content.decode()

    response = client.post(reverse("campaign:score_sheet_default", args=[campaign.pk]), {"total": "100"})

    assert response.status_code == 302
    sheet = ScoreSheet.objects.get(campaign=campaign)
    assert sheet.indicators.count() == 8
    text = client.get(reverse("campaign:score_sheet", args=[campaign.pk])).content.decode()
    assert "群众满意率" in text and "督查组评分" in text and "得分 = 满分 × 比率。" in text


def sheet_post(rows, total="100", initial=0):
    data = {
        "total_points": total,
        "indicators-TOTAL_FORMS": str(len(rows)),
        "indicators-INITIAL_FORMS": str(initial),
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"indicators-{index}-{key}"] = value
    return data


def test_the_sheet_page_shows_why_maxima_that_do_not_add_up_are_refused(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:score_sheet_edit", args=[campaign.pk])
    rows = [
        {
            "name": "承诺覆盖率",
            "kind": "computed",
            "formula": "pledge_coverage",
            "max_points": "60",
            "when_no_data": "full",
        },
        {"name": "督查组评分", "kind": "manual", "formula": "", "max_points": "30", "when_no_data": "full"},
    ]

    refused = client.post(url, sheet_post(rows))

    assert refused.status_code == 200
    assert "各项指标满分合计 90 分，与总分 100 分不一致，请调整。" in refused.content.decode()
    assert not ScoreSheet.objects.exists()

    rows[1]["max_points"] = "40"
    saved = client.post(url, sheet_post(rows))
    assert saved.status_code == 302
    assert list(Indicator.objects.values_list("name", "max_points", "formula")) == [
        ("承诺覆盖率", 60, "pledge_coverage"),
        ("督查组评分", 40, ""),
    ]


def test_the_office_creates_a_period_and_its_ranking_is_computed(
    client, county, campaign, django_capture_on_commit_callbacks
):
    score_sheet_default(campaign=campaign, total_points=100, by=None)
    client.force_login(county.office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("campaign:score_period_create", args=[campaign.pk]),
            {"name": "2010年下半年", "first_month": "2010-07", "last_month": "2010-12"},
        )
    period = ScorePeriod.objects.get()
    assert response["Location"] == period.get_absolute_url()
    assert (period.first_month, period.last_month) == (datetime.date(2010, 7, 1), datetime.date(2010, 12, 1))
    assert OrganizationScore.objects.filter(period=period).count() == 5


def test_a_period_outside_the_campaign_is_refused_on_the_page(client, county, campaign):
    client.force_login(county.office)
    response = client.post(
        reverse("campaign:score_period_create", args=[campaign.pk]),
        {"name": "2009年", "first_month": "2009-01", "last_month": "2009-12"},
    )
    assert response.status_code == 200
    assert "考核期应在活动期间（2010-04 至 2012-06）内。" in response.content.decode()


# ---------------------------------------------------------------------------
# Reading the ranking: scope
# ---------------------------------------------------------------------------


def test_the_office_sees_every_group_with_the_breakdown_per_indicator(client, county, period):
    client.force_login(county.office)
    text = client.get(ranking_url(period)).content.decode()
    for name in ("红湾社区党支部", "许三湾村党支部", "北极村党支部", "承诺覆盖率", "督查组评分"):
        assert name in text
    assert "党委（第 1 层）" in text and "党支部（第 2 层）" in text
    assert "本页只列出" not in text


def test_a_township_leader_sees_only_her_townships_organizations_with_their_campaign_wide_ranks(client, county, period):
    client.force_login(county.leader_a)
    response = client.get(ranking_url(period))
    text = response.content.decode()

    assert "红湾社区党支部" in text and "许三湾村党支部" in text
    assert "北极村党支部" not in text and "康乐乡党委" not in text
    assert "排名是在本活动全部同层级、同类别的组织之间计算的" in text
    shown = {score.organization.name: score.rank for score in response.context["page"].object_list}
    stored = dict(
        OrganizationScore.objects.filter(period=period, kind="branch").values_list("organization__name", "rank")
    )
    assert shown == {name: stored[name] for name in ("红湾社区党支部", "许三湾村党支部")}
    assert response.context["page"].object_list[0].group_size == 3


def test_an_inspection_group_and_a_secretary_see_only_their_own_part(client, county, period):
    client.force_login(county.inspector_b)
    text = client.get(ranking_url(period)).content.decode()
    assert "北极村党支部" in text and "红湾社区党支部" not in text

    client.force_login(county.secretary_user_a1)
    response = client.get(ranking_url(period))
    assert [score.organization for score in response.context["page"].object_list] == [county.branch_a1]
    assert [group.key for group in response.context["groups"]] == ["2-branch"]


def test_the_ranking_can_be_narrowed_to_a_subtree_and_a_name(client, county, period):
    client.force_login(county.office)
    response = client.get(ranking_url(period, org=county.township_b.code))
    assert [score.organization for score in response.context["page"].object_list] == [county.branch_b1]
    response = client.get(ranking_url(period, q="许三湾"))
    assert [score.organization for score in response.context["page"].object_list] == [county.branch_a2]


def test_the_export_holds_one_sheet_per_group_and_only_the_rows_in_scope(client, county, period):
    client.force_login(county.leader_a)
    response = client.get(reverse("campaign:score_export", args=[period.pk]))
    workbook = load_workbook(io.BytesIO(response.content))

    assert workbook.sheetnames == ["党委（第 1 层）", "党支部（第 2 层）"]
    branches = list(workbook["党支部（第 2 层）"].values)
    assert branches[0][:7] == ("排名", "组织", "上级组织", "总分（核定）", "自评总分", "考核等次", "一票否决原因")
    assert branches[0][-1] == "督查组评分（10分）"
    assert sorted(row[1] for row in branches[1:]) == ["红湾社区党支部", "许三湾村党支部"]
    assert [row[1] for row in workbook["党委（第 1 层）"].values][1:] == ["红湾寺镇党委"]


def test_the_breakdown_shows_each_figure_and_the_inspectors_comment(client, county, period):
    client.force_login(county.inspector_b)
    text = client.get(reverse("campaign:score_breakdown", args=[period.pk, county.branch_b1.code])).content.decode()
    assert "党员活动室台账齐全，扣2分：公开栏未更新" in text
    assert "inspector_b 核定于" in text
    assert "已公开承诺的党组织和党员数 ÷ 党组织和党员总数" in text
    assert "0 / 3 个（人）" in text  # 北极村 and its two members, none pledged

    client.force_login(county.leader_a)
    own = client.get(reverse("campaign:score_breakdown", args=[period.pk, county.branch_a1.code])).content.decode()
    assert "1 / 4 个（人），比率 25%" in own  # itself, not its three members
    assert "检查组尚未评分（核定），按 0 分计。" in own


def test_the_ranking_page_takes_as_many_queries_for_many_organizations_as_for_few(
    client, county, campaign, period, django_assert_num_queries
):
    client.force_login(county.leader_a)
    for number in range(5):
        make_organization(f"第{number}村党支部", parent=county.township_a)
    score_period_recompute_now(period)
    with CaptureQueriesContext(connection) as few:
        assert client.get(ranking_url(period)).status_code == 200
    for number in range(5, 40):
        make_organization(f"第{number}村党支部", parent=county.township_a)
    score_period_recompute_now(period)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(ranking_url(period))
    assert len(response.context["page"].object_list) == 42


def score_period_recompute_now(period):
    ScorePeriod.objects.filter(pk=period.pk).update(recompute_requested_at=period.created_at)
    score_period_recompute(period_id=period.pk, today=TODAY)


# ---------------------------------------------------------------------------
# Scoring, recomputing and finalizing on the pages
# ---------------------------------------------------------------------------


def test_an_inspection_group_lists_and_scores_only_the_organizations_it_inspects(
    client, county, period, django_capture_on_commit_callbacks
):
    client.force_login(county.inspector_b)
    listing = client.get(reverse("campaign:score_manual", args=[period.pk]))
    assert [organization for organization, _scores in listing.context["rows"]] == [county.township_b, county.branch_b1]

    manual = Indicator.objects.get(kind=IndicatorKind.MANUAL)
    url = reverse("campaign:score_manual_edit", args=[period.pk, county.township_b.code])
    refused = client.post(url, {f"points_{manual.pk}": "12", f"comment_{manual.pk}": "好"})
    assert "“督查组评分”的得分应在 0 到 10 分之间。" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url, {f"points_{manual.pk}": "9.5", f"comment_{manual.pk}": "组织有力"})
    assert saved.status_code == 302
    score = OrganizationScore.objects.get(period=period, organization=county.township_b)
    assert score.breakdown[-1]["points"] == "9.5"

    assert client.get(reverse("campaign:score_manual_edit", args=[period.pk, county.branch_a1.code])).status_code == 404


def test_the_office_recomputes_from_the_page(client, county, period, django_capture_on_commit_callbacks):
    publish_first_version(
        make_pledge(campaign=period.campaign, organization=county.branch_a2), datetime.date(2010, 10, 9)
    )
    before = OrganizationScore.objects.get(period=period, organization=county.branch_a2).total
    client.force_login(county.office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaign:score_recompute", args=[period.pk]))
    assert response.status_code == 302
    assert OrganizationScore.objects.get(period=period, organization=county.branch_a2).total > before


def test_after_finalizing_the_scoring_page_refuses_changes_with_a_clear_message(
    client, county, period, django_capture_on_commit_callbacks
):
    client.force_login(county.office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("campaign:score_finalize", args=[period.pk]))
    period.refresh_from_db()
    assert period.is_finalized
    ranking = client.get(ranking_url(period)).content.decode()
    assert "已定稿" in ranking and "重新计算" not in ranking

    client.force_login(county.inspector_b)
    manual = Indicator.objects.get(kind=IndicatorKind.MANUAL)
    url = reverse("campaign:score_manual_edit", args=[period.pk, county.branch_b1.code])
    response = client.post(url, {f"points_{manual.pk}": "1", f"comment_{manual.pk}": "改分"}, follow=True)
    assert "该考核期已定稿，评分不能再修改。" in response.content.decode()
    assert ManualScore.objects.get().points == Decimal(8)


def test_the_menu_leads_everyone_but_members_to_the_scores(client, county, period):
    client.force_login(county.leader_a)
    assert reverse("campaign:scores") in client.get(reverse("home")).content.decode()
    client.force_login(county.member_user_a1)
    assert reverse("campaign:scores") not in client.get(reverse("home")).content.decode()


def test_the_scoring_list_takes_as_many_queries_for_many_organizations_as_for_few(
    client, county, period, django_assert_num_queries
):
    client.force_login(county.inspector_b)
    url = reverse("campaign:score_manual", args=[period.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(30):
        make_organization(f"第{number}村党支部", parent=county.township_b)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 32


def test_a_custom_sheet_starts_from_the_usual_100_points(client, county, campaign):
    client.force_login(county.office)
    page = client.get(reverse("campaign:score_sheet_edit", args=[campaign.pk]))
    forms = page.context["editor"].formset.forms
    assert [form.initial.get("name") for form in forms][:8] == [
        "承诺覆盖率",
        "践诺率",
        "点评覆盖率",
        "群众满意率",
        "信息上报",
        "典型培树",
        "整改按期完成率",
        "督查组评分",
    ]


def test_the_prefilled_custom_sheet_saves_as_offered_with_one_change(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:score_sheet_edit", args=[campaign.pk])
    forms = client.get(url).context["editor"].formset.forms
    keys = ("order", "name", "kind", "formula", "max_points", "when_no_data")
    rows = [{key: form.initial.get(key, "") for key in keys} for form in forms[:8]]  # the empty last row left out
    rows[0]["max_points"], rows[7]["max_points"] = 10, 15  # 承诺覆盖率 down, 督查组评分 up
    response = client.post(url, sheet_post(rows))
    assert response.status_code == 302
    assert dict(Indicator.objects.values_list("name", "max_points"))["督查组评分"] == 15
    assert Indicator.objects.count() == 8
