"""Closing the pledge loop: what a pledge's assessment (兑现) leads to.

兑现优秀, or 已兑现 with the masses satisfied, is suggested for 择优推荐表彰 on the
nominations page; 未兑现 opens an education and rectification task with the assessment;
承诺兑现率 is a figure of the coverage page and the dashboard, and a score sheet line.

The small county: 测试县委 → 红湾寺镇党委 (leader_a) → 红湾社区党支部 (secretary_a1; 钟建军,
兰永福) and 许三湾村党支部 (贺玉梅); 测试县委 → 康乐乡党委 → 北极村党支部 (secretary_b1).
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campaign.dashboard.figures import Period, figures_compute
from campaign.nominations.models import ModelNomination, NominationStatus
from campaign.nominations.selectors import nomination_suggestions
from campaign.nominations.services import nomination_create
from campaign.scores.models import IndicatorFormula, IndicatorKind, NoDataRule, OrganizationScore
from campaign.scores.services import IndicatorInput, score_period_create, score_sheet_set, scores_compute
from campaign.tests.factories import at
from orgs.models import Role
from orgs.tests.factories import make_user
from pledges import assessment
from pledges.assessment import pledge_assess
from pledges.coverage import coverage_summary
from pledges.lifecycle import TransitionRefused, may_decide
from pledges.models import Fulfillment, Pledge, PledgeState, Rectification, RectificationSource
from pledges.rectification import may_manage_rectification
from pledges.tests.factories import make_pledge, publish_with_approval
from reviews.models import EvaluationSubject, RoundState, TallyResult
from reviews.tests.factories import make_round

pytestmark = pytest.mark.django_db


def published(county, campaign, organization=None, *, member=None, items=1, title=None):
    """A pledge of 红湾社区 (or of one of its members) published the real way: filed by
    its secretary, approved by the township."""
    pledge = make_pledge(campaign, organization or county.branch_a1, member=member, items=items, title=title)
    return publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)


def assess(county, pledge, fulfillment, *, by=None):
    return pledge_assess(pledge=pledge, by=by or county.leader_a, fulfillment=fulfillment, comment="经实地查看")


def education_tasks():
    return Rectification.objects.filter(source=RectificationSource.PLEDGE)


# ---------------------------------------------------------------------------
# 未兑现 → 教育整改
# ---------------------------------------------------------------------------


def test_a_pledge_assessed_not_fulfilled_opens_one_education_task_naming_its_item(county, campaign):
    pledge = published(county, campaign, member=county.member_a1, title="为居民办好三件实事")

    assess(county, pledge, Fulfillment.NOT_FULFILLED)

    task = education_tasks().get()
    item = pledge.items.get()
    assert (task.campaign, task.organization, task.member, task.pledge_item) == (
        campaign,
        county.branch_a1,
        county.member_a1,
        item,
    )
    assert task.category == "教育整改"
    assert "为居民办好三件实事" in task.problem and item.target in task.problem
    assert "谈心谈话、批评教育" in task.measure and "限期整改" in task.measure
    assert task.owner == county.member_a1.name
    assert task.deadline == timezone.localdate() + datetime.timedelta(days=campaign.remedial_days)
    assert task.created_by == county.leader_a


def test_an_organization_pledge_with_several_open_items_names_them_all_and_links_none(county, campaign):
    campaign.remedial_days = 45
    campaign.save()
    pledge = published(county, campaign, items=3)
    first, second, third = pledge.items.order_by("order")
    first.target, second.target, third.target = "修通巷道", "建成服务站", "开办夜校"
    first.completed_on = datetime.date(2011, 5, 1)
    for item in (first, second, third):
        item.save()

    assess(county, pledge, Fulfillment.NOT_FULFILLED)

    task = education_tasks().get()
    assert task.pledge_item is None and task.member is None
    assert "建成服务站" in task.problem and "开办夜校" in task.problem and "修通巷道" not in task.problem
    assert task.owner == county.secretary_a1.name  # the branch's secretary answers for it
    assert task.deadline == timezone.localdate() + datetime.timedelta(days=45)


@pytest.mark.parametrize("fulfillment", [Fulfillment.OUTSTANDING, Fulfillment.FULFILLED, Fulfillment.PARTLY])
def test_other_grades_open_no_task(county, campaign, fulfillment):
    assess(county, published(county, campaign), fulfillment)
    assert not education_tasks().exists()


def test_assessing_twice_is_refused_and_opens_no_second_task(county, campaign):
    pledge = published(county, campaign)
    assess(county, pledge, Fulfillment.NOT_FULFILLED)
    with pytest.raises(TransitionRefused):
        assess(county, Pledge.objects.get(pk=pledge.pk), Fulfillment.NOT_FULFILLED, by=county.office)
    # Even a stale copy of the pledge, still showing it published, cannot assess it again.
    with pytest.raises(TransitionRefused):
        assess(county, pledge, Fulfillment.NOT_FULFILLED, by=county.office)
    assert education_tasks().count() == 1


def test_a_task_that_cannot_be_opened_undoes_the_assessment(county, campaign, monkeypatch):
    pledge = published(county, campaign)

    def refuse(**kwargs):
        raise ValidationError("整改任务无法建立")

    monkeypatch.setattr(assessment, "rectification_create", refuse)
    with pytest.raises(ValidationError):
        assess(county, pledge, Fulfillment.NOT_FULFILLED)

    pledge.refresh_from_db()
    assert (pledge.state, pledge.fulfillment, pledge.assessed_at) == (PledgeState.PUBLISHED, "", None)
    assert not education_tasks().exists()


def test_whoever_may_assess_may_manage_the_pledgers_rectifications(county, campaign):
    """Why the task is opened in the assessor's name with no way round the rule: every
    account that may assess a pledge may open the pledging organization's tasks."""
    admin = make_user("admin", Role.OFFICE, is_superuser=True)
    accounts = [
        county.office,
        county.leader_a,
        county.inspector_b,
        county.secretary_user_a1,
        county.secretary_user_b1,
        county.member_user_a1,
        admin,
    ]
    pledges = [published(county, campaign), published(county, campaign, member=county.member_a1)]
    pledges.append(
        publish_with_approval(
            make_pledge(campaign, county.branch_b1), filer=county.secretary_user_b1, approver=county.office
        )
    )
    for pledge in pledges:
        for user in accounts:
            if may_decide(user, pledge):
                assert may_manage_rectification(user, pledge.organization), (user, pledge)


