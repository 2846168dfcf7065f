"""The cells of an uploaded sheet: their text and dates, read the ways offices type them."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

# Spaces an office's cell may carry at either end: any Unicode space (the full-width one,
# no-break, NEL …) and the invisible ones that are not spaces to Unicode.
_EDGE_SPACE = re.compile(r"^[\s\ufeff\u200b]+|[\s\ufeff\u200b]+$")
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_MONTH_ONLY = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*月?$")


class CellError(ValueError):
    """A cell that cannot be read; the message is for the user."""


class UncomputedFormula:
    """A cell holding a formula whose result the file does not carry (written by a program
    other than Excel, or saved with calculation off): read for its values, it would look
    empty. Its text is the formula, so it is never taken for a blank cell."""

    def __init__(self, formula: str) -> None:
        self.formula = formula

    def __str__(self) -> str:
        return "=" + self.formula

    def __repr__(self) -> str:
        return f"UncomputedFormula({self.formula!r})"


def is_formula(value: Any) -> bool:
    """A cell holding a formula: one with no saved result, or text typed as one ("=…",
    which stored would turn into a live formula in the next export)."""
    return isinstance(value, UncomputedFormula) or cell_text(value).startswith("=")


def formula_message(header: str, value: Any) -> str:
    """What to tell the office about a formula in a cell (see ``is_formula``). A formula
    whose result Excel saved is read as that result, as the office sees it."""
    return _("“%(column)s”是公式（%(value)s），请填写数值本身（可复制后“选择性粘贴 → 数值”）。") % {
        "column": header,
        "value": cell_text(value)[:30],
    }


def cell_text(value: Any) -> str:
    """A cell as the text the office sees in it, without the spaces around it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps 1001 or 13912345678 typed into a cell as a float.
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = value.date()
    return _EDGE_SPACE.sub("", str(value))


def header_text(value: Any) -> str:
    """A header cell as it is matched: "出生日期*" and "出 生 日 期" are still the birth-date column."""
    return re.sub(r"[\s*＊]", "", str(value)) if value is not None else ""


def parse_date(value: Any) -> datetime.date:
    """A date from an Excel date cell or from the ways offices type dates; CellError otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _date_from_number(value)
    text = cell_text(value)
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
    raise CellError(_("日期“%(value)s”无法识别，请写成 1975-05-01 这样的格式。") % {"value": cell_text(value)})


def _make_date(text: str, match: re.Match) -> datetime.date:
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(_("日期“%(value)s”不存在，请检查月和日。") % {"value": text}) from None
