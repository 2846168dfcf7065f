"""The campaign pages: the office sets a campaign up and adjusts it; everyone else reads it."""

import datetime

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from campaign.campaigns.models import Campaign, Phase, SectorTheme, Standard, StandardDimension, StandardSubject
from campaign.campaigns.services import PhaseInput, campaign_create
from campaign.tests.factories import dimension, make_campaign
from orgs.models import OrganizationKind, Sector
from orgs.tests.factories import make_organization
from pledges.tests.factories import make_pledge

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# What a browser would post back
# ---------------------------------------------------------------------------


def form_fields(form) -> dict[str, str]:
    """The values a browser sends for a form as it was rendered (checked boxes only)."""
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
            continue
        formatted = "" if value is None else bound.field.widget.format_value(value)
        if isinstance(formatted, list):  # a select gives the chosen values
            formatted = formatted[0] if formatted else ""
        data[bound.html_name] = str(formatted or "")
    return data


def formset_fields(formset) -> dict[str, str]:
    data = form_fields(formset.management_form)
    for form in formset:
        data.update(form_fields(form))
    return data


def rows(formset, field: str) -> dict[str, int]:
    """Index of each row of the formset by the value of one field."""
    return {form[field].value(): index for index, form in enumerate(formset) if form[field].value()}


def page_fields(client, url) -> tuple[dict[str, str], dict]:
    response = client.get(url)
    assert response.status_code == 200
    context = response.context
    if "editors" in context:
        data = {}
        for editor in context["editors"]:
            data.update(form_fields(editor.form))
            data.update(formset_fields(editor.formset))
    elif "formset" in context:
        data = formset_fields(context["formset"])
    else:
        data = form_fields(context["form"])
    return data, context


def text(response) -> str:
    return response.content.decode()


def phase_rows(campaign):
    return list(Phase.objects.filter(campaign=campaign).order_by("order").values_list("name", "starts_on", "ends_on"))


def dimension_names(campaign, subject):
    return list(
        StandardDimension.objects.filter(standard__campaign=campaign, standard__subject=subject)
        .order_by("order", "pk")
        .values_list("name", flat=True)
    )


BASICS = {
    "name": "创先争优活动",
    "theme": "创先争优促赶超，科学发展上水平",
    "starts_on": "2010-05-10",
    "ends_on": "2012-10-31",
    "satisfaction_threshold": "90",
    "review_period_months": "6",
    "reports_per_month": "3",
    "models_per_quarter": "1",
}


# ---------------------------------------------------------------------------
# Creating and editing as the office
# ---------------------------------------------------------------------------


def test_office_creates_a_campaign_that_starts_with_the_usual_phases_and_standards(client, county):
    client.force_login(county.office)

    response = client.post(reverse("campaign:create"), {**BASICS, "organization": county.county.pk})

    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("campaign:phases", args=[campaign.pk])
    assert (campaign.organization, campaign.created_by, campaign.theme) == (
        county.county,
        county.office,
        BASICS["theme"],
    )
    phases = phase_rows(campaign)
    assert [name for name, _start, _end in phases] == ["动员部署", "全面争创", "总结表彰"]
    assert phases[0][1] == campaign.starts_on and phases[-1][2] == campaign.ends_on
    assert all(earlier[2] < later[1] for earlier, later in zip(phases, phases[1:], strict=False))
    assert dimension_names(campaign, StandardSubject.ORGANIZATION) == [
        "领导班子好",
        "党员队伍好",
        "工作机制好",
        "工作业绩好",
        "群众反映好",
    ]
    assert dimension_names(campaign, StandardSubject.MEMBER) == [
        "带头学习提高",
        "带头争创佳绩",
        "带头服务群众",
        "带头遵纪守法",
        "带头弘扬正气",
    ]
    assert "按惯例预置了三个阶段" in text(client.get(response["Location"]))


