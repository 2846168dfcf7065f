"""Paper forms entered by count from a tally sheet: validation, corrections with a
reason, the history of who entered what, and the entry page."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from orgs.scoping import unscoped
from reviews.forms import count_field_name
from reviews.models import EvaluationSubject, PaperCount, PaperTally, RoundState
from reviews.paper import paper_tally_enter
from reviews.tests.factories import make_round


@pytest.fixture
def running(county, campaign):
    return make_round(campaign, county.branch_a1, state=RoundState.OPEN)


def subjects(evaluation_round):
    return {
        str(subject): subject
        for subject in EvaluationSubject.objects.filter(round=evaluation_round).select_related(
            "member", "round__organization"
        )
    }


def sheet(evaluation_round, rows):
    """{subject name: (满意, 基本满意, 不满意, 不了解)} → the service's counts."""
    by_name = subjects(evaluation_round)
    counts = {}
    for name, values in rows.items():
        for choice, value in zip(["satisfied", "basically", "dissatisfied", "unknown"], values, strict=True):
            counts[(by_name[name].pk, choice)] = value
    return counts


def stored(evaluation_round, category="public"):
    return {
        (str(row.subject), row.choice): row.count
        for row in PaperCount.objects.filter(tally__round=evaluation_round, tally__category=category).select_related(
            "subject__member", "subject__round__organization"
        )
    }


def test_a_tally_sheet_is_stored_with_every_subject_and_choice_and_who_entered_it(county, running):
    tally = paper_tally_enter(
        evaluation_round=running,
        category="public",
        forms=12,
        counts=sheet(running, {"红湾社区党支部": (8, 3, 1, 0), "钟建军": (5, 5, 0, 2)}),
        by=county.secretary_user_a1,
    )
    assert tally.forms == 12 and tally.entered_by == county.secretary_user_a1
    counts = stored(running)
    assert len(counts) == 4 * 4  # subjects not filled in count 0, so corrections have rows to change
    assert counts[("红湾社区党支部", "satisfied")] == 8 and counts[("钟建军", "unknown")] == 2
    assert counts[("安秀英", "satisfied")] == 0
    record = tally.history.get()
    assert record.history_user == county.secretary_user_a1 and record.history_type == "+"


def test_a_subjects_choices_may_not_add_up_to_more_than_the_forms(county, running):
    with pytest.raises(ValidationError) as refused:
        paper_tally_enter(
            evaluation_round=running,
            category="public",
            forms=10,
            counts=sheet(running, {"红湾社区党支部": (8, 3, 0, 0), "钟建军": (10, 0, 0, 0), "兰永福": (9, 0, 0, 2)}),
            by=county.secretary_user_a1,
        )
    messages = refused.value.messages
    assert len(messages) == 2
    assert "“红湾社区党支部”的满意、基本满意、不满意、不了解合计11份，超过了纸质评议表总数10份。" in messages
    assert any("“兰永福”" in message for message in messages)
    assert not PaperTally.objects.exists() and not PaperCount.objects.exists()


def test_counts_equal_to_the_forms_are_accepted_and_blank_subjects_are_allowed(county, running):
    paper_tally_enter(
        evaluation_round=running,
        category="staff",
        forms=4,
        counts=sheet(running, {"红湾社区党支部": (1, 1, 1, 1)}),
        by=county.secretary_user_a1,
    )
    assert stored(running, "staff")[("红湾社区党支部", "unknown")] == 1


@pytest.mark.parametrize(
    ("forms", "counts", "message"),
    [
        (-1, {}, "纸质评议表份数应在0到"),
        (10001, {}, "纸质评议表份数应在0到"),
        (5, {"钟建军": (-1, 0, 0, 0)}, "“钟建军”的“满意”人数应为0或正整数"),
    ],
)
def test_impossible_numbers_are_refused(county, running, forms, counts, message):
    with pytest.raises(ValidationError) as refused:
        paper_tally_enter(
            evaluation_round=running,
            category="public",
            forms=forms,
            counts=sheet(running, counts),
            by=county.secretary_user_a1,
        )
    assert any(message in text for text in refused.value.messages)
    assert not PaperTally.objects.exists()


