"""党群共建 pages: the office sets up a pair, a unit's secretary records a joint activity
with a photo, the lagging unit's figures show before and after, the dashboard card counts
the pairs, the mass organizations' and the joint meetings' pages, and scope."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaign.dashboard.models import OrganizationFigures
from campaign.pairing.models import FollowUpTask, JointActivity, JointMeeting, MassHonour, Pair
from campaign.pairing.services import PairInput, joint_activity_record, pair_create

pytestmark = pytest.mark.django_db
START = datetime.date(2011, 3, 1)
END = datetime.date(2011, 12, 31)


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="JPEG")
    return SimpleUploadedFile("座谈.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def pair(county, campaign):
    return pair_create(
        campaign=campaign,
        data=PairInput(
            kind="urban_rural",
            name="红湾社区与许三湾村城乡结对",
            goals="帮助许三湾村提高群众满意率。",
            starts_on=START,
            ends_on=END,
            members=[(county.branch_a1, "helper"), (county.branch_a2, "helped")],
        ),
        by=None,
    )


def test_office_sets_up_a_pair_on_the_form(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:pair_create") + f"?campaign={campaign.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "one_helps_one",
            "name": "一帮一",
            "helpers": [county.branch_a1.code],
            "helped": [county.branch_a2.code],
            "goals": "提高践诺率。",
            "starts_on": "2011-03-01",
            "ends_on": "2011-12-31",
        },
    )
    pair = Pair.objects.get()
    assert response.status_code == 302 and response["Location"] == pair.get_absolute_url()


def test_pair_form_shows_the_refusal_in_chinese(client, county, campaign):
    client.force_login(county.office)
    response = client.post(
        reverse("campaign:pair_create") + f"?campaign={campaign.pk}",
        {
            "kind": "one_helps_one",
            "name": "只有一方",
            "helpers": [county.branch_a1.code],
            "goals": "目标。",
            "starts_on": "2011-03-01",
            "ends_on": "2011-12-31",
        },
    )
    assert response.status_code == 200
    assert "结对至少要有两个单位。" in response.content.decode()
    assert not Pair.objects.exists()


def test_secretary_records_an_activity_with_a_photo_and_the_office_sees_it(client, county, campaign, pair):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("campaign:pair_activity_create", args=[pair.pk]),
        {
            "held_on": "2011-04-12",
            "title": "结对座谈会",
            "content": "交流经验。",
            "participants": "18",
            "photos": [jpeg()],
        },
    )
    assert response.status_code == 302
    activity = JointActivity.objects.get()
    photo = activity.photos.get()
    client.force_login(county.office)
    page = client.get(pair.get_absolute_url()).content.decode()
    assert "结对座谈会" in page and reverse("campaign:pair_photo", args=[photo.pk]) in page
    served = client.get(reverse("campaign:pair_photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    # An outsider gets 404 for the photo and the pair alike.
    client.force_login(county.secretary_user_b1)
    assert client.get(reverse("campaign:pair_photo", args=[photo.pk])).status_code == 404
    assert client.get(pair.get_absolute_url()).status_code == 404


def test_pair_page_shows_the_lagging_unit_before_and_after(client, county, campaign, pair):
    now = timezone.now()
    for month, done in ((datetime.date(2011, 2, 1), 3), (datetime.date(2011, 12, 1), 9)):
        OrganizationFigures.objects.create(
            campaign=campaign,
            organization=county.branch_a2,
            month=month,
            as_of=month,
            computed_at=now,
            items_due=10,
            items_done=done,
        )
    client.force_login(county.secretary_user_a1)  # the helper's secretary sees the helped unit's figures
    page = client.get(pair.get_absolute_url()).content.decode()
    assert "30.0%" in page and "90.0%" in page and "+60.0" in page and "有改进" in page


def test_dashboard_card_counts_pairs_and_activities(client, county, campaign, pair):
    joint_activity_record(
        pair=pair, held_on=datetime.date(2011, 4, 1), title="座谈", content="交流。", participants=5, by=None
    )
    OrganizationFigures.objects.create(
        campaign=campaign,
        organization=county.county,
        month=datetime.date(2011, 6, 1),
        as_of=datetime.date(2011, 6, 30),
        computed_at=timezone.now(),
    )
    client.force_login(county.office)
    page = client.get(reverse("campaign:dashboard") + f"?campaign={campaign.pk}&month=2011-06").content.decode()
    assert 'id="dashboard-pairing"' in page
    assert 'data-figure="pairs">1<' in page and 'data-figure="activities">1<' in page


def test_list_shows_the_pairs_and_the_mass_organizations(client, county, campaign, pair):
    client.force_login(county.leader_a)
    page = client.get(reverse("campaign:pairs") + f"?campaign={campaign.pk}").content.decode()
    assert pair.name in page and county.union_a1.name in page


def test_union_honour_is_recorded_and_shown_on_its_page(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    url = reverse("campaign:mass_honour_create", args=[county.union_a1.code]) + f"?campaign={campaign.pk}"
    response = client.post(
        url,
        {
            "kind": "worker_pioneer",
            "level": "county",
            "title": "县级工人先锋号",
            "awarded_to": "红湾社区服务站",
            "awarded_on": "2011-05-01",
            "citation": "服务居民。",
            "photos": [jpeg()],
        },
    )
    assert response.status_code == 302
    honour = MassHonour.objects.get()
    client.force_login(county.member_user_a1)
    page = client.get(reverse("campaign:mass_organization", args=[county.union_a1.code])).content.decode()
    assert "县级工人先锋号" in page and "工人先锋号" in page
    photo = honour.photos.get()
    assert client.get(reverse("campaign:mass_photo", args=[photo.pk])).status_code == 200
    client.force_login(county.secretary_user_b1)
    assert client.get(reverse("campaign:mass_photo", args=[photo.pk])).status_code == 404


def test_joint_meeting_is_recorded_and_its_task_marked_done(client, county, campaign):
    client.force_login(county.leader_a)
    response = client.post(
        reverse("campaign:joint_meeting_create") + f"?campaign={campaign.pk}",
        {
            "held_on": "2011-06-01",
            "convener": county.township_a.code,
            "attendee_organizations": [county.branch_a1.code, county.union_a1.code],
            "attendees": "柯长林",
            "topics": "党建带工建。",
            "decisions": "每季度联合活动一次。",
        },
    )
    meeting = JointMeeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    client.post(
        reverse("campaign:followup_task_add", args=[meeting.pk]),
        {"text": "制定计划", "responsible": county.branch_a1.code, "deadline": "2011-07-01"},
    )
    task = FollowUpTask.objects.get()
    client.force_login(county.secretary_user_a1)
    client.post(
        reverse("campaign:followup_task_update", args=[meeting.pk, task.pk]),
        {"done": "on", "done_on": "2011-06-20", "note": "计划已印发。"},
    )
    task.refresh_from_db()
    assert task.done and task.note == "计划已印发。"
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "2011-06-20完成" in page


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pairs_list_query_count_does_not_grow_with_the_pairs(client, county, campaign, pair):
    client.force_login(county.office)
    url = reverse("campaign:pairs") + f"?campaign={campaign.pk}"
    client.get(url)  # the campaign is remembered in the session once
    one = _queries(client, url)
    for number in range(4):
        more = pair_create(
            campaign=campaign,
            data=PairInput(
                kind="hand_in_hand",
                name=f"手拉手{number}",
                goals="共同提高。",
                starts_on=START,
                ends_on=END,
                members=[(county.branch_a1, "partner"), (county.branch_b1, "partner"), (county.union_a1, "partner")],
            ),
            by=None,
        )
        joint_activity_record(
            pair=more, held_on=datetime.date(2011, 4, 1), title="联谊", content="联谊。", participants=9, by=None
        )
    assert _queries(client, url) == one