def test_office_may_run_a_campaign_only_for_committees_in_its_scope(client, county):
    other_county = make_organization("另一县委", kind=OrganizationKind.COUNTY_COMMITTEE)
    client.force_login(county.office)

    choices = client.get(reverse("campaign:create")).context["form"].fields["organization"].queryset
    outside = client.post(reverse("campaign:create"), {**BASICS, "organization": other_county.pk})
    branch = client.post(reverse("campaign:create"), {**BASICS, "organization": county.branch_a1.pk})

    assert set(choices) == {county.county, county.township_a, county.township_b}
    assert "只能选择您管理范围内的县委、党委、党工委或党总支。" in text(outside)
    assert "只能选择您管理范围内的县委、党委、党工委或党总支。" in text(branch)
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2010-01-01"}, "结束日期不能早于开始日期。"),
        ({"satisfaction_threshold": "101"}, "满意率达标线应在 0 到 100 之间。"),
        ({"satisfaction_threshold": "-1"}, "满意率达标线应在 0 到 100 之间。"),
        ({"review_period_months": "13"}, "领导点评周期应在 1 到 12 个月之间。"),
        ({"name": ""}, "请填写活动名称。"),
        ({"starts_on": "2010-13-45"}, "请按“年-月-日”填写日期。"),
    ],
)
def test_bad_campaign_basics_are_refused_in_chinese_and_nothing_is_saved(client, county, changes, message):
    client.force_login(county.office)

    response = client.post(reverse("campaign:create"), {**BASICS, "organization": county.county.pk, **changes})

    assert response.status_code == 200
    assert message in text(response)
    assert not Campaign.objects.exists()


def test_office_edits_the_basics_of_a_campaign(client, county, campaign):
    client.force_login(county.office)
    data, context = page_fields(client, reverse("campaign:edit", args=[campaign.pk]))
    assert "organization" not in context["form"].fields

    data.update(name="深入开展创先争优活动", satisfaction_threshold="85.5", reports_per_month="4")
    response = client.post(reverse("campaign:edit", args=[campaign.pk]), data)

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, str(campaign.satisfaction_threshold), campaign.reports_per_month) == (
        "深入开展创先争优活动",
        "85.50",
        4,
    )


def test_campaign_dates_cannot_leave_a_phase_outside(client, county, campaign):
    client.force_login(county.office)
    data, _context = page_fields(client, reverse("campaign:edit", args=[campaign.pk]))

    data.update(ends_on="2011-12-31", name="改了名字")
    response = client.post(reverse("campaign:edit", args=[campaign.pk]), data)

    assert response.status_code == 200
    assert "阶段“总结表彰”（2012-04-01 至 2012-06-30）不在新的活动日期内" in text(response)
    campaign.refresh_from_db()
    assert (campaign.name, campaign.ends_on) == ("创先争优活动", datetime.date(2012, 6, 30))


