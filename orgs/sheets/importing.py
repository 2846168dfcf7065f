"""The skeleton every import from a spreadsheet follows (the roster's organizations and
members, a branch's progress sheet), so that the preview and the final write run the
very same checks:

1. ``read`` turns each row into an item, recording an error for each bad cell;
2. ``check`` looks at all the items together, against the database and the importing
   user's scope, recording *every* error and planning what to write;
3. only when there is not a single error, not on a dry run (the preview), and not while
   a change waits for the user's explicit confirmation (``held_back``), ``write`` writes
   it all. The service runs the import in one transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar


@dataclass(frozen=True)
class RowError:
    row: int
    message: str
    column: str = ""


@dataclass(kw_only=True)
class SheetImportResult:
    """What an import did or, on a dry run, would do."""

    total: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, row: int, message: str, column: str = "") -> None:
        self.errors.append(RowError(row=row, message=message, column=column))


Row = TypeVar("Row")
Item = TypeVar("Item")
Result = TypeVar("Result", bound=SheetImportResult)


class SheetImport(ABC, Generic[Row, Item, Result]):
    """One run of an import; see the module docstring."""

    def __init__(self, result: Result) -> None:
        self.result = result

    @abstractmethod
    def read(self, row: Row) -> Item:
        """The row's item; each bad cell is an error in ``self.result``."""

    @abstractmethod
    def check(self, items: list[Item]) -> None:
        """Record every error of the items taken together, and plan the writes."""

    @abstractmethod
    def write(self) -> None:
        """Write what ``check`` planned; only called when no row has an error."""

    def held_back(self) -> bool:
        """Whether what ``check`` planned waits for a confirmation the user has not given
        (nothing is written, and no row has an error)."""
        return False

    def run(self, rows: Sequence[Row], *, dry_run: bool) -> Result:
        self.result.total = len(rows)
        self.check([self.read(row) for row in rows])
        self.result.errors.sort(key=lambda error: error.row)
        if self.result.errors or dry_run or self.held_back():
            return self.result
        self.write()
        self.result.written = True
        return self.result
