"""The .xlsx downloads. Every table of every export is written by ``add_table``
(``xlsx_tables`` for a workbook of nothing else), so the header row, the widths and
the guard against formula injection are written once.

Workbooks are written in openpyxl's write-only mode, which streams rows instead of
keeping a cell object for each of them, so a county's 30,000 members export in a couple
of seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks; what is None stays as Excel has it."""

    font: Font | None = None
    fill: PatternFill | None = None
    alignment: Alignment | None = None
    protection: Protection | None = None
    number_format: str | None = None


PLAIN = CellStyle()
BOLD = CellStyle(font=Font(bold=True))
# The header of the files that are filled in and imported back, and of the lists that go with them.
TINTED = CellStyle(font=Font(bold=True), fill=PatternFill("solid", fgColor="F2DCDB"))


@dataclass(frozen=True)
class Styled:
    """A cell value written with a style of its own."""

    value: Any
    style: CellStyle


@dataclass(frozen=True)
class Table:
    """One worksheet: a caption line if any, the header row (none when empty), then the
    rows. The rows may be a generator: they are read while the sheet is written, so a
    query behind them runs in the caller's scope."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    # In characters, column A first (usually a name); None leaves a column as Excel sizes it.
    widths: Sequence[float | None] = (28,)
    header_style: CellStyle = BOLD
    caption: str = ""
    # The first cell that scrolls, e.g. "A2" to keep the header in sight.
    freeze: str | None = None
    # Letters of columns that are there for the import, not for people.
    hidden: Sequence[str] = ()


def add_table(workbook: Workbook, table: Table) -> WriteOnlyWorksheet:
    """Write the table as a new sheet of a write-only workbook, and return the sheet
    (for what only some exports add to it, such as protection)."""
    # Excel's limits for sheet names: 31 characters, none of []:*?/\ (a title may come
    # from data, such as a unit type).
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", "-", table.title)[:31])
    # A write-only sheet takes widths and panes only before its first row.
    for position, width in enumerate(table.widths, start=1):
        if width is not None:
            sheet.column_dimensions[get_column_letter(position)].width = width
    for letter in table.hidden:
        sheet.column_dimensions[letter].hidden = True
    if table.freeze:
        sheet.freeze_panes = table.freeze
    if table.caption:
        sheet.append(_cells(sheet, [table.caption]))
    if table.header:
        sheet.append([_styled_cell(sheet, text, table.header_style) for text in table.header])
    for row in table.rows:
        sheet.append(_cells(sheet, row))
    return sheet


def xlsx_tables(tables: Iterable[Table]) -> bytes:
    """A workbook of the tables, one sheet each."""
    workbook = Workbook(write_only=True)
    for table in tables:
        add_table(workbook, table)
    return xlsx_bytes(workbook)


def xlsx_bytes(workbook: Workbook) -> bytes:
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Names of people: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def _formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _cells(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list:
    """The values for ``sheet.append``, with every text kept as text (``_styled_cell``)."""
    cells = []
    for value in values:
        if isinstance(value, Styled):
            cells.append(_styled_cell(sheet, value.value, value.style))
        elif _formula_like(value):
            cells.append(_styled_cell(sheet, value, PLAIN))
        else:
            cells.append(value)
    return cells


def _styled_cell(sheet: WriteOnlyWorksheet, value: Any, style: CellStyle) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    # A text that starts with "=" stays text: openpyxl would write it as a formula, and
    # Excel would run what someone typed into a form (formula injection).
    if _formula_like(value):
        cell.data_type = "s"
    for name in ("font", "fill", "alignment", "protection", "number_format"):
        if (attribute := getattr(style, name)) is not None:
            setattr(cell, name, attribute)
    return cell
