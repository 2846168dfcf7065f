"""月报 reads: which measured indicators apply to which units, when a month's values are
due, and each unit's filing for a month (on time, late, missing) against its targets."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.campaigns.models import Campaign
from campaign.dashboard.figures import month_start
from campaign.reports.services import month_bounds
from campaign.scores.computing import scored_organizations
from campaign.scores.models import Direction, Indicator, IndicatorKind, IndicatorValue, ScoreSheet, ValueKind
from campaign.scores.rules import target_met
from campaign.scores.services import is_scored
from orgs.models import Grade, Organization
from orgs.sheets.writing import Table, xlsx_tables

# The due day ends at midnight in the county, whatever the server's zone.
COUNTY_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")

DEFAULT_REPORT_DAY = 5


class Filing(models.TextChoices):
    ON_TIME = "on_time", gettext_lazy("按时报送")
    LATE = "late", gettext_lazy("迟报")
    MISSING = "missing", gettext_lazy("未报")
    PENDING = "pending", gettext_lazy("待报")  # not filed, and not yet due


def measured_indicators(campaign: Campaign) -> list[Indicator]:
    """The measured indicators of the campaign's sheet, in the sheet's order. One query."""
    return list(
        Indicator._base_manager.filter(sheet__campaign=campaign, kind=IndicatorKind.MEASURED).order_by("order", "pk")
    )


def has_measured_indicators(campaign: Campaign) -> bool:
    return Indicator._base_manager.filter(sheet__campaign=campaign, kind=IndicatorKind.MEASURED).exists()


def report_day(campaign: Campaign) -> int:
    day = ScoreSheet._base_manager.filter(campaign=campaign).values_list("monthly_report_day", flat=True).first()
    return day or DEFAULT_REPORT_DAY


def due_on(month: datetime.date, day: int) -> datetime.date:
    """The day of the following month by which the month's values are due."""
    following = month_bounds(month)[1] + datetime.timedelta(days=1)
    return following.replace(day=day)


def due_deadline(month: datetime.date, day: int) -> datetime.datetime:
    """The first moment a value of the month is late: midnight after the due day, county time."""
    after = due_on(month, day) + datetime.timedelta(days=1)
    return datetime.datetime.combine(after, datetime.time(), tzinfo=COUNTY_ZONE)


def scored_units(campaign: Campaign, *, within: Organization | None = None) -> models.QuerySet[Organization]:
    """The units the campaign scores (campaign.scores.services.is_scored), in tree order,
    as the active scope sees them; ``within``: only that subtree."""
    units = scored_organizations(campaign)
    if within is not None:
        units = units.filter(path__startswith=within.path)
    return units.select_related("parent").order_by("path")


def month_choices(campaign: Campaign, *, today: datetime.date) -> list[datetime.date]:
    """The campaign's months begun by today, newest first."""
    months = []
    month = month_start(min(campaign.ends_on, today))
    while month >= month_start(campaign.starts_on):
        months.append(month)
        month = month_start(month - datetime.timedelta(days=1))
    return months


def default_month(campaign: Campaign, *, today: datetime.date) -> datetime.date:
    """The month being reported now: the last one, within the campaign; once the campaign
    is over, the last month anyone filed, rather than an empty one. One query then."""
    last = month_start(month_start(today) - datetime.timedelta(days=1))
    if today > campaign.ends_on:
        filed = (
            IndicatorValue.objects.filter(indicator__sheet__campaign=campaign)
            .order_by("-month")
            .values_list("month", flat=True)
            .first()
        )
        if filed is not None:
            return filed
    return max(min(last, month_start(campaign.ends_on)), month_start(campaign.starts_on))


def value_text(indicator: Indicator, value: Decimal | None) -> str:
    """A value as printed: "85.50%", "12", "是"; a dash for none."""
    if value is None:
        return "—"
    if indicator.value_kind == ValueKind.YES_NO:
        return _("是") if value >= 1 else _("否")
    if indicator.value_kind == ValueKind.RATIO:
        return f"{value.quantize(Decimal('0.01'))}%"
    return format(value.normalize(), "f") if value == value.to_integral_value() else f"{value}"