def test_the_assessment_page_opens_the_task(client, county, campaign):
    pledge = published(county, campaign)
    client.force_login(county.leader_a)
    response = client.post(
        reverse("pledges:assess", args=[pledge.pk]),
        {"fulfillment": "not_fulfilled", "comment": "未按期完成"},
        follow=True,
    )
    assert "并为承诺人建立了教育整改任务" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.fulfillment == Fulfillment.NOT_FULFILLED
    assert education_tasks().get().created_by == county.leader_a


# ---------------------------------------------------------------------------
# 推荐建议
# ---------------------------------------------------------------------------


def evaluated(campaign, organization, results, *, closes=datetime.date(2011, 6, 10)):
    """A tallied round of the organization with (member or None, satisfied, dissatisfied)."""
    evaluation_round = make_round(
        campaign,
        organization,
        state=RoundState.TALLIED,
        opens_at=at(closes) - datetime.timedelta(days=9),
        closes_at=at(closes),
    )
    subjects = {subject.member_id: subject for subject in EvaluationSubject.objects.filter(round=evaluation_round)}
    for member, satisfied, dissatisfied in results:
        counted = satisfied + dissatisfied
        TallyResult.objects.create(
            round=evaluation_round,
            subject=subjects[member.pk if member else None],
            forms=counted,
            satisfied=satisfied,
            dissatisfied=dissatisfied,
            satisfaction=Decimal(100) * satisfied / counted,
            below_threshold=satisfied * 100 < 90 * counted,
        )
    return evaluation_round


@pytest.fixture
def assessed(county, campaign):
    """红湾社区 assessed 兑现优秀; 钟建军 已兑现 and 90% satisfied (exactly the threshold);
    兰永福 已兑现 but 80% satisfied; 贺玉梅 (许三湾村) 兑现优秀; 北极村's member 安国庆 兑现优秀."""
    ns = type("Assessed", (), {})()
    ns.branch = published(county, campaign)
    ns.member = published(county, campaign, member=county.member_a1)
    ns.unsatisfied = published(county, campaign, member=county.other_member_a1)
    ns.partly = published(county, campaign, member=county.secretary_a1)
    ns.a2 = publish_with_approval(
        make_pledge(campaign, county.branch_a2, member=county.member_a2), filer=county.leader_a, approver=county.office
    )
    ns.b1 = publish_with_approval(
        make_pledge(campaign, county.branch_b1, member=county.member_b1),
        filer=county.secretary_user_b1,
        approver=county.office,
    )
    assess(county, ns.branch, Fulfillment.OUTSTANDING)
    assess(county, ns.member, Fulfillment.FULFILLED)
    assess(county, ns.unsatisfied, Fulfillment.FULFILLED)
    assess(county, ns.partly, Fulfillment.PARTLY)
    assess(county, ns.a2, Fulfillment.OUTSTANDING, by=county.office)
    assess(county, ns.b1, Fulfillment.OUTSTANDING, by=county.office)
    evaluated(
        campaign,
        county.branch_a1,
        [(None, 10, 0), (county.member_a1, 9, 1), (county.other_member_a1, 8, 2), (county.secretary_a1, 10, 0)],
    )
    return ns