def test_office_edits_adds_and_removes_phases_in_one_post(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:phases", args=[campaign.pk])
    data, context = page_fields(client, url)
    index = rows(context["formset"], "name")
    prefix = context["formset"].prefix

    data[f"{prefix}-{index['动员部署']}-ends_on"] = "2010-07-31"
    data[f"{prefix}-{index['全面争创']}-starts_on"] = "2010-08-01"
    data[f"{prefix}-{index['全面争创']}-ends_on"] = "2011-12-31"
    data[f"{prefix}-{index['总结表彰']}-DELETE"] = "on"
    new = len(index)  # the blank row at the end
    data.update(
        {
            f"{prefix}-{new}-name": "巩固提高",
            f"{prefix}-{new}-starts_on": "2012-01-01",
            f"{prefix}-{new}-ends_on": "2012-06-30",
        }
    )
    response = client.post(url, data)

    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    assert phase_rows(campaign) == [
        ("动员部署", datetime.date(2010, 4, 26), datetime.date(2010, 7, 31)),
        ("全面争创", datetime.date(2010, 8, 1), datetime.date(2011, 12, 31)),
        ("巩固提高", datetime.date(2012, 1, 1), datetime.date(2012, 6, 30)),
    ]


@pytest.mark.parametrize(
    ("phase", "field", "value", "message"),
    [
        ("动员部署", "starts_on", "2010-01-01", "阶段不能早于活动开始日期（2010-04-26）。"),
        ("总结表彰", "ends_on", "2012-12-31", "阶段不能晚于活动结束日期（2012-06-30）。"),
        ("全面争创", "starts_on", "2010-06-01", "与阶段“学习动员”的日期重叠"),
        ("全面争创", "ends_on", "2010-06-30", "结束日期不能早于开始日期。"),
        ("总结表彰", "name", "全面争创", "阶段名称“全面争创”重复了。"),
    ],
)
def test_bad_phases_are_refused_in_chinese_and_nothing_is_saved(client, county, campaign, phase, field, value, message):
    before = phase_rows(campaign)
    client.force_login(county.office)
    url = reverse("campaign:phases", args=[campaign.pk])
    data, context = page_fields(client, url)
    index = rows(context["formset"], "name")
    # A valid change in the same post must not be saved either.
    data[f"{context['formset'].prefix}-{index['动员部署']}-name"] = "学习动员"
    data[f"{context['formset'].prefix}-{index[phase]}-{field}"] = value

    response = client.post(url, data)

    assert response.status_code == 200
    assert message in text(response)
    assert phase_rows(campaign) == before


def test_a_campaign_keeps_at_least_one_phase(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:phases", args=[campaign.pk])
    data, context = page_fields(client, url)
    for index in range(context["formset"].initial_form_count()):
        data[f"{context['formset'].prefix}-{index}-DELETE"] = "on"

    response = client.post(url, data)

    assert "至少要有一个阶段。" in text(response)
    assert len(phase_rows(campaign)) == 3


def test_office_renames_reorders_adds_and_removes_standard_dimensions(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:standards", args=[campaign.pk])
    data, context = page_fields(client, url)
    organization_editor, member_editor = context["editors"]
    org = organization_editor.formset
    index = rows(org, "name")

    data[f"{org.prefix}-{index['群众反映好']}-order"] = "1"
    data[f"{org.prefix}-{index['群众反映好']}-name"] = "群众评价好"
    data[f"{org.prefix}-{index['工作机制好']}-DELETE"] = "on"
    new = len(index)
    data[f"{org.prefix}-{new}-name"] = "民族团结好"
    data[f"{org.prefix}-{new}-description"] = "各民族党员群众团结和睦。"
    data[f"{organization_editor.form.prefix}-review_focus"] = "引领发展、服务群众"
    response = client.post(url, data)

    assert response.status_code == 302
    assert dimension_names(campaign, StandardSubject.ORGANIZATION) == [
        "群众评价好",
        "领导班子好",
        "党员队伍好",
        "工作业绩好",
        "民族团结好",
    ]
    assert StandardDimension.objects.get(standard__campaign=campaign, name="民族团结好").description == (
        "各民族党员群众团结和睦。"
    )
    assert (
        Standard.objects.get(campaign=campaign, subject=StandardSubject.ORGANIZATION).review_focus
        == "引领发展、服务群众"
    )
    assert len(dimension_names(campaign, StandardSubject.MEMBER)) == 5
    assert list(
        StandardDimension.objects.filter(standard__campaign=campaign, standard__subject="organization")
        .order_by("order")
        .values_list("order", flat=True)
    ) == [1, 2, 3, 4, 5]


def test_two_dimensions_may_swap_names(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:standards", args=[campaign.pk])
    data, context = page_fields(client, url)
    member = context["editors"][1].formset
    index = rows(member, "name")
    data[f"{member.prefix}-{index['带头学习提高']}-name"] = "带头争创佳绩"
    data[f"{member.prefix}-{index['带头争创佳绩']}-name"] = "带头学习提高"
    first = dimension(campaign, "带头学习提高")

    response = client.post(url, data)

    assert response.status_code == 302
    first.refresh_from_db()
    assert first.name == "带头争创佳绩"


def test_a_dimension_that_pledge_items_serve_cannot_be_removed(client, county, campaign):
    pledge = make_pledge(campaign, county.branch_a1, items=2)
    pledge.items.update(dimension=dimension(campaign, "工作业绩好"))
    client.force_login(county.office)
    url = reverse("campaign:standards", args=[campaign.pk])
    data, context = page_fields(client, url)
    org = context["editors"][0].formset
    index = rows(org, "name")
    data[f"{org.prefix}-{index['工作业绩好']}-DELETE"] = "on"
    data[f"{org.prefix}-{index['领导班子好']}-name"] = "班子建设好"

    response = client.post(url, data)

    assert response.status_code == 200
    assert "“工作业绩好”已被 2 条承诺事项对应，不能删除。" in text(response)
    assert dimension_names(campaign, StandardSubject.ORGANIZATION)[:1] == ["领导班子好"]
    assert "工作业绩好" in dimension_names(campaign, StandardSubject.ORGANIZATION)


def test_duplicate_dimension_names_are_refused(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:standards", args=[campaign.pk])
    data, context = page_fields(client, url)
    member = context["editors"][1].formset
    index = rows(member, "name")
    data[f"{member.prefix}-{index['带头遵纪守法']}-name"] = "带头服务群众"

    response = client.post(url, data)

    assert "同一标准中已有“带头服务群众”，名称不能重复。" in text(response)
    assert "带头遵纪守法" in dimension_names(campaign, StandardSubject.MEMBER)


def test_a_new_dimension_needs_a_name(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:standards", args=[campaign.pk])
    data, context = page_fields(client, url)
    member = context["editors"][1].formset
    data[f"{member.prefix}-{member.initial_form_count()}-description"] = "只写了说明"

    response = client.post(url, data)

    assert "请填写标准内容的名称。" in text(response)
    assert len(dimension_names(campaign, StandardSubject.MEMBER)) == 5


def test_a_campaign_without_a_standard_is_offered_the_usual_one(client, county):
    bare = Campaign.objects.create(
        organization=county.county,
        name="后台建的活动",
        starts_on=datetime.date(2011, 1, 1),
        ends_on=datetime.date(2011, 12, 31),
    )
    client.force_login(county.office)
    url = reverse("campaign:standards", args=[bare.pk])
    data, _context = page_fields(client, url)

    response = client.post(url, data)

    assert response.status_code == 302
    assert dimension_names(bare, StandardSubject.ORGANIZATION)[0] == "领导班子好"
    assert len(dimension_names(bare, StandardSubject.MEMBER)) == 5


def test_office_sets_one_theme_per_sector_and_blank_falls_back_to_the_campaign_theme(client, county, campaign):
    client.force_login(county.office)
    url = reverse("campaign:sector_themes", args=[campaign.pk])
    data, _context = page_fields(client, url)
    assert data[Sector.COMMUNITY] == "服务居民群众，构建和谐社区"

    data.update({Sector.ORGAN: "转变工作作风，建设廉洁高效机关", Sector.RURAL: ""})
    response = client.post(url, data)

    assert response.status_code == 302
    assert dict(SectorTheme.objects.filter(campaign=campaign).values_list("sector", "theme")) == {
        Sector.COMMUNITY: "服务居民群众，构建和谐社区",
        Sector.ORGAN: "转变工作作风，建设廉洁高效机关",
    }
    page = text(client.get(campaign.get_absolute_url()))
    assert "转变工作作风，建设廉洁高效机关" in page
    assert "沿用活动主题：创先争优促赶超，科学发展上水平" in page


# ---------------------------------------------------------------------------
# Reading, and who may not edit
# ---------------------------------------------------------------------------


def test_detail_shows_everything_and_highlights_the_current_phase(client, county):
    today = timezone.localdate()
    running = campaign_create(
        organization=county.county,
        name="正在进行的活动",
        theme="创先争优促赶超，科学发展上水平",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today + datetime.timedelta(days=400),
        phases=[
            PhaseInput("动员部署", today - datetime.timedelta(days=400), today - datetime.timedelta(days=1)),
            PhaseInput("全面争创", today, today + datetime.timedelta(days=400)),
        ],
        sector_themes={Sector.COMMUNITY: "服务居民群众，构建和谐社区"},
        by=None,
    )
    client.force_login(county.office)

    response = client.get(running.get_absolute_url())

    page = text(response)
    assert response.context["current_phase"].name == "全面争创"
    assert page.index("全面争创") < page.index("当前阶段")
    for shown in ("创先争优促赶超，科学发展上水平", "90%", "每 6 个月至少一次", "每月不少于 3 条", "每季度至少 1 个"):
        assert shown in page
    for shown in ("五个好", "领导班子好", "引领发展、服务群众、构建和谐、加强基层组织", "五带头", "带头弘扬正气"):
        assert shown in page
    assert "服务居民群众，构建和谐社区" in page
    assert page.index("五个好") < page.index("五带头")
    assert reverse("campaign:phases", args=[running.pk]) in page


@pytest.mark.parametrize("user", ["leader_a", "secretary_user_a1", "member_user_a1", "inspector_b"])
def test_others_read_the_campaign_without_edit_links(client, county, campaign, user):
    # The campaign runs at the county: above the organizations each of them sees.
    client.force_login(getattr(county, user))

    response = client.get(campaign.get_absolute_url())

    assert response.status_code == 200
    page = text(response)
    assert "领导班子好" in page and "本页只供查看" in page
    for name in ("edit", "phases", "standards", "sector_themes"):
        assert reverse(f"campaign:{name}", args=[campaign.pk]) not in page
    assert reverse("campaign:create") not in text(client.get(reverse("campaign:list")))


@pytest.mark.parametrize("user", ["leader_a", "secretary_user_a1", "member_user_a1", "inspector_b"])
@pytest.mark.parametrize("name", ["edit", "phases", "standards", "sector_themes"])
def test_others_get_403_on_edit_pages_and_change_nothing(client, county, campaign, user, name):
    client.force_login(getattr(county, user))
    url = reverse(f"campaign:{name}", args=[campaign.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "改掉", Sector.RURAL: "改掉"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.name == "创先争优活动"
    assert SectorTheme.objects.get(campaign=campaign, sector=Sector.RURAL).theme == "强组织、增收入、促和谐"


def test_leader_cannot_create_a_campaign_even_for_their_own_township(client, county):
    client.force_login(county.leader_a)

    response = client.post(reverse("campaign:create"), {**BASICS, "organization": county.township_a.pk})

    assert response.status_code == 403
    assert "只有活动办公室可以新建活动。" in text(response)
    assert not Campaign.objects.exists()


def test_a_campaign_of_another_county_is_not_found(client, county):
    other_county = make_organization("另一县委", kind=OrganizationKind.COUNTY_COMMITTEE)
    elsewhere = make_campaign(other_county, name="外县的活动")
    client.force_login(county.office)

    for name in ("detail", "edit", "phases", "standards", "sector_themes"):
        assert client.get(reverse(f"campaign:{name}", args=[elsewhere.pk])).status_code == 404
    assert elsewhere.name not in text(client.get(reverse("campaign:list")))


def test_township_leader_sees_the_county_campaign_but_not_another_township_s(client, county, campaign):
    beside = Campaign.objects.create(
        organization=county.township_b,
        name="康乐乡党建活动",
        starts_on=datetime.date(2011, 1, 1),
        ends_on=datetime.date(2011, 12, 31),
    )
    client.force_login(county.leader_a)

    page = text(client.get(reverse("campaign:list")))

    assert campaign.name in page and beside.name not in page
    assert client.get(beside.get_absolute_url()).status_code == 404


def test_campaign_list_queries_do_not_grow_with_campaigns(client, county, django_assert_max_num_queries):
    client.force_login(county.office)
    make_campaign(county.county)
    client.get(reverse("campaign:list"))  # warm the session and the user
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("campaign:list"))
    for number in range(5):
        make_campaign(county.township_a, name=f"活动{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("campaign:list"))
    assert len(response.context["rows"]) == 6


def test_campaign_detail_queries_do_not_grow_with_rows(client, county, campaign, django_assert_max_num_queries):
    client.force_login(county.office)
    client.get(campaign.get_absolute_url())
    with django_assert_max_num_queries(12) as few:
        client.get(campaign.get_absolute_url())
    standard = Standard.objects.get(campaign=campaign, subject=StandardSubject.MEMBER)
    for number in range(5):
        StandardDimension.objects.create(standard=standard, name=f"带头{number}", order=10 + number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(campaign.get_absolute_url())


# ---------------------------------------------------------------------------
# Admin, the fallback
# ---------------------------------------------------------------------------


def admin_change_fields(response) -> dict[str, str]:
    data = form_fields(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(formset_fields(inline.formset))
    return data


@pytest.fixture
def staff_leader(county):
    from django.contrib.auth.models import Permission

    user = county.leader_a
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="campaign", codename__regex=r"^(view|change)_")
    )
    return user


def test_admin_edits_a_campaign_with_its_inlines(client, county, campaign):
    from orgs.tests.factories import make_user

    admin_user = make_user("root", "office", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:campaign_campaign_change", args=[campaign.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert client.get(reverse("admin:campaign_standarddimension_changelist")).status_code == 200

    data = admin_change_fields(response)
    data["name"] = "后台改的名字"
    assert client.post(url, data).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).name == "后台改的名字"

    inlines = response.context["inline_admin_formsets"]
    phases = next(inline.formset for inline in inlines if inline.formset.model is Phase)
    data[f"{phases.prefix}-0-starts_on"] = "2009-01-01"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "阶段不能早于活动开始日期（2010-04-26）。" in text(refused)
    assert Phase.objects.filter(campaign=campaign, starts_on=datetime.date(2009, 1, 1)).count() == 0


def test_admin_shows_a_leader_the_county_campaign_read_only_and_hides_others(client, county, campaign, staff_leader):
    beside = Campaign.objects.create(
        organization=county.township_b,
        name="康乐乡活动",
        starts_on=datetime.date(2011, 1, 1),
        ends_on=datetime.date(2011, 2, 1),
    )
    client.force_login(staff_leader)

    listed = client.get(reverse("admin:campaign_campaign_changelist")).context["cl"].queryset
    county_page = client.get(reverse("admin:campaign_campaign_change", args=[campaign.pk]))

    assert set(listed) == {campaign}
    assert county_page.status_code == 200 and not county_page.context["has_change_permission"]
    assert client.get(reverse("admin:campaign_campaign_change", args=[beside.pk])).status_code == 404
    client.post(reverse("admin:campaign_campaign_change", args=[campaign.pk]), {"name": "改掉"})
    assert Campaign.objects.get(pk=campaign.pk).name == "创先争优活动"


def test_office_sets_whom_a_campaign_judges_on_its_form(client, county, campaign):
    client.force_login(county.office)
    data, context = page_fields(client, reverse("campaign:edit", args=[campaign.pk]))
    assert data["subjects"] == "party"

    data.update(subjects="units")
    response = client.post(reverse("campaign:edit", args=[campaign.pk]), data)

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.subjects == "units" and campaign.covers_all_staff
    assert "活动对象：单位和全体职工" in text(client.get(campaign.get_absolute_url()))
