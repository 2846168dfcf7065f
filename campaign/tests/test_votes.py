"""公示票选: holding a public vote on nominations, casting with one-time vote codes (the
evaluation codes' machinery), counting, secrecy, the office's pages and the exports."""

import datetime
import io
import itertools

import pytest
import segno
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaign.nominations.models import NominationStatus
from campaign.nominations.votes.models import PublicVote, PublicVoteNominee, VoteBallot, VoteChoice, VoteCode
from campaign.nominations.votes.services import (
    VoteInvalid,
    nomination_vote_results,
    vote_cast,
    vote_close,
    vote_code_sheet_pdf,
    vote_open,
    vote_paper,
    vote_progress,
    votes_close_due,
)
from campaign.tests.factories import make_nomination, make_vote, papers_out
from orgs.models import User
from orgs.tests.factories import make_organization
from reviews import codes
from reviews.codes import CODE_LENGTH, format_code, is_well_formed
from reviews.models import EvaluationCode, RoundCategory
from reviews.public_ballot import BallotRefused, Refusal
from reviews.tests.factories import make_round

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Failed codes are counted in the cache; under REDIS_URL it would outlive the run."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "votes"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def nominations(county, campaign):
    """Three nominations waiting at the county: a branch, a member, another township's branch."""
    return [
        make_nomination(campaign, county.branch_a1, deeds="组织党员为居民义务清扫街道，办实事二十件。"),
        make_nomination(campaign, member=county.member_a1, deeds="带头服务群众，帮扶困难户三户。"),
        make_nomination(campaign, county.branch_b1, deeds="带领群众修路架桥。"),
    ]


@pytest.fixture
def vote(campaign, nominations):
    return make_vote(campaign, nominations, codes=10, max_choices=2)


def code_of(vote, index=0):
    return VoteCode.objects.filter(vote=vote).order_by("code")[index].code


def entries(vote):
    return list(PublicVoteNominee.objects.filter(vote=vote).order_by("order"))


def open_vote(campaign, nominations, by, **overrides):
    now = timezone.now()
    arguments = {
        "campaign": campaign,
        "title": "2011年第一季度先进典型公示票选",
        "nominations": nominations,
        "opens_at": now - HOUR,
        "closes_at": now + 24 * HOUR,
        "max_choices": 2,
        "code_count": 12,
        "by": by,
    }
    arguments.update(overrides)
    return vote_open(**arguments)


# ---------------------------------------------------------------------------
# One code machinery for evaluation codes and vote codes
# ---------------------------------------------------------------------------


def numbered(number: int) -> str:
    """A code that tells the order it was drawn in: digits, with 0 and 1 (never issued) as X and Y."""
    return f"{number:0{CODE_LENGTH}d}".translate(str.maketrans("01", "XY"))


def test_evaluation_codes_and_vote_codes_come_from_the_same_functions(county, campaign, nominations, monkeypatch):
    drawn = itertools.count()
    made_for = []
    real_fresh = codes._fresh_codes
    monkeypatch.setattr(codes, "new_code", lambda: numbered(next(drawn)))

    def spying_fresh(model, count):
        made_for.append((model, count))
        return real_fresh(model, count)

    monkeypatch.setattr(codes, "_fresh_codes", spying_fresh)
    evaluation_round = make_round(campaign, county.branch_a1, codes={"public": 4})
    codes.codes_generate(
        evaluation_round=evaluation_round, categories=RoundCategory.objects.filter(round=evaluation_round)
    )
    vote = open_vote(campaign, nominations, county.office, code_count=3)

    assert made_for == [(EvaluationCode, 4), (VoteCode, 3)]
    evaluation = set(EvaluationCode.objects.filter(round=evaluation_round).values_list("code", flat=True))
    votes = set(VoteCode.objects.filter(vote=vote).values_list("code", flat=True))
    # One sequence of draws served both kinds, one after the other.
    assert evaluation == {numbered(n) for n in range(4)}
    assert votes == {numbered(n) for n in range(4, 7)}


