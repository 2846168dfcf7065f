"""The offline progress sheet (践诺进展表): a branch's published pledge items as .xlsx,
filled in offline and imported back.

Typing dozens of progress updates one by one is what makes such systems go unused, so
a secretary downloads one row per item, fills three columns (进展日期, 进展情况, 是否完成)
and uploads the file. The import works like the roster import: every row is checked
first and each bad row is named with its row number and reason; only a file without a
single error is written, in one transaction, through ``progress_record``.

Each row carries the item's key: its id and a short signature (django.core.signing),
so a typo in the hidden column or an id copied from elsewhere is caught rather than
written to the wrong item. Importing the same file twice adds nothing the second time:
a row whose item already has an entry with the same date and text is left alone.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

from django.core import signing
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from campaign.campaigns.models import Campaign
from orgs.access import user_scope
from orgs.models import Organization
from orgs.scoping import scope_activated, unscoped
from orgs.sheets.cells import CellError, formula_message, header_text, parse_date
from orgs.sheets.importing import SheetImport, SheetImportResult
from orgs.sheets.reading import (
    ImportFileError,
    cell_at,
    data_rows,
    header_candidates,
    header_rows,
    open_xlsx,
    xlsx_rows,
)
from orgs.sheets.writing import TINTED, CellStyle, Styled, Table, add_table, xlsx_bytes
from pledges.lifecycle import may_file
from pledges.models import PledgeItem, ProgressEntry
from pledges.progress import RECORDABLE_STATES, ItemState, item_state, progress_record

if TYPE_CHECKING:
    from orgs.models import User


# Headers are the file format, like the roster's: Chinese whatever the interface language.
KEY = "事项编号"
PLEDGER = "承诺人"
TITLE = "承诺标题"
TARGET = "争创目标"
DUE = "完成时限"
STATE = "当前状态"
LAST = "最近进展"
DATE = "进展日期"
TEXT = "进展情况"
DONE = "是否完成"
HEADERS = (KEY, PLEDGER, TITLE, TARGET, DUE, STATE, LAST, DATE, TEXT, DONE)
WIDTHS = (14, 12, 24, 36, 12, 10, 30, 12, 48, 10)
FILL_IN = (DATE, TEXT, DONE)
REQUIRED = (KEY, *FILL_IN)

YES, NO = "是", "否"
TEXT_MAX_LENGTH = 2000
SHEET_MAX_ROWS = 5000
PREVIEW_LIMIT = 200

_SALT = "pledges.progress_sheet.item"
# Eight characters of an HMAC: a typo or a guessed id is caught, and the cell stays short.
_SIGNATURE_LENGTH = 8
_KEY_PATTERN = re.compile(r"^(\d{1,12})-([A-Za-z0-9_-]+)$")
_STRIP = " \t\r\n\u3000\xa0\ufeff\u200b"
_SHOWN = CellStyle(alignment=Alignment(wrap_text=True, vertical="top"))
# The columns to fill in: tinted, and the only cells the sheet's protection leaves open.
_FILL_IN = replace(_SHOWN, fill=PatternFill("solid", fgColor="FFF9E6"), protection=Protection(locked=False))
_STYLES = tuple(
    (replace(_FILL_IN, number_format="yyyy-mm-dd") if header == DATE else _FILL_IN) if header in FILL_IN else _SHOWN
    for header in HEADERS
)


def item_key(pk: int) -> str:
    """The item's id with a short signature, as written in the sheet's first column."""
    signature = signing.Signer(salt=_SALT).signature(str(pk))[:_SIGNATURE_LENGTH]
    return f"{pk}-{signature}"


def parse_item_key(text: str) -> int | None:
    """The item id behind a key from our sheet, or None if it was not made by item_key."""
    match = _KEY_PATTERN.match(text)
    if not match:
        return None
    pk = int(match[1])
    return pk if constant_time_compare(item_key(pk), text) else None


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def sheet_items(*, organization: Organization, campaign: Campaign) -> QuerySet[PledgeItem]:
    """Items of the organization's published pledges of the campaign (its own pledge
    first, then its members' by name), each with its newest progress entry."""
    newest = ProgressEntry.objects.filter(item=OuterRef("pk"), removed_at__isnull=True).order_by("-recorded_on", "-pk")
    return (
        PledgeItem.objects.filter(
            pledge__organization=organization, pledge__campaign=campaign, pledge__state__in=RECORDABLE_STATES
        )
        .select_related("pledge__member")
        .annotate(
            last_progress_on=Max("progress_entries__recorded_on", filter=Q(progress_entries__removed_at__isnull=True)),
            last_progress_text=Subquery(newest.values("text")[:1]),
        )
        .order_by(F("pledge__member__name").asc(nulls_first=True), "pledge__pk", "order", "pk")
    )


