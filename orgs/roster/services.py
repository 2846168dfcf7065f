"""The roster import services: one per kind of roster, and ``roster_import`` for either.

Every row is parsed and checked against the database and the importing user's scope,
and *all* row errors are collected; only when there is not a single error, and not on a
dry run (the preview), is everything written, in one transaction with bulk statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction

from orgs.roster.format import ImportKind, SheetRow
from orgs.roster.importing import ImportResult
from orgs.roster.members import MemberImport
from orgs.roster.organizations import OrganizationImport

if TYPE_CHECKING:
    from orgs.models import User


@transaction.atomic
def roster_import_organizations(
    *, rows: Sequence[SheetRow], by: User, dry_run: bool = False, confirm_renames: bool = False
) -> ImportResult:
    """Create and update organizations from roster rows, all or nothing.

    A parent may come earlier or later in the file or be in the database already; a
    changed parent moves the organization with its whole subtree. Nothing is written
    when any row has an error, nor on a dry run (the preview), nor when the file would
    rename an organization (``result.renames``) and ``confirm_renames`` is not given.
    """
    return OrganizationImport(by=by, confirm_renames=confirm_renames).run(rows, dry_run=dry_run)


@transaction.atomic
def roster_import_members(*, rows: Sequence[SheetRow], by: User, dry_run: bool = False) -> ImportResult:
    """Create and update members from roster rows, all or nothing.

    The same organization, name and birth date mean the same member; only members
    whose data differ are written. Nothing is written when any row has an error, nor
    on a dry run (the preview).
    """
    return MemberImport(by=by).run(rows, dry_run=dry_run)


def roster_import(
    *, kind: str, rows: Sequence[SheetRow], by: User, dry_run: bool = False, confirm_renames: bool = False
) -> ImportResult:
    """The import service for one kind of roster."""
    if kind == ImportKind.ORGANIZATIONS:
        return roster_import_organizations(rows=rows, by=by, dry_run=dry_run, confirm_renames=confirm_renames)
    return roster_import_members(rows=rows, by=by, dry_run=dry_run)
