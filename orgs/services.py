"""Every write to the organization tree and the roster."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from orgs.models import Organization, OrganizationKind, path_segment


def organization_create(*, code: str, name: str, kind: str, sector: str, parent: Organization | None) -> Organization:
    """Add one organization under ``parent`` (or as a root) and give it its path."""
    organization_check_parent(kind=kind, parent=parent)
    with transaction.atomic():
        # The path needs the primary key, so insert with a placeholder unique to this row.
        organization = Organization.objects.create(
            code=code, name=name, kind=kind, sector=sector, parent=parent, path=f"~{code}"
        )
        organization.path = (parent.path if parent else "") + path_segment(organization.pk)
        Organization.objects.filter(pk=organization.pk).update(path=organization.path)
    return organization


def organization_check_parent(*, kind: str, parent: Organization | None, organization: Organization | None = None) -> None:
    if parent is None:
        if kind in OrganizationKind.mass_organizations():
            raise ValidationError(_("群团组织必须挂靠在一个党组织下。"))
        return
    if parent.is_mass_organization:
        raise ValidationError(_("群团组织下不能再设下级组织。"))
    if organization is not None and organization.pk and parent.is_within(organization):
        raise ValidationError(_("不能把组织移到它自己或它的下级组织之下（会形成循环）。"))


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