def test_counts_for_a_subject_of_another_round_are_refused(county, campaign, running):
    other = make_round(campaign, county.branch_a2, state=RoundState.OPEN)
    foreign = EvaluationSubject.objects.filter(round=other).first()
    with pytest.raises(ValidationError):
        paper_tally_enter(
            evaluation_round=running,
            category="public",
            forms=5,
            counts={(foreign.pk, "satisfied"): 3},
            by=county.secretary_user_a1,
        )
    assert not PaperTally.objects.exists()


def test_a_second_entry_is_a_correction_and_needs_a_reason(county, running):
    first = sheet(running, {"红湾社区党支部": (8, 3, 1, 0)})
    paper_tally_enter(evaluation_round=running, category="public", forms=12, counts=first, by=county.secretary_user_a1)
    corrected = sheet(running, {"红湾社区党支部": (9, 2, 1, 0)})
    with pytest.raises(ValidationError) as refused:
        paper_tally_enter(
            evaluation_round=running, category="public", forms=12, counts=corrected, by=county.secretary_user_a1
        )
    assert "更正时请写明更正理由" in refused.value.messages[0]
    assert stored(running)[("红湾社区党支部", "satisfied")] == 8

    tally = paper_tally_enter(
        evaluation_round=running,
        category="public",
        forms=12,
        counts=corrected,
        by=county.leader_a,
        reason="第3张表误记为基本满意，核对原件后更正",
    )
    assert tally.correction_reason == "第3张表误记为基本满意，核对原件后更正"
    assert tally.entered_by == county.leader_a
    assert stored(running)[("红湾社区党支部", "satisfied")] == 9
    assert PaperTally.objects.count() == 1

    history = list(tally.history.order_by("history_date"))
    assert [(record.history_type, record.history_user, record.forms) for record in history] == [
        ("+", county.secretary_user_a1, 12),
        ("~", county.leader_a, 12),
    ]
    assert history[1].history_change_reason == "第3张表误记为基本满意，核对原件后更正"
    organization = EvaluationSubject.objects.get(round=running, member=None)
    count = PaperCount.objects.get(tally=tally, subject=organization, choice="satisfied")
    assert [(record.count, record.history_user) for record in count.history.order_by("history_date")] == [
        (8, county.secretary_user_a1),
        (9, county.leader_a),
    ]


@pytest.mark.parametrize("state", [RoundState.DRAFT, RoundState.TALLIED, RoundState.PUBLISHED])
def test_paper_forms_are_entered_only_while_open_or_closed(county, campaign, state):
    evaluation_round = make_round(campaign, county.branch_a1, state=state)
    with pytest.raises(ValidationError) as refused:
        paper_tally_enter(
            evaluation_round=evaluation_round, category="public", forms=3, counts={}, by=county.secretary_user_a1
        )
    assert "不能再录入或更正纸质评议表" in refused.value.messages[0]


def test_a_closed_round_still_takes_its_paper_forms(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.CLOSED)
    paper_tally_enter(
        evaluation_round=evaluation_round, category="public", forms=3, counts={}, by=county.secretary_user_a1
    )
    assert PaperTally.objects.get().forms == 3


@pytest.mark.parametrize("who", ["inspector_b", "secretary_user_b1", "member_user_a1"])
def test_only_those_who_run_the_round_enter_paper_forms(county, running, who):
    with pytest.raises(PermissionDenied):
        paper_tally_enter(evaluation_round=running, category="public", forms=3, counts={}, by=getattr(county, who))


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def post_data(evaluation_round, form_count, rows, **extra):
    by_name = subjects(evaluation_round)
    data = {"form_count": str(form_count), **extra}
    for name, values in rows.items():
        for choice, value in zip(["satisfied", "basically", "dissatisfied", "unknown"], values, strict=True):
            data[count_field_name(by_name[name].pk, choice)] = str(value)
    return data


