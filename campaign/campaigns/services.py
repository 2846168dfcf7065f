"""Every write to campaigns: their basics, phases, standards and sector themes.

Each function checks the whole of what it is given before it writes anything, and
raises ``ValidationError`` with messages for the office, so a form can show them and
nothing is half-saved. ``by`` is the account acting; None means a command such as
``manage.py load_demo``, which runs unscoped and needs no permission.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from campaign.campaigns.evaluation import (
    PARTY_PRESET,
    CategoryInput,
    ChoiceInput,
    EvaluationPreset,
    campaign_evaluation_defaults,
    evaluation_problems,
)
from campaign.campaigns.models import (
    DEFAULT_BALLOT_BATCH_SIZE,
    MAX_BALLOT_BATCH_SIZE,
    MIN_BALLOT_BATCH_SIZE,
    Campaign,
    CampaignChoice,
    CampaignEvaluatorCategory,
    CampaignSubjects,
    Phase,
    SectorTheme,
    Standard,
    StandardDimension,
    StandardSubject,
)
from campaign.campaigns.selectors import dimension_use_counts
from orgs.access import user_scope
from orgs.models import Organization, OrganizationKind, Role, Sector, User
from orgs.scoping import scope_activated

# ---------------------------------------------------------------------------
# What a new campaign starts with
# ---------------------------------------------------------------------------

MOBILIZATION, CONTENTION, SUMMARY = "动员部署", "全面争创", "总结表彰"
DEFAULT_PHASE_NAMES = (MOBILIZATION, CONTENTION, SUMMARY)
DEFAULT_REVIEW_PERIOD_MONTHS = 6
DEFAULT_REPORTS_PER_MONTH = 3
DEFAULT_MODELS_PER_QUARTER = 1
DEFAULT_SATISFACTION_THRESHOLD = Decimal("90")
# Kinds of organization that run a campaign for the subtree below them.
RUNNING_KINDS = (
    OrganizationKind.COUNTY_COMMITTEE,
    OrganizationKind.COMMITTEE,
    OrganizationKind.WORKING_COMMITTEE,
    OrganizationKind.GENERAL_BRANCH,
)


@dataclass(frozen=True)
class DimensionInput:
    name: str
    description: str = ""
    dimension: StandardDimension | None = None  # None: a new dimension


@dataclass(frozen=True)
class StandardInput:
    subject: str
    name: str
    review_focus: str = ""
    dimensions: list[DimensionInput] = field(default_factory=list)


@dataclass(frozen=True)
class PhaseInput:
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    phase: Phase | None = None  # None: a new phase


# The 2010 campaign's standards, as the central opinion on the campaign words them
# (abridged); the review focus is what the county speech asks leader reviews to stress.
ORGANIZATION_STANDARD = StandardInput(
    subject=StandardSubject.ORGANIZATION,
    name="五个好",
    review_focus="引领发展、服务群众、构建和谐、加强基层组织",
    dimensions=[
        DimensionInput(
            "领导班子好",
            "认真贯彻党的路线方针政策和上级党组织的决议，团结协作、求真务实、勇于创新、廉洁自律，有一个好书记。",
        ),
        DimensionInput(
            "党员队伍好",
            "党员理想信念坚定，学习勤奋、素质较高，在工作和生活中充分发挥先锋模范作用。",
        ),
        DimensionInput(
            "工作机制好",
            "各项制度健全，组织生活严格规范，党内民主充分发扬，工作运行顺畅有效。",
        ),
        DimensionInput(
            "工作业绩好",
            "围绕中心、服务大局，在推动科学发展、促进社会和谐、服务人民群众中成效明显。",
        ),
        DimensionInput(
            "群众反映好",
            "党组织在群众中威信高、凝聚力强，党群干群关系密切，群众满意度高。",
        ),
    ],
)
MEMBER_STANDARD = StandardInput(
    subject=StandardSubject.MEMBER,
    name="五带头",
    review_focus="工作思路、执行能力、效率业绩、廉洁从政、承诺兑现",
    dimensions=[
        DimensionInput("带头学习提高", "认真学习政治理论、科学文化和业务知识，理想信念坚定，能力素质不断提高。"),
        DimensionInput("带头争创佳绩", "立足本职、爱岗敬业，开拓进取、勇于创新，工作业绩突出。"),
        DimensionInput("带头服务群众", "密切联系群众，主动为群众办实事、做好事、解难事。"),
        DimensionInput("带头遵纪守法", "模范遵守党的纪律和国家法律法规，清正廉洁，自觉维护团结稳定。"),
        DimensionInput("带头弘扬正气", "践行社会主义荣辱观，讲正气、树新风，敢于同不良风气和违法违纪行为作斗争。"),
    ],
)
DEFAULT_STANDARDS = (ORGANIZATION_STANDARD, MEMBER_STANDARD)


def default_phases(starts_on: datetime.date, ends_on: datetime.date) -> list[PhaseInput]:
    """动员部署 → 全面争创 → 总结表彰 over the campaign's dates: about a twelfth of the time
    to mobilize, as much to sum up, the rest to contend. The office adjusts the dates."""
    days = (ends_on - starts_on).days + 1
    if days < 3:
        return [PhaseInput(CONTENTION, starts_on, ends_on)]
    edge = max(1, round(days / 12))
    mobilized = starts_on + datetime.timedelta(days=edge - 1)
    summing_up = ends_on - datetime.timedelta(days=edge - 1)
    return [
        PhaseInput(MOBILIZATION, starts_on, mobilized),
        PhaseInput(CONTENTION, mobilized + datetime.timedelta(days=1), summing_up - datetime.timedelta(days=1)),
        PhaseInput(SUMMARY, summing_up, ends_on),
    ]


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


def campaign_may_create(user: User) -> bool:
    """The county office (or a superuser) sets up campaigns."""
    return user.is_authenticated and (user.is_superuser or user.role == Role.OFFICE) and user_scope(user).writable


def campaign_may_edit(user: User, campaign: Campaign) -> bool:
    """The office whose scope covers the organization running the campaign. No query."""
    return campaign_may_create(user) and user_scope(user).can_change(campaign.organization)


def campaign_organization_choices(user: User) -> QuerySet[Organization]:
    """Organizations the user may run a campaign for: the committees in the user's scope."""
    with scope_activated(user_scope(user)):
        return Organization.objects.filter(kind__in=RUNNING_KINDS).order_by("path")


