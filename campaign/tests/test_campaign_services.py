"""Campaign services and selectors: the invariants hold whoever calls them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaign.campaigns.models import Campaign, Phase, SectorTheme, Standard, StandardDimension, StandardSubject
from campaign.campaigns.selectors import phase_on, sector_theme_lines, theme_for_sector
from campaign.campaigns.services import (
    DEFAULT_STANDARDS,
    DimensionInput,
    PhaseInput,
    StandardInput,
    campaign_create,
    campaign_phases_set,
    campaign_sector_themes_set,
    campaign_standards_set,
    campaign_update,
    default_phases,
)
from campaign.tests.factories import dimension
from orgs.models import OrganizationKind, Sector
from orgs.tests.factories import make_organization
from pledges.tests.factories import make_pledge

pytestmark = pytest.mark.django_db

D = datetime.date


def plain_campaign(organization, name, starts_on, ends_on):
    return Campaign.objects.create(organization=organization, name=name, starts_on=starts_on, ends_on=ends_on)


def standard_inputs(campaign, subject, names):
    """The standard of the campaign as it is, with its dimensions replaced by ``names``
    (existing dimensions are kept by name)."""
    standard = Standard.objects.get(campaign=campaign, subject=subject)
    existing = {d.name: d for d in standard.dimensions.all()}
    return StandardInput(
        subject=subject,
        name=standard.name,
        review_focus=standard.review_focus,
        dimensions=[DimensionInput(name, dimension=existing.get(name)) for name in names],
    )


# ---------------------------------------------------------------------------
# The current phase (the campaign in use is campaign.campaigns.access; test_campaign_choice)
# ---------------------------------------------------------------------------


def test_phase_on_a_day(campaign):
    assert phase_on(campaign, D(2010, 4, 26)).name == "动员部署"
    assert phase_on(campaign, D(2011, 6, 1)).name == "全面争创"
    assert phase_on(campaign, D(2012, 6, 30)).name == "总结表彰"
    assert phase_on(campaign, D(2013, 1, 1)) is None


def test_a_sector_without_its_own_theme_works_under_the_campaign_theme(campaign):
    assert theme_for_sector(campaign, Sector.COMMUNITY) == "服务居民群众，构建和谐社区"
    assert theme_for_sector(campaign, Sector.ENTERPRISE) == "创先争优促赶超，科学发展上水平"
    lines = {line.sector: line for line in sector_theme_lines(campaign)}
    assert set(lines) == set(Sector.values)
    assert lines[Sector.COMMUNITY].own and not lines[Sector.ENTERPRISE].own


# ---------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [(D(2010, 5, 10), D(2012, 10, 31)), (D(2011, 1, 1), D(2011, 1, 3)), (D(2011, 1, 1), D(2011, 3, 31))],
)
def test_default_phases_cover_the_campaign_in_order(starts_on, ends_on):
    phases = default_phases(starts_on, ends_on)

    assert [phase.name for phase in phases] == ["动员部署", "全面争创", "总结表彰"]
    assert phases[0].starts_on == starts_on and phases[-1].ends_on == ends_on
    for earlier, later in zip(phases, phases[1:], strict=False):
        assert earlier.starts_on <= earlier.ends_on
        assert later.starts_on == earlier.ends_on + datetime.timedelta(days=1)


def test_a_campaign_of_one_or_two_days_gets_one_phase():
    assert [(p.name, p.starts_on, p.ends_on) for p in default_phases(D(2011, 7, 1), D(2011, 7, 2))] == [
        ("全面争创", D(2011, 7, 1), D(2011, 7, 2))
    ]


def test_campaign_create_fills_in_the_standards_and_phases(county):
    campaign = campaign_create(
        organization=county.county,
        name="创先争优活动",
        theme="创先争优促赶超，科学发展上水平",
        starts_on=D(2010, 5, 10),
        ends_on=D(2012, 10, 31),
        by=county.office,
    )

    assert (campaign.satisfaction_threshold, campaign.review_period_months) == (Decimal("90"), 6)
    assert (campaign.reports_per_month, campaign.models_per_quarter) == (3, 1)
    assert Phase.objects.filter(campaign=campaign).count() == 3
    organization = Standard.objects.get(campaign=campaign, subject=StandardSubject.ORGANIZATION)
    assert (organization.name, organization.review_focus) == ("五个好", "引领发展、服务群众、构建和谐、加强基层组织")
    assert all(d.description for d in organization.dimensions.all())
    assert StandardDimension.objects.filter(standard__campaign=campaign).count() == 10


def test_only_the_office_creates_campaigns(county):
    for user in (county.leader_a, county.secretary_user_a1, county.inspector_b, county.member_user_a1):
        with pytest.raises(PermissionDenied):
            campaign_create(
                organization=county.township_a,
                name="活动",
                theme="",
                starts_on=D(2011, 1, 1),
                ends_on=D(2011, 2, 1),
                by=user,
            )
    assert not Campaign.objects.exists()


def test_the_office_cannot_create_a_campaign_outside_its_scope(county):
    other_county = make_organization("另一县委", kind=OrganizationKind.COUNTY_COMMITTEE)

    with pytest.raises(PermissionDenied):
        campaign_create(
            organization=other_county,
            name="活动",
            theme="",
            starts_on=D(2011, 1, 1),
            ends_on=D(2011, 2, 1),
            by=county.office,
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_on": D(2010, 1, 1)}, "结束日期不能早于开始日期。"),
        ({"satisfaction_threshold": Decimal("100.01")}, "满意率达标线应在 0 到 100 之间。"),
        ({"organization": "branch_a1"}, "活动应由县委、党委、党工委或党总支主办。"),
    ],
)
def test_campaign_create_refuses_bad_basics_and_writes_nothing(county, fields, message):
    values = {
        "organization": county.county,
        "name": "活动",
        "theme": "",
        "starts_on": D(2011, 1, 1),
        "ends_on": D(2011, 12, 31),
        **fields,
    }
    if isinstance(values["organization"], str):
        values["organization"] = getattr(county, values["organization"])

    with pytest.raises(ValidationError) as refused:
        campaign_create(**values, by=county.office)

    assert message in refused.value.messages
    assert not Campaign.objects.exists() and not Phase.objects.exists()


# ---------------------------------------------------------------------------
# Changing
# ---------------------------------------------------------------------------


def test_campaign_update_refuses_dates_that_leave_a_phase_outside(county, campaign):
    with pytest.raises(ValidationError) as refused:
        campaign_update(
            campaign=campaign,
            name="新名字",
            theme=campaign.theme,
            starts_on=D(2010, 6, 1),
            ends_on=campaign.ends_on,
            satisfaction_threshold=Decimal("90"),
            review_period_months=6,
            reports_per_month=3,
            models_per_quarter=1,
            by=county.office,
        )

    assert "动员部署" in refused.value.messages[0]
    campaign.refresh_from_db()
    assert campaign.name == "创先争优活动"


def test_a_leader_cannot_update_the_county_campaign(county, campaign):
    with pytest.raises(PermissionDenied):
        campaign_sector_themes_set(campaign=campaign, themes={Sector.RURAL: "改掉"}, by=county.leader_a)
    assert SectorTheme.objects.get(campaign=campaign, sector=Sector.RURAL).theme == "强组织、增收入、促和谐"


def test_phases_are_numbered_in_date_order(county, campaign):
    phases = {phase.name: phase for phase in Phase.objects.filter(campaign=campaign)}

    campaign_phases_set(
        campaign=campaign,
        phases=[
            PhaseInput("总结表彰", D(2012, 4, 1), D(2012, 6, 30), phases["总结表彰"]),
            PhaseInput("动员部署", D(2010, 4, 26), D(2010, 6, 30), phases["动员部署"]),
            PhaseInput("全面争创", D(2010, 7, 1), D(2012, 3, 31), phases["全面争创"]),
        ],
        by=county.office,
    )

    assert list(Phase.objects.filter(campaign=campaign).order_by("order").values_list("name", flat=True)) == [
        "动员部署",
        "全面争创",
        "总结表彰",
    ]


def test_phases_of_another_campaign_are_refused(county, campaign):
    other = campaign_create(
        organization=county.county, name="另一活动", theme="", starts_on=D(2011, 1, 1), ends_on=D(2011, 12, 31), by=None
    )
    stray = Phase.objects.filter(campaign=other).first()

    with pytest.raises(ValidationError):
        campaign_phases_set(
            campaign=campaign, phases=[PhaseInput("借来的", D(2011, 1, 1), D(2011, 2, 1), stray)], by=county.office
        )
    assert Phase.objects.filter(campaign=other).count() == 3


def test_a_dimension_in_use_is_kept_and_nothing_else_changes(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1)
    pledge.items.update(dimension=dimension(campaign, "带头服务群众"))

    with pytest.raises(ValidationError) as refused:
        campaign_standards_set(
            campaign=campaign,
            standards=[standard_inputs(campaign, StandardSubject.MEMBER, ["带头学习提高", "带头争创佳绩"])],
            by=county.office,
        )

    assert "“带头服务群众”已被 1 条承诺事项对应，不能删除。" in refused.value.messages[0]
    assert StandardDimension.objects.filter(standard__campaign=campaign, standard__subject="member").count() == 5


def test_a_dimension_in_use_may_be_renamed(county, campaign):
    pledge = make_pledge(campaign, county.branch_a1)
    served = dimension(campaign, "带头服务群众")
    pledge.items.update(dimension=served)
    inputs = standard_inputs(campaign, StandardSubject.MEMBER, [d.name for d in DEFAULT_STANDARDS[1].dimensions])
    renamed = [
        DimensionInput("带头服务各族群众", dimension=d.dimension) if d.name == "带头服务群众" else d
        for d in inputs.dimensions
    ]

    campaign_standards_set(
        campaign=campaign,
        standards=[StandardInput(inputs.subject, inputs.name, inputs.review_focus, renamed)],
        by=county.office,
    )

    served.refresh_from_db()
    assert served.name == "带头服务各族群众"
    assert pledge.items.get().dimension == served


def test_sector_themes_one_per_sector_and_blank_removes(county, campaign):
    campaign_sector_themes_set(
        campaign=campaign,
        themes={
            Sector.COMMUNITY: "  服务居民群众，构建和谐社区  ",
            Sector.RURAL: "",
            Sector.ENTERPRISE: "强化组织功能、促进企业发展",
        },
        by=county.office,
    )

    assert dict(SectorTheme.objects.filter(campaign=campaign).values_list("sector", "theme")) == {
        Sector.COMMUNITY: "服务居民群众，构建和谐社区",
        Sector.ENTERPRISE: "强化组织功能、促进企业发展",
    }
    with pytest.raises(ValidationError):
        campaign_sector_themes_set(campaign=campaign, themes={"space": "太空"}, by=county.office)