def progress_sheet_export(*, organization: Organization, campaign: Campaign, by: User) -> bytes:
    """The sheet of one organization's items, for ``by`` to fill in (three queries)."""
    today = timezone.localdate()
    states = {value: str(label) for value, label in ItemState.choices}
    with scope_activated(user_scope(by)):
        items = list(sheet_items(organization=organization, campaign=campaign))

    def row(item: PledgeItem) -> list[Styled]:
        pledger = item.pledge.member.name if item.pledge.member_id else organization.name
        last = ""
        if item.last_progress_on:
            last = f"{item.last_progress_on:%Y-%m-%d} {item.last_progress_text or ''}".strip()
        values = (
            item_key(item.pk),
            pledger,
            item.pledge.title,
            item.target,
            item.due_date,
            states[item_state(item, today)],
            last[:200],
            None,
            None,
            None,
        )
        return [Styled(value, style) for value, style in zip(values, _STYLES, strict=True)]

    workbook = Workbook(write_only=True)
    sheet = add_table(
        workbook,
        Table(
            title="践诺进展",
            header=HEADERS,
            rows=(row(item) for item in items),
            widths=WIDTHS,
            header_style=TINTED,
            # The key is for the import, not for people: hidden, and locked like every
            # column but the three to fill in.
            hidden=("A",),
            freeze="B2",
        ),
    )
    if items:
        last_row = len(items) + 1
        done_letter = get_column_letter(HEADERS.index(DONE) + 1)
        choice = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True, showErrorMessage=True)
        choice.error = _("请选择“是”或“否”。")
        choice.add(f"{done_letter}2:{done_letter}{last_row}")
        sheet.data_validations.append(choice)
    # Protected without a password: it guards against slips, not against intent (the
    # signed key does that). Column widths and row heights may still be changed.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False
    notes = _notes(organization, campaign, today)
    add_table(workbook, Table(title="填写说明", header=(), rows=([line] for line in notes), widths=(100,)))
    return xlsx_bytes(workbook)


def _notes(organization: Organization, campaign: Campaign, today: datetime.date) -> list[str]:
    return [
        _("%(organization)s　%(campaign)s　践诺进展表（%(date)s导出）")
        % {"organization": organization.name, "campaign": campaign.name, "date": today.isoformat()},
        "",
        _("每一行是一项已公示承诺的具体事项，只需填写最后三列（浅黄色）："),
        _("进展日期：如 2011-05-20，不能晚于今天；"),
        _("进展情况：做了什么、取得了什么成效，填了日期就必须填写；"),
        _("是否完成：填“是”表示该事项已全部完成，不填或填“否”表示仍在推进。"),
        _("没有新进展的行留空即可，导入时会跳过。"),
        _("请不要修改或删除第一列（隐藏的事项编号），也不要把其他表格的行粘贴进来。"),
        _("上传后先预览：有错误的行会逐行列出原因，全部改正之前不会写入任何数据。"),
        _("同一个文件重复导入不会重复记录：日期和内容都相同的进展只记一次。"),
    ]


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRow:
    number: int
    key: str
    date: Any
    text: str
    done: str

    @property
    def is_blank(self) -> bool:
        return self.text == "" and self.done == "" and _cell_text(self.date) == ""


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip(_STRIP)


def read_progress_sheet(upload: IO[bytes]) -> list[SheetRow]:
    """The rows of an uploaded progress sheet; ImportFileError with a message for the
    user when the file cannot be used at all."""
    with open_xlsx(upload) as workbook:
        return _rows(_find_sheet_rows(workbook))


def _find_sheet_rows(workbook) -> Iterator[tuple[int, Sequence[Any]]]:
    for worksheet in workbook.worksheets:
        if any(KEY in {header_text(cell) for cell in row} for row in header_rows(worksheet)):
            return xlsx_rows(worksheet, max_rows=SHEET_MAX_ROWS)
    raise ImportFileError(_("这不是践诺进展表：找不到“事项编号”列。请先下载本支部的进展表，填写后再上传。"))