def _require_office(by: User | None, organization: Organization) -> None:
    if by is None:
        return
    if not campaign_may_create(by) or not user_scope(by).can_change(organization):
        raise PermissionDenied(_("只有主办组织的活动办公室可以设置本活动。"))


# ---------------------------------------------------------------------------
# Checks shared by the forms and the services
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: which row (None for the whole) and which field."""

    message: str
    index: int | None = None
    field: str | None = None


def campaign_basics_problems(
    *,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    satisfaction_threshold: Decimal | None,
    phases: list[Phase] | list[PhaseInput] = (),
) -> list[Problem]:
    """Dates in order, the threshold a percentage, existing phases inside the dates.
    A value that is None (a form field already refused) is not checked."""
    problems = []
    if satisfaction_threshold is not None and not Decimal("0") <= satisfaction_threshold <= Decimal("100"):
        problems.append(Problem(_("满意率达标线应在 0 到 100 之间。"), field="satisfaction_threshold"))
    if starts_on is None or ends_on is None:
        return problems
    if ends_on < starts_on:
        problems.append(Problem(_("结束日期不能早于开始日期。"), field="ends_on"))
        return problems
    for phase in phases:
        if phase.starts_on < starts_on or phase.ends_on > ends_on:
            problems.append(
                Problem(
                    _("阶段“%(name)s”（%(start)s 至 %(end)s）不在新的活动日期内，请先到“活动阶段”中调整它的日期。")
                    % {"name": phase.name, "start": phase.starts_on, "end": phase.ends_on}
                )
            )
    return problems


def phase_problems(*, campaign: Campaign, phases: list[PhaseInput]) -> list[Problem]:
    """Phases lie inside the campaign's dates, each ends after it starts, and they follow
    one another without overlapping. Indexes refer to the list as given."""
    problems = []
    if not phases:
        return [Problem(_("至少要有一个阶段。"))]
    names: set[str] = set()
    for index, phase in enumerate(phases):
        values = {"name": phase.name, "date": None}
        if phase.name in names:
            problems.append(Problem(_("阶段名称“%(name)s”重复了。") % values, index, "name"))
        names.add(phase.name)
        if phase.ends_on < phase.starts_on:
            problems.append(Problem(_("结束日期不能早于开始日期。"), index, "ends_on"))
        if phase.starts_on < campaign.starts_on:
            values["date"] = campaign.starts_on
            problems.append(Problem(_("阶段不能早于活动开始日期（%(date)s）。") % values, index, "starts_on"))
        if phase.ends_on > campaign.ends_on:
            values["date"] = campaign.ends_on
            problems.append(Problem(_("阶段不能晚于活动结束日期（%(date)s）。") % values, index, "ends_on"))
    in_order = sorted(range(len(phases)), key=lambda index: (phases[index].starts_on, index))
    for before, after in zip(in_order, in_order[1:], strict=False):
        if phases[after].starts_on <= phases[before].ends_on:
            problems.append(
                Problem(
                    _("与阶段“%(previous)s”的日期重叠：各阶段应依次衔接，后一阶段在前一阶段结束后开始。")
                    % {"previous": phases[before].name},
                    after,
                    "starts_on",
                )
            )
    return problems


def dimension_problems(*, standard: Standard | None, dimensions: list[DimensionInput]) -> list[Problem]:
    """At least one dimension, no two with the same name, and none removed that a
    pledge item serves (the item would lose the standard it was pledged against)."""
    problems = []
    if not dimensions:
        problems.append(Problem(_("每项标准至少要有一条内容。")))
    names: set[str] = set()
    for index, dimension in enumerate(dimensions):
        if dimension.name in names:
            problems.append(
                Problem(_("同一标准中已有“%(name)s”，名称不能重复。") % {"name": dimension.name}, index, "name")
            )
        names.add(dimension.name)
    if standard is not None and standard.pk:
        kept = {dimension.dimension.pk for dimension in dimensions if dimension.dimension is not None}
        removed = [dimension for dimension in standard.dimensions.all() if dimension.pk not in kept]
        counts = dimension_use_counts(removed)
        for dimension in removed:
            if counts.get(dimension.pk):
                problems.append(
                    Problem(
                        _(
                            "“%(name)s”已被 %(count)d 条承诺事项对应，不能删除。"
                            "可以改名或调整说明，或请相关支部先修改这些承诺事项。"
                        )
                        % {"name": dimension.name, "count": counts[dimension.pk]}
                    )
                )
    return problems


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError([problem.message for problem in problems])


# ---------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    organization: Organization,
    name: str,
    theme: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    satisfaction_threshold: Decimal = DEFAULT_SATISFACTION_THRESHOLD,
    review_period_months: int = DEFAULT_REVIEW_PERIOD_MONTHS,
    reports_per_month: int = DEFAULT_REPORTS_PER_MONTH,
    models_per_quarter: int = DEFAULT_MODELS_PER_QUARTER,
    lookback_months: int = 3,
    progress_correction_days: int = 7,
    ballot_batch_size: int = DEFAULT_BALLOT_BATCH_SIZE,
    evaluation: EvaluationPreset = PARTY_PRESET,
    subjects: str = CampaignSubjects.PARTY,
    mass_organizations_take_part: bool = False,
    phases: list[PhaseInput] | None = None,
    standards: list[StandardInput] | tuple[StandardInput, ...] = DEFAULT_STANDARDS,
    sector_themes: dict[str, str] | None = None,
    by: User | None,
) -> Campaign:
    """A new campaign with its phases (by default 动员部署/全面争创/总结表彰 spread over its
    dates) and its standards (by default 五个好 and 五带头), so the office only adjusts."""
    _require_office(by, organization)
    if organization.kind not in RUNNING_KINDS:
        raise ValidationError(_("活动应由县委、党委、党工委或党总支主办。"))
    _raise(
        campaign_basics_problems(starts_on=starts_on, ends_on=ends_on, satisfaction_threshold=satisfaction_threshold)
    )
    _check_batch_size(ballot_batch_size)
    campaign = Campaign.objects.create(
        organization=organization,
        name=name,
        theme=theme,
        starts_on=starts_on,
        ends_on=ends_on,
        satisfaction_threshold=satisfaction_threshold,
        review_period_months=review_period_months,
        reports_per_month=reports_per_month,
        models_per_quarter=models_per_quarter,
        lookback_months=lookback_months,
        progress_correction_days=progress_correction_days,
        ballot_batch_size=ballot_batch_size,
        subjects=_checked_subjects(subjects),
        mass_organizations_take_part=mass_organizations_take_part,
        created_by=by,
    )
    campaign_evaluation_defaults(campaign=campaign, preset=evaluation)
    campaign_phases_set(campaign=campaign, phases=phases or default_phases(starts_on, ends_on), by=by)
    campaign_standards_set(campaign=campaign, standards=list(standards), by=by)
    if sector_themes:
        campaign_sector_themes_set(campaign=campaign, themes=sector_themes, by=by)
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    name: str,
    theme: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    satisfaction_threshold: Decimal,
    review_period_months: int,
    reports_per_month: int,
    models_per_quarter: int,
    lookback_months: int | None = None,
    progress_correction_days: int | None = None,
    ballot_batch_size: int | None = None,
    subjects: str | None = None,
    mass_organizations_take_part: bool | None = None,
    by: User | None,
) -> Campaign:
    """Change the basics (None: leave that one as it is). The organization running it
    stays: pledges and reviews below it were made for that subtree. A new threshold
    applies to rounds tallied from now on; tallied ones keep theirs."""
    _require_office(by, campaign.organization)
    _raise(
        campaign_basics_problems(
            starts_on=starts_on,
            ends_on=ends_on,
            satisfaction_threshold=satisfaction_threshold,
            phases=list(campaign.phases.all()),
        )
    )
    campaign.name = name
    campaign.theme = theme
    campaign.starts_on = starts_on
    campaign.ends_on = ends_on
    campaign.satisfaction_threshold = satisfaction_threshold
    campaign.review_period_months = review_period_months
    campaign.reports_per_month = reports_per_month
    campaign.models_per_quarter = models_per_quarter
    if lookback_months is not None:
        campaign.lookback_months = lookback_months
    if progress_correction_days is not None:
        campaign.progress_correction_days = progress_correction_days
    if ballot_batch_size is not None:
        _check_batch_size(ballot_batch_size)
        campaign.ballot_batch_size = ballot_batch_size
    if subjects is not None:
        # Pledges, rounds and nominations already made stay; new ones follow the new subjects.
        campaign.subjects = _checked_subjects(subjects)
    if mass_organizations_take_part is not None:
        campaign.mass_organizations_take_part = mass_organizations_take_part
    campaign.save()
    return campaign


def _checked_subjects(subjects: str) -> str:
    if subjects not in CampaignSubjects.values:
        raise ValidationError(
            _("活动对象只能是：%(allowed)s。") % {"allowed": "、".join(str(label) for label in CampaignSubjects.labels)}
        )
    return subjects


def _check_batch_size(ballot_batch_size: int) -> None:
    if not MIN_BALLOT_BATCH_SIZE <= ballot_batch_size <= MAX_BALLOT_BATCH_SIZE:
        raise ValidationError(
            _("评议表每批计入份数应在 %(least)s 到 %(most)s 份之间。")
            % {"least": MIN_BALLOT_BATCH_SIZE, "most": MAX_BALLOT_BATCH_SIZE}
        )


@transaction.atomic
def campaign_phases_set(*, campaign: Campaign, phases: list[PhaseInput], by: User | None) -> list[Phase]:
    """Make the campaign's phases exactly these: phases not listed are removed, listed
    ones updated or added, numbered in date order."""
    _require_office(by, campaign.organization)
    for given in phases:
        if given.phase is not None and given.phase.campaign_id != campaign.pk:
            raise ValidationError(_("阶段不属于本活动。"))
    _raise(phase_problems(campaign=campaign, phases=phases))
    kept = [given.phase.pk for given in phases if given.phase is not None]
    Phase.objects.filter(campaign=campaign).exclude(pk__in=kept).delete()
    saved = []
    for order, given in enumerate(sorted(phases, key=lambda given: given.starts_on), start=1):
        phase = given.phase or Phase(campaign=campaign)
        phase.name, phase.starts_on, phase.ends_on, phase.order = given.name, given.starts_on, given.ends_on, order
        phase.save()
        saved.append(phase)
    return saved


@transaction.atomic
def campaign_standards_set(*, campaign: Campaign, standards: list[StandardInput], by: User | None) -> list[Standard]:
    """Set the campaign's standards and their dimensions, in the order given. A dimension
    that pledge items serve cannot be removed (it can be renamed)."""
    _require_office(by, campaign.organization)
    existing = {standard.subject: standard for standard in Standard.objects.filter(campaign=campaign)}
    problems = []
    for given in standards:
        standard = existing.get(given.subject)
        for dimension in given.dimensions:
            if dimension.dimension is not None and (standard is None or dimension.dimension.standard_id != standard.pk):
                raise ValidationError(_("标准内容不属于本活动的这项标准。"))
        problems += dimension_problems(standard=standard, dimensions=given.dimensions)
    _raise(problems)
    saved = []
    for given in standards:
        standard = existing.get(given.subject) or Standard(campaign=campaign, subject=given.subject)
        standard.name, standard.review_focus = given.name, given.review_focus
        standard.save()
        _dimensions_set(standard=standard, dimensions=given.dimensions)
        saved.append(standard)
    return saved


def _dimensions_set(*, standard: Standard, dimensions: list[DimensionInput]) -> None:
    kept = [given for given in dimensions if given.dimension is not None]
    StandardDimension.objects.filter(standard=standard).exclude(pk__in=[given.dimension.pk for given in kept]).delete()
    # Names are unique within a standard: when rows swap names, park the renamed rows on
    # names of their own first so that no step in between breaks the constraint.
    stored = dict(StandardDimension.objects.filter(standard=standard).values_list("pk", "name"))
    renamed = [given.dimension.pk for given in kept if stored.get(given.dimension.pk) != given.name]
    for pk in renamed:
        StandardDimension.objects.filter(pk=pk).update(name=f"#{pk}")
    for order, given in enumerate(dimensions, start=1):
        dimension = given.dimension or StandardDimension(standard=standard)
        dimension.name, dimension.description, dimension.order = given.name, given.description, order
        dimension.save()


@transaction.atomic
def campaign_sector_themes_set(*, campaign: Campaign, themes: dict[str, str], by: User | None) -> list[SectorTheme]:
    """One theme per sector; a sector given an empty theme has none of its own and works
    under the campaign's theme."""
    _require_office(by, campaign.organization)
    unknown = set(themes) - set(Sector.values)
    if unknown:
        raise ValidationError(_("没有这个领域：%(sector)s。") % {"sector": "、".join(sorted(unknown))})
    existing = {theme.sector: theme for theme in SectorTheme.objects.filter(campaign=campaign)}
    saved = []
    for sector, text in themes.items():
        text = text.strip()
        theme = existing.get(sector)
        if not text:
            if theme is not None:
                theme.delete()
            continue
        theme = theme or SectorTheme(campaign=campaign, sector=sector)
        theme.theme = text
        theme.save()
        saved.append(theme)
    return saved


