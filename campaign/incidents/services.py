"""重大情况报告: every write to the incident register.

Who does what:
- the office that runs the campaign (campaign.campaigns.services.campaign_may_edit)
  names the kinds of 重大情况 with their reporting limits and veto rule;
- the people of a unit (office, leader or secretary whose scope may change it) report
  its incidents, add the written report later, what was done and the follow-up;
- an inspection group, in the subtrees it inspects, or the office registers an incident
  found by inspection; one the unit never reported is 瞒报.

An incident reported late (迟报), concealed (瞒报) or vetoing its unit opens one
rectification task for the unit (pledges.rectification), linked by Incident.rectification.
Every change that can alter a veto asks the score side to recompute the campaign's open
periods, by task name through the outbox: campaign.scores sits above this room.

``by`` is the account acting; None means a command such as ``manage.py load_demo``,
which runs unscoped and needs no permission.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.services import campaign_may_edit
from campaign.incidents.models import Incident, IncidentKind, Severity, Timeliness, VetoRule
from campaign.incidents.selectors import incident_timeliness, incident_vetoes, veto_reason
from campaign.infra.outbox import outbox_enqueue
from orgs.access import user_scope
from orgs.models import Member, Organization, OrganizationKind, Post, Role, User
from pledges.models import Rectification, RectificationSource
from pledges.rectification import may_manage_rectification, rectification_create

# The score side's task (campaign.scores.tasks): recompute the campaign's open periods.
RECOMPUTE_TASK = "campaign.scores.tasks.recompute_campaign_scores"
# Days a unit gets to put right what an incident showed (迟报、瞒报 or a veto).
RECTIFICATION_DAYS = 30
# A reporting limit beyond a month is not "at once" any more.
MAX_LIMIT_HOURS = 24 * 30
REPORTER_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SECRETARY})
MASS_KINDS = OrganizationKind.mass_organizations()


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


def incident_unit_covered(campaign: Campaign, organization: Organization) -> bool:
    """A unit below the campaign's own organization that the campaign covers: mass
    organizations only when the campaign says they take part. No query."""
    if organization.pk == campaign.organization_id or not organization.is_within(campaign.organization):
        return False
    return campaign.mass_organizations_take_part or organization.kind not in MASS_KINDS


def may_set_kinds(user: User, campaign: Campaign) -> bool:
    return campaign_may_edit(user, campaign)


def may_report_any(user: User) -> bool:
    """Whether the user reports incidents at all: people who may change some unit."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or (user.role in REPORTER_ROLES and user_scope(user).writable)


def may_report(user: User, organization: Organization) -> bool:
    """The unit's own people, or those above it: office, leader or secretary whose scope
    may change it. No query once the scope is known."""
    return may_report_any(user) and user_scope(user).can_change(organization)


def may_register_found_any(user: User, campaign: Campaign) -> bool:
    if not user.is_authenticated:
        return False
    if campaign_may_edit(user, campaign):
        return True
    return user.role == Role.INSPECTOR and bool(user_scope(user).subtree_paths)


def may_register_found(user: User, campaign: Campaign, organization: Organization) -> bool:
    """An inspection group within the subtrees it inspects, or the campaign's office."""
    if not user.is_authenticated:
        return False
    if campaign_may_edit(user, campaign):
        return user_scope(user).can_change(organization)
    return user.role == Role.INSPECTOR and user_scope(user).contains(organization)


def may_update(user: User, incident: Incident) -> bool:
    """The written report, what was done and the follow-up come from the unit or above."""
    return may_report(user, incident.organization)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# ---------------------------------------------------------------------------
# Kinds and their limits
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentKindInput:
    name: str
    phone_limit_hours: int | None = None
    written_limit_hours: int | None = None
    veto_rule: str = VetoRule.LATE
    kind: IncidentKind | None = None  # None: a new kind


