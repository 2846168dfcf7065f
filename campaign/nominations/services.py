"""典型培树: leaders nominate an advanced organization or an excellent member with their
deeds; each level above recommends it one level further up, with its opinion, until the
campaign's organization selects it as a model or declines it. Each township (or
county-organ cluster) is held to the campaign's quota of models per quarter."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.nominations.models import ModelNomination, ModelTitle, NominationOpinion, NominationStatus
from orgs.access import user_scope
from orgs.models import Gender, Member, Organization, Role, User
from orgs.scoping import PATH_SEGMENT_LENGTH
from orgs.sheets.writing import Table, xlsx_tables

NOMINATOR_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.SECRETARY})


def may_nominate(user: User) -> bool:
    return user.is_authenticated and user.role in NOMINATOR_ROLES and user.organization_id is not None


def may_recommend(user: User, nomination: ModelNomination) -> bool:
    """Leaders anchored strictly above the level that holds it, below the top of the campaign."""
    if not (may_nominate(user) and nomination.is_open):
        return False
    level = nomination.current_level
    if level.pk == nomination.campaign.organization_id or level.parent_id is None:
        return False
    anchor = user.organization
    return anchor.pk != level.pk and level.is_within(anchor) and user_scope(user).can_change(level)


def may_decide(user: User, nomination: ModelNomination) -> bool:
    """The office (or an administrator) decides, once the nomination has reached the top."""
    if not (user.is_superuser or user.role == Role.OFFICE) or not nomination.is_open:
        return False
    if nomination.current_level_id != nomination.campaign.organization_id:
        return False
    return user_scope(user).can_change(nomination.organization)


def may_decline(user: User, nomination: ModelNomination) -> bool:
    # The office may turn a nomination down at any level it can see.
    if not (user.is_superuser or user.role == Role.OFFICE) or not nomination.is_open:
        return False
    return user_scope(user).can_change(nomination.organization)


def _opinion(*, nomination: ModelNomination, organization: Organization, action: str, opinion: str, by: User):
    NominationOpinion.objects.create(
        nomination=nomination, organization=organization, action=action, opinion=opinion.strip(), by=by
    )


# 先进青年 are young people: up to 35, as the youth league's honours count them.
YOUTH_AGE = 35


def _age(birth_date: datetime.date, today: datetime.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def nomination_titles(campaign: Campaign, *, organization: Organization | None = None, member: Member | None = None):
    """The honours the campaign may put this organization or member forward for, the
    usual one first (no query)."""
    if member is not None:
        titles = [ModelTitle.EXCELLENT_PARTY_MEMBER] if member.is_party_member else []
        if campaign.covers_all_staff:
            titles.append(ModelTitle.MODEL_WORKER)
            if _age(member.birth_date, timezone.localdate()) <= YOUTH_AGE:
                titles.append(ModelTitle.ADVANCED_YOUTH)
            if member.gender == Gender.FEMALE:
                titles.append(ModelTitle.WOMEN_PACESETTER)
        return titles
    if organization.is_mass_organization:
        return [ModelTitle.ADVANCED_COLLECTIVE] if campaign.mass_organizations_take_part else []
    titles = [ModelTitle.ADVANCED_PARTY_ORGANIZATION]
    if campaign.covers_all_staff:
        titles.append(ModelTitle.ADVANCED_COLLECTIVE)
    return titles


def campaign_titles(campaign: Campaign) -> list[str]:
    """Every honour the campaign gives, in ModelTitle's order (no query)."""
    given = {ModelTitle.ADVANCED_PARTY_ORGANIZATION, ModelTitle.EXCELLENT_PARTY_MEMBER}
    if campaign.covers_all_staff:
        given |= {ModelTitle.ADVANCED_COLLECTIVE, ModelTitle.MODEL_WORKER, ModelTitle.ADVANCED_YOUTH}
        given |= {ModelTitle.WOMEN_PACESETTER}
    if campaign.mass_organizations_take_part:
        given.add(ModelTitle.ADVANCED_COLLECTIVE)
    return [value for value in ModelTitle.values if value in given]


