"""目标责任书 pages: the office issues a letter in two steps, the letter prints as the
责任书, the year-end assessment on it shows each target line's verified points and the
veto, and scope keeps units to their own letters."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.letters.models import AssessmentResult, ResponsibilityLetter
from campaign.letters.services import letter_issue
from campaign.scores.models import OrganizationScore, ScorePeriod
from campaign.scores.services import score_sheet_default

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2011, 1, 10)


@pytest.fixture
def sheet(campaign):
    return score_sheet_default(campaign=campaign, total_points=100, by=None)


def line(sheet, name):
    return sheet.indicators.get(name=name)


def give_score(period, organization, points: dict, *, vetoed=False, reasons=()):
    """The unit's stored score in the period, as the scores task leaves it."""
    breakdown = [
        {
            "indicator": indicator.pk,
            "name": indicator.name,
            "kind": indicator.kind,
            "max": indicator.max_points,
            "points": str(points.get(indicator, 0)),
        }
        for indicator in period.campaign.score_sheet.indicators.order_by("order", "pk")
    ]
    return OrganizationScore.objects.create(
        period=period,
        organization=organization,
        depth=2,
        kind=organization.kind,
        total=Decimal(sum(Decimal(str(value)) for value in points.values())),
        vetoed=vetoed,
        veto_reasons=list(reasons),
        rank=1,
        position=1,
        group_size=1,
        breakdown=breakdown,
        computed_at=timezone.now(),
    )


def make_period(campaign, name="2011年度", *, finalized=True):
    return ScorePeriod.objects.create(
        campaign=campaign,
        name=name,
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 12, 1),
        finalized_at=timezone.now() if finalized else None,
    )


@pytest.fixture
def letter(county, campaign, sheet):
    return letter_issue(
        campaign=campaign,
        organization=county.branch_a1,
        leader=county.secretary_a1,
        indicators=[line(sheet, "承诺覆盖率"), line(sheet, "践诺率")],
        terms="确保承诺全覆盖，每季度公开践诺情况。",
        signed_on=SIGNED,
        by=county.office,
    )


def test_the_office_issues_a_letter_choosing_the_unit_then_its_leader_and_targets(client, county, campaign, sheet):
    client.force_login(county.office)
    listing = client.get(reverse("campaign:letters") + f"?campaign={campaign.pk}").content.decode()
    assert "签订责任书" in listing

    units = client.get(reverse("campaign:letter_create")).content.decode()
    assert county.branch_a1.name in units and county.union_a1.name not in units

    url = reverse("campaign:letter_create") + f"?campaign={campaign.pk}&org={county.branch_a1.code}"
    form = client.get(url).content.decode()
    assert "安秀英（书记）" in form and "承诺覆盖率（15 分）" in form
    assert county.member_a2.name not in form  # another branch's member is not offered

    response = client.post(
        url,
        {
            "leader": county.secretary_a1.pk,
            "indicators": [line(sheet, "承诺覆盖率").pk, line(sheet, "群众满意率").pk],
            "terms": "确保承诺全覆盖。",
            "signed_on": "2011-01-10",
        },
    )

    letter = ResponsibilityLetter.objects.get()
    assert response.status_code == 302 and response["Location"] == letter.get_absolute_url()
    assert letter.leader == county.secretary_a1 and letter.organization == county.branch_a1
    assert {indicator.name for indicator in letter.indicators.all()} == {"承诺覆盖率", "群众满意率"}
    # Signed: the secretary is no longer offered for this campaign.
    assert "安秀英（书记）" not in client.get(url).content.decode()


def test_the_issue_form_shows_the_services_refusal(client, county, campaign, sheet):
    client.force_login(county.office)
    url = reverse("campaign:letter_create") + f"?campaign={campaign.pk}&org={county.branch_a1.code}"
    response = client.post(url, {"leader": county.member_a1.pk, "terms": "", "signed_on": "2011-01-10"})
    assert response.status_code == 200
    assert "请至少选择一项目标指标，或填写责任内容。" in response.content.decode()
    assert not ResponsibilityLetter.objects.exists()


def test_a_leader_cannot_open_the_issue_form_for_a_unit_outside_his_township(client, county, campaign, sheet):
    client.force_login(county.leader_a)
    url = reverse("campaign:letter_create") + f"?campaign={campaign.pk}"
    assert client.get(f"{url}&org={county.branch_a2.code}").status_code == 200
    assert client.get(f"{url}&org={county.branch_b1.code}").status_code == 404  # not in his scope
    assert client.get(f"{url}&org={county.township_a.code}").status_code == 403  # his own unit


def test_the_letter_prints_as_the_responsibility_letter(client, county, campaign, letter):
    client.force_login(county.secretary_user_a1)
    page = client.get(letter.get_absolute_url()).content.decode()
    for text in (
        "创先争优活动目标责任书",
        "测试县委",  # 甲方
        "红湾社区党支部",
        "安秀英（书记）",
        "承诺覆盖率",
        "确保承诺全覆盖，每季度公开践诺情况。",
        "责任人（签字）",
        "签订日期：2011年1月10日",
        "data-print",
    ):
        assert text in page, text
    assert "记录考核结果" not in page  # the unit itself does not assess


def test_an_outsider_gets_404_for_the_letter_and_its_actions(client, county, letter):
    client.force_login(county.secretary_user_b1)
    assert client.get(letter.get_absolute_url()).status_code == 404
    assert client.get(reverse("campaign:letter_edit", args=[letter.pk])).status_code == 404
    assert client.post(reverse("campaign:letter_assess", args=[letter.pk])).status_code == 404
    assert client.post(reverse("campaign:letter_withdraw", args=[letter.pk])).status_code == 404
    assert ResponsibilityLetter.objects.filter(pk=letter.pk).exists()


