"""Results pages: who sees them and when, the rule of five, publishing and the notice board."""

import io

import openpyxl
import pytest
from django.urls import reverse

from orgs.tests.factories import make_member
from pledges.models import Rectification, RectificationStatus
from reviews.models import Choice, EvaluationRound, EvaluatorCategory, RoundState
from reviews.results import MIN_CATEGORY_FORMS, shown_categories
from reviews.tally import round_tally
from reviews.tests.factories import cast, make_round, paper

PUBLIC = EvaluatorCategory.PUBLIC
PARTY = EvaluatorCategory.PARTY_MEMBER
STAFF = EvaluatorCategory.STAFF
S, D, U = Choice.SATISFIED, Choice.DISSATISFIED, Choice.UNKNOWN


def tallied_round(county, campaign, organization=None, *, party_forms=5, staff_forms=0, state=RoundState.CLOSED):
    """A round of 红湾社区党支部: the branch at 93.33%, 钟建军 at 80% (flagged), 兰永福
    rated only 不了解 (not evaluated), 安秀英 at 100%. 10 群众代表 forms online, 党员 forms
    on paper, and ``staff_forms`` 干部职工 forms on paper all 满意."""
    organization = organization or county.branch_a1
    evaluation_round = make_round(campaign, organization, state=state)
    subjects = {subject.member_id: subject for subject in evaluation_round.subjects.select_related("member")}
    branch = subjects[None]
    members = [subject for subject in subjects.values() if subject.member_id]
    weak = subjects.get(county.member_a1.pk)
    unknown = subjects.get(county.other_member_a1.pk)

    def form(index):
        choices = {subject: S for subject in members}
        choices[branch] = D if index == 0 else S
        if weak:
            choices[weak] = D if index < 2 else S
        if unknown:
            choices[unknown] = U
        return choices

    cast(evaluation_round, PUBLIC, [form(index) for index in range(10)])
    if party_forms:
        counts = {subject: {S: party_forms} for subject in members if subject not in (weak, unknown)}
        counts[branch] = {S: party_forms}
        if weak:
            counts[weak] = {S: party_forms - 1, D: 1}
        if unknown:
            counts[unknown] = {U: party_forms}
        paper(evaluation_round, PARTY, party_forms, counts)
    if staff_forms:
        paper(evaluation_round, STAFF, staff_forms, {subject: {S: staff_forms} for subject in subjects.values()})
    if state == RoundState.CLOSED:
        round_tally(round_id=evaluation_round.pk)
        evaluation_round.refresh_from_db()
    return evaluation_round


def results_url(evaluation_round):
    return reverse("reviews:results", args=[evaluation_round.pk])


