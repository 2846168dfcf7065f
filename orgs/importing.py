"""Importing the organization tree and the member roster from the office's spreadsheets.

Three steps, kept apart so the preview and the final write run the very same checks:

1. ``read_roster_file`` turns an uploaded .xlsx or .csv into ``SheetRow``s keyed by
   field name (the header row is found by its Chinese column names, in any order).
   A file that cannot be read at all raises ``ImportFileError`` with one message.
2. ``roster_import_organizations`` / ``roster_import_members`` parse every row, check it
   against the database and the importing user's scope and collect *all* row errors.
3. Only when there is not a single error, and not in a dry run, they write everything
   in one transaction with bulk statements.

Codes are the key of organizations and (organization, name, birth date) the key of
members, so importing the same file twice changes nothing the second time. Rows that
are missing from a file are never deleted.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from xml.parsers import expat

import openpyxl
from django.conf import settings
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import from_excel

from orgs.access import user_scope
from orgs.models import (
    PATH_SEGMENT_LENGTH,
    Gender,
    Member,
    MemberStatus,
    Organization,
    OrganizationKind,
    Post,
    Role,
    Sector,
)
from orgs.scoping import Scope, scope_activated, unscoped
from orgs.services import MAX_DEPTH, assign_paths, organization_move

if TYPE_CHECKING:
    from orgs.models import User

# A county roster is a few thousand organizations and some tens of thousands of members.
IMPORT_MAX_ROWS = 100_000
# The header may sit below a title line such as "××县党员花名册".
HEADER_SEARCH_ROWS = 10
PREVIEW_LIMIT = 50
# Keeps every statement well under SQLite's and PostgreSQL's parameter limits.
BATCH_SIZE = 500
# Headers are looked for in this many columns (a roster copied out of another system
# may carry many columns of its own beside ours).
HEADER_SEARCH_COLUMNS = 200

# What an .xlsx (a zip of XML parts) may unpack to, checked on the zip's directory
# before any XML is parsed: a 100,000-row roster unpacks to about 50 MB at a ratio of
# about 12, while a "zip bomb" unpacks a few hundred KB into gigabytes. Python's zipfile
# never inflates a part beyond the size its directory declares, so the check holds.
XLSX_MAX_UNPACKED_BYTES = 200 * 2**20
XLSX_MAX_RATIO = 100
XLSX_MAX_PARTS = 2000

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, and any Office file saved with a password
# The stream in which Office keeps a password-protected .xlsx, named in UTF-16 inside the OLE file.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


class ImportKind(models.TextChoices):
    ORGANIZATIONS = "organizations", gettext_lazy("组织")
    MEMBERS = "members", gettext_lazy("党员")


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

    @property
    def must_be_filled(self) -> bool:
        return self.required and not self.may_be_empty


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
)

MEMBER_COLUMNS = (
    Column("name", "姓名", True, 10, gettext_lazy("必填。")),
    Column("gender", "性别", True, 6, gettext_lazy("必填：男、女。")),
    Column("ethnicity", "民族", False, 8, gettext_lazy("如“汉族”“裕固族”；不填时新党员记为汉族，已有党员保持不变。")),
    Column("birth_date", "出生日期", True, 12, gettext_lazy("必填，如 1975-05-01、1975/5/1、1975年5月1日。")),
    Column("joined_date", "入党日期", True, 12, gettext_lazy("必填，格式同出生日期，须晚于出生日期。")),
    Column(
        "status",
        "党员状态",
        False,
        10,
        gettext_lazy("正式党员、预备党员（也可写“正式”“预备”）；不填时新党员记为正式党员，已有党员保持不变。"),
    ),
    Column(
        "post", "职务", False, 8, gettext_lazy("书记、副书记、委员、党员；不填时新党员记为党员，已有党员保持不变。")
    ),
    Column(
        "organization_code",
        "所在组织编码",
        True,
        14,
        gettext_lazy("必填，须是系统中已有的组织；同一组织内按姓名和出生日期对应同一名党员。"),
    ),
    Column("phone", "联系电话", False, 14, gettext_lazy("选填；不填时已有党员的电话保持不变。")),
)

COLUMNS = {ImportKind.ORGANIZATIONS: ORGANIZATION_COLUMNS, ImportKind.MEMBERS: MEMBER_COLUMNS}


class ImportFileError(Exception):
    """The file as a whole cannot be used; the message is for the user."""


@dataclass(frozen=True)
class SheetRow:
    """One data row: its row number in the file and its cells by field name.

    A field is absent from ``values`` when the file has no such column, which for
    optional columns means "leave this field alone" on rows that already exist.
    """

    number: int
    values: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int
    message: str
    column: str = ""


@dataclass(frozen=True)
class RowChange:
    row: int
    created: bool
    subject: str
    details: tuple[str, ...] = ()


@dataclass
class ImportResult:
    """What an import did or, on a dry run, would do. ``changes`` keeps only the first
    rows to be created or updated, for the preview; the counts cover every row."""

    kind: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, message: str, column: str = "") -> None:
        self.errors.append(RowError(row=row, message=message, column=column))

    def note_change(self, change: RowChange) -> None:
        if len(self.changes) < PREVIEW_LIMIT:
            self.changes.append(change)


def user_can_import(user: User) -> bool:
    """Only the office and superior-organization leaders maintain the roster (no query)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not (user.is_superuser or user.role in (Role.OFFICE, Role.LEADER)):
        return False
    return user_scope(user).writable


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