def kind_problems(*, campaign: Campaign, kinds: list[IncidentKindInput]) -> list[str]:
    """Names given and distinct, limits between 1 hour and a month, the written limit not
    before the phone one, the veto rule known, no kind removed that has incidents."""
    problems = []
    names: set[str] = set()
    for kind in kinds:
        name = kind.name.strip()
        if not name:
            problems.append(_("请填写情况类别的名称。"))
            continue
        values = {"name": name, "most": MAX_LIMIT_HOURS}
        if name in names:
            problems.append(_("情况类别“%(name)s”重复了。") % values)
        names.add(name)
        if kind.kind is not None and kind.kind.campaign_id != campaign.pk:
            problems.append(_("情况类别“%(name)s”不属于本活动。") % values)
        for hours in (kind.phone_limit_hours, kind.written_limit_hours):
            if hours is not None and not 1 <= hours <= MAX_LIMIT_HOURS:
                problems.append(_("“%(name)s”的报告时限应在 1 到 %(most)s 小时之间。") % values)
                break
        if kind.phone_limit_hours is None and kind.written_limit_hours is None:
            problems.append(_("“%(name)s”至少要规定电话报告或书面报告中的一个时限。") % values)
        if (
            kind.phone_limit_hours is not None
            and kind.written_limit_hours is not None
            and kind.written_limit_hours < kind.phone_limit_hours
        ):
            problems.append(_("“%(name)s”的书面报告时限不能短于电话报告时限。") % values)
        if kind.veto_rule not in VetoRule.values:
            problems.append(_("请为“%(name)s”选择一票否决规则。") % values)
    kept = {kind.kind.pk for kind in kinds if kind.kind is not None}
    removed = IncidentKind.objects.filter(campaign=campaign).exclude(pk__in=kept).annotate(used=Count("incidents"))
    for kind in removed:
        if kind.used:
            problems.append(
                _("“%(name)s”已登记 %(count)d 起重大情况，不能删除，可以修改它的名称或时限。")
                % {"name": kind.name, "count": kind.used}
            )
    return problems


@transaction.atomic
def incident_kinds_set(*, campaign: Campaign, kinds: list[IncidentKindInput], by: User | None) -> list[IncidentKind]:
    """The campaign's kinds of 重大情况, in the order given: existing ones updated, new
    ones added, the rest removed (refused for a kind with incidents)."""
    if by is not None:
        _require(may_set_kinds(by, campaign), _("只有主办组织的活动办公室可以设置重大情况类别和报告时限。"))
    # One change of a campaign's kinds at a time.
    Campaign._base_manager.select_for_update().get(pk=campaign.pk)
    problems = kind_problems(campaign=campaign, kinds=kinds)
    if problems:
        raise ValidationError(problems)
    kept = [kind.kind.pk for kind in kinds if kind.kind is not None]
    IncidentKind.objects.filter(campaign=campaign).exclude(pk__in=kept).delete()
    # Names are unique in a campaign: renames that swap two names pass through a free one.
    for kind in kinds:
        if kind.kind is not None:
            IncidentKind.objects.filter(pk=kind.kind.pk).update(name=f"\x1f{kind.kind.pk}")
    saved = []
    for order, kind in enumerate(kinds):
        row = kind.kind or IncidentKind(campaign=campaign)
        row.name = kind.name.strip()
        row.phone_limit_hours = kind.phone_limit_hours
        row.written_limit_hours = kind.written_limit_hours
        row.veto_rule = kind.veto_rule
        row.order = order
        row._history_user = by
        row.save()
        saved.append(row)
    # Limits and veto rules decide 迟报 and the veto of incidents already registered.
    _incidents_follow_up(Incident.objects.filter(campaign=campaign).select_related("kind", "organization"), by=by)
    _request_recompute(campaign)
    return saved


# ---------------------------------------------------------------------------
# Reporting and registering incidents
# ---------------------------------------------------------------------------


def _clean_times(
    *,
    campaign: Campaign,
    occurred_at: datetime.datetime,
    phoned_at: datetime.datetime | None,
    written_at: datetime.datetime | None,
    now: datetime.datetime,
) -> None:
    if occurred_at > now:
        raise ValidationError(_("发生时间不能晚于现在。"))
    if not campaign.contains_date(timezone.localdate(occurred_at)):
        raise ValidationError(
            _("发生时间不在活动期间（%(start)s 至 %(end)s）内。")
            % {"start": campaign.starts_on, "end": campaign.ends_on}
        )
    for moment, label in ((phoned_at, _("电话报告时间")), (written_at, _("书面报告时间"))):
        if moment is None:
            continue
        if moment > now:
            raise ValidationError(_("%(what)s不能晚于现在。") % {"what": label})
        if moment < occurred_at:
            raise ValidationError(_("%(what)s不能早于发生时间。") % {"what": label})


