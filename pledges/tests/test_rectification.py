"""集中核查: rectification tasks, publishing them by category, and 挂牌督办 with follow-ups."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from orgs.models import Role
from orgs.tests.factories import make_user
from pledges.models import FollowUp, Rectification, RectificationSource, RectificationStatus, Supervision
from pledges.progress import progress_record
from pledges.rectification import (
    follow_up_add,
    may_supervise,
    rectification_create,
    rectification_publish,
    rectification_report_done,
    rectification_update,
    supervision_close,
    supervision_open,
)
from pledges.tests.factories import make_pledge, publish_with_approval

# Collected once: for dates that only have to be past. What must be today (or after it)
# asks timezone.localdate() when the test runs, which may be after midnight in Shanghai.
TODAY = timezone.localdate()
NEXT_MONTH = TODAY + datetime.timedelta(days=30)


def task(county, campaign, *, organization=None, category="服务群众", problem="便民服务站开放时间不固定", **fields):
    return rectification_create(
        campaign=campaign,
        organization=organization or county.branch_a1,
        category=category,
        problem=problem,
        measure=fields.pop("measure", "排定值班表并在公开栏公布"),
        owner=fields.pop("owner", "支部书记 安秀英"),
        deadline=fields.pop("deadline", datetime.date(2011, 5, 1)),
        by=fields.pop("by", county.secretary_user_a1),
        **fields,
    )


def solved(county, rectification, result="值班表已公布，每天8:30至17:30开放"):
    return rectification_report_done(
        rectification=rectification, result=result, solved_on=datetime.date(2011, 4, 20), by=county.secretary_user_a1
    )


@pytest.fixture
def late_item(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, title="红湾社区党支部承诺")
    publish_with_approval(pledge, filer=county.secretary_user_a1, approver=county.leader_a)
    return pledge.items.get()  # due 2011-06-30, long past


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------


def test_secretary_registers_a_task_through_the_page(client, county, campaign):
    client.force_login(county.secretary_user_a1)
    url = reverse("pledges:rectification_create")
    assert client.get(url).context["organization"] == county.branch_a1
    response = client.post(
        url,
        {
            "organization": county.branch_a1.code,
            "campaign": campaign.pk,
            "source": "found_problem",
            "category": "服务群众",
            "problem": "便民服务站开放时间不固定",
            "measure": "排定值班表并在公开栏公布",
            "owner": "支部书记 安秀英",
            "deadline": "2011-05-01",
            "member": county.member_a1.pk,
        },
    )
    rectification = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == rectification.get_absolute_url()
    assert (rectification.organization, rectification.member, rectification.created_by) == (
        county.branch_a1,
        county.member_a1,
        county.secretary_user_a1,
    )
    assert rectification.status == RectificationStatus.OPEN


def test_a_member_of_another_branch_cannot_be_made_responsible(county, campaign):
    with pytest.raises(ValidationError, match="本组织的党员"):
        task(county, campaign, member=county.member_b1)


def test_a_secretary_cannot_register_a_task_for_another_branch(client, county, campaign):
    with pytest.raises(PermissionDenied):
        task(county, campaign, organization=county.branch_b1)
    client.force_login(county.secretary_user_a1)
    url = reverse("pledges:rectification_create") + f"?organization={county.branch_b1.code}"
    assert client.get(url).status_code == 404


def test_a_member_and_an_inspector_cannot_register_tasks(client, county):
    for user in (county.member_user_a1, county.inspector_b):
        client.force_login(user)
        assert client.get(reverse("pledges:rectification_create")).status_code == 403


def test_a_late_item_becomes_a_task_with_the_item_filled_in(client, county, late_item):
    client.force_login(county.secretary_user_a1)
    page = client.get(reverse("pledges:item_progress", args=[late_item.pk])).content.decode()
    create_url = reverse("pledges:rectification_create")
    assert f"{create_url}?organization={county.branch_a1.code}&amp;item={late_item.pk}" in page
    form = client.get(create_url, {"organization": county.branch_a1.code, "item": late_item.pk}).context["form"]
    assert form.initial["pledge_item"] == late_item.pk and form.initial["source"] == "pledge"


def test_editing_keeps_the_task_and_refuses_solved_without_a_result(county, campaign):
    rectification = task(county, campaign)
    rectification_update(
        rectification=rectification, by=county.secretary_user_a1, measure="每周一公示值班表", status="in_progress"
    )
    rectification.refresh_from_db()
    assert (rectification.measure, rectification.status) == ("每周一公示值班表", RectificationStatus.IN_PROGRESS)
    with pytest.raises(ValidationError, match="整改完成"):
        rectification_update(rectification=rectification, by=county.secretary_user_a1, status="solved")


def test_edit_page_saves_changes(client, county, campaign):
    rectification = task(county, campaign)
    client.force_login(county.secretary_user_a1)
    response = client.post(
        reverse("pledges:rectification_edit", args=[rectification.pk]),
        {
            "source": "found_problem",
            "category": "制度落实",
            "problem": rectification.problem,
            "measure": "建立值班制度",
            "owner": "副书记",
            "deadline": "2011-06-01",
            "status": "in_progress",
        },
    )
    assert response.status_code == 302
    rectification.refresh_from_db()
    assert (rectification.category, rectification.measure, rectification.deadline) == (
        "制度落实",
        "建立值班制度",
        datetime.date(2011, 6, 1),
    )


def test_solve_then_publish_and_a_published_result_cannot_be_edited(client, county, campaign):
    rectification = task(county, campaign)
    with pytest.raises(ValidationError, match="只有报告整改完成"):
        rectification_publish(rectification=rectification, by=county.secretary_user_a1)
    client.force_login(county.secretary_user_a1)
    client.post(
        reverse("pledges:rectification_report", args=[rectification.pk]),
        {"result": "值班表已公布", "solved_on": "2011-04-20"},
    )
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.SOLVED and rectification.solved_on == datetime.date(2011, 4, 20)
    client.post(reverse("pledges:rectification_publish", args=[rectification.pk]))
    rectification.refresh_from_db()
    assert rectification.is_published and rectification.published_on == timezone.localdate()
    with pytest.raises(ValidationError, match="先撤回公开"):
        rectification_update(rectification=rectification, by=county.secretary_user_a1, measure="改过的措施")
    assert client.get(reverse("pledges:rectification_edit", args=[rectification.pk])).status_code == 302
    client.post(reverse("pledges:rectification_unpublish", args=[rectification.pk]))
    rectification.refresh_from_db()
    assert not rectification.is_published


def test_a_future_solved_date_is_refused(county, campaign):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        rectification_report_done(
            rectification=task(county, campaign),
            result="已完成",
            solved_on=timezone.localdate() + datetime.timedelta(days=1),
            by=county.secretary_user_a1,
        )


def test_a_leader_may_only_read_another_townships_task(client, county, campaign):
    rectification = task(county, campaign)
    leader_b = make_user("leader_b", Role.LEADER, organization=county.township_b)
    client.force_login(leader_b)
    assert client.get(rectification.get_absolute_url()).status_code == 404
    client.force_login(county.inspector_b)
    assert client.get(rectification.get_absolute_url()).status_code == 404


def test_the_list_flags_late_tasks_and_filters(client, county, campaign, django_assert_max_num_queries):
    late = task(county, campaign, problem="逾期的问题", deadline=datetime.date(2011, 5, 1))
    task(county, campaign, problem="按期的问题", category="制度落实", deadline=NEXT_MONTH)
    solved(county, task(county, campaign, problem="已解决的问题", deadline=datetime.date(2011, 5, 1)))
    client.force_login(county.leader_a)
    url = reverse("pledges:rectifications")
    page = client.get(url)
    flagged = {row.problem: row.late for row in page.context["page"]}
    assert flagged == {"逾期的问题": True, "按期的问题": False, "已解决的问题": False}
    assert [row.pk for row in client.get(url, {"late": "1"}).context["page"]] == [late.pk]
    assert [row.problem for row in client.get(url, {"category": "制度落实"}).context["page"]] == ["按期的问题"]
    assert [row.problem for row in client.get(url, {"status": "solved"}).context["page"]] == ["已解决的问题"]
    rows = client.get(url, {"organization": county.branch_a2.code}).context["page"]
    assert list(rows) == []

    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for number in range(10):
        task(county, campaign, problem=f"问题{number}", member=county.member_a1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["page"]) == 13


def test_another_branch_secretary_does_not_see_the_tasks(client, county, campaign):
    task(county, campaign)
    client.force_login(county.secretary_user_b1)
    assert len(client.get(reverse("pledges:rectifications")).context["page"]) == 0


# ---------------------------------------------------------------------------
# 分门归类
# ---------------------------------------------------------------------------


def test_solved_tasks_are_grouped_by_category_and_published_a_category_at_a_time(client, county, campaign):
    solved(county, task(county, campaign, category="服务群众", problem="服务站开放时间不固定"))
    solved(county, task(county, campaign, category="服务群众", problem="代办事项无台账"))
    solved(county, task(county, campaign, category="制度落实", problem="三会一课不规范"))
    task(county, campaign, category="服务群众", problem="尚未整改的问题")
    client.force_login(county.secretary_user_a1)
    groups = client.get(reverse("pledges:rectification_categories")).context["groups"]
    assert [(group["category"], len(group["tasks"]), group["unpublished"]) for group in groups] == [
        ("制度落实", 1, 1),
        ("服务群众", 2, 2),
    ]
    response = client.post(reverse("pledges:rectification_publish_category"), {"category": "服务群众"})
    assert response.status_code == 302
    published = set(Rectification.objects.filter(is_published=True).values_list("problem", flat=True))
    assert published == {"服务站开放时间不固定", "代办事项无台账"}


def test_publishing_a_category_touches_only_what_the_user_may_change(client, county, campaign):
    solved(county, task(county, campaign, category="服务群众"))
    other = rectification_create(
        campaign=campaign,
        organization=county.branch_b1,
        category="服务群众",
        problem="北极村的问题",
        measure="措施",
        owner="书记",
        deadline=datetime.date(2011, 5, 1),
        by=county.secretary_user_b1,
    )
    rectification_report_done(
        rectification=other, result="已解决", solved_on=datetime.date(2011, 4, 1), by=county.office
    )
    client.force_login(county.secretary_user_a1)
    client.post(reverse("pledges:rectification_publish_category"), {"category": "服务群众"})
    other.refresh_from_db()
    assert not other.is_published
    assert Rectification.objects.filter(is_published=True).count() == 1


def test_an_inspector_reads_the_category_page_but_cannot_publish(client, county, campaign):
    client.force_login(county.inspector_b)
    assert client.get(reverse("pledges:rectification_categories")).status_code == 200
    response = client.post(reverse("pledges:rectification_publish_category"), {"category": "服务群众"})
    assert response.status_code == 403


# ---------------------------------------------------------------------------
# 挂牌督办
# ---------------------------------------------------------------------------


def open_on(item_or_rectification, *, by, supervisor=None, notes="月底前报送整改进展"):
    return supervision_open(
        item_or_rectification=item_or_rectification,
        supervisor=supervisor or by,
        deadline=NEXT_MONTH,
        notes=notes,
        by=by,
    )


def test_the_office_and_the_township_leader_may_supervise_a_branch_but_not_its_secretary(county):
    assert may_supervise(county.office, county.branch_a1)
    assert may_supervise(county.leader_a, county.branch_a1)
    assert not may_supervise(county.secretary_user_a1, county.branch_a1)
    assert not may_supervise(county.leader_a, county.township_a)  # not strictly above itself
    assert not may_supervise(county.inspector_b, county.branch_b1)  # read-only


def test_the_leader_lists_a_late_item_for_supervision_through_the_page(client, county, late_item):
    client.force_login(county.leader_a)
    url = reverse("pledges:supervision_open_item", args=[late_item.pk])
    form = client.get(url).context["form"]
    assert county.leader_a in form.fields["supervisor"].queryset
    assert county.secretary_user_a1 not in form.fields["supervisor"].queryset
    response = client.post(url, {"supervisor": county.leader_a.pk, "deadline": NEXT_MONTH.isoformat(), "notes": "抓紧"})
    supervision = Supervision.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("pledges:supervision", args=[supervision.pk])
    assert (supervision.organization, supervision.pledge_item, supervision.opened_by) == (
        county.branch_a1,
        late_item,
        county.leader_a,
    )


def test_the_branch_secretary_gets_403_when_listing_for_supervision(client, county, late_item):
    client.force_login(county.secretary_user_a1)
    url = reverse("pledges:supervision_open_item", args=[late_item.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"supervisor": county.secretary_user_a1.pk, "deadline": NEXT_MONTH.isoformat()})
    assert response.status_code == 403
    assert not Supervision.objects.exists()
    with pytest.raises(PermissionDenied):
        open_on(late_item, by=county.secretary_user_a1)


def test_another_townships_leader_gets_404(client, county, campaign, late_item):
    leader_b = make_user("leader_b", Role.LEADER, organization=county.township_b)
    client.force_login(leader_b)
    assert client.get(reverse("pledges:supervision_open_item", args=[late_item.pk])).status_code == 404
    rectification = task(county, campaign)
    assert client.get(reverse("pledges:supervision_open_rectification", args=[rectification.pk])).status_code == 404


def test_an_item_on_track_or_done_is_not_supervised(county, late_item):
    progress_record(
        item=late_item,
        by=county.secretary_user_a1,
        recorded_on=datetime.date(2011, 6, 1),
        text="服务站已开放",
        marks_done=True,
    )
    late_item.refresh_from_db()
    with pytest.raises(ValidationError, match="逾期未完成"):
        open_on(late_item, by=county.office)


def test_a_solved_task_is_not_supervised_and_an_open_one_only_once(county, campaign):
    rectification = task(county, campaign)
    open_on(rectification, by=county.office)
    with pytest.raises(ValidationError, match="已在挂牌督办中"):
        open_on(rectification, by=county.leader_a)
    with pytest.raises(ValidationError, match="无需挂牌督办"):
        open_on(solved(county, task(county, campaign)), by=county.office)


def test_the_supervisor_must_be_someone_above_the_organization(county, late_item):
    with pytest.raises(ValidationError, match="督办人"):
        open_on(late_item, by=county.leader_a, supervisor=county.secretary_user_a1)


def test_follow_ups_then_closing(client, county, late_item):
    supervision = open_on(late_item, by=county.leader_a, supervisor=county.leader_a)
    follow_up_add(supervision=supervision, noted_on=TODAY, note="已约谈支部书记", by=county.office)
    # The inspection group files its notes in the subtree it inspects; not elsewhere.
    with pytest.raises(PermissionDenied):
        follow_up_add(supervision=supervision, noted_on=TODAY, note="督查", by=county.inspector_b)
    with pytest.raises(PermissionDenied):
        follow_up_add(supervision=supervision, noted_on=TODAY, note="自己写", by=county.secretary_user_a1)

    client.force_login(county.leader_a)
    url = reverse("pledges:supervision", args=[supervision.pk])
    client.post(
        reverse("pledges:supervision_follow_up", args=[supervision.pk]), {"noted_on": "2011-07-05", "note": "实地查看"}
    )
    assert set(FollowUp.objects.values_list("note", flat=True)) == {"已约谈支部书记", "实地查看"}
    client.post(reverse("pledges:supervision_close", args=[supervision.pk]), {"closing_note": ""})
    supervision.refresh_from_db()
    assert supervision.closed_at is None  # a closing note is required
    client.post(reverse("pledges:supervision_close", args=[supervision.pk]), {"closing_note": "服务站已开放，销号"})
    supervision.refresh_from_db()
    assert supervision.closed_at is not None and supervision.closing_note == "服务站已开放，销号"
    with pytest.raises(ValidationError, match="已销号"):
        follow_up_add(supervision=supervision, noted_on=TODAY, note="再跟踪", by=county.office)
    with pytest.raises(ValidationError, match="已经销号"):
        supervision_close(supervision=supervision, closing_note="再销一次", by=county.office)
    page = client.get(url)
    assert page.context["follow_up_form"] is None and page.context["close_form"] is None
    # Once closed, the item may be listed again if it is still late.
    open_on(late_item, by=county.office)


def test_an_inspector_adds_follow_ups_in_the_subtree_it_inspects(county, campaign):
    rectification = task(county, campaign, organization=county.branch_b1, by=county.secretary_user_b1)
    supervision = open_on(rectification, by=county.office)
    follow_up_add(supervision=supervision, noted_on=TODAY, note="督查组实地检查", by=county.inspector_b)
    assert FollowUp.objects.get().noted_by == county.inspector_b
    with pytest.raises(PermissionDenied):
        supervision_close(supervision=supervision, closing_note="销号", by=county.inspector_b)


def test_the_supervision_list_shows_follow_ups_with_constant_queries(
    client, county, campaign, django_assert_max_num_queries
):
    first = open_on(task(county, campaign, problem="问题一"), by=county.office)
    follow_up_add(supervision=first, noted_on=TODAY, note="第一次跟踪", by=county.office)
    client.force_login(county.leader_a)
    url = reverse("pledges:supervisions")
    with django_assert_max_num_queries(30) as few:
        page = client.get(url)
    assert "第一次跟踪" in page.content.decode()
    for number in range(8):
        supervision = open_on(task(county, campaign, problem=f"问题{number}"), by=county.office)
        follow_up_add(supervision=supervision, noted_on=TODAY, note=f"跟踪{number}", by=county.office)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["page"]) == 9
    assert len(client.get(url, {"show": "closed"}).context["page"]) == 0


def test_a_member_sees_supervision_of_the_branch_but_not_of_another_members_pledge(client, county, campaign):
    branch_task = task(county, campaign, problem="支部的问题")
    others_task = task(county, campaign, problem="兰永福的问题", member=county.other_member_a1)
    open_on(branch_task, by=county.office)
    hidden = open_on(others_task, by=county.office)
    client.force_login(county.member_user_a1)
    rows = client.get(reverse("pledges:supervisions")).context["page"]
    assert [row.rectification.problem for row in rows] == ["支部的问题"]
    assert client.get(reverse("pledges:supervision", args=[hidden.pk])).status_code == 404


def test_an_inspector_opens_a_task_only_from_a_finding_and_only_in_its_subtree(county, campaign):
    found = task(
        county, campaign, organization=county.branch_b1, by=county.inspector_b, source=RectificationSource.INSPECTION
    )
    assert found.found_by == county.inspector_b and found.created_by == county.inspector_b
    with pytest.raises(PermissionDenied):
        task(county, campaign, organization=county.branch_b1, by=county.inspector_b)
    with pytest.raises(PermissionDenied):
        task(
            county,
            campaign,
            organization=county.branch_a1,
            by=county.inspector_b,
            source=RectificationSource.INSPECTION,
        )
    # A secretary's own task from the same source names no finder.
    assert task(county, campaign, by=county.secretary_user_a1, source=RectificationSource.INSPECTION).found_by is None