def check_upload(upload: IO[bytes], *, filename: str, size: int) -> str:
    """Refuse files that are too large or not .xlsx/.csv; return the extension."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            _("文件太大（超过 %(size)s MB），请拆分后分批导入。") % {"size": round(limit / 1024 / 1024, 1)}
        )
    if size == 0:
        raise ImportFileError(_("上传的文件是空的。"))
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(OLE_MAGIC) and _is_encrypted_office_file(upload):
        raise ImportFileError(
            _(
                "这个 Excel 文件设置了打开密码，系统无法读取。请在 Excel 中打开，"
                "在“文件 → 信息 → 保护工作簿 → 用密码进行加密”中清空密码并保存，再上传。"
            )
        )
    if extension == ".xls" or head.startswith(OLE_MAGIC):
        raise ImportFileError(_("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后再上传。"))
    if extension not in (".xlsx", ".csv"):
        raise ImportFileError(_("只能上传 Excel（.xlsx）或 CSV（.csv）文件。"))
    if extension == ".xlsx" and not head.startswith(XLSX_MAGIC):
        raise ImportFileError(_("这个文件不是有效的 Excel（.xlsx）文件，请用 Excel 打开确认后重新保存再上传。"))
    if extension == ".csv" and head.startswith(XLSX_MAGIC):
        raise ImportFileError(_("这个文件实际上是 Excel 文件，请把扩展名改为 .xlsx，或在 Excel 中另存为 CSV。"))
    return extension


def _is_encrypted_office_file(upload: IO[bytes]) -> bool:
    """Whether an OLE file holds an encrypted Office document rather than an old .xls.
    The name of the stream sits in the OLE directory, which may be anywhere in the file;
    uploads are size-checked first, so reading them through is cheap."""
    upload.seek(0)
    tail = b""
    try:
        while chunk := upload.read(2**20):
            if _ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED_PACKAGE) :]
        return False
    finally:
        upload.seek(0)


def read_roster_file(upload: IO[bytes], *, kind: str, extension: str, limit: int | None = None) -> list[SheetRow]:
    """The data rows of an uploaded roster (the first ``limit`` of them, for a quick
    check of the file); raises ImportFileError with a message for the user."""
    raw_rows = _xlsx_rows(upload, kind) if extension == ".xlsx" else _csv_rows(upload)
    return _sheet_rows(raw_rows, kind, limit)


def too_many_rows_error(limit: int) -> ImportFileError:
    return ImportFileError(
        _(
            "文件的行数超过了上限（最多 %(limit)s 行数据）。如果表格末尾有大量空行或只设了格式的行，"
            "请在 Excel 中删除这些行后保存；否则请拆分后分批导入。"
        )
        % {"limit": limit}
    )


def open_xlsx(upload: IO[bytes]):
    """A read-only openpyxl workbook of an upload, after checking that the zip does not
    unpack to more than any real roster could (ImportFileError otherwise).
    The caller closes the workbook."""
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
    except Exception:  # not a zip, or a truncated one
        raise ImportFileError(_("无法读取这个 Excel 文件，文件可能已损坏或设置了密码，请检查后重新上传。")) from None
    finally:
        upload.seek(0)
    unpacked = sum(part.file_size for part in parts)
    if (
        len(parts) > XLSX_MAX_PARTS
        or unpacked > XLSX_MAX_UNPACKED_BYTES
        or any(part.file_size > 2**20 and part.file_size > XLSX_MAX_RATIO * part.compress_size for part in parts)
    ):
        raise ImportFileError(
            _(
                "这个 Excel 文件解压后的内容异常庞大，系统不予读取。请在 Excel 中新建一个工作簿，"
                "只把名册表格复制进去（选择性粘贴 → 数值），保存后再上传。"
            )
        )
    try:
        return openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for broken files
        raise ImportFileError(_("无法读取这个 Excel 文件，文件可能已损坏或设置了密码，请检查后重新上传。")) from None


def header_rows(worksheet) -> Iterator[Sequence[Any]]:
    """The top rows of a sheet, where the header is looked for. The columns are given
    explicitly: a read-only sheet otherwise cuts its rows to the declared dimension,
    which other programs often write too small."""
    return worksheet.iter_rows(max_row=HEADER_SEARCH_ROWS, max_col=HEADER_SEARCH_COLUMNS, values_only=True)


def xlsx_rows(worksheet, *, max_rows: int) -> Iterator[tuple[int, Sequence[Any]]]:
    """Numbered rows of a read-only sheet, with merged cells filled down; refuses a sheet
    with more than ``max_rows`` rows of data (blank rows count too, since each costs
    time to read) before reading it when the sheet says so, and as soon as it shows."""
    limit = max_rows + HEADER_SEARCH_ROWS
    # Excel writes the real extent of the sheet; a sheet that declares a million rows
    # is refused before the first one is read.
    if (worksheet.max_row or 0) > limit:
        raise too_many_rows_error(max_rows)
    merged = _merged_down(worksheet)
    # The declared dimension may also be too small (other programs): read every cell.
    worksheet.reset_dimensions()
    for number, row in _fill_down(enumerate(worksheet.iter_rows(values_only=True), start=1), merged):
        if number > limit:
            raise too_many_rows_error(max_rows)
        yield number, row


def _merged_down(worksheet) -> list[tuple[int, int, int]]:
    """(column index, first row, last row) of each merged range that spans rows.

    Read-only sheets do not expose merged cells, and the list of them comes after the
    rows in the sheet's XML, so the XML is scanned for it first with expat, which keeps
    nothing but what it is told to (a few seconds for 100,000 rows)."""
    found: list[tuple[int, int, int]] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if name.rsplit(" ", 1)[-1] != "mergeCell":
            return
        try:
            min_column, min_row, _max_column, max_row = range_boundaries(attributes.get("ref", ""))
        except (TypeError, ValueError):
            return
        if min_row is not None and max_row is not None and max_row > min_row:
            found.append((min_column - 1, min_row, max_row))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    # openpyxl's own stream of the sheet's part in the zip (it has no public one).
    with worksheet._get_source() as source:
        parser.ParseFile(source)
    return found


def _fill_down(
    rows: Iterable[tuple[int, Sequence[Any]]], merged: list[tuple[int, int, int]]
) -> Iterator[tuple[int, Sequence[Any]]]:
    """Give each row the value of a merged cell that covers it, as the office sees it
    in Excel: an organization code merged down over its members counts on each
    member's row. Rows with nothing else in them stay blank, and so are skipped."""
    if not merged:
        yield from rows
        return
    starting: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for column, first, last in merged:
        starting[first].append((column, last))
    carried: dict[int, tuple[int, Any]] = {}  # column → (last row, value)
    for number, row in rows:
        if carried:
            carried = {column: entry for column, entry in carried.items() if entry[0] >= number}
        if carried and any(_text(cell) != "" for cell in row):
            row = list(row)
            for column, (_last, value) in carried.items():
                if column >= len(row):
                    row.extend([None] * (column + 1 - len(row)))
                if _text(row[column]) == "":
                    row[column] = value
        for column, last in starting.get(number, ()):
            carried[column] = (last, row[column] if column < len(row) else None)
        yield number, row


