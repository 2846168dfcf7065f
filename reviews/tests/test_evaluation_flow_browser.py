"""Issue 4's walk-through in Chromium on the demo county: the 许三湾村 secretary runs a round,
prints the code slips, three evaluators vote on phones, a paper tally sheet is entered,
the round closes, the tally runs, and the results flag a member under 90%."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from campaign.devdata.demo_county import DEMO_PASSWORD
from pledges.models import Rectification, RectificationSource
from reviews.models import EvaluationCode, EvaluationRound, EvaluationSubject, RoundState, TallyResult

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "flow"}}
    cache.clear()


@pytest.fixture
def demo():
    call_command("load_demo", "--quiet", "--no-activity")


@pytest.fixture
def login_password():
    return DEMO_PASSWORD


def test_secretary_runs_a_round_and_a_member_under_90_is_flagged(live_server, demo, logged_in, new_page):
    from playwright.sync_api import expect

    from orgs.scoping import unscoped

    base = live_server.url
    secretary = logged_in("secretary3")
    secretary.on("dialog", lambda dialog: dialog.accept())  # "are you sure?" before opening and closing

    # A new round for the branch: 3 codes for 群众代表, none for the others.
    secretary.goto(f"{base}/evaluations/new/")
    secretary.get_by_label("被评议组织").select_option(label="许三湾村党支部")
    secretary.get_by_label("通报内容").fill("通报了2010年承诺践诺和整改落实情况。")
    secretary.get_by_label("群众代表").fill("3")
    secretary.get_by_role("button", name="保存").click()
    expect(secretary.get_by_role("button", name="开始评议")).to_be_visible()
    with unscoped("test"):
        evaluation_round = EvaluationRound.objects.get(organization__name="许三湾村党支部")
        subjects = list(EvaluationSubject.objects.filter(round=evaluation_round).select_related("member"))
    secretary.get_by_role("button", name="开始评议").click()
    expect(secretary.get_by_role("button", name="结束评议")).to_be_visible()

    # The code sheet is a PDF.
    response = secretary.request.get(f"{base}/evaluations/{evaluation_round.pk}/codes/")
    assert response.ok and response.body()[:4] == b"%PDF"

    # Three evaluators vote on their phones; the first member gets one 不满意 of three.
    with unscoped("test"):
        codes = list(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
    target = next(subject for subject in subjects if subject.member_id)
    for index, code in enumerate(codes):
        phone = new_page(phone=True)
        phone.goto(f"{base}/p/{code}/")
        for subject in subjects:
            choice = "dissatisfied" if subject == target and index == 0 else "satisfied"
            phone.locator(f"label[for='s{subject.pk}-{choice}']").tap()
        phone.get_by_role("button", name="提交评议表").tap()
        expect(phone.get_by_role("heading", name="评议表已提交")).to_be_visible()
        phone.context.close()

    # Two paper forms for 群众代表, entered as a tally sheet: all 满意.
    secretary.goto(f"{base}/evaluations/{evaluation_round.pk}/paper/?category=public")
    secretary.get_by_label("纸质评议表总份数").fill("2")
    for subject in subjects:
        secretary.get_by_label(f"{subject} 满意", exact=True).fill("2")
    secretary.get_by_role("button", name="保存").click()
    expect(secretary.get_by_text("纸质评议表已录入")).to_be_visible()

    # Closing queues the tally (in-process here; test_tally_task runs a real worker).
    secretary.goto(f"{base}/evaluations/{evaluation_round.pk}/")
    secretary.get_by_role("button", name="结束评议").click()
    with unscoped("test"):
        evaluation_round.refresh_from_db()
        assert evaluation_round.state == RoundState.TALLIED
        flagged = TallyResult.objects.get(subject=target, category="")

    # 4 of 5 satisfied = 80%: under 90%, flagged, with a remedial rectification.
    assert (flagged.satisfied, flagged.dissatisfied, flagged.below_threshold) == (4, 1, True)
    secretary.goto(f"{base}/evaluations/{evaluation_round.pk}/results/")
    row = secretary.locator("tr", has_text=target.member.name).first
    expect(row).to_contain_text("80.00%")
    expect(row).to_contain_text("未达标")
    with unscoped("test"):
        remedial = Rectification.objects.get(member=target.member, source=RectificationSource.EVALUATION)
    assert remedial.deadline is not None
    secretary.goto(f"{base}/pledges/rectifications/{remedial.pk}/")
    expect(secretary.get_by_text(target.member.name).first).to_be_visible()


def test_starting_a_round_asks_first_and_no_page_breaks_the_content_security_policy(live_server, demo, new_page):
    """Pages carry no inline script or handler (script-src 'self'): the "are you sure?"
    of opening a round, the language switch and printing live in static/js/page-actions.js."""
    from playwright.sync_api import expect

    base = live_server.url
    page = new_page()
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))

    # The language switch submits itself when changed.
    response = page.goto(f"{base}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator("#language-select").select_option("en")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.locator("#language-select").select_option("zh-hans")
    expect(page.get_by_role("button", name="登录")).to_be_visible()

    page.get_by_label("用户名").fill("secretary3")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/evaluations/new/")
    page.get_by_label("被评议组织").select_option(label="许三湾村党支部")
    page.get_by_label("通报内容").fill("通报了2010年承诺践诺和整改落实情况。")
    page.get_by_label("群众代表").fill("3")
    page.get_by_role("button", name="保存").click()

    # Declining the question leaves the round a draft; accepting opens it.
    questions = []

    def decline(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.get_by_role("button", name="开始评议").click()
    expect(page.get_by_role("button", name="开始评议")).to_be_visible()
    assert questions and "确定开始吗" in questions[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="开始评议").click()
    expect(page.get_by_role("button", name="结束评议")).to_be_visible()

    for path in ("/", "/pledges/", "/campaigns/dashboard/", "/campaigns/scores/", "/evaluations/"):
        page.goto(f"{base}{path}")
    assert refused == []
