"""Evaluators' comments: read with the results, after the tally only, never under the
secrecy threshold, never in casting order, never with a time or an id."""

import io
import re

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import reverse

from reviews.ballots import ballot_cast
from reviews.comments import round_comments
from reviews.models import Choice, EvaluationCode, EvaluationRound, EvaluationSubject, EvaluatorCategory, RoundState
from reviews.results import round_results
from reviews.tally import round_tally
from reviews.tests.factories import make_round

PUBLIC = EvaluatorCategory.PUBLIC
PARTY = EvaluatorCategory.PARTY_MEMBER
STAFF = EvaluatorCategory.STAFF


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Failed codes are counted in the cache; under REDIS_URL it would outlive the run."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "comments"}}
    cache.clear()


def open_round(county, campaign, codes, period="2010年下半年"):
    return make_round(campaign, county.branch_a1, state=RoundState.OPEN, codes=codes, period=period)


def subjects_by_name(evaluation_round):
    return {
        str(subject): subject
        for subject in EvaluationSubject.objects.filter(round=evaluation_round).select_related(
            "member", "round__organization"
        )
    }


def cast_forms(evaluation_round, category, forms):
    """Cast online forms through the real service, each {subject name: comment}; every
    subject is rated 满意, and a subject left out of the mapping gets no comment."""
    subjects = subjects_by_name(evaluation_round)
    codes = EvaluationCode.objects.filter(round=evaluation_round, category=category, used=False).order_by("code")
    for code, comments in zip(list(codes.values_list("code", flat=True)), forms, strict=False):
        ballot_cast(
            code=code,
            choices={subject.pk: Choice.SATISFIED for subject in subjects.values()},
            comments={subjects[name].pk: text for name, text in comments.items()},
        )


def close(evaluation_round):
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)


def tally(evaluation_round):
    close(evaluation_round)
    round_tally(round_id=evaluation_round.pk)
    evaluation_round.refresh_from_db()
    return evaluation_round


def page_of(client, evaluation_round):
    return client.get(reverse("reviews:results", args=[evaluation_round.pk]))


def comments_section(page):
    return page[page.index('id="comments"') :]


def readable(comments):
    """round_comments as plain data: [(subject, [(heading, [texts])])]."""
    return [(entry.result.name, [(group.label, group.texts) for group in entry.groups]) for entry in comments]


PUBLIC_FORMS = [
    {"红湾社区党支部": "希望多组织志愿服务。", "钟建军": "走访群众不够勤。"},
    {"红湾社区党支部": "办事公开做得好。"},
    {"钟建军": "希望多到小区里来。"},
    {},
    {"红湾社区党支部": "办事公开做得好。"},  # the same words twice are both kept
    {},
    {},
    {},
    {},
    {},
]


def test_comments_are_read_with_the_results_after_the_tally(client, county, campaign):
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 5})
    cast_forms(evaluation_round, PUBLIC, PUBLIC_FORMS)
    cast_forms(evaluation_round, PARTY, [{"钟建军": "学习笔记记得认真。"}, {}, {}, {}, {}])
    tally(evaluation_round)
    client.force_login(county.secretary_user_a1)

    response = page_of(client, evaluation_round)

    assert response.status_code == 200
    section = comments_section(response.content.decode())
    assert "红湾社区党支部（3 条）" in section and "钟建军（3 条）" in section
    branch = section[section.index("红湾社区党支部（3 条）") : section.index("钟建军（3 条）")]
    assert branch.count("办事公开做得好。") == 2 and "希望多组织志愿服务。" in branch
    member = section[section.index("钟建军（3 条）") :]
    # Both categories cast five forms or more: each has its own heading, in the round's order.
    assert member.index("<h3") < member.index("党员") < member.index("学习笔记记得认真。") < member.index("群众代表")
    assert member.index("群众代表") < member.index("希望多到小区里来。") < member.index("走访群众不够勤。")
    assert "安秀英" not in section  # nobody commented on her
    # No time, no code, no form's id.
    assert not re.search(r"\d{1,2}:\d{2}", section)
    assert "T0" not in section


def test_a_round_without_comments_says_so(client, county, campaign):
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 5})
    cast_forms(evaluation_round, PUBLIC, [{}] * 5)
    tally(evaluation_round)
    client.force_login(county.secretary_user_a1)
    page = page_of(client, evaluation_round).content.decode()
    assert 'id="no-comments"' in comments_section(page)


@pytest.mark.parametrize("state", [RoundState.OPEN, RoundState.CLOSED])
def test_no_comment_is_shown_or_exported_before_the_tally(client, county, campaign, state):
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 5})
    cast_forms(evaluation_round, PUBLIC, PUBLIC_FORMS)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=state)
    client.force_login(county.office)

    for name in ("reviews:results", "reviews:results_export", "reviews:round"):
        response = client.get(reverse(name, args=[evaluation_round.pk]))
        assert response.status_code in (200, 409)
        assert "办事公开做得好" not in response.content.decode(errors="replace")
        assert b"\xe5\x8a\x9e\xe4\xba\x8b" not in response.content  # 办事, in whatever container


