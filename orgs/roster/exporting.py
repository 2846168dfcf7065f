"""The organization tree and the member roster as .xlsx, in the import's own format.

An exported file imports back with no change at all: the same Chinese headers, the
Chinese labels of every choice, real date cells and codes as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment

from orgs.access import user_scope
from orgs.models import Gender, Grade, Member, MemberStatus, Organization, OrganizationKind, Post, Sector
from orgs.roster.format import COLUMNS, MEMBER_COLUMNS, ORGANIZATION_COLUMNS, Column, ImportKind
from orgs.scoping import scope_activated
from orgs.sheets.writing import TINTED, CellStyle, Styled, Table, xlsx_tables

if TYPE_CHECKING:
    from orgs.models import User

_WRAP = CellStyle(alignment=Alignment(wrap_text=True, vertical="top"))


def sheet_title(kind: str) -> str:
    return _("组织架构") if kind == ImportKind.ORGANIZATIONS else _("人员名册")


def _labels(choices) -> dict[str, str]:
    # Always the Chinese labels: they are what the import reads, whatever the interface language.
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _roster_table(kind: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> Table:
    return Table(
        title=sheet_title(kind),
        header=[column.header for column in columns],
        rows=rows,
        widths=[column.width for column in columns],
        header_style=TINTED,
        freeze="A2",
    )


def export_organizations(*, by: User) -> bytes:
    """Every organization the user may see, in tree order (parents before children)."""
    kinds, sectors, grades = _labels(OrganizationKind), _labels(Sector), _labels(Grade)
    with scope_activated(user_scope(by)):
        rows = (
            Organization.objects.order_by("path")
            .values_list("code", "name", "kind", "sector", "parent__code", "grade", "unit_type")
            .iterator(chunk_size=2000)
        )
        return xlsx_tables(
            [
                _roster_table(
                    ImportKind.ORGANIZATIONS,
                    ORGANIZATION_COLUMNS,
                    (
                        (
                            code,
                            name,
                            kinds.get(kind, kind),
                            sectors.get(sector, sector),
                            parent_code or "",
                            grades.get(grade, grade),  # blank for 未定级: it reads back as "unchanged"
                            unit_type,
                        )
                        for code, name, kind, sector, parent_code, grade, unit_type in rows
                    ),
                )
            ]
        )


def export_members(*, by: User) -> bytes:
    """Everyone on the rosters the user may see, grouped by organization in tree order.
    Staff outside the party have an empty 入党日期 and 职务 (their post is the plain one)."""
    genders, statuses, posts = _labels(Gender), _labels(MemberStatus), _labels(Post)
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
                "job_title",
                "organization__code",
                "phone",
            )
            .iterator(chunk_size=2000)
        )
        return xlsx_tables(
            [
                _roster_table(
                    ImportKind.MEMBERS,
                    MEMBER_COLUMNS,
                    (_member_cells(row, genders, statuses, posts) for row in rows),
                )
            ]
        )


def _member_cells(row: Sequence, genders: dict, statuses: dict, posts: dict) -> tuple:
    name, gender, ethnicity, birth, joined, status, post, job_title, organization_code, phone = row
    return (
        name,
        genders.get(gender, gender),
        ethnicity,
        birth,
        joined,
        statuses.get(status, status),
        # Staff outside the party hold no party post: the plain one is left blank.
        posts.get(post, post) if status in MemberStatus.party() else "",
        job_title,
        organization_code,
        phone,
    )


def export_template(*, kind: str) -> bytes:
    """A blank file with the header row, and a second sheet saying how to fill each column."""
    columns = COLUMNS[kind]
    notes = [
        *(
            [column.header, _("是") if column.must_be_filled else _("否"), Styled(str(column.help), _WRAP)]
            for column in columns
        ),
        [],
        *(["", "", line] for line in _general_notes(kind)),
    ]
    return xlsx_tables(
        [
            _roster_table(kind, columns, ()),
            Table(title=_("填写说明"), header=[_("列名"), _("必填"), _("说明")], rows=notes, widths=(16, 8, 80)),
        ]
    )


def _general_notes(kind: str) -> list[str]:
    notes = [
        _("第一行是列名，列的顺序可以调整，多出的列会被忽略。"),
        _("上传后先预览：有错误的行会逐行列出原因，全部改正之前不会写入任何数据。"),
        _("文件中没有的组织或人员不会被删除。"),
    ]
    if kind == ImportKind.MEMBERS:
        notes.append(_("同一组织内，姓名和出生日期相同的视为同一个人，再次导入时只更新有变化的内容。"))
        notes.append(_("党员和非党员登记在同一张表中，用“政治面貌”区分；非党员不填入党日期和职务。"))
    else:
        notes.append(
            _("组织编码相同的视为同一组织，再次导入时只更新有变化的内容；改了上级组织编码，整个下级会一起移动。")
        )
    return notes