@transaction.atomic
def nomination_create(
    *,
    campaign: Campaign,
    deeds: str,
    organization: Organization | None = None,
    member: Member | None = None,
    title: str = "",
    opinion: str = "",
    by: User,
) -> ModelNomination:
    """Nominate an organization, or a member, within the nominating user's subtree, for
    one of the honours of nomination_titles (empty: the usual one)."""
    if not may_nominate(by):
        raise PermissionDenied(_("只有党组织书记、上级党组织负责人和活动办公室可以推荐典型。"))
    if (organization is None) == (member is None):
        raise ValidationError(_("请选择推荐的先进基层党组织或优秀共产党员（二选一）。"))
    if member is not None:
        organization = member.organization
        if not campaign.covers_member(member):
            raise ValidationError(
                _("“%(campaign)s”推荐的是优秀共产党员，%(name)s不是中共党员。")
                % {"campaign": campaign.name, "name": member.name}
            )
    titles = nomination_titles(campaign, organization=organization, member=member)
    if not titles:
        raise ValidationError(
            _("“%(campaign)s”不推荐“%(name)s”参评。") % {"campaign": campaign.name, "name": organization.name}
        )
    title = title or titles[0]
    if title not in titles:
        raise ValidationError(
            _("“%(name)s”不能推荐为“%(title)s”，可以推荐为：%(titles)s。")
            % {
                "name": (member or organization).name,
                "title": ModelTitle(title).label if title in ModelTitle.values else title,
                "titles": "、".join(str(ModelTitle(value).label) for value in titles),
            }
        )
    deeds = deeds.strip()
    if not deeds:
        raise ValidationError(_("请填写主要事迹。"))
    anchor = by.organization
    if not organization.is_within(anchor) or not user_scope(by).can_change(organization):
        raise PermissionDenied(_("“%(name)s”不在您的管理范围内。") % {"name": organization.name})
    if not organization.is_within(campaign.organization):
        raise ValidationError(_("推荐对象不在本次活动的范围内。"))
    nomination = ModelNomination.objects.create(
        campaign=campaign,
        organization=organization,
        member=member,
        title=title,
        deeds=deeds,
        nominated_by=by,
        nominating_organization=anchor,
        current_level=anchor,
    )
    _opinion(nomination=nomination, organization=anchor, action=NominationStatus.PENDING, opinion=opinion, by=by)
    return nomination


def _locked(nomination: ModelNomination) -> ModelNomination:
    return (
        ModelNomination.objects.select_for_update()
        .select_related("campaign", "organization", "current_level")
        .get(pk=nomination.pk)
    )


@transaction.atomic
def nomination_recommend(*, nomination: ModelNomination, opinion: str = "", by: User) -> ModelNomination:
    """Move the nomination one level up: only those above the level that holds it may."""
    nomination = _locked(nomination)
    if not may_recommend(by, nomination):
        raise PermissionDenied(_("只有上一级党组织可以逐级推荐。"))
    parent = Organization._base_manager.get(pk=nomination.current_level.parent_id)
    nomination.current_level = parent
    nomination.status = NominationStatus.RECOMMENDED
    nomination.save(update_fields=["current_level", "status"])
    _opinion(nomination=nomination, organization=parent, action=NominationStatus.RECOMMENDED, opinion=opinion, by=by)
    return nomination


def _decide(nomination: ModelNomination, *, status: str, opinion: str, by: User) -> ModelNomination:
    nomination.status = status
    nomination.decided_at = timezone.now()
    nomination.save(update_fields=["status", "decided_at"])
    # An administrator has no organization of its own: it decides in the name of the
    # campaign's organization, as the office does.
    organization = by.organization or nomination.campaign.organization
    _opinion(nomination=nomination, organization=organization, action=status, opinion=opinion, by=by)
    return nomination


@transaction.atomic
def nomination_select(*, nomination: ModelNomination, opinion: str = "", by: User) -> ModelNomination:
    nomination = _locked(nomination)
    if not may_decide(by, nomination):
        raise PermissionDenied(_("只有活动办公室可以在推荐到活动主办组织后确定典型。"))
    return _decide(nomination, status=NominationStatus.SELECTED, opinion=opinion, by=by)


