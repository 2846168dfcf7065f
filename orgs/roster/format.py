"""The roster's file format: the columns of each kind, and reading an uploaded .xlsx or
.csv into ``SheetRow``s keyed by field name. The header row is found by its Chinese
column names, in any order; a file that cannot be read at all raises ``ImportFileError``
with one message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.sheets.cells import cell_text, header_text
from orgs.sheets.reading import (
    HEADER_SEARCH_ROWS,
    ImportFileError,
    cell_at,
    csv_rows,
    data_rows,
    header_candidates,
    header_rows,
    open_xlsx,
    xlsx_rows,
)

# A county roster is a few thousand organizations and some tens of thousands of members.
IMPORT_MAX_ROWS = 100_000


class ImportKind(models.TextChoices):
    ORGANIZATIONS = "organizations", gettext_lazy("组织")
    # All the staff of the units, party members or not (政治面貌 tells them apart).
    MEMBERS = "members", gettext_lazy("人员")


@dataclass(frozen=True)
class Column:
    field: str
    # The header is part of the file format, like a CSV schema: it stays Chinese
    # whatever the interface language, so it is not translated.
    header: str
    required: bool  # the column must be in the file
    width: int
    help: str
    may_be_empty: bool = False  # cells may be left blank even though the column is there
    # Headers of the same column in files of earlier versions, still read (never written).
    old_headers: tuple[str, ...] = ()

    @property
    def must_be_filled(self) -> bool:
        return self.required and not self.may_be_empty

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.old_headers)


ORGANIZATION_COLUMNS = (
    Column("code", "组织编码", True, 14, gettext_lazy("必填，全县唯一，不能含空格和“/”；再次导入时按编码对应。")),
    Column("name", "组织名称", True, 30, gettext_lazy("必填，不超过100个字。")),
    Column(
        "kind", "组织类别", True, 10, gettext_lazy("必填：县委、党委、党工委、党总支、党支部、工会、共青团、妇联。")
    ),
    Column(
        "sector",
        "所属领域",
        True,
        10,
        gettext_lazy("农牧村、社区、机关、事业单位、企业、其他；不填时新组织记为“其他”，已有组织保持不变。"),
        may_be_empty=True,
    ),
    Column(
        "parent_code",
        "上级组织编码",
        True,
        14,
        gettext_lazy("上级组织的编码，可以是本文件中的组织，也可以是系统中已有的组织；只有最顶层的组织不填。"),
        may_be_empty=True,
    ),
    # Optional, for the rankings of a system campaign: files made before these columns
    # existed import as they did.
    Column(
        "grade",
        "等级",
        False,
        8,
        gettext_lazy("选填：三级、二级、一级、未定级（医院等级或单位等级）；不填时保持不变，填“未定级”清除等级。"),
    ),
    Column(
        "unit_type",
        "单位类型",
        False,
        12,
        gettext_lazy("选填，不超过30个字，如综合医院、中医医院、乡镇卫生院、公路段、运输企业；不填时保持不变。"),
    ),
)

MEMBER_COLUMNS = (
    Column("name", "姓名", True, 10, gettext_lazy("必填。")),
    Column("gender", "性别", True, 6, gettext_lazy("必填：男、女。")),
    Column("ethnicity", "民族", False, 8, gettext_lazy("如“汉族”“裕固族”；不填时新人员记为汉族，已有人员保持不变。")),
    Column("birth_date", "出生日期", True, 12, gettext_lazy("必填，如 1975-05-01、1975/5/1、1975年5月1日。")),
    Column(
        "joined_date",
        "入党日期",
        False,
        12,
        gettext_lazy("中共党员、中共预备党员必填，格式同出生日期，须晚于出生日期；其他政治面貌的人员不填。"),
    ),
    Column(
        "status",
        "政治面貌",
        False,
        12,
        gettext_lazy(
            "中共党员、中共预备党员、共青团员、民主党派成员、无党派人士、群众；"
            "不填时新人员记为中共党员，已有人员保持不变。旧模板的“党员状态”列（正式党员、预备党员）照样可用。"
        ),
        old_headers=("党员状态",),
    ),
    Column(
        "post",
        "职务",
        False,
        8,
        gettext_lazy("党内职务：书记、副书记、委员、党员；非党员不填。不填时新人员记为党员，已有人员保持不变。"),
    ),
    Column(
        "job_title",
        "工作岗位",
        False,
        12,
        gettext_lazy("选填，如主治医师、护士长、路政员；不填时已有人员保持不变。"),
    ),
    Column(
        "organization_code",
        "所在组织编码",
        True,
        14,
        gettext_lazy("必填，须是系统中已有的组织；同一组织内按姓名和出生日期对应同一个人。"),
    ),
    Column("phone", "联系电话", False, 14, gettext_lazy("选填；不填时已有人员的电话保持不变。")),
)

COLUMNS = {ImportKind.ORGANIZATIONS: ORGANIZATION_COLUMNS, ImportKind.MEMBERS: MEMBER_COLUMNS}

# Columns read when a file has them, only to check the file: never stored, exported or put
# in the blank template. Offices' rosters often carry the ID number (身份证号); two rows
# with one number are one person entered twice, whatever their names. The system keeps
# no ID numbers: the domain brief keeps personal data to what the work needs.
CHECKED_COLUMNS = {
    ImportKind.MEMBERS: (
        Column(
            "id_number", "身份证号", False, 20, gettext_lazy("选填，只用来检查同一个人是否登记了两次，系统不保存。")
        ),
    ),
}


@dataclass(frozen=True)
class SheetRow:
    """One data row: its row number in the file and its cells by field name.

    A field is absent from ``values`` when the file has no such column, which for
    optional columns means "leave this field alone" on rows that already exist.
    """

    number: int
    values: dict[str, Any]


def read_roster_file(upload: IO[bytes], *, kind: str, extension: str, limit: int | None = None) -> list[SheetRow]:
    """The data rows of an uploaded roster (the first ``limit`` of them, for a quick
    check of the file); raises ImportFileError with a message for the user."""
    raw_rows = _xlsx_rows(upload, kind) if extension == ".xlsx" else csv_rows(upload, max_rows=IMPORT_MAX_ROWS)
    return _sheet_rows(raw_rows, kind, limit)


def _xlsx_rows(upload: IO[bytes], kind: str) -> Iterator[tuple[int, Sequence[Any]]]:
    with open_xlsx(upload) as workbook:
        worksheets = workbook.worksheets
        if not worksheets:
            raise ImportFileError(_("文件中没有工作表。"))
        # A workbook may hold notes or other tables beside the roster: take the sheet
        # with the most of our headers in one of its top rows.
        headers = {header for column in COLUMNS[kind] for header in column.headers}
        required = {column.header for column in COLUMNS[kind] if column.required}

        def matched(worksheet) -> set[str]:
            top = (headers & {header_text(cell) for cell in row} for row in header_rows(worksheet))
            return max(top, key=len, default=set())

        found = {worksheet.title: matched(worksheet) for worksheet in worksheets}
        rosters = [title for title, headers_found in found.items() if required <= headers_found]
        if len(rosters) > 1:
            # Reading only one would drop the others without a word.
            raise ImportFileError(
                _(
                    "文件中有 %(count)s 个工作表都是名册（%(sheets)s），一次只能导入一个。"
                    "请合并到一个工作表，或分成几个文件上传。"
                )
                % {"count": len(rosters), "sheets": "、".join(f"“{title}”" for title in rosters)}
            )
        chosen = max(worksheets, key=lambda worksheet: len(found[worksheet.title]))
        yield from xlsx_rows(chosen, max_rows=IMPORT_MAX_ROWS)


def _sheet_rows(raw_rows: Iterable[tuple[int, Sequence[Any]]], kind: str, limit: int | None) -> list[SheetRow]:
    columns = COLUMNS[kind] + CHECKED_COLUMNS.get(kind, ())
    by_header = {header: column for column in columns for header in column.headers}
    other_kind = ImportKind.MEMBERS if kind == ImportKind.ORGANIZATIONS else ImportKind.ORGANIZATIONS
    other_required = {column.header for column in COLUMNS[other_kind] if column.required}
    iterator = iter(raw_rows)
    header_positions: dict[str, int] | None = None
    best: set[str] = set()
    looks_like_other = False
    anything = False
    for _number, cells in header_candidates(iterator):
        anything = anything or any(cells)
        found = {cell for cell in cells if cell in by_header}
        if len(found) > len(best):
            best = found
        looks_like_other = looks_like_other or other_required <= set(cells)
        if all(column.header in found for column in columns if column.required):
            header_positions = {}
            field_headers: dict[str, str] = {}
            for position, cell in enumerate(cells):
                if cell not in by_header:
                    continue
                if cell in header_positions:
                    raise ImportFileError(_("表头中“%(column)s”出现了不止一次，请只保留一列。") % {"column": cell})
                earlier = field_headers.setdefault(by_header[cell].field, cell)
                if earlier != cell:
                    # A new header and the old one of the same column, e.g. 政治面貌 and 党员状态.
                    raise ImportFileError(
                        _("表头中“%(first)s”和“%(second)s”是同一列，请只保留“%(column)s”一列。")
                        % {"first": earlier, "second": cell, "column": by_header[cell].header}
                    )
                header_positions[cell] = position
            break
    if header_positions is None:
        raise _no_header_error(kind, best, looks_like_other=looks_like_other, anything=anything)

    positions = [(by_header[header].field, position) for header, position in header_positions.items()]

    def build(number: int, row: Sequence[Any]) -> SheetRow | None:
        values = {name: cell_at(row, position) for name, position in positions}
        if all(cell_text(value) == "" for value in values.values()):
            return None
        return SheetRow(number=number, values=values)

    rows = data_rows(iterator, build, max_rows=IMPORT_MAX_ROWS, limit=limit)
    if not rows:
        raise ImportFileError(_("文件中只有表头，没有找到数据。"))
    return rows


def _no_header_error(kind: str, best: set[str], *, looks_like_other: bool, anything: bool) -> ImportFileError:
    """Why no header row was found, from what the top rows held."""
    columns = COLUMNS[kind]
    if not anything:
        return ImportFileError(
            _("文件的前 %(rows)s 行是空的，没有找到表头。请把名册放在第一个工作表的最上方，第一行是列名。")
            % {"rows": HEADER_SEARCH_ROWS}
        )
    if looks_like_other and kind == ImportKind.ORGANIZATIONS:
        return ImportFileError(_("这个文件看起来是人员名册，请选择“人员”后重新上传。"))
    if looks_like_other:
        return ImportFileError(_("这个文件看起来是组织架构表，请选择“组织”后重新上传。"))
    if not best:
        return ImportFileError(
            _("在文件的前 %(rows)s 行中没有找到表头（如“%(example)s”）。请使用导入模板，把列名放在数据上方。")
            % {"rows": HEADER_SEARCH_ROWS, "example": columns[0].header}
        )
    missing = [column.header for column in columns if column.required and column.header not in best]
    return ImportFileError(
        _("文件缺少这些列：%(columns)s。请使用导入模板，或检查表头的列名。") % {"columns": "、".join(missing)}
    )