def test_a_unit_lists_only_its_own_letters(client, county, campaign, sheet, letter):
    letter_issue(
        campaign=campaign,
        organization=county.branch_b1,
        leader=county.secretary_b1,
        indicators=[line(sheet, "践诺率")],
        terms="",
        signed_on=SIGNED,
        by=county.office,
    )
    client.force_login(county.secretary_user_b1)
    page = client.get(reverse("campaign:letters")).content.decode()
    assert "杜德明" in page and "安秀英" not in page
    assert "签订责任书" not in page

    client.force_login(county.office)
    page = client.get(reverse("campaign:letters")).content.decode()
    assert "杜德明" in page and "安秀英" in page


def test_the_letter_list_costs_the_same_queries_for_more_letters(
    client, county, campaign, sheet, letter, django_assert_num_queries
):
    client.force_login(county.office)
    url = reverse("campaign:letters") + f"?campaign={campaign.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for leader, organization in ((county.secretary_b1, county.branch_b1), (county.member_a2, county.branch_a2)):
        letter_issue(
            campaign=campaign,
            organization=organization,
            leader=leader,
            indicators=[line(sheet, "践诺率"), line(sheet, "点评覆盖率")],
            terms="",
            signed_on=SIGNED,
            by=county.office,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


def test_the_assessment_shows_each_target_lines_verified_points_then_records_the_result(
    client, county, campaign, sheet, letter
):
    year = make_period(campaign)
    give_score(
        year,
        county.branch_a1,
        {line(sheet, "承诺覆盖率"): 15, line(sheet, "践诺率"): "12.5", line(sheet, "群众满意率"): 20},
    )
    client.force_login(county.leader_a)

    page = client.get(f"{letter.get_absolute_url()}?period={year.pk}").content.decode()
    assert "12.5" in page and "27.5" in page  # 践诺率's points; the targets' total of 30
    assert "目标得分率：91.7%" in page and "建议考核结果：优秀" in page
    assert "尚未定稿" not in page and "记录考核结果" in page

    response = client.post(
        reverse("campaign:letter_assess", args=[letter.pk]),
        {"period": year.pk, "result": AssessmentResult.EXCELLENT, "comment": ""},
    )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.result == AssessmentResult.EXCELLENT and letter.assessment_points == Decimal("91.7")
    page = client.get(letter.get_absolute_url()).content.decode()
    assert '<dd class="col-8 col-md-10 fw-semibold" id="letter-result">优秀</dd>' in page
    assert "修改考核结果" in page
    # Assessed: no longer changed or withdrawn.
    assert reverse("campaign:letter_edit", args=[letter.pk]) not in page


def test_the_assessment_page_shows_the_veto_and_refuses_competent(client, county, campaign, sheet, letter):
    year = make_period(campaign)
    give_score(
        year,
        county.branch_a1,
        {line(sheet, "承诺覆盖率"): 15, line(sheet, "践诺率"): 15},
        vetoed=True,
        reasons=["2011-05-03 发生安全生产事故（较大），迟报"],
    )
    client.force_login(county.office)

    page = client.get(f"{letter.get_absolute_url()}?period={year.pk}").content.decode()
    assert "被一票否决，责任人不得评为优秀或称职" in page
    assert "2011-05-03 发生安全生产事故（较大），迟报" in page
    assert "建议考核结果：基本称职" in page

    response = client.post(
        reverse("campaign:letter_assess", args=[letter.pk]),
        {"period": year.pk, "result": AssessmentResult.COMPETENT, "comment": "成绩突出。"},
    )
    assert response.status_code == 200
    assert "责任人不能评为优秀或称职" in response.content.decode()
    letter.refresh_from_db()
    assert letter.result == ""


def test_an_open_period_may_be_used_but_the_page_says_it_is_not_final(client, county, campaign, sheet, letter):
    second_half = make_period(campaign, "2011年下半年", finalized=False)
    give_score(second_half, county.branch_a1, {line(sheet, "承诺覆盖率"): 9, line(sheet, "践诺率"): 9})
    client.force_login(county.office)

    page = client.get(letter.get_absolute_url()).content.decode()
    assert "2011年下半年（未定稿）" in page and "该考核期尚未定稿" in page
    assert "目标得分率：60.0%" in page and "建议考核结果：基本称职" in page


def test_the_issuer_changes_and_withdraws_a_letter_through_its_pages(client, county, campaign, sheet, letter):
    client.force_login(county.office)
    response = client.post(
        reverse("campaign:letter_edit", args=[letter.pk]),
        {"indicators": [line(sheet, "群众满意率").pk], "terms": "群众满意率不低于90%。", "signed_on": "2011-01-12"},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.terms == "群众满意率不低于90%。" and letter.signed_on == datetime.date(2011, 1, 12)
    assert [indicator.name for indicator in letter.indicators.all()] == ["群众满意率"]

    response = client.post(reverse("campaign:letter_withdraw", args=[letter.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("campaign:letters"))
    assert not ResponsibilityLetter.objects.filter(pk=letter.pk).exists()


def test_the_unit_cannot_assess_or_change_its_own_letter(client, county, letter):
    client.force_login(county.secretary_user_a1)
    assert client.get(reverse("campaign:letter_edit", args=[letter.pk])).status_code == 403
    assert client.post(reverse("campaign:letter_assess", args=[letter.pk])).status_code == 403
    assert client.get(reverse("campaign:letter_create")).status_code == 403
