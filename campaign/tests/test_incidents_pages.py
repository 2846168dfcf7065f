"""重大情况报告 pages: a unit reports, an inspection group registers a 瞒报, the register
marks each line, others' incidents answer 404, the office sets the kinds, and the
dashboard counts them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.incidents.models import Incident, IncidentKind, Severity, VetoRule
from orgs.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OCCURRED = timezone.make_aware(datetime.datetime(2011, 3, 5, 9, 0))
HOUR = datetime.timedelta(hours=1)


def login(client, user):
    client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def kind(campaign):
    return IncidentKind.objects.create(
        campaign=campaign, name="安全生产事故", phone_limit_hours=1, written_limit_hours=24, veto_rule=VetoRule.LATE
    )


def make_incident(campaign, organization, kind, *, phoned=HOUR, written=HOUR, found=False, summary="仓库发生火情。"):
    return Incident.objects.create(
        campaign=campaign,
        organization=organization,
        kind=kind,
        summary=summary,
        occurred_at=OCCURRED,
        phoned_at=phoned and OCCURRED + phoned,
        written_at=written and OCCURRED + written,
        found_by_inspection=found,
    )


def form_data(county, kind, **changes):
    data = {
        "organization": county.branch_a1.code,
        "kind": kind.pk,
        "severity": Severity.GENERAL,
        "occurred_at": "2011-03-05T09:00",
        "phoned_at": "2011-03-05T09:40",
        "written_at": "2011-03-05T20:00",
        "summary": "社区仓库发生火情，无人员伤亡。",
        "actions": "及时扑灭，排查隐患。",
    }
    data.update(changes)
    return data


def test_a_secretary_reports_an_incident_and_sees_it_on_time(client, county, campaign, kind):
    login(client, county.secretary_user_a1)
    page = client.get(reverse("campaign:incident_report"))
    assert page.status_code == 200 and "报告重大情况" in page.content.decode()
    response = client.post(reverse("campaign:incident_report"), form_data(county, kind))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.organization == county.branch_a1 and incident.registered_by == county.secretary_user_a1
    detail = client.get(incident.get_absolute_url()).content.decode()
    assert 'data-timeliness="on_time"' in detail and "按时报告" in detail
    assert 'data-veto="1"' not in detail


def test_a_late_report_shows_late_with_its_veto_and_rectification(client, county, campaign, kind):
    login(client, county.secretary_user_a1)
    client.post(reverse("campaign:incident_report"), form_data(county, kind, phoned_at="2011-03-05T11:00"))
    incident = Incident.objects.get()
    assert incident.rectification is not None
    detail = client.get(incident.get_absolute_url()).content.decode()
    assert 'data-timeliness="late"' in detail and 'data-veto="1"' in detail
    assert incident.rectification.get_absolute_url() in detail


def test_a_report_with_times_out_of_order_is_refused_with_a_clear_message(client, county, campaign, kind):
    login(client, county.secretary_user_a1)
    response = client.post(reverse("campaign:incident_report"), form_data(county, kind, phoned_at="2011-03-05T08:00"))
    assert response.status_code == 200
    assert "电话报告时间不能早于发生时间" in response.content.decode()
    assert not Incident.objects.exists()


def test_a_secretary_cannot_report_for_another_branch(client, county, campaign, kind):
    login(client, county.secretary_user_a1)
    response = client.post(
        reverse("campaign:incident_report"), form_data(county, kind, organization=county.branch_b1.code)
    )
    # The other branch is not among the choices the form offers.
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_an_outsider_gets_404_for_an_incident_of_another_branch(client, county, campaign, kind):
    incident = make_incident(campaign, county.branch_a1, kind)
    login(client, county.secretary_user_b1)
    assert client.get(incident.get_absolute_url()).status_code == 404
    assert client.get(reverse("campaign:incident_edit", args=[incident.pk])).status_code == 404
    assert client.post(reverse("campaign:incident_edit", args=[incident.pk]), {"actions": "改"}).status_code == 404
    register = client.get(reverse("campaign:incidents")).content.decode()
    assert "仓库发生火情" not in register


def test_an_inspection_group_registers_a_concealed_incident(client, county, campaign, kind):
    login(client, county.inspector_b)
    response = client.post(
        reverse("campaign:incident_found"),
        form_data(
            county,
            kind,
            organization=county.branch_b1.code,
            phoned_at="",
            written_at="",
            summary="明察暗访发现村道交通事故，村党支部未报告。",
        ),
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.found_by_inspection and incident.registered_by == county.inspector_b
    assert incident.rectification is not None and incident.rectification.created_by is None
    register = client.get(reverse("campaign:incidents"), {"timeliness": "concealed"}).content.decode()
    assert "明察暗访发现村道交通事故" in register
    assert 'data-timeliness="concealed"' in register and 'data-veto="1"' in register


def test_an_inspection_group_cannot_register_outside_its_subtrees_nor_report(client, county, campaign, kind):
    login(client, county.inspector_b)
    response = client.post(reverse("campaign:incident_found"), form_data(county, kind, phoned_at="", written_at=""))
    # 红湾社区 is not among the units it may choose.
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert client.get(reverse("campaign:incident_report")).status_code == 403
    assert not Incident.objects.exists()


def test_the_register_filters_by_timeliness_and_unit(client, county, campaign, kind):
    make_incident(campaign, county.branch_a1, kind, summary="按时报告的火情")
    make_incident(campaign, county.branch_a2, kind, phoned=3 * HOUR, summary="迟报的交通事故")
    make_incident(campaign, county.branch_b1, kind, phoned=None, written=None, found=True, summary="瞒报的事故")
    login(client, county.office)
    everything = client.get(reverse("campaign:incidents")).content.decode()
    assert all(text in everything for text in ("按时报告的火情", "迟报的交通事故", "瞒报的事故"))
    late = client.get(reverse("campaign:incidents"), {"timeliness": "late"}).content.decode()
    assert "迟报的交通事故" in late and "按时报告的火情" not in late and "瞒报的事故" not in late
    unit = client.get(reverse("campaign:incidents"), {"org": county.branch_a1.code}).content.decode()
    assert "按时报告的火情" in unit and "迟报的交通事故" not in unit
    # The leader of the first township sees its two branches only.
    login(client, county.leader_a)
    leader = client.get(reverse("campaign:incidents")).content.decode()
    assert "迟报的交通事故" in leader and "瞒报的事故" not in leader


def test_the_unit_adds_its_written_report_and_follow_up(client, county, campaign, kind):
    incident = make_incident(campaign, county.branch_a1, kind, written=None)
    login(client, county.secretary_user_a1)
    response = client.post(
        reverse("campaign:incident_edit", args=[incident.pk]),
        {"written_at": "2011-03-05T18:00", "actions": "扑灭火情。", "follow_up": "开展消防安全培训。"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.written_at == OCCURRED + 9 * HOUR
    assert (incident.actions, incident.follow_up) == ("扑灭火情。", "开展消防安全培训。")


def test_the_office_sets_the_kinds_and_their_limits(client, county, campaign, kind):
    login(client, county.office)
    url = reverse("campaign:incident_kinds", args=[campaign.pk])
    assert client.get(url).status_code == 200
    data = {
        "incident_kinds-TOTAL_FORMS": "2",
        "incident_kinds-INITIAL_FORMS": "1",
        "incident_kinds-MIN_NUM_FORMS": "0",
        "incident_kinds-MAX_NUM_FORMS": "30",
        "incident_kinds-0-id": kind.pk,
        "incident_kinds-0-campaign": campaign.pk,
        "incident_kinds-0-name": "安全生产事故",
        "incident_kinds-0-phone_limit_hours": "2",
        "incident_kinds-0-written_limit_hours": "12",
        "incident_kinds-0-veto_rule": VetoRule.ALWAYS,
        "incident_kinds-1-campaign": campaign.pk,
        "incident_kinds-1-name": "影响稳定事件",
        "incident_kinds-1-phone_limit_hours": "1",
        "incident_kinds-1-written_limit_hours": "",
        "incident_kinds-1-veto_rule": VetoRule.LATE,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["formset"].errors
    assert list(
        IncidentKind.objects.order_by("order").values_list(
            "name", "phone_limit_hours", "written_limit_hours", "veto_rule"
        )
    ) == [("安全生产事故", 2, 12, VetoRule.ALWAYS), ("影响稳定事件", 1, None, VetoRule.LATE)]
    data["incident_kinds-0-written_limit_hours"] = "1"
    refused = client.post(url, data)
    assert refused.status_code == 200 and "书面报告时限不能短于电话报告时限" in refused.content.decode()


def test_a_kind_with_incidents_cannot_be_deleted_on_the_settings_page(client, county, campaign, kind):
    make_incident(campaign, county.branch_a1, kind)
    login(client, county.office)
    response = client.post(
        reverse("campaign:incident_kinds", args=[campaign.pk]),
        {
            "incident_kinds-TOTAL_FORMS": "1",
            "incident_kinds-INITIAL_FORMS": "1",
            "incident_kinds-MIN_NUM_FORMS": "0",
            "incident_kinds-MAX_NUM_FORMS": "30",
            "incident_kinds-0-id": kind.pk,
            "incident_kinds-0-campaign": campaign.pk,
            "incident_kinds-0-name": "安全生产事故",
            "incident_kinds-0-phone_limit_hours": "1",
            "incident_kinds-0-written_limit_hours": "24",
            "incident_kinds-0-veto_rule": VetoRule.LATE,
            "incident_kinds-0-DELETE": "on",
        },
    )
    assert response.status_code == 200 and "不能删除" in response.content.decode()
    assert IncidentKind.objects.filter(pk=kind.pk).exists()


def test_the_dashboard_counts_incidents_in_the_viewers_subtree(client, county, campaign, kind):
    make_incident(campaign, county.branch_a1, kind)
    make_incident(campaign, county.branch_a2, kind, phoned=3 * HOUR)
    make_incident(campaign, county.branch_b1, kind, phoned=None, written=None, found=True)
    login(client, county.office)
    page = client.get(reverse("campaign:dashboard"), {"month": "2011-03"})
    summary = page.context["incidents"]
    assert (summary.reported, summary.late, summary.concealed, summary.units_vetoed) == (3, 1, 1, 2)
    content = page.content.decode()
    assert 'id="dashboard-incidents"' in content
    assert f"{reverse('campaign:incidents')}?campaign={campaign.pk}&timeliness=late" in content
    login(client, county.leader_a)
    summary = client.get(reverse("campaign:dashboard"), {"month": "2011-03"}).context["incidents"]
    assert (summary.reported, summary.late, summary.concealed, summary.units_vetoed) == (2, 1, 0, 1)


def test_the_dashboard_has_no_incident_section_without_incident_kinds(client, county, campaign):
    login(client, county.office)
    page = client.get(reverse("campaign:dashboard"), {"month": "2011-03"})
    assert page.context["incidents"] is None
    assert 'id="dashboard-incidents"' not in page.content.decode()


def test_the_register_costs_the_same_queries_however_many_incidents(client, county, campaign, kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, county.office)
    make_incident(campaign, county.branch_a1, kind)
    client.get(reverse("campaign:incidents"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("campaign:incidents")).status_code == 200
    for organization in (county.branch_a2, county.branch_b1, county.union_a1):
        make_incident(campaign, organization, kind, phoned=3 * HOUR)
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse("campaign:incidents"))
    assert page.content.decode().count('data-timeliness="late"') == 3
    assert len(four) == len(one)