def _xlsx_rows(upload: IO[bytes], kind: str) -> Iterator[tuple[int, Sequence[Any]]]:
    workbook = open_xlsx(upload)
    try:
        worksheets = workbook.worksheets
        if not worksheets:
            raise ImportFileError(_("文件中没有工作表。"))
        # A workbook may hold notes or other tables beside the roster: take the sheet
        # with the most of our headers in one of its top rows.
        headers = {column.header for column in COLUMNS[kind]}
        required = {column.header for column in COLUMNS[kind] if column.required}

        def matched(worksheet) -> set[str]:
            top = (headers & {_header_text(cell) for cell in row} for row in header_rows(worksheet))
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
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("无法读取这个 Excel 文件，文件可能已损坏，请检查后重新上传。")) from None
    finally:
        workbook.close()


def _csv_rows(upload: IO[bytes]) -> Iterator[tuple[int, Sequence[Any]]]:
    data = upload.read()
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    limit = IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            # Blank lines count: a file of millions of them is refused rather than read through.
            if number > limit:
                raise too_many_rows_error(IMPORT_MAX_ROWS)
            yield number, row
    except csv.Error:
        raise ImportFileError(_("CSV 文件格式有误，无法读取，请在 Excel 中重新另存为 CSV 后再上传。")) from None


