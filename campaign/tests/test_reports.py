import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from campaign.reports.models import AdoptionLevel, InfoReport
from campaign.reports.services import (
    info_report_adopt,
    info_report_submit,
    info_report_update,
    info_report_withdraw,
    report_quota,
)
from campaign.tests.factories import make_campaign
from orgs.access import user_scope
from orgs.scoping import scope_activated
from orgs.tests.factories import make_organization
from pledges.progress import EVIDENCE_MAX_FILES

pytestmark = pytest.mark.django_db
DAY = datetime.date(2011, 3, 5)


@pytest.fixture
def campaign(county):
    return make_campaign(county.county)


def png(name="照片.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def submit(campaign, user, *, title="社区开展义务清扫", day=DAY, photos=()):
    return info_report_submit(
        campaign=campaign,
        title=title,
        body="组织党员清扫街道。",
        reported_on=day,
        category="work_news",
        photos=photos,
        by=user,
    )


def test_a_secretary_reports_an_item_for_her_own_branch_with_photos(county, campaign):
    report = submit(campaign, county.secretary_user_a1, photos=[png()])
    assert report.organization == county.branch_a1
    assert report.photos.get().original_name == "照片.png"
    assert not report.is_adopted


def test_a_member_may_not_report_an_item(county, campaign):
    with pytest.raises(PermissionDenied):
        submit(campaign, county.member_user_a1)
    assert not InfoReport.objects.exists()


def test_a_photo_that_is_not_an_image_leaves_no_item_behind(county, campaign):
    fake = SimpleUploadedFile("病毒.png", b"MZ not an image at all", content_type="image/png")
    with pytest.raises(ValidationError):
        submit(campaign, county.secretary_user_a1, photos=[png(), fake])
    assert not InfoReport.objects.exists()


def test_more_photos_than_the_evidence_limit_are_refused(county, campaign):
    with pytest.raises(ValidationError):
        submit(campaign, county.secretary_user_a1, photos=[png() for _ in range(EVIDENCE_MAX_FILES + 1)])
    assert not InfoReport.objects.exists()


def test_a_date_in_the_future_is_refused(county, campaign):
    with pytest.raises(ValidationError):
        submit(campaign, county.secretary_user_a1, day=timezone.localdate() + datetime.timedelta(days=1))


def test_the_office_adopts_an_item_and_then_the_author_can_no_longer_change_or_withdraw_it(county, campaign):
    report = submit(campaign, county.secretary_user_a1)
    info_report_adopt(report=report, level=AdoptionLevel.CITY, by=county.office)
    report.refresh_from_db()
    assert report.adopted_level == AdoptionLevel.CITY and report.adopted_by == county.office
    with pytest.raises(PermissionDenied):
        info_report_update(
            report=report, title="改", body="改", reported_on=DAY, category="other", by=county.secretary_user_a1
        )
    with pytest.raises(PermissionDenied):
        info_report_withdraw(report=report, by=county.secretary_user_a1)


def test_a_secretary_or_leader_may_not_adopt(county, campaign):
    report = submit(campaign, county.secretary_user_a1)
    for user in (county.secretary_user_a1, county.leader_a):
        with pytest.raises(PermissionDenied):
            info_report_adopt(report=report, level=AdoptionLevel.COUNTY, by=user)


def test_the_author_corrects_and_withdraws_an_item_before_adoption(county, campaign):
    report = submit(campaign, county.secretary_user_a1)
    info_report_update(
        report=report,
        title="更正后的标题",
        body="正文",
        reported_on=DAY,
        category="practice",
        by=county.secretary_user_a1,
    )
    report.refresh_from_db()
    assert report.title == "更正后的标题" and report.category == "practice"
    with pytest.raises(PermissionDenied):
        info_report_withdraw(report=report, by=county.secretary_user_b1)
    info_report_withdraw(report=report, by=county.secretary_user_a1)
    assert not InfoReport.objects.exists()


def test_quota_counts_items_of_the_month_and_lists_who_is_below(county, campaign):
    for _ in range(3):
        submit(campaign, county.secretary_user_a1)
    submit(campaign, county.secretary_user_b1)
    submit(campaign, county.secretary_user_b1, day=datetime.date(2011, 4, 1))  # next month
    with scope_activated(user_scope(county.office)):
        quota = report_quota(campaign, datetime.date(2011, 3, 1))
    counts = {row.organization: row.reports for row in quota.rows}
    assert counts[county.branch_a1] == 3
    assert counts[county.branch_b1] == 1
    below = {row.organization for row in quota.below}
    assert county.branch_b1 in below and county.branch_a1 not in below


def test_a_township_leader_sees_the_quota_of_her_township_only(county, campaign):
    with scope_activated(user_scope(county.leader_a)):
        quota = report_quota(campaign, datetime.date(2011, 3, 1))
    organizations = {row.organization for row in quota.rows}
    assert county.branch_a1 in organizations and county.branch_b1 not in organizations


def test_the_quota_takes_one_query_whatever_the_size_of_the_tree(county, campaign, django_assert_num_queries):
    submit(campaign, county.secretary_user_a1)
    with scope_activated(user_scope(county.office)), django_assert_num_queries(1):
        small = report_quota(campaign, datetime.date(2011, 3, 1))
    for number in range(20):
        make_organization(f"新建支部{number}", parent=county.township_b, kind="branch")
    with scope_activated(user_scope(county.office)), django_assert_num_queries(1):
        large = report_quota(campaign, datetime.date(2011, 3, 1))
    assert len(large.rows) == len(small.rows) + 20


def test_the_report_page_lets_a_secretary_submit_and_the_office_adopt(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("campaign:report_create") + f"?campaign={campaign.pk}",
        {
            "title": "红湾社区义诊",
            "category": "work_news",
            "reported_on": "2011-03-05",
            "body": "为居民义诊。",
            "photos": [png()],
        },
    )
    report = InfoReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    photo = report.photos.get()
    assert client.get(reverse("campaign:report_photo", args=[photo.pk])).status_code == 200
    assert client.post(reverse("campaign:report_adopt", args=[report.pk]), {"level": "county"}).status_code == 403
    client.force_login(county.office)
    client.post(reverse("campaign:report_adopt", args=[report.pk]), {"level": "province"})
    report.refresh_from_db()
    assert report.adopted_level == "province"


def test_another_branchs_secretary_gets_404_for_the_item_and_its_photos(client, county, campaign):
    report = submit(campaign, county.secretary_user_a1, photos=[png()])
    client.force_login(county.secretary_user_b1)
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.get(reverse("campaign:report_photo", args=[report.photos.get().pk])).status_code == 404


def test_a_member_gets_403_on_the_create_page(client, county, campaign):
    client.force_login(county.member_user_a1)
    assert client.get(reverse("campaign:report_create")).status_code == 403


def test_the_list_page_query_count_does_not_grow_with_rows(client, county, campaign, django_assert_max_num_queries):
    client.force_login(county.office)
    submit(campaign, county.secretary_user_a1)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("campaign:reports"), {"campaign": campaign.pk})
    for number in range(15):
        submit(campaign, county.secretary_user_b1, title=f"信息{number}", photos=[png()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("campaign:reports"), {"campaign": campaign.pk, "month": "2011-03"})
    assert "信息14" in response.content.decode()


def test_the_quota_page_lists_who_is_below_and_exports_to_xlsx(client, county, campaign):
    submit(campaign, county.secretary_user_a1)
    client.force_login(county.office)
    page = client.get(reverse("campaign:report_quota"), {"campaign": campaign.pk, "month": "2011-03"})
    assert "未达标组织" in page.content.decode()
    export = client.get(reverse("campaign:report_quota_export"), {"campaign": campaign.pk, "month": "2011-03"})
    workbook = load_workbook(io.BytesIO(export.content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert (county.branch_a1.name, 1, 0, 3, "未达标") in rows
    below_names = [row[0] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert county.branch_a1.name in below_names


def test_pages_of_a_past_campaign_default_to_its_last_month(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    form = client.get(reverse("campaign:report_create"))
    assert form.context["form"].initial["reported_on"] == campaign.ends_on
    client.force_login(county.office)
    quota = client.get(reverse("campaign:report_quota"))
    assert quota.context["quota"].month == campaign.ends_on.replace(day=1)