def _rows(raw: Iterator[tuple[int, Sequence[Any]]]) -> list[SheetRow]:
    positions: dict[str, int] | None = None
    for _number, cells in header_candidates(raw):
        if KEY not in cells:
            continue
        missing = [header for header in REQUIRED if header not in cells]
        if missing:
            raise ImportFileError(
                _("进展表缺少这些列：%(columns)s。请重新下载进展表，不要删除或改名表头。")
                % {"columns": "、".join(missing)}
            )
        positions = {header: cells.index(header) for header in REQUIRED}
        break
    if positions is None:
        raise ImportFileError(_("这不是践诺进展表：找不到“事项编号”列。请先下载本支部的进展表，填写后再上传。"))

    def build(number: int, row: Sequence[Any]) -> SheetRow | None:
        sheet_row = SheetRow(
            number=number,
            key=_cell_text(cell_at(row, positions[KEY])),
            date=cell_at(row, positions[DATE]),
            text=_cell_text(cell_at(row, positions[TEXT])),
            done=_cell_text(cell_at(row, positions[DONE])),
        )
        return None if sheet_row.is_blank else sheet_row

    return data_rows(raw, build, max_rows=SHEET_MAX_ROWS)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetEntry:
    """A progress entry a row will add."""

    row: int
    item: PledgeItem
    recorded_on: datetime.date
    text: str
    marks_done: bool

    @property
    def pledger(self) -> str:
        pledge = self.item.pledge
        return pledge.member.name if pledge.member_id else pledge.organization.name


@dataclass(kw_only=True)
class ProgressSheetResult(SheetImportResult):
    """What an import did or, on a dry run, would do. Rows with nothing filled in are
    not counted at all."""

    entries: list[SheetEntry] = field(default_factory=list)
    # Items not done yet that the import marks done.
    completes: set[int] = field(default_factory=set)

    @property
    def completed(self) -> int:
        return len(self.completes)

    @property
    def preview(self) -> list[SheetEntry]:
        return self.entries[:PREVIEW_LIMIT]


@dataclass
class _Parsed:
    row: SheetRow
    pk: int | None = None
    recorded_on: datetime.date | None = None
    marks_done: bool = False
    valid: bool = True


def _parse(result: ProgressSheetResult, row: SheetRow, today: datetime.date) -> _Parsed:
    parsed = _Parsed(row=row)

    def error(message: str, column: str) -> None:
        parsed.valid = False
        result.add_error(row.number, message, column)

    if not row.key:
        error(_("没有事项编号：请不要删除或修改第一列，也不要在表中新增行。"), KEY)
    else:
        parsed.pk = parse_item_key(row.key)
        if parsed.pk is None:
            error(
                _("事项编号“%(key)s”无效，可能被修改过或来自其他表格，请重新下载进展表后填写。")
                % {"key": row.key[:40]},
                KEY,
            )
    if _cell_text(row.date) == "":
        error(_("“进展日期”不能为空：填写了进展就要写明日期。"), DATE)
    else:
        try:
            parsed.recorded_on = parse_date(row.date)
        except CellError as reason:
            error(_("“进展日期”：%(reason)s") % {"reason": reason}, DATE)
        else:
            if parsed.recorded_on > today:
                error(
                    _("“进展日期”%(date)s晚于今天，请填写已经发生的进展。") % {"date": parsed.recorded_on.isoformat()},
                    DATE,
                )
                parsed.recorded_on = None
            elif parsed.recorded_on.year < 2000:
                error(_("“进展日期”%(date)s太早了，请检查。") % {"date": parsed.recorded_on.isoformat()}, DATE)
                parsed.recorded_on = None
    if row.text == "":
        error(_("“进展情况”不能为空：请写明做了什么、取得了什么成效。"), TEXT)
    elif row.text.startswith("="):
        error(formula_message(TEXT, row.text), TEXT)
    elif len(row.text) > TEXT_MAX_LENGTH:
        error(
            _("“进展情况”太长了（%(length)s个字），最多%(max)s个字。")
            % {"length": len(row.text), "max": TEXT_MAX_LENGTH},
            TEXT,
        )
    if row.done in ("", NO):
        parsed.marks_done = False
    elif row.done == YES:
        parsed.marks_done = True
    else:
        error(_("“是否完成”只能填“是”或“否”，不能填“%(value)s”。") % {"value": row.done[:20]}, DONE)
    return parsed