def _decode_csv(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode 文本 (*.txt)", tab-separated, renamed to .csv.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            # Excel in a Chinese Windows saves "CSV (逗号分隔)" in GBK.
            try:
                return data.decode("gb18030")
            except UnicodeDecodeError:
                pass
    raise ImportFileError(_("无法识别 CSV 文件的文字编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再上传。"))


def _header_text(value: Any) -> str:
    # "出生日期*" and "出 生 日 期" are still the birth-date column.
    return re.sub(r"[\s*＊]", "", str(value)) if value is not None else ""


def _sheet_rows(raw_rows: Iterable[tuple[int, Sequence[Any]]], kind: str, limit: int | None) -> list[SheetRow]:
    columns = COLUMNS[kind]
    by_header = {column.header: column for column in columns}
    other_kind = ImportKind.MEMBERS if kind == ImportKind.ORGANIZATIONS else ImportKind.ORGANIZATIONS
    other_required = {column.header for column in COLUMNS[other_kind] if column.required}
    iterator = iter(raw_rows)
    header_positions: dict[str, int] | None = None
    best: set[str] = set()
    looks_like_other = False
    anything = False
    for number, row in iterator:
        cells = [_header_text(cell) for cell in row]
        anything = anything or any(cells)
        found = {cell for cell in cells if cell in by_header}
        if len(found) > len(best):
            best = found
        looks_like_other = looks_like_other or other_required <= set(cells)
        if all(column.header in found for column in columns if column.required):
            header_positions = {}
            for position, cell in enumerate(cells):
                if cell not in by_header:
                    continue
                if cell in header_positions:
                    raise ImportFileError(_("表头中“%(column)s”出现了不止一次，请只保留一列。") % {"column": cell})
                header_positions[cell] = position
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header_positions is None:
        if not anything:
            raise ImportFileError(
                _("文件的前 %(rows)s 行是空的，没有找到表头。请把名册放在第一个工作表的最上方，第一行是列名。")
                % {"rows": HEADER_SEARCH_ROWS}
            )
        if looks_like_other and kind == ImportKind.ORGANIZATIONS:
            raise ImportFileError(_("这个文件看起来是党员名册，请选择“党员”后重新上传。"))
        if looks_like_other:
            raise ImportFileError(_("这个文件看起来是组织架构表，请选择“组织”后重新上传。"))
        missing = [column.header for column in columns if column.required and column.header not in best]
        if not best:
            raise ImportFileError(
                _("在文件的前 %(rows)s 行中没有找到表头（如“%(example)s”）。请使用导入模板，把列名放在数据上方。")
                % {"rows": HEADER_SEARCH_ROWS, "example": columns[0].header}
            )
        raise ImportFileError(
            _("文件缺少这些列：%(columns)s。请使用导入模板，或检查表头的列名。") % {"columns": "、".join(missing)}
        )

    positions = [(by_header[header].field, position) for header, position in header_positions.items()]
    rows: list[SheetRow] = []
    for number, row in iterator:
        values = {name: (row[position] if position < len(row) else None) for name, position in positions}
        if all(_text(value) == "" for value in values.values()):
            continue
        if len(rows) >= IMPORT_MAX_ROWS:
            raise ImportFileError(_("文件超过 %(limit)s 行，请拆分后分批导入。") % {"limit": IMPORT_MAX_ROWS})
        rows.append(SheetRow(number=number, values=values))
        if len(rows) == limit:
            break
    if not rows:
        raise ImportFileError(_("文件中只有表头，没有找到数据。"))
    return rows


# ---------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------

_STRIP = " \t\r\n\u3000\xa0\ufeff\u200b"
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_MONTH_ONLY = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*月?$")
_CODE_FORBIDDEN = re.compile(r"[\s/\\]")
_PHONE = re.compile(r"^[0-9+\-() ]+$")
_CJK_SPACED = re.compile(r"^[\u3400-\u9fff\s]+$")


class CellError(ValueError):
    """A cell that cannot be read; the message is for the user."""


def formula_message(header: str, text: str) -> str:
    """For text that starts with "=": stored, it would turn into a live formula in the
    next export (openpyxl writes such text as one). A formula in an .xlsx is read as
    its result already, so this is text typed that way, or a CSV."""
    return _(
        "“%(column)s”填写的“%(value)s”以“=”开头，像是 Excel 公式。请填写公式算出的结果（可复制后“选择性粘贴 → 数值”）。"
    ) % {
        "column": header,
        "value": text[:30],
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps 1001 or 13912345678 typed into a cell as a float.
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip(_STRIP)


def _person_name(value: Any) -> str:
    text = _text(value)
    # Rosters pad two-character names to line them up ("王　五"); the key must not depend on it.
    if _CJK_SPACED.match(text):
        text = re.sub(r"\s+", "", text)
    return text


def parse_date(value: Any) -> datetime.date:
    """A date from an Excel date cell or from the ways offices type dates; CellError otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _date_from_number(value)
    text = _text(value)
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match:
        return _make_date(text, match)
    if _DATE_MONTH_ONLY.match(text):
        raise CellError(_("日期“%(value)s”只写到了月，请写完整的年月日，如 1975-05-01。") % {"value": text})
    raise CellError(_("日期“%(value)s”无法识别，请写成 1975-05-01 这样的格式。") % {"value": text})


def _date_from_number(value: int | float) -> datetime.date:
    if float(value).is_integer() and 10000101 <= value <= 99991231:
        text = str(int(value))  # typed as a number: 19750501
        return _make_date(text, _DATE_COMPACT.match(text))
    if 1 <= value < 2958466:
        # A date cell that lost its date format shows Excel's serial day number.
        return from_excel(value).date()
    raise CellError(_("日期“%(value)s”无法识别，请写成 1975-05-01 这样的格式。") % {"value": _text(value)})


def _make_date(text: str, match: re.Match) -> datetime.date:
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(_("日期“%(value)s”不存在，请检查月和日。") % {"value": text}) from None


@dataclass(frozen=True)
class _Choice:
    header: str
    lookup: dict[str, str]  # accepted cell text → stored value
    labels: dict[str, str]  # stored value → Chinese label, as exports write it
    allowed: str


def _choice(header: str, choices: type[models.TextChoices], aliases: dict[str, str] | None = None) -> _Choice:
    """Accept the value, the label in the current language and the Chinese label (the file format)."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        lookup[str(label).lower()] = value
    with translation.override("zh-hans"):
        labels = {value: str(label) for value, label in choices.choices}
    lookup.update({label: value for value, label in labels.items()})
    lookup.update(aliases or {})
    return _Choice(header=header, lookup=lookup, labels=labels, allowed="、".join(labels.values()))


class _Choices:
    """Built once per import: labels are lazy and follow the active language."""

    def __init__(self) -> None:
        self.kind = _choice("组织类别", OrganizationKind, {"党总支部": OrganizationKind.GENERAL_BRANCH})
        self.sector = _choice("所属领域", Sector, {"农村": Sector.RURAL, "牧区": Sector.RURAL})
        self.gender = _choice("性别", Gender, {"男性": Gender.MALE, "女性": Gender.FEMALE})
        self.status = _choice("党员状态", MemberStatus, {"正式": MemberStatus.FULL, "预备": MemberStatus.PROBATIONARY})
        posts = {
            Post.SECRETARY: ("支部书记", "总支书记", "党委书记"),
            Post.DEPUTY_SECRETARY: ("支部副书记", "总支副书记", "党委副书记"),
            Post.COMMITTEE_MEMBER: ("支部委员", "总支委员", "党委委员"),
            Post.MEMBER: ("普通党员",),
        }
        self.post = _choice("职务", Post, {alias: post for post, aliases in posts.items() for alias in aliases})


class _RowReader:
    """Reads the cells of one row, recording an error for each bad cell."""

    def __init__(self, result: ImportResult, row: SheetRow) -> None:
        self.result = result
        self.row = row
        self.failed = False

    def error(self, message: str, column: str) -> None:
        self.failed = True
        self.result.add_error(self.row.number, message, column)

    def given(self, name: str) -> bool:
        return _text(self.row.values.get(name)) != ""

    def text(self, name: str, header: str, *, max_length: int, required: bool = True, clean=_text) -> str | None:
        text = clean(self.row.values.get(name))
        if text == "":
            if required:
                self.error(_("“%(column)s”不能为空。") % {"column": header}, header)
            return None
        if text.startswith("="):
            self.error(formula_message(header, text), header)
            return None
        if len(text) > max_length:
            self.error(
                _("“%(column)s”太长了（%(length)s个字），最多%(max)s个字。")
                % {"column": header, "length": len(text), "max": max_length},
                header,
            )
            return None
        return text

    def choice(self, name: str, choice: _Choice, *, required: bool = True) -> str | None:
        text = _text(self.row.values.get(name))
        if text == "":
            if required:
                self.error(_("“%(column)s”不能为空。") % {"column": choice.header}, choice.header)
            return None
        value = choice.lookup.get(text) or choice.lookup.get(text.lower())
        if value is None:
            self.error(
                _("“%(column)s”填写的“%(value)s”不是可选的值，可填：%(allowed)s。")
                % {"column": choice.header, "value": text, "allowed": choice.allowed},
                choice.header,
            )
        return value

    def date(self, name: str, header: str) -> datetime.date | None:
        value = self.row.values.get(name)
        if _text(value) == "":
            self.error(_("“%(column)s”不能为空。") % {"column": header}, header)
            return None
        try:
            parsed = parse_date(value)
        except CellError as error:
            self.error(_("“%(column)s”：%(reason)s") % {"column": header, "reason": error}, header)
            return None
        if parsed.year < 1900:
            self.error(_("“%(column)s”早于1900年，请检查。") % {"column": header}, header)
            return None
        if parsed > datetime.date.today():
            self.error(_("“%(column)s”晚于今天，请检查。") % {"column": header}, header)
            return None
        return parsed


def _chunks(items: Sequence, size: int = BATCH_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_codes(codes: Iterable[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in _chunks(sorted(codes)):
        found.update({organization.code: organization for organization in Organization.objects.filter(code__in=chunk)})
    return found


def _change_text(model: type[models.Model], field_name: str, old: Any, new: Any, labels: dict | None = None) -> str:
    if labels is not None:
        old, new = labels.get(old, old), labels.get(new, new)
    elif isinstance(new, datetime.date):
        old, new = old.isoformat(), new.isoformat()
    return _("%(field)s：%(old)s → %(new)s") % {
        "field": model._meta.get_field(field_name).verbose_name,
        "old": old or _("（空）"),
        "new": new or _("（空）"),
    }


# ---------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------


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


def _parse_organization(result: ImportResult, row: SheetRow, choices: _Choices) -> OrganizationRow:
    cells = _RowReader(result, row)
    code = cells.text("code", "组织编码", max_length=32)
    if code is not None and _CODE_FORBIDDEN.search(code):
        cells.error(_("组织编码“%(code)s”中不能有空格、“/”或“\\”。") % {"code": code}, "组织编码")
        code = None
    return OrganizationRow(
        row=row.number,
        code=code,
        name=cells.text("name", "组织名称", max_length=100),
        kind=cells.choice("kind", choices.kind),
        sector=cells.choice("sector", choices.sector, required=False),
        parent_code=_text(row.values.get("parent_code")),
    )


@transaction.atomic
def roster_import_organizations(*, rows: Sequence[SheetRow], by: User, dry_run: bool = False) -> ImportResult:
    """Create and update organizations from roster rows, all or nothing.

    A parent may come earlier or later in the file or be in the database already; a
    changed parent moves the organization with its whole subtree. Nothing is written
    when any row has an error, nor on a dry run (the preview).
    """
    scope = user_scope(by)
    choices = _Choices()
    result = ImportResult(kind=ImportKind.ORGANIZATIONS, total=len(rows))
    parsed = [_parse_organization(result, row, choices) for row in rows]

    in_file: dict[str, OrganizationRow] = {}
    for item in parsed:
        if item.code is None:
            continue
        if item.code in in_file:
            result.add_error(
                item.row,
                _("组织编码“%(code)s”与第%(first)s行重复。") % {"code": item.code, "first": in_file[item.code].row},
                "组织编码",
            )
            continue
        in_file[item.code] = item

    # Read across the whole tree on purpose: a code or a parent outside the user's
    # scope must be reported as such, not look unknown (and then clash on insert).
    with unscoped(f"roster import check by {by.pk}"):
        existing = _by_codes(set(in_file) | {item.parent_code for item in parsed if item.parent_code})
        by_path = {organization.path: organization for organization in existing.values()}
        ancestor_paths = {path for org in existing.values() for path in org.ancestor_paths()} - set(by_path)
        for chunk in _chunks(sorted(ancestor_paths)):
            by_path.update({org.path: org for org in Organization.objects.filter(path__in=chunk)})

    def stored_parent_code(organization: Organization) -> str:
        parent = by_path.get(organization.path[:-PATH_SEGMENT_LENGTH])
        return parent.code if parent else ""

    # The tree as it will be after the import (code → parent code), for cycles and depth.
    final_parent = {organization.code: stored_parent_code(organization) for organization in by_path.values()}
    final_kind = {organization.code: organization.kind for organization in by_path.values()}
    for code, item in in_file.items():
        final_parent[code] = item.parent_code
        if item.kind:
            final_kind[code] = item.kind

    for item in in_file.values():
        _check_organization_row(result, item, existing, in_file, final_kind, scope)
    _check_cycles_and_depth(result, in_file, final_parent)
    _check_no_children_under_mass_organizations(result, in_file, existing, final_parent)

    creates: list[OrganizationRow] = []
    updates: list[tuple[Organization, OrganizationRow]] = []
    moves: list[tuple[Organization, OrganizationRow]] = []
    for code, item in in_file.items():
        organization = existing.get(code)
        if organization is None:
            creates.append(item)
            result.note_change(
                RowChange(
                    row=item.row,
                    created=True,
                    subject=f"{item.name or ''}（{code}）",
                    details=(
                        choices.kind.labels.get(item.kind or "", ""),
                        choices.sector.labels[item.sector or Sector.OTHER],
                        _("上级组织编码：%(parent)s") % {"parent": item.parent_code}
                        if item.parent_code
                        else _("顶层组织"),
                    ),
                )
            )
            continue
        details = [
            _change_text(Organization, name, getattr(organization, name), getattr(item, name), labels)
            for name, labels in (("name", None), ("kind", choices.kind.labels), ("sector", choices.sector.labels))
            if getattr(item, name) is not None and getattr(organization, name) != getattr(item, name)
        ]
        if details:
            updates.append((organization, item))
        old_parent = stored_parent_code(organization)
        if item.parent_code != old_parent:
            moves.append((organization, item))
            details.append(
                _("上级组织编码：%(old)s → %(new)s")
                % {"old": old_parent or _("无"), "new": item.parent_code or _("无")}
            )
        if details:
            result.updated += 1
            result.note_change(
                RowChange(row=item.row, created=False, subject=f"{organization.name}（{code}）", details=tuple(details))
            )
        else:
            result.unchanged += 1
    result.created = len(creates)
    result.errors.sort(key=lambda error: error.row)

    if result.errors or dry_run:
        return result
    # Every row was checked against the user's scope above. The writes run unscoped
    # because new rows carry placeholder paths that lie in no one's scope.
    with unscoped(f"roster import by {by.pk}"):
        _write_organizations(creates, updates, moves, existing, final_parent)
    result.written = True
    return result


def _check_organization_row(
    result: ImportResult,
    item: OrganizationRow,
    existing: dict[str, Organization],
    in_file: dict[str, OrganizationRow],
    final_kind: dict[str, str],
    scope: Scope,
) -> None:
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


def _check_cycles_and_depth(
    result: ImportResult, in_file: dict[str, OrganizationRow], final_parent: dict[str, str]
) -> None:
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
                        result.add_error(
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
            result.add_error(
                in_file[code].row,
                _(
                    "组织层级太深：组织树最多 %(max)s 级，本行的组织和它下面的共 %(count)s 个组织超出了，"
                    "请检查上级组织编码。"
                )
                % {"max": MAX_DEPTH, "count": count},
                "上级组织编码",
            )


def _check_no_children_under_mass_organizations(
    result: ImportResult,
    in_file: dict[str, OrganizationRow],
    existing: dict[str, Organization],
    final_parent: dict[str, str],
) -> None:
    """An organization turned into 工会/共青团/妇联 must not keep children in the database."""
    turning = {
        existing[code].pk: item
        for code, item in in_file.items()
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
        if item is not None and final_parent.get(child_code, item.code) == item.code:
            result.add_error(
                item.row,
                _("“%(name)s”下还有下级组织（如 %(child)s），不能改为群团组织。")
                % {"name": item.name, "child": child_code},
                "组织类别",
            )
            del turning[parent_id]


def _write_organizations(
    creates: list[OrganizationRow],
    updates: list[tuple[Organization, OrganizationRow]],
    moves: list[tuple[Organization, OrganizationRow]],
    existing: dict[str, Organization],
    final_parent: dict[str, str],
) -> None:
    # Names and kinds first, so that the moves below check parents against the new kinds.
    for organization, item in updates:
        organization.name, organization.kind = item.name, item.kind
        organization.sector = item.sector or organization.sector
    if updates:
        Organization.objects.bulk_update(
            [pair[0] for pair in updates], ["name", "kind", "sector"], batch_size=BATCH_SIZE
        )

    # The path needs the primary key: insert under a placeholder path unique to each
    # code, then set parents and real paths in one bulk update.
    new = [
        Organization(
            code=item.code, name=item.name, kind=item.kind, sector=item.sector or Sector.OTHER, path=f"~{item.code}"
        )
        for item in creates
    ]
    Organization.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if any(organization.pk is None for organization in new):  # a backend that returns no ids
        pks = dict(Organization.objects.filter(code__in=[o.code for o in new]).values_list("code", "pk"))
        for organization in new:
            organization.pk = pks[organization.code]
    pk_of = {code: organization.pk for code, organization in existing.items()}
    pk_of.update({organization.code: organization.pk for organization in new})
    for organization, item in zip(new, creates, strict=True):
        organization.parent_id = pk_of[item.parent_code] if item.parent_code else None
    known_paths = {organization.pk: organization.path for organization in existing.values()}
    if new:
        Organization.objects.bulk_update(assign_paths(new, known_paths), ["parent", "path"], batch_size=BATCH_SIZE)

    # Moves go shallowest first by their depth after the import: each new parent then
    # already hangs where it will stay, so no single move can close a loop.
    def final_depth(code: str) -> int:
        levels = 0
        while code := final_parent.get(code, ""):
            levels += 1
        return levels

    for organization, item in sorted(moves, key=lambda pair: final_depth(pair[1].code)):
        organization.refresh_from_db(fields=["path", "kind", "parent"])
        parent = Organization.objects.get(code=item.parent_code) if item.parent_code else None
        organization_move(organization=organization, new_parent=parent)


# ---------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------


@dataclass
class MemberRow:
    """One member as the file gives it. The optional fields are None when the column
    is missing or the cell is empty: new members then get the default, existing ones
    keep what is stored, so a short file never wipes data."""

    row: int
    name: str | None
    gender: str | None
    birth_date: datetime.date | None
    joined_date: datetime.date | None
    organization_code: str | None
    ethnicity: str | None
    status: str | None
    post: str | None
    phone: str | None
    valid: bool = True


MEMBER_FIELDS = ("gender", "ethnicity", "joined_date", "status", "post", "phone")


def _parse_member(result: ImportResult, row: SheetRow, choices: _Choices) -> MemberRow:
    cells = _RowReader(result, row)
    member = MemberRow(
        row=row.number,
        name=cells.text("name", "姓名", max_length=50, clean=_person_name),
        gender=cells.choice("gender", choices.gender),
        ethnicity=cells.text("ethnicity", "民族", max_length=20, required=False),
        birth_date=cells.date("birth_date", "出生日期"),
        joined_date=cells.date("joined_date", "入党日期"),
        status=cells.choice("status", choices.status, required=False),
        post=cells.choice("post", choices.post, required=False),
        organization_code=cells.text("organization_code", "所在组织编码", max_length=32),
        phone=cells.text("phone", "联系电话", max_length=20, required=False),
    )
    if member.phone and not _PHONE.match(member.phone):
        cells.error(
            _("联系电话“%(value)s”格式不对，只能有数字、空格、“-”和“+”。") % {"value": member.phone}, "联系电话"
        )
    if member.birth_date and member.joined_date and member.joined_date <= member.birth_date:
        cells.error(_("入党日期必须晚于出生日期。"), "入党日期")
    member.valid = not cells.failed
    return member


@transaction.atomic
def roster_import_members(*, rows: Sequence[SheetRow], by: User, dry_run: bool = False) -> ImportResult:
    """Create and update members from roster rows, all or nothing.

    The same organization, name and birth date mean the same member; only members
    whose data differ are written. Nothing is written when any row has an error, nor
    on a dry run (the preview).
    """
    scope = user_scope(by)
    choices = _Choices()
    result = ImportResult(kind=ImportKind.MEMBERS, total=len(rows))
    parsed = [_parse_member(result, row, choices) for row in rows]

    # Across the whole tree on purpose, to say "not yours" rather than "unknown".
    with unscoped(f"roster import check by {by.pk}"):
        organizations = _by_codes({item.organization_code for item in parsed if item.organization_code})
    usable: dict[str, Organization] = {}
    for item in parsed:
        code = item.organization_code
        if code is None or code in usable:
            continue
        organization = organizations.get(code)
        if organization is None:
            message = _("所在组织编码“%(code)s”在系统中找不到，请先导入组织。") % {"code": code}
        elif not scope.can_change(organization):
            message = _("所在组织“%(name)s”不在您的管理范围内。") % {"name": organization.name}
        elif organization.is_mass_organization:
            message = _("“%(name)s”是群团组织，党员应登记在党组织中。") % {"name": organization.name}
        else:
            usable[code] = organization
            continue
        result.add_error(item.row, message, "所在组织编码")
        item.valid = False

    keyed: dict[tuple, MemberRow] = {}
    for item in parsed:
        if not item.valid or item.organization_code not in usable:
            continue
        key = (usable[item.organization_code].pk, item.name, item.birth_date)
        if key in keyed:
            result.add_error(
                item.row,
                _("与第%(first)s行是同一名党员（所在组织、姓名、出生日期都相同）。") % {"first": keyed[key].row},
                "姓名",
            )
            continue
        keyed[key] = item

    stored: dict[tuple, Member] = {}
    with scope_activated(scope):
        for chunk in _chunks(sorted({key[0] for key in keyed})):
            for member in Member.objects.filter(organization_id__in=chunk).order_by():
                stored.setdefault((member.organization_id, _person_name(member.name), member.birth_date), member)

    creates: list[Member] = []
    updates: list[Member] = []
    changed_fields: set[str] = set()
    labels = {"gender": choices.gender.labels, "status": choices.status.labels, "post": choices.post.labels}
    for key, item in keyed.items():
        organization = usable[item.organization_code]
        member = stored.get(key)
        if member is None:
            member = Member(
                organization=organization,
                name=item.name,
                gender=item.gender,
                birth_date=item.birth_date,
                joined_date=item.joined_date,
            )
            for name in ("ethnicity", "status", "post", "phone"):
                if getattr(item, name) is not None:
                    setattr(member, name, getattr(item, name))
            creates.append(member)
            result.note_change(
                RowChange(
                    row=item.row,
                    created=True,
                    subject=f"{item.name}（{organization.name}）",
                    details=(
                        choices.gender.labels[member.gender],
                        member.ethnicity,
                        member.birth_date.isoformat(),
                        choices.post.labels[member.post],
                    ),
                )
            )
            continue
        changed = [
            name
            for name in MEMBER_FIELDS
            if getattr(item, name) is not None and getattr(item, name) != getattr(member, name)
        ]
        if not changed:
            result.unchanged += 1
            continue
        result.note_change(
            RowChange(
                row=item.row,
                created=False,
                subject=f"{item.name}（{organization.name}）",
                details=tuple(
                    _change_text(Member, name, getattr(member, name), getattr(item, name), labels.get(name))
                    for name in changed
                ),
            )
        )
        for name in changed:
            setattr(member, name, getattr(item, name))
        changed_fields.update(changed)
        updates.append(member)
    result.created = len(creates)
    result.updated = len(updates)
    result.errors.sort(key=lambda error: error.row)

    if result.errors or dry_run:
        return result
    # Every row was checked against the user's scope above; the scope filter would
    # only add a join to each bulk statement.
    with unscoped(f"roster import by {by.pk}"):
        Member.objects.bulk_create(creates, batch_size=BATCH_SIZE)
        if updates:
            Member.objects.bulk_update(updates, sorted(changed_fields), batch_size=BATCH_SIZE)
    result.written = True
    return result


def roster_import(*, kind: str, rows: Sequence[SheetRow], by: User, dry_run: bool = False) -> ImportResult:
    """The import service for one kind of roster."""
    if kind == ImportKind.ORGANIZATIONS:
        return roster_import_organizations(rows=rows, by=by, dry_run=dry_run)
    return roster_import_members(rows=rows, by=by, dry_run=dry_run)
