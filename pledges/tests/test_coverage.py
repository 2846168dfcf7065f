"""全覆盖: the coverage page, its counts, lists, filters, scope and exports."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.tests.factories import make_campaign
from orgs.models import OrganizationKind, Post
from orgs.tests.factories import make_member, make_organization, make_user
from pledges.assessment import pledge_assess
from pledges.coverage import (
    CoverageFilters,
    coverage_roots,
    coverage_summary,
    members_without_pledge,
    organizations_without_pledge,
)
from pledges.lifecycle import pledge_revise, pledge_submit
from pledges.models import Fulfillment, PledgeKind, Rectification, Supervision
from pledges.progress import progress_record
from pledges.tests.factories import make_pledge, publish_with_approval

URL = reverse("pledges:coverage")
PUBLISHED_ON = datetime.date(2010, 6, 1)
EXPORT = reverse("pledges:coverage_export")


def publish_branch_a1(county, campaign, **fields):
    pledge = make_pledge(campaign, county.branch_a1, **fields)
    return publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a, on=PUBLISHED_ON)


def page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def names(objects):
    return {str(item) for item in objects}


def workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- counts ------------------------------------------------------------------


def test_a_published_pledge_is_counted_and_a_submitted_one_is_not(client, county, campaign):
    summary = page(client, county.office).context["summary"]
    # 县委, two townships and three branches; the trade union is not a party organization.
    assert (summary.organizations_covered, summary.organizations) == (0, 6)
    assert (summary.members_covered, summary.members) == (0, 7)

    waiting = make_pledge(campaign, county.branch_b1)
    pledge_submit(pledge=waiting, by=county.secretary_user_b1)
    publish_branch_a1(county, campaign)
    member_pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    publish_with_approval(member_pledge, filer=county.secretary_user_a1, approver=county.leader_a, on=PUBLISHED_ON)

    summary = page(client, county.office).context["summary"]
    assert (summary.organizations_covered, summary.organizations) == (1, 6)
    assert (summary.members_covered, summary.members) == (1, 7)
    assert str(summary.organizations_percent) == "16.7"
    township_a = next(row for row in summary.rows if row.organization == county.township_a)
    assert (township_a.organizations_covered, township_a.organizations) == (1, 3)
    assert (township_a.members_covered, township_a.members) == (1, 5)
    assert str(township_a.members_percent) == "20.0"


def test_a_pledge_being_revised_still_covers_its_pledger(county, campaign):
    pledge = publish_branch_a1(county, campaign)
    pledge_revise(pledge=pledge, by=county.secretary_user_a1)
    assert county.branch_a1 not in organizations_without_pledge(campaign, [county.county], today=timezone.localdate())


def test_mass_organizations_are_neither_counted_nor_listed(client, county, campaign):
    response = page(client, county.office, list="organizations")
    listed = names(response.context["page"])
    assert "红湾社区工会" not in listed
    assert listed == {"测试县委", "红湾寺镇党委", "康乐乡党委", "红湾社区党支部", "许三湾村党支部", "北极村党支部"}
    assert "红湾社区工会" not in response.content.decode()


def test_the_table_has_a_row_per_township_and_one_for_the_county_itself(client, county, campaign):
    rows = page(client, county.office).context["summary"].rows
    assert [(row.organization.name, row.is_own_level) for row in rows] == [
        ("测试县委", True),
        ("红湾寺镇党委", False),
        ("康乐乡党委", False),
    ]
    assert [row.organizations for row in rows] == [1, 3, 2]
    assert [row.members for row in rows] == [0, 5, 2]


def test_a_member_pledge_filed_only_as_a_draft_shows_how_far_it_got(client, county, campaign):
    draft = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    pledge_submit(pledge=draft, by=county.secretary_user_a1)
    response = page(client, county.office, list="members")
    states = {member.name: member.pledge_state for member in response.context["page"]}
    assert states["钟建军"] == "submitted"
    assert states["兰永福"] is None
    html = response.content.decode()
    assert "待审核" in html and "未填报" in html


# --- scope and roles -----------------------------------------------------------


def test_leader_sees_only_their_township(client, county, campaign):
    make_pledge(campaign, county.branch_b1, items=1)
    response = page(client, county.leader_a, list="members")
    summary = response.context["summary"]
    assert [row.organization.name for row in summary.rows] == ["红湾寺镇党委", "红湾社区党支部", "许三湾村党支部"]
    assert (summary.organizations, summary.members) == (3, 5)
    assert "安国庆" not in names(response.context["page"])
    assert "北极村党支部" not in response.content.decode()


def test_leader_cannot_filter_on_another_township(client, county, campaign):
    client.force_login(county.leader_a)
    assert client.get(URL, {"org": county.branch_b1.code}).status_code == 404
    assert client.get(EXPORT, {"org": county.branch_b1.code, "list": "members"}).status_code == 404


def test_inspection_group_reads_its_township(client, county, campaign):
    summary = page(client, county.inspector_b).context["summary"]
    assert [row.organization.name for row in summary.rows] == ["康乐乡党委", "北极村党支部"]
    # Read-only: no progress sheet to download or upload.
    assert "progress-sheet-card" not in page(client, county.inspector_b).content.decode()


def test_an_inspection_group_with_two_townships_gets_a_row_for_each(client, county, campaign):
    inspector = make_user("inspector_ab", "inspector", inspected=[county.township_a, county.township_b])
    publish_branch_a1(county, campaign)
    rows = page(client, inspector).context["summary"].rows
    assert [(row.organization.name, row.organizations, row.organizations_covered, row.members) for row in rows] == [
        ("红湾寺镇党委", 3, 1, 5),
        ("康乐乡党委", 2, 0, 2),
    ]
    assert [row.late_items for row in rows] == [1, 0]


def test_secretary_sees_their_branch_with_the_progress_sheet(client, county, campaign):
    response = page(client, county.secretary_user_a1)
    assert response.context["chosen_list"] == "members"
    assert names(response.context["page"]) == {"安秀英", "钟建军", "兰永福"}
    assert not response.context["show_table"]
    html = response.content.decode()
    assert "progress-sheet-card" in html
    assert reverse("pledges:progress_sheet_export", args=[county.branch_a1.code]) in html


def test_members_are_refused(client, county, campaign):
    client.force_login(county.member_user_a1)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT, {"list": "members"}).status_code == 403


def test_phone_numbers_are_never_shown(client, county, campaign):
    county.member_a1.phone = "13909370001"
    county.member_a1.save()
    client.force_login(county.office)
    assert "13909370001" not in client.get(URL, {"list": "members"}).content.decode()
    rows = workbook_rows(client.get(EXPORT, {"list": "members"}))
    assert all("13909370001" not in str(cell) for row in rows for cell in row)


def test_a_townships_campaign_covers_only_that_township(client, county, campaign):
    township_campaign = make_campaign(county.township_a, name="红湾寺镇承诺践诺活动")
    summary = page(client, county.office, campaign=township_campaign.pk).context["summary"]
    assert [row.organization.name for row in summary.rows][0] == "红湾寺镇党委"
    assert summary.organizations == 3
    assert coverage_roots(county.inspector_b, township_campaign) == []


def test_an_unknown_campaign_is_not_found(client, county, campaign):
    other = make_campaign(make_organization("另一县委", kind=OrganizationKind.COUNTY_COMMITTEE))
    client.force_login(county.leader_a)
    assert client.get(URL, {"campaign": other.pk}).status_code == 404
    assert client.get(URL, {"campaign": "abc"}).status_code == 404


def test_without_any_campaign_the_page_says_so(client, county):
    response = page(client, county.office)
    assert response.context["campaign"] is None
    assert "还没有开展活动" in response.content.decode()


# --- late and supervised ---------------------------------------------------------


def test_late_items_are_overdue_undone_items_of_published_pledges(client, county, campaign):
    late = publish_branch_a1(county, campaign, items=2)
    done_item, late_item = late.items.order_by("order")
    progress_record(
        item=done_item,
        by=county.secretary_user_a1,
        recorded_on=datetime.date(2011, 6, 1),
        text="服务站已开放",
        marks_done=True,
    )
    make_pledge(campaign, county.branch_a2, items=1)  # a draft is not late yet
    assessed = make_pledge(campaign, county.branch_b1, items=1)
    publish_with_approval(assessed, filer=county.secretary_user_b1, approver=county.office, on=PUBLISHED_ON)
    pledge_assess(pledge=assessed, by=county.office, fulfillment=Fulfillment.NOT_FULFILLED, comment="未按期完成")

    response = page(client, county.office, list="late")
    assert list(response.context["page"]) == [late_item]
    assert response.context["summary"].late_items == 1
    item = response.context["page"][0]
    assert item.days_late == (timezone.localdate() - datetime.date(2011, 6, 30)).days
    assert "红湾社区党支部" in response.content.decode()


def test_open_supervisions_of_items_and_rectifications_are_listed(client, county, campaign):
    pledge = publish_branch_a1(county, campaign)
    item = pledge.items.get()
    Supervision.objects.create(
        organization=county.branch_a1,
        pledge_item=item,
        supervisor=county.leader_a,
        deadline=datetime.date(2011, 8, 1),
        notes="限期完成",
    )
    task = Rectification.objects.create(
        campaign=campaign,
        organization=county.branch_b1,
        category="服务群众",
        problem="村务公开不及时",
        measure="每月公开一次",
        owner="杜德明",
        deadline=datetime.date(2011, 3, 1),
    )
    Supervision.objects.create(
        organization=county.branch_b1,
        rectification=task,
        supervisor=county.office,
        deadline=datetime.date(2011, 4, 1),
        closed_at=timezone.now(),
    )
    response = page(client, county.office, list="supervised")
    assert [supervision.pledge_item for supervision in response.context["page"]] == [item]
    assert response.context["summary"].supervised == 1

    Supervision.objects.create(
        organization=county.branch_b1, rectification=task, supervisor=county.office, deadline=datetime.date(2011, 7, 1)
    )
    response = page(client, county.office, list="supervised")
    assert [(s.rectification, s.pledge_item) for s in response.context["page"]] == [(task, None), (None, item)]
    assert task.get_absolute_url() in response.content.decode()
    assert [row.supervised for row in response.context["summary"].rows] == [0, 1, 1]
    late = page(client, county.office, list="late").context["page"]
    assert late[0].is_supervised


# --- filters -------------------------------------------------------------------


def test_filters_narrow_by_sector_name_and_subtree(client, county, campaign):
    community = page(client, county.office, sector="community", list="organizations").context["page"]
    assert names(community) == {"红湾社区党支部"}
    by_name = page(client, county.office, q="许三湾", list="organizations").context["page"]
    assert names(by_name) == {"许三湾村党支部"}
    subtree = page(client, county.office, org=county.township_b.code, list="members")
    assert names(subtree.context["page"]) == {"杜德明", "安国庆"}
    assert [row.organization.name for row in subtree.context["summary"].rows] == ["康乐乡党委", "北极村党支部"]


def test_kind_filter_counts_only_pledges_of_that_kind(county, campaign):
    publish_branch_a1(county, campaign, kind=PledgeKind.IMMEDIATE)
    annual = CoverageFilters(kind=PledgeKind.ANNUAL)
    immediate = CoverageFilters(kind=PledgeKind.IMMEDIATE)
    assert county.branch_a1 in organizations_without_pledge(
        campaign, [county.county], annual, today=timezone.localdate()
    )
    assert county.branch_a1 not in organizations_without_pledge(
        campaign, [county.county], immediate, today=timezone.localdate()
    )


def test_a_bad_filter_value_is_shown_on_the_form_and_ignored(client, county, campaign):
    response = page(client, county.office, sector="nowhere", list="organizations")
    assert response.context["form"].errors["sector"]
    assert len(response.context["page"]) == 6


def test_the_table_drills_down_to_the_chosen_organization(client, county, campaign):
    html = page(client, county.office, sector="rural").content.decode()
    assert f"sector=rural&amp;org={county.township_a.code}" in html


# --- queries -------------------------------------------------------------------


def grow_county(county, campaign, townships=3, branches=4):
    for number in range(townships):
        township = make_organization(f"新乡{number}党委", parent=county.county, kind=OrganizationKind.COMMITTEE)
        for branch_number in range(branches):
            branch = make_organization(f"新乡{number}第{branch_number}支部", parent=township)
            for member_number in range(3):
                make_member(branch, f"党员{number}{branch_number}{member_number}", post=Post.MEMBER)
            pledge = make_pledge(campaign, branch, items=2)
            publish_with_approval(pledge, filer=county.office, approver=county.office_deputy, on=PUBLISHED_ON)
            Supervision.objects.create(
                organization=branch,
                pledge_item=pledge.items.first(),
                supervisor=county.office,
                deadline=datetime.date(2011, 9, 1),
            )


@pytest.fixture
def office_deputy(county):
    county.office_deputy = make_user("office_deputy", "office", organization=county.county)
    return county.office_deputy


@pytest.mark.parametrize("chosen_list", ["organizations", "members", "late", "supervised"])
def test_the_page_runs_the_same_number_of_queries_for_a_bigger_county(
    client, county, campaign, office_deputy, django_assert_num_queries, chosen_list
):
    pledge = publish_branch_a1(county, campaign)
    Supervision.objects.create(
        organization=county.branch_a1,
        pledge_item=pledge.items.get(),
        supervisor=county.office,
        deadline=datetime.date(2011, 9, 1),
    )
    client.force_login(county.office)
    client.get(URL)  # the first visit remembers the campaign in the session: one write
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, {"list": chosen_list}).status_code == 200
    grow_county(county, campaign)
    with django_assert_num_queries(len(small)):
        response = client.get(URL, {"list": chosen_list})
    assert len(response.context["summary"].rows) == 6
    assert response.context["page"].paginator.count > 0


def test_the_summary_runs_six_queries_whatever_the_size(county, campaign, office_deputy, django_assert_num_queries):
    grow_county(county, campaign, townships=2, branches=2)
    with django_assert_num_queries(6):
        summary = coverage_summary(campaign, [county.county], today=timezone.localdate())
    assert summary.organizations == 6 + 2 + 4
    assert summary.organizations_covered == 4
    assert summary.supervised == 4


# --- exports -------------------------------------------------------------------


def test_each_list_exports_to_xlsx_with_the_rows_of_the_page(client, county, campaign):
    pledge = publish_branch_a1(county, campaign)
    Supervision.objects.create(
        organization=county.branch_a1,
        pledge_item=pledge.items.get(),
        supervisor=county.leader_a,
        deadline=datetime.date(2011, 8, 1),
    )
    client.force_login(county.leader_a)

    organizations = workbook_rows(client.get(EXPORT, {"list": "organizations"}))
    assert organizations[0][:2] == ["组织名称", "组织编码"]
    assert [row[0] for row in organizations[1:]] == ["红湾寺镇党委", "许三湾村党支部"]
    assert organizations[1][-1] == "未填报"

    waiting = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    pledge_submit(pledge=waiting, by=county.secretary_user_a1)
    members = workbook_rows(client.get(EXPORT, {"list": "members", "org": county.branch_a1.code}))
    assert members[0] == ["姓名", "所在组织", "组织编码", "职务", "承诺情况"]
    assert {row[0]: row[-1] for row in members[1:]} == {"安秀英": "未填报", "钟建军": "待审核", "兰永福": "未填报"}

    late = workbook_rows(client.get(EXPORT, {"list": "late"}))
    assert late[1][0] == "红湾社区党支部"
    assert late[1][4] == datetime.datetime(2011, 6, 30)
    assert late[1][-1] == "是"

    supervised = workbook_rows(client.get(EXPORT, {"list": "supervised"}))
    assert supervised[0][0] == "督办对象"
    assert supervised[1][:3] == ["承诺事项", "红湾社区党支部：建成社区便民服务站", "红湾社区党支部"]
    assert len(supervised) == 2


def test_export_follows_the_filters(client, county, campaign):
    client.force_login(county.office)
    rows = workbook_rows(client.get(EXPORT, {"list": "organizations", "sector": "community"}))
    assert [row[0] for row in rows[1:]] == ["红湾社区党支部"]


def test_export_of_an_unknown_list_is_not_found(client, county, campaign):
    client.force_login(county.office)
    assert client.get(EXPORT, {"list": "everyone"}).status_code == 404


def test_members_without_pledge_leave_out_those_who_pledged(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a, on=PUBLISHED_ON)
    waiting = members_without_pledge(campaign, [county.branch_a1], today=timezone.localdate())
    assert names(waiting) == {"安秀英", "兰永福"}