def _new_key(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    taken.add(f"{prefix}{number}")
    return f"{prefix}{number}"


@transaction.atomic
def campaign_evaluation_set(
    *, campaign: Campaign, categories: list[CategoryInput], choices: list[ChoiceInput], by: User | None
) -> None:
    """Make the campaign's evaluator categories and choices exactly these, in this order.
    An item keeps its key (and so its place in rounds set up before) when it comes back
    with it; rounds already set up keep the categories and choices they copied."""
    _require_office(by, campaign.organization)
    problems = evaluation_problems(categories=categories, choices=choices)
    if problems:
        raise ValidationError(problems)
    for model, items, prefix in (
        (CampaignEvaluatorCategory, categories, "c"),
        (CampaignChoice, choices, "o"),
    ):
        stored = {row.key: row for row in model.objects.filter(campaign=campaign)}
        taken = set(stored) | {item.key for item in items if item.key}
        keep = {item.key for item in items if item.key in stored}
        model.objects.filter(campaign=campaign).exclude(key__in=keep).delete()
        # Labels are unique per campaign: park the kept rows on their keys first, so
        # that two rows swapping labels never collide half-way.
        for key in keep:
            model.objects.filter(pk=stored[key].pk).update(label=f"#{key}")
        for order, item in enumerate(items, start=1):
            row = (
                stored.get(item.key)
                if item.key in keep
                else model(campaign=campaign, key=item.key or _new_key(prefix, taken))
            )
            row.label, row.order = item.label.strip(), order
            if model is CampaignChoice:
                row.counting = item.counting
            row.save()
