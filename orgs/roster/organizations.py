"""Importing the organization tree: codes are the key, and a parent may come earlier or
later in the file or be in the database already. A changed parent moves the organization
with its whole subtree (orgs.services.organization_move)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from orgs.models import PATH_SEGMENT_LENGTH, Organization, OrganizationKind, Sector, User
from orgs.roster.format import ImportKind, SheetRow
from orgs.roster.importing import BATCH_SIZE, Rename, RosterImport, RowReader, by_codes, change_text, chunks
from orgs.scoping import unscoped
from orgs.services import MAX_DEPTH, assign_paths, organization_move
from orgs.sheets.cells import cell_text

_CODE_FORBIDDEN = re.compile(r"[\s/\\]")


@dataclass
class OrganizationRow:
    """One organization as the file gives it; None where the cell was bad (or, for the
    sector, left empty: new organizations then get 其他, existing ones keep theirs)."""

    row: int
    code: str | None
    name: str | None
    kind: str | None
    sector: str | None
    parent_code: str  # "" for a top-level organization
    # Optional columns: None leaves the stored value alone (no column, or an empty cell);
    # a grade of "" is 未定级 written out, which clears it.
    grade: str | None = None
    unit_type: str | None = None


class OrganizationImport(RosterImport[OrganizationRow]):
    kind = ImportKind.ORGANIZATIONS
    # Set by check: the file's rows by code, the organizations stored under those codes
    # and the parent codes, and the tree as it will be after the import (code → parent code).
    in_file: dict[str, OrganizationRow]
    existing: dict[str, Organization]
    final_parent: dict[str, str]
    creates: list[OrganizationRow]
    updates: list[tuple[Organization, OrganizationRow]]
    moves: list[tuple[Organization, OrganizationRow]]

    def __init__(self, *, by: User, confirm_renames: bool = False) -> None:
        super().__init__(by=by)
        self.confirm_renames = confirm_renames

    def held_back(self) -> bool:
        """A rename of one of our organizations waits for the user's explicit confirmation."""
        return bool(self.result.renames) and not self.confirm_renames

    def read(self, row: SheetRow) -> OrganizationRow:
        cells = RowReader(self.result, row)
        code = cells.text("code", "组织编码", max_length=32)
        if code is not None and _CODE_FORBIDDEN.search(code):
            cells.error(_("组织编码“%(code)s”中不能有空格、“/”或“\\”。") % {"code": code}, "组织编码")
            code = None
        return OrganizationRow(
            row=row.number,
            code=code,
            name=cells.text("name", "组织名称", max_length=100),
            kind=cells.choice("kind", self.choices.kind),
            sector=cells.choice("sector", self.choices.sector, required=False),
            parent_code=""
            if cells.formula("parent_code", "上级组织编码")
            else cell_text(row.values.get("parent_code")),
            grade=cells.choice("grade", self.choices.grade, required=False),
            unit_type=cells.text("unit_type", "单位类型", max_length=30, required=False),
        )

    def check(self, items: list[OrganizationRow]) -> None:
        self.in_file = self.first_rows(
            items,
            key=lambda item: item.code,
            duplicate=lambda item, first: (
                _("组织编码“%(code)s”与第%(first)s行重复。") % {"code": item.code, "first": first.row}
            ),
            column="组织编码",
        )
        with self.across_the_tree():
            self.existing = by_codes(set(self.in_file) | {item.parent_code for item in items if item.parent_code})
            by_path = {organization.path: organization for organization in self.existing.values()}
            ancestor_paths = {path for org in self.existing.values() for path in org.ancestor_paths()} - set(by_path)
            for chunk in chunks(sorted(ancestor_paths)):
                by_path.update({org.path: org for org in Organization.objects.filter(path__in=chunk)})

        def stored_parent_code(organization: Organization) -> str:
            parent = by_path.get(organization.path[:-PATH_SEGMENT_LENGTH])
            return parent.code if parent else ""

        # The tree after the import, for cycles and depth.
        self.final_parent = {organization.code: stored_parent_code(organization) for organization in by_path.values()}
        final_kind = {organization.code: organization.kind for organization in by_path.values()}
        for code, item in self.in_file.items():
            self.final_parent[code] = item.parent_code
            if item.kind:
                final_kind[code] = item.kind

        for item in self.in_file.values():
            self._check_row(item, final_kind)
        self._check_cycles_and_depth()
        self._check_no_children_under_mass_organizations()
        self._plan(stored_parent_code)

    def _plan(self, stored_parent_code: Callable[[Organization], str]) -> None:
        """The organizations to create, update and move, each noted for the preview."""
        choices = self.choices
        self.creates, self.updates, self.moves = [], [], []
        for code, item in self.in_file.items():
            organization = self.existing.get(code)
            if organization is None:
                self.creates.append(item)
                self.note(
                    item.row,
                    created=True,
                    subject=f"{item.name or ''}（{code}）",
                    details=(
                        choices.kind.labels.get(item.kind or "", ""),
                        choices.sector.labels[item.sector or Sector.OTHER],
                        _("上级组织编码：%(parent)s") % {"parent": item.parent_code}
                        if item.parent_code
                        else _("顶层组织"),
                        *([choices.grade.labels[item.grade]] if item.grade else []),
                        *([item.unit_type] if item.unit_type else []),
                    ),
                )
                continue
            details = [
                change_text(Organization, name, getattr(organization, name), getattr(item, name), labels)
                for name, labels in (
                    ("kind", choices.kind.labels),
                    ("sector", choices.sector.labels),
                    ("grade", choices.grade.labels),
                    ("unit_type", None),
                )
                if getattr(item, name) is not None and getattr(organization, name) != getattr(item, name)
            ]
            renamed = item.name is not None and item.name != organization.name
            if renamed:
                self.result.renames.append(Rename(row=item.row, code=code, old=organization.name, new=item.name))
                details.insert(0, _("将改名：%(old)s → %(new)s") % {"old": organization.name, "new": item.name})
            if details:
                self.updates.append((organization, item))
            old_parent = stored_parent_code(organization)
            if item.parent_code != old_parent:
                self.moves.append((organization, item))
                details.append(
                    _("上级组织编码：%(old)s → %(new)s")
                    % {"old": old_parent or _("无"), "new": item.parent_code or _("无")}
                )
            if details:
                self.result.updated += 1
                self.note(
                    item.row, created=False, subject=f"{organization.name}（{code}）", details=details, renamed=renamed
                )
            else:
                self.result.unchanged += 1
        self.result.created = len(self.creates)

    def _check_row(self, item: OrganizationRow, final_kind: dict[str, str]) -> None:
        result, scope, existing, in_file = self.result, self.scope, self.existing, self.in_file
        organization = existing.get(item.code)
        if organization is not None and not scope.can_change(organization):
            result.add_error(
                item.row,
                _("组织“%(name)s”（%(code)s）不在您的管理范围内。") % {"name": organization.name, "code": item.code},
                "组织编码",
            )
            return
        parent_code = item.parent_code
        if not parent_code:
            if item.kind in OrganizationKind.mass_organizations():
                result.add_error(item.row, _("群团组织必须挂靠在一个党组织下，请填写上级组织编码。"), "上级组织编码")
            elif (organization is None or organization.parent_id is not None) and not scope.everything:
                # A new top-level organization would lie outside the scope of everyone but a superuser.
                result.add_error(
                    item.row, _("上级组织编码不能为空：组织必须挂在您管理范围内的某个组织之下。"), "上级组织编码"
                )
            return
        if parent_code == item.code:
            result.add_error(item.row, _("上级组织编码不能填本组织自己的编码。"), "上级组织编码")
            return
        parent = existing.get(parent_code)
        if parent_code not in in_file:
            if parent is None:
                result.add_error(
                    item.row,
                    _("上级组织编码“%(parent)s”在本文件和系统中都找不到。") % {"parent": parent_code},
                    "上级组织编码",
                )
                return
            # An unchanged parent outside the scope is fine: a township's own row names the county.
            moved = organization is None or organization.parent_id != parent.pk
            if moved and not scope.can_change(parent):
                result.add_error(
                    item.row, _("上级组织“%(name)s”不在您的管理范围内。") % {"name": parent.name}, "上级组织编码"
                )
                return
        if final_kind.get(parent_code) in OrganizationKind.mass_organizations():
            result.add_error(
                item.row,
                _("上级组织“%(parent)s”是群团组织，群团组织下不能再设下级组织。") % {"parent": parent_code},
                "上级组织编码",
            )

    def _check_cycles_and_depth(self) -> None:
        in_file, final_parent = self.in_file, self.final_parent
        depth: dict[str, int] = {}
        in_cycle: set[str] = set()
        for start in in_file:
            walk: list[str] = []
            position: dict[str, int] = {}
            node = start
            while node and node not in depth and node not in in_cycle:
                if node in position:
                    cycle = walk[position[node] :]
                    chain = " → ".join([*cycle, cycle[0]])
                    in_cycle.update(cycle)
                    for code in cycle:
                        if code in in_file:
                            self.result.add_error(
                                in_file[code].row,
                                _("上下级关系形成了循环：%(chain)s。") % {"chain": chain},
                                "上级组织编码",
                            )
                    break
                position[node] = len(walk)
                walk.append(node)
                node = final_parent.get(node, "")
            if node in in_cycle:
                continue
            level = depth[node] if node else -1
            for code in reversed(walk):
                level += 1
                depth[code] = level
        # Named once where a chain first passes the limit: a file nesting 10,000 organizations
        # gets one error (with the count below it), not ten thousand.
        first_too_deep: dict[str, str] = {}  # code → the one where its chain passed the limit
        too_deep: dict[str, int] = {}
        for code, level in sorted(depth.items(), key=lambda pair: pair[1]):
            if level < MAX_DEPTH:
                continue
            first = first_too_deep.get(final_parent.get(code, ""), code)
            first_too_deep[code] = first
            too_deep[first] = too_deep.get(first, 0) + 1
        for code, count in too_deep.items():
            if code in in_file:
                self.result.add_error(
                    in_file[code].row,
                    _(
                        "组织层级太深：组织树最多 %(max)s 级，本行的组织和它下面的共 %(count)s 个组织超出了，"
                        "请检查上级组织编码。"
                    )
                    % {"max": MAX_DEPTH, "count": count},
                    "上级组织编码",
                )

    def _check_no_children_under_mass_organizations(self) -> None:
        """An organization turned into 工会/共青团/妇联 must not keep children in the database."""
        existing = self.existing
        turning = {
            existing[code].pk: item
            for code, item in self.in_file.items()
            if code in existing
            and item.kind in OrganizationKind.mass_organizations()
            and existing[code].kind not in OrganizationKind.mass_organizations()
        }
        if not turning:
            return
        with unscoped("roster import check"):
            children = list(Organization.objects.filter(parent_id__in=list(turning)).values_list("code", "parent_id"))
        for child_code, parent_id in children:
            item = turning.get(parent_id)
            # A child not in the file stays where it is.
            if item is not None and self.final_parent.get(child_code, item.code) == item.code:
                self.result.add_error(
                    item.row,
                    _("“%(name)s”下还有下级组织（如 %(child)s），不能改为群团组织。")
                    % {"name": item.name, "child": child_code},
                    "组织类别",
                )
                del turning[parent_id]

    def write_rows(self) -> None:
        updates, existing = self.updates, self.existing
        # Names and kinds first, so that the moves below check parents against the new kinds.
        for organization, item in updates:
            organization.name, organization.kind = item.name, item.kind
            organization.sector = item.sector or organization.sector
            if item.grade is not None:
                organization.grade = item.grade
            if item.unit_type is not None:
                organization.unit_type = item.unit_type
        if updates:
            Organization.objects.bulk_update(
                [pair[0] for pair in updates], ["name", "kind", "sector", "grade", "unit_type"], batch_size=BATCH_SIZE
            )

        # The path needs the primary key: insert under a placeholder path unique to each
        # code, then set parents and real paths in one bulk update.
        new = [
            Organization(
                code=item.code,
                name=item.name,
                kind=item.kind,
                sector=item.sector or Sector.OTHER,
                grade=item.grade or "",
                unit_type=item.unit_type or "",
                path=f"~{item.code}",
            )
            for item in self.creates
        ]
        Organization.objects.bulk_create(new, batch_size=BATCH_SIZE)
        if any(organization.pk is None for organization in new):  # a backend that returns no ids
            pks = dict(Organization.objects.filter(code__in=[o.code for o in new]).values_list("code", "pk"))
            for organization in new:
                organization.pk = pks[organization.code]
        pk_of = {code: organization.pk for code, organization in existing.items()}
        pk_of.update({organization.code: organization.pk for organization in new})
        for organization, item in zip(new, self.creates, strict=True):
            organization.parent_id = pk_of[item.parent_code] if item.parent_code else None
        known_paths = {organization.pk: organization.path for organization in existing.values()}
        if new:
            Organization.objects.bulk_update(assign_paths(new, known_paths), ["parent", "path"], batch_size=BATCH_SIZE)

        # Moves go shallowest first by their depth after the import: each new parent then
        # already hangs where it will stay, so no single move can close a loop.
        def final_depth(code: str) -> int:
            levels = 0
            while code := self.final_parent.get(code, ""):
                levels += 1
            return levels

        for organization, item in sorted(self.moves, key=lambda pair: final_depth(pair[1].code)):
            organization.refresh_from_db(fields=["path", "kind", "parent"])
            parent = Organization.objects.get(code=item.parent_code) if item.parent_code else None
            organization_move(organization=organization, new_parent=parent)