def test_the_page_enters_a_sheet_and_then_asks_for_a_reason_to_correct_it(client, county, running):
    client.force_login(county.secretary_user_a1)
    url = reverse("reviews:paper", args=[running.pk]) + "?category=party_member"
    page = client.get(url)
    assert page.status_code == 200 and "reason" not in page.context["form"].fields
    response = client.post(url, post_data(running, 6, {"红湾社区党支部": (4, 1, 0, 1), "钟建军": ("", "", "", "")}))
    assert response.status_code == 302
    assert stored(running, "party_member")[("红湾社区党支部", "satisfied")] == 4
    assert stored(running, "party_member")[("钟建军", "satisfied")] == 0

    page = client.get(url)
    form = page.context["form"]
    assert form.fields["reason"].required
    assert form.initial["form_count"] == 6
    organization = EvaluationSubject.objects.get(round=running, member=None)
    assert form.initial[count_field_name(organization.pk, "satisfied")] == 4
    refused = client.post(url, post_data(running, 6, {"红湾社区党支部": (5, 0, 0, 1)}))
    assert refused.status_code == 200 and "更正理由" in refused.content.decode()
    assert stored(running, "party_member")[("红湾社区党支部", "satisfied")] == 4
    client.post(url, post_data(running, 6, {"红湾社区党支部": (5, 0, 0, 1)}, reason="复核原始表格"))
    assert stored(running, "party_member")[("红湾社区党支部", "satisfied")] == 5
    history = client.get(url).content.decode()
    assert "复核原始表格" in history and "修改记录" in history


def test_the_page_names_the_subject_whose_counts_exceed_the_forms_and_saves_nothing(client, county, running):
    client.force_login(county.secretary_user_a1)
    url = reverse("reviews:paper", args=[running.pk]) + "?category=public"
    response = client.post(url, post_data(running, 3, {"钟建军": (2, 2, 0, 0), "兰永福": (1, 0, 0, 0)}))
    assert response.status_code == 200
    text = response.content.decode()
    assert "“钟建军”的满意、基本满意、不满意、不了解合计4份，超过了纸质评议表总数3份。" in text
    assert "没有保存" in text and "bg-danger-subtle" in text
    assert not PaperTally.objects.exists()


def test_the_page_names_the_subject_of_a_bad_number(client, county, running):
    client.force_login(county.secretary_user_a1)
    url = reverse("reviews:paper", args=[running.pk]) + "?category=public"
    response = client.post(url, post_data(running, 3, {"钟建军": ("两", 0, 0, 0)}))
    assert response.status_code == 200
    assert "“钟建军”的“满意”请填0或正整数。" in response.content.decode()
    assert not PaperTally.objects.exists()


def test_the_page_stacks_each_subject_for_a_phone(client, county, running):
    client.force_login(county.secretary_user_a1)
    text = client.get(reverse("reviews:paper", args=[running.pk])).content.decode()
    # On a phone each subject is a block with its four labelled inputs in one row.
    assert text.count('class="col-3 col-md-2"') == 4 * 4
    assert 'inputmode="numeric"' in text


def test_the_page_refuses_a_tallied_round(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.TALLIED)
    response = client.get(reverse("reviews:paper", args=[evaluation_round.pk]), follow=True)
    assert "不能再录入纸质评议表" in response.content.decode()


# ---------------------------------------------------------------------------
# At the same instant (PostgreSQL: real concurrent transactions)
# ---------------------------------------------------------------------------


def run_together(jobs):
    """Run the callables in threads released at once; returns each one's outcome:
    "stored" or the refusal's text."""
    barrier = threading.Barrier(len(jobs))
    outcomes = []

    def worker(job):
        try:
            with unscoped("concurrency test"):
                barrier.wait()
                try:
                    job()
                    outcomes.append("stored")
                except ValidationError as refused:
                    outcomes.append(refused.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an entry hung"
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_entries_at_once_store_one_sheet_and_ask_the_other_for_a_reason(county, campaign):
    evaluation_round = make_round(campaign, county.branch_a1, state=RoundState.OPEN)
    counts = sheet(evaluation_round, {"红湾社区党支部": (3, 1, 0, 0)})

    def enter():
        paper_tally_enter(
            evaluation_round=evaluation_round, category="public", forms=4, counts=counts, by=county.secretary_user_a1
        )

    outcomes = run_together([enter, enter, enter])
    assert len(outcomes) == 3 and outcomes.count("stored") == 1
    assert all("更正时请写明更正理由" in outcome for outcome in outcomes if outcome != "stored")
    assert PaperTally.objects.count() == 1
    assert PaperCount.objects.count() == 4 * 4