def test_a_category_under_the_threshold_is_never_named_beside_a_comment(client, county, campaign):
    # 党员 and 干部职工 cast three forms each: hidden, but six together, so 群众代表 stays shown.
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 3, STAFF: 3})
    cast_forms(evaluation_round, PUBLIC, PUBLIC_FORMS)
    cast_forms(evaluation_round, PARTY, [{"钟建军": "党员甲的意见。"}, {}, {}])
    cast_forms(evaluation_round, STAFF, [{"钟建军": "职工乙的意见。"}, {}, {}])
    tally(evaluation_round)

    found = dict(readable(round_comments(round_results(evaluation_round))))

    assert found["钟建军"] == [
        ("群众代表", ["希望多到小区里来。", "走访群众不够勤。"]),
        ("其他类别评议人", ["党员甲的意见。", "职工乙的意见。"]),
    ]
    client.force_login(county.secretary_user_a1)
    section = comments_section(page_of(client, evaluation_round).content.decode())
    assert "其他类别评议人" in section
    assert "党员" not in section.replace("党员甲", "") and "干部职工" not in section


def test_with_no_category_shown_all_comments_are_read_together(county, campaign):
    # 党员 cast three: hidden, and 群众代表 is hidden with them (overall − 群众代表 = 党员).
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 5})
    cast_forms(evaluation_round, PUBLIC, PUBLIC_FORMS)
    cast_forms(evaluation_round, PARTY, [{"钟建军": "党员甲的意见。"}, {}, {}])
    tally(evaluation_round)

    found = dict(readable(round_comments(round_results(evaluation_round))))

    assert found["钟建军"] == [("全体评议人", ["党员甲的意见。", "希望多到小区里来。", "走访群众不够勤。"])]


def test_the_order_of_casting_does_not_show(county, campaign):
    shown = []
    for period, forms in (("2010年上半年", PUBLIC_FORMS), ("2010年下半年", list(reversed(PUBLIC_FORMS)))):
        evaluation_round = open_round(county, campaign, {PUBLIC: 10}, period=period)
        cast_forms(evaluation_round, PUBLIC, forms)
        shown.append(readable(round_comments(round_results(tally(evaluation_round)))))
    assert shown[0] == shown[1]
    assert shown[0][0] == (
        "红湾社区党支部",
        [("群众代表", ["办事公开做得好。", "办事公开做得好。", "希望多组织志愿服务。"])],
    )


def test_the_export_has_the_comments_sheet(client, county, campaign):
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 5})
    cast_forms(evaluation_round, PUBLIC, PUBLIC_FORMS)
    cast_forms(evaluation_round, PARTY, [{"钟建军": "党员甲的意见。"}, {}, {}])
    tally(evaluation_round)
    client.force_login(county.secretary_user_a1)

    response = client.get(reverse("reviews:results_export", args=[evaluation_round.pk]))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["评议结果", "意见建议"]
    rows = list(workbook["意见建议"].values)
    assert rows == [
        ("评议对象", "评议人类别", "意见建议"),
        ("红湾社区党支部", "全体评议人", "办事公开做得好。"),
        ("红湾社区党支部", "全体评议人", "办事公开做得好。"),
        ("红湾社区党支部", "全体评议人", "希望多组织志愿服务。"),
        ("钟建军", "全体评议人", "党员甲的意见。"),
        ("钟建军", "全体评议人", "希望多到小区里来。"),
        ("钟建军", "全体评议人", "走访群众不够勤。"),
    ]


@pytest.mark.parametrize(("viewer", "status"), [("member_user_a1", 403), ("secretary_user_b1", 404)])
def test_comments_are_seen_only_by_those_who_see_the_results(client, county, campaign, viewer, status):
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 5})
    cast_forms(evaluation_round, PUBLIC, PUBLIC_FORMS)
    tally(evaluation_round)
    client.force_login(getattr(county, viewer))

    for name in ("reviews:results", "reviews:results_export"):
        response = client.get(reverse(name, args=[evaluation_round.pk]))
        assert response.status_code == status
        assert "办事公开做得好" not in response.content.decode(errors="replace")


def test_the_township_leader_reads_the_comments(client, county, campaign):
    evaluation_round = open_round(county, campaign, {PUBLIC: 10, PARTY: 5})
    cast_forms(evaluation_round, PUBLIC, PUBLIC_FORMS)
    tally(evaluation_round)
    client.force_login(county.leader_a)
    assert "希望多组织志愿服务。" in comments_section(page_of(client, evaluation_round).content.decode())