def names(suggestions):
    return [suggestion.nominee_name for suggestion in suggestions]


def test_the_township_is_suggested_its_outstanding_and_its_satisfied_fulfilled_pledgers(county, campaign, assessed):
    suggestions = nomination_suggestions(county.leader_a, campaign)

    assert set(names(suggestions)) == {county.branch_a1.name, county.member_a2.name, county.member_a1.name}
    # 兑现优秀 first.
    assert {suggestion.is_outstanding for suggestion in suggestions[:2]} == {True}
    satisfied = next(suggestion for suggestion in suggestions if suggestion.member == county.member_a1)
    assert satisfied.satisfaction == Decimal("90") and not satisfied.is_nominated


def test_the_office_sees_the_whole_county_and_a_secretary_her_branch(county, campaign, assessed):
    assert county.member_b1.name in names(nomination_suggestions(county.office, campaign))
    assert set(names(nomination_suggestions(county.secretary_user_a1, campaign))) == {
        county.branch_a1.name,
        county.member_a1.name,
    }


def test_an_outsider_a_member_and_an_inspector_see_no_suggestion(county, campaign, assessed):
    assert names(nomination_suggestions(county.secretary_user_b1, campaign)) == [county.member_b1.name]
    assert nomination_suggestions(county.member_user_a1, campaign) == []
    assert nomination_suggestions(county.inspector_b, campaign) == []


def test_only_the_latest_evaluation_counts(county, campaign, assessed):
    # A later round finds 钟建军 below the threshold: he is no longer suggested.
    evaluated(campaign, county.branch_a1, [(county.member_a1, 7, 3)], closes=datetime.date(2011, 12, 10))
    assert county.member_a1.name not in names(nomination_suggestions(county.leader_a, campaign))


def test_a_suggestion_already_nominated_is_shown_with_its_nomination(county, campaign, assessed):
    nomination = nomination_create(campaign=campaign, organization=county.branch_a1, deeds="事迹", by=county.leader_a)

    suggestions = nomination_suggestions(county.leader_a, campaign)

    branch = next(suggestion for suggestion in suggestions if suggestion.member is None)
    assert branch.nomination == nomination and branch.is_nominated
    assert suggestions[-1] is branch  # those still to nominate come first


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def test_the_nominations_page_lists_the_suggestions_with_a_button_each(client, county, campaign, assessed):
    client.force_login(county.leader_a)
    response = client.get(reverse("campaign:nominations"), {"campaign": campaign.pk})
    page = response.content.decode()
    assert "推荐建议" in page
    assert f"nominee={county.member_a1.pk}&amp;pledge={assessed.member.pk}" in page
    assert f"nominee=org&amp;pledge={assessed.branch.pk}" in page


def test_a_secretary_of_another_township_sees_none_of_them(client, county, campaign, assessed):
    client.force_login(county.secretary_user_b1)
    page = client.get(reverse("campaign:nominations"), {"campaign": campaign.pk}).content.decode()
    assert county.member_a1.name not in page and county.branch_a1.name not in page


def test_a_nomination_started_from_a_suggestion_is_pre_filled_and_made_by_the_service(
    client, county, campaign, assessed
):
    client.force_login(county.leader_a)
    url = reverse("campaign:nomination_create")
    query = {
        "campaign": campaign.pk,
        "org": county.branch_a1.code,
        "nominee": county.member_a1.pk,
        "pledge": assessed.member.pk,
    }
    form = client.get(url, query).context["form"]
    assert form.initial["nominee"] == str(county.member_a1.pk)
    assert assessed.member.title in form.initial["deeds"] and "已兑现" in form.initial["deeds"]

    response = client.post(
        f"{url}?campaign={campaign.pk}&org={county.branch_a1.code}",
        {"nominee": county.member_a1.pk, "title": "", "deeds": form.initial["deeds"], "opinion": "同意推荐。"},
    )
    nomination = ModelNomination.objects.get()
    assert response.status_code == 302
    assert (nomination.member, nomination.status, nomination.nominated_by) == (
        county.member_a1,
        NominationStatus.PENDING,
        county.leader_a,
    )


def test_a_pledge_outside_the_suggestions_fills_nothing_in(client, county, campaign, assessed):
    client.force_login(county.secretary_user_b1)
    query = {"campaign": campaign.pk, "pledge": assessed.branch.pk}
    form = client.get(reverse("campaign:nomination_create"), query).context["form"]
    assert "deeds" not in form.initial


