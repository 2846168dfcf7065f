"""Evaluator categories and choices as campaign data: 创先争优's by default, a hospital's
patients in their own words, set on the office's pages, copied by each round when it is
set up and counted by the round's own rule."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaign.campaigns.evaluation import PATIENT_PRESET, CategoryInput, ChoiceInput
from campaign.campaigns.models import (
    Campaign,
    CampaignChoice,
    CampaignEvaluatorCategory,
    CampaignSubjects,
    ChoiceCounting,
)
from campaign.campaigns.services import campaign_evaluation_set
from campaign.tests.factories import make_campaign
from orgs.tests.factories import make_staff
from reviews.ballots import ballot_cast
from reviews.models import EvaluationCode, RoundCategory, RoundChoice, RoundState, TallyResult
from reviews.tally import round_tally
from reviews.tests.factories import forms_out, make_round
from reviews.tests.test_results_pages import evaluation_post

pytestmark = pytest.mark.django_db


def labels(rows):
    return [(row.key, row.label) for row in rows]


def test_a_new_campaign_asks_its_evaluators_as_the_office_chose_when_creating_it(client, county):
    client.force_login(county.office)
    data = {
        "organization": county.county.pk,
        "name": "三好一满意活动",
        "theme": "服务好、质量好、医德好、群众满意",
        "starts_on": "2011-03-01",
        "ends_on": "2012-12-31",
        "satisfaction_threshold": "85",
        "review_period_months": 6,
        "reports_per_month": 3,
        "models_per_quarter": 1,
    }
    assert client.post(reverse("campaign:create"), {**data, "evaluation_preset": "patients"}).status_code == 302
    assert client.post(reverse("campaign:create"), {**data, "name": "创先争优活动"}).status_code == 302

    health = Campaign.objects.get(name="三好一满意活动")
    assert [row.label for row in health.evaluator_categories.all()] == [
        "住院患者",
        "门诊患者",
        "患者家属",
        "社会监督员",
    ]
    assert [(row.label, row.counting) for row in health.evaluation_choices.all()] == [
        ("满意", "satisfied"),
        ("比较满意", "satisfied"),
        ("一般", "counted"),
        ("不满意", "counted"),
        ("说不清", "excluded"),
    ]
    party = Campaign.objects.get(name="创先争优活动")
    assert [row.label for row in party.evaluator_categories.all()] == ["党员", "干部职工", "两代表一委员", "群众代表"]
    assert [row.label for row in party.evaluation_choices.all()] == ["满意", "基本满意", "不满意", "不了解"]
    page = client.get(party.get_absolute_url()).content.decode()
    assert "满意、基本满意计入满意；不了解不计入满意率" in page


def test_the_office_words_the_form_on_its_page_and_the_campaign_shows_it(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:evaluation", args=[campaign.pk])
    assert "住院患者" in client.get(url + "?preset=patients").content.decode()

    response = client.post(
        url,
        evaluation_post(
            [("public", "群众代表"), ("", "服务对象")],
            [
                ("satisfied", "很满意", "satisfied"),
                ("", "较满意", "satisfied"),
                ("dissatisfied", "不满意", "counted"),
                ("unknown", "不清楚", "excluded"),
            ],
        ),
    )

    assert response.status_code == 302
    assert labels(campaign.evaluator_categories.all()) == [("public", "群众代表"), ("c1", "服务对象")]
    assert labels(campaign.evaluation_choices.all()) == [
        ("satisfied", "很满意"),
        ("o1", "较满意"),
        ("dissatisfied", "不满意"),
        ("unknown", "不清楚"),
    ]
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "很满意、较满意计入满意；不清楚不计入满意率" in page and "服务对象" in page


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([("", "满意", "satisfied"), ("", "不了解", "excluded")], "至少要有一个选项计入总数而不算满意"),
        ([("", "一般", "counted"), ("", "不满意", "counted")], "至少要有一个选项计入满意"),
        ([("", "满意", "satisfied"), ("", "满意", "counted")], "评议选项“满意”重复了"),
        ([("", "满意", "satisfied")], "评议选项至少要有两个"),
    ],
)
def test_a_form_that_cannot_judge_is_refused_in_chinese_and_nothing_changes(client, county, campaign, choices, message):
    client.force_login(county.office)
    before = labels(campaign.evaluation_choices.all())

    response = client.post(
        reverse("campaign:evaluation", args=[campaign.pk]), evaluation_post([("", "住院患者")], choices)
    )

    assert response.status_code == 200 and message in response.content.decode()
    assert labels(campaign.evaluation_choices.all()) == before
    assert [row.label for row in campaign.evaluator_categories.all()] == [
        "党员",
        "干部职工",
        "两代表一委员",
        "群众代表",
    ]


def test_only_the_office_over_the_campaign_changes_its_form(county, campaign):
    with pytest.raises(PermissionDenied):
        campaign_evaluation_set(
            campaign=campaign,
            categories=[CategoryInput("住院患者")],
            choices=[ChoiceInput("满意", ChoiceCounting.SATISFIED), ChoiceInput("不满意", ChoiceCounting.COUNTED)],
            by=county.leader_a,
        )
    with pytest.raises(ValidationError):
        campaign_evaluation_set(campaign=campaign, categories=[], choices=[], by=county.office)


@pytest.fixture
def hospital_campaign(county):
    return make_campaign(
        county.county,
        name="三好一满意活动",
        evaluation=PATIENT_PRESET,
        subjects=CampaignSubjects.UNITS,
        satisfaction_threshold=90,
    )


def test_patients_judge_by_the_rule_the_round_copied_whatever_the_campaign_says_later(county, hospital_campaign):
    evaluation_round = make_round(
        hospital_campaign, county.branch_a1, state=RoundState.OPEN, members=[], codes={"inpatient": 10, "family": 2}
    )
    assert list(RoundCategory.objects.filter(round=evaluation_round).values_list("label", "code_count")) == [
        ("住院患者", 10),
        ("门诊患者", 0),
        ("患者家属", 2),
        ("社会监督员", 0),
    ]
    # The office rewords the campaign's form after the round was set up: the round keeps its own.
    CampaignChoice.objects.filter(campaign=hospital_campaign, key="average").update(counting="satisfied")
    CampaignEvaluatorCategory.objects.filter(campaign=hospital_campaign, key="inpatient").update(label="出院患者")

    subject = evaluation_round.subjects.get()
    codes = list(EvaluationCode.objects.filter(round=evaluation_round, category="inpatient").order_by("code"))
    given = ["satisfied"] * 3 + ["fairly", "average"] + ["unknown"] * 5
    for code, choice in zip(codes, given, strict=True):
        ballot_cast(code=code.code, choices={subject.pk: choice}, comments={})
    with pytest.raises(ValidationError):
        # 基本满意 is not on a patient's form.
        ballot_cast(
            code=EvaluationCode.objects.filter(round=evaluation_round, category="family").first().code,
            choices={subject.pk: "basically"},
            comments={},
        )
    forms_out(evaluation_round)
    evaluation_round.state = RoundState.CLOSED
    evaluation_round.save(update_fields=["state"])

    round_tally(round_id=evaluation_round.pk)

    overall = TallyResult.objects.get(round=evaluation_round, category="")
    # 满意 3 + 比较满意 1 of the 5 that count (一般 counts, 说不清 does not): 80%, under 90.
    assert (overall.satisfied, overall.dissatisfied, overall.unknown) == (4, 1, 5)
    assert overall.choice_counts == {"satisfied": 3, "fairly": 1, "average": 1, "unknown": 5}
    assert overall.satisfaction == Decimal("80.0000") and overall.below_threshold
    assert RoundChoice.objects.get(round=evaluation_round, key="average").counting == "counted"


def test_a_ward_poster_leads_patients_to_type_the_code_of_their_slip(client, county, hospital_campaign):
    evaluation_round = make_round(
        hospital_campaign, county.branch_a1, state=RoundState.OPEN, members=[], codes={"inpatient": 3}
    )
    client.force_login(county.secretary_user_a1)

    assert (
        reverse("reviews:round_poster", args=[evaluation_round.pk])
        in client.get(evaluation_round.get_absolute_url()).content.decode()
    )
    page = client.get(reverse("reviews:round_poster", args=[evaluation_round.pk])).content.decode()

    assert "<svg" in page and "http://testserver/p/" in page
    assert "请以下人员参加：住院患者" in page and "患者家属" not in page
    # A poster hangs in public: it carries no code.
    assert not any(code in page for code in EvaluationCode.objects.values_list("code", flat=True))


def test_a_patient_s_form_is_about_the_unit_and_names_staff_by_their_job(client, county, hospital_campaign):
    make_staff(county.branch_a1, "牛丽萍", job_title="护士长")
    evaluation_round = make_round(hospital_campaign, county.branch_a1, state=RoundState.OPEN, codes={"inpatient": 3})
    code = EvaluationCode.objects.filter(round=evaluation_round).first().code

    page = client.get(reverse("ballot:form", args=[code])).content.decode()

    assert "红湾社区党支部满意度评价表" in page and "群众评议表" not in page
    assert "三好一满意活动</a>" in page and "创先争优活动管理" not in page
    assert ">单位<" in page and "护士长" in page
    assert "“满意”“比较满意”“一般”“不满意”“说不清”" in page


def test_a_closed_round_has_no_poster(client, county, hospital_campaign):
    evaluation_round = make_round(hospital_campaign, county.branch_a1, state=RoundState.CLOSED, codes={"inpatient": 3})
    client.force_login(county.secretary_user_a1)
    assert client.get(reverse("reviews:round_poster", args=[evaluation_round.pk])).status_code == 400
