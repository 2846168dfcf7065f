"""Running an evaluation round: setting it up, its subjects, opening it (the codes),
closing it, the pages, what they show while it runs (counts, never choices) and who
may do what."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaign.tests.factories import make_campaign
from orgs.tests.factories import make_member, make_user
from reviews.models import (
    Ballot,
    BallotChoice,
    Choice,
    EvaluationCode,
    EvaluationRound,
    EvaluationSubject,
    PaperTally,
    RoundCategory,
    RoundState,
    TallyResult,
)
from reviews.rounds import (
    round_create,
    round_open,
    round_progress,
    round_update,
    subject_add,
    subject_remove,
)
from reviews.tests.factories import make_round

NOW = timezone.now()


def create(county, campaign, *, organization=None, by=None, **fields):
    return round_create(
        campaign=campaign,
        organization=organization or county.branch_a1,
        period=fields.pop("period", "2010年下半年"),
        briefing_on=fields.pop("briefing_on", datetime.date(2010, 12, 20)),
        briefing_kind=fields.pop("briefing_kind", "briefing"),
        briefing_summary=fields.pop("briefing_summary", "通报了全年承诺践诺情况。"),
        opens_at=fields.pop("opens_at", NOW),
        closes_at=fields.pop("closes_at", NOW + datetime.timedelta(days=3)),
        categories=fields.pop("categories", {"public": 20, "party_member": 5}),
        by=by or county.secretary_user_a1,
    )


def subject_names(evaluation_round):
    return [
        str(subject)
        for subject in EvaluationSubject.objects.filter(round=evaluation_round).select_related(
            "member", "round__organization"
        )
    ]


def update(evaluation_round, by, **fields):
    values = {
        "period": evaluation_round.period,
        "briefing_on": evaluation_round.briefing_on,
        "briefing_kind": evaluation_round.briefing_kind,
        "briefing_summary": evaluation_round.briefing_summary,
        "opens_at": evaluation_round.opens_at,
        "closes_at": evaluation_round.closes_at,
        "categories": {"public": 20},
    }
    values.update(fields)
    return round_update(evaluation_round=evaluation_round, by=by, **values)


# ---------------------------------------------------------------------------
# Setting up
# ---------------------------------------------------------------------------


def test_a_new_round_evaluates_the_organization_and_its_own_members_leadership_first(county, campaign):
    evaluation_round = create(county, campaign)
    assert evaluation_round.state == RoundState.DRAFT
    assert evaluation_round.created_by == county.secretary_user_a1
    assert subject_names(evaluation_round) == ["红湾社区党支部", "安秀英", "兰永福", "钟建军"]
    assert dict(
        RoundCategory.objects.filter(round=evaluation_round, code_count__gt=0).values_list("category", "code_count")
    ) == {
        "public": 20,
        "party_member": 5,
    }
    assert not EvaluationCode.objects.filter(round=evaluation_round).exists()


def test_a_township_round_takes_the_townships_own_members_not_those_of_its_branches(county, campaign):
    evaluation_round = create(county, campaign, organization=county.township_a, by=county.leader_a)
    assert subject_names(evaluation_round) == ["红湾寺镇党委", "柯长林"]


def test_the_round_copies_every_category_of_the_campaign_with_codes_only_where_asked(county, campaign):
    evaluation_round = create(county, campaign, categories={"public": 3, "staff": 0})
    assert list(
        RoundCategory.objects.filter(round=evaluation_round).values_list("category", "label", "code_count")
    ) == [
        ("party_member", "党员", 0),
        ("staff", "干部职工", 0),
        ("representative", "两代表一委员", 0),
        ("public", "群众代表", 3),
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"closes_at": NOW - datetime.timedelta(hours=1)}, "截止时间应晚于开始时间"),
        ({"closes_at": NOW}, "截止时间应晚于开始时间"),
        ({"categories": {"public": 0, "staff": 0}}, "请至少为一类评议人发放评议码"),
        ({"categories": {}}, "请至少为一类评议人发放评议码"),
        ({"categories": {"public": 5001}}, "群众代表”的评议码数量应在0到5000之间"),
        ({"categories": {"public": -1}}, "评议码数量应在0到5000之间"),
        ({"categories": {"visitors": 3}}, "没有“visitors”这一类评议人"),
        ({"period": "  "}, "请填写评议期间"),
        ({"briefing_kind": "party"}, "请选择通报形式"),
    ],
)
def test_a_round_with_bad_settings_is_refused_in_chinese_and_nothing_is_stored(county, campaign, fields, message):
    with pytest.raises(ValidationError) as refused:
        create(county, campaign, **fields)
    assert any(message in text for text in refused.value.messages)
    assert not EvaluationRound.objects.exists()
    assert not EvaluationSubject.objects.exists()


def test_five_thousand_codes_per_category_is_the_most_allowed(county, campaign):
    evaluation_round = create(county, campaign, categories={"public": 5000})
    assert RoundCategory.objects.get(round=evaluation_round, category="public").code_count == 5000


def test_the_campaign_must_cover_the_rounds_organization(county, campaign):
    township_campaign = make_campaign(county.township_b, name="康乐乡活动")
    with pytest.raises(ValidationError) as refused:
        create(county, township_campaign)
    assert "不在这项活动的范围内" in refused.value.messages[0]


@pytest.mark.parametrize("who", ["inspector_b", "member_user_a1", "secretary_user_b1"])
def test_only_those_who_run_the_branch_may_set_up_its_round(county, campaign, who):
    with pytest.raises(PermissionDenied):
        create(county, campaign, by=getattr(county, who))
    assert not EvaluationRound.objects.exists()


@pytest.mark.parametrize("who", ["secretary_user_a1", "leader_a", "office"])
def test_the_secretary_and_those_above_may_set_up_a_branch_round(county, campaign, who):
    assert create(county, campaign, by=getattr(county, who)).organization == county.branch_a1


def test_a_draft_round_can_be_changed(county, campaign):
    evaluation_round = create(county, campaign)
    later = NOW + datetime.timedelta(days=10)
    update(evaluation_round, county.secretary_user_a1, period="2011年上半年", closes_at=later, categories={"staff": 8})
    evaluation_round.refresh_from_db()
    assert evaluation_round.period == "2011年上半年" and evaluation_round.closes_at == later
    assert dict(
        RoundCategory.objects.filter(round=evaluation_round, code_count__gt=0).values_list("category", "code_count")
    ) == {"staff": 8}


def test_an_open_round_cannot_be_changed(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    with pytest.raises(ValidationError) as refused:
        update(evaluation_round, county.secretary_user_a1, period="改过的期间")
    assert "开始评议后不能再修改" in refused.value.messages[0]
    evaluation_round.refresh_from_db()
    assert evaluation_round.period == "2010年下半年"


def test_members_can_be_added_and_removed_while_in_draft(county, campaign):
    evaluation_round = create(county, campaign)
    removed = EvaluationSubject.objects.get(round=evaluation_round, member=county.member_a1)
    subject_remove(subject=removed, by=county.secretary_user_a1)
    assert "钟建军" not in subject_names(evaluation_round)
    subject_add(evaluation_round=evaluation_round, member=county.member_a1, by=county.secretary_user_a1)
    assert subject_names(evaluation_round)[-1] == "钟建军"


def test_the_organization_itself_cannot_be_removed(county, campaign):
    evaluation_round = create(county, campaign)
    organization_subject = EvaluationSubject.objects.get(round=evaluation_round, member=None)
    with pytest.raises(ValidationError):
        subject_remove(subject=organization_subject, by=county.secretary_user_a1)
    assert EvaluationSubject.objects.filter(round=evaluation_round, member=None).exists()


def test_only_the_organizations_own_members_can_be_added_and_only_once(county, campaign):
    evaluation_round = create(county, campaign)
    with pytest.raises(ValidationError) as stranger:
        subject_add(evaluation_round=evaluation_round, member=county.member_a2, by=county.secretary_user_a1)
    assert "不是“红湾社区党支部”的党员" in stranger.value.messages[0]
    with pytest.raises(ValidationError) as twice:
        subject_add(evaluation_round=evaluation_round, member=county.member_a1, by=county.secretary_user_a1)
    assert "已经是评议对象" in twice.value.messages[0]


def test_subjects_are_fixed_once_the_round_is_open(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    subject = EvaluationSubject.objects.get(round=evaluation_round, member=county.member_a1)
    with pytest.raises(ValidationError):
        subject_remove(subject=subject, by=county.secretary_user_a1)
    newcomer = make_member(county.branch_a1, "新党员")
    with pytest.raises(ValidationError):
        subject_add(evaluation_round=evaluation_round, member=newcomer, by=county.secretary_user_a1)
    assert EvaluationSubject.objects.filter(round=evaluation_round).count() == 4


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------


def test_opening_generates_the_codes_of_each_category(county, campaign):
    evaluation_round = create(county, campaign, categories={"public": 20, "party_member": 5})
    opened = round_open(evaluation_round=evaluation_round, by=county.secretary_user_a1)
    assert opened.state == RoundState.OPEN and opened.opened_at is not None
    assert round_progress(opened) == {"party_member": {"issued": 5, "used": 0}, "public": {"issued": 20, "used": 0}}


def test_a_round_cannot_be_opened_twice_nor_get_a_second_set_of_codes(county, campaign):
    evaluation_round = create(county, campaign, categories={"public": 4})
    round_open(evaluation_round=evaluation_round, by=county.secretary_user_a1)
    with pytest.raises(ValidationError) as refused:
        round_open(evaluation_round=evaluation_round, by=county.secretary_user_a1)
    assert "不能“开始评议”" in refused.value.messages[0]
    assert EvaluationCode.objects.filter(round=evaluation_round).count() == 4


def test_a_round_without_codes_or_past_its_closing_time_does_not_open(county, campaign):
    evaluation_round = create(county, campaign)
    RoundCategory.objects.filter(round=evaluation_round).update(code_count=0)
    with pytest.raises(ValidationError) as no_codes:
        round_open(evaluation_round=evaluation_round, by=county.secretary_user_a1)
    assert "评议码数量" in no_codes.value.messages[0]

    late = create(
        county, campaign, opens_at=NOW - datetime.timedelta(days=3), closes_at=NOW - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as past:
        round_open(evaluation_round=late, by=county.secretary_user_a1)
    assert "截止时间已过" in past.value.messages[0]
    assert not EvaluationCode.objects.exists()
    assert set(EvaluationRound.objects.values_list("state", flat=True)) == {RoundState.DRAFT}


def test_a_round_without_subjects_does_not_open(county, campaign):
    evaluation_round = create(county, campaign)
    EvaluationSubject.objects.filter(round=evaluation_round).delete()
    with pytest.raises(ValidationError) as refused:
        round_open(evaluation_round=evaluation_round, by=county.secretary_user_a1)
    assert "还没有评议对象" in refused.value.messages[0]


def test_an_inspector_cannot_open_a_round(county, campaign):
    evaluation_round = make_round(campaign, county.branch_b1)
    with pytest.raises(PermissionDenied):
        round_open(evaluation_round=evaluation_round, by=county.inspector_b)
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.DRAFT


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "period": "2010年下半年",
        "briefing_kind": "forum",
        "briefing_on": "2010-12-20",
        "briefing_summary": "通报了便民服务站建设情况。",
        "opens_at": "2010-12-20T09:00",
        "closes_at": "2099-12-27T18:00",
        "codes_party_member": "5",
        "codes_staff": "0",
        "codes_representative": "2",
        "codes_public": "30",
    }
    data.update(overrides)
    return data


def test_the_secretary_sets_up_a_round_on_the_page(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    page = client.get(reverse("reviews:round_create"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["organization"].queryset) == [county.branch_a1, county.union_a1]
    response = client.post(
        reverse("reviews:round_create"),
        form_data(campaign=campaign.pk, organization=county.branch_a1.pk),
    )
    evaluation_round = EvaluationRound.objects.get()
    assert response.status_code == 302 and response["Location"] == evaluation_round.get_absolute_url()
    assert evaluation_round.briefing_kind == "forum"
    assert evaluation_round.opens_at == datetime.datetime(
        2010, 12, 20, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
    assert dict(
        RoundCategory.objects.filter(round=evaluation_round, code_count__gt=0).values_list("category", "code_count")
    ) == {
        "party_member": 5,
        "representative": 2,
        "public": 30,
    }


def test_the_create_page_explains_bad_input_in_chinese(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("reviews:round_create"),
        form_data(
            campaign=campaign.pk,
            organization=county.branch_a1.pk,
            closes_at="2010-12-19T09:00",
            codes_party_member="0",
            codes_representative="0",
            codes_public="0",
        ),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "截止时间应晚于开始时间" in text and "请至少为一类评议人发放评议码" in text
    assert not EvaluationRound.objects.exists()


def test_an_organization_outside_the_scope_cannot_be_picked(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("reviews:round_create"), form_data(campaign=campaign.pk, organization=county.branch_b1.pk)
    )
    assert response.status_code == 200 and not EvaluationRound.objects.exists()
    assert client.get(reverse("reviews:round_create") + f"?organization={county.branch_b1.code}").status_code == 404


def test_a_mass_organization_is_evaluated_as_itself(county, campaign):
    evaluation_round = create(county, campaign, organization=county.union_a1)
    assert subject_names(evaluation_round) == ["红湾社区工会"]


def test_the_leader_picks_among_the_townships_organizations(client, county, campaign):
    client.force_login(county.leader_a)
    page = client.get(reverse("reviews:round_create") + f"?organization={county.branch_a2.code}")
    organizations = list(page.context["form"].fields["organization"].queryset)
    assert organizations == [county.township_a, county.branch_a1, county.union_a1, county.branch_a2]
    assert page.context["form"].initial["organization"] == county.branch_a2


def test_the_edit_page_changes_a_draft_and_refuses_an_open_round(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    draft = make_round(campaign, county.branch_a1)
    page = client.get(reverse("reviews:round_edit", args=[draft.pk]))
    assert page.context["form"].initial["codes_public"] == 10
    response = client.post(reverse("reviews:round_edit", args=[draft.pk]), form_data(period="2011年上半年"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.period == "2011年上半年"
    opened = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    response = client.post(reverse("reviews:round_edit", args=[opened.pk]), form_data(period="改过"), follow=True)
    assert "不能再修改" in response.content.decode()
    opened.refresh_from_db()
    assert opened.period == "2010年下半年"


def test_subjects_are_adjusted_on_their_page(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    evaluation_round = make_round(campaign, county.branch_a1)
    subject = EvaluationSubject.objects.get(round=evaluation_round, member=county.member_a1)
    client.post(reverse("reviews:round_subject_remove", args=[evaluation_round.pk, subject.pk]))
    page = client.get(reverse("reviews:round_subjects", args=[evaluation_round.pk]))
    assert list(page.context["form"].fields["member"].queryset) == [county.member_a1]
    client.post(reverse("reviews:round_subjects", args=[evaluation_round.pk]), {"member": county.member_a1.pk})
    assert EvaluationSubject.objects.filter(round=evaluation_round, member=county.member_a1).exists()
    organization_subject = EvaluationSubject.objects.get(round=evaluation_round, member=None)
    response = client.post(
        reverse("reviews:round_subject_remove", args=[evaluation_round.pk, organization_subject.pk]), follow=True
    )
    assert "不能移除" in response.content.decode()


def test_opening_and_closing_on_the_round_page(client, county, campaign, django_capture_on_commit_callbacks):
    client.force_login(county.secretary_user_a1)
    evaluation_round = make_round(campaign, county.branch_a1, codes={"public": 6})
    page = client.get(evaluation_round.get_absolute_url())
    assert reverse("reviews:round_open", args=[evaluation_round.pk]) in page.content.decode()
    client.post(reverse("reviews:round_open", args=[evaluation_round.pk]))
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.OPEN
    page = client.get(evaluation_round.get_absolute_url()).content.decode()
    assert reverse("reviews:code_sheet", args=[evaluation_round.pk]) + "?category=public&amp;part=1" in page
    assert reverse("reviews:round_close", args=[evaluation_round.pk]) in page
    assert reverse("reviews:round_edit", args=[evaluation_round.pk]) not in page
    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("reviews:round_close", args=[evaluation_round.pk]))
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.CLOSED
    assert len(queued) == 1  # the tally, queued once the closing has committed


def test_a_refused_transition_is_a_message_not_an_error(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.CLOSED)
    response = client.post(reverse("reviews:round_open", args=[evaluation_round.pk]), follow=True)
    assert response.status_code == 200
    assert "不能“开始评议”" in response.content.decode()


def test_the_results_link_appears_only_once_tallied(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    for state, shown in [(RoundState.OPEN, False), (RoundState.CLOSED, False), (RoundState.TALLIED, True)]:
        evaluation_round = make_round(campaign, county.branch_a1, state=state)
        page = client.get(evaluation_round.get_absolute_url()).content.decode()
        assert (reverse("reviews:results", args=[evaluation_round.pk]) in page) is shown, state


# ---------------------------------------------------------------------------
# Progress, never results
# ---------------------------------------------------------------------------


def cast(evaluation_round, category, choice=Choice.SATISFIED, comment="服务很好"):
    """A form as the casting service stores it, with its code marked used."""
    code = EvaluationCode.objects.filter(round=evaluation_round, category=category, used=False).first()
    code.used = True
    code.save()
    ballot = Ballot.objects.create(round=evaluation_round, category=category)
    for subject in EvaluationSubject.objects.filter(round=evaluation_round):
        BallotChoice.objects.create(
            ballot=ballot, round=evaluation_round, category=category, subject=subject, choice=choice, comment=comment
        )


@pytest.fixture
def running(county, campaign):
    evaluation_round = make_round(
        campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 10, "party_member": 5}
    )
    cast(evaluation_round, "public")
    cast(evaluation_round, "public", Choice.DISSATISFIED, comment="独一无二的意见")
    cast(evaluation_round, "party_member", Choice.BASICALLY_SATISFIED)
    return evaluation_round


def test_progress_counts_used_codes_per_category_and_nothing_else(client, county, running):
    client.force_login(county.secretary_user_a1)
    response = client.get(reverse("reviews:round_progress", args=[running.pk]))
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"party_member": {"issued": 5, "used": 1}, "public": {"issued": 10, "used": 2}}


@pytest.mark.parametrize("who", ["office", "leader_a", "secretary_user_a1"])
def test_no_choice_comment_or_rate_shows_on_round_pages_while_open(client, county, running, who):
    client.force_login(getattr(county, who))
    for url in [reverse("reviews:rounds"), running.get_absolute_url()]:
        text = response_text = client.get(url).content.decode()
        for label in ["满意", "不了解", "满意率", "独一无二的意见", "服务很好", "%<"]:
            assert label not in text, (url, label)
        assert response_text.count("评议中") >= 1
    detail = client.get(running.get_absolute_url()).content.decode()
    assert "data-used>2<" in detail.replace(" ", "") or ">2</span> / <span data-issued>10<" in detail


def test_the_round_page_refreshes_its_counters_from_the_progress_url(client, county, running):
    client.force_login(county.secretary_user_a1)
    page = client.get(running.get_absolute_url()).content.decode()
    assert f'data-progress-url="{reverse("reviews:round_progress", args=[running.pk])}"' in page
    assert "js/round-progress.js" in page


def test_the_list_shows_each_round_with_its_state_and_code_use(client, county, campaign, running):
    make_round(campaign, county.branch_a1, period="2011年上半年")
    make_round(campaign, county.branch_b1, period="北极村的评议")
    client.force_login(county.secretary_user_a1)
    response = client.get(reverse("reviews:rounds"))
    rows = {(r.period, r.state, r.used, r.issued) for r in response.context["page"]}
    assert rows == {("2010年下半年", "open", 3, 15), ("2011年上半年", "draft", 0, 0)}
    only_open = client.get(reverse("reviews:rounds") + "?state=open")
    assert [r.pk for r in only_open.context["page"]] == [running.pk]


def test_the_list_queries_do_not_grow_with_rounds(client, county, campaign, django_assert_max_num_queries):
    client.force_login(county.office)
    make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("reviews:rounds"))
    for organization in [county.branch_a2, county.branch_b1, county.township_a, county.township_b]:
        make_round(campaign, organization, state=RoundState.OPEN)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reviews:rounds"))
    assert len(response.context["page"]) == 5


def test_the_round_page_queries_do_not_grow_with_subjects(client, county, campaign, django_assert_max_num_queries):
    client.force_login(county.secretary_user_a1)
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    with django_assert_max_num_queries(15) as few:
        client.get(evaluation_round.get_absolute_url())
    for index in range(8):
        subject = make_member(county.branch_a1, f"新党员{index}")
        EvaluationSubject.objects.create(round=evaluation_round, member=subject, order=10 + index)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(evaluation_round.get_absolute_url())


# ---------------------------------------------------------------------------
# Scope and roles
# ---------------------------------------------------------------------------


def round_urls(evaluation_round):
    subject = EvaluationSubject.objects.filter(round=evaluation_round, member__isnull=False).first()
    pk = evaluation_round.pk
    return [
        ("GET", reverse("reviews:round", args=[pk])),
        ("GET", reverse("reviews:round_edit", args=[pk])),
        ("GET", reverse("reviews:round_subjects", args=[pk])),
        ("POST", reverse("reviews:round_subject_remove", args=[pk, subject.pk])),
        ("POST", reverse("reviews:round_open", args=[pk])),
        ("POST", reverse("reviews:round_close", args=[pk])),
        ("GET", reverse("reviews:round_progress", args=[pk])),
        ("GET", reverse("reviews:code_sheet", args=[pk])),
        ("GET", reverse("reviews:paper", args=[pk])),
    ]


def test_another_branchs_secretary_gets_404_on_every_round_page(client, county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    client.force_login(county.secretary_user_b1)
    for method, url in round_urls(evaluation_round):
        response = client.post(url) if method == "POST" else client.get(url)
        assert response.status_code == 404, url
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.OPEN
    assert evaluation_round not in client.get(reverse("reviews:rounds")).context["page"]


def test_an_inspector_reads_but_every_action_is_403(client, county, campaign):
    evaluation_round = make_round(campaign, county.branch_b1, state=RoundState.OPEN)
    client.force_login(county.inspector_b)
    readable = {
        reverse("reviews:round", args=[evaluation_round.pk]),
        reverse("reviews:round_progress", args=[evaluation_round.pk]),
    }
    for method, url in round_urls(evaluation_round):
        response = client.post(url) if method == "POST" else client.get(url)
        assert response.status_code == (200 if url in readable else 403), url
    page = client.get(evaluation_round.get_absolute_url()).content.decode()
    assert reverse("reviews:round_close", args=[evaluation_round.pk]) not in page
    assert reverse("reviews:code_sheet", args=[evaluation_round.pk]) not in page
    assert client.get(reverse("reviews:round_create")).status_code == 403
    evaluation_round.refresh_from_db()
    assert evaluation_round.state == RoundState.OPEN


def test_a_plain_member_is_kept_out_of_the_round_pages(client, county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    client.force_login(county.member_user_a1)
    assert client.get(reverse("reviews:rounds")).status_code == 403
    assert client.get(evaluation_round.get_absolute_url()).status_code == 403
    assert client.get(reverse("reviews:round_progress", args=[evaluation_round.pk])).status_code == 403


# ---------------------------------------------------------------------------
# Admin
# ---------------------------------------------------------------------------


def test_ballots_are_not_in_the_admin_at_all():
    assert not admin.site.is_registered(Ballot)
    assert not admin.site.is_registered(BallotChoice)
    assert admin.site.is_registered(EvaluationRound) and admin.site.is_registered(PaperTally)
    assert admin.site.is_registered(TallyResult) and admin.site.is_registered(EvaluationCode)


def test_the_admin_shows_rounds_and_codes_read_only_in_scope(client, county, campaign):
    superuser = make_user("root", "office", is_superuser=True, is_staff=True)
    inside = make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes={"public": 3})
    client.force_login(superuser)
    page = client.get(reverse("admin:reviews_evaluationround_change", args=[inside.pk]))
    assert page.status_code == 200
    assert "红湾社区党支部" in page.content.decode()
    codes = client.get(reverse("admin:reviews_evaluationcode_changelist"))
    assert codes.status_code == 200
    text = codes.content.decode()
    assert "ballot" not in text.lower().replace("reviews_ballot", "")
    assert client.get(reverse("admin:reviews_evaluationcode_add")).status_code == 403
    assert client.get(reverse("admin:reviews_evaluationround_add")).status_code == 403


def test_staff_secretary_sees_only_the_branchs_rounds_in_the_admin(client, county, campaign):
    from django.contrib.auth.models import Permission

    user = county.secretary_user_a1
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="reviews", codename__startswith="view_")
    )
    mine = make_round(campaign, county.branch_a1)
    other = make_round(campaign, county.branch_b1)
    client.force_login(user)
    listed = client.get(reverse("admin:reviews_evaluationround_changelist"))
    assert list(listed.context["cl"].queryset) == [mine]
    assert client.get(reverse("admin:reviews_evaluationround_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:reviews_evaluationround_history", args=[other.pk])).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_open_at_once_make_one_set_of_codes(county, campaign):
    import threading

    from django.db import connection

    from orgs.scoping import unscoped

    evaluation_round = create(county, campaign, categories={"public": 30})
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            with unscoped("concurrency test"):
                barrier.wait()
                try:
                    round_open(evaluation_round=evaluation_round, by=county.secretary_user_a1)
                    outcomes.append("opened")
                except ValidationError:
                    outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["opened", "refused"]
    assert EvaluationCode.objects.filter(round=evaluation_round).count() == 30