@transaction.atomic
def nomination_decline(*, nomination: ModelNomination, opinion: str = "", by: User) -> ModelNomination:
    nomination = _locked(nomination)
    if not may_decline(by, nomination):
        raise PermissionDenied(_("只有活动办公室可以作出未通过的决定。"))
    if not opinion.strip():
        raise ValidationError(_("请填写未通过的理由。"))
    return _decide(nomination, status=NominationStatus.DECLINED, opinion=opinion, by=by)


# ---------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------


def nominations_in_scope(campaign: Campaign, *, status: str = ""):
    nominations = ModelNomination.objects.filter(campaign=campaign).select_related(
        "organization", "member", "current_level", "nominating_organization"
    )
    if status in NominationStatus.values:
        nominations = nominations.filter(status=status)
    return nominations.order_by("-created_at", "-pk")


def quarter_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the quarter containing ``day``."""
    first = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = datetime.date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def parse_quarter(text: str | None, default: datetime.date) -> datetime.date:
    """'2011-Q2' → 2011-04-01; anything unreadable falls back to the default's quarter."""
    try:
        year, quarter = (text or "").strip().upper().split("-Q")
        year, quarter = int(year), int(quarter)
        if 1 <= quarter <= 4 and 1900 < year < 3000:
            return datetime.date(year, 3 * quarter - 2, 1)
    except ValueError:
        pass
    return quarter_bounds(default)[0]


def quarter_label(first: datetime.date) -> str:
    return f"{first.year}-Q{(first.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class NominationQuotaRow:
    organization: Organization
    nominated: int
    selected: int
    quota: int

    @property
    def below(self) -> bool:
        return self.selected < self.quota


def nomination_quota(campaign: Campaign, quarter: datetime.date) -> list[NominationQuotaRow]:
    """Each direct child of the campaign's organization (township or county-organ cluster)
    visible in the active scope: nominations made in its subtree during the quarter and
    models selected in it, against the quota. Two queries whatever the tree's size."""
    first, last = quarter_bounds(quarter)
    children = list(Organization.objects.filter(parent_id=campaign.organization_id).order_by("path"))
    if not children:
        return []
    # Siblings' paths all have the same length, so a prefix names the child a row falls under.
    width = len(campaign.organization.path) + PATH_SEGMENT_LENGTH
    counts = (
        ModelNomination.objects.filter(campaign=campaign, organization__path__startswith=campaign.organization.path)
        .annotate(branch=Substr("organization__path", 1, width))
        .values("branch")
        .annotate(
            nominated=Count("pk", filter=Q(created_at__date__range=(first, last))),
            selected=Count("pk", filter=Q(status=NominationStatus.SELECTED, decided_at__date__range=(first, last))),
        )
    )
    by_path = {row["branch"]: row for row in counts}
    rows = []
    for child in children:
        row = by_path.get(child.path, {})
        rows.append(
            NominationQuotaRow(
                organization=child,
                nominated=row.get("nominated", 0),
                selected=row.get("selected", 0),
                quota=campaign.models_per_quarter,
            )
        )
    return rows


def nomination_quota_export(rows: list[NominationQuotaRow], quarter: datetime.date) -> bytes:
    """The quarter's quota table as an .xlsx: every township or cluster, then those below."""
    first, last = quarter_bounds(quarter)
    header = [
        _("乡镇（系统）"),
        _("本季推荐（个）"),
        _("确定典型（个）"),
        _("应培树（个）"),
        _("是否达标"),
        _("季度"),
    ]
    period = _("%(first)s 至 %(last)s") % {"first": first.isoformat(), "last": last.isoformat()}

    def lines(chosen: list[NominationQuotaRow]):
        for row in chosen:
            verdict = _("未达标") if row.below else _("达标")
            yield [row.organization.name, row.nominated, row.selected, row.quota, verdict, period]

    below = [row for row in rows if row.below]
    return xlsx_tables(
        [
            Table(title=_("典型培树情况"), header=header, rows=lines(rows)),
            Table(title=_("未达标乡镇（系统）"), header=header, rows=lines(below)),
        ]
    )
