"""Every write to the organization tree, the roster, the accounts and their reminders."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.access import user_scope
from orgs.models import Grade, Member, Organization, OrganizationKind, Post, Reminder, Role, User, path_segment
from orgs.notifications import notify
from orgs.scoping import PATH_SEGMENT_LENGTH

# The materialized path holds 255 characters, one fixed-width segment per level: the
# tree is at most 42 levels deep (县委 is level 1). Real counties use four or five; the
# limit is checked here because a longer path would fail in the database instead.
MAX_DEPTH = Organization._meta.get_field("path").max_length // PATH_SEGMENT_LENGTH


def organization_create(
    *,
    code: str,
    name: str,
    kind: str,
    sector: str,
    parent: Organization | None,
    grade: str = "",
    unit_type: str = "",
) -> Organization:
    """Add one organization under ``parent`` (or as a root) and give it its path."""
    organization_check_parent(kind=kind, parent=parent)
    with transaction.atomic():
        # The path needs the primary key, so insert with a placeholder unique to this row.
        organization = Organization.objects.create(
            code=code,
            name=name,
            kind=kind,
            sector=sector,
            parent=parent,
            grade=grade,
            unit_type=unit_type,
            path=f"~{code}",
        )
        organization.path = (parent.path if parent else "") + path_segment(organization.pk)
        Organization.objects.filter(pk=organization.pk).update(path=organization.path)
    return organization


def organization_may_describe(user: User, organization: Organization) -> bool:
    """The office and superior leaders whose scope holds the organization set its grade
    and unit type, as they import the roster (orgs.roster.importing.user_can_import). No query."""
    return (
        user.is_authenticated
        and (user.is_superuser or user.role in (Role.OFFICE, Role.LEADER))
        and user_scope(user).can_change(organization)
    )


@transaction.atomic
def organization_describe(*, organization: Organization, grade: str, unit_type: str, by: User) -> Organization:
    """Set what rankings group the organization by (等级, 单位类型)."""
    if not organization_may_describe(by, organization):
        raise PermissionDenied(_("只有活动办公室和上级党组织负责人可以修改单位等级和单位类型。"))
    if grade not in Grade.values and grade != "":
        raise ValidationError(_("单位等级只能是三级、二级、一级或未定级。"))
    organization.grade, organization.unit_type = grade, unit_type.strip()
    organization.save(update_fields=["grade", "unit_type"])
    return organization


def organization_check_parent(
    *, kind: str, parent: Organization | None, organization: Organization | None = None
) -> None:
    if parent is None:
        if kind in OrganizationKind.mass_organizations():
            raise ValidationError(_("群团组织必须挂靠在一个党组织下。"))
        return
    if parent.is_mass_organization:
        raise ValidationError(_("群团组织下不能再设下级组织。"))
    if organization is not None and organization.pk and parent.is_within(organization):
        raise ValidationError(_("不能把组织移到它自己或它的下级组织之下（会形成循环）。"))
    if organization is None or not organization.pk:
        levels_below = 0
    else:
        # One query: how far the subtree that moves along reaches below the organization.
        deepest = Organization.objects.filter(path__startswith=organization.path).aggregate(
            deepest=Max(Length("path"))
        )["deepest"]
        levels_below = ((deepest or len(organization.path)) - len(organization.path)) // PATH_SEGMENT_LENGTH
    if parent.depth + 2 + levels_below > MAX_DEPTH:
        raise ValidationError(
            _("组织层级太深：组织树最多 %(max)s 级，“%(parent)s”下不能再设这么多级下级组织。")
            % {"max": MAX_DEPTH, "parent": parent.name}
        )


@transaction.atomic
def organization_move(*, organization: Organization, new_parent: Organization | None) -> Organization:
    """Re-hang an organization and its whole subtree under a new parent in one UPDATE."""
    organization_check_parent(kind=organization.kind, parent=new_parent, organization=organization)
    old_path = organization.path
    new_path = (new_parent.path if new_parent else "") + path_segment(organization.pk)
    if new_path != old_path:
        Organization.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
        )
    Organization.objects.filter(pk=organization.pk).update(parent=new_parent)
    organization.parent = new_parent
    organization.path = new_path
    return organization


def assign_paths(organizations: list[Organization], known_paths: dict[int, str]) -> list[Organization]:
    """Compute the path of saved organizations whose parents are saved or in the list.

    ``known_paths`` maps the primary key of organizations already in the database to
    their path. Returns the organizations whose path changed, parents first.
    """
    by_pk = {organization.pk: organization for organization in organizations}
    paths = dict(known_paths)
    changed: list[Organization] = []

    def resolve(organization: Organization, trail: frozenset[int]) -> str:
        if organization.pk in paths and organization.pk not in by_pk:
            return paths[organization.pk]
        if organization.pk in trail:
            raise ValidationError(_("组织“%(code)s”的上级关系形成了循环。") % {"code": organization.code})
        if organization.parent_id is None:
            parent_path = ""
        elif organization.parent_id in by_pk:
            parent_path = resolve(by_pk[organization.parent_id], trail | {organization.pk})
        else:
            parent_path = paths[organization.parent_id]
        return parent_path + path_segment(organization.pk)

    for organization in organizations:
        new_path = resolve(organization, frozenset())
        if organization.path != new_path:
            organization.path = new_path
            changed.append(organization)
    changed.sort(key=lambda organization: len(organization.path))
    return changed


# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------

# Letters and digits that cannot be misread on a printed slip (no 0/O, 1/l/I).
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INITIAL_PASSWORD_LENGTH = 10
_COMMITTEE_KINDS = {
    OrganizationKind.COUNTY_COMMITTEE,
    OrganizationKind.COMMITTEE,
    OrganizationKind.WORKING_COMMITTEE,
    OrganizationKind.GENERAL_BRANCH,
}
# Which roles each role may hand out: never more than its own.
_GRANTABLE_ROLES = {
    Role.OFFICE: {Role.LEADER, Role.SECRETARY, Role.MEMBER},
    Role.LEADER: {Role.LEADER, Role.SECRETARY, Role.MEMBER},
    Role.SECRETARY: {Role.MEMBER},
}


@dataclass(frozen=True)
class OpenedAccount:
    member: Member
    user: User
    password: str


def account_role_for_member(member: Member) -> str:
    """The role a member's post calls for: the secretary of a branch runs the branch,
    the secretary and deputies of a committee lead its subtree, everyone else is a member."""
    kind = member.organization.kind
    if member.post == Post.SECRETARY and kind == OrganizationKind.BRANCH:
        return Role.SECRETARY
    if member.post in (Post.SECRETARY, Post.DEPUTY_SECRETARY) and kind in _COMMITTEE_KINDS:
        return Role.LEADER
    return Role.MEMBER


def account_may_grant(*, by: User, member: Member, role: str | None = None) -> bool:
    """Whether ``by`` may give ``member`` an account of ``role`` (by default the one
    their post calls for), or reset the password of one."""
    if by.is_superuser:
        return True
    role = role or account_role_for_member(member)
    return role in _GRANTABLE_ROLES.get(by.role, set()) and user_scope(by).can_change(member.organization)


def _initial_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(INITIAL_PASSWORD_LENGTH))


def _free_username(member: Member) -> str:
    """The phone number when it is free (people remember it), otherwise dy + the member's id."""
    for candidate in (member.phone.strip(), f"dy{member.pk}"):
        if candidate and not User.objects.filter(username=candidate).exists():
            return candidate
    return f"dy{member.pk}-{secrets.token_hex(2)}"


