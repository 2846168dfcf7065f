"""践诺: recording progress on published pledge items, and the state each item is in."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pledges.models import Evidence, PledgeItem, PledgeState, ProgressEntry
from pledges.progress import ItemState, item_state, late_items_q, progress_record
from pledges.tests.factories import TINY_PNG, make_pledge, publish_with_approval

pytestmark = pytest.mark.usefixtures("media")  # each test stores its files apart


@pytest.fixture
def published(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, title="红湾社区党支部承诺", items=2)
    return publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)


def test_progress_cannot_be_recorded_on_a_draft_pledge(county, campaign):
    item = make_pledge(campaign, county.branch_a1).items.get()
    with pytest.raises(ValidationError, match="公示后"):
        progress_record(item=item, by=county.secretary_user_a1, recorded_on=datetime.date(2011, 3, 1), text="已动工")
    assert not ProgressEntry.objects.exists()


def test_the_draft_pledges_item_page_offers_no_form_and_refuses_a_post(client, county, campaign):
    item = make_pledge(campaign, county.branch_a1).items.get()
    client.force_login(county.secretary_user_a1)
    page = client.get(reverse("pledges:item_progress", args=[item.pk]))
    assert page.status_code == 200 and page.context["form"] is None
    response = client.post(
        reverse("pledges:item_progress", args=[item.pk]), {"recorded_on": "2011-03-01", "text": "已动工"}
    )
    assert "承诺公示后才能记录践诺进展" in response.content.decode()
    assert not ProgressEntry.objects.exists()


def test_first_entry_moves_a_published_pledge_into_progress(county, published):
    assert published.state == PledgeState.PUBLISHED
    item = published.items.first()
    progress_record(item=item, by=county.secretary_user_a1, recorded_on=datetime.date(2011, 3, 1), text="已动工")
    published.refresh_from_db()
    assert published.state == PledgeState.IN_PROGRESS
    # A second entry keeps it there.
    progress_record(item=item, by=county.secretary_user_a1, recorded_on=datetime.date(2011, 4, 1), text="已封顶")
    published.refresh_from_db()
    assert published.state == PledgeState.IN_PROGRESS


def test_item_is_on_track_before_its_due_date_late_after_and_done_once_reported(county, published):
    item = published.items.first()  # due 2011-06-30
    assert item_state(item, today=datetime.date(2011, 6, 30)) == ItemState.ON_TRACK
    assert item_state(item, today=datetime.date(2011, 7, 1)) == ItemState.LATE
    assert published.items.filter(late_items_q(datetime.date(2011, 7, 1))).count() == 2
    progress_record(
        item=item,
        by=county.secretary_user_a1,
        recorded_on=datetime.date(2011, 6, 20),
        text="服务站已开放",
        marks_done=True,
    )
    item.refresh_from_db()
    assert item.completed_on == datetime.date(2011, 6, 20)
    assert item_state(item, today=datetime.date(2012, 1, 1)) == ItemState.DONE
    assert published.items.filter(late_items_q(datetime.date(2011, 7, 1))).count() == 1


def test_a_future_date_is_refused(county, published):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        progress_record(
            item=published.items.first(),
            by=county.secretary_user_a1,
            recorded_on=timezone.localdate() + datetime.timedelta(days=2),
            text="提前写好",
        )


def test_secretary_records_progress_with_a_photo_through_the_page(client, county, published):
    item = published.items.first()
    client.force_login(county.secretary_user_a1)
    url = reverse("pledges:item_progress", args=[item.pk])
    response = client.post(
        url,
        {
            "recorded_on": "2011-03-01",
            "text": "服务站主体完工，配备代办员2名",
            "evidence_public": "on",
            "files": [SimpleUploadedFile("现场照片.png", TINY_PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    entry = ProgressEntry.objects.get(item=item)
    assert entry.recorded_by == county.secretary_user_a1
    evidence = Evidence.objects.get(entry=entry)
    assert (evidence.original_name, evidence.content_type, evidence.is_public) == ("现场照片.png", "image/png", True)
    # Stored under a random name, not the one the uploader chose.
    assert evidence.file.name.startswith("evidence/") and "现场" not in evidence.file.name
    page = client.get(url).content.decode()
    assert "服务站主体完工" in page and reverse("pledges:evidence", args=[evidence.pk]) in page


def test_evidence_can_be_kept_off_the_public_board_when_recorded_and_later(client, county, published):
    item = published.items.first()
    client.force_login(county.secretary_user_a1)
    client.post(
        reverse("pledges:item_progress", args=[item.pk]),
        {"recorded_on": "2011-03-01", "text": "走访名单", "files": [SimpleUploadedFile("名单.png", TINY_PNG)]},
    )
    evidence = Evidence.objects.get()
    assert evidence.is_public is False
    client.post(reverse("pledges:evidence_visibility", args=[evidence.pk]), {"is_public": "1"})
    evidence.refresh_from_db()
    assert evidence.is_public is True


def test_a_member_cannot_record_progress_on_the_branch_pledge(client, county, published):
    client.force_login(county.member_user_a1)
    item = published.items.first()
    assert client.get(reverse("pledges:item_progress", args=[item.pk])).context["form"] is None
    response = client.post(
        reverse("pledges:item_progress", args=[item.pk]), {"recorded_on": "2011-03-01", "text": "已动工"}
    )
    assert response.status_code == 403
    assert not ProgressEntry.objects.exists()


def test_a_member_records_progress_on_their_own_pledge(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    publish_with_approval(pledge, filer=county.member_user_a1, approver=county.secretary_user_a1)
    client.force_login(county.member_user_a1)
    item = pledge.items.get()
    response = client.post(
        reverse("pledges:item_progress", args=[item.pk]), {"recorded_on": "2011-03-01", "text": "帮扶两户困难群众"}
    )
    assert response.status_code == 302
    assert ProgressEntry.objects.get().text == "帮扶两户困难群众"


def test_another_branch_secretary_gets_404_on_the_item_page(client, county, published):
    client.force_login(county.secretary_user_b1)
    assert client.get(reverse("pledges:item_progress", args=[published.items.first().pk])).status_code == 404


def test_item_page_queries_do_not_grow_with_entries_and_files(client, county, published, django_assert_max_num_queries):
    item = published.items.first()
    client.force_login(county.secretary_user_a1)
    url = reverse("pledges:item_progress", args=[item.pk])

    def add_entries(count):
        for day in range(count):
            progress_record(
                item=item,
                by=county.secretary_user_a1,
                recorded_on=datetime.date(2011, 3, 1 + day),
                text=f"第{day}次进展",
                files=[SimpleUploadedFile("a.png", TINY_PNG)],
            )

    add_entries(1)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    add_entries(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("第") >= 9


def test_only_a_superior_sees_the_supervise_button_on_a_late_item(client, county, published):
    url = reverse("pledges:item_progress", args=[published.items.first().pk])
    client.force_login(county.leader_a)
    assert client.get(url).context["can_supervise"] is True
    client.force_login(county.secretary_user_a1)
    page = client.get(url)
    assert page.context["can_supervise"] is False
    assert reverse("pledges:supervision_open_item", args=[published.items.first().pk]) not in page.content.decode()


def test_progress_on_two_items_through_stale_copies_of_one_pledge_starts_it_once(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, items=2)
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    first, second = PledgeItem.objects.filter(pledge=pledge).order_by("pk")
    assert first.pledge.state == second.pledge.state == PledgeState.PUBLISHED  # two copies, both loaded now
    for item in (first, second):
        progress_record(item=item, by=county.secretary_user_a1, recorded_on=datetime.date(2011, 1, 5), text="已开工")
    pledge.refresh_from_db()
    assert pledge.state == PledgeState.IN_PROGRESS
    assert ProgressEntry.objects.filter(item__pledge=pledge).count() == 2