def target_text(indicator: Indicator, target: Decimal | None) -> str:
    """ "≥ 80.00%", "≤ 2", "是"; empty when there is no target."""
    if target is None:
        return ""
    if indicator.value_kind == ValueKind.YES_NO:
        wanted = target >= 1 if indicator.direction == Direction.AT_LEAST else target < 1
        return _("是") if wanted else _("否")
    sign = "≥" if indicator.direction == Direction.AT_LEAST else "≤"
    return f"{sign} {value_text(indicator, target)}"


def target_summary(indicator: Indicator) -> str:
    """The targets of every grade in one line: "三级 ≥ 80.00%；二级 ≥ 50.00%；其他 ≥ 30.00%"."""
    parts = []
    for grade, target in (indicator.grade_targets or {}).items():
        if target in (None, ""):
            continue
        label = Grade(grade).label if grade in Grade.values else grade
        parts.append(f"{label} {target_text(indicator, Decimal(str(target)))}")
    if indicator.target is not None:
        general = target_text(indicator, indicator.target)
        parts.append(_("其他 %(target)s") % {"target": general} if parts else general)
    return "；".join(parts)


@dataclass(frozen=True)
class Cell:
    """One unit's filing of one indicator for the month."""

    indicator: Indicator
    applies: bool
    target: Decimal | None = None
    value: IndicatorValue | None = None
    filing: str = ""  # a Filing; empty when the indicator does not apply to the unit
    met: bool | None = None  # None: not filed, or no target

    @property
    def value_text(self) -> str:
        return value_text(self.indicator, self.value.value if self.value else None)

    @property
    def target_text(self) -> str:
        return target_text(self.indicator, self.target)

    @property
    def is_late(self) -> bool:
        return self.filing == Filing.LATE

    @property
    def is_missing(self) -> bool:
        return self.filing == Filing.MISSING

    @property
    def is_below(self) -> bool:
        return self.met is False

    @property
    def filing_label(self) -> str:
        return str(Filing(self.filing).label) if self.filing else ""


@dataclass
class UnitStatus:
    organization: Organization
    cells: list[Cell]  # aligned with MonthlyStatus.indicators

    @property
    def applicable(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.applies]

    @property
    def late(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.is_late]

    @property
    def missing(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.is_missing]

    @property
    def below(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.is_below]

    @property
    def filed(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.value is not None]

    @property
    def first_filed_at(self) -> datetime.datetime | None:
        return min((cell.value.reported_at for cell in self.filed), default=None)


@dataclass
class MonthlyStatus:
    campaign: Campaign
    month: datetime.date
    due_on: datetime.date
    deadline: datetime.datetime
    indicators: list[Indicator]
    units: list[UnitStatus]
    summary: dict = field(default_factory=dict)

    @property
    def late_units(self) -> list[UnitStatus]:
        return [unit for unit in self.units if unit.late]

    @property
    def missing_units(self) -> list[UnitStatus]:
        return [unit for unit in self.units if unit.missing]

    @property
    def below_units(self) -> list[UnitStatus]:
        return [unit for unit in self.units if unit.below]


def filing_of(value: IndicatorValue | None, *, deadline: datetime.datetime, today: datetime.date) -> str:
    """On time, late (first filed after the due day's end), missing (not filed and the
    due day is over) or pending."""
    if value is not None:
        return Filing.LATE if value.reported_at >= deadline else Filing.ON_TIME
    due_day = (deadline - datetime.timedelta(days=1)).date()
    return Filing.MISSING if today > due_day else Filing.PENDING


