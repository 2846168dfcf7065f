"""Reading an uploaded .xlsx or .csv into numbered rows, with every way a file can be
unusable turned into one ``ImportFileError`` whose message tells the office what to do.

A file is checked before it is opened (size, kind, password, how much it unpacks to), and
rows are counted as they are read, so neither a zip bomb nor a sheet of a million blank
rows costs more than a moment. Where the header is and what each column means is the
caller's: it looks through ``header_candidates`` and reads the rest with ``data_rows``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, TypeVar
from xml.parsers import expat

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from orgs.sheets.cells import UncomputedFormula, cell_text, header_text

# The header may sit below a title line such as "××县党员花名册".
HEADER_SEARCH_ROWS = 10
# Headers are looked for in this many columns (a sheet copied out of another system
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

Built = TypeVar("Built")


class ImportFileError(Exception):
    """The file as a whole cannot be used; the message is for the user."""


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


def too_many_rows_error(limit: int) -> ImportFileError:
    return ImportFileError(
        _(
            "文件的行数超过了上限（最多 %(limit)s 行数据）。如果表格末尾有大量空行或只设了格式的行，"
            "请在 Excel 中删除这些行后保存；否则请拆分后分批导入。"
        )
        % {"limit": limit}
    )


@contextlib.contextmanager
def open_xlsx(upload: IO[bytes]) -> Iterator[Any]:
    """A read-only openpyxl workbook of an upload, closed after use. The zip is first
    checked not to unpack to more than any real file could; any error while the
    workbook is read becomes an ImportFileError with a message for the user."""
    workbook = _load_xlsx(upload)
    try:
        yield workbook
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("无法读取这个 Excel 文件，文件可能已损坏，请检查后重新上传。")) from None
    finally:
        workbook.close()


def _load_xlsx(upload: IO[bytes]):
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
    """Numbered rows of a read-only sheet, with merged cells filled down and each formula
    whose result the file does not carry given as an ``UncomputedFormula``; refuses a
    sheet with more than ``max_rows`` rows of data (blank rows count too, since each costs
    time to read) before reading it when the sheet says so, and as soon as it shows."""
    limit = max_rows + HEADER_SEARCH_ROWS
    # Excel writes the real extent of the sheet; a sheet that declares a million rows
    # is refused before the first one is read.
    if (worksheet.max_row or 0) > limit:
        raise too_many_rows_error(max_rows)
    merged, formulas = _scan_sheet(worksheet)
    # The declared dimension may also be too small (other programs): read every cell.
    worksheet.reset_dimensions()
    rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
    if formulas:
        rows = _with_formulas(rows, formulas)
    for number, row in _fill_down(rows, merged):
        if number > limit:
            raise too_many_rows_error(max_rows)
        yield number, row


def _scan_sheet(worksheet) -> tuple[list[tuple[int, int, int]], dict[tuple[int, int], UncomputedFormula]]:
    """The merged ranges that span rows, as (column index, first row, last row), and the
    formulas without a saved result, by (row, column index).

    Read-only sheets expose neither: merged cells are listed after the rows in the
    sheet's XML, and a workbook read for its values (``data_only``) reads a formula with
    no saved result as an empty cell (files written by programs other than Excel, or
    saved with calculation off). The XML is scanned first with expat, which keeps
    nothing but what it is told to (a few seconds for 100,000 rows)."""
    merged: list[tuple[int, int, int]] = []
    formulas: dict[tuple[int, int], UncomputedFormula] = {}
    # The cell being read: [row, column, formula text or None, saved result text].
    cell: list[Any] = [0, 0, None, ""]
    reading: list[str | None] = [None]  # "f" or "v" while inside one of a cell's elements

    def start(name: str, attributes: dict[str, str]) -> None:
        tag = name.rsplit(" ", 1)[-1]
        if tag == "row":
            cell[0] = int(attributes["r"]) if attributes.get("r", "").isdigit() else cell[0] + 1
            cell[1] = 0
        elif tag == "c":
            reference = attributes.get("r")
            try:
                cell[0], column = coordinate_to_tuple(reference) if reference else (cell[0], cell[1] + 1)
            except (TypeError, ValueError):
                column = cell[1] + 1
            cell[1], cell[2], cell[3] = column, None, ""
        elif tag == "f":
            cell[2] = cell[2] or ""
            reading[0] = "f"
        elif tag == "v":
            reading[0] = "v"
        elif tag == "mergeCell":
            try:
                min_column, min_row, _max_column, max_row = range_boundaries(attributes.get("ref", ""))
            except (TypeError, ValueError):
                return
            if min_row is not None and max_row is not None and max_row > min_row:
                merged.append((min_column - 1, min_row, max_row))

    def end(name: str) -> None:
        tag = name.rsplit(" ", 1)[-1]
        if tag in ("f", "v"):
            reading[0] = None
        elif tag == "c" and cell[2] is not None and not cell[3].strip():
            formulas[(cell[0], cell[1] - 1)] = UncomputedFormula(cell[2])

    def text(data: str) -> None:
        if reading[0] == "f":
            cell[2] += data
        elif reading[0] == "v":
            cell[3] += data

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    # openpyxl's own stream of the sheet's part in the zip (it has no public one).
    with worksheet._get_source() as source:
        parser.ParseFile(source)
    return merged, formulas


def _with_formulas(
    rows: Iterable[tuple[int, Sequence[Any]]], formulas: dict[tuple[int, int], UncomputedFormula]
) -> Iterator[tuple[int, Sequence[Any]]]:
    columns_by_row: dict[int, list[int]] = defaultdict(list)
    for row_number, column in formulas:
        columns_by_row[row_number].append(column)
    for number, row in rows:
        columns = columns_by_row.get(number)
        if columns:
            row = list(row)
            for column in columns:
                if column >= len(row):
                    row.extend([None] * (column + 1 - len(row)))
                row[column] = formulas[(number, column)]
        yield number, row


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
        if carried and any(cell_text(cell) != "" for cell in row):
            row = list(row)
            for column, (_last, value) in carried.items():
                if column >= len(row):
                    row.extend([None] * (column + 1 - len(row)))
                if cell_text(row[column]) == "":
                    row[column] = value
        for column, last in starting.get(number, ()):
            carried[column] = (last, row[column] if column < len(row) else None)
        yield number, row


def csv_rows(upload: IO[bytes], *, max_rows: int) -> Iterator[tuple[int, Sequence[Any]]]:
    """Numbered rows of an uploaded CSV (or Excel's tab-separated "Unicode text") in any
    encoding Excel saves; refuses a file with more than ``max_rows`` rows of data."""
    data = upload.read()
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    limit = max_rows + HEADER_SEARCH_ROWS
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            # Blank lines count: a file of millions of them is refused rather than read through.
            if number > limit:
                raise too_many_rows_error(max_rows)
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


def header_candidates(rows: Iterator[tuple[int, Sequence[Any]]]) -> Iterator[tuple[int, list[str]]]:
    """The header texts of each row where the header may be, taken from ``rows``: when
    the caller stops at its header, ``rows`` goes on with the row below it."""
    for number, row in rows:
        yield number, [header_text(cell) for cell in row]
        if number >= HEADER_SEARCH_ROWS:
            return


def cell_at(row: Sequence[Any], position: int) -> Any:
    """The cell of a row at a header's position; rows end where their last value does."""
    return row[position] if position < len(row) else None


def data_rows(
    rows: Iterable[tuple[int, Sequence[Any]]],
    build: Callable[[int, Sequence[Any]], Built | None],
    *,
    max_rows: int,
    limit: int | None = None,
) -> list[Built]:
    """The rows below the header, each as ``build`` makes it from its number and cells
    (None for a blank row, which is skipped). More than ``max_rows`` is refused; reading
    stops after ``limit`` rows, for a quick check of the file."""
    built_rows: list[Built] = []
    for number, row in rows:
        built = build(number, row)
        if built is None:
            continue
        if len(built_rows) >= max_rows:
            raise ImportFileError(_("文件超过 %(limit)s 行，请拆分后分批导入。") % {"limit": max_rows})
        built_rows.append(built)
        if len(built_rows) == limit:
            break
    return built_rows