def _clean_incident(
    *, campaign: Campaign, organization: Organization, kind: IncidentKind, severity: str, summary: str
) -> str:
    if not incident_unit_covered(campaign, organization):
        raise ValidationError(_("“%(name)s”不在这项活动的范围内。") % {"name": organization.name})
    if kind.campaign_id != campaign.pk:
        raise ValidationError(_("请选择本活动规定的情况类别。"))
    if severity not in Severity.values:
        raise ValidationError(_("请选择严重程度。"))
    summary = summary.strip()
    if not summary:
        raise ValidationError(_("请填写基本情况。"))
    return summary


@transaction.atomic
def incident_report(
    *,
    campaign: Campaign,
    organization: Organization,
    kind: IncidentKind,
    severity: str,
    summary: str,
    occurred_at: datetime.datetime,
    phoned_at: datetime.datetime | None = None,
    written_at: datetime.datetime | None = None,
    actions: str = "",
    by: User | None,
    now: datetime.datetime | None = None,
) -> Incident:
    """A unit (or an organization above it) reports an incident of its own."""
    if by is not None:
        _require(may_report(by, organization), _("只有本单位或上级组织可以报告本单位的重大情况。"))
    now = now or timezone.now()
    summary = _clean_incident(
        campaign=campaign, organization=organization, kind=kind, severity=severity, summary=summary
    )
    _clean_times(campaign=campaign, occurred_at=occurred_at, phoned_at=phoned_at, written_at=written_at, now=now)
    if phoned_at is None and written_at is None:
        raise ValidationError(_("请填写电话报告时间或书面报告时间：报告重大情况，至少要有一种报告。"))
    return _incident_create(
        campaign=campaign,
        organization=organization,
        kind=kind,
        severity=severity,
        summary=summary,
        occurred_at=occurred_at,
        phoned_at=phoned_at,
        written_at=written_at,
        actions=actions.strip(),
        found_by_inspection=False,
        by=by,
        now=now,
    )


@transaction.atomic
def incident_register_found(
    *,
    campaign: Campaign,
    organization: Organization,
    kind: IncidentKind,
    severity: str,
    summary: str,
    occurred_at: datetime.datetime,
    phoned_at: datetime.datetime | None = None,
    written_at: datetime.datetime | None = None,
    actions: str = "",
    by: User | None,
    now: datetime.datetime | None = None,
) -> Incident:
    """An inspection group or the office registers an incident found by inspection. With
    no report times (the unit never reported it) it is 瞒报; report times are given when
    the unit did report it, e.g. by phone, and it never reached the register."""
    if by is not None:
        _require(
            may_register_found(by, campaign, organization),
            _("只有负责检查该单位的巡回检查组或活动办公室可以登记检查中发现的重大情况。"),
        )
    now = now or timezone.now()
    summary = _clean_incident(
        campaign=campaign, organization=organization, kind=kind, severity=severity, summary=summary
    )
    _clean_times(campaign=campaign, occurred_at=occurred_at, phoned_at=phoned_at, written_at=written_at, now=now)
    return _incident_create(
        campaign=campaign,
        organization=organization,
        kind=kind,
        severity=severity,
        summary=summary,
        occurred_at=occurred_at,
        phoned_at=phoned_at,
        written_at=written_at,
        actions=actions.strip(),
        found_by_inspection=True,
        by=by,
        now=now,
    )


def _incident_create(*, by: User | None, now: datetime.datetime, **fields) -> Incident:
    incident = Incident(registered_by=by, **fields)
    incident._history_user = by
    incident.save()
    _incidents_follow_up([incident], by=by, now=now)
    _request_recompute(incident.campaign)
    return incident


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    by: User | None,
    written_at: datetime.datetime | None = None,
    actions: str | None = None,
    follow_up: str | None = None,
    now: datetime.datetime | None = None,
) -> Incident:
    """Add the written report once it is made, what was done and the follow-up. A time
    on record is not changed, except by the campaign's office correcting it; a 瞒报
    found by inspection cannot be reported afterwards."""
    incident = (
        Incident.objects.select_for_update()
        .select_related("campaign__organization", "organization", "kind")
        .get(pk=incident.pk)
    )
    if by is not None:
        _require(may_update(by, incident), _("只有本单位或上级组织可以补充这起重大情况的报告和处置情况。"))
    now = now or timezone.now()
    is_office = by is None or campaign_may_edit(by, incident.campaign)
    changed = []
    if written_at is not None and written_at != incident.written_at:
        if incident.written_at is not None and not is_office:
            raise ValidationError(_("书面报告时间已登记，如需更正，请联系活动办公室。"))
        if incident_timeliness(incident, incident.kind, now=now) == Timeliness.CONCEALED and not is_office:
            raise ValidationError(_("这起情况是检查中发现的瞒报，不能事后补报。"))
        _clean_times(
            campaign=incident.campaign,
            occurred_at=incident.occurred_at,
            phoned_at=None,
            written_at=written_at,
            now=now,
        )
        incident.written_at = written_at
        changed.append("written_at")
    for name, value in (("actions", actions), ("follow_up", follow_up)):
        if value is not None and value.strip() != getattr(incident, name):
            setattr(incident, name, value.strip())
            changed.append(name)
    if not changed:
        return incident
    incident._history_user = by
    incident.save(update_fields=changed)
    _incidents_follow_up([incident], by=by, now=now)
    if "written_at" in changed:
        _request_recompute(incident.campaign)
    return incident


