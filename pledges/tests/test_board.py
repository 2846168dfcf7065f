"""The public notice board (公开栏): what the masses may read without logging in, and
nothing else. Every test builds data holding distinctive values and looks for them
in the page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from orgs.tests.factories import make_member
from pledges.assessment import pledge_assess
from pledges.lifecycle import pledge_return, pledge_revise, pledge_submit
from pledges.models import Evidence, Fulfillment, PledgeItem
from pledges.progress import progress_record
from pledges.rectification import (
    follow_up_add,
    rectification_create,
    rectification_publish,
    rectification_report_done,
    supervision_open,
)
from pledges.tests.factories import TINY_PNG, make_pledge, publish_with_approval

pytestmark = pytest.mark.usefixtures("media")  # each test stores its files apart

TODAY = timezone.localdate()  # the app's today (Asia/Shanghai), for dates that must not be later


def board(client, organization):
    response = client.get(reverse("board:organization", args=[organization.notice_board_token]))
    assert response.status_code == 200
    return response.content.decode()


def published_branch_pledge(county, campaign, title="红湾社区党支部年度承诺", **fields):
    pledge = make_pledge(campaign, county.branch_a1, title=title, **fields)
    return publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)


def record(county, item, text, *files, public=True, done=False):
    return progress_record(
        item=item,
        by=county.secretary_user_a1,
        recorded_on=datetime.date(2011, 3, 1),
        text=text,
        marks_done=done,
        files=list(files),
        evidence_public=public,
    )


def rectification(county, campaign, problem, *, category="服务群众", publish=False, **fields):
    task = rectification_create(
        campaign=campaign,
        organization=county.branch_a1,
        category=category,
        problem=problem,
        measure=fields.pop("measure", "排定值班表"),
        owner=fields.pop("owner", "支部书记"),
        deadline=datetime.date(2011, 5, 1),
        by=county.secretary_user_a1,
        **fields,
    )
    task = rectification_report_done(
        rectification=task, result=f"{problem}：已解决", solved_on=datetime.date(2011, 4, 1), by=county.office
    )
    if publish:
        rectification_publish(rectification=task, by=county.secretary_user_a1)
    return task


def test_a_logged_out_visitor_reads_the_board_on_a_phone(client, county, campaign):
    pledge = published_branch_pledge(county, campaign)
    record(county, pledge.items.get(), "服务站主体完工", SimpleUploadedFile("现场.png", TINY_PNG))
    html = board(client, county.branch_a1)
    assert "红湾社区党支部" in html and "红湾社区党支部年度承诺" in html
    assert "建成社区便民服务站" in html and "服务站主体完工" in html
    evidence = Evidence.objects.get()
    assert reverse("board:evidence", args=[county.branch_a1.notice_board_token, evidence.pk]) in html
    # Laid out for a 390 px screen: the viewport follows the device and nothing is a wide table.
    assert 'name="viewport" content="width=device-width' in html
    assert "<table" not in html
    assert "公开栏" in html and "已逾期" in html  # due 2011-06-30, not reported done


def test_unknown_token_is_404(client, county):
    assert client.get(reverse("board:organization", args=["no-such-board-token"])).status_code == 404
    assert client.get(reverse("board:qr", args=["no-such-board-token"])).status_code == 404


def test_the_board_shows_the_published_version_while_a_revision_is_drafted(client, county, campaign):
    pledge = published_branch_pledge(county, campaign)
    pledge_revise(pledge=pledge, by=county.secretary_user_a1)
    pledge.title = "修改中的标题不应公开"
    pledge.save()
    PledgeItem.objects.filter(pledge=pledge).update(target="修改中的新目标不应公开")
    pledge.items.create(order=5, target="草稿中新增的事项", work="新增工作", measurable_result="新增成效")
    html = board(client, county.branch_a1)
    assert "红湾社区党支部年度承诺" in html and "建成社区便民服务站" in html
    for draft_text in ("修改中的标题不应公开", "修改中的新目标不应公开", "草稿中新增的事项"):
        assert draft_text not in html
    # Returned with a reason: still the published version, and never the reason.
    pledge_submit(pledge=pledge, by=county.secretary_user_a1)
    pledge_return(pledge=pledge, by=county.leader_a, reason="退回理由：目标不具体")
    html = board(client, county.branch_a1)
    assert "红湾社区党支部年度承诺" in html
    assert "退回理由" not in html and "目标不具体" not in html


def test_drafts_and_returned_pledges_never_appear(client, county, campaign):
    make_pledge(campaign, county.branch_a1, title="从未提交的草稿承诺", member=county.member_a1)
    returned = make_pledge(campaign, county.branch_a1, title="被退回的承诺", member=county.other_member_a1)
    pledge_submit(pledge=returned, by=county.secretary_user_a1)
    pledge_return(pledge=returned, by=county.leader_a, reason="事项太空泛")
    html = board(client, county.branch_a1)
    for hidden in ("从未提交的草稿承诺", "被退回的承诺", "事项太空泛"):
        assert hidden not in html
    assert "还没有公示的承诺" in html


def test_personal_data_and_internal_notes_never_appear(client, county, campaign):
    member = make_member(
        county.branch_a1, "铁穆尔", birth=datetime.date(1968, 9, 17), phone="13993712345", ethnicity="裕固族"
    )
    member_pledge = make_pledge(campaign, county.branch_a1, member=member, title="铁穆尔的承诺")
    publish_with_approval(member_pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    pledge_assess(
        pledge=member_pledge, by=county.leader_a, fulfillment=Fulfillment.FULFILLED, comment="评定意见：内部掌握"
    )
    branch_pledge = published_branch_pledge(county, campaign)
    item = branch_pledge.items.get()
    record(county, item, "公开的进展", SimpleUploadedFile("公开照片.png", TINY_PNG))
    record(county, item, "另一条进展", SimpleUploadedFile("含个人信息的名单.png", TINY_PNG), public=False)
    supervision = supervision_open(
        item_or_rectification=item,
        supervisor=county.leader_a,
        deadline=TODAY + datetime.timedelta(days=10),
        notes="督办要求：内部",
        by=county.leader_a,
    )
    follow_up_add(supervision=supervision, noted_on=TODAY, note="跟踪情况：约谈书记", by=county.leader_a)

    client.logout()
    html = board(client, county.branch_a1)
    assert "铁穆尔的承诺" in html and "铁穆尔" in html
    assert "兑现评定：已兑现" in html  # the verdict is public …
    assert "评定意见" not in html and "内部掌握" not in html  # … the comment is not
    for personal in ("13993712345", "1968", "9月17日", "裕固族"):
        assert personal not in html
    assert reverse("orgs:member", args=[member.pk]) not in html
    for internal in ("督办要求", "跟踪情况", "约谈书记", "挂牌督办"):
        assert internal not in html
    assert "公开的进展" in html and "另一条进展" in html
    hidden_file = Evidence.objects.get(original_name="含个人信息的名单.png")
    assert "含个人信息的名单" not in html
    assert f"/files/{hidden_file.pk}/" not in html


def test_only_published_rectification_results_appear_sorted_by_category(client, county, campaign):
    rectification(county, campaign, "服务站开放时间不固定", category="服务群众", publish=True, owner="责任人张三丰")
    rectification(county, campaign, "三会一课记录不全", category="制度落实", publish=True)
    rectification(county, campaign, "已整改但未公开的问题", category="服务群众")
    rectification_create(
        campaign=campaign,
        organization=county.branch_a1,
        category="服务群众",
        problem="尚在整改的问题",
        measure="措施",
        owner="书记",
        deadline=datetime.date(2011, 5, 1),
        by=county.secretary_user_a1,
    )
    html = board(client, county.branch_a1)
    assert "服务站开放时间不固定：已解决" in html and "三会一课记录不全" in html
    assert "已整改但未公开的问题" not in html and "尚在整改的问题" not in html
    assert "责任人张三丰" not in html
    # 分门归类: categories in order, each once.
    assert html.index("制度落实") < html.index("三会一课记录不全")
    assert html.index("服务群众") < html.index("服务站开放时间不固定")


def test_another_organizations_board_shows_none_of_it(client, county, campaign):
    pledge = published_branch_pledge(county, campaign)
    record(county, pledge.items.get(), "红湾的进展")
    rectification(county, campaign, "红湾的问题", publish=True)
    html = board(client, county.branch_b1)
    assert "红湾社区党支部年度承诺" not in html and "红湾的进展" not in html and "红湾的问题" not in html


def test_the_board_queries_do_not_grow_with_pledges(client, county, campaign, django_assert_max_num_queries):
    pledge = published_branch_pledge(county, campaign, items=2)
    record(county, pledge.items.first(), "进展", SimpleUploadedFile("a.png", TINY_PNG))
    rectification(county, campaign, "问题", publish=True)
    with django_assert_max_num_queries(12) as few:
        board(client, county.branch_a1)
    for number in range(6):
        member = make_member(county.branch_a1, f"党员{number}", birth=datetime.date(1970 + number, 1, 1))
        member_pledge = make_pledge(campaign, county.branch_a1, member=member, title=f"党员{number}的承诺", items=2)
        publish_with_approval(member_pledge, filer=county.secretary_user_a1, approver=county.leader_a)
        record(county, member_pledge.items.first(), f"党员{number}的进展", SimpleUploadedFile("b.png", TINY_PNG))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = board(client, county.branch_a1)
    assert "党员5的进展" in html


def test_the_qr_poster_points_to_the_absolute_board_address(client, county):
    response = client.get(reverse("board:qr", args=[county.branch_a1.notice_board_token]))
    assert response.status_code == 200
    html = response.content.decode()
    board_url = "http://testserver" + reverse("board:organization", args=[county.branch_a1.notice_board_token])
    assert board_url in html and "<svg" in html and "红湾社区党支部" in html


def test_logged_in_users_find_the_boards_of_their_scope(client, county):
    client.force_login(county.secretary_user_a1)
    html = client.get(reverse("pledges:board_links")).content.decode()
    assert reverse("board:organization", args=[county.branch_a1.notice_board_token]) in html
    assert reverse("board:qr", args=[county.branch_a1.notice_board_token]) in html
    assert county.branch_b1.notice_board_token not in html


def test_the_board_links_page_has_constant_queries(client, county, django_assert_max_num_queries):
    client.force_login(county.office)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("pledges:board_links"))
    for number in range(5):
        make_member(county.branch_a2, f"新党员{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("pledges:board_links"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_board_with_a_photo_fits_a_phone_screen(live_server, county, campaign, new_page):
    pledge = published_branch_pledge(county, campaign)
    record(county, pledge.items.get(), "便民服务站开放，首月代办32件", SimpleUploadedFile("现场.png", TINY_PNG))
    page = new_page(phone=True)
    page.goto(live_server.url + reverse("board:organization", args=[county.branch_a1.notice_board_token]))
    assert "便民服务站开放，首月代办32件" in page.content()
    photo = page.locator("img.board-photo")
    photo.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", photo.element_handle())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
