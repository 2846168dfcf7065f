"""Casting a form as an evaluator does: on a phone-sized Chromium window, by tapping."""

import pytest
from django.core.cache import cache

from reviews.models import Ballot, BallotChoice, Choice, EvaluationCode, EvaluationSubject, RoundState
from reviews.tests.factories import forms_out, make_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Failed codes are counted in the cache; under REDIS_URL it would outlive the run."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ballot"}}
    cache.clear()


def test_evaluator_casts_a_form_on_a_phone_and_the_code_is_then_used(live_server, campaign, county, new_page):
    from playwright.sync_api import expect

    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    code = EvaluationCode.objects.filter(round=evaluation_round).first().code
    subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).order_by("order"))
    form_url = f"{live_server.url}/p/{code}/"

    phone = new_page(phone=True)
    phone.goto(form_url)
    expect(phone.get_by_role("heading", name="红湾社区党支部群众评议表")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    first_button = phone.locator(f"label[for='s{subjects[0].pk}-satisfied']").bounding_box()
    assert first_button["height"] >= 44

    # Tap all but the last subject, then try to submit: the page goes to the one missing.
    for subject in subjects[:-1]:
        phone.locator(f"label[for='s{subject.pk}-satisfied']").tap()
    phone.locator(f"label[for='s{subjects[1].pk}-dissatisfied']").tap()
    phone.locator(f"label[for='s{subjects[0].pk}-satisfied']").tap()
    phone.evaluate("window.notReloaded = true")
    phone.get_by_role("button", name="提交评议表").tap()
    last = phone.locator(f"#subject-{subjects[-1].pk}")
    expect(last).to_have_class("card mb-3 ballot-subject ballot-missing")
    expect(last.get_by_text(f"请对“{subjects[-1].member.name}”作出评价。")).to_be_visible()
    expect(last).to_be_in_viewport()
    assert phone.evaluate("window.notReloaded === true"), "the script should have kept the form on the page"
    assert not Ballot.objects.exists()

    phone.locator(f"label[for='s{subjects[-1].pk}-unknown']").tap()
    phone.locator(f"#subject-{subjects[0].pk} summary").tap()
    phone.locator(f"#s{subjects[0].pk}-comment").fill("希望多为群众办实事。")
    phone.get_by_role("button", name="提交评议表").tap()

    expect(phone.get_by_role("heading", name="评议表已提交")).to_be_visible()
    assert code not in phone.url and code not in phone.content()
    forms_out(evaluation_round)
    ballot = Ballot.objects.get()
    stored = dict(BallotChoice.objects.filter(ballot=ballot).values_list("subject_id", "choice"))
    assert stored[subjects[0].pk] == Choice.SATISFIED
    assert stored[subjects[1].pk] == Choice.DISSATISFIED
    assert stored[subjects[-1].pk] == Choice.UNKNOWN
    assert BallotChoice.objects.get(ballot=ballot, subject=subjects[0]).comment == "希望多为群众办实事。"

    phone.goto(form_url)
    expect(phone.get_by_role("heading", name="评议码已经使用过")).to_be_visible()
    assert Ballot.objects.count() == 1


def test_evaluator_types_the_code_from_the_slip(live_server, campaign, county, new_page):
    from playwright.sync_api import expect

    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    code = EvaluationCode.objects.filter(round=evaluation_round).first().code

    phone = new_page(phone=True)
    phone.goto(f"{live_server.url}/p/")
    phone.get_by_label("评议码").fill(code.lower())
    phone.get_by_role("button", name="打开评议表").tap()

    expect(phone.get_by_role("heading", name="红湾社区党支部群众评议表")).to_be_visible()
    assert phone.url == f"{live_server.url}/p/{code}/"
