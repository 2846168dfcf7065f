"""The organization tree and the member roster as .xlsx, in the import's own format.

An exported file imports back with no change at all: the same Chinese headers, the
Chinese labels of every choice, real date cells and codes as text. Workbooks are
written with openpyxl's write-only mode, which streams rows instead of keeping a cell
object for each of them, so a county's 30,000 members export in a couple of seconds.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from orgs.access import user_scope
from orgs.importing import COLUMNS, MEMBER_COLUMNS, ORGANIZATION_COLUMNS, Column, ImportKind
from orgs.models import Gender, Member, MemberStatus, Organization, OrganizationKind, Post, Sector
from orgs.scoping import scope_activated
from orgs.uploads import sheet_row

if TYPE_CHECKING:
    from orgs.models import User


DATE_FORMAT = "yyyy-mm-dd"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def sheet_title(kind: str) -> str:
    return _("组织架构") if kind == ImportKind.ORGANIZATIONS else _("党员名册")


def _labels(choices) -> dict[str, str]:
    # Always the Chinese labels: they are what the import reads, whatever the interface language.
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _sheet(workbook: Workbook, title: str, columns: Sequence[Column]) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title)
    # Write-only sheets take widths and panes only before the first row.
    for position, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    return sheet


def _date_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_organizations(*, by: User) -> bytes:
    """Every organization the user may see, in tree order (parents before children)."""
    kinds, sectors = _labels(OrganizationKind), _labels(Sector)
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, sheet_title(ImportKind.ORGANIZATIONS), ORGANIZATION_COLUMNS)
    with scope_activated(user_scope(by)):
        rows = (
            Organization.objects.order_by("path")
            .values_list("code", "name", "kind", "sector", "parent__code")
            .iterator(chunk_size=2000)
        )
        for code, name, kind, sector, parent_code in rows:
            sheet.append(
                sheet_row(sheet, [code, name, kinds.get(kind, kind), sectors.get(sector, sector), parent_code or ""])
            )
    return _save(workbook)


def export_members(*, by: User) -> bytes:
    """Every member the user may see, grouped by organization in tree order."""
    genders, statuses, posts = _labels(Gender), _labels(MemberStatus), _labels(Post)
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook, sheet_title(ImportKind.MEMBERS), MEMBER_COLUMNS)
    with scope_activated(user_scope(by)):
        rows = (
            Member.objects.order_by("organization__path", "name", "birth_date")
            .values_list(
                "name",
                "gender",
                "ethnicity",
                "birth_date",
                "joined_date",
                "status",
                "post",
                "organization__code",
                "phone",
            )
            .iterator(chunk_size=2000)
        )
        for name, gender, ethnicity, birth, joined, status, post, organization_code, phone in rows:
            sheet.append(
                sheet_row(
                    sheet,
                    [
                        name,
                        genders.get(gender, gender),
                        ethnicity,
                        _date_cell(sheet, birth),
                        _date_cell(sheet, joined),
                        statuses.get(status, status),
                        posts.get(post, post),
                        organization_code,
                        phone,
                    ],
                )
            )
    return _save(workbook)


def export_template(*, kind: str) -> bytes:
    """A blank file with the header row, and a second sheet saying how to fill each column."""
    columns = COLUMNS[kind]
    workbook = Workbook(write_only=True)
    _sheet(workbook, sheet_title(kind), columns)
    notes = workbook.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 80
    wrap = Alignment(wrap_text=True, vertical="top")
    notes.append(_bold_row(notes, [_("列名"), _("必填"), _("说明")]))
    for column in columns:
        help_cell = WriteOnlyCell(notes, value=str(column.help))
        help_cell.alignment = wrap
        notes.append([column.header, _("是") if column.must_be_filled else _("否"), help_cell])
    notes.append([])
    for line in _general_notes(kind):
        notes.append(["", "", line])
    return _save(workbook)


def _bold_row(sheet: WriteOnlyWorksheet, values: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = _HEADER_FONT
        cells.append(cell)
    return cells


def _general_notes(kind: str) -> list[str]:
    notes = [
        _("第一行是列名，列的顺序可以调整，多出的列会被忽略。"),
        _("上传后先预览：有错误的行会逐行列出原因，全部改正之前不会写入任何数据。"),
        _("文件中没有的组织或党员不会被删除。"),
    ]
    if kind == ImportKind.MEMBERS:
        notes.append(_("同一组织内，姓名和出生日期相同的视为同一名党员，再次导入时只更新有变化的内容。"))
    else:
        notes.append(
            _("组织编码相同的视为同一组织，再次导入时只更新有变化的内容；改了上级组织编码，整个下级会一起移动。")
        )
    return notes