@transaction.atomic
def accounts_open(*, members: list[Member], by: User) -> list[OpenedAccount]:
    """Give each member without an account one, with the role their post calls for and
    a random initial password, returned once so it can be handed over on paper."""
    refused = [member for member in members if not account_may_grant(by=by, member=member)]
    if refused:
        raise PermissionDenied(_("您无权为“%(name)s”开通账号。") % {"name": refused[0].name})
    opened = []
    for member in members:
        if User.objects.filter(member=member).exists():
            continue
        password = _initial_password()
        role = account_role_for_member(member)
        user = User.objects.create_user(
            username=_free_username(member),
            password=password,
            role=role,
            member=member,
            organization=None if role == Role.MEMBER else member.organization,
        )
        opened.append(OpenedAccount(member, user, password))
    return opened


@transaction.atomic
def account_reset_password(*, user: User, by: User) -> OpenedAccount:
    # Judged by the account's actual role: a secretary must not take over the account
    # of a township leader whose party membership happens to sit in the branch.
    privileged = user.is_staff or user.is_superuser
    if user.member is None or privileged or not account_may_grant(by=by, member=user.member, role=user.role):
        raise PermissionDenied(_("您无权重置该账号的密码。"))
    password = _initial_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    return OpenedAccount(user.member, user, password)


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    """One thing a finder found due for one account (see campaign.reminders.services)."""

    user: User
    key: str
    params: dict
    url: str


