"""Casting an evaluation form with a one-time code: the pages and the service."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from orgs.tests.factories import make_member
from reviews.ballots import BallotInvalid, ballot_cast, ballot_paper
from reviews.models import (
    Ballot,
    BallotChoice,
    Choice,
    EvaluationCode,
    EvaluationSubject,
    EvaluatorCategory,
    RoundState,
)
from reviews.public_ballot import BallotRefused, Refusal
from reviews.tests.factories import forms_out, make_round


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Failed codes are counted in the cache; under REDIS_URL it would outlive the run."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ballot"}}
    cache.clear()


@pytest.fixture
def open_round(campaign, county):
    return make_round(campaign, county.branch_a1, state=RoundState.OPEN)


def code_of(evaluation_round, category=EvaluatorCategory.PUBLIC, index=0):
    return EvaluationCode.objects.filter(round=evaluation_round, category=category).order_by("code")[index].code


def subjects_of(evaluation_round):
    return list(EvaluationSubject.objects.filter(round=evaluation_round).order_by("order"))


def filled(evaluation_round, choice=Choice.SATISFIED, **overrides):
    """POST data answering every subject of the round."""
    data = {f"choice_{subject.pk}": choice for subject in subjects_of(evaluation_round)}
    data.update(overrides)
    return data


def stored_nothing(evaluation_round):
    forms_out(evaluation_round)
    return not Ballot.objects.filter(round=evaluation_round).exists() and not BallotChoice.objects.exists()


def test_form_shows_the_organization_briefing_and_every_subject_by_name_and_post(client, county, open_round):
    county.secretary_a1.phone = "13909370001"
    county.secretary_a1.save()

    response = client.get(reverse("ballot:form", args=[code_of(open_round)]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "红湾社区党支部群众评议表" in page
    assert "2010年下半年" in page
    assert "通报了全年承诺践诺情况。" in page
    for subject in subjects_of(open_round)[1:]:
        assert subject.member.name in page
    assert "书记" in page
    assert "13909370001" not in page
    assert str(county.secretary_a1.birth_date.year) not in page
    for label in ("满意", "基本满意", "不满意", "不了解"):
        assert label in page
    assert "csrftoken" in response.cookies


def test_form_pages_are_not_cached_indexed_or_referred_onwards(client, open_round):
    for url in (reverse("ballot:enter"), reverse("ballot:form", args=[code_of(open_round)]), reverse("ballot:done")):
        response = client.get(url)
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "strict-origin"
        assert response["X-Robots-Tag"] == "noindex"


def test_paper_carries_only_name_and_post_of_a_member(open_round):
    paper = ballot_paper(code_of(open_round))

    assert paper.subjects[0].is_organization and paper.subjects[0].name == "红湾社区党支部"
    assert set(vars(paper.subjects[1])) == {"id", "name", "post", "is_organization"}


def test_valid_form_stores_one_ballot_with_its_category_and_choices_and_uses_the_code(client, open_round):
    code = code_of(open_round, EvaluatorCategory.PARTY_MEMBER)
    subjects = subjects_of(open_round)
    data = filled(open_round, **{f"choice_{subjects[1].pk}": Choice.DISSATISFIED})

    response = client.post(reverse("ballot:form", args=[code]), data)

    assert response.status_code == 302 and response["Location"] == reverse("ballot:done")
    forms_out(open_round)
    ballot = Ballot.objects.get()
    assert ballot.round == open_round and ballot.category == EvaluatorCategory.PARTY_MEMBER
    stored = {choice.subject_id: choice.choice for choice in BallotChoice.objects.filter(ballot=ballot)}
    assert stored == {
        subject.pk: Choice.DISSATISFIED if subject == subjects[1] else Choice.SATISFIED for subject in subjects
    }
    assert set(BallotChoice.objects.values_list("round_id", "category").distinct()) == {
        (open_round.pk, EvaluatorCategory.PARTY_MEMBER)
    }
    assert list(EvaluationCode.objects.filter(used=True).values_list("code", flat=True)) == [code]


def test_comments_are_kept_trimmed_and_empty_ones_stay_empty(client, open_round):
    subjects = subjects_of(open_round)
    data = filled(open_round, **{f"comment_{subjects[0].pk}": "  希望多开展为民服务活动。 "})

    client.post(reverse("ballot:form", args=[code_of(open_round)]), data)

    forms_out(open_round)
    comments = dict(BallotChoice.objects.values_list("subject_id", "comment"))
    assert comments[subjects[0].pk] == "希望多开展为民服务活动。"
    assert all(comments[subject.pk] == "" for subject in subjects[1:])


def test_a_nul_character_in_a_comment_is_dropped_not_a_server_error(client, open_round):
    """PostgreSQL text cannot hold NUL; the form's fields are no longer what checks the
    comment on the way in, the service is."""
    subjects = subjects_of(open_round)
    data = filled(open_round, **{f"comment_{subjects[0].pk}": "很好\x00。"})

    response = client.post(reverse("ballot:form", args=[code_of(open_round)]), data)

    assert response.status_code == 302
    forms_out(open_round)
    assert BallotChoice.objects.get(subject=subjects[0]).comment == "很好。"


def test_missing_subject_is_named_in_chinese_and_nothing_is_stored(client, county, open_round):
    subjects = subjects_of(open_round)
    missing = subjects[2]
    data = filled(open_round, **{f"comment_{subjects[1].pk}": "工作认真。"})
    del data[f"choice_{missing.pk}"]
    code = code_of(open_round)

    response = client.post(reverse("ballot:form", args=[code]), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert f"请对“{missing.member.name}”作出评价。" in page
    assert "评议表还没有填好" in page
    # The answers given are kept.
    assert f'id="s{subjects[1].pk}-satisfied" value="satisfied" autocomplete="off" checked' in page
    assert "工作认真。" in page
    assert stored_nothing(open_round)
    assert not EvaluationCode.objects.get(code=code).used


def test_made_up_choice_counts_as_no_choice(client, open_round):
    subject = subjects_of(open_round)[0]
    data = filled(open_round, **{f"choice_{subject.pk}": "excellent"})

    response = client.post(reverse("ballot:form", args=[code_of(open_round)]), data)

    assert response.status_code == 400
    assert "请对“红湾社区党支部”作出评价。" in response.content.decode()
    assert stored_nothing(open_round)


def test_used_code_says_so_and_a_second_form_is_not_stored(client, open_round):
    code = code_of(open_round)
    url = reverse("ballot:form", args=[code])
    client.post(url, filled(open_round))

    shown = client.get(url)
    posted = client.post(url, filled(open_round, Choice.DISSATISFIED))

    assert shown.status_code == 409 and "已经使用过" in shown.content.decode()
    assert posted.status_code == 409 and "已经使用过" in posted.content.decode()
    forms_out(open_round)
    assert Ballot.objects.count() == 1
    assert not BallotChoice.objects.filter(choice=Choice.DISSATISFIED).exists()


def test_unknown_code_says_so_and_stores_nothing(client, open_round):
    url = reverse("ballot:form", args=["ZZZZZZZZZZ"])

    shown = client.get(url)
    posted = client.post(url, filled(open_round))

    for response in (shown, posted):
        assert response.status_code == 404
        assert "评议码不存在" in response.content.decode()
    assert stored_nothing(open_round)


@pytest.mark.parametrize(
    ("state", "opens_in_hours", "closes_in_hours", "status", "message"),
    [
        (RoundState.OPEN, 2, 24, 403, "评议尚未开始"),
        (RoundState.DRAFT, -1, 24, 403, "评议尚未开始"),
        (RoundState.OPEN, -3, -1, 410, "评议已经结束"),
        (RoundState.CLOSED, -3, 24, 410, "评议已经结束"),
        (RoundState.TALLIED, -3, -1, 410, "评议已经结束"),
        (RoundState.PUBLISHED, -3, -1, 410, "评议已经结束"),
    ],
)
def test_code_of_a_round_not_open_now_says_why_and_stores_nothing(
    client, campaign, county, state, opens_in_hours, closes_in_hours, status, message
):
    now = timezone.now()
    evaluation_round = make_round(
        campaign,
        county.branch_a1,
        state=RoundState.OPEN,
        opens_at=now + datetime.timedelta(hours=opens_in_hours),
        closes_at=now + datetime.timedelta(hours=closes_in_hours),
    )
    evaluation_round.state = state
    evaluation_round.save()
    code = code_of(evaluation_round)
    url = reverse("ballot:form", args=[code])

    shown = client.get(url)
    posted = client.post(url, filled(evaluation_round))

    for response in (shown, posted):
        assert response.status_code == status
        assert message in response.content.decode()
    assert stored_nothing(evaluation_round)
    assert not EvaluationCode.objects.get(code=code).used


def test_done_page_shows_nothing_of_the_code_or_the_choices(client, open_round):
    code = code_of(open_round)

    response = client.post(reverse("ballot:form", args=[code]), filled(open_round), follow=True)

    page = response.content.decode()
    assert response.status_code == 200 and "评议表已提交" in page
    assert code not in page and code.lower() not in page
    for label in Choice.labels:
        assert str(label) not in page
    assert response.redirect_chain == [(reverse("ballot:done"), 302)]


def test_code_typed_in_lower_case_with_a_dash_goes_to_the_code_as_printed(client, open_round):
    code = code_of(open_round)

    response = client.get(reverse("ballot:form", args=[f"{code[:5].lower()}-{code[5:].lower()}"]))

    assert response.status_code == 302 and response["Location"] == reverse("ballot:form", args=[code])


def test_entering_a_code_opens_its_form(client, open_round):
    code = code_of(open_round)

    response = client.post(reverse("ballot:enter"), {"code": f" {code.lower()} "})

    assert response.status_code == 302 and response["Location"] == reverse("ballot:form", args=[code])


@pytest.mark.parametrize(("typed", "message"), [("", "请输入评议码。"), ("——", "评议码只包含字母和数字")])
def test_entering_nothing_usable_asks_again_in_chinese(client, typed, message):
    response = client.post(reverse("ballot:enter"), {"code": typed})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_form_needs_no_login_and_works_the_same_when_logged_in(client, county, open_round):
    client.force_login(county.member_user_a1)

    response = client.post(reverse("ballot:form", args=[code_of(open_round)]), filled(open_round))

    assert response.status_code == 302
    forms_out(open_round)
    assert Ballot.objects.count() == 1


def test_form_page_queries_do_not_grow_with_subjects(client, campaign, county, django_assert_num_queries):
    small = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    for index in range(12):
        make_member(county.branch_b1, f"党员{index}")
    large = make_round(campaign, county.branch_b1, state=RoundState.OPEN)
    assert len(subjects_of(large)) > len(subjects_of(small)) + 10

    for evaluation_round in (small, large):
        url = reverse("ballot:form", args=[code_of(evaluation_round)])
        with django_assert_num_queries(4):  # the code, the round, the subjects, the round's choices
            assert client.get(url).status_code == 200


def test_service_refuses_unknown_and_used_codes_with_the_reason(open_round):
    code = code_of(open_round)
    subjects = subjects_of(open_round)
    choices = {subject.pk: Choice.SATISFIED for subject in subjects}
    ballot_cast(code=code, choices=choices, comments={})

    with pytest.raises(BallotRefused) as used:
        ballot_cast(code=code, choices=choices, comments={})
    with pytest.raises(BallotRefused) as unknown:
        ballot_cast(code="NOSUCHCODE", choices=choices, comments={})

    assert used.value.reason is Refusal.USED and unknown.value.reason is Refusal.UNKNOWN
    assert code not in str(used.value)
    forms_out(open_round)
    assert Ballot.objects.count() == 1


def test_service_ignores_choices_for_subjects_of_other_rounds(campaign, county, open_round):
    other = make_round(campaign, county.branch_b1, state=RoundState.OPEN)
    choices = {subject.pk: Choice.SATISFIED for subject in subjects_of(open_round) + subjects_of(other)}

    ballot_cast(code=code_of(open_round), choices=choices, comments={})

    forms_out(open_round)
    assert set(BallotChoice.objects.values_list("subject_id", flat=True)) == {s.pk for s in subjects_of(open_round)}


def test_service_refuses_an_overlong_comment_and_stores_nothing(open_round):
    subjects = subjects_of(open_round)
    code = code_of(open_round)

    with pytest.raises(BallotInvalid) as invalid:
        ballot_cast(
            code=code,
            choices={subject.pk: Choice.SATISFIED for subject in subjects},
            comments={subjects[1].pk: "长" * 501},
        )

    assert list(invalid.value.subject_errors) == [subjects[1].pk]
    assert "不要超过500字" in invalid.value.subject_errors[subjects[1].pk]
    assert stored_nothing(open_round)
    assert not EvaluationCode.objects.get(code=code).used


def test_refused_and_incomplete_forms_leave_no_code_in_the_log(client, open_round, caplog):
    code = code_of(open_round)
    client.post(reverse("ballot:form", args=[code]), {})
    client.post(reverse("ballot:form", args=[code]), filled(open_round))
    client.get(reverse("ballot:form", args=[code]))
    client.get(reverse("ballot:form", args=["ZZZZZZZZZZ"]))

    assert code not in caplog.text and "ZZZZZZZZZZ" not in caplog.text
