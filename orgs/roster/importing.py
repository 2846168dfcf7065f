"""What the two roster imports (organizations, members) share, on the skeleton of
orgs.sheets.importing: the result and its preview, reading a row's cells, the choices
a cell may name, and ``RosterImport``, which holds the importing user's scope.

Codes are the key of organizations and (organization, name, birth date) the key of
members, so importing the same file twice changes nothing the second time. Rows that
are missing from a file are never deleted.
"""

from __future__ import annotations

import datetime
from abc import abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orgs.access import user_scope
from orgs.models import UNGRADED_LABEL, Gender, Grade, MemberStatus, Organization, OrganizationKind, Post, Role, Sector
from orgs.roster.format import SheetRow
from orgs.scoping import unscoped
from orgs.sheets.cells import CellError, cell_text, formula_message, is_formula, parse_date
from orgs.sheets.importing import SheetImport, SheetImportResult

if TYPE_CHECKING:
    from orgs.models import User

PREVIEW_LIMIT = 50
# Keeps every statement well under SQLite's and PostgreSQL's parameter limits.
BATCH_SIZE = 500


@dataclass(frozen=True)
class RowChange:
    row: int
    created: bool
    subject: str
    details: tuple[str, ...] = ()
    renamed: bool = False


@dataclass(frozen=True)
class Rename:
    """An organization the file would rename: its code matches ours, its name does not.
    A file from another county, or from a system numbering its own way, matches codes by
    chance; so a rename waits for the user's explicit confirmation."""

    row: int
    code: str
    old: str
    new: str


@dataclass(kw_only=True)
class ImportResult(SheetImportResult):
    """What a roster import did or, on a dry run, would do. ``changes`` keeps only the
    first rows to be created or updated, for the preview; the counts cover every row."""

    kind: str
    created: int = 0
    updated: int = 0
    changes: list[RowChange] = field(default_factory=list)
    renames: list[Rename] = field(default_factory=list)

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
# Cells
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    header: str
    lookup: dict[str, str]  # accepted cell text → stored value
    labels: dict[str, str]  # stored value → Chinese label, as exports write it
    allowed: str


def _choice(
    header: str,
    choices: type[models.TextChoices],
    aliases: dict[str, str] | None = None,
    blank_label=None,
) -> Choice:
    """Accept the value, the label in the current language and the Chinese label (the file
    format); ``blank_label`` names the blank value where a blank is a value of its own."""
    pairs = list(choices.choices) + ([("", blank_label)] if blank_label is not None else [])
    lookup: dict[str, str] = {}
    for value, label in pairs:
        lookup[value.lower()] = value
        lookup[str(label).lower()] = value
    with translation.override("zh-hans"):
        labels = {value: str(label) for value, label in pairs}
    lookup.update({label: value for value, label in labels.items()})
    lookup.update(aliases or {})
    return Choice(header=header, lookup=lookup, labels=labels, allowed="、".join(labels.values()))


class Choices:
    """Built once per import: labels are lazy and follow the active language."""

    def __init__(self) -> None:
        self.kind = _choice("组织类别", OrganizationKind, {"党总支部": OrganizationKind.GENERAL_BRANCH})
        self.sector = _choice("所属领域", Sector, {"农村": Sector.RURAL, "牧区": Sector.RURAL})
        # 未定级 is the blank grade; written out, it clears a grade the organization had.
        self.grade = _choice(
            "等级",
            Grade,
            {"三级医院": Grade.THIRD, "二级医院": Grade.SECOND, "一级医院": Grade.FIRST},
            blank_label=UNGRADED_LABEL,
        )
        self.gender = _choice("性别", Gender, {"男性": Gender.MALE, "女性": Gender.FEMALE})
        statuses = {
            # The 党员状态 of files before 政治面貌, and the short forms offices type.
            MemberStatus.FULL: ("正式党员", "正式", "党员", "共产党员"),
            MemberStatus.PROBATIONARY: ("预备党员", "预备"),
            MemberStatus.LEAGUE: ("团员",),
            MemberStatus.DEMOCRATIC_PARTY: ("民主党派",),
            MemberStatus.NONPARTISAN: ("无党派", "无党派民主人士"),
        }
        self.status = _choice(
            "政治面貌", MemberStatus, {alias: status for status, aliases in statuses.items() for alias in aliases}
        )
        posts = {
            Post.SECRETARY: ("支部书记", "总支书记", "党委书记"),
            Post.DEPUTY_SECRETARY: ("支部副书记", "总支副书记", "党委副书记"),
            Post.COMMITTEE_MEMBER: ("支部委员", "总支委员", "党委委员"),
            Post.MEMBER: ("普通党员",),
        }
        self.post = _choice("职务", Post, {alias: post for post, aliases in posts.items() for alias in aliases})


