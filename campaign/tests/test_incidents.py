"""重大情况报告: how an incident is judged against its kind's limits, and the services
that keep the register, open a rectification once and ask the scores to be recomputed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaign.incidents.models import Incident, IncidentKind, Severity, Timeliness, VetoRule
from campaign.incidents.selectors import incident_summary, incident_timeliness, incident_vetoes, incident_vetoes_by_unit
from campaign.incidents.services import (
    RECOMPUTE_TASK,
    IncidentKindInput,
    incident_kinds_set,
    incident_register_found,
    incident_report,
    incident_update,
    incidents_overdue_follow_up,
)
from campaign.infra.models import OutboxEntry
from campaign.infra.outbox import registered_task
from campaign.tests.factories import make_campaign
from pledges.models import Rectification, RectificationSource

OCCURRED = timezone.make_aware(datetime.datetime(2011, 3, 5, 9, 0))
NOW = timezone.make_aware(datetime.datetime(2011, 3, 10, 12, 0))
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def kind_of(veto_rule=VetoRule.LATE, phone=1, written=24) -> IncidentKind:
    return IncidentKind(name="安全生产事故", phone_limit_hours=phone, written_limit_hours=written, veto_rule=veto_rule)


def incident_of(*, phoned=None, written=None, found=False) -> Incident:
    return Incident(
        occurred_at=OCCURRED,
        phoned_at=phoned and OCCURRED + phoned,
        written_at=written and OCCURRED + written,
        found_by_inspection=found,
        severity=Severity.GENERAL,
    )


# ---------------------------------------------------------------------------
# Timeliness and veto (no database)
# ---------------------------------------------------------------------------


def test_a_report_exactly_at_the_limit_is_on_time():
    incident = incident_of(phoned=HOUR, written=24 * HOUR)
    assert incident_timeliness(incident, kind_of(), now=NOW) == Timeliness.ON_TIME
    assert not incident_vetoes(incident, kind_of(), now=NOW)


def test_a_phone_report_one_minute_over_the_limit_is_late():
    incident = incident_of(phoned=HOUR + MINUTE, written=2 * HOUR)
    assert incident_timeliness(incident, kind_of(), now=NOW) == Timeliness.LATE
    assert incident_vetoes(incident, kind_of(), now=NOW)


def test_a_written_report_one_minute_over_the_limit_is_late():
    incident = incident_of(phoned=HOUR, written=24 * HOUR + MINUTE)
    assert incident_timeliness(incident, kind_of(), now=NOW) == Timeliness.LATE


def test_a_missing_written_report_is_pending_within_its_limit_and_late_past_it():
    incident = incident_of(phoned=HOUR / 2)
    assert incident_timeliness(incident, kind_of(), now=OCCURRED + 24 * HOUR) == Timeliness.PENDING
    assert incident_timeliness(incident, kind_of(), now=OCCURRED + 24 * HOUR + MINUTE) == Timeliness.LATE


def test_found_by_inspection_and_never_reported_is_concealed():
    incident = incident_of(found=True)
    assert incident_timeliness(incident, kind_of(), now=NOW) == Timeliness.CONCEALED
    assert incident_vetoes(incident, kind_of(), now=NOW)


def test_found_by_inspection_but_reported_in_time_is_judged_by_its_reports():
    incident = incident_of(phoned=HOUR, written=HOUR, found=True)
    assert incident_timeliness(incident, kind_of(), now=NOW) == Timeliness.ON_TIME


def test_never_rule_never_vetoes_and_always_rule_vetoes_an_incident_reported_in_time():
    concealed = incident_of(found=True)
    on_time = incident_of(phoned=HOUR, written=HOUR)
    assert not incident_vetoes(concealed, kind_of(VetoRule.NEVER), now=NOW)
    assert not incident_vetoes(incident_of(phoned=5 * HOUR), kind_of(VetoRule.NEVER), now=NOW)
    assert incident_vetoes(on_time, kind_of(VetoRule.ALWAYS), now=NOW)
    assert not incident_vetoes(on_time, kind_of(VetoRule.LATE), now=NOW)


def test_a_kind_without_a_written_limit_is_on_time_once_phoned_in_time():
    incident = incident_of(phoned=HOUR)
    assert incident_timeliness(incident, kind_of(written=None), now=NOW) == Timeliness.ON_TIME


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


@pytest.fixture
def kind(campaign, county):
    (kind,) = incident_kinds_set(
        campaign=campaign,
        kinds=[IncidentKindInput("安全生产事故", phone_limit_hours=1, written_limit_hours=24)],
        by=county.office,
    )
    return kind


def report(campaign, county, kind, *, by=None, organization=None, phoned=HOUR, written=None, **fields):
    return incident_report(
        campaign=campaign,
        organization=organization or county.branch_a1,
        kind=kind,
        severity=fields.pop("severity", Severity.GENERAL),
        summary=fields.pop("summary", "社区仓库发生火情，无人员伤亡。"),
        occurred_at=fields.pop("occurred_at", OCCURRED),
        phoned_at=phoned and OCCURRED + phoned,
        written_at=written and OCCURRED + written,
        by=by or county.secretary_user_a1,
        now=fields.pop("now", NOW),
        **fields,
    )


def recompute_requests(campaign) -> int:
    return sum(
        1
        for args in OutboxEntry.objects.filter(task=RECOMPUTE_TASK).values_list("args", flat=True)
        if args == [campaign.pk]
    )


@pytest.mark.django_db
class TestKinds:
    def test_the_office_sets_kinds_with_their_limits_in_order(self, campaign, county):
        kinds = incident_kinds_set(
            campaign=campaign,
            kinds=[
                IncidentKindInput("安全生产事故", 1, 24, VetoRule.LATE),
                IncidentKindInput("职工家属违法犯罪", None, 48, VetoRule.ALWAYS),
            ],
            by=county.office,
        )
        stored = list(IncidentKind.objects.filter(campaign=campaign).order_by("order"))
        assert [(k.name, k.phone_limit_hours, k.written_limit_hours, k.veto_rule) for k in stored] == [
            ("安全生产事故", 1, 24, VetoRule.LATE),
            ("职工家属违法犯罪", None, 48, VetoRule.ALWAYS),
        ]
        assert [k.pk for k in kinds] == [k.pk for k in stored]

    def test_only_the_campaigns_office_sets_kinds(self, campaign, county):
        for user in (county.secretary_user_a1, county.leader_a, county.inspector_b):
            with pytest.raises(PermissionDenied):
                incident_kinds_set(campaign=campaign, kinds=[IncidentKindInput("火灾", 1, 24)], by=user)
        assert not IncidentKind.objects.exists()

    @pytest.mark.parametrize(
        ("kinds", "message"),
        [
            ([IncidentKindInput("火灾", 1, 24), IncidentKindInput("火灾", 2, 24)], "重复"),
            ([IncidentKindInput("火灾", 24, 1)], "书面报告时限不能短于电话报告时限"),
            ([IncidentKindInput("火灾", None, None)], "至少要规定"),
            ([IncidentKindInput("火灾", 0, 24)], "1 到"),
            ([IncidentKindInput("  ", 1, 24)], "名称"),
        ],
    )
    def test_bad_kinds_are_refused_with_a_clear_message(self, campaign, county, kinds, message):
        with pytest.raises(ValidationError) as refused:
            incident_kinds_set(campaign=campaign, kinds=kinds, by=county.office)
        assert any(message in text for text in refused.value.messages)

    def test_a_kind_with_incidents_cannot_be_removed_but_an_unused_one_can(self, campaign, county, kind):
        (unused,) = [
            k
            for k in incident_kinds_set(
                campaign=campaign,
                kinds=[IncidentKindInput(kind.name, 1, 24, kind=kind), IncidentKindInput("交通事故", 1, 12)],
                by=county.office,
            )
            if k.name == "交通事故"
        ]
        report(campaign, county, kind)
        with pytest.raises(ValidationError) as refused:
            incident_kinds_set(
                campaign=campaign, kinds=[IncidentKindInput("交通事故", 1, 12, kind=unused)], by=county.office
            )
        assert "已登记 1 起重大情况，不能删除" in refused.value.messages[0]
        incident_kinds_set(campaign=campaign, kinds=[IncidentKindInput("火灾事故", 1, 24, kind=kind)], by=county.office)
        assert list(IncidentKind.objects.values_list("name", flat=True)) == ["火灾事故"]

    def test_two_kinds_may_swap_their_names(self, campaign, county):
        first, second = incident_kinds_set(
            campaign=campaign, kinds=[IncidentKindInput("甲", 1, 24), IncidentKindInput("乙", 2, 24)], by=county.office
        )
        incident_kinds_set(
            campaign=campaign,
            kinds=[IncidentKindInput("乙", 1, 24, kind=first), IncidentKindInput("甲", 2, 24, kind=second)],
            by=county.office,
        )
        assert IncidentKind.objects.get(pk=first.pk).name == "乙"

    def test_shortening_a_limit_makes_an_earlier_report_late_and_opens_its_rectification(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=HOUR, written=20 * HOUR)
        assert incident.rectification is None
        incident_kinds_set(campaign=campaign, kinds=[IncidentKindInput(kind.name, 1, 12, kind=kind)], by=county.office)
        incident.refresh_from_db()
        assert incident.rectification is not None
        assert incident.rectification.source == RectificationSource.INCIDENT


@pytest.mark.django_db
class TestReport:
    def test_a_secretary_reports_an_incident_of_the_branch_in_time(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=HOUR, written=24 * HOUR, actions="及时扑灭。")
        assert incident.registered_by == county.secretary_user_a1
        assert not incident.found_by_inspection
        assert incident.actions == "及时扑灭。"
        assert incident_timeliness(incident, kind, now=NOW) == Timeliness.ON_TIME
        assert incident.rectification is None
        assert not Rectification.objects.exists()

    def test_every_report_asks_the_scores_to_be_recomputed(self, campaign, county, kind):
        before = recompute_requests(campaign)
        report(campaign, county, kind)
        assert recompute_requests(campaign) == before + 1

    def test_a_leader_reports_for_a_branch_below(self, campaign, county, kind):
        incident = report(campaign, county, kind, by=county.leader_a, organization=county.branch_a2)
        assert incident.organization == county.branch_a2

    @pytest.mark.parametrize("who", ["secretary_user_b1", "inspector_b", "member_user_a1"])
    def test_someone_outside_the_unit_cannot_report_for_it(self, campaign, county, kind, who):
        with pytest.raises(PermissionDenied):
            report(campaign, county, kind, by=getattr(county, who))
        assert not Incident.objects.exists()

    def test_a_unit_outside_the_campaign_or_the_campaigns_own_organization_is_refused(self, county, kind):
        township_campaign = make_campaign(county.township_b, name="康乐乡平安创建")
        other_kind = IncidentKind.objects.create(campaign=township_campaign, name="火灾", phone_limit_hours=1)
        with pytest.raises(ValidationError, match="不在这项活动的范围内"):
            report(township_campaign, county, other_kind, by=county.office, organization=county.branch_a1)
        with pytest.raises(ValidationError, match="不在这项活动的范围内"):
            report(township_campaign, county, other_kind, by=county.office, organization=county.township_b)

    def test_a_mass_organization_reports_only_where_the_campaign_takes_them_in(self, campaign, county, kind):
        with pytest.raises(ValidationError, match="不在这项活动的范围内"):
            report(campaign, county, kind, organization=county.union_a1)
        campaign.mass_organizations_take_part = True
        campaign.save()
        assert report(campaign, county, kind, organization=county.union_a1).organization == county.union_a1

    def test_a_kind_of_another_campaign_is_refused(self, campaign, county, kind):
        other = make_campaign(county.county, name="平安单位创建")
        other_kind = IncidentKind.objects.create(campaign=other, name="火灾", phone_limit_hours=1)
        with pytest.raises(ValidationError, match="本活动规定的情况类别"):
            report(campaign, county, other_kind)

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"occurred_at": NOW + MINUTE, "phoned": None, "written": None}, "发生时间不能晚于现在"),
            ({"phoned": NOW - OCCURRED + MINUTE}, "电话报告时间不能晚于现在"),
            ({"phoned": -MINUTE}, "电话报告时间不能早于发生时间"),
            ({"phoned": None, "written": -HOUR}, "书面报告时间不能早于发生时间"),
            ({"phoned": None}, "至少要有一种报告"),
            ({"summary": "  "}, "请填写基本情况"),
            ({"occurred_at": timezone.make_aware(datetime.datetime(2009, 1, 1, 8)), "phoned": HOUR}, "不在活动期间"),
        ],
    )
    def test_times_and_text_are_checked_with_clear_messages(self, campaign, county, kind, fields, message):
        with pytest.raises(ValidationError, match=message):
            report(campaign, county, kind, **fields)
        assert not Incident.objects.exists()

    def test_a_late_report_opens_one_rectification_for_the_unit(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=2 * HOUR, written=3 * HOUR)
        rectification = incident.rectification
        assert rectification is not None
        assert rectification.organization == county.branch_a1
        assert rectification.source == RectificationSource.INCIDENT
        assert rectification.category == "重大情况"
        assert "迟报" in rectification.problem
        assert rectification.deadline == datetime.date(2011, 4, 9)
        # The unit's secretary manages its tasks, so the task is opened in her name.
        assert rectification.created_by == county.secretary_user_a1
        incident_update(
            incident=incident, actions="已整改。", follow_up="组织学习报告制度。", by=county.secretary_user_a1, now=NOW
        )
        incident_kinds_set(campaign=campaign, kinds=[IncidentKindInput(kind.name, 1, 12, kind=kind)], by=county.office)
        assert Rectification.objects.count() == 1
        assert Incident.objects.get(pk=incident.pk).rectification == rectification

    def test_an_always_veto_opens_a_rectification_even_when_reported_in_time(self, campaign, county):
        (kind,) = incident_kinds_set(
            campaign=campaign, kinds=[IncidentKindInput("重特大事故", 1, 24, VetoRule.ALWAYS)], by=county.office
        )
        incident = report(campaign, county, kind, phoned=HOUR, written=HOUR)
        assert incident_timeliness(incident, kind, now=NOW) == Timeliness.ON_TIME
        assert incident.rectification is not None


@pytest.mark.django_db
class TestFound:
    def test_an_inspection_group_registers_an_incident_never_reported_as_concealed(self, campaign, county, kind):
        incident = incident_register_found(
            campaign=campaign,
            organization=county.branch_b1,
            kind=kind,
            severity=Severity.LARGER,
            summary="明察暗访发现村道发生交通事故，村党支部未报告。",
            occurred_at=OCCURRED,
            by=county.inspector_b,
            now=NOW,
        )
        assert incident.found_by_inspection
        assert incident_timeliness(incident, kind, now=NOW) == Timeliness.CONCEALED
        rectification = incident.rectification
        assert rectification is not None and "瞒报" in rectification.problem
        # An inspection group does not manage tasks: the register opens it, with no creator.
        assert rectification.created_by is None
        assert rectification.owner == county.secretary_b1.name
        assert incident_vetoes_by_unit(
            campaign, first_day=datetime.date(2011, 1, 1), last_day=datetime.date(2011, 6, 30), now=NOW
        ) == {
            county.township_b.path: [f"北极村党支部：2011-03-05 发生{kind.name}（较大），瞒报"],
            county.branch_b1.path: [f"2011-03-05 发生{kind.name}（较大），瞒报"],
        }

    @pytest.mark.parametrize("who", ["secretary_user_b1", "leader_a", "member_user_a1"])
    def test_only_inspection_groups_and_the_office_register_findings(self, campaign, county, kind, who):
        with pytest.raises(PermissionDenied):
            incident_register_found(
                campaign=campaign,
                organization=county.branch_b1,
                kind=kind,
                severity=Severity.GENERAL,
                summary="发现未报告的事故。",
                occurred_at=OCCURRED,
                by=getattr(county, who),
                now=NOW,
            )

    def test_an_inspection_group_registers_nothing_outside_the_subtrees_it_inspects(self, campaign, county, kind):
        with pytest.raises(PermissionDenied):
            incident_register_found(
                campaign=campaign,
                organization=county.branch_a1,
                kind=kind,
                severity=Severity.GENERAL,
                summary="发现未报告的事故。",
                occurred_at=OCCURRED,
                by=county.inspector_b,
                now=NOW,
            )

    def test_the_office_registers_a_finding_and_opens_the_task_in_its_own_name(self, campaign, county, kind):
        incident = incident_register_found(
            campaign=campaign,
            organization=county.branch_a1,
            kind=kind,
            severity=Severity.GENERAL,
            summary="督查发现未报告的火情。",
            occurred_at=OCCURRED,
            by=county.office,
            now=NOW,
        )
        assert incident.rectification.created_by == county.office

    def test_a_concealed_incident_cannot_be_reported_afterwards_by_the_unit(self, campaign, county, kind):
        incident = incident_register_found(
            campaign=campaign,
            organization=county.branch_a1,
            kind=kind,
            severity=Severity.GENERAL,
            summary="督查发现未报告的火情。",
            occurred_at=OCCURRED,
            by=county.office,
            now=NOW,
        )
        with pytest.raises(ValidationError, match="瞒报，不能事后补报"):
            incident_update(incident=incident, written_at=OCCURRED + HOUR, by=county.secretary_user_a1, now=NOW)


@pytest.mark.django_db
class TestUpdate:
    def test_a_written_report_within_its_limit_keeps_the_incident_on_time(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=HOUR, now=OCCURRED + 2 * HOUR)
        assert incident_timeliness(incident, kind, now=OCCURRED + 2 * HOUR) == Timeliness.PENDING
        before = recompute_requests(campaign)
        incident = incident_update(
            incident=incident, written_at=OCCURRED + 20 * HOUR, by=county.secretary_user_a1, now=OCCURRED + 21 * HOUR
        )
        assert incident_timeliness(incident, kind, now=NOW) == Timeliness.ON_TIME
        assert incident.rectification is None
        assert recompute_requests(campaign) == before + 1

    def test_a_written_report_past_its_limit_makes_it_late_and_opens_the_rectification(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=HOUR, now=OCCURRED + 2 * HOUR)
        assert incident.rectification is None
        incident = incident_update(
            incident=incident, written_at=OCCURRED + 30 * HOUR, by=county.secretary_user_a1, now=NOW
        )
        assert incident_timeliness(incident, kind, now=NOW) == Timeliness.LATE
        assert Incident.objects.get(pk=incident.pk).rectification.source == RectificationSource.INCIDENT

    def test_a_written_time_on_record_is_corrected_only_by_the_office(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=HOUR, written=20 * HOUR)
        with pytest.raises(ValidationError, match="联系活动办公室"):
            incident_update(incident=incident, written_at=OCCURRED + 2 * HOUR, by=county.secretary_user_a1, now=NOW)
        incident = incident_update(incident=incident, written_at=OCCURRED + 2 * HOUR, by=county.office, now=NOW)
        assert incident.written_at == OCCURRED + 2 * HOUR

    def test_a_written_report_in_the_future_is_refused(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=HOUR)
        with pytest.raises(ValidationError, match="书面报告时间不能晚于现在"):
            incident_update(incident=incident, written_at=NOW + MINUTE, by=county.secretary_user_a1, now=NOW)

    def test_actions_and_follow_up_are_added_by_the_unit_not_by_others(self, campaign, county, kind):
        incident = report(campaign, county, kind, phoned=HOUR)
        with pytest.raises(PermissionDenied):
            incident_update(incident=incident, actions="已处置。", by=county.secretary_user_b1, now=NOW)
        incident = incident_update(
            incident=incident, actions=" 已处置。 ", follow_up="开展消防演练。", by=county.secretary_user_a1, now=NOW
        )
        assert (incident.actions, incident.follow_up) == ("已处置。", "开展消防演练。")

    def test_a_written_report_missing_past_its_limit_opens_the_rectification_on_the_nightly_run(
        self, campaign, county, kind
    ):
        incident = report(campaign, county, kind, phoned=HOUR, now=OCCURRED + 2 * HOUR)
        assert incidents_overdue_follow_up(campaign=campaign, now=OCCURRED + 23 * HOUR) == 0
        assert incidents_overdue_follow_up(campaign=campaign, now=NOW) == 1
        assert incidents_overdue_follow_up(campaign=campaign, now=NOW) == 0
        assert Incident.objects.get(pk=incident.pk).rectification.created_by is None


@pytest.mark.django_db
def test_the_summary_counts_reports_late_concealed_and_units_vetoed(campaign, county, kind):
    report(campaign, county, kind, phoned=HOUR, written=HOUR)
    report(campaign, county, kind, phoned=3 * HOUR, written=3 * HOUR)
    report(campaign, county, kind, phoned=3 * HOUR, written=3 * HOUR, organization=county.branch_a2, by=county.leader_a)
    incident_register_found(
        campaign=campaign,
        organization=county.branch_b1,
        kind=kind,
        severity=Severity.GENERAL,
        summary="发现未报告的事故。",
        occurred_at=OCCURRED,
        by=county.inspector_b,
        now=NOW,
    )
    summary = incident_summary(campaign, now=NOW)
    assert (summary.reported, summary.late, summary.concealed, summary.units_vetoed) == (4, 2, 1, 3)
    under_a = incident_summary(campaign, organization=county.township_a, now=NOW)
    assert (under_a.reported, under_a.late, under_a.concealed, under_a.units_vetoed) == (3, 2, 0, 2)


@pytest.mark.django_db
def test_the_nightly_task_opens_the_rectifications_of_overdue_incidents_once(campaign, county, kind):
    from campaign.incidents.tasks import follow_up_overdue_incidents

    incident = report(campaign, county, kind, phoned=HOUR, now=OCCURRED + 2 * HOUR)
    assert incident.rectification is None
    assert follow_up_overdue_incidents() == 1
    assert follow_up_overdue_incidents() == 0
    assert Incident.objects.get(pk=incident.pk).rectification.source == RectificationSource.INCIDENT


def test_the_recompute_task_the_services_queue_is_registered():
    """Every write that can change a veto queues it by name (services never import tasks)."""
    assert registered_task(RECOMPUTE_TASK).name == RECOMPUTE_TASK


def test_the_overdue_follow_up_runs_nightly_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["follow-up-overdue-incidents"]
    assert entry["task"] == "campaign.incidents.tasks.follow_up_overdue_incidents"
    assert registered_task(entry["task"]).name == entry["task"]
    assert entry["schedule"].hour == {1}
