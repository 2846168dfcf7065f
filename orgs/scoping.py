"""The one scoping mechanism: what part of the organization tree a user may see and change.

Every model that belongs to an organization uses ``ScopedManager`` as its default
manager. The manager restricts each queryset to the *active scope*, which
``ScopeMiddleware`` sets for the logged-in user on each request. With no active scope
the manager refuses to build a queryset at all (``ScopeMissing``), so a query that
forgot about scope fails loudly instead of leaking. Code that runs outside a request
(commands, tasks, tests) says what it means with ``unscoped()`` or ``scope_activated()``.
Which scope an account has, and the ``access_*`` lookups built on it, are in orgs.access.

Related managers, admin changelists, model form choices and ``get_object_or_404`` all
go through the default manager and so are scoped too; foreign-key attribute access
uses the base manager and is not, which is what lets a member's page show the name of
an organization the viewer could not otherwise open.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from django.db import models
from django.db.models import Q

# Width of one organization's segment of the materialized path (orgs.models).
PATH_SEGMENT_LENGTH = 6


class InTree(Protocol):
    """What a scope reads of an organization (orgs.models.Organization): this module
    sits below the models, which use its manager, so it does not import them."""

    pk: int
    path: str


class ScopeMissing(RuntimeError):
    """A scoped model was queried with no active scope."""


@dataclass(frozen=True)
class Scope:
    """The organizations (and, for a plain member, the one member) a user may see.

    ``subtree_paths``: whole subtrees, by the path of their top organization.
    ``own_organization_ids`` with ``member_id``: a plain member sees their own
    organization's rows, and among rows that belong to a member only their own.
    """

    everything: bool = False
    subtree_paths: tuple[str, ...] = ()
    own_organization_ids: tuple[int, ...] = ()
    own_organization_paths: tuple[str, ...] = ()
    member_id: int | None = None
    writable: bool = False
    label: str = field(default="", compare=False)

    @classmethod
    def all(cls, label: str = "unscoped") -> Scope:
        return cls(everything=True, writable=True, label=label)

    @classmethod
    def nothing(cls) -> Scope:
        return cls(label="nothing")

    def organization_q(self, path_field: str, *, member_field: str | None = None) -> Q:
        """Rows visible in this scope, for a model reaching its organization's path by
        ``path_field`` and, if it belongs to a member, its member by ``member_field``."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        for path in self.subtree_paths:
            q |= Q(**{f"{path_field}__startswith": path})
        if self.own_organization_ids:
            org_id_field = path_field.removesuffix("path") + "id" if path_field != "path" else "id"
            own_org = Q(**{f"{org_id_field}__in": self.own_organization_ids})
            if member_field is None:
                q |= own_org
            elif member_field == "pk":
                q |= Q(pk=self.member_id)
            else:
                q |= Q(**{member_field: self.member_id}) | (own_org & Q(**{f"{member_field}__isnull": True}))
        return q

    def reach_q(self, path_field: str) -> Q:
        """Rows of organizations in the scope or above it: what is run from above and
        applies to the user too, such as the county's campaign."""
        if self.everything:
            return Q()
        paths = set()
        for path in self.subtree_paths + self.own_organization_paths:
            paths.update(path[:end] for end in range(PATH_SEGMENT_LENGTH, len(path) + 1, PATH_SEGMENT_LENGTH))
        q = Q(**{f"{path_field}__in": sorted(paths)})
        for path in self.subtree_paths:
            q |= Q(**{f"{path_field}__startswith": path})
        return q

    def restrict(
        self,
        queryset: models.QuerySet,
        path_field: str,
        member_field: str | None = None,
        *,
        include_ancestors: bool = False,
    ) -> models.QuerySet:
        if self.everything:
            return queryset
        if not self.subtree_paths and not self.own_organization_ids:
            return queryset.none()
        if include_ancestors:
            return queryset.filter(self.reach_q(path_field))
        return queryset.filter(self.organization_q(path_field, member_field=member_field))

    def contains(self, organization: InTree) -> bool:
        """Whether the organization itself is visible (no query)."""
        if self.everything:
            return True
        if organization.pk in self.own_organization_ids:
            return True
        return any(organization.path.startswith(path) for path in self.subtree_paths)

    def can_change(self, organization: InTree) -> bool:
        return self.writable and self.contains(organization)


_active_scope: ContextVar[Scope | None] = ContextVar("active_scope", default=None)


def active_scope() -> Scope:
    scope = _active_scope.get()
    if scope is None:
        raise ScopeMissing(
            "A scoped model was queried outside any scope. Views get one from "
            "ScopeMiddleware; commands, tasks and tests must use unscoped() or scope_activated()."
        )
    return scope


@contextlib.contextmanager
def scope_activated(scope: Scope) -> Iterator[Scope]:
    token = _active_scope.set(scope)
    try:
        yield scope
    finally:
        _active_scope.reset(token)


def unscoped(label: str = "unscoped") -> contextlib.AbstractContextManager[Scope]:
    """For code that legitimately works on the whole database: commands, tasks, migrations of data."""
    return scope_activated(Scope.all(label))


@contextlib.contextmanager
def no_scope() -> Iterator[None]:
    """Drop any active scope, e.g. to prove that unscoped queries fail."""
    token = _active_scope.set(None)
    try:
        yield
    finally:
        _active_scope.reset(token)


class ScopedManager(models.Manager):
    """Default manager of every organization-owned model; see the module docstring.

    ``path_field`` leads from the model to its organization's path; ``member_field``
    to the member it belongs to, if any ("pk" for Member itself).
    """

    def __init__(
        self, *, path_field: str | None = None, member_field: str | None = None, include_ancestors: bool = False
    ) -> None:
        super().__init__()
        self.path_field = path_field
        self.member_field = member_field
        self.include_ancestors = include_ancestors

    def get_queryset(self) -> models.QuerySet:
        # Related managers are subclasses built by Django without our arguments:
        # they take the fields from the model's own default manager.
        declared = self if self.path_field else self.model._default_manager
        return active_scope().restrict(
            super().get_queryset(),
            declared.path_field,
            declared.member_field,
            include_ancestors=declared.include_ancestors,
        )


class AnyOrganizationScopedManager(models.Manager):
    """Default manager of a model that belongs to several organizations at once (a pair
    of units, a joint meeting and its attendees): a row is visible when any of the
    organizations reached by ``path_fields`` is in the active scope. The rows are picked
    by a subquery of their ids, so a row reached through two visible organizations is
    not repeated, and with no active scope it fails as ScopedManager does."""

    def __init__(self, *path_fields: str) -> None:
        super().__init__()
        self.path_fields = path_fields

    def get_queryset(self) -> models.QuerySet:
        declared = self if self.path_fields else self.model._default_manager
        scope = active_scope()
        queryset = super().get_queryset()
        if scope.everything:
            return queryset
        visible = Q(pk__in=[])
        for path_field in declared.path_fields:
            visible |= scope.organization_q(path_field)
        return queryset.filter(pk__in=self.model._base_manager.filter(visible).values("pk"))
