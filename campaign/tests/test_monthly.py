"""月报: filing a month's values (validation, who may, corrections), lateness at the
due day's end in county time, the month's status per unit, the pages, and the monthly
circular (月通报) built from the same status."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaign.circulars.forms import kinds_offered
from campaign.circulars.models import CircularKind
from campaign.circulars.periods import month as month_span
from campaign.circulars.services import circular_create
from campaign.circulars.snapshots import monthly_snapshot
from campaign.monthly.selectors import Filing, due_deadline, filing_of, monthly_report_status, scored_units
from campaign.monthly.services import ValueInput, indicator_values_file
from campaign.scores.models import Indicator, IndicatorKind, IndicatorValue, ScorePeriod, ScoreSheet
from campaign.tests import circular_fixtures as fx
from campaign.tests.factories import make_campaign

MARCH = fx.MARCH_2011
APRIL_2 = fx._county_time(datetime.date(2011, 4, 2), 9)


@pytest.fixture
def sheet(county, campaign):
    """The three measured indicators; 红湾社区 is 二级, 许三湾村 三级, the rest ungraded."""
    county.branch_a1.grade = "2"
    county.branch_a1.save(update_fields=["grade"])
    county.branch_a2.grade = "3"
    county.branch_a2.save(update_fields=["grade"])
    return fx.measured_sheet(campaign)


def file(campaign, organization, by, *values, month=MARCH, now=APRIL_2):
    return indicator_values_file(
        campaign=campaign, organization=organization, month=month, values=list(values), by=by, now=now
    )


def messages_of(error) -> str:
    return " ".join(error.value.messages)


# --- filing -------------------------------------------------------------------------


def test_a_secretary_files_a_ratio_a_count_and_yes_no_and_the_values_are_derived(county, campaign, sheet):
    nursing, complaints, education = sheet
    saved = file(
        campaign,
        county.branch_a1,
        county.secretary_user_a1,
        ValueInput(nursing, numerator=Decimal(1), denominator=Decimal(32), evidence=" 护理部统计表 "),
        ValueInput(complaints, count=Decimal(4)),
        ValueInput(education, yes=False),
    )
    assert len(saved) == 3
    values = {v.indicator_id: v for v in IndicatorValue.objects.filter(organization=county.branch_a1, month=MARCH)}
    # 1 / 32 = 3.125%: half up, not to even.
    assert values[nursing.pk].value == Decimal("3.13")
    assert (values[nursing.pk].numerator, values[nursing.pk].denominator) == (1, 32)
    assert values[nursing.pk].evidence == "护理部统计表"
    assert values[complaints.pk].value == 4 and values[complaints.pk].numerator is None
    assert values[education.pk].value == 0
    assert all(v.reported_at == APRIL_2 and v.reported_by == county.secretary_user_a1 for v in values.values())


def test_a_correction_changes_the_value_but_keeps_the_first_filing_time(county, campaign, sheet):
    nursing, _complaints, _education = sheet
    file(
        campaign,
        county.branch_a1,
        county.secretary_user_a1,
        ValueInput(nursing, numerator=Decimal(45), denominator=Decimal(90)),
    )
    later = fx._county_time(datetime.date(2011, 4, 20), 9)
    file(
        campaign,
        county.branch_a1,
        county.leader_a,
        ValueInput(nursing, numerator=Decimal(60), denominator=Decimal(90)),
        now=later,
    )
    value = IndicatorValue.objects.get(organization=county.branch_a1, indicator=nursing, month=MARCH)
    assert value.value == Decimal("66.67")
    assert value.reported_at == APRIL_2
    assert IndicatorValue.objects.filter(organization=county.branch_a1).count() == 1
    assert value.history.count() == 2


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"numerator": Decimal(3)}, "请同时填写分子和分母"),
        ({"numerator": Decimal(0), "denominator": Decimal(0)}, "分母应大于 0"),
        ({"numerator": Decimal(11), "denominator": Decimal(10)}, "分子应在 0 到分母之间"),
        ({"numerator": Decimal(-1), "denominator": Decimal(10)}, "分子应在 0 到分母之间"),
    ],
)
def test_a_ratio_needs_both_numbers_a_positive_denominator_and_a_numerator_within_it(
    county, campaign, sheet, given, message
):
    with pytest.raises(ValidationError) as error:
        file(campaign, county.branch_a1, county.office, ValueInput(sheet[0], **given))
    assert message in messages_of(error)
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(
    ("index", "given", "message"),
    [
        (1, {"count": Decimal(-1)}, "数量应是不小于 0 的整数"),
        (1, {"count": Decimal("1.5")}, "数量应是不小于 0 的整数"),
        (1, {}, "请填写“患者投诉件数”的数量"),
        (2, {}, "请选择“开展医德医风教育”是或否"),
    ],
)
def test_counts_are_whole_and_not_negative_and_yes_no_must_be_chosen(county, campaign, sheet, index, given, message):
    with pytest.raises(ValidationError) as error:
        file(campaign, county.branch_b1, county.office, ValueInput(sheet[index], **given))
    assert message in messages_of(error)


def test_one_bad_value_leaves_nothing_written(county, campaign, sheet):
    nursing, complaints, _education = sheet
    with pytest.raises(ValidationError):
        file(
            campaign,
            county.branch_a1,
            county.office,
            ValueInput(complaints, count=Decimal(1)),
            ValueInput(nursing, numerator=Decimal(5)),
        )
    assert not IndicatorValue.objects.exists()


def test_the_month_must_be_within_the_campaign_and_not_in_the_future(county, campaign, sheet):
    count = ValueInput(sheet[1], count=Decimal(1))
    with pytest.raises(ValidationError) as error:
        file(campaign, county.branch_b1, county.office, count, month=datetime.date(2010, 3, 1))
    assert "不在活动期间内" in messages_of(error)
    with pytest.raises(ValidationError) as error:
        file(campaign, county.branch_b1, county.office, count, month=datetime.date(2011, 5, 1))
    assert "尚未到来的月份" in messages_of(error)
    # The month in progress may be filed.
    file(campaign, county.branch_b1, county.office, count, month=datetime.date(2011, 4, 1))


def test_only_measured_indicators_of_this_campaign_that_apply_to_the_unit(county, campaign, sheet):
    nursing = sheet[0]
    with pytest.raises(ValidationError) as error:
        # 北极村 is ungraded; 优质护理 is for 二级 and 三级 units.
        file(
            campaign, county.branch_b1, county.office, ValueInput(nursing, numerator=Decimal(1), denominator=Decimal(2))
        )
    assert "不适用于本单位" in messages_of(error)
    manual = Indicator.objects.create(sheet=nursing.sheet, name="督查组评分", max_points=10, kind=IndicatorKind.MANUAL)
    with pytest.raises(ValidationError) as error:
        file(campaign, county.branch_b1, county.office, ValueInput(manual, count=Decimal(1)))
    assert "不是本活动评分表中按月填报的指标" in messages_of(error)
    other = make_campaign(county.county, name="平安单位创建活动")
    foreign = fx.measured_sheet(other)[1]
    with pytest.raises(ValidationError) as error:
        file(campaign, county.branch_b1, county.office, ValueInput(foreign, count=Decimal(1)))
    assert "不是本活动评分表中按月填报的指标" in messages_of(error)


def test_the_unit_and_its_superiors_file_and_nobody_else(county, campaign, sheet):
    count = ValueInput(sheet[1], count=Decimal(1))
    for user in (county.secretary_user_a1, county.leader_a, county.office):
        file(campaign, county.branch_a1, user, count)
    for user in (county.secretary_user_b1, county.inspector_b, county.member_user_a1):
        with pytest.raises(PermissionDenied):
            file(campaign, county.branch_a1, user, count)
    # The campaign's own organization is not scored, so it files nothing.
    with pytest.raises(PermissionDenied):
        file(campaign, county.county, county.office, count)


def test_a_month_whose_periods_are_all_finalized_is_closed_and_open_periods_are_recomputed(county, campaign, sheet):
    count = ValueInput(sheet[1], count=Decimal(1))
    half = ScorePeriod.objects.create(
        campaign=campaign,
        name="2011年上半年",
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 6, 1),
    )
    year = ScorePeriod.objects.create(
        campaign=campaign,
        name="2011年度",
        first_month=datetime.date(2011, 1, 1),
        last_month=datetime.date(2011, 12, 1),
        finalized_at=timezone.now(),
    )
    autumn = ScorePeriod.objects.create(
        campaign=campaign,
        name="2011年下半年",
        first_month=datetime.date(2011, 7, 1),
        last_month=datetime.date(2011, 12, 1),
    )
    ScorePeriod.objects.update(recompute_requested_at=None)
    file(campaign, county.branch_b1, county.office, count)
    half.refresh_from_db(), year.refresh_from_db(), autumn.refresh_from_db()
    # Recomputing is asked of the open period covering March only.
    assert half.recompute_requested_at is not None
    assert year.recompute_requested_at is None and autumn.recompute_requested_at is None

    ScorePeriod.objects.filter(pk=half.pk).update(finalized_at=timezone.now())
    with pytest.raises(ValidationError) as error:
        file(campaign, county.branch_b1, county.office, ValueInput(sheet[1], count=Decimal(2)))
    assert "考核期已定稿" in messages_of(error)
    assert IndicatorValue.objects.get().value == 1


# --- lateness and the month's status ----------------------------------------------------


def test_a_value_is_late_only_from_midnight_after_the_due_day_county_time():
    deadline = due_deadline(MARCH, 5)
    assert deadline == fx._county_time(datetime.date(2011, 4, 6), 0, 0, 0)
    # 23:59:59 on 5 April in 肃南 is 15:59:59 UTC: on time.
    on_time = IndicatorValue(reported_at=datetime.datetime(2011, 4, 5, 15, 59, 59, 999999, tzinfo=datetime.UTC))
    late = IndicatorValue(reported_at=datetime.datetime(2011, 4, 5, 16, 0, tzinfo=datetime.UTC))
    today = datetime.date(2011, 5, 1)
    assert filing_of(on_time, deadline=deadline, today=today) == Filing.ON_TIME
    assert filing_of(late, deadline=deadline, today=today) == Filing.LATE
    assert filing_of(None, deadline=deadline, today=datetime.date(2011, 4, 5)) == Filing.PENDING
    assert filing_of(None, deadline=deadline, today=datetime.date(2011, 4, 6)) == Filing.MISSING


def test_the_status_tells_on_time_late_missing_and_below_target_per_unit(county, campaign):
    nursing, complaints, education = fx.monthly_values(county, campaign)
    status = monthly_report_status(
        campaign, MARCH, organizations=scored_units(campaign), today=datetime.date(2011, 4, 10)
    )
    units = {unit.organization.name: unit for unit in status.units}
    # The union is not scored; the county's office is the campaign's own.
    assert list(units) == ["红湾寺镇党委", "红湾社区党支部", "许三湾村党支部", "康乐乡党委", "北极村党支部"]
    a1 = units["红湾社区党支部"]
    assert [cell.filing for cell in a1.cells] == [Filing.ON_TIME] * 3
    assert [cell.met for cell in a1.cells] == [True, False, True]  # 50.00% meets 50; 3 complaints > 2
    assert a1.cells[0].target == 50 and a1.cells[0].target_text == "≥ 50.00%"
    a2 = units["许三湾村党支部"]
    assert [cell.filing for cell in a2.cells] == [Filing.LATE] * 3
    assert a2.cells[0].target == 80 and a2.cells[0].met is False and a2.cells[0].value_text == "70.00%"
    b1 = units["北极村党支部"]
    assert not b1.cells[0].applies and b1.cells[0].filing == ""
    assert b1.cells[2].value_text == "否" and b1.cells[2].is_below
    township = units["红湾寺镇党委"]
    assert [cell.filing for cell in township.applicable] == [Filing.MISSING, Filing.MISSING]
    assert status.due_on == datetime.date(2011, 4, 5)
    assert status.summary == {
        "units": 5,
        "expected": 12,
        "filed": 10,
        "on_time": 7,
        "late": 3,
        "missing": 2,
        "pending": 0,
        "below": 3,
        "units_complete": 4,
        "units_late": 1,
        "units_missing": 1,
        "units_below": 3,
    }
    early = monthly_report_status(
        campaign, MARCH, organizations=scored_units(campaign), today=datetime.date(2011, 4, 5)
    )
    assert early.summary["missing"] == 0 and early.summary["pending"] == 2


def test_the_status_reads_in_a_fixed_number_of_queries(county, campaign, django_assert_num_queries):
    fx.monthly_values(county, campaign)
    units = list(scored_units(campaign))
    with django_assert_num_queries(3):  # the report day, the indicators, the values
        monthly_report_status(campaign, MARCH, organizations=units, today=datetime.date(2011, 5, 1))


# --- pages ------------------------------------------------------------------------------


def file_url(campaign, organization, month="2011-03"):
    return f"{reverse('campaign:monthly_file', args=[organization.code])}?campaign={campaign.pk}&month={month}"


def test_a_unit_files_its_month_on_its_page_and_sees_it_prefilled(client, county, campaign, sheet):
    nursing, complaints, education = sheet
    client.force_login(county.secretary_user_a1)
    page = client.get(file_url(campaign, county.branch_a1))
    assert page.status_code == 200
    text = page.content.decode()
    assert "优质护理病房覆盖率" in text and "≥ 50.00%" in text and "≤ 2" in text
    response = client.post(
        file_url(campaign, county.branch_a1),
        {
            f"i{nursing.pk}_numerator": "45",
            f"i{nursing.pk}_denominator": "90",
            f"i{nursing.pk}_evidence": "护理部统计表",
            f"i{complaints.pk}_count": "1",
            f"i{education.pk}_yes": "yes",
        },
    )
    assert response.status_code == 302
    values = {v.indicator_id: v.value for v in IndicatorValue.objects.filter(organization=county.branch_a1)}
    assert values == {nursing.pk: Decimal("50.00"), complaints.pk: 1, education.pk: 1}
    again = client.get(response["Location"]).content.decode()
    assert 'value="45.00"' in again and "护理部统计表" in again and 'value="yes" selected' in again


def test_the_page_shows_the_services_refusal_in_words(client, county, campaign, sheet):
    nursing = sheet[0]
    client.force_login(county.secretary_user_a1)
    response = client.post(file_url(campaign, county.branch_a1), {f"i{nursing.pk}_numerator": "5"})
    assert response.status_code == 200
    assert "请同时填写分子和分母" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_an_outsider_gets_404_and_a_reader_cannot_file(client, county, campaign, sheet):
    client.force_login(county.secretary_user_b1)
    assert client.get(file_url(campaign, county.branch_a1)).status_code == 404
    assert client.post(file_url(campaign, county.branch_a1), {}).status_code == 404
    client.force_login(county.inspector_b)
    assert client.get(file_url(campaign, county.branch_b1)).status_code == 200
    response = client.post(file_url(campaign, county.branch_b1), {f"i{sheet[1].pk}_count": "1"})
    assert response.status_code == 403
    assert not IndicatorValue.objects.exists()


def test_the_office_sees_late_missing_and_below_target_in_words(client, county, campaign):
    fx.monthly_values(county, campaign)
    client.force_login(county.office)
    response = client.get(f"{reverse('campaign:monthly_status')}?campaign={campaign.pk}&month=2011-03")
    text = response.content.decode()
    assert response.status_code == 200
    assert "迟报：</span>许三湾村党支部" in text
    assert "未报：</span>红湾寺镇党委" in text
    assert text.count("未达标</span>") == 3
    assert f'href="{file_url(campaign, county.branch_a2)}"' in text


def test_a_leader_sees_only_the_units_of_the_township(client, county, campaign):
    fx.monthly_values(county, campaign)
    client.force_login(county.leader_a)
    text = client.get(f"{reverse('campaign:monthly_status')}?campaign={campaign.pk}&month=2011-03").content.decode()
    assert "红湾社区党支部" in text and "北极村党支部" not in text and "康乐乡党委" not in text


def test_the_export_lists_units_by_indicator_and_the_problems(client, county, campaign):
    fx.monthly_values(county, campaign)
    client.force_login(county.office)
    response = client.get(f"{reverse('campaign:monthly_export')}?campaign={campaign.pk}&month=2011-03")
    workbook = load_workbook(io.BytesIO(response.content))
    grid, problems = workbook.worksheets
    rows = {row[0]: row for row in grid.iter_rows(min_row=2, values_only=True)}
    assert rows["许三湾村党支部"][3:] == ("70.00%（迟报，未达标）", "0（迟报）", "是（迟报）")
    assert rows["红湾寺镇党委"][3:] == ("不适用", "未报", "未报")
    listed = [(row[0], row[1], row[2]) for row in problems.iter_rows(min_row=2, values_only=True)]
    assert ("红湾寺镇党委", "患者投诉件数", "未报") in listed
    assert ("红湾社区党支部", "患者投诉件数", "按时报送") in listed  # below target, on time


# --- the monthly circular ---------------------------------------------------------------


def test_the_monthly_circular_snapshots_the_months_figures(county, campaign):
    fx.monthly_values(county, campaign)
    built = monthly_snapshot(campaign, county.county, month_span(MARCH), today=datetime.date(2011, 4, 10))
    data = built.data
    assert data["period"] == "2011年3月" and data["due_on"] == "2011-04-05"
    assert [i["target"] for i in data["indicators"]] == ["三级 ≥ 80.00%；其他 ≥ 50.00%", "≤ 2", "是"]
    rows = {row["name"]: [cell["text"] for cell in row["cells"]] for row in data["rows"]}
    assert rows["红湾社区党支部"] == ["50.00%", "3", "是"]
    assert rows["红湾寺镇党委"] == ["", "未报", "未报"]
    assert [(line["name"], line["indicator"], line["value"], line["target"]) for line in data["below"]] == [
        ("红湾社区党支部", "患者投诉件数", "3", "≤ 2"),
        ("许三湾村党支部", "优质护理病房覆盖率", "70.00%", "≥ 80.00%"),
        ("北极村党支部", "开展医德医风教育", "否", "是"),
    ]
    assert data["late"] == [
        {
            "name": "许三湾村党支部",
            "indicators": "优质护理病房覆盖率、患者投诉件数、开展医德医风教育",
            "reported_on": "2011-04-06",
        }
    ]
    assert data["missing"] == [{"name": "红湾寺镇党委", "indicators": "患者投诉件数、开展医德医风教育"}]
    assert data["totals"]["units_complete"] == 4
    assert built.concerned == {
        o.pk for o in (county.township_a, county.township_b, county.branch_a1, county.branch_a2, county.branch_b1)
    }


def test_the_monthly_circular_is_offered_only_with_measured_indicators(client, county, campaign):
    assert CircularKind.MONTHLY not in dict(kinds_offered(campaign))
    with pytest.raises(ValidationError) as error:
        circular_create(campaign=campaign, kind=CircularKind.MONTHLY, period_start=MARCH, by=county.office)
    assert "没有按月填报的指标" in messages_of(error) and "重大情况报告制度" in messages_of(error)
    client.force_login(county.office)
    assert "月通报" not in client.get(f"{reverse('campaign:circular_new')}?campaign={campaign.pk}").content.decode()
    create = f"{reverse('campaign:circular_create', args=['monthly'])}?campaign={campaign.pk}"
    assert client.get(create).status_code == 404

    fx.measured_sheet(campaign)
    assert CircularKind.MONTHLY in dict(kinds_offered(campaign))
    assert "月通报" in client.get(f"{reverse('campaign:circular_new')}?campaign={campaign.pk}").content.decode()
    assert client.get(create).status_code == 200
    circular = circular_create(
        campaign=campaign,
        kind=CircularKind.MONTHLY,
        period_start=MARCH,
        by=county.office,
        today=datetime.date(2012, 6, 30),
    )
    assert (circular.period_start, circular.period_end) == (MARCH, datetime.date(2011, 3, 31))
    assert circular.title == f"关于2011年3月{campaign.name}月报情况的通报"
    assert ScoreSheet.objects.filter(campaign=campaign).exists()


def test_a_campaign_with_an_incident_register_and_no_measured_lines_has_a_monthly_circular_of_its_incidents(
    county, campaign
):
    """平安单位 measures nothing monthly, but its 月通报 reports the month's 重大情况."""
    from campaign.circulars.snapshots import circular_html
    from campaign.incidents.models import Incident, IncidentKind, VetoRule

    assert CircularKind.MONTHLY not in dict(kinds_offered(campaign))
    kind = IncidentKind.objects.create(
        campaign=campaign, name="一般安全事故", phone_limit_hours=1, written_limit_hours=24, veto_rule=VetoRule.LATE
    )
    happened = timezone.make_aware(datetime.datetime(2011, 3, 8, 9, 0))
    Incident.objects.create(
        campaign=campaign,
        organization=county.branch_b1,
        kind=kind,
        summary="客车追尾，两人轻伤",
        occurred_at=happened,
        written_at=happened + datetime.timedelta(hours=40),
    )
    assert CircularKind.MONTHLY in dict(kinds_offered(campaign))

    built = monthly_snapshot(campaign, county.county, month_span(MARCH), today=datetime.date(2011, 4, 10))

    assert built.data["indicators"] == []
    assert [(row["name"], row["timeliness"], row["vetoes"]) for row in built.data["incidents"]] == [
        ("北极村党支部", "迟报", True)
    ]
    assert county.branch_b1.pk in built.concerned
    circular = circular_create(
        campaign=campaign,
        kind=CircularKind.MONTHLY,
        period_start=MARCH,
        by=county.office,
        today=datetime.date(2011, 4, 10),
    )
    html = circular_html(circular, built.data, preview=True)
    assert "重大情况报告制度" in html and "北极村党支部" in html and "迟报" in html
    assert "量化指标完成情况" not in html
