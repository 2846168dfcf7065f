"""Who may see what: the scope of an account, and the ``access_*`` lookups that fetch
and check together.

The mechanism that enforces a scope (``ScopedManager``, ``unscoped()``) is in
orgs.scoping, below the models; this module reads the account's role and anchor
organization from the models, so it sits above them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from orgs.models import INSPECTOR_ACCESS, Organization, Role, User
from orgs.scoping import Scope, scope_activated, unscoped


def scope_for_user(user: User) -> Scope:
    """The scope of one account. Runs one query for an inspection group's assignments."""
    if not user.is_authenticated or not user.is_active:
        return Scope.nothing()
    if user.is_superuser:
        return Scope.all(label="superuser")
    label = f"{user.role}:{user.pk}"
    if user.role == Role.INSPECTOR:
        # The scope is being decided here, so this one lookup runs outside any scope.
        with unscoped("scope lookup"):
            paths = tuple(user.inspected_organizations.values_list("path", flat=True))
        return Scope(subtree_paths=paths, writable=False, label=label)
    if user.organization_id is None:
        if user.role == Role.MEMBER and user.member_id:
            return _member_scope(user, label)
        return Scope.nothing()
    if user.role in (Role.OFFICE, Role.LEADER, Role.SECRETARY):
        return Scope(subtree_paths=(user.organization.path,), writable=True, label=label)
    return _member_scope(user, label)


def _member_scope(user: User, label: str) -> Scope:
    if not user.member_id:
        return Scope.nothing()
    return Scope(
        own_organization_ids=(user.member.organization_id,),
        own_organization_paths=(user.member.organization.path,),
        member_id=user.member_id,
        writable=False,
        label=label,
    )


def user_scope(user: User) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    cached = getattr(user, "_scope_cache", None)
    if cached is None:
        cached = scope_for_user(user)
        user._scope_cache = cached
    return cached


def access_organization(user: User, code: str, *, for_change: bool = False) -> Organization:
    """Fetch an organization the user may see, by code; 404 alike for missing and not
    visible, 403 when visible but the user may not change it."""
    # A code comes from an address or a form: PostgreSQL refuses a NUL in any string,
    # and no code holds one, so such a value is simply not found.
    if "\x00" in code:
        raise Http404(_("找不到该组织，或您无权查看。"))
    with scope_activated(user_scope(user)):
        organization = Organization.objects.filter(code=code).first()
    if organization is None:
        raise Http404(_("找不到该组织，或您无权查看。"))
    if for_change and not user_scope(user).can_change(organization):
        raise PermissionDenied(_("您只能查看该组织，不能修改。"))
    return organization


def require_change(user: User, organizations: Iterable[Organization]) -> None:
    """Refuse a write that touches any organization the user may not change."""
    scope = user_scope(user)
    for organization in organizations:
        if not scope.can_change(organization):
            raise PermissionDenied(_("“%(name)s”不在您的管理范围内。") % {"name": organization.name})


def access_note(user: User) -> str:
    """The few words shown beside an account's role when it may not change everything it
    sees: what an inspection group does, or 只读. Empty for the others (no query beyond
    the scope's)."""
    if user.is_authenticated and user.role == Role.INSPECTOR and not user.is_superuser:
        return str(INSPECTOR_ACCESS)
    return "" if user_scope(user).writable else _("只读")