class RowReader:
    """Reads the cells of one row, recording an error for each bad cell."""

    def __init__(self, result: ImportResult, row: SheetRow) -> None:
        self.result = result
        self.row = row
        self.failed = False

    def error(self, message: str, column: str) -> None:
        self.failed = True
        self.result.add_error(self.row.number, message, column)

    def formula(self, name: str, header: str) -> bool:
        """Whether the cell holds a formula, recorded as an error: one whose result the file
        does not carry would otherwise read as empty, and text typed as one would turn
        into a live formula in the next export."""
        value = self.row.values.get(name)
        if is_formula(value):
            self.error(formula_message(header, value), header)
            return True
        return False

    def text(self, name: str, header: str, *, max_length: int, required: bool = True, clean=cell_text) -> str | None:
        if self.formula(name, header):
            return None
        text = clean(self.row.values.get(name))
        if text == "":
            if required:
                self.error(_("“%(column)s”不能为空。") % {"column": header}, header)
            return None
        if len(text) > max_length:
            self.error(
                _("“%(column)s”太长了（%(length)s个字），最多%(max)s个字。")
                % {"column": header, "length": len(text), "max": max_length},
                header,
            )
            return None
        return text

    def choice(self, name: str, choice: Choice, *, required: bool = True) -> str | None:
        if self.formula(name, choice.header):
            return None
        text = cell_text(self.row.values.get(name))
        if text == "":
            if required:
                self.error(_("“%(column)s”不能为空。") % {"column": choice.header}, choice.header)
            return None
        value = choice.lookup.get(text)
        if value is None:  # not `or`: "" is a value (未定级)
            value = choice.lookup.get(text.lower())
        if value is None:
            self.error(
                _("“%(column)s”填写的“%(value)s”不是可选的值，可填：%(allowed)s。")
                % {"column": choice.header, "value": text, "allowed": choice.allowed},
                choice.header,
            )
        return value

    def date(self, name: str, header: str, *, required: bool = True) -> datetime.date | None:
        if self.formula(name, header):
            return None
        value = self.row.values.get(name)
        if cell_text(value) == "":
            if required:
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
        if parsed > timezone.localdate():
            self.error(_("“%(column)s”晚于今天，请检查。") % {"column": header}, header)
            return None
        return parsed


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------


def chunks(items: Sequence, size: int = BATCH_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def by_codes(codes: Iterable[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for chunk in chunks(sorted(codes)):
        found.update({organization.code: organization for organization in Organization.objects.filter(code__in=chunk)})
    return found


def change_text(model: type[models.Model], field_name: str, old: Any, new: Any, labels: dict | None = None) -> str:
    """One changed field for the preview: "职务：党员 → 委员"."""
    if labels is not None:
        old, new = labels.get(old, old), labels.get(new, new)
    else:
        # A date may come or go: a member who joins the party gets one, one who leaves loses it.
        old, new = (value.isoformat() if isinstance(value, datetime.date) else value for value in (old, new))
    return _("%(field)s：%(old)s → %(new)s") % {
        "field": model._meta.get_field(field_name).verbose_name,
        "old": old or _("（空）"),
        "new": new or _("（空）"),
    }


Item = TypeVar("Item")


class RosterImport(SheetImport[SheetRow, Item, ImportResult]):
    """One kind of roster imported by one user, whose scope decides what may change."""

    kind: ClassVar[str]

    def __init__(self, *, by: User) -> None:
        super().__init__(ImportResult(kind=self.kind))
        self.by = by
        self.scope = user_scope(by)
        self.choices = Choices()

    def across_the_tree(self):
        """For the checks' lookups: across the whole tree on purpose, so that a code outside
        the user's scope is reported as such rather than as unknown (and then clash on insert)."""
        return unscoped(f"roster import check by {self.by.pk}")

    def first_rows(
        self,
        items: Iterable[Item],
        *,
        key: Callable[[Item], Hashable | None],
        duplicate: Callable[[Item, Item], str],
        column: str,
    ) -> dict[Hashable, Item]:
        """Items by their key (None: not keyed), each the first row with it; each later row
        with the same key is an error, with the message ``duplicate(row, first)``."""
        keyed: dict[Hashable, Item] = {}
        for item in items:
            item_key = key(item)
            if item_key is None:
                continue
            if item_key in keyed:
                self.result.add_error(item.row, duplicate(item, keyed[item_key]), column)
                continue
            keyed[item_key] = item
        return keyed

    def note(self, row: int, *, created: bool, subject: str, details: Iterable[str], renamed: bool = False) -> None:
        """A row to create or update, for the preview."""
        self.result.note_change(
            RowChange(row=row, created=created, subject=subject, details=tuple(details), renamed=renamed)
        )

    def write(self) -> None:
        # Every row was checked against the user's scope. The writes run unscoped: new
        # organizations carry placeholder paths that lie in no one's scope, and for
        # members the scope filter would only add a join to each bulk statement.
        with unscoped(f"roster import by {self.by.pk}"):
            self.write_rows()

    @abstractmethod
    def write_rows(self) -> None:
        """The bulk statements of the planned changes."""
