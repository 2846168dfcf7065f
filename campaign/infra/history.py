"""History diffs: what one change recorded by django-simple-history did, as people read it.

The pledge and review history pages and the audit log each show a history record as when,
who, what was done (新建, 修改, 删除) and which fields went from what to what; this is the one
place that works it out. It knows Django and simple-history only, nothing of the apps above
it: a page names the fields it shows and how to show a value Django cannot (a standard's name
for its id, an order counted from one).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTIONS = {"+": _("新建"), "~": _("修改"), "-": _("删除")}
# Who made a change recorded without a user: a command or a background task.
SYSTEM = _("系统")

# How to show a field's stored value, by field name, where the default will not do.
Shown = Mapping[str, Callable[[Any], str]]


class FieldChange(NamedTuple):
    """One field a change touched: its label, and its values before and after as shown."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryDiff:
    record: Any  # the historical record
    subject: str
    when: datetime.datetime
    who: str
    action: str
    changes: tuple[FieldChange, ...]
    reason: str

    @property
    def changed_nothing(self) -> bool:
        """Saved with nothing a reader would see changed."""
        return self.record.history_type == "~" and not self.changes


def _compared_fields(record, names: Sequence[str] | None) -> list[Field]:
    model = record.instance_type
    if names is not None:
        return [model._meta.get_field(name) for name in names]
    # Left out: what the history does not keep, what no person edits (creation and update
    # stamps), and the fields naming a user ("submitted by"): the who column says who.
    user_model = get_user_model()
    return [
        field
        for field in record.tracked_fields
        if field.editable and not (field.is_relation and field.related_model is user_model)
    ]


def _show(field: Field, value: Any, shown: Shown) -> str:
    if value is None or value == "":
        return ""
    if field.name in shown:
        return shown[field.name](value)
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def history_diff(
    record,
    *,
    before,
    subject: str = "",
    fields: Sequence[str] | None = None,
    shown: Shown | None = None,
) -> HistoryDiff:
    """What the history ``record`` did to its object, against ``before``, the record of the
    same object just before it (None for a creation, or where the history starts).

    ``fields`` names the fields compared, in the order shown; by default every field the
    history keeps that a person edits, but those naming a user. A foreign key is compared by
    its id, which ``shown`` may turn into a name. A creation lists the fields given a value,
    a change the fields whose shown value changed, a deletion none. No query, but for the
    user when ``history_user`` was not fetched with the record."""
    shown = shown or {}
    changes = []
    if record.history_type != "-":
        for field in _compared_fields(record, fields):
            value = getattr(record, field.attname)
            new = _show(field, value, shown)
            if before is None:
                if new == "" or value is False:
                    continue  # nothing given: not worth a line
                old = ""
            else:
                old = _show(field, getattr(before, field.attname), shown)
                if old == new:
                    continue
            changes.append(FieldChange(str(field.verbose_name), old, new))
    user = record.history_user
    return HistoryDiff(
        record=record,
        subject=subject,
        when=record.history_date,
        who=str(user) if user else str(SYSTEM),
        action=str(ACTIONS.get(record.history_type, record.history_type)),
        changes=tuple(changes),
        reason=record.history_change_reason or "",
    )


def history_diffs(
    records: Iterable,
    *,
    subject: Callable[[Any], str],
    fields: Sequence[str] | None = None,
    shown: Shown | None = None,
) -> list[HistoryDiff]:
    """The diffs of history ``records`` of one model, newest first, each against the record
    just before it of the same object among them: pass all the records of each object, and
    no query is made to find the one before. ``subject`` names what a record is of."""
    previous: dict[Any, Any] = {}
    diffs = []
    for record in sorted(records, key=lambda record: (record.history_date, record.history_id)):
        key = getattr(record, record.instance_type._meta.pk.attname)
        diffs.append(
            history_diff(record, before=previous.get(key), subject=subject(record), fields=fields, shown=shown)
        )
        previous[key] = record
    diffs.reverse()
    return diffs
