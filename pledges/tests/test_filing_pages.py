"""The filing pages as the secretary, the member, the township leader and an outsider use them."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.tests.factories import dimension
from pledges import lifecycle
from pledges.models import Opinion, Pledge, PledgeItem, PledgeState
from pledges.tests.factories import make_pledge

VAGUE = {
    "target": "进一步加强学习，切实提高服务水平",
    "work": "认真学习，努力工作",
    "practical_things": "",
    "dimension": "",
    "due_date": "",
    "measurable_result": "群众满意",
}


@pytest.fixture
def branch_pledge(county, campaign):
    return make_pledge(campaign, county.branch_a1, title="红湾社区党支部2011年公开承诺")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def state_of(pledge):
    return Pledge.objects.get(pk=pledge.pk).state


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------


def test_the_list_groups_organization_and_member_pledges_with_states(client, county, campaign, branch_pledge):
    make_pledge(campaign, county.branch_a1, member=county.member_a1, state=PledgeState.SUBMITTED)
    make_pledge(campaign, county.branch_b1)
    client.force_login(county.secretary_user_a1)
    response = client.get(reverse("pledges:list"))
    assert response.status_code == 200
    assert [p.title for p in response.context["organization_page"]] == ["红湾社区党支部2011年公开承诺"]
    assert [p.member.name for p in response.context["member_page"]] == ["钟建军"]
    page = response.content.decode()
    assert "新建组织承诺" in page and "新建党员承诺" in page
    assert "待审核" in page and "北极村" not in page


def test_the_list_filters_by_state(client, county, campaign, branch_pledge):
    make_pledge(campaign, county.branch_a2, state=PledgeState.PUBLISHED)
    client.force_login(county.leader_a)
    response = client.get(reverse("pledges:list"), {"state": "published"})
    assert [p.organization for p in response.context["organization_page"]] == [county.branch_a2]
    counts = {value: count for value, _label, count in response.context["state_filters"]}
    assert counts["draft"] == 1 and counts["published"] == 1


def test_the_township_leader_sees_what_is_pending_his_approval(client, county, campaign):
    branch = make_pledge(campaign, county.branch_a1, state=PledgeState.SUBMITTED, submitted_by=county.secretary_user_a1)
    vague = make_pledge(campaign, county.branch_a2, state=PledgeState.SUBMITTED, items=0)
    PledgeItem.objects.create(pledge=vague, target="进一步加强学习", work="认真学习", measurable_result="群众满意")
    client.force_login(county.leader_a)
    response = client.get(reverse("pledges:list"))
    assert dict(response.context["pending_rows"]) == {branch: 0, vague: 1}
    assert "待我审核" in response.content.decode()


def test_a_secretary_is_not_asked_to_approve_his_own_branch_pledge(client, county, campaign):
    make_pledge(campaign, county.branch_a1, state=PledgeState.SUBMITTED)
    member = make_pledge(campaign, county.branch_a1, member=county.member_a1, state=PledgeState.SUBMITTED)
    client.force_login(county.secretary_user_a1)
    response = client.get(reverse("pledges:list"))
    assert [pledge for pledge, _vague in response.context["pending_rows"]] == [member]


def test_a_member_sees_the_branch_pledge_and_only_his_own_member_pledge(client, county, campaign, branch_pledge):
    own = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    make_pledge(campaign, county.branch_a1, member=county.other_member_a1)
    client.force_login(county.member_user_a1)
    response = client.get(reverse("pledges:list"))
    assert list(response.context["organization_page"]) == [branch_pledge]
    assert list(response.context["member_page"]) == [own]
    page = response.content.decode()
    assert "新建党员承诺" in page and "新建组织承诺" not in page
    assert not response.context["pending_rows"]


def list_queries(client, user):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("pledges:list")).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_few_and_many_pledges(
    client, county, campaign, django_assert_max_num_queries
):
    client.force_login(county.leader_a)
    make_pledge(campaign, county.branch_a1, state=PledgeState.SUBMITTED)
    make_pledge(campaign, county.branch_a1, member=county.member_a1)
    few = list_queries(client, county.leader_a)
    for index in range(12):
        make_pledge(campaign, county.branch_a2, title=f"承诺{index}", state=PledgeState.SUBMITTED, items=2)
        make_pledge(campaign, county.branch_a1, member=county.member_a1, title=f"党员承诺{index}")
    assert list_queries(client, county.leader_a) == few
    with django_assert_max_num_queries(14):
        client.get(reverse("pledges:list"))


def test_the_list_says_so_when_there_is_no_campaign(client, county):
    client.force_login(county.secretary_user_a1)
    response = client.get(reverse("pledges:list"))
    assert response.status_code == 200 and "还没有开展的活动" in response.content.decode()


def test_a_campaign_outside_the_users_reach_is_404(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    assert client.get(reverse("pledges:list"), {"campaign": 99999}).status_code == 404


# ---------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------


def test_the_secretary_creates_the_branch_pledge(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    form = client.get(reverse("pledges:create"), {"for": "organization"})
    assert set(form.context["form"].fields["organization"].queryset) == {county.branch_a1, county.union_a1}
    response = client.post(
        reverse("pledges:create") + "?for=organization",
        {"campaign": campaign.pk, "organization": county.branch_a1.pk, "kind": "annual", "title": "支部年度承诺"},
    )
    pledge = Pledge.objects.get(title="支部年度承诺")
    assert response.status_code == 302 and response["Location"] == pledge.get_absolute_url()
    assert pledge.organization == county.branch_a1 and pledge.member is None
    assert pledge.created_by == county.secretary_user_a1


def test_the_secretarys_member_picker_lists_only_the_branchs_members(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    response = client.get(reverse("pledges:create"), {"for": "member"})
    names = {member.name for member in response.context["form"].fields["member"].queryset}
    assert names == {"安秀英", "钟建军", "兰永福"}
    client.post(
        reverse("pledges:create") + "?for=member",
        {"campaign": campaign.pk, "member": county.member_b1.pk, "kind": "annual", "title": "外支部党员"},
    )
    assert not Pledge.objects.exists()
    response = client.post(
        reverse("pledges:create") + "?for=member",
        {"campaign": campaign.pk, "member": county.other_member_a1.pk, "kind": "annual", "title": "兰永福的承诺"},
    )
    pledge = Pledge.objects.get()
    assert (pledge.member, pledge.organization) == (county.other_member_a1, county.branch_a1)


def test_a_leader_narrows_the_member_picker_to_one_organization(client, county, campaign):
    client.force_login(county.leader_a)
    response = client.get(reverse("pledges:create"), {"for": "member", "organization": county.branch_a2.code})
    assert [member.name for member in response.context["form"].fields["member"].queryset] == ["贺玉梅"]


def test_a_plain_member_can_create_only_his_own_pledge(client, county, campaign):
    client.force_login(county.member_user_a1)
    response = client.get(reverse("pledges:create"), {"for": "organization"})
    assert response.context["for_member"]
    assert list(response.context["form"].fields["member"].queryset) == [county.member_a1]
    client.post(
        reverse("pledges:create"),
        {"campaign": campaign.pk, "member": county.other_member_a1.pk, "kind": "annual", "title": "替别人填"},
    )
    assert not Pledge.objects.exists()
    client.post(
        reverse("pledges:create"),
        {"campaign": campaign.pk, "member": county.member_a1.pk, "kind": "annual", "title": "我的承诺"},
    )
    assert Pledge.objects.get().member == county.member_a1


def test_an_inspection_group_cannot_open_the_create_page(client, county, campaign):
    client.force_login(county.inspector_b)
    assert client.get(reverse("pledges:create")).status_code == 403


# ---------------------------------------------------------------------------
# Items, opinions and warnings
# ---------------------------------------------------------------------------


def test_a_vague_item_is_saved_with_a_warning_the_filer_sees(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    response = client.post(reverse("pledges:item_add", args=[branch_pledge.pk]), VAGUE)
    item = branch_pledge.items.get(target=VAGUE["target"])
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    assert "有6条提醒" in messages_of(response)[-1]
    page = client.get(branch_pledge.get_absolute_url()).content.decode()
    assert "“可衡量的成效”里没有数字、日期或数量" in page
    assert "没有填写完成时限" in page
    edit = client.get(reverse("pledges:item_edit", args=[item.pk]))
    assert "“争创目标”只有“进一步”“切实提高”一类的套话" in "".join(edit.context["warnings"])


def test_a_concrete_item_is_saved_without_warnings(client, county, campaign, branch_pledge):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("pledges:item_add", args=[branch_pledge.pk]),
        {
            "target": "硬化社区巷道",
            "work": "争取项目资金，组织居民投工投劳",
            "practical_things": "解决居民雨天出行难",
            "dimension": dimension(campaign, "工作业绩好").pk,
            "due_date": "2011-10-31",
            "measurable_result": "10月底前硬化巷道3公里，安装路灯20盏",
        },
    )
    assert messages_of(response) == ["事项已保存。"]
    item = branch_pledge.items.get(target="硬化社区巷道")
    assert item.dimension.name == "工作业绩好" and item.order == 1


def test_an_item_form_with_errors_comes_back(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    response = client.post(reverse("pledges:item_add", args=[branch_pledge.pk]), VAGUE | {"target": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert branch_pledge.items.count() == 1


def test_the_approver_sees_the_same_warnings_on_the_approval_page(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, state=PledgeState.SUBMITTED, items=0)
    PledgeItem.objects.create(pledge=pledge, target=VAGUE["target"], work=VAGUE["work"], measurable_result="群众满意")
    client.force_login(county.leader_a)
    response = client.get(pledge.get_absolute_url())
    assert response.context["actions"] == ["approve", "return"]
    assert response.context["vague_items"] == 1
    page = response.content.decode()
    assert "“可衡量的成效”里没有数字、日期或数量" in page and "审核时请留意" in page


def test_an_opinion_is_recorded_edited_and_deleted_from_the_pages(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    client.post(
        reverse("pledges:opinion_add", args=[branch_pledge.pk]),
        {"solicited_on": "2010-09-01", "method": "forum", "summary": "居民希望就近办低保"},
    )
    opinion = Opinion.objects.get()
    client.post(
        reverse("pledges:opinion_edit", args=[opinion.pk]),
        {"solicited_on": "2010-09-02", "method": "visit", "summary": "入户走访32户"},
    )
    opinion.refresh_from_db()
    assert opinion.method == "visit"
    confirm = client.get(reverse("pledges:opinion_delete", args=[opinion.pk]))
    assert confirm.status_code == 200 and Opinion.objects.exists()
    client.post(reverse("pledges:opinion_delete", args=[opinion.pk]))
    assert not Opinion.objects.exists()


def test_an_item_is_deleted_after_confirmation_and_moved(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    first = branch_pledge.items.get()
    second = PledgeItem.objects.create(
        pledge=branch_pledge, order=1, target="第二项", work="工作", measurable_result="3件"
    )
    client.post(reverse("pledges:item_move", args=[second.pk, "up"]))
    assert list(branch_pledge.items.values_list("pk", flat=True)) == [second.pk, first.pk]
    assert client.post(reverse("pledges:item_move", args=[second.pk, "sideways"])).status_code == 404
    assert client.get(reverse("pledges:item_delete", args=[first.pk])).status_code == 200
    client.post(reverse("pledges:item_delete", args=[first.pk]))
    assert list(branch_pledge.items.all()) == [second]


def test_a_member_editing_his_published_pledge_is_sent_back_with_the_reason(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1, state=PledgeState.PUBLISHED)
    item = pledge.items.get()
    client.force_login(county.member_user_a1)
    response = client.post(reverse("pledges:item_edit", args=[item.pk]), VAGUE)
    assert response.status_code == 302 and response["Location"] == pledge.get_absolute_url()
    assert "修改承诺" in messages_of(response)[-1]
    assert PledgeItem.objects.get(pk=item.pk).target == "建成社区便民服务站"
    page = client.get(pledge.get_absolute_url())
    assert not page.context["editable"] and page.context["actions"] == ["revise"]


def test_a_member_cannot_edit_the_branch_pledge_from_the_pages(client, county, branch_pledge):
    client.force_login(county.member_user_a1)
    assert client.get(reverse("pledges:item_add", args=[branch_pledge.pk])).status_code == 403
    assert (
        client.post(reverse("pledges:edit", args=[branch_pledge.pk]), {"kind": "annual", "title": "x"}).status_code
        == 403
    )


# ---------------------------------------------------------------------------
# Transitions through the pages
# ---------------------------------------------------------------------------


def test_the_whole_flow_through_the_pages(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    response = client.post(reverse("pledges:submit", args=[branch_pledge.pk]))
    assert response.status_code == 302 and state_of(branch_pledge) == PledgeState.SUBMITTED
    assert "等待上级党组织审核" in messages_of(response)[-1]

    client.force_login(county.leader_a)
    client.post(reverse("pledges:approve", args=[branch_pledge.pk]))
    assert state_of(branch_pledge) == PledgeState.APPROVED

    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("pledges:publish", args=[branch_pledge.pk]), {"channel": "notice_board", "published_on": "2011-03-01"}
    )
    assert "第1版" in messages_of(response)[-1]
    pledge = Pledge.objects.get(pk=branch_pledge.pk)
    assert pledge.state == PledgeState.PUBLISHED and pledge.publication_channel == "notice_board"
    assert "已于2011-03-01通过公开栏公示（第1版）" in client.get(pledge.get_absolute_url()).content.decode()

    client.force_login(county.leader_a)
    client.post(reverse("pledges:assess", args=[pledge.pk]), {"fulfillment": "fulfilled", "comment": "服务站已开放"})
    pledge = Pledge.objects.get(pk=pledge.pk)
    assert pledge.state == PledgeState.ASSESSED and pledge.fulfillment == "fulfilled"
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "兑现情况：已兑现" in page and "服务站已开放" in page


def test_returning_needs_a_reason_and_the_reason_is_shown(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, state=PledgeState.SUBMITTED)
    client.force_login(county.leader_a)
    response = client.post(reverse("pledges:return", args=[pledge.pk]), {"reason": ""})
    assert state_of(pledge) == PledgeState.SUBMITTED
    assert messages_of(response) == ["退回时请写明理由，方便对方修改。"]
    client.post(reverse("pledges:return", args=[pledge.pk]), {"reason": "第1项没有写完成时限"})
    assert state_of(pledge) == PledgeState.RETURNED
    client.force_login(county.secretary_user_a1)
    response = client.get(pledge.get_absolute_url())
    assert "第1项没有写完成时限" in response.content.decode()
    assert response.context["editable"] and response.context["actions"] == ["submit"]


def test_publishing_a_draft_from_the_page_is_refused_with_a_message(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("pledges:publish", args=[branch_pledge.pk]), {"channel": "meeting", "published_on": "2011-03-01"}
    )
    assert response.status_code == 302 and response["Location"] == branch_pledge.get_absolute_url()
    assert "不能“公示”" in messages_of(response)[-1]
    assert state_of(branch_pledge) == PledgeState.DRAFT


def test_a_secretary_approving_his_own_branch_pledge_gets_403(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, state=PledgeState.SUBMITTED)
    client.force_login(county.secretary_user_a1)
    assert client.post(reverse("pledges:approve", args=[pledge.pk])).status_code == 403
    assert state_of(pledge) == PledgeState.SUBMITTED


def test_the_secretary_approves_a_members_pledge_from_the_page(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, member=county.member_a1)
    client.force_login(county.member_user_a1)
    client.post(reverse("pledges:submit", args=[pledge.pk]))
    client.force_login(county.secretary_user_a1)
    client.post(reverse("pledges:approve", args=[pledge.pk]))
    assert state_of(pledge) == PledgeState.APPROVED


def test_revising_from_the_page_opens_a_new_version(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, state=PledgeState.PUBLISHED, published_version=1)
    client.force_login(county.secretary_user_a1)
    response = client.post(reverse("pledges:revise", args=[pledge.pk]))
    assert "已公示的版本保留不变" in messages_of(response)[-1]
    assert state_of(pledge) == PledgeState.DRAFT


# ---------------------------------------------------------------------------
# Scope and history
# ---------------------------------------------------------------------------


def every_pledge_url(pledge):
    item = pledge.items.get()
    opinion = Opinion.objects.create(
        pledge=pledge, solicited_on=datetime.date(2010, 9, 1), method="forum", summary="意见"
    )
    return (
        [
            ("GET", reverse(name, args=[pledge.pk]))
            for name in ("pledges:detail", "pledges:edit", "pledges:item_add", "pledges:opinion_add")
            + ("pledges:versions", "pledges:history")
        ]
        + [
            ("GET", reverse("pledges:diff", args=[pledge.pk, 1, 1])),
            ("GET", reverse("pledges:item_edit", args=[item.pk])),
            ("GET", reverse("pledges:item_delete", args=[item.pk])),
            ("POST", reverse("pledges:item_move", args=[item.pk, "up"])),
            ("GET", reverse("pledges:opinion_edit", args=[opinion.pk])),
            ("GET", reverse("pledges:opinion_delete", args=[opinion.pk])),
        ]
        + [
            ("POST", reverse(f"pledges:{action}", args=[pledge.pk]))
            for action in ("submit", "approve", "return", "publish", "revise", "assess")
        ]
    )


def test_another_branchs_secretary_gets_404_on_every_pledge_page(client, county, branch_pledge):
    member_pledge = make_pledge(branch_pledge.campaign, county.branch_a1, member=county.member_a1)
    client.force_login(county.secretary_user_b1)
    for pledge in (branch_pledge, member_pledge):
        for method, url in every_pledge_url(pledge):
            response = client.post(url) if method == "POST" else client.get(url)
            assert response.status_code == 404, url
    assert state_of(branch_pledge) == PledgeState.DRAFT


def test_a_member_gets_404_on_another_members_pledge(client, county, campaign):
    other = make_pledge(campaign, county.branch_a1, member=county.other_member_a1)
    client.force_login(county.member_user_a1)
    assert client.get(other.get_absolute_url()).status_code == 404


def test_history_records_who_changed_what(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    client.post(
        reverse("pledges:item_edit", args=[branch_pledge.items.get().pk]),
        {
            "target": "建成社区便民服务站",
            "work": "协调辖区单位腾出两间办公用房，配备代办员2名",
            "practical_things": "",
            "dimension": "",
            "due_date": "2011-06-30",
            "measurable_result": "每月代办事项不少于40件",
        },
    )
    client.post(reverse("pledges:submit", args=[branch_pledge.pk]))
    client.force_login(county.leader_a)
    client.post(reverse("pledges:return", args=[branch_pledge.pk]), {"reason": "请补充征求意见情况"})
    response = client.get(reverse("pledges:history", args=[branch_pledge.pk]))
    assert response.status_code == 200
    rows = response.context["rows"]
    changes = [(row.who, row.subject, change) for row in rows for change in row.changes]
    assert ("柯长林", "承诺", ("状态", "待审核", "已退回")) in changes
    assert ("柯长林", "承诺", ("退回理由", "", "请补充征求意见情况")) in changes
    assert ("安秀英", "承诺", ("状态", "草稿", "待审核")) in changes
    assert any(
        who == "安秀英"
        and subject.startswith("事项")
        and change[0] == "可衡量的成效"
        and change[2] == "每月代办事项不少于40件"
        for who, subject, change in changes
    )
    assert rows[0].who == "柯长林"  # newest first


def test_history_shows_deleted_items(client, county, branch_pledge):
    item = branch_pledge.items.get()
    client.force_login(county.secretary_user_a1)
    client.post(reverse("pledges:item_delete", args=[item.pk]))
    client.force_login(county.office)
    rows = client.get(reverse("pledges:history", args=[branch_pledge.pk])).context["rows"]
    assert rows[0].action == "删除" and rows[0].who == "安秀英"


def test_history_is_closed_to_the_pledger(client, county, branch_pledge):
    client.force_login(county.secretary_user_a1)
    assert client.get(reverse("pledges:history", args=[branch_pledge.pk])).status_code == 403
    assert "修改记录" not in client.get(branch_pledge.get_absolute_url()).content.decode()
    client.force_login(county.leader_a)
    assert "修改记录" in client.get(branch_pledge.get_absolute_url()).content.decode()


def test_history_page_queries_do_not_grow_with_changes(client, county, branch_pledge, django_assert_max_num_queries):
    for number in range(10):
        item = branch_pledge.items.first()
        item.measurable_result = f"每月代办事项不少于{number}件"
        item._history_user = county.secretary_user_a1
        item.save()
    client.force_login(county.office)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("pledges:history", args=[branch_pledge.pk])).status_code == 200


# ---------------------------------------------------------------------------
# Admin
# ---------------------------------------------------------------------------


@pytest.fixture
def staff_secretary(county):
    user = county.secretary_user_a1
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="pledges",
            codename__in=["view_pledge", "change_pledge", "view_pledgeitem", "change_pledgeitem", "view_pledgeversion"],
        )
    )
    return user


def test_admin_lists_only_the_pledges_in_scope(client, county, campaign, branch_pledge, staff_secretary):
    make_pledge(campaign, county.branch_b1)
    client.force_login(staff_secretary)
    response = client.get(reverse("admin:pledges_pledge_changelist"))
    assert list(response.context["cl"].queryset) == [branch_pledge]


def test_admin_answers_404_for_another_branchs_pledge_and_its_history(client, county, campaign, staff_secretary):
    other = make_pledge(campaign, county.branch_b1)
    client.force_login(staff_secretary)
    assert client.get(reverse("admin:pledges_pledge_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:pledges_pledge_history", args=[other.pk])).status_code == 404
    record = other.history.first()
    url = reverse("admin:pledges_pledge_simple_history", args=[other.pk, record.history_id])
    assert client.get(url).status_code == 404


def test_admin_shows_history_in_scope_without_reverting(client, county, branch_pledge, staff_secretary):
    client.force_login(staff_secretary)
    assert client.get(reverse("admin:pledges_pledge_history", args=[branch_pledge.pk])).status_code == 200
    record = branch_pledge.history.first()
    url = reverse("admin:pledges_pledge_simple_history", args=[branch_pledge.pk, record.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "恢复"}).status_code == 403
    assert Pledge.objects.get(pk=branch_pledge.pk).title == branch_pledge.title


def test_admin_keeps_the_life_cycle_fields_and_published_items_read_only(client, county, campaign, staff_secretary):
    pledge = make_pledge(campaign, county.branch_a1, state=PledgeState.PUBLISHED)
    lifecycle_pledge = Pledge.objects.get(pk=pledge.pk)
    client.force_login(staff_secretary)
    response = client.get(reverse("admin:pledges_pledge_change", args=[pledge.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "state" not in form.fields and "title" in form.fields
    items_inline = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is PledgeItem)
    assert not items_inline.has_change_permission
    assert lifecycle_pledge.state == PledgeState.PUBLISHED


def test_admin_shows_published_versions_read_only(client, county, campaign, staff_secretary):
    pledge = make_pledge(campaign, county.branch_a1, state=PledgeState.APPROVED)
    lifecycle.pledge_publish(
        pledge=pledge, by=county.leader_a, channel="meeting", published_on=datetime.date(2011, 3, 1)
    )
    version = pledge.versions.get()
    client.force_login(staff_secretary)
    response = client.get(reverse("admin:pledges_pledgeversion_change", args=[version.pk]))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    assert client.get(reverse("admin:pledges_pledgeversion_add")).status_code == 403