# ---------------------------------------------------------------------------
# 承诺兑现率: live, rolled up, scored
# ---------------------------------------------------------------------------


def assessed_on(pledge, day):
    Pledge.objects.filter(pk=pledge.pk).update(assessed_at=at(day))


@pytest.fixture
def rates(county, campaign):
    """红湾社区: 4 assessed in September 2010, 3 fulfilled (one 兑现优秀); one more in
    November; 北极村: one partly fulfilled."""
    september, november = datetime.date(2010, 9, 20), datetime.date(2010, 11, 5)
    for fulfillment, day in (
        (Fulfillment.OUTSTANDING, september),
        (Fulfillment.FULFILLED, september),
        (Fulfillment.FULFILLED, september),
        (Fulfillment.NOT_FULFILLED, september),
        (Fulfillment.FULFILLED, november),
    ):
        assessed_on(assess(county, published(county, campaign), fulfillment), day)
    b1 = publish_with_approval(
        make_pledge(campaign, county.branch_b1), filer=county.secretary_user_b1, approver=county.office
    )
    assessed_on(assess(county, b1, Fulfillment.PARTLY, by=county.office), september)


def test_the_rate_is_fulfilled_over_assessed_pledges_as_of_the_day(county, campaign, rates):
    figures = figures_compute(campaign, Period.of(campaign, datetime.date(2010, 9, 1), today=datetime.date(2011, 3, 1)))
    own = figures[county.branch_a1.pk]
    assert (own.pledges_assessed, own.pledges_fulfilled, own.pledge_fulfilment_percent) == (4, 3, Decimal("75.0"))
    assert figures[county.branch_b1.pk].pledge_fulfilment_percent == Decimal("0.0")
    assert figures[county.branch_a2.pk].pledge_fulfilment_percent is None  # nothing assessed, no rate


def test_the_coverage_page_counts_the_rate_as_the_rollup_does(county, campaign, rates):
    day = datetime.date(2010, 11, 30)
    figures = figures_compute(
        campaign, Period.of(campaign, datetime.date(2010, 11, 1), today=datetime.date(2011, 3, 1))
    )
    summary = coverage_summary(campaign, [county.county], today=day)
    lines = {row.organization.pk: row for row in summary.rows}
    township_a = lines[county.township_a.pk]
    assert (
        (township_a.pledges_assessed, township_a.pledges_fulfilled)
        == (
            sum(figures[org.pk].pledges_assessed for org in (county.township_a, county.branch_a1, county.branch_a2)),
            sum(figures[org.pk].pledges_fulfilled for org in (county.township_a, county.branch_a1, county.branch_a2)),
        )
        == (5, 4)
    )
    assert township_a.fulfilment_rate == Decimal("80.0")
    assert (summary.pledges_assessed, summary.pledges_fulfilled) == (6, 4)


def test_the_score_line_scores_the_rate(county, campaign, rates):
    score_sheet_set(
        campaign=campaign,
        total_points=100,
        indicators=[
            IndicatorInput(
                "承诺兑现率", IndicatorKind.COMPUTED, 100, IndicatorFormula.PLEDGE_FULFILMENT, NoDataRule.FULL
            )
        ],
        by=None,
    )
    period = score_period_create(
        campaign=campaign,
        name="2010年第三季度",
        first_month=datetime.date(2010, 7, 1),
        last_month=datetime.date(2010, 9, 1),
        by=None,
    )
    scores_compute(period, today=datetime.date(2011, 3, 1))
    scores = {score.organization_id: score for score in OrganizationScore.objects.filter(period=period)}

    line = scores[county.branch_a1.pk].breakdown[0]
    assert (line["part"], line["whole"], Decimal(line["points"])) == (3, 4, Decimal("75"))
    assert Decimal(scores[county.branch_b1.pk].breakdown[0]["points"]) == 0
    # Nothing assessed: the line is not held against 许三湾村.
    assert Decimal(scores[county.branch_a2.pk].breakdown[0]["points"]) == 100


def test_the_dashboard_shows_the_rate_in_its_card_and_table(client, county, campaign, rates):
    client.force_login(county.office)
    response = client.get(reverse("campaign:dashboard"), {"campaign": campaign.pk, "month": "2010-09"})
    page = response.content.decode()
    # The county: 红湾社区's 3 of 4 and 北极村's 0 of 1.
    assert "承诺兑现率 60.0%（3/5）" in page
    assert 'title="3/4">75.0%<' in page  # 红湾寺镇's line of the table