def test_the_secretary_reads_rates_flags_and_the_remedial_task(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    client.force_login(county.secretary_user_a1)

    response = client.get(results_url(evaluation_round))

    assert response.status_code == 200
    page = response.content.decode()
    overall = page[page.index('id="overall-results"') : page.index('id="category-forms"')]
    assert "93.33%" in overall  # 14 of 15 for the branch
    assert "80.00%" in overall and "未达标" in overall  # 钟建军: 12 of 15
    assert "未评议" in overall  # 兰永福: only 不了解
    assert "100.00%" in overall
    # The organization first, then the members in the round's order.
    assert overall.index("红湾社区党支部") < overall.index("安秀英") < overall.index("钟建军")
    task = Rectification.objects.get(remedial__round=evaluation_round)
    assert reverse("pledges:rectification", args=[task.pk]) in overall
    assert task.member == county.member_a1
    assert 'action="{}"'.format(reverse("reviews:publish", args=[evaluation_round.pk])) in page


def test_another_branch_secretary_gets_404(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    client.force_login(county.secretary_user_b1)
    assert client.get(results_url(evaluation_round)).status_code == 404
    assert client.post(reverse("reviews:publish", args=[evaluation_round.pk])).status_code == 404


def test_the_township_leader_reads_the_branch_results(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    client.force_login(county.leader_a)
    response = client.get(results_url(evaluation_round))
    assert response.status_code == 200 and "80.00%" in response.content.decode()


def test_an_inspection_group_reads_but_cannot_publish(client, county, campaign):
    evaluation_round = tallied_round(county, campaign, county.branch_b1)
    client.force_login(county.inspector_b)

    response = client.get(results_url(evaluation_round))
    assert response.status_code == 200
    assert reverse("reviews:publish", args=[evaluation_round.pk]) not in response.content.decode()
    assert client.post(reverse("reviews:publish", args=[evaluation_round.pk])).status_code == 403
    assert EvaluationRound.objects.get(pk=evaluation_round.pk).state == RoundState.TALLIED


def test_a_plain_member_does_not_see_fellow_members_rates(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    client.force_login(county.member_user_a1)
    assert client.get(results_url(evaluation_round)).status_code == 403
    assert client.get(reverse("reviews:results_export", args=[evaluation_round.pk])).status_code == 403


@pytest.mark.parametrize("state", [RoundState.DRAFT, RoundState.OPEN, RoundState.CLOSED])
def test_nobody_sees_a_rate_before_the_tally(client, county, campaign, state):
    evaluation_round = tallied_round(county, campaign, state=state if state != RoundState.CLOSED else RoundState.OPEN)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=state)
    client.force_login(county.office)

    response = client.get(results_url(evaluation_round))
    export = client.get(reverse("reviews:results_export", args=[evaluation_round.pk]))

    assert response.status_code == 409 and export.status_code == 409
    page = response.content.decode()
    assert "%" not in page.split("<main", 1)[1]
    assert ("正在汇总" in page) is (state == RoundState.CLOSED)


def test_a_category_under_five_forms_is_hidden_with_a_note(client, county, campaign):
    evaluation_round = tallied_round(county, campaign, party_forms=MIN_CATEGORY_FORMS - 1, staff_forms=3)
    client.force_login(county.secretary_user_a1)

    page = client.get(results_url(evaluation_round)).content.decode()

    assert 'id="category-public"' in page
    assert 'id="category-party_member"' not in page and 'id="category-staff"' not in page
    note = page[page.index('id="hidden-categories"') :]
    assert "党员、干部职工的分类结果不单独显示" in note[: note.index("</p>")]


def test_a_category_of_five_forms_is_shown(client, county, campaign):
    evaluation_round = tallied_round(county, campaign, party_forms=MIN_CATEGORY_FORMS)
    client.force_login(county.secretary_user_a1)
    page = client.get(results_url(evaluation_round)).content.decode()
    assert 'id="category-party_member"' in page and 'id="hidden-categories"' not in page


@pytest.mark.parametrize(
    ("forms", "shown"),
    [
        ({PUBLIC: 10, PARTY: 5}, {PUBLIC, PARTY}),
        ({PUBLIC: 10, PARTY: 4}, set()),  # overall − 群众代表 would give the four 党员 away
        ({PUBLIC: 10, PARTY: 4, STAFF: 3}, {PUBLIC}),  # 4 + 3 hidden together are 7
        ({PUBLIC: 10, PARTY: 6, STAFF: 3}, {PUBLIC}),  # the smallest shown joins the hidden 3
        ({PUBLIC: 10, PARTY: 0}, {PUBLIC}),  # a category with no form hides nothing
        ({PUBLIC: 3}, set()),
    ],
)
def test_no_category_of_fewer_than_five_forms_can_be_read_off(forms, shown):
    assert shown_categories(forms) == shown


def test_the_overall_minus_the_shown_categories_gives_nothing_away(client, county, campaign):
    evaluation_round = tallied_round(county, campaign, party_forms=3)
    client.force_login(county.secretary_user_a1)
    page = client.get(results_url(evaluation_round)).content.decode()
    assert 'id="category-public"' not in page and 'id="category-party_member"' not in page
    assert "群众代表、党员" in page or "党员、群众代表" in page


def test_the_results_page_queries_do_not_grow_with_members(client, county, campaign, django_assert_max_num_queries):
    small = tallied_round(county, campaign)
    client.force_login(county.secretary_user_a1)
    with django_assert_max_num_queries(20) as few:
        client.get(results_url(small))
    for index in range(8):
        make_member(county.branch_a1, f"新党员{index}")
    large = tallied_round(county, campaign)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(results_url(large)).status_code == 200


def test_the_export_follows_the_same_rules(client, county, campaign):
    evaluation_round = tallied_round(county, campaign, party_forms=4)
    client.force_login(county.secretary_user_a1)

    response = client.get(reverse("reviews:results_export", args=[evaluation_round.pk]))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    # 党员 cast four: no category sheet at all; the comments' sheet is there, empty.
    assert workbook.sheetnames == ["评议结果", "意见建议"]
    assert list(workbook["意见建议"].values) == [("评议对象", "评议人类别", "意见建议")]
    rows = list(workbook["评议结果"].values)
    assert rows[1][0] == "红湾社区党支部"
    weak = next(row for row in rows if row[0] == "钟建军")
    assert weak[7:9] == ("78.57%", "未达标") and weak[9] is not None


def test_publishing_puts_only_the_organization_result_on_the_board(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    board_url = reverse("board:organization", args=[county.branch_a1.notice_board_token])
    assert "群众评议结果" not in client.get(board_url).content.decode(), "shown before publishing"
    client.force_login(county.secretary_user_a1)

    response = client.post(reverse("reviews:publish", args=[evaluation_round.pk]))

    assert response.status_code == 302
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.PUBLISHED and evaluation_round.published_at
    client.logout()
    board = client.get(board_url).content.decode()
    assert "群众评议结果" in board and "2010年下半年" in board
    assert "93.33%" in board and "达到 90% 的要求" in board
    for name in ("钟建军", "兰永福", "安秀英"):
        assert name not in board
    assert "80.00%" not in board and "100.00%" not in board


def test_a_member_remedial_task_stays_off_the_board_even_when_published(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.PUBLISHED)
    Rectification.objects.filter(remedial__round=evaluation_round).update(
        status=RectificationStatus.SOLVED, result="已召开专题会议整改。", is_published=True
    )
    board = client.get(reverse("board:organization", args=[county.branch_a1.notice_board_token])).content.decode()
    assert "已召开专题会议整改" not in board and "80.00%" not in board


def test_publishing_twice_says_so(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    client.force_login(county.secretary_user_a1)
    client.post(reverse("reviews:publish", args=[evaluation_round.pk]))
    response = client.post(reverse("reviews:publish", args=[evaluation_round.pk]), follow=True)
    assert "不能“公布结果”" in response.content.decode()


@pytest.mark.parametrize("viewer", ["secretary_user_a1", "leader_a"])
def test_the_remedial_task_is_on_the_rectification_list(client, county, campaign, viewer):
    evaluation_round = tallied_round(county, campaign)
    task = Rectification.objects.get(remedial__round=evaluation_round)
    client.force_login(getattr(county, viewer))

    page = client.get(reverse("pledges:rectifications")).content.decode()

    assert task.get_absolute_url() in page
    assert client.get(task.get_absolute_url()).status_code == 200


def test_another_township_does_not_see_the_remedial_task(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    task = Rectification.objects.get(remedial__round=evaluation_round)
    client.force_login(county.secretary_user_b1)
    assert task.get_absolute_url() not in client.get(reverse("pledges:rectifications")).content.decode()
    assert client.get(task.get_absolute_url()).status_code == 404


def evaluation_post(categories, choices):
    """The settings page's form: [label], [(label, counting)], keys left to the service
    except where given as (key, label…)."""
    data = {
        "category-TOTAL_FORMS": len(categories),
        "category-INITIAL_FORMS": 0,
        "choice-TOTAL_FORMS": len(choices),
        "choice-INITIAL_FORMS": 0,
    }
    for index, (key, label) in enumerate(categories):
        data[f"category-{index}-key"], data[f"category-{index}-label"] = key, label
    for index, (key, label, counting) in enumerate(choices):
        data[f"choice-{index}-key"], data[f"choice-{index}-label"] = key, label
        data[f"choice-{index}-counting"] = counting
    return data


def test_the_results_keep_the_rule_they_were_judged_by_when_the_campaign_changes_it(client, county, campaign):
    evaluation_round = tallied_round(county, campaign)
    assert evaluation_round.judged_threshold == 90
    client.force_login(county.office)

    # The office changes the campaign's threshold on the campaign page, after the tally…
    form = client.get(reverse("campaign:edit", args=[campaign.pk])).content.decode()
    assert 'name="ballot_batch_size"' in form
    posted = client.post(
        reverse("campaign:edit", args=[campaign.pk]),
        {
            "name": campaign.name,
            "theme": campaign.theme,
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "satisfaction_threshold": "95",
            "ballot_batch_size": "20",
            "review_period_months": campaign.review_period_months,
            "reports_per_month": campaign.reports_per_month,
            "models_per_quarter": campaign.models_per_quarter,
        },
    )
    assert posted.status_code == 302
    # …and on the evaluation settings page 基本满意 no longer counts as satisfied.
    posted = client.post(
        reverse("campaign:evaluation", args=[campaign.pk]),
        evaluation_post(
            [("public", "群众代表")],
            [
                ("satisfied", "满意", "satisfied"),
                ("basically", "基本满意", "counted"),
                ("dissatisfied", "不满意", "counted"),
                ("unknown", "不了解", "excluded"),
            ],
        ),
    )
    assert posted.status_code == 302
    campaign.refresh_from_db()
    assert campaign.satisfaction_threshold == 95 and campaign.ballot_batch_size == 20
    assert campaign.evaluation_choices.get(key="basically").counting == "counted"

    page = client.get(results_url(evaluation_round)).content.decode()
    # The explanation beside the old verdicts is the rule they were taken by.
    assert "低于 90% 为未达标" in page and "满意、基本满意计入满意；不了解不计入满意率" in page
    assert "95%" not in page


def test_a_batch_size_under_five_is_refused_in_chinese(client, county, campaign):
    client.force_login(county.office)
    data = {
        "name": campaign.name,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "satisfaction_threshold": "90",
        "ballot_batch_size": "2",
        "review_period_months": 6,
        "reports_per_month": 3,
        "models_per_quarter": 1,
    }
    response = client.post(reverse("campaign:edit", args=[campaign.pk]), data)
    assert response.status_code == 200 and "5" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.ballot_batch_size == 10