def test_vote_codes_are_ten_characters_of_the_code_alphabet_inserted_in_random_order(county, campaign, nominations):
    vote = open_vote(campaign, nominations, county.office, code_count=60)
    stored = list(VoteCode.objects.filter(vote=vote).order_by("pk").values_list("code", flat=True))
    assert len(stored) == 60 and all(is_well_formed(code) for code in stored)
    assert stored != sorted(stored)


def test_vote_slips_are_the_evaluation_sheet_with_qr_codes_to_the_vote_paper(vote, monkeypatch):
    encoded = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda data, **options: encoded.append(data) or real_make(data, **options))
    pdf = vote_code_sheet_pdf(vote, base_url="https://dangjian.example.cn/")
    assert pdf.startswith(b"%PDF")
    all_codes = sorted(VoteCode.objects.filter(vote=vote).values_list("code", flat=True))
    assert encoded == [f"https://dangjian.example.cn{reverse('vote:form', args=[code])}" for code in all_codes]
    assert vote_code_sheet_pdf(vote, part=2) is None


def test_the_office_downloads_the_slips_as_pdf_until_voting_is_over(client, county, vote):
    client.force_login(county.office)
    url = reverse("campaign:vote_codes", args=[vote.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert client.get(url + "?part=2").status_code == 404
    vote.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    vote.save()
    over = client.get(url)
    assert over.status_code == 400 and "投票码已作废" in over.content.decode()
    assert "打印投票码" not in client.get(vote.get_absolute_url()).content.decode()
    vote_close(vote=vote, by=county.office)
    assert client.get(url).status_code == 400


# ---------------------------------------------------------------------------
# Holding a vote
# ---------------------------------------------------------------------------


def test_the_office_holds_a_vote_on_nominations_at_the_county_with_its_codes(county, campaign, nominations):
    vote = open_vote(campaign, nominations, county.office)
    assert [entry.nomination for entry in entries(vote)] == nominations
    assert VoteCode.objects.filter(vote=vote, used=False).count() == vote.code_count == 12
    assert vote.created_by == county.office and not vote.is_counted


def test_only_the_office_holds_a_vote(county, campaign, nominations):
    for user in (county.leader_a, county.secretary_user_a1, county.inspector_b, county.member_user_a1):
        with pytest.raises(PermissionDenied):
            open_vote(campaign, nominations, user)
    assert not PublicVote.objects.exists()


def test_a_vote_refuses_nominations_not_at_the_county_declined_ones_and_bad_numbers(county, campaign, nominations):
    waiting = make_nomination(campaign, county.branch_a2, at_top=False)
    declined = make_nomination(campaign, county.branch_a2)
    declined.status = NominationStatus.DECLINED
    declined.save()
    with pytest.raises(ValidationError) as refused:
        open_vote(
            campaign,
            [waiting, declined],
            county.office,
            max_choices=3,
            code_count=0,
            closes_at=timezone.now() - 2 * HOUR,
        )
    text = " ".join(refused.value.messages)
    assert "“许三湾村党支部”还没有推荐到测试县委，不能参加票选。" in text
    assert "“许三湾村党支部”未通过，不能参加票选。" in text
    assert "截止时间必须晚于开始时间。" in text
    assert "每张选票最多可选的人数应在 1 到 2 之间。" in text
    assert "投票码数量应在 1 到 5000 之间。" in text
    with pytest.raises(ValidationError, match="请至少选择一个参加票选的典型"):
        open_vote(campaign, [], county.office)
    assert not PublicVote.objects.exists() and not VoteCode.objects.exists()


def test_the_office_holds_a_vote_through_the_page_with_the_quarter_s_nominations(client, county, campaign, nominations):
    make_nomination(campaign, county.branch_a2, at_top=False)  # still at its branch: not offered
    client.force_login(county.office)
    quarter = f"{timezone.localdate().year}-Q{(timezone.localdate().month - 1) // 3 + 1}"
    url = reverse("campaign:vote_create") + f"?campaign={campaign.pk}&quarter={quarter}"
    page = client.get(url).content.decode()
    assert page.count('name="nominations"') == 3 and "许三湾村党支部" not in page
    now = timezone.localtime()
    data = {
        "title": "第一季度先进典型公示票选",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + 48 * HOUR).strftime("%Y-%m-%dT%H:%M"),
        "max_choices": "5",
        "code_count": "30",
        "nominations": [str(n.pk) for n in nominations[:2]],
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "每张选票最多可选的人数应在 1 到 2 之间。" in refused.content.decode()
    response = client.post(url, {**data, "max_choices": "1"})
    vote = PublicVote.objects.get()
    assert response.status_code == 302 and response["Location"] == vote.get_absolute_url()
    assert [entry.nomination for entry in entries(vote)] == nominations[:2]
    assert VoteCode.objects.filter(vote=vote).count() == 30


def test_a_quarter_without_nominations_says_so(client, county, campaign, nominations):
    client.force_login(county.office)
    response = client.get(reverse("campaign:vote_create") + f"?campaign={campaign.pk}&quarter=2009-Q1")
    assert "这一季度没有推荐到活动主办组织的典型" in response.content.decode()


# ---------------------------------------------------------------------------
# Casting: once per code, up to N nominees
# ---------------------------------------------------------------------------


def test_a_code_casts_one_paper_for_up_to_the_allowed_number_and_is_used_up(vote):
    first, second, _third = entries(vote)
    vote_cast(code=code_of(vote), nominee_ids=[first.pk, second.pk])
    papers_out(vote)
    ballot = VoteBallot.objects.get()
    assert ballot.vote == vote
    assert {choice.nominee for choice in VoteChoice.objects.filter(ballot=ballot)} == {first, second}
    assert VoteCode.objects.get(code=code_of(vote)).used
    with pytest.raises(BallotRefused) as again:
        vote_cast(code=code_of(vote), nominee_ids=[first.pk])
    assert again.value.reason == Refusal.USED
    assert VoteBallot.objects.count() == 1


def test_more_than_the_allowed_number_or_none_is_refused_and_leaves_the_code_unused(vote):
    with pytest.raises(VoteInvalid, match="每张选票最多选 2 个，您选了 3 个"):
        vote_cast(code=code_of(vote), nominee_ids=[entry.pk for entry in entries(vote)])
    with pytest.raises(VoteInvalid, match="请至少选择一个票选对象"):
        vote_cast(code=code_of(vote), nominee_ids=[])
    assert not VoteBallot.objects.exists() and not VoteCode.objects.filter(used=True).exists()


def test_nominees_of_another_vote_cannot_be_named_on_this_paper(campaign, vote, nominations):
    other = make_vote(campaign, nominations, codes=1)
    with pytest.raises(VoteInvalid):
        vote_cast(code=code_of(vote), nominee_ids=[entry.pk for entry in entries(other)])
    vote_cast(code=code_of(vote), nominee_ids=[entries(other)[0].pk, entries(vote)[2].pk])
    papers_out(vote)
    assert list(VoteChoice.objects.values_list("nominee", flat=True)) == [entries(vote)[2].pk]


@pytest.mark.parametrize(
    ("opens_in", "closes_in", "reason"),
    [(2 * HOUR, 24 * HOUR, Refusal.NOT_OPEN), (-24 * HOUR, -HOUR, Refusal.ENDED)],
)
def test_a_vote_outside_its_time_refuses_papers(campaign, nominations, opens_in, closes_in, reason):
    vote = make_vote(campaign, nominations, opens_in=opens_in, closes_in=closes_in)
    for attempt in (lambda: vote_paper(code_of(vote)), lambda: vote_cast(code=code_of(vote), nominee_ids=[])):
        with pytest.raises(BallotRefused) as refused:
            attempt()
        assert refused.value.reason == reason
    assert not VoteBallot.objects.exists()


def test_a_vote_closed_early_refuses_papers(county, vote):
    vote_close(vote=vote, by=county.office)
    with pytest.raises(BallotRefused) as refused:
        vote_cast(code=code_of(vote), nominee_ids=[entries(vote)[0].pk])
    assert refused.value.reason == Refusal.ENDED
    # Counted: every code retired, the papers cast kept as the count.
    assert not VoteCode.objects.filter(used=False).exists()
    vote.refresh_from_db()
    assert vote.ballots_cast == 0


def test_unknown_codes_are_refused(vote):
    for code in ("", "ABCDE-FGHJK", "无效"):
        with pytest.raises(BallotRefused) as refused:
            vote_cast(code=code, nominee_ids=[entries(vote)[0].pk])
        assert refused.value.reason == Refusal.UNKNOWN


# ---------------------------------------------------------------------------
# Closing and counting
# ---------------------------------------------------------------------------


def cast_many(vote, papers):
    """Cast one paper per list of entry positions, each with the next code."""
    nominees = entries(vote)
    for index, positions in enumerate(papers):
        vote_cast(code=code_of(vote, index), nominee_ids=[nominees[position].pk for position in positions])


def test_closing_counts_each_nominee_and_ranks_ties_alike(county, vote):
    cast_many(vote, [[0, 1], [1], [1, 2], [0], [2]])
    vote_close(vote=vote, by=county.office)
    vote.refresh_from_db()
    assert vote.ballots_cast == 5 and vote.closed_by == county.office and vote.is_counted
    counted = [(entry.votes, entry.rank) for entry in entries(vote)]
    assert counted == [(2, 2), (3, 1), (2, 2)]
    with pytest.raises(ValidationError, match="已经计票"):
        vote_close(vote=vote, by=county.office)


def test_a_vote_nobody_voted_in_counts_zero_for_all(county, vote):
    vote_close(vote=vote, by=county.office)
    assert [(entry.votes, entry.rank) for entry in entries(vote)] == [(0, 1), (0, 1), (0, 1)]
    assert nomination_vote_results(entries(vote)[0].nomination)[0]["share"] is None


def test_only_the_office_closes_a_vote(county, vote):
    with pytest.raises(PermissionDenied):
        vote_close(vote=vote, by=county.leader_a)
    assert not PublicVote.objects.get(pk=vote.pk).is_counted


def test_the_scheduled_job_counts_the_votes_whose_time_is_over_and_no_others(campaign, nominations):
    over = make_vote(campaign, nominations, opens_in=-48 * HOUR, closes_in=-HOUR)
    running = make_vote(campaign, nominations)
    assert votes_close_due() == 1
    assert PublicVote.objects.get(pk=over.pk).is_counted
    assert not PublicVote.objects.get(pk=running.pk).is_counted
    assert votes_close_due() == 0


def test_the_office_sees_counts_only_after_the_count_and_exports_them(client, county, vote):
    cast_many(vote, [[0, 1], [1]])
    client.force_login(county.office)
    url = vote.get_absolute_url()
    before = client.get(url).content.decode()
    assert "已投票 2 张，共发放投票码 10 张。" in before
    assert "票选结果" not in before and "得票率" not in before
    assert client.get(reverse("campaign:vote_export", args=[vote.pk])).status_code == 400

    assert client.post(reverse("campaign:vote_close", args=[vote.pk])).status_code == 302
    after = client.get(url).content.decode()
    assert "票选结果" in after and "收回选票 2 张" in after and "100.0%" in after

    export = client.get(reverse("campaign:vote_export", args=[vote.pk]))
    assert export.status_code == 200 and export["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(export.content))
    results = [list(row) for row in workbook["票选结果"].iter_rows(values_only=True)]
    assert results[0] == ["名次", "票选对象", "类别", "所在组织", "得票", "得票率（%）"]
    assert results[1] == [1, "钟建军", "优秀共产党员", "红湾社区党支部", 2, 100]
    assert results[2][:5] == [2, "红湾社区党支部", "先进基层党组织", "红湾社区党支部", 1]
    assert results[2][5] == 50
    assert results[3][:5] == [3, "北极村党支部", "先进基层党组织", "北极村党支部", 0]
    figures = dict(row for row in workbook["票选情况"].iter_rows(min_row=2, values_only=True))
    assert figures["收回选票（张）"] == 2 and figures["发放投票码（张）"] == 10
    assert figures["票选名称"] == vote.title


def test_the_nomination_page_shows_how_it_fared_once_counted(client, county, vote):
    cast_many(vote, [[0], [0, 2], [1]])
    nomination = entries(vote)[0].nomination
    client.force_login(county.leader_a)
    assert "公示票选结果" not in client.get(nomination.get_absolute_url()).content.decode()
    vote_close(vote=vote, by=county.office)
    page = client.get(nomination.get_absolute_url()).content.decode()
    assert "公示票选结果" in page
    assert "得票 2 票，3 个票选对象中第 1 名；收回选票 3 张。" in page and "得票率 66.7%" in page


# ---------------------------------------------------------------------------
# Secrecy: nothing links a paper to its code
# ---------------------------------------------------------------------------


def test_papers_hold_no_code_user_or_time_and_codes_only_whether_used(vote):
    vote_cast(code=code_of(vote), nominee_ids=[entries(vote)[0].pk])
    assert {field.name for field in VoteBallot._meta.concrete_fields} == {"id", "vote"}
    assert {field.name for field in VoteChoice._meta.concrete_fields} == {"id", "ballot", "vote", "nominee"}
    assert {field.name for field in VoteCode._meta.concrete_fields} == {"id", "vote", "code", "used"}
    for model in (VoteBallot, VoteChoice):
        assert isinstance(model._meta.pk, models.UUIDField) and model._meta.ordering == []
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateField | models.TimeField | models.GenericIPAddressField)
            if field.is_relation:
                assert field.related_model not in (VoteCode, User), field
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(cursor, model._meta.db_table)
            relations = connection.introspection.get_relations(cursor, model._meta.db_table)
        # The tables in the database are the models, nothing added by hand.
        assert {column.name for column in columns} == {field.column for field in model._meta.concrete_fields}
        assert {table for _column, table in relations.values()} <= {
            PublicVote._meta.db_table,
            PublicVoteNominee._meta.db_table,
            VoteBallot._meta.db_table,
        }
    # Nor does anything point from a code to a paper.
    assert not [field for field in VoteCode._meta.get_fields() if field.is_relation and field.name != "vote"]


def test_the_count_retires_every_code_keeping_its_values_and_counts_the_held_papers(client, county, vote):
    cast_many(vote, [[0], [1]])
    assert not VoteBallot.objects.exists()  # held, sealed, until a batch or the count
    before = set(VoteCode.objects.filter(vote=vote).values_list("id", "vote_id", "code"))
    vote_close(vote=vote, by=county.office)
    assert set(VoteCode.objects.filter(vote=vote).values_list("id", "vote_id", "code")) == before
    assert set(VoteCode.objects.filter(vote=vote).values_list("used", flat=True)) == {True}
    vote.refresh_from_db()
    assert vote.ballots_cast == 2 and vote_progress(vote) == {"issued": vote.code_count, "used": 2}
    # A slip never used says the vote is over, not that it was used.
    assert client.get(reverse("vote:form", args=[code_of(vote, 5)])).status_code == 410


# ---------------------------------------------------------------------------
# The public pages
# ---------------------------------------------------------------------------


def test_the_paper_shows_each_nominee_with_deeds_and_nothing_private(client, county, vote):
    county.member_a1.phone = "13909370002"
    county.member_a1.save()
    response = client.get(reverse("vote:form", args=[code_of(vote)]))
    page = response.content.decode()
    assert response.status_code == 200
    assert vote.title in page and "最多选 2 个" in page
    for deeds in ("组织党员为居民义务清扫街道", "带头服务群众，帮扶困难户三户。", "带领群众修路架桥。"):
        assert deeds in page
    assert "钟建军" in page and "优秀共产党员" in page and "先进基层党组织" in page
    assert "13909370002" not in page
    assert response["Cache-Control"] == "no-store" and response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "strict-origin"


def test_a_voter_casts_a_paper_on_the_page_and_the_code_is_then_spent(client, vote):
    url = reverse("vote:form", args=[code_of(vote)])
    first, second, third = entries(vote)
    too_many = client.post(url, {"nominee": [first.pk, second.pk, third.pk]})
    assert too_many.status_code == 400 and "每张选票最多选 2 个，您选了 3 个" in too_many.content.decode()
    none = client.post(url, {"nominee": []})
    assert none.status_code == 400 and "请至少选择一个票选对象。" in none.content.decode()
    papers_out(vote)
    assert not VoteBallot.objects.exists()

    response = client.post(url, {"nominee": [first.pk, third.pk]})
    assert response.status_code == 302 and response["Location"] == reverse("vote:done")
    papers_out(vote)
    assert set(VoteChoice.objects.values_list("nominee", flat=True)) == {first.pk, third.pk}
    again = client.get(url)
    assert again.status_code == 409 and "投票码已经使用过" in again.content.decode()


def test_refusals_are_explained_in_chinese_with_their_status(client, campaign, nominations, vote):
    unknown = client.get(reverse("vote:form", args=["ABCDEFGHJK"]))
    assert unknown.status_code == 404 and "没有找到这个投票码" in unknown.content.decode()
    later = make_vote(campaign, nominations, opens_in=HOUR, closes_in=24 * HOUR)
    early = client.get(reverse("vote:form", args=[code_of(later)]))
    assert early.status_code == 403 and "公示票选还没有开始" in early.content.decode()
    over = make_vote(campaign, nominations, opens_in=-48 * HOUR, closes_in=-HOUR)
    late = client.get(reverse("vote:form", args=[code_of(over)]))
    assert late.status_code == 410 and "公示票选已经截止" in late.content.decode()


def test_a_code_typed_in_lower_case_with_a_dash_goes_to_its_paper(client, vote):
    code = code_of(vote)
    typed = client.post(reverse("vote:enter"), {"code": format_code(code).lower()})
    assert typed["Location"] == reverse("vote:form", args=[code])
    assert client.get(reverse("vote:form", args=[format_code(code).lower()]))["Location"] == typed["Location"]
    blank = client.post(reverse("vote:enter"), {"code": "——"})
    assert blank.status_code == 400 and "投票码只包含字母和数字" in blank.content.decode()


def test_guessing_on_the_vote_page_and_the_evaluation_form_counts_together(client, county, campaign, vote):
    from reviews.public_ballot import FAILURE_LIMIT

    for number in range(FAILURE_LIMIT // 2):
        client.get(reverse("vote:form", args=[f"WRONG{number:05d}"]), REMOTE_ADDR="203.0.113.9")
        client.get(reverse("ballot:form", args=[f"WRONG{number:05d}"]), REMOTE_ADDR="203.0.113.9")
    blocked = client.get(reverse("vote:form", args=[code_of(vote)]), REMOTE_ADDR="203.0.113.9")
    assert blocked.status_code == 429 and "您输入了太多无效的投票码" in blocked.content.decode()
    assert client.get(reverse("vote:form", args=[code_of(vote)]), REMOTE_ADDR="203.0.113.10").status_code == 200


def test_the_paper_queries_do_not_grow_with_nominees(
    client, county, campaign, nominations, django_assert_num_queries, django_assert_max_num_queries
):
    small = make_vote(campaign, nominations[:1])
    with django_assert_max_num_queries(4) as captured:
        client.get(reverse("vote:form", args=[code_of(small)]))
    large = make_vote(campaign, nominations + [make_nomination(campaign, county.branch_a2) for _ in range(5)])
    with django_assert_num_queries(len(captured)):
        assert client.get(reverse("vote:form", args=[code_of(large)])).status_code == 200


# ---------------------------------------------------------------------------
# The office's pages: scope and query counts
# ---------------------------------------------------------------------------


def test_the_vote_list_shows_the_campaign_s_votes_in_constant_queries(
    client, county, campaign, nominations, django_assert_max_num_queries
):
    make_vote(campaign, nominations, title="第一季度票选")
    client.force_login(county.office)
    url = reverse("campaign:votes") + f"?campaign={campaign.pk}"
    with django_assert_max_num_queries(8) as captured:
        client.get(url)
    for number in range(4):
        make_vote(campaign, nominations, title=f"第{number + 2}次票选")
    with django_assert_max_num_queries(len(captured)):
        page = client.get(url).content.decode()
    assert page.count("票选对象 3 个") == 5 and "第一季度票选" in page


@pytest.mark.parametrize("who", ["leader_a", "secretary_user_a1", "inspector_b", "member_user_a1"])
def test_only_the_office_opens_the_vote_pages(client, county, vote, who):
    client.force_login(getattr(county, who))
    # The vote belongs to the county's campaign: outside everyone's scope but the office's.
    assert client.get(vote.get_absolute_url()).status_code == 404
    assert client.get(reverse("campaign:votes")).status_code == 403
    assert client.post(reverse("campaign:vote_close", args=[vote.pk])).status_code == 404
    assert not PublicVote.objects.get(pk=vote.pk).is_counted


def test_the_office_of_another_county_does_not_see_the_vote(client, county, vote):
    from orgs.tests.factories import make_user

    other_county = make_organization("另一县委", kind="county", sector="organ")
    client.force_login(make_user("other_office", "office", organization=other_county))
    assert client.get(vote.get_absolute_url()).status_code == 404
    assert client.get(reverse("campaign:vote_codes", args=[vote.pk])).status_code == 404
    assert client.get(reverse("campaign:vote_export", args=[vote.pk])).status_code == 404


# ---------------------------------------------------------------------------
# The quarterly quota's export
# ---------------------------------------------------------------------------


def test_the_quota_exports_every_township_and_those_below(client, county, campaign):
    selected = make_nomination(campaign, county.branch_a1)
    selected.status = NominationStatus.SELECTED
    selected.decided_at = timezone.now()
    selected.save()
    make_nomination(campaign, county.branch_b1, at_top=False)
    client.force_login(county.office)
    today = timezone.localdate()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    page = client.get(reverse("campaign:nomination_quota"), {"campaign": campaign.pk, "quarter": quarter})
    assert reverse("campaign:nomination_quota_export") in page.content.decode()

    response = client.get(reverse("campaign:nomination_quota_export"), {"campaign": campaign.pk, "quarter": quarter})
    assert response.status_code == 200
    assert f"{quarter}.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["典型培树情况", "未达标乡镇（系统）"]
    rows = [list(row) for row in workbook["典型培树情况"].iter_rows(values_only=True)]
    assert rows[0][:5] == ["乡镇（系统）", "本季推荐（个）", "确定典型（个）", "应培树（个）", "是否达标"]
    assert [row[:5] for row in rows[1:]] == [["红湾寺镇党委", 1, 1, 1, "达标"], ["康乐乡党委", 1, 0, 1, "未达标"]]
    below = [list(row) for row in workbook["未达标乡镇（系统）"].iter_rows(min_row=2, values_only=True)]
    assert [row[0] for row in below] == ["康乐乡党委"]


def test_a_township_leader_exports_only_her_township(client, county, campaign):
    client.force_login(county.leader_a)
    response = client.get(reverse("campaign:nomination_quota_export"), {"campaign": campaign.pk})
    workbook = load_workbook(io.BytesIO(response.content))
    names = [row[0] for row in workbook["典型培树情况"].iter_rows(min_row=2, values_only=True)]
    assert names == ["红湾寺镇党委"]