# ---------------------------------------------------------------------------
# What follows from an incident
# ---------------------------------------------------------------------------


def incident_needs_rectification(incident: Incident, *, now: datetime.datetime | None = None) -> bool:
    """迟报, 瞒报, or a veto of its unit. No query (needs incident.kind)."""
    kind = incident.kind
    timeliness = incident_timeliness(incident, kind, now=now)
    return timeliness in (Timeliness.LATE, Timeliness.CONCEALED) or incident_vetoes(incident, kind, now=now)


def _incidents_follow_up(incidents, *, by: User | None, now: datetime.datetime | None = None) -> int:
    """Open the rectification each incident calls for and has not got yet."""
    opened = 0
    for incident in incidents:
        if incident.rectification_id is None and incident_needs_rectification(incident, now=now):
            incident.rectification = _rectification_open(incident, by=by, now=now)
            Incident.objects.filter(pk=incident.pk, rectification__isnull=True).update(
                rectification=incident.rectification
            )
            opened += 1
    return opened


def _rectification_open(incident: Incident, *, by: User | None, now: datetime.datetime | None) -> Rectification:
    """The unit's task. Opened in the name of whoever's change called for it when that
    account manages the unit's tasks (the office, a leader above, the unit's secretary:
    pledges.rectification's rule, checked by rectification_create). An inspection group
    does not manage tasks, it only follows them up; the task its finding calls for is
    opened by the register itself, with no creator, as reviews.tally opens 补课整改."""
    organization = incident.organization
    now = now or timezone.now()
    deadline = timezone.localdate(now) + datetime.timedelta(days=RECTIFICATION_DAYS)
    secretary = (
        Member.objects.filter(organization=organization, post=Post.SECRETARY)
        .order_by("pk")
        .values_list("name", flat=True)
        .first()
    )
    # Stored text is read by everyone later: written in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        text = {
            "category": str(RectificationSource.INCIDENT.label),
            "problem": _("%(reason)s。") % {"reason": veto_reason(incident, incident.kind, now=now)},
            "measure": _(
                "查明原因，落实重大情况报告制度，明确报告责任人和报告时限，对照处置情况逐项整改，"
                "并将整改情况书面报告上级。"
            ),
            "owner": (secretary or organization.name)[:50],
        }
    if by is not None and may_manage_rectification(by, organization):
        return rectification_create(
            campaign=incident.campaign,
            organization=organization,
            source=RectificationSource.INCIDENT,
            deadline=deadline,
            by=by,
            **text,
        )
    return Rectification.objects.create(
        campaign=incident.campaign,
        organization=organization,
        source=RectificationSource.INCIDENT,
        deadline=deadline,
        **text,
    )


@transaction.atomic
def incidents_overdue_follow_up(*, campaign: Campaign, now: datetime.datetime | None = None) -> int:
    """Incidents whose written report is still missing past its limit became 迟报 with
    time alone: open their rectifications and ask for the recompute. For a nightly task;
    returns how many tasks it opened."""
    pending = Incident.objects.filter(campaign=campaign, rectification__isnull=True).select_related(
        "kind", "organization", "campaign"
    )
    opened = _incidents_follow_up(pending, by=None, now=now)
    if opened:
        _request_recompute(campaign)
    return opened


def _request_recompute(campaign: Campaign) -> None:
    """The score side recomputes the campaign's open periods after the commit."""
    outbox_enqueue(RECOMPUTE_TASK, campaign.pk)


def incident_kinds(campaign: Campaign) -> QuerySet[IncidentKind]:
    return IncidentKind.objects.filter(campaign=campaign).order_by("order", "pk")