@transaction.atomic
def progress_sheet_import(*, rows: Sequence[SheetRow], by: User, dry_run: bool = False) -> ProgressSheetResult:
    """Add the progress entries of a filled-in sheet, all or nothing.

    Nothing is written when any row has an error, nor on a dry run (the preview). A
    row whose item already has an entry with the same date and text is unchanged.
    """
    return _ProgressSheetImport(by=by).run(rows, dry_run=dry_run)


class _ProgressSheetImport(SheetImport[SheetRow, _Parsed, ProgressSheetResult]):
    def __init__(self, *, by: User) -> None:
        super().__init__(ProgressSheetResult())
        self.by = by
        self.scope = user_scope(by)
        self.today = timezone.localdate()

    def read(self, row: SheetRow) -> _Parsed:
        return _parse(self.result, row, self.today)

    def check(self, parsed: list[_Parsed]) -> None:
        items, elsewhere, existing = self._stored(sorted({item.pk for item in parsed if item.pk is not None}))
        for entry in parsed:
            if entry.pk is None:
                continue
            item = items.get(entry.pk)
            if item is None:
                message = (
                    _("这个事项不在您的管理范围内，请只填写本支部进展表中的事项。")
                    if entry.pk in elsewhere
                    else _("这个承诺事项已被删除，请重新下载进展表。")
                )
                self.result.add_error(entry.row.number, message, KEY)
                continue
            pledge = item.pledge
            if not may_file(self.by, pledge):
                message = _("您无权为“%(title)s”记录进展。") % {"title": pledge.title}
                self.result.add_error(entry.row.number, message, KEY)
                continue
            if pledge.state not in RECORDABLE_STATES:
                self.result.add_error(
                    entry.row.number,
                    _("承诺“%(title)s”当前状态为“%(state)s”，只有已公示、践诺中的承诺才能记录进展。")
                    % {"title": pledge.title, "state": pledge.get_state_display()},
                    KEY,
                )
                continue
            if not entry.valid:
                continue
            same = (item.pk, entry.recorded_on, entry.row.text)
            if same in existing:
                if entry.marks_done and not existing[same] and not item.completed_on:
                    self.result.add_error(
                        entry.row.number,
                        _("这条进展已经记录过，但当时没有标记完成；如果该事项现已完成，请另写一条完成情况的进展。"),
                        DONE,
                    )
                else:
                    self.result.unchanged += 1
                continue
            existing[same] = entry.marks_done
            if entry.marks_done and not item.completed_on:
                self.result.completes.add(item.pk)
            self.result.entries.append(
                SheetEntry(
                    row=entry.row.number,
                    item=item,
                    recorded_on=entry.recorded_on,
                    text=entry.row.text,
                    marks_done=entry.marks_done,
                )
            )

    def _stored(self, wanted: list[int]) -> tuple[dict[int, PledgeItem], set[int], dict[tuple, bool]]:
        """The wanted items the user may see, the ids of those outside the user's scope,
        and whether each stored entry of the items (by item, date and text) marks it done."""
        with scope_activated(self.scope):
            items = {
                item.pk: item
                for item in PledgeItem.objects.filter(pk__in=wanted).select_related(
                    "pledge__organization", "pledge__member"
                )
            }
        missing = [pk for pk in wanted if pk not in items]
        if missing:
            # Across the whole tree on purpose, to say "not yours" rather than "gone".
            with unscoped(f"progress sheet check by {self.by.pk}"):
                elsewhere = set(PledgeItem.objects.filter(pk__in=missing).values_list("pk", flat=True))
        else:
            elsewhere = set()
        # One pledge object per pledge: the first entry starts the pledge's 践诺, and the
        # next item of the same pledge must see that.
        pledges = {}
        for item in items.values():
            item.pledge = pledges.setdefault(item.pledge_id, item.pledge)
        with scope_activated(self.scope):
            existing = {
                (item_id, recorded_on, _cell_text(text)): marks_done
                for item_id, recorded_on, text, marks_done in ProgressEntry.objects.filter(
                    item_id__in=list(items), removed_at__isnull=True
                ).values_list("item_id", "recorded_on", "text", "marks_done")
            }
        return items, elsewhere, existing

    def write(self) -> None:
        with scope_activated(self.scope):
            for entry in self.result.entries:
                progress_record(
                    item=entry.item,
                    by=self.by,
                    recorded_on=entry.recorded_on,
                    text=entry.text,
                    marks_done=entry.marks_done,
                )
