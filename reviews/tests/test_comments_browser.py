"""The secretary reads the evaluators' comments on a member, on a phone and on an office PC."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from orgs.scoping import unscoped
from reviews.ballots import ballot_cast
from reviews.models import Choice, EvaluationCode, EvaluationRound, EvaluationSubject, EvaluatorCategory, RoundState
from reviews.tally import round_tally
from reviews.tests.factories import make_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "comments"}}
    cache.clear()


def commented_round(county, campaign):
    """A tallied round of 红湾社区党支部: ten 群众代表 forms, two with a comment on 钟建军."""
    with unscoped("test"):
        evaluation_round = make_round(
            campaign, county.branch_a1, state=RoundState.OPEN, codes={EvaluatorCategory.PUBLIC: 10}
        )
        subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).select_related("member"))
        member = next(subject for subject in subjects if subject.member_id == county.member_a1.pk)
        codes = EvaluationCode.objects.filter(round=evaluation_round).order_by("code").values_list("code", flat=True)
        comments = {0: "走访群众不够勤，希望多到小区里来听听大家的意见。", 1: "帮我们解决了楼道照明的问题，谢谢。"}
        for index, code in enumerate(list(codes)):
            ballot_cast(
                code=code,
                choices={subject.pk: Choice.SATISFIED for subject in subjects},
                comments={member.pk: comments[index]} if index in comments else {},
            )
        EvaluationRound.objects.filter(pk=evaluation_round.pk).update(state=RoundState.CLOSED)
        round_tally(round_id=evaluation_round.pk)
    return evaluation_round


@pytest.mark.parametrize("phone", [False, True])
def test_the_secretary_opens_a_members_comments(live_server, county, campaign, logged_in, phone, tmp_path):
    from playwright.sync_api import expect

    evaluation_round = commented_round(county, campaign)
    page = logged_in(county.secretary_user_a1.username, phone=phone)

    page.goto(f"{live_server.url}{reverse('reviews:results', args=[evaluation_round.pk])}")
    comment = page.get_by_text("帮我们解决了楼道照明的问题，谢谢。")
    expect(comment).to_be_hidden()  # folded until asked for
    page.get_by_text("钟建军（2 条）").click()

    expect(comment).to_be_visible()
    expect(page.get_by_text("走访群众不够勤，希望多到小区里来听听大家的意见。")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"
    page.locator("#comments").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / ("comments-phone.png" if phone else "comments-pc.png")), full_page=True)
