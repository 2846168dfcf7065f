"""通报: drafts, numbering, issue, the render task's claim, retry and failure, immutability,
corrections, the snapshot builders' answers on the small county, and the pages' scope.

Tests about orchestration replace campaign.infra.documents.render_pdf by a stand-in; the real
PDFs are rendered in test_circulars_pdf.py."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from campaign.circulars.letterhead import addressee_text, number_text, recipient_choices
from campaign.circulars.models import Circular, CircularCounter, CircularKind, CircularState
from campaign.circulars.periods import Span, half_year, quarter
from campaign.circulars.services import (
    CircularInput,
    CircularRefused,
    circular_correct,
    circular_create,
    circular_delete,
    circular_issue,
    circular_render,
    circular_requeue,
    circular_update,
)
from campaign.circulars.snapshots import (
    commendation_snapshot,
    evaluation_snapshot,
    progress_snapshot,
    ranking_snapshot,
    reports_snapshot,
)
from campaign.infra import documents
from campaign.tests import circular_fixtures as fx
from orgs.access import scope_for_user
from orgs.scoping import scope_activated
from orgs.tests.factories import make_organization, make_user
from reviews.models import RemedialRectification

Q1_2011 = datetime.date(2011, 1, 1)


@pytest.fixture
def fake_pdf(monkeypatch):
    """render_pdf replaced by a stand-in that counts its calls; ``fail`` makes the next
    calls raise (a number, or True for always)."""

    class Fake:
        def __init__(self):
            self.calls = 0
            self.fail: int | bool = 0

        def __call__(self, html):
            self.calls += 1
            if self.fail is True or self.fail > 0:
                if self.fail is not True:
                    self.fail -= 1
                raise OSError("字体文件无法读取")
            data = f"%PDF-1.7 {self.calls} {len(html)}\n".encode()
            return documents.RenderedPdf(data=data, pages=2, seconds=0.01)

    fake = Fake()
    monkeypatch.setattr(documents, "render_pdf", fake)
    # No pause between retries in tests.
    monkeypatch.setattr("campaign.circulars.tasks.CIRCULAR_RETRY_SECONDS", 0)
    return fake


def issue(circular, by, captured):
    with captured(execute=True):
        circular_issue(circular=circular, by=by, today=datetime.date(2012, 7, 2))
    circular.refresh_from_db()
    return circular


# ---------------------------------------------------------------------------
# Drafts and their defaults
# ---------------------------------------------------------------------------


def test_a_draft_takes_the_default_title_addressee_and_letterhead(county, campaign):
    circular = fx.draft(campaign, by=county.office)

    assert circular.state == CircularState.DRAFT and circular.number_text == ""
    assert circular.period_label == "2011年第一季度"
    assert (circular.period_start, circular.period_end) == (Q1_2011, datetime.date(2011, 3, 31))
    assert circular.title == "关于2011年第一季度信息上报情况的通报"
    assert circular.addressee == "各乡镇党委"
    assert set(circular.recipients.all()) == {county.township_a, county.township_b}
    assert circular.issuer_name == "测试县委创先争优活动领导小组办公室"
    assert circular.number_prefix == "测创办"


def test_the_next_draft_keeps_the_letterhead_the_office_set(county, campaign):
    fx.draft(campaign, by=county.office, issuer_name="测试县创先争优办", number_prefix="测县创办")
    assert fx.draft(campaign, by=county.office).number_prefix == "测县创办"


def test_addressee_names_the_organizations_when_sent_to_some_only(county, campaign):
    circular = fx.draft(campaign, by=county.office, recipients=[county.township_b])
    assert circular.addressee == "康乐乡党委"
    organ = make_organization("县直机关工委", parent=county.county, kind="working", sector="organ")
    assert addressee_text(county.county, [county.township_a, organ], all_chosen=True) == "各乡镇党委，县直各单位党组织"


def test_draft_refuses_a_recipient_that_is_not_right_below_the_issuer(county, campaign):
    with pytest.raises(ValidationError) as refused:
        fx.draft(campaign, by=county.office, recipients=[county.branch_a1])
    assert "主送单位只能是发文机关的下一级党组织。" in refused.value.messages


def test_draft_refuses_a_prefix_with_brackets(county, campaign):
    with pytest.raises(ValidationError):
        fx.draft(campaign, by=county.office, number_prefix="测创办〔2011〕")


def test_draft_refuses_a_period_that_has_not_begun(county, campaign):
    with pytest.raises(ValidationError):
        circular_create(
            campaign=campaign,
            kind=CircularKind.PROGRESS,
            period_start=datetime.date(2012, 5, 1),
            by=county.office,
            today=datetime.date(2012, 4, 20),
        )


def test_only_the_office_drafts_circulars(county, campaign):
    with pytest.raises(PermissionDenied):
        fx.draft(campaign, by=county.leader_a)


def test_a_ranking_needs_a_finalized_score_period(county, campaign):
    period = fx.finalized_period(county, campaign, finalized=False)
    with pytest.raises(ValidationError) as refused:
        circular_create(campaign=campaign, kind=CircularKind.RANKING, score_period=period, by=county.office)
    assert "尚未定稿" in refused.value.messages[0]


def test_periods_are_labelled_as_documents_write_them():
    assert half_year(datetime.date(2010, 11, 3)) == Span(
        datetime.date(2010, 7, 1), datetime.date(2010, 12, 31), "2010年下半年"
    )
    assert quarter(datetime.date(2012, 8, 1)).label == "2012年第三季度"
    assert number_text("肃创办", 2012, 3) == "肃创办〔2012〕3号"


# ---------------------------------------------------------------------------
# Issue, numbering and the render
# ---------------------------------------------------------------------------


def test_issue_numbers_circulars_in_order_per_issuer_and_year(
    county, campaign, fake_pdf, django_capture_on_commit_callbacks
):
    first = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)
    second = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)

    assert (first.number_serial, second.number_serial) == (1, 2)
    assert first.number_text == "测创办〔2012〕1号" and second.number_text == "测创办〔2012〕2号"
    assert CircularCounter.objects.get(issuer=county.county, year=2012).last_serial == 2
    with django_capture_on_commit_callbacks(execute=True):
        third = circular_issue(
            circular=fx.draft(campaign, by=county.office), by=county.office, today=datetime.date(2013, 1, 4)
        )
    assert third.number_text == "测创办〔2013〕1号"


def test_issue_freezes_the_data_and_renders_the_pdf(county, campaign, fake_pdf, django_capture_on_commit_callbacks):
    fx.reports(county, campaign)
    circular = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)

    assert circular.state == CircularState.ISSUED and circular.progress == 100
    assert circular.issued_by == county.office and circular.issued_on == datetime.date(2012, 7, 2)
    assert circular.snapshot["totals"]["reported"] == 25
    stored = circular.pdf.read()
    assert circular.sha256 == hashlib.sha256(stored).hexdigest()
    assert (circular.pages, circular.size, circular.attempts) == (2, len(stored), 1)
    assert set(circular.concerned.all()) == {
        county.township_a,
        county.township_b,
        county.branch_a2,
        county.branch_b1,
    }


def test_issued_circular_refuses_every_change(county, campaign, fake_pdf, django_capture_on_commit_callbacks):
    circular = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)
    for attempt in (
        lambda: circular_update(circular=circular, texts=CircularInput(title="改过的标题"), by=county.office),
        lambda: circular_delete(circular=circular, by=county.office),
        lambda: circular_issue(circular=circular, by=county.office),
        lambda: circular_requeue(circular=circular, by=county.office),
    ):
        with pytest.raises(CircularRefused):
            attempt()
    circular.refresh_from_db()
    assert circular.title == "关于2011年第一季度信息上报情况的通报" and circular.number_serial == 1


def test_an_issued_circular_is_never_rendered_again(county, campaign, fake_pdf, django_capture_on_commit_callbacks):
    circular = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)
    name, digest, content = circular.pdf.name, circular.sha256, circular.pdf.read()
    calls = fake_pdf.calls
    fx.reports(county, campaign)  # the data change afterwards

    from campaign.circulars.tasks import render_circular

    assert circular_render(circular_id=circular.pk) == "issued"
    assert render_circular.delay(circular.pk).get() == "issued"
    circular.refresh_from_db()
    assert fake_pdf.calls == calls
    assert (circular.pdf.name, circular.sha256) == (name, digest)
    assert circular.pdf.read() == content
    assert circular.snapshot["totals"]["reported"] == 0


def test_a_failed_render_is_retried_and_then_succeeds(county, campaign, fake_pdf, django_capture_on_commit_callbacks):
    fake_pdf.fail = 1
    circular = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)

    assert circular.state == CircularState.ISSUED
    assert circular.attempts == 2 and circular.error == ""
    assert fake_pdf.calls == 2


def test_a_render_failing_every_time_ends_failed_with_a_reason_and_keeps_its_number(
    county, campaign, fake_pdf, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fake_pdf.fail = True
    circular = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)

    assert circular.state == CircularState.FAILED
    assert circular.attempts == 4  # the first try and three retries
    assert circular.error.startswith("生成PDF失败") and "字体文件无法读取" in circular.error
    assert not circular.pdf and circular.sha256 == ""
    assert not [path for path in tmp_path.rglob("*") if path.is_file()], "no file, whole or partial, is left"

    fake_pdf.fail = 0
    with django_capture_on_commit_callbacks(execute=True):
        circular_requeue(circular=circular, by=county.office)
    circular.refresh_from_db()
    assert circular.state == CircularState.ISSUED and circular.number_text == "测创办〔2012〕1号"
    assert CircularCounter.objects.get(issuer=county.county, year=2012).last_serial == 1


def test_a_second_delivery_of_the_task_does_not_render_while_one_is_at_work(county, campaign, fake_pdf):
    circular = fx.draft(campaign, by=county.office)
    circular_issue(circular=circular, by=county.office)  # the render is queued after a commit that never comes
    Circular.objects.filter(pk=circular.pk).update(state=CircularState.RENDERING, claimed_at=timezone.now())

    assert circular_render(circular_id=circular.pk) == "not claimed"
    assert fake_pdf.calls == 0


def test_a_render_left_by_a_dead_worker_is_taken_up_again(county, campaign, fake_pdf):
    circular = fx.draft(campaign, by=county.office)
    circular_issue(circular=circular, by=county.office)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Circular.objects.filter(pk=circular.pk).update(state=CircularState.RENDERING, claimed_at=long_ago, attempts=1)

    assert circular_render(circular_id=circular.pk) == "issued"
    circular.refresh_from_db()
    assert circular.state == CircularState.ISSUED and circular.attempts == 2


def test_a_correction_is_a_new_draft_that_names_the_circular_it_corrects(
    county, campaign, fake_pdf, django_capture_on_commit_callbacks
):
    original = issue(fx.draft(campaign, by=county.office), county.office, django_capture_on_commit_callbacks)
    correction = circular_correct(circular=original, by=county.office)

    assert correction.is_draft and correction.corrects == original
    assert correction.kind == original.kind and correction.period_start == original.period_start
    assert "测创办〔2012〕1号" in correction.preamble and "原通报同时作废" in correction.preamble
    assert correction.title == "关于更正《关于2011年第一季度信息上报情况的通报》的通报"
    correction = issue(correction, county.office, django_capture_on_commit_callbacks)
    assert correction.number_serial == 2
    original.refresh_from_db()
    assert original.state == CircularState.ISSUED and original.corrections.get() == correction


def test_only_an_issued_circular_can_be_corrected(county, campaign):
    with pytest.raises(CircularRefused):
        circular_correct(circular=fx.draft(campaign, by=county.office), by=county.office)


# ---------------------------------------------------------------------------
# Snapshot builders: known answers on the small county
# ---------------------------------------------------------------------------


def test_evaluation_snapshot_lists_rounds_and_the_subjects_under_the_threshold(
    county, campaign, django_assert_num_queries
):
    a1, b1, _later = fx.tallied_rounds(county, campaign)
    deadline = RemedialRectification.objects.get(subject__member=county.member_a1).rectification.deadline

    with django_assert_num_queries(3):
        built = evaluation_snapshot(campaign, county.county, half_year(datetime.date(2010, 12, 1)))

    data = built.data
    assert data["period"] == "2010年下半年" and data["threshold"] == "90"
    assert [line["organization"] for line in data["rounds"]] == ["红湾社区党支部", "北极村党支部"]
    assert data["rounds"][0] | {} == {
        "organization": "红湾社区党支部",
        "superior": "红湾寺镇党委",
        "round_period": "2010年下半年",
        "closed_on": "2010-12-24",
        "forms": 10,
        "subjects": 4,
        "evaluated": 3,
        "below": 0 + 1,
        "satisfaction": "90.00%",
    }
    assert data["below"] == [
        {
            "name": "钟建军",
            "is_organization": False,
            "organization": "红湾社区党支部",
            "round_organization": "红湾社区党支部",
            "satisfaction": "80.00%",
            "deadline": deadline.isoformat(),
        },
        {
            "name": "北极村党支部",
            "is_organization": True,
            "organization": "北极村党支部",
            "round_organization": "北极村党支部",
            "satisfaction": "50.00%",
            "deadline": RemedialRectification.objects.get(round=b1).rectification.deadline.isoformat(),
        },
    ]
    # 9 + 8 + 10 of 30 counted votes, and 5 of 10: 32 of 40.
    assert data["totals"] == {
        "rounds": 2,
        "forms": 20,
        "subjects": 5,
        "evaluated": 4,
        "below": 2,
        "satisfaction": "80.0%",
    }
    assert built.concerned == {county.branch_a1.pk, county.branch_b1.pk}


def test_evaluation_snapshot_of_a_township_covers_its_subtree_only(county, campaign):
    fx.tallied_rounds(county, campaign)
    built = evaluation_snapshot(campaign, county.township_b, half_year(datetime.date(2010, 12, 1)))
    assert [line["organization"] for line in built.data["rounds"]] == ["北极村党支部"]


def test_reports_snapshot_ranks_townships_and_lists_the_organizations_short(
    county, campaign, django_assert_num_queries
):
    fx.reports(county, campaign)

    with django_assert_num_queries(1):
        built = reports_snapshot(campaign, county.county, quarter(Q1_2011))

    data = built.data
    assert (data["months"], data["per_month"], data["quota"]) == (3, 3, 9)
    # 红湾寺镇: 9 + 10 (9 counted) + 4 of 27 → 22/27; 康乐乡: 2 of 18.
    assert data["groups"] == [
        {
            "rank": 1,
            "name": "红湾寺镇党委",
            "organizations": 3,
            "reported": 23,
            "adopted": 0,
            "counted": 22,
            "quota": 27,
            "short": 1,
            "rate": "81.5%",
        },
        {
            "rank": 2,
            "name": "康乐乡党委",
            "organizations": 2,
            "reported": 2,
            "adopted": 1,
            "counted": 2,
            "quota": 18,
            "short": 2,
            "rate": "11.1%",
        },
    ]
    assert [(line["name"], line["reported"], line["missing"]) for line in data["short"]] == [
        ("许三湾村党支部", 4, 5),
        ("康乐乡党委", 2, 7),
        ("北极村党支部", 0, 9),
    ]
    assert data["totals"] == {
        "organizations": 5,
        "reported": 25,
        "adopted": 1,
        "counted": 24,
        "quota": 45,
        "short": 3,
        "rate": "53.3%",
    }


def test_reports_quota_counts_only_the_campaigns_months_of_a_quarter(county, campaign):
    # The campaign starts on 2010-04-26: the second quarter of 2010 has three of its months.
    assert reports_snapshot(campaign, county.county, quarter(datetime.date(2010, 5, 1))).data["months"] == 3
    assert reports_snapshot(campaign, county.county, quarter(datetime.date(2012, 7, 1))).data["months"] == 0


def test_progress_snapshot_has_a_row_per_township_and_the_total(county, campaign, django_assert_num_queries):
    fx.reports(county, campaign)
    span = Span(datetime.date(2011, 3, 1), datetime.date(2011, 3, 31), "2011年3月")
    progress_snapshot(campaign, county.county, span, today=datetime.date(2012, 6, 30))  # computes the month

    with django_assert_num_queries(4):
        built = progress_snapshot(campaign, county.county, span, today=datetime.date(2012, 6, 30))

    rows = {row["name"]: row for row in built.data["rows"]}
    assert list(rows) == ["测试县委本级", "红湾寺镇党委", "康乐乡党委"]
    assert rows["红湾寺镇党委"]["reports"] == 4 and rows["红湾寺镇党委"]["reports_quota"] == 9
    assert rows["红湾寺镇党委"]["reports_short"] == 2  # 红湾寺镇党委 and 许三湾村 reported nothing in March
    assert rows["康乐乡党委"]["party_organizations"] == 2
    assert built.data["total"]["name"] == "合计" and built.data["total"]["reports"] == 4
    assert built.data["total"]["party_organizations"] == 6
    assert built.data["as_of"] == "2011-03-31"


def test_ranking_snapshot_groups_the_stored_scores_by_level(county, campaign, django_assert_num_queries):
    period = fx.finalized_period(county, campaign)

    with django_assert_num_queries(1):
        built = ranking_snapshot(period, county.county)

    data = built.data
    assert data["total_points"] == 100
    assert data["indicators"] == [{"name": "承诺覆盖率", "max": 60}, {"name": "群众满意率", "max": 40}]
    assert data["indicator_list"] == "承诺覆盖率（60分）、群众满意率（40分）"
    assert [group["label"] for group in data["groups"]] == ["直属党委", "党支部（第2级）"]
    townships, branches = data["groups"]
    assert [(row["rank"], row["name"], row["total"]) for row in townships["rows"]] == [
        (1, "红湾寺镇党委", "88.50"),
        (2, "康乐乡党委", "61.00"),
    ]
    assert [(row["rank"], row["name"], row["superior"], row["points"]) for row in branches["rows"]] == [
        (1, "红湾社区党支部", "红湾寺镇党委", ["55", "40"]),
        (1, "北极村党支部", "康乐乡党委", ["60", "35"]),
        (3, "许三湾村党支部", "红湾寺镇党委", ["40", "30"]),
    ]


def test_commendation_snapshot_lists_the_models_selected_in_the_quarter(county, campaign, django_assert_num_queries):
    fx.selected_models(county, campaign)

    with django_assert_num_queries(1):
        built = commendation_snapshot(campaign, county.county, quarter(Q1_2011))

    assert built.data["organizations"] == [
        {"name": "红湾社区党支部", "superior": "红湾寺镇党委", "deeds": "开展“十户联防”，服务居民。"}
    ]
    assert built.data["members"] == [
        {
            "name": "钟建军",
            "gender": "男",
            "ethnicity": "裕固族",
            "organization": "红湾社区党支部",
            "post": "党员",
            "deeds": "带头修缮社区道路。",
        }
    ]
    assert built.concerned == {county.branch_a1.pk}


# ---------------------------------------------------------------------------
# Scope: who sees which circular
# ---------------------------------------------------------------------------


@pytest.fixture
def circulars(county, campaign):
    """To everyone below the county; to 康乐乡 only, naming 北极村; a draft."""
    everyone = fx.issued(campaign, recipients=[county.township_a, county.township_b], serial=1, title="发给各乡镇")
    kangle = fx.issued(
        campaign, recipients=[county.township_b], concerned=[county.branch_b1], serial=2, title="只发康乐乡"
    )
    naming = fx.issued(
        campaign, recipients=[county.township_b], concerned=[county.branch_a1], serial=3, title="点名红湾社区"
    )
    draft = fx.draft(campaign, by=county.office, title="草稿")
    return {"everyone": everyone, "kangle": kangle, "naming": naming, "draft": draft}


def visible_titles(user):
    with scope_activated(scope_for_user(user)):
        return set(Circular.objects.values_list("title", flat=True))


def test_the_office_sees_every_circular_of_its_county_drafts_included(county, circulars):
    assert visible_titles(county.office) == {"发给各乡镇", "只发康乐乡", "点名红湾社区", "草稿"}


def test_organizations_see_circulars_sent_to_them_or_above_them_or_naming_them(county, circulars):
    assert visible_titles(county.leader_a) == {"发给各乡镇", "点名红湾社区"}
    assert visible_titles(county.secretary_user_a1) == {"发给各乡镇", "点名红湾社区"}
    assert visible_titles(county.secretary_user_b1) == {"发给各乡镇", "只发康乐乡", "点名红湾社区"}
    assert visible_titles(county.inspector_b) == {"发给各乡镇", "只发康乐乡", "点名红湾社区"}


def test_a_plain_member_is_refused_every_circular(client, county, circulars):
    client.force_login(county.member_user_a1)
    assert client.get(reverse("campaign:circulars")).status_code == 403
    for name in ("campaign:circular", "campaign:circular_pdf", "campaign:circular_status", "campaign:circular_preview"):
        assert client.get(reverse(name, args=[circulars["everyone"].pk])).status_code == 403


def test_another_countys_office_sees_none_of_ours(county, circulars):
    other = make_organization("另一县委", kind="county", sector="organ")
    assert visible_titles(make_user("other_office", "office", organization=other)) == set()


def test_a_circular_not_yet_issued_is_seen_by_the_office_only(county, campaign, circulars):
    circulars["everyone"].__class__.objects.filter(pk=circulars["everyone"].pk).update(state=CircularState.FAILED)
    assert "发给各乡镇" not in visible_titles(county.leader_a)
    assert "发给各乡镇" in visible_titles(county.office)


def test_archive_page_lists_what_the_user_sees(client, county, circulars):
    client.force_login(county.leader_a)
    page = client.get(reverse("campaign:circulars"))
    assert page.status_code == 200
    assert "发给各乡镇" in page.text and "点名红湾社区" in page.text
    assert "只发康乐乡" not in page.text and "草稿" not in page.text


def test_archive_searches_by_year_kind_and_number(client, county, circulars):
    client.force_login(county.office)
    url = reverse("campaign:circulars")
    assert "只发康乐乡" in client.get(url, {"q": "〔2011〕2号"}).text
    assert "发给各乡镇" not in client.get(url, {"q": "〔2011〕2号"}).text
    assert "发给各乡镇" not in client.get(url, {"year": "2010"}).text
    assert "发给各乡镇" in client.get(url, {"year": "2011", "kind": "reports"}).text
    assert "发给各乡镇" not in client.get(url, {"kind": "evaluation"}).text


def test_archive_ignores_a_year_the_calendar_has_not(client, county, circulars):
    # Found by the query-string property: ?year=0 answered 500 (year 0 is out of range).
    client.force_login(county.office)
    for year in ("0", "10000", "99999999"):
        page = client.get(reverse("campaign:circulars"), {"year": year})
        assert page.status_code == 200 and "发给各乡镇" in page.text


def test_archive_costs_the_same_queries_however_many_circulars(
    client, county, campaign, circulars, django_assert_max_num_queries
):
    client.force_login(county.office)
    url = reverse("campaign:circulars")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for serial in range(4, 14):
        fx.issued(campaign, recipients=[county.township_a], serial=serial)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_detail_and_download_answer_404_outside_the_scope(client, county, circulars):
    client.force_login(county.leader_a)
    kangle = circulars["kangle"]
    for name in ("campaign:circular", "campaign:circular_pdf", "campaign:circular_status"):
        assert client.get(reverse(name, args=[kangle.pk])).status_code == 404
    client.force_login(county.member_user_a1)
    assert client.get(reverse("campaign:circular", args=[circulars["kangle"].pk])).status_code == 404


def test_download_sends_the_stored_file_named_by_its_number(client, county, circulars):
    client.force_login(county.secretary_user_a1)
    circular = circulars["everyone"]
    response = client.get(reverse("campaign:circular_pdf", args=[circular.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == circular.sha256
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 5987: the name in UTF-8, percent-encoded.
    from urllib.parse import quote

    assert quote("测创办〔2011〕1号") in disposition


def test_status_answers_the_state_and_progress(client, county, circulars):
    client.force_login(county.office)
    status = client.get(reverse("campaign:circular_status", args=[circulars["everyone"].pk])).json()
    assert status["state"] == "issued" and status["progress"] == 0 + status["progress"]
    assert status["done"] is True and status["download_url"].endswith("/pdf/")
    assert status["state_label"] == "已印发"


def test_the_office_issues_a_draft_from_its_page(
    client, county, campaign, fake_pdf, django_capture_on_commit_callbacks
):
    fx.reports(county, campaign)
    circular = fx.draft(campaign, by=county.office)
    client.force_login(county.office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaign:circular_issue", args=[circular.pk]))
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.state == CircularState.ISSUED and circular.number_serial == 1
    page = client.get(circular.get_absolute_url())
    assert "下载 PDF" in page.text and circular.number_text in page.text


def test_the_office_creates_a_draft_through_the_form(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:circular_create", args=["reports"]) + f"?campaign={campaign.pk}"
    form = client.get(url)
    assert form.status_code == 200 and "2011年第一季度" in form.text
    response = client.post(
        url,
        {
            "period": "2011-01-01",
            "title": "",
            "recipients": [county.township_a.pk, county.township_b.pk],
            "addressee": "",
            "preamble": "为推动信息工作，现通报如下。",
            "closing": "",
            "attachments": "信息报送统计表\n",
            "issuer_name": "",
            "number_prefix": "",
        },
    )
    assert response.status_code == 302
    circular = Circular.objects.get()
    assert circular.preamble == "为推动信息工作，现通报如下。" and circular.attachments == ["信息报送统计表"]
    assert circular.title == "关于2011年第一季度信息上报情况的通报"


def test_recipient_choices_leave_out_mass_organizations(county):
    make_organization("县总工会", parent=county.county, kind="union")
    assert list(recipient_choices(county.county)) == [county.township_a, county.township_b]


def test_satisfaction_threshold_text_follows_the_campaign(county, campaign):
    campaign.satisfaction_threshold = Decimal("85.5")
    campaign.save()
    assert (
        evaluation_snapshot(campaign, county.county, half_year(datetime.date(2010, 12, 1))).data["threshold"] == "85.5"
    )


def test_history_keeps_each_state_from_draft_to_issued(county, campaign, fake_pdf, django_capture_on_commit_callbacks):
    circular = fx.draft(campaign, by=county.office)
    circular = issue(circular, county.office, django_capture_on_commit_callbacks)
    states = list(circular.history.order_by("history_date", "history_id").values_list("state", flat=True))
    assert states[0] == CircularState.DRAFT and states[-1] == CircularState.ISSUED
    assert CircularState.QUEUED in states


def test_beat_resumes_a_render_left_by_a_killed_worker_or_a_lost_message_and_nothing_else(
    county, campaign, fake_pdf, django_capture_on_commit_callbacks, monkeypatch
):
    from campaign.circulars.services import circulars_resume_stalled
    from campaign.circulars.tasks import render_circular

    queued = []
    monkeypatch.setattr(render_circular, "apply_async", lambda args, **options: queued.extend(args))
    circulars = []
    for _ in range(5):
        circular = fx.draft(campaign, by=county.office)
        circular_issue(circular=circular, by=county.office)  # its render message never sent here
        circulars.append(circular)
    killed, fresh_claim, lost, just_queued, retrying = circulars
    now = timezone.now()
    Circular.objects.filter(pk=killed.pk).update(
        state=CircularState.RENDERING, claimed_at=now - datetime.timedelta(minutes=4)
    )
    Circular.objects.filter(pk=fresh_claim.pk).update(state=CircularState.RENDERING, claimed_at=now)
    Circular.objects.filter(pk__in=[lost.pk, retrying.pk]).update(issued_at=now - datetime.timedelta(minutes=6))
    Circular.objects.filter(pk=retrying.pk).update(error="生成PDF出错，稍后自动重试")

    assert circulars_resume_stalled(now=now) == [killed.pk, lost.pk]
    assert queued == [killed.pk, lost.pk]

    # The message sent again takes over the dead worker's claim and renders, once.
    assert circular_render(circular_id=killed.pk) == "issued"
    assert circular_render(circular_id=fresh_claim.pk) == "not claimed"
    killed.refresh_from_db()
    assert killed.state == CircularState.ISSUED and fake_pdf.calls == 1