@dataclass(frozen=True)
class ReminderSync:
    created: int  # new, or due again after being resolved: what the channels were told of
    still_due: int
    resolved: int


@transaction.atomic
def reminders_sync(*, kind: str, due: Iterable[DueReminder], now: datetime.datetime) -> ReminderSync:
    """Make the open reminders of one kind exactly what a finder found due now: add the
    new ones, refresh the figures of those still due, resolve the rest. Idempotent, and
    a fixed number of queries whatever the number of reminders. The channels hear only
    of the new ones, once the transaction has committed.

    A run that overlaps another fails on the unique constraint and rolls back whole, so
    no reminder is created, or sent, twice."""
    found = {(item.user.pk, item.key): item for item in due}
    keys = {key for _user, key in found}
    existing = {
        (row.user_id, row.key): row
        for row in Reminder.objects.filter(kind=kind).filter(Q(key__in=keys) | Q(resolved_at__isnull=True))
    }
    new, reopened, changed, seen = [], [], [], []
    for pair, item in found.items():
        row = existing.get(pair)
        if row is None:
            new.append(
                Reminder(
                    user=item.user,
                    kind=kind,
                    key=item.key,
                    params=item.params,
                    url=item.url,
                    created_at=now,
                    due_seen_at=now,
                )
            )
            continue
        row.user = item.user
        if row.resolved_at is not None:
            # Due again after it was resolved (a solved task reopened, say): a new
            # occurrence, shown and sent again even if the earlier one was dismissed.
            row.created_at, row.resolved_at, row.dismissed_at = now, None, None
            reopened.append(row)
        elif row.params != item.params or row.url != item.url:
            changed.append(row)
        else:
            seen.append(row.pk)
            continue
        row.params, row.url, row.due_seen_at = item.params, item.url, now
    gone = [row.pk for pair, row in existing.items() if row.resolved_at is None and pair not in found]

    Reminder.objects.bulk_create(new)
    Reminder.objects.bulk_update(
        reopened + changed, ["params", "url", "created_at", "due_seen_at", "resolved_at", "dismissed_at"]
    )
    Reminder.objects.filter(pk__in=seen).update(due_seen_at=now)
    Reminder.objects.filter(pk__in=gone).update(resolved_at=now)

    fresh = new + reopened
    transaction.on_commit(lambda: notify(fresh))
    return ReminderSync(created=len(fresh), still_due=len(found) - len(fresh), resolved=len(gone))


@transaction.atomic
def reminders_raise(*, kind: str, due: Iterable[DueReminder], now: datetime.datetime) -> int:
    """Put these reminders on their accounts' home pages now, when someone asks for it
    (an office's 催报), leaving the kind's other reminders alone: a new one is created, a
    resolved or dismissed one shown again, an open one refreshed. The channels hear of
    each, once the transaction has committed; returns how many."""
    found = {(item.user.pk, item.key): item for item in due}
    existing = {
        (row.user_id, row.key): row
        for row in Reminder.objects.select_for_update().filter(kind=kind, key__in={key for _user, key in found})
    }
    fresh = []
    for pair, item in found.items():
        row = existing.get(pair) or Reminder(user=item.user, kind=kind, key=item.key)
        row.params, row.url, row.created_at, row.due_seen_at = item.params, item.url, now, now
        row.resolved_at = row.dismissed_at = None
        row.save()
        fresh.append(row)
    transaction.on_commit(lambda: notify(fresh))
    return len(fresh)


def reminders_resolve(*, kind: str, keys: Iterable[str], now: datetime.datetime) -> int:
    """What the reminders were about is done (a return filed): off the home pages now,
    not at the next daily run."""
    return Reminder.objects.filter(kind=kind, key__in=list(keys), resolved_at__isnull=True).update(resolved_at=now)


@transaction.atomic
def reminder_dismiss(*, reminder: Reminder, by: User) -> Reminder:
    """The user has seen it and wants it off the home page; the job leaves it dismissed
    while it stays due."""
    if reminder.user_id != by.pk:
        raise PermissionDenied(_("只能忽略自己的提醒。"))
    if reminder.dismissed_at is None:
        reminder.dismissed_at = timezone.now()
        reminder.save(update_fields=["dismissed_at"])
    return reminder