def monthly_report_status(
    campaign: Campaign,
    month: datetime.date,
    *,
    organizations: Iterable[Organization],
    today: datetime.date,
    indicators: list[Indicator] | None = None,
) -> MonthlyStatus:
    """Per unit among ``organizations`` that the campaign scores and that some measured
    indicator applies to: each applicable indicator filed on time, late or missing, and
    its value against the unit's target; with summary counts. Two queries, and one for
    the indicators unless given."""
    month = month_start(month)
    day = report_day(campaign)
    deadline = due_deadline(month, day)
    indicators = measured_indicators(campaign) if indicators is None else indicators
    units = [
        organization
        for organization in organizations
        if is_scored(campaign, organization) and any(i.applies_to(organization.grade) for i in indicators)
    ]
    values = {
        (row.indicator_id, row.organization_id): row
        for row in IndicatorValue._base_manager.filter(
            indicator__in=[indicator.pk for indicator in indicators],
            organization__in=[unit.pk for unit in units],
            month=month,
        )
    }
    statuses = []
    for unit in units:
        cells = []
        for indicator in indicators:
            if not indicator.applies_to(unit.grade):
                cells.append(Cell(indicator=indicator, applies=False))
                continue
            value = values.get((indicator.pk, unit.pk))
            target = indicator.target_for(unit.grade)
            cells.append(
                Cell(
                    indicator=indicator,
                    applies=True,
                    target=target,
                    value=value,
                    filing=filing_of(value, deadline=deadline, today=today),
                    met=target_met(value.value, target, indicator.direction) if value is not None else None,
                )
            )
        statuses.append(UnitStatus(organization=unit, cells=cells))
    status = MonthlyStatus(
        campaign=campaign,
        month=month,
        due_on=due_on(month, day),
        deadline=deadline,
        indicators=indicators,
        units=statuses,
    )
    expected = sum(len(unit.applicable) for unit in statuses)
    filed = sum(len(unit.filed) for unit in statuses)
    status.summary = {
        "units": len(statuses),
        "expected": expected,
        "filed": filed,
        "on_time": sum(1 for unit in statuses for cell in unit.cells if cell.filing == Filing.ON_TIME),
        "late": sum(len(unit.late) for unit in statuses),
        "missing": sum(len(unit.missing) for unit in statuses),
        "pending": sum(1 for unit in statuses for cell in unit.cells if cell.filing == Filing.PENDING),
        "below": sum(len(unit.below) for unit in statuses),
        "units_complete": sum(1 for unit in statuses if len(unit.filed) == len(unit.applicable)),
        "units_late": len(status.late_units),
        "units_missing": len(status.missing_units),
        "units_below": len(status.below_units),
    }
    return status


def _cell_text(cell: Cell) -> str:
    """A cell of the export: the value and, in words, what is wrong with it."""
    if not cell.applies:
        return _("不适用")
    if cell.value is None:
        return cell.filing_label
    notes = [cell.filing_label] if cell.is_late else []
    if cell.is_below:
        notes.append(_("未达标"))
    if not notes:
        return cell.value_text
    return _("%(value)s（%(notes)s）") % {"value": cell.value_text, "notes": "，".join(notes)}


def monthly_status_export(status: MonthlyStatus) -> bytes:
    """The month's status as an .xlsx: units × indicators, then the units late, missing
    or below target, one line per indicator."""
    head = [_("单位"), _("上级组织"), _("单位等级")]
    head += [
        _("%(name)s（目标：%(target)s）") % {"name": indicator.name, "target": target_summary(indicator) or "—"}
        for indicator in status.indicators
    ]
    rows = [
        [
            unit.organization.name,
            unit.organization.parent.name if unit.organization.parent else "",
            str(unit.organization.get_grade_display() or ""),
            *[_cell_text(cell) for cell in unit.cells],
        ]
        for unit in status.units
    ]
    problems = [
        [
            unit.organization.name,
            cell.indicator.name,
            cell.filing_label,
            cell.value_text if cell.value else "",
            cell.target_text,
            _("未达标") if cell.is_below else "",
        ]
        for unit in status.units
        for cell in unit.cells
        if cell.is_late or cell.is_missing or cell.is_below
    ]
    title = _("%(year)s年%(month)s月月报") % {"year": status.month.year, "month": status.month.month}
    return xlsx_tables(
        [
            Table(title=title, header=head, rows=rows, widths=(28, 20, 10)),
            Table(
                title=_("迟报、未报和未达标"),
                header=[_("单位"), _("指标"), _("报送情况"), _("数值"), _("目标"), _("是否达标")],
                rows=problems,
                widths=(28, 24, 10, 12, 12, 10),
            ),
        ]
    )
